package io.edgewise.backend.cpu;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.reference.Broadcast;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Set;

/**
 * Broadcasting float32 elementwise arithmetic on the native core (ew_eltwise): Add, Sub, Mul, Div and two-input
 * Max/Min of any NumPy broadcast in NCHW, the fused chains {@link ElementwiseChains} plans (one pass over the data
 * for a chain such as scale, bias, x * Clip(x + 3, 0, 6) / 6), and those chains over the blocked layout
 * (NchwcElementwise: blocked operands, per-channel constants and scalars). Other dtypes and ranks above 8 go to the
 * reference kernel.
 */
final class CpuElementwise {
  /** The domain of the fused chains this device plans for itself. */
  static final String DOMAIN = "io.edgewise.cpu";
  static final String CHAIN = "ElementwiseChain";
  static final String BLOCKED = "NchwcElementwise";
  /** The ops with a native kernel here, for the session's log of what runs on the reference kernels. */
  static final Set<String> OPS =
      Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "BatchNormalization", CHAIN);

  // ew_eltwise_op (edgewise.h)
  static final int ADD = 0;
  static final int SUB = 1;
  static final int MUL = 2;
  static final int DIV = 3;
  static final int MAX = 4;
  static final int MIN = 5;
  static final int CLIP = 6;
  static final int RELU = 7;
  static final int LEAKY_RELU = 8;
  static final int SIGMOID = 9;
  static final int HARD_SIGMOID = 10;
  static final int HARD_SWISH = 11;
  static final int SQRT = 12;
  static final int NEG = 13;

  /** Roles of NchwcElementwise's inputs (attribute roles). */
  static final int ROLE_BLOCKED = 0;
  static final int ROLE_CHANNEL = 2;
  static final int ROLE_SCALAR = 3;

  private CpuElementwise() {}

  static void overlay(OpRegistry r) {
    binary(r, "Add", ADD);
    binary(r, "Sub", SUB);
    binary(r, "Mul", MUL);
    binary(r, "Div", DIV);
    binary(r, "Max", MAX);
    binary(r, "Min", MIN);
    OpKernel pow = r.get("", "Pow");
    int[] square = {MUL, 0, NativeCore.ELTWISE_REGISTERS, NativeCore.ELTWISE_REGISTERS};
    r.override("", "Pow", (ctx, in) -> {
      boolean squares = in.length == 2 && in[0] != null && in[1] != null && in[0].dtype() == DType.FLOAT32
          && in[1].dtype() == DType.FLOAT32 && in[1].size() == 1 && in[1].toFloatArray()[0] == 2f
          && in[0].shape().rank() <= 8 && in[1].shape().rank() <= in[0].shape().rank();
      return squares ? new Tensor[] {run(ctx, new Tensor[] {in[0]}, square, new float[2])}
          : ctx.fallBack("the native Pow squares float32", pow, in);
    });
    OpKernel batchNorm = r.get("", "BatchNormalization");
    r.override("", "BatchNormalization", (ctx, in) -> batchNorm(ctx, in, batchNorm));
    r.register(DOMAIN, CHAIN, CpuElementwise::chain);
    r.register(NchwcPlan.DOMAIN, BLOCKED, CpuElementwise::blocked);
  }

  private static void binary(OpRegistry r, String op, int code) {
    OpKernel reference = r.get("", op);
    int[] program = {code, 0, NativeCore.ELTWISE_REGISTERS, NativeCore.ELTWISE_REGISTERS + 1};
    float[] imm = new float[2];
    r.override("", op, (ctx, in) -> {
      boolean plain = in.length == 2 && in[0] != null && in[1] != null && in[0].dtype() == DType.FLOAT32
          && in[1].dtype() == DType.FLOAT32 && Math.max(in[0].shape().rank(), in[1].shape().rank()) <= 8;
      if (!plain) {
        return ctx.fallBack("the native " + op + " takes two float32 inputs of rank <= 8", reference, in);
      }
      return new Tensor[] {run(ctx, in, program, imm)};
    });
  }

  /**
   * Inference BatchNormalization of float32 [N, C, ...] as one native pass y = x * s + t with s = scale /
   * sqrt(var + epsilon) and t = bias - mean * s per channel (the PaddleOCR detector's head normalises the
   * ConvTranspose outputs, which no convolution can absorb: 39% of its time on the reference kernel). Training mode,
   * statistics outputs and other types go to the reference kernel.
   */
  private static Tensor[] batchNorm(OpContext ctx, Tensor[] in, OpKernel reference) {
    boolean inference = ctx.node().attrInt("training_mode", 0) == 0 && !ctx.wantsOutput(1) && !ctx.wantsOutput(2)
        && (ctx.opset() >= 9 || ctx.node().attrInt("spatial", 1) == 1)
        && (ctx.opset() >= 7 || ctx.node().attrInt("is_test", 0) == 1);
    boolean plain = inference && in.length == 5 && in[0] != null && in[0].shape().rank() >= 2
        && in[0].shape().rank() <= 8;
    for (int i = 0; plain && i < 5; i++) {
      plain = in[i] != null && in[i].dtype() == DType.FLOAT32
          && (i == 0 || (in[i].shape().rank() == 1 && in[i].size() == in[0].shape().dim(1)));
    }
    if (!plain) {
      return ctx.fallBack("the native BatchNormalization takes float32 inference with [C] statistics", reference, in);
    }
    Tensor x = in[0];
    int c = Math.toIntExact(x.shape().dim(1));
    float[] scale = in[1].toFloatArray();
    float[] bias = in[2].toFloatArray();
    float[] mean = in[3].toFloatArray();
    float[] var = in[4].toFloatArray();
    double eps = ctx.node().attrFloat("epsilon", 1e-5f);
    float[] s = new float[c];
    float[] t = new float[c];
    for (int i = 0; i < c; i++) {
      double si = scale[i] / Math.sqrt(var[i] + eps);
      s[i] = (float) si;
      t[i] = (float) (bias[i] - mean[i] * si);
    }
    long[] dims = new long[x.shape().rank() - 1];
    java.util.Arrays.fill(dims, 1);
    dims[0] = c;
    int[] code = {MUL, 0, NativeCore.ELTWISE_REGISTERS, NativeCore.ELTWISE_REGISTERS + 1,
        ADD, 0, 0, NativeCore.ELTWISE_REGISTERS + 2};
    try (Tensor st = Tensor.ofFloats(Shape.of(dims), s); Tensor tt = Tensor.ofFloats(Shape.of(dims), t)) {
      return new Tensor[] {run(ctx, new Tensor[] {x, st, tt}, code, new float[4])};
    }
  }

  /** A fused chain in NCHW: its operands broadcast to the output. */
  private static Tensor[] chain(OpContext ctx, Tensor[] in) {
    for (int i = 0; i < in.length; i++) {
      Tensor t = ctx.required(in, i);
      if (t.dtype() != DType.FLOAT32) {
        throw ctx.invalid("a fused elementwise chain takes float32 operands, input " + i + " is " + t.dtype());
      }
    }
    return new Tensor[] {run(ctx, in, program(ctx), ctx.node().attrFloats("imm", new float[0]))};
  }

  private static int[] program(OpContext ctx) {
    long[] code = ctx.node().attrInts("code", new long[0]);
    int[] program = new int[code.length];
    for (int i = 0; i < code.length; i++) {
      program[i] = Math.toIntExact(code[i]);
    }
    return program;
  }

  /** The program over operands in NCHW, broadcast NumPy-style; y is a new tensor of the broadcast shape. */
  static Tensor run(OpContext ctx, Tensor[] operands, int[] code, float[] imm) {
    Shape out = operands[0].shape();
    try {
      for (int k = 1; k < operands.length; k++) {
        out = Broadcast.shape(out, operands[k].shape());
      }
    } catch (EdgewiseException e) {
      throw ctx.invalid(e.getMessage());
    }
    if (out.rank() > 8) {
      throw ctx.invalid("the native elementwise kernel takes rank <= 8, got " + out);
    }
    int rank = Math.max(out.rank(), 1);
    long[] dims = out.rank() == 0 ? new long[] {1} : out.dims();
    long[] addresses = new long[operands.length];
    long[] sizes = new long[operands.length];
    long[] strides = new long[operands.length * rank];
    for (int k = 0; k < operands.length; k++) {
      Shape s = operands[k].shape();
      long step = 1;
      for (int d = s.rank() - 1; d >= 0; d--) {
        int at = rank - s.rank() + d;
        strides[k * rank + at] = s.dim(d) == 1 ? 0 : step;
        step *= s.dim(d);
      }
      addresses[k] = operands[k].nativeAddress();
      sizes[k] = operands[k].size();
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, out);
    try {
      NativeCore.eltwise(ctx.node().name(), dims, addresses, sizes, strides, code, imm, y.nativeAddress(),
          y.size());
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return y;
  }

  /**
   * A fused chain over the blocked layout: blocked inputs are [N, ceil(C / B), H, W, B] or one vector per plane
   * [N, ceil(C / B), 1, 1, B]; per-channel constants hold C values, scalars one. Lanes past C are zeroed after.
   */
  private static Tensor[] blocked(OpContext ctx, Tensor[] in) {
    long[] roles = ctx.node().attrInts("roles", new long[0]);
    long channels = ctx.node().attrInt("channels", -1);
    if (roles.length != in.length || channels < 0) {
      throw ctx.invalid("NchwcElementwise needs one role per input and its channel count");
    }
    Tensor big = null;
    for (int i = 0; i < in.length; i++) {
      Tensor t = ctx.required(in, i);
      if (t.dtype() != DType.FLOAT32) {
        throw ctx.invalid("a fused elementwise chain takes float32 operands, input " + i + " is " + t.dtype());
      }
      if (roles[i] == ROLE_BLOCKED) {
        if (t.shape().rank() != 5) {
          throw ctx.invalid("input " + i + " " + t.shape() + " is not a blocked tensor");
        }
        if (big == null || t.size() > big.size()) {
          big = t;
        }
      }
    }
    if (big == null) {
      throw ctx.invalid("NchwcElementwise has no blocked input");
    }
    long[] b5 = big.shape().dims();
    long n = b5[0];
    long cb = b5[1];
    long hw = b5[2] * b5[3];
    long block = b5[4];
    if (cb != (channels + block - 1) / block) {
      throw ctx.invalid("blocked input " + big.shape() + " does not hold " + channels + " channels");
    }
    long[] dims = {n, cb, hw, block};
    long[] addresses = new long[in.length];
    long[] sizes = new long[in.length];
    long[] strides = new long[in.length * 4];
    Tensor[] padded = new Tensor[in.length];
    Tensor y = null;
    try {
      for (int i = 0; i < in.length; i++) {
        Tensor t = in[i];
        long[] s;
        if (roles[i] == ROLE_BLOCKED) {
          long[] d = t.shape().dims();
          if (t.shape().equals(big.shape())) {
            s = new long[] {cb * hw * block, hw * block, block, 1};
          } else if (d[0] == n && d[1] == cb && d[2] == 1 && d[3] == 1 && d[4] == block) {
            s = new long[] {cb * block, block, 0, 1};
          } else {
            throw ctx.invalid("blocked input " + i + " " + t.shape() + " neither matches " + big.shape()
                + " nor holds one vector per plane");
          }
        } else if (roles[i] == ROLE_CHANNEL) {
          if (t.size() != channels) {
            throw ctx.invalid("per-channel input " + i + " " + t.shape() + " does not hold " + channels + " values");
          }
          padded[i] = Tensor.allocate(DType.FLOAT32, Shape.of(cb * block));
          padded[i].buffer().put(t.buffer());
          t = padded[i];
          s = new long[] {0, block, 0, 1};
        } else if (roles[i] == ROLE_SCALAR) {
          if (t.size() != 1) {
            throw ctx.invalid("scalar input " + i + " " + t.shape() + " holds " + t.size() + " values");
          }
          s = new long[] {0, 0, 0, 0};
        } else {
          throw ctx.invalid("unknown role " + roles[i] + " of input " + i);
        }
        System.arraycopy(s, 0, strides, 4 * i, 4);
        addresses[i] = t.nativeAddress();
        sizes[i] = t.size();
      }
      y = Tensor.allocateUninitialized(DType.FLOAT32, big.shape());
      NativeCore.eltwise(ctx.node().name(), dims, addresses, sizes, strides, program(ctx),
          ctx.node().attrFloats("imm", new float[0]), y.nativeAddress(), y.size());
      if (channels % block != 0) {
        NativeCore.nchwcZeroPadding(n, channels, hw, y.nativeAddress(), y.size());
      }
      return new Tensor[] {y};
    } catch (RuntimeException e) {
      if (y != null) {
        y.close();
      }
      throw e;
    } finally {
      for (Tensor p : padded) {
        if (p != null) {
          p.close();
        }
      }
    }
  }
}
