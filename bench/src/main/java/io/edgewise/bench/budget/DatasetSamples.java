package io.edgewise.bench.budget;

import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.Dataset;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** A classifier's test split: each sample as the model's first input [1, ...], scored 1 when top-1 is the label. */
public final class DatasetSamples implements EvalSamples {
  private final Dataset test;
  private final String inputName;
  private final int[] sampleShape;

  /** {@code model}: any variant, read for its input's name and shape. */
  public DatasetSamples(Dataset test, Path model) {
    this.test = test;
    try (Session s = Session.open(model, SessionOptions.defaults().withDevice("ref"))) {
      inputName = s.inputs().get(0).name();
      sampleShape = Arrays.stream(s.inputs().get(0).concreteShape().dims()).skip(1).mapToInt(d -> (int) d)
          .toArray();
    }
  }

  @Override
  public int size() {
    return test.size();
  }

  @Override
  public Map<String, Tensor> input(int i) {
    long[] dims = new long[sampleShape.length + 1];
    dims[0] = 1;
    for (int k = 0; k < sampleShape.length; k++) {
      dims[k + 1] = sampleShape[k];
    }
    return Map.of(inputName, Tensor.ofFloats(Shape.of(dims), test.batch(new int[] {i}, sampleShape).data()));
  }

  @Override
  public double score(int i, Map<String, Tensor> outputs) {
    float[] v = outputs.values().iterator().next().toFloatArray();
    int best = 0;
    for (int k = 1; k < v.length; k++) {
      if (v[k] > v[best]) {
        best = k;
      }
    }
    return best == test.labels()[i] ? 1 : 0;
  }
}
