package io.edgewise.backend.opencl;

import io.edgewise.backend.Activation;
import io.edgewise.backend.reference.Broadcast;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Map;

/**
 * Add, Sub, Mul, Div (numpy broadcasting over up to 4 dims) and the activations Relu, Clip, LeakyRelu, Sigmoid,
 * Tanh, HardSwish, HardSigmoid, on float32 tensors.
 */
final class ElementwiseNodeOp implements ClNodeOp {
  /** 4-D broadcast indexing as the kernels decompose i: i0 unbounded, then d1, d2, d3. */
  private static long lastIndex(long i, Object[] a, int dims, int strides) {
    return ClFootprint.maxOverDigits(i, new long[] {1, ClFootprint.i(a, dims), ClFootprint.i(a, dims + 1),
        ClFootprint.i(a, dims + 2)}, new long[] {ClFootprint.i(a, strides), ClFootprint.i(a, strides + 1),
        ClFootprint.i(a, strides + 2), ClFootprint.i(a, strides + 3)});
  }

  /** binary4 (ops.cl): work-items i < total read a and b at their broadcast strides and write y[i]. */
  static final ClFootprint BINARY4 = ClFootprint.of("in a, in b, out y, op, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, "
      + "sb1, sb2, sb3, total, act, alpha, beta", (g, a, e) -> {
        long n = Math.min(g[0], ClFootprint.i(a, 15));
        if (n > 0) {
          e[0] = lastIndex(n - 1, a, 4, 7) + 1;
          e[1] = lastIndex(n - 1, a, 4, 11) + 1;
          e[2] = n;
        }
      });

  /** unary (ops.cl): work-items i < n read x[i] and write y[i]. */
  static final ClFootprint UNARY = ClFootprint.of("in x, out y, n, act, alpha, beta", (g, a, e) -> {
    long n = Math.max(0, Math.min(g[0], ClFootprint.i(a, 2)));
    e[0] = n;
    e[1] = n;
  });

  private final String op;

  ElementwiseNodeOp(String op) {
    this.op = op;
  }

  static boolean handles(String op) {
    return binaryCode(op) >= 0 || java.util.Set.of("Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish",
        "HardSigmoid").contains(op);
  }

  private static int binaryCode(String op) {
    return switch (op) {
      case "Add" -> 0;
      case "Sub" -> 1;
      case "Mul" -> 2;
      case "Div" -> 3;
      default -> -1;
    };
  }

  @Override
  public DeviceTensor[] run(NodeArgs a) {
    int binary = binaryCode(op);
    return binary >= 0 ? binary(a, binary) : unary(a);
  }

  private DeviceTensor[] binary(NodeArgs a, int code) {
    if (a.dtype(0) != DType.FLOAT32 || a.dtype(1) != DType.FLOAT32) {
      return null;
    }
    Shape sa = a.shape(0);
    Shape sb = a.shape(1);
    Shape out = Broadcast.shape(sa, sb);
    if (out.rank() > 4 || out.numElements() == 0 || out.numElements() > Integer.MAX_VALUE) {
      return null;
    }
    int[] dims = aligned(out, out);
    int[] stA = strides(sa, out);
    int[] stB = strides(sb, out);
    DeviceTensor y = a.allocate(out);
    int total = (int) out.numElements();
    long ns = a.programs().context().launch(a.programs().kernel("ops.cl", "binary4", Map.of()), BINARY4, a.node(),
        new long[] {total}, null, a.profile(), a.device(0).buffer(), a.device(1).buffer(), y.buffer(), code, dims[1],
        dims[2], dims[3], stA[0], stA[1], stA[2], stA[3], stB[0], stB[1], stB[2], stB[3], total, 0, 0f, 0f);
    PoolNodeOp.record(a, ns);
    return new DeviceTensor[] {y};
  }

  /** The dims of {@code s} right-aligned to 4 (leading 1s). */
  static int[] aligned(Shape s, Shape out) {
    int[] d = {1, 1, 1, 1};
    for (int i = 0; i < s.rank(); i++) {
      d[4 - s.rank() + i] = (int) s.dim(i);
    }
    return d;
  }

  /** Element strides of {@code s} read as a broadcast to {@code out}, right-aligned to 4 dims (0 = repeated). */
  static int[] strides(Shape s, Shape out) {
    int[] d = aligned(s, out);
    int[] o = aligned(out, out);
    int[] st = new int[4];
    int run = 1;
    for (int i = 3; i >= 0; i--) {
      st[i] = d[i] == o[i] ? run : 0;
      run *= d[i];
    }
    return st;
  }

  private DeviceTensor[] unary(NodeArgs a) {
    Node node = a.node();
    if (a.dtype(0) != DType.FLOAT32 || a.shape(0).numElements() > Integer.MAX_VALUE) {
      return null;
    }
    Activation kind = Activation.named(op);  // the op types are the activations' names
    int[] act = kind == null ? null : switch (kind) {
      case RELU, HARD_SWISH, SIGMOID, TANH -> Activations.code(kind, 0, 0);
      case CLIP -> clip(a);
      case LEAKY_RELU -> Activations.code(kind, node.attrFloat("alpha", 0.01f), 0);
      case HARD_SIGMOID -> Activations.code(kind, node.attrFloat("alpha", 0.2f), node.attrFloat("beta", 0.5f));
      case NONE, SILU -> null;  // no ONNX op of that name
    };
    if (act == null) {
      return null;
    }
    Shape s = a.shape(0);
    DeviceTensor y = a.allocate(s);
    int n = (int) s.numElements();
    if (n > 0) {
      long ns = a.programs().context().launch(a.programs().kernel("ops.cl", "unary", Map.of()), UNARY, node,
          new long[] {n}, null, a.profile(), a.device(0).buffer(), y.buffer(), n, act[0], Float.intBitsToFloat(act[1]),
          Float.intBitsToFloat(act[2]));
      PoolNodeOp.record(a, ns);
    }
    return new DeviceTensor[] {y};
  }

  /** Clip's bounds: attributes before opset 11, optional constant inputs since; null if an input is computed. */
  private static int[] clip(NodeArgs a) {
    float lo = Float.NEGATIVE_INFINITY;
    float hi = Float.POSITIVE_INFINITY;
    if (a.opset() < 11) {
      lo = a.node().attrFloat("min", lo);
      hi = a.node().attrFloat("max", hi);
    } else {
      for (int i = 1; i <= 2; i++) {
        if (a.present(i)) {
          Tensor t = a.constant(i);
          if (t == null || t.size() != 1) {
            return null;
          }
          if (i == 1) {
            lo = t.getFloat(0);
          } else {
            hi = t.getFloat(0);
          }
        }
      }
    }
    return Activations.code(Activation.CLIP, lo, hi);
  }
}
