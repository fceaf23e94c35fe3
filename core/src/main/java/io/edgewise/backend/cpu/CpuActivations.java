package io.edgewise.backend.cpu;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.Activation;
import io.edgewise.model.Node;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Standalone activations outside the blocked layout (float32 of any shape: after a Gemm, in a part of the graph the
 * planner left in NCHW) on the native core's elementwise kernel (ew_apply_activation); other types, and Clip bounds
 * that are not float32 scalars, go to the reference kernel, which also reports bad input. The reference kernel calls
 * a function object per element through Java arrays: about 14 ns an element (58 us for AlexNet's 4096-wide ReLU).
 */
final class CpuActivations {
  /** The ONNX activation ops it takes (SiLU is no ONNX op: the graph optimizer only fuses it). */
  static final Set<String> OPS = Stream.of(Activation.RELU, Activation.LEAKY_RELU, Activation.CLIP,
      Activation.HARD_SIGMOID, Activation.HARD_SWISH, Activation.SIGMOID, Activation.TANH).map(Activation::label)
      .collect(Collectors.toUnmodifiableSet());

  private CpuActivations() {}

  static void overlay(OpRegistry r) {
    for (String op : OPS) {
      OpKernel fallback = r.get("", op);
      r.override("", op, (ctx, in) -> apply(ctx, in, fallback));
    }
  }

  private static Tensor[] apply(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    NativeActivation act = x.dtype() == DType.FLOAT32 ? activation(ctx, in) : null;
    if (act == null) {
      return ctx.fallBack("the native activation takes float32 and constant parameters, got "
          + CpuKernels.describe(x), fallback, in);
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, x.shape());
    NativeExtents.require("ew_apply_activation", "x", x, x.size());
    NativeExtents.require("ew_apply_activation", "y", y, x.size());
    NativeCore.applyActivation(x.size(), act.code(), act.a(), act.b(), x.nativeAddress(), y.nativeAddress());
    return new Tensor[] {y};
  }

  /** The node's activation and parameters, or null where the reference kernel must decide. */
  private static NativeActivation activation(OpContext ctx, Tensor[] in) {
    Node n = ctx.node();
    Activation kind = Activation.named(n.opType());  // the op types are the activations' names
    return switch (kind) {
      case LEAKY_RELU -> new NativeActivation(kind, n.attrFloat("alpha", 0.01f), 0);
      case HARD_SIGMOID -> new NativeActivation(kind, n.attrFloat("alpha", 0.2f), n.attrFloat("beta", 0.5f));
      case CLIP -> clip(ctx, in);
      default -> new NativeActivation(kind, 0, 0);
    };
  }

  /** Clip's bounds: attributes before opset 11 (defaults the float limits), optional scalar inputs from 11 on. */
  private static NativeActivation clip(OpContext ctx, Tensor[] in) {
    if (ctx.opset() < 11) {
      return new NativeActivation(Activation.CLIP, ctx.node().attrFloat("min", -Float.MAX_VALUE),
          ctx.node().attrFloat("max", Float.MAX_VALUE));
    }
    Float lo = bound(in, 1, Float.NEGATIVE_INFINITY);
    Float hi = bound(in, 2, Float.POSITIVE_INFINITY);
    return lo == null || hi == null ? null : new NativeActivation(Activation.CLIP, lo, hi);
  }

  private static Float bound(Tensor[] in, int index, float absent) {
    if (index >= in.length || in[index] == null) {
      return absent;
    }
    Tensor b = in[index];
    return b.dtype() == DType.FLOAT32 && b.size() == 1 ? (float) b.getDouble(0) : null;
  }
}
