package io.edgewise.zoo.index;

import java.util.List;
import java.util.Map;

/**
 * One variant of a base model as the index keeps it.
 *
 * @param base the base model's name (the first half of the key)
 * @param variant the variant's name ("float" is the base itself)
 * @param transforms the recipe, in order ("prune(0.50)", "int8(minmax)")
 * @param file the variant's ONNX file where it was written
 * @param sha256 the file's content hash, so an index copied elsewhere can be re-profiled against the same bytes
 * @param bytes the file's size
 * @param metric the accuracy metric ("top1", "ocr-cer")
 * @param accuracy higher is better, in [0, 1]: top-1, or 1 - character error rate
 * @param metricValue the metric as quoted (the accuracy or the error rate)
 * @param latency per target key ("cpu/1")
 * @param profileShapes the shape of each input the variant was profiled with, so it can be re-profiled elsewhere
 */
public record VariantRecord(String base, String variant, List<String> transforms, String file, String sha256,
    long bytes, String metric, double accuracy, double metricValue, Map<String, Measurement> latency,
    Map<String, long[]> profileShapes, long createdMillis) {}
