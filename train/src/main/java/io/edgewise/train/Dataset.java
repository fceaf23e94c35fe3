package io.edgewise.train;

import io.edgewise.EdgewiseException;

/** Labelled samples in memory: features row-major [count, features] and one class label per sample. */
public record Dataset(float[] features, int featuresPerSample, int[] labels) {
  public Dataset {
    if (featuresPerSample <= 0 || features.length != (long) featuresPerSample * labels.length) {
      throw EdgewiseException.invalidArgument(features.length + " feature values do not make " + labels.length
          + " samples of " + featuresPerSample);
    }
  }

  public int size() {
    return labels.length;
  }

  /** The samples at the given positions, in that order. */
  public Dataset subset(int[] indices) {
    float[] x = new float[indices.length * featuresPerSample];
    int[] y = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || indices[i] >= size()) {
        throw EdgewiseException.invalidArgument("sample index " + indices[i] + " outside the " + size()
            + " samples of the data set");
      }
      System.arraycopy(features, indices[i] * featuresPerSample, x, i * featuresPerSample, featuresPerSample);
      y[i] = labels[indices[i]];
    }
    return new Dataset(x, featuresPerSample, y);
  }

  /** One batch as a tensor of the given per-sample shape, batch axis first. */
  public HeapTensor batch(int[] indices, int[] sampleShape) {
    int[] shape = new int[sampleShape.length + 1];
    shape[0] = indices.length;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    HeapTensor t = HeapTensor.zeros(shape);
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(features, indices[i] * featuresPerSample, t.data(), i * featuresPerSample, featuresPerSample);
    }
    return t;
  }

  public int[] labels(int[] indices) {
    int[] y = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      y[i] = labels[indices[i]];
    }
    return y;
  }

  public int classes() {
    int max = -1;
    for (int y : labels) {
      max = Math.max(max, y);
    }
    return max + 1;
  }
}
