package io.edgewise.bench.budget;

import io.edgewise.tensor.Tensor;
import java.util.Map;

/**
 * The evaluation data a budget bench's requests draw from: a model input per sample and the score of an answer, 1
 * right and 0 wrong for a classifier ({@link DatasetSamples}), 1 - CER for a text-line recogniser
 * ({@link OcrLineSamples}). A request's accuracy is its score when it answered on time, else 0.
 */
public interface EvalSamples {
  int size();

  /** Sample i as the model's inputs (batch 1); the caller closes them. */
  Map<String, Tensor> input(int i);

  /** The score in [0, 1] of the model's outputs for sample i. */
  double score(int i, Map<String, Tensor> outputs);
}
