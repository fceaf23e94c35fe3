package io.edgewise.zoo.eval;

import io.edgewise.zoo.ConfigNode;
import java.nio.file.Path;

/**
 * What an evaluator is opened for.
 *
 * @param baseName the base model's name in the config
 * @param baseModel its float ONNX file
 * @param data the config's data section (calibration, evaluation, metric), for the provider to read
 */
public record EvalContext(String baseName, Path baseModel, ConfigNode data) {}
