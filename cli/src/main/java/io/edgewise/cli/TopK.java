package io.edgewise.cli;

import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** The k largest entries of a classifier's output ([1, K] or [K] floats). */
final class TopK {
  record Entry(int index, double value) {}

  private TopK() {}

  static List<Entry> ofClassifier(Tensor t, int k) {
    long[] d = t.shape().dims();
    boolean classifier = t.dtype().isFloatingPoint()
        && (d.length == 1 && d[0] > 1 || d.length == 2 && d[0] == 1 && d[1] > 1);
    if (!classifier) {
      return List.of();
    }
    double[] v = t.toDoubleArray();
    List<Entry> all = new ArrayList<>(IntStream.range(0, v.length).mapToObj(i -> new Entry(i, v[i])).toList());
    all.sort(Comparator.comparingDouble(Entry::value).reversed().thenComparingInt(Entry::index));
    return all.subList(0, Math.min(k, all.size()));
  }

  static int argmax(Tensor t) {
    List<Entry> top = ofClassifier(t, 1);
    return top.isEmpty() ? -1 : top.get(0).index();
  }
}
