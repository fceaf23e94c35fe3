package io.edgewise.zoo.eval;

import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Measures variants of one base model on its evaluation data, and supplies its calibration and profiling inputs. */
public interface Evaluator extends AutoCloseable {
  /** Up to {@code max} model inputs (one sample each) for calibrating activations; the caller closes the tensors. */
  List<Map<String, Tensor>> calibrationInputs(int max);

  /** One representative model input for latency profiling; the caller closes the tensors. */
  Map<String, Tensor> profileInput();

  /** The metric of a variant's ONNX file run on {@code device} with {@code threads} intra-op threads. */
  Evaluation evaluate(Path model, String device, int threads);

  /** Labelled training rows and a held-out test set for fine-tuning (pruning), or null where the metric has none. */
  default io.edgewise.train.DataSplit trainingData() {
    return null;
  }

  @Override
  default void close() {}
}
