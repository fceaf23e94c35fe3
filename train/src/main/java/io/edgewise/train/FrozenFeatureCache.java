package io.edgewise.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outputs of a model's frozen part, computed once for every training sample and reused by every epoch: frozen
 * nodes are pure functions of the input (fixed parameters, batch normalization on running statistics), so running
 * them again each epoch would only repeat work. Used when the features fit a heap budget; otherwise the frozen part
 * runs with every batch as before.
 */
final class FrozenFeatureCache {
  private static final Logger LOG = LoggerFactory.getLogger(FrozenFeatureCache.class);
  private final Map<String, float[]> features = new LinkedHashMap<>();
  private final Map<String, int[]> sampleShapes = new LinkedHashMap<>();

  /** The cache, or null when nothing is frozen upstream of the trained part or the features exceed the budget. */
  /** chunk: samples per frozen forward pass (the training batch size, so peak memory stays that of training). */
  static FrozenFeatureCache build(TrainGraph graph, Dataset train, String input, int[] sampleShape, long budget,
      int chunk) {
    List<String> frontier = graph.frozenFrontier();
    if (budget <= 0 || frontier.isEmpty() || frontier.equals(List.of(input))) {
      return null;
    }
    FrozenFeatureCache cache = new FrozenFeatureCache();
    int n = train.size();
    for (int start = 0; start < n; start += chunk) {
      int[] idx = new int[Math.min(chunk, n - start)];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = start + i;
      }
      Map<String, HeapTensor> values = graph.frozenFeatures(Map.of(input, train.batch(idx, sampleShape)));
      for (Map.Entry<String, HeapTensor> e : values.entrySet()) {
        HeapTensor v = e.getValue();
        if (v.rank() == 0 || v.dim(0) != idx.length) {
          LOG.info("frozen value '{}' of shape {} is not batch-major: no feature cache", e.getKey(), v.describe());
          return null;
        }
        int per = v.size() / idx.length;
        if (start == 0) {
          long bytes = 4L * per * n + cache.features.values().stream().mapToLong(a -> 4L * a.length).sum();
          if (bytes > budget) {
            LOG.info("frozen features need {} MiB > budget {} MiB: recomputing them every batch", bytes >> 20,
                budget >> 20);
            return null;
          }
          cache.features.put(e.getKey(), new float[per * n]);
          int[] shape = new int[v.rank() - 1];
          System.arraycopy(v.shape(), 1, shape, 0, shape.length);
          cache.sampleShapes.put(e.getKey(), shape);
        }
        System.arraycopy(v.data(), 0, cache.features.get(e.getKey()), start * per, v.size());
      }
    }
    LOG.info("cached the frozen part's outputs {} for {} samples", cache.sampleShapes.keySet(), n);
    return cache;
  }

  /** The frontier values of the given training samples, batch axis first. */
  Map<String, HeapTensor> batch(int[] idx) {
    Map<String, HeapTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : features.entrySet()) {
      int[] shape = sampleShapes.get(e.getKey());
      int per = (int) HeapTensor.count(shape);
      int[] full = new int[shape.length + 1];
      full[0] = idx.length;
      System.arraycopy(shape, 0, full, 1, shape.length);
      float[] data = new float[per * idx.length];
      for (int i = 0; i < idx.length; i++) {
        System.arraycopy(e.getValue(), idx[i] * per, data, i * per, per);
      }
      out.put(e.getKey(), new HeapTensor(data, full));
    }
    return out;
  }
}
