package io.edgewise.reuse;

import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an entry hands back on reuse: the model's output tensors (as bytes, so the store owns no native memory)
 * and, for a classifier, its label and confidence. {@code label < 0} marks a non-classification result, which is
 * reused only within a tight distance (issue 7, item 2).
 */
public record StoredResult(int label, float confidence, List<StoredTensor> tensors) {

  /** One output tensor by value: name, element type, dims and little-endian data. */
  public record StoredTensor(String name, DType dtype, long[] dims, byte[] data) {}

  public StoredResult {
    tensors = List.copyOf(tensors);
  }

  public boolean isClassification() {
    return label >= 0;
  }

  /** A label only, without tensors (synthetic entries, results that come from elsewhere than a model run). */
  public static StoredResult label(int label, float confidence) {
    return new StoredResult(label, confidence, List.of());
  }

  /**
   * Copies a model's outputs. The first output that looks like a classifier (float, [K] or [1, K], K >= 2) gives
   * the label (argmax) and confidence (its softmax probability); other models store tensors only.
   */
  public static StoredResult of(Map<String, Tensor> outputs) {
    List<StoredTensor> stored = new ArrayList<>();
    int label = -1;
    float confidence = 0;
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      Tensor t = e.getValue();
      ByteBuffer src = t.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      byte[] data = new byte[(int) t.byteSize()];
      src.get(data);
      stored.add(new StoredTensor(e.getKey(), t.dtype(), t.shape().dims(), data));
      if (label < 0 && looksLikeClassifier(t)) {
        float[] logits = t.toFloatArray();
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
          if (logits[i] > logits[best]) {
            best = i;
          }
        }
        double sum = 0;
        for (float l : logits) {
          sum += Math.exp(l - logits[best]);
        }
        label = best;
        confidence = (float) (1 / sum);
      }
    }
    return new StoredResult(label, confidence, stored);
  }

  private static boolean looksLikeClassifier(Tensor t) {
    long[] d = t.shape().dims();
    boolean vector = d.length == 1 && d[0] >= 2 || d.length == 2 && d[0] == 1 && d[1] >= 2;
    return vector && (t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT64 || t.dtype() == DType.FLOAT16);
  }

  /** New tensors holding the stored outputs, in stored order; the caller owns (closes) them. */
  public Map<String, Tensor> toTensors() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try {
      for (StoredTensor s : tensors) {
        out.put(s.name(), Tensor.fromBytes(s.dtype(), Shape.of(s.dims()),
            ByteBuffer.wrap(s.data()).order(ByteOrder.LITTLE_ENDIAN)));
      }
      return out;
    } catch (RuntimeException e) {
      out.values().forEach(Tensor::close);
      throw e;
    }
  }
}
