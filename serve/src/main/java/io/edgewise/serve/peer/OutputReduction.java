package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.CtcDecoder;
import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a peer does to a partial inference's outputs before sending them back, so that what crosses the link is what
 * the caller's next step needs rather than the whole tensor. Sent as an optional trailing byte of PARTIAL_INFER
 * (absent: {@link #NONE}, so requests without one are the bytes they always were).
 */
public enum OutputReduction {
  /** The outputs as computed. */
  NONE(0),
  /**
   * Every float output y of shape [N, steps, classes] (a CTC recogniser's per-step class scores) becomes its greedy
   * best path, the first half of {@link CtcDecoder}'s decoding: y's name + {@link CtcDecoder#BEST_CLASS_SUFFIX}
   * (int32 [N, steps], the most likely class) and y's name + {@link CtcDecoder#BEST_PROB_SUFFIX} (float [N, steps],
   * its probability). The caller decodes the text from these with its dictionary, exactly as from y.
   */
  CTC_BEST_PATH(1),
  /**
   * Every float output y of shape [1, 1, H, W] (a DB text detector's probability map) becomes the page's boxes, by
   * the apps module's {@link DbPostprocess#run} with the request's {@link DbPostprocess.BoxRequest} (page size and
   * thresholds, sent after the reduction byte: {@link DbBoxWire}): y's name + {@link DbPostprocess#BOXES_SUFFIX}, a
   * float64 [n, 9] of {@link DbPostprocess#pack packed} detections, exact. The caller crops from these as from y.
   */
  DB_BOXES(2);

  private final int code;

  OutputReduction(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The reduction for a wire code, or null for an unknown one. */
  public static OutputReduction fromCode(int code) {
    for (OutputReduction r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    return null;
  }

  /**
   * Applies the reduction to {@code outputs}, which it takes: the tensors it replaces are closed, the map it returns
   * is the caller's. An output it cannot reduce (not a float [N, steps, classes]) is an {@link EdgewiseException}
   * naming it, and then every output is closed.
   */
  public Map<String, Tensor> apply(Map<String, Tensor> outputs) {
    return apply(outputs, null);
  }

  /**
   * As {@link #apply(Map)}; {@code boxes} is what {@link #DB_BOXES} needs (page size and thresholds; null for the
   * other reductions, and for it an {@link EdgewiseException}, every output closed).
   */
  public Map<String, Tensor> apply(Map<String, Tensor> outputs, DbPostprocess.BoxRequest boxes) {
    if (this == NONE) {
      return outputs;
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    try {
      if (this == DB_BOXES) {
        applyDbBoxes(outputs, boxes, out);
        return out;
      }
      for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
        Tensor y = e.getValue();
        Shape s = y.shape();
        if (!y.dtype().isFloatingPoint() || s.rank() != 3) {
          throw EdgewiseException.invalidArgument("output " + e.getKey() + " (" + y.dtype() + " " + s + ") has no "
              + "CTC best path: it needs a float [N, steps, classes]");
        }
        int n = Math.toIntExact(s.dim(0));
        int steps = Math.toIntExact(s.dim(1));
        int classes = Math.toIntExact(s.dim(2));
        float[] probs = y.toFloatArray();
        int[] best = new int[n * steps];
        float[] bestP = new float[n * steps];
        for (int i = 0; i < n; i++) {
          CtcDecoder.bestPath(probs, i, steps, classes, best, bestP, i * steps);
        }
        long[] bestLong = new long[best.length];
        for (int i = 0; i < best.length; i++) {
          bestLong[i] = best[i];
        }
        out.put(e.getKey() + CtcDecoder.BEST_CLASS_SUFFIX, Tensor.ofLongs(DType.INT32, Shape.of(n, steps), bestLong));
        out.put(e.getKey() + CtcDecoder.BEST_PROB_SUFFIX, Tensor.ofFloats(Shape.of(n, steps), bestP));
      }
    } catch (RuntimeException ex) {
      out.values().forEach(Tensor::close);
      throw ex;
    } finally {
      outputs.values().forEach(Tensor::close);
    }
    return out;
  }

  private static void applyDbBoxes(Map<String, Tensor> outputs, DbPostprocess.BoxRequest boxes,
      Map<String, Tensor> out) {
    if (boxes == null) {
      throw EdgewiseException.invalidArgument("DB_BOXES reduction without its box options (page size, thresholds)");
    }
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      Tensor y = e.getValue();
      Shape s = y.shape();
      if (!y.dtype().isFloatingPoint() || s.rank() != 4 || s.dim(0) != 1 || s.dim(1) != 1) {
        throw EdgewiseException.invalidArgument("output " + e.getKey() + " (" + y.dtype() + " " + s + ") has no DB "
            + "boxes: it needs a float [1, 1, H, W] probability map");
      }
      int h = Math.toIntExact(s.dim(2));
      int w = Math.toIntExact(s.dim(3));
      double[] packed = DbPostprocess.pack(DbPostprocess.run(y.toFloatArray(), w, h, boxes.pageWidth(),
          boxes.pageHeight(), boxes.params()));
      out.put(e.getKey() + DbPostprocess.BOXES_SUFFIX, Tensor.ofDoubles(DType.FLOAT64,
          Shape.of(packed.length / DbPostprocess.PACKED, DbPostprocess.PACKED), packed));
    }
  }
}
