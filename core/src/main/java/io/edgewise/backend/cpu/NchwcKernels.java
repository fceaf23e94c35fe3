package io.edgewise.backend.cpu;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.reference.ops.ConvGeometry;
import io.edgewise.backend.reference.ops.ConvKernel;
import io.edgewise.model.Attribute;
import io.edgewise.model.Node;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kernels of the ops {@link NchwcPlan} writes (domain io.edgewise.nchwc), over the native core's NCHWc kernels.
 * Blocked tensors are float32 [N, ceil(C / B), H, W, B]; every kernel checks the shapes it is given against the
 * channel counts the plan recorded, so a mismatch is an error naming the node, never a wrong answer. Each kernel
 * writes every element of its output (padding lanes included), so outputs skip the pool's zero fill.
 */
final class NchwcKernels {
  private final int block;
  private final NchwcWeights weights;

  private NchwcKernels(int block, NchwcWeights weights) {
    this.block = block;
    this.weights = weights;
  }

  /** Registers the blocked ops over r, which must still hold the reference Add (the fallback of a broadcast add). */
  static OpRegistry overlay(OpRegistry r, NchwcWeights weights) {
    NchwcKernels k = new NchwcKernels(NativeCore.nchwcBlock(), weights);
    OpKernel add = r.get("", "Add");
    OpKernel mul = r.get("", "Mul");
    String d = NchwcPlan.DOMAIN;
    r.register(d, "ToNchwc", k::toBlocked);
    r.register(d, "FromNchwc", k::fromBlocked);
    r.register(d, "NchwcConv", k::conv);
    r.register(d, "NchwcPool", k::pool);
    r.register(d, "NchwcGlobalAveragePool", k::globalAveragePool);
    r.register(d, "NchwcAdd", (ctx, in) -> k.add(ctx, in, add));
    r.register(d, "NchwcMul", (ctx, in) -> k.mul(ctx, in, mul));
    r.register(d, "NchwcConcat", k::concat);
    r.register(d, "NchwcConcatConv", k::concatConv);
    r.register(d, "NchwcGroupedConv", k::groupedConv);
    r.register(d, "NchwcChannelAffine", k::channelAffine);
    r.register(d, "NchwcGatherChannels", k::gatherChannels);
    return r;
  }

  private long blocks(long channels) {
    return (channels + block - 1) / block;
  }

  private Shape blockedShape(long n, long channels, long h, long w) {
    return Shape.of(n, blocks(channels), h, w, block);
  }

  /** A blocked input's [N, C, H, W] for `channels` channels, after checking it is laid out for them. */
  private Shape plainShape(OpContext ctx, Tensor t, long channels, String what) {
    long[] d = t.shape().dims();
    if (t.dtype() != DType.FLOAT32 || d.length != 5 || d[1] != blocks(channels) || d[4] != block) {
      throw ctx.invalid(what + " " + t.dtype() + t.shape() + " is not a float32 NCHWc tensor of " + channels
          + " channels (block " + block + ")");
    }
    return Shape.of(d[0], channels, d[2], d[3]);
  }

  private Tensor[] toBlocked(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    long[] d = x.shape().dims();
    if (x.dtype() != DType.FLOAT32 || d.length != 4) {
      throw ctx.invalid("input " + x.dtype() + x.shape() + " must be float32 [N, C, H, W]");
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, blockedShape(d[0], d[1], d[2], d[3]));
    NativeCore.nchwcReorder(true, d[0], d[1], d[2] * d[3], x.nativeAddress(), y.nativeAddress());
    return new Tensor[] {y};
  }

  private Tensor[] fromBlocked(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Shape s = plainShape(ctx, x, ctx.node().attrInt("channels", -1), "input");
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, s);
    NativeCore.nchwcReorder(false, s.dim(0), s.dim(1), s.dim(2) * s.dim(3), x.nativeAddress(), y.nativeAddress());
    return new Tensor[] {y};
  }

  private Tensor[] conv(OpContext ctx, Tensor[] in) {
    PlannedConv c = planConv(ctx, in);
    Shape out = blockedShape(c.batch(), c.outChannels(), c.geometry[5], c.geometry[6]);
    Tensor residual = residual(ctx, in, out);
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, out);
    NativeCore.nchwcConv2d(c.geometry, c.inputBlocked, c.act.code(), c.act.a(), c.act.b(), c.x.nativeAddress(),
        c.packed.nativeAddress(), c.bias == null ? 0 : c.bias.nativeAddress(),
        residual == null ? 0 : residual.nativeAddress(), y.nativeAddress());
    return new Tensor[] {y};
  }

  /** A convolution's optional residual input Z (input 3), checked to be shaped like its blocked output. */
  private static Tensor residual(OpContext ctx, Tensor[] in, Shape out) {
    Tensor residual = in.length > 3 ? in[3] : null;
    if (residual != null && !residual.shape().equals(out)) {
      throw ctx.invalid("residual Z " + residual.shape() + " does not match the blocked output " + out);
    }
    return residual;
  }

  /**
   * A grouped convolution as dense convolutions over units of channels (NchwcPlan.groupedConv), image by image and
   * unit by unit, each reading and writing its own run of blocks.
   */
  private Tensor[] groupedConv(OpContext ctx, Tensor[] in) {
    PlannedConv c = planConv(ctx, in);
    long channels = c.geometry[1];
    long unit = ctx.node().attrInt("unit", 0);
    if (unit <= 0 || channels % unit != 0) {
      throw ctx.invalid("attribute unit = " + unit + " does not divide the " + channels + " channels");
    }
    Shape out = blockedShape(c.batch(), c.outChannels(), c.geometry[5], c.geometry[6]);
    Tensor residual = residual(ctx, in, out);
    long[] one = c.geometry.clone();  // one image, one unit of channels in and out, no groups
    one[0] = 1;
    one[1] = unit;
    one[4] = unit;
    one[15] = 1;
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, out);
    long units = channels / unit;
    long unitWeights = c.packed.size() / units;
    long inPlane = c.geometry[2] * c.geometry[3] * block;
    long outPlane = c.geometry[5] * c.geometry[6] * block;
    long blocksPerUnit = unit / block;
    for (long img = 0; img < c.batch(); img++) {
      for (long u = 0; u < units; u++) {
        long firstBlock = img * blocks(channels) + u * blocksPerUnit;
        NativeCore.nchwcConv2d(one, true, c.act.code(), c.act.a(), c.act.b(),
            c.x.nativeAddress() + 4 * firstBlock * inPlane, c.packed.nativeAddress() + 4 * u * unitWeights,
            c.bias == null ? 0 : c.bias.nativeAddress() + 4 * u * unit,
            residual == null ? 0 : residual.nativeAddress() + 4 * firstBlock * outPlane,
            y.nativeAddress() + 4 * firstBlock * outPlane);
      }
    }
    return new Tensor[] {y};
  }

  /** One convolution checked and planned against its node: geometry (as ew_conv2d's), packed weights, activation. */
  private record PlannedConv(Tensor x, Tensor bias, Tensor packed, boolean inputBlocked, long[] geometry,
      NativeActivation act) {
    long batch() {
      return geometry[0];
    }

    long outChannels() {
      return geometry[4];
    }
  }

  private PlannedConv planConv(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor w = ctx.required(in, 1);
    Tensor bias = in.length > 2 ? in[2] : null;
    if (x.dtype() != DType.FLOAT32 || (bias != null && bias.dtype() != DType.FLOAT32)) {
      throw ctx.invalid("the NCHWc convolution needs float32 X and B, got " + x.dtype()
          + (bias == null ? "" : " and " + bias.dtype()));
    }
    RecentPlans<ConvPlan> plans = convPlans.computeIfAbsent(ctx.node(), n -> new RecentPlans<>(RecentPlans.SHAPES));
    ConvPlan p = plans.get(x.shape());
    if (p == null || !p.w().equals(w.shape())) {
      p = convPlan(ctx, x, w);
      plans.put(x.shape(), p);
    }
    if (bias != null && bias.size() != p.geometry()[4]) {
      throw ctx.invalid("bias B has " + bias.size() + " elements for " + p.geometry()[4] + " output channels");
    }
    return new PlannedConv(x, bias, p.packed(), p.inputBlocked(), p.geometry(), p.act());
  }

  /**
   * What planConv derives from a node and its input shapes, kept per node and input shape (the last few shapes):
   * parsing the attributes, the geometry and the weights' key again on every run was most of what a run allocated on
   * the Java heap.
   */
  private record ConvPlan(Shape x, Shape w, Tensor packed, boolean inputBlocked, long[] geometry,
      NativeActivation act) {}

  private final Map<Node, RecentPlans<ConvPlan>> convPlans = new ConcurrentHashMap<>();  // by node identity

  private ConvPlan convPlan(OpContext ctx, Tensor x, Tensor w) {
    boolean inputBlocked = ctx.node().attrInt("input_blocked", 1) == 1;
    long group = ctx.node().attrInt("group", 1);
    long channels = w.shape().dim(1) * group;
    Shape xs = inputBlocked ? plainShape(ctx, x, channels, "input X") : x.shape();
    ConvKernel plan = ConvKernel.plan(ctx, xs, w.shape());
    ConvGeometry g = plan.geometry;
    // a grouped convolution's weights are packed in units of channels (NchwcWeights.packGrouped)
    Tensor packed = ctx.node().opType().equals("NchwcGroupedConv") ? weights.getGrouped(ctx.node().input(1))
        : weights.get(ctx.node().input(1), inputBlocked);
    if (packed == null) {
      throw ctx.invalid("weight W '" + ctx.node().input(1) + "' was not packed for NCHWc when the session compiled");
    }
    long[] geometry = {plan.batch, plan.channels, g.in[0], g.in[1], plan.outChannels, g.out[0], g.out[1],
        g.kernel[0], g.kernel[1], g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], g.padBegin[0],
        g.padBegin[1], plan.group};
    return new ConvPlan(x.shape(), w.shape(), packed, inputBlocked, geometry, NativeActivation.of(ctx));
  }

  /**
   * The convolutions of a channel concat writing straight into its output ({@link NchwcPlan}): part i reads inputs
   * 3i..3i+2 and its attributes prefixed "p{i}_", and fills its run of whole blocks, one image at a time.
   */
  private Tensor[] concatConv(OpContext ctx, Tensor[] in) {
    int parts = Math.toIntExact(ctx.node().attrInt("parts", 0));
    if (parts < 1 || in.length != 3 * parts) {
      throw ctx.invalid("a channel concat of " + parts + " convolutions needs " + 3 * parts + " inputs, got "
          + in.length);
    }
    PlannedConv[] planned = new PlannedConv[parts];
    long totalBlocks = 0;
    for (int i = 0; i < parts; i++) {
      planned[i] = planConv(part(ctx, i, parts), java.util.Arrays.copyOfRange(in, 3 * i, 3 * i + 3));
      long[] g = planned[i].geometry;
      long[] g0 = planned[0].geometry;
      if (planned[i].outChannels() % block != 0 || g[0] != g0[0] || g[5] != g0[5] || g[6] != g0[6]) {
        throw ctx.invalid("part " + i + " gives [" + g[0] + ", " + planned[i].outChannels() + ", " + g[5] + ", " + g[6]
            + "], which does not concatenate in whole blocks with part 0's [" + g0[0] + ", " + planned[0].outChannels()
            + ", " + g0[5] + ", " + g0[6] + "]");
      }
      totalBlocks += planned[i].outChannels() / block;
    }
    long[] g0 = planned[0].geometry;
    long plane = g0[5] * g0[6] * block;
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, Shape.of(g0[0], totalBlocks, g0[5], g0[6], block));
    long offset = 0;
    for (PlannedConv c : planned) {
      long[] one = c.geometry.clone();
      one[0] = 1;
      long xImage = (c.inputBlocked ? blocks(c.geometry[1]) * block : c.geometry[1]) * c.geometry[2] * c.geometry[3];
      for (long img = 0; img < c.batch(); img++) {
        long yAt = y.nativeAddress() + 4 * ((img * totalBlocks + offset) * plane);
        NativeCore.nchwcConv2d(one, c.inputBlocked, c.act.code(), c.act.a(), c.act.b(),
            c.x.nativeAddress() + 4 * img * xImage, c.packed.nativeAddress(),
            c.bias == null ? 0 : c.bias.nativeAddress(), 0, yAt);
      }
      offset += c.outChannels() / block;
    }
    return new Tensor[] {y};
  }

  /** Part i of a concat of convolutions, seen as the convolution node it was planned from. */
  private final Map<Node, OpContext[]> partContexts = new ConcurrentHashMap<>();  // by node identity

  /** partContext(ctx, i), made once per node (a Node and an attribute map per part and run otherwise). */
  private OpContext part(OpContext ctx, int i, int parts) {
    OpContext[] made = partContexts.get(ctx.node());
    if (made == null || made.length != parts) {
      made = new OpContext[parts];
      for (int k = 0; k < parts; k++) {
        made[k] = partContext(ctx, k);
      }
      partContexts.put(ctx.node(), made);
    }
    return made[i];
  }

  static OpContext partContext(OpContext ctx, int i) {
    String prefix = "p" + i + "_";
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    for (Attribute a : ctx.node().attributes().values()) {
      if (a.name().startsWith(prefix)) {
        String name = a.name().substring(prefix.length());
        attrs.put(name, new Attribute(name, a.kind(), a.value()));
      }
    }
    List<String> inputs = ctx.node().inputs().subList(3 * i, 3 * i + 3);
    Node part = new Node(ctx.node().name() + "/part" + i, "NchwcConv", NchwcPlan.DOMAIN, inputs,
        ctx.node().outputs(), attrs);
    return new OpContext(part, ctx.opset(), ctx.options());
  }

  private Tensor[] pool(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    RecentPlans<PoolPlan> plans = poolPlans.computeIfAbsent(ctx.node(), n -> new RecentPlans<>(RecentPlans.SHAPES));
    PoolPlan p = plans.get(x.shape());
    if (p == null) {
      p = poolPlan(ctx, x);
      plans.put(x.shape(), p);
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, p.y());
    NativeCore.nchwcPool2d(p.geometry(), x.nativeAddress(), y.nativeAddress());
    return new Tensor[] {y};
  }

  /** A pool's geometry and output shape for one input shape, kept per node as ConvPlan is (the same reason). */
  private record PoolPlan(Shape x, long[] geometry, Shape y) {}

  private final Map<Node, RecentPlans<PoolPlan>> poolPlans = new ConcurrentHashMap<>();  // by node identity

  private PoolPlan poolPlan(OpContext ctx, Tensor x) {
    Shape s = plainShape(ctx, x, ctx.node().attrInt("channels", -1), "input X");
    long[] kernel = ctx.node().attrInts("kernel_shape", null);
    if (kernel == null || kernel.length != 2) {
      throw ctx.invalid("attribute kernel_shape must hold 2 values");
    }
    boolean max = ctx.node().attrInt("max", 1) == 1;
    ConvGeometry g = ConvGeometry.of(ctx, new long[] {s.dim(2), s.dim(3)}, kernel,
        ctx.node().attrInt("ceil_mode", 0) == 1);
    long[] geometry = {s.dim(0), s.dim(1), s.dim(2), s.dim(3), g.out[0], g.out[1], kernel[0], kernel[1],
        g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], g.padBegin[0], g.padBegin[1], g.padEnd[0],
        g.padEnd[1], max ? 1 : 0, ctx.node().attrInt("count_include_pad", 0)};
    return new PoolPlan(x.shape(), geometry, blockedShape(s.dim(0), s.dim(1), g.out[0], g.out[1]));
  }

  private Tensor[] globalAveragePool(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Shape s = plainShape(ctx, x, ctx.node().attrInt("channels", -1), "input X");
    if (s.dim(2) * s.dim(3) == 0) {
      throw ctx.invalid("input X " + s + " has no pixels to average");
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, blockedShape(s.dim(0), s.dim(1), 1, 1));
    NativeCore.nchwcGlobalAveragePool(s.dim(0), s.dim(1), s.dim(2) * s.dim(3), x.nativeAddress(),
        y.nativeAddress());
    return new Tensor[] {y};
  }

  /**
   * Inference BatchNormalization (inputs X, scale, B, mean, var; attribute epsilon) and/or an activation (attributes
   * activation, activation_params as FusedConv's) per channel of a blocked X; X alone for an activation only.
   */
  private Tensor[] channelAffine(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Shape s = plainShape(ctx, x, ctx.node().attrInt("channels", -1), "input X");
    long c = s.dim(1);
    long[] params = new long[4];
    if (in.length > 1) {
      String[] names = {"scale", "B", "input_mean", "input_var"};
      for (int i = 0; i < 4; i++) {
        Tensor p = ctx.required(in, i + 1);
        if (p.dtype() != DType.FLOAT32 || p.shape().rank() != 1 || p.shape().dim(0) != c) {
          throw ctx.invalid("input " + names[i] + " " + p.dtype() + p.shape() + " is not float32 [" + c + "]");
        }
        params[i] = p.nativeAddress();
      }
    }
    NativeActivation act = NativeActivation.of(ctx);
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, x.shape());
    NativeCore.nchwcChannelAffine(s.dim(0), c, s.dim(2) * s.dim(3), x.nativeAddress(), params[0], params[1],
        params[2], params[3], ctx.node().attrFloat("epsilon", 1e-5f), act.code(), act.a(), act.b(),
        y.nativeAddress());
    return new Tensor[] {y};
  }

  /**
   * Products in the blocked layout: same shapes (SiLU's x * sigmoid(x)), or one operand a vector per block plane
   * ([N, C/B, 1, 1, B]: squeeze-and-excitation's scale); other broadcasts go through NCHW and the reference kernel.
   */
  private Tensor[] mul(OpContext ctx, Tensor[] in, OpKernel reference) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    requireBlocked(ctx, a, b);
    long[] da = a.shape().dims();
    long[] db = b.shape().dims();
    boolean bVector = db[2] == 1 && db[3] == 1 && da[0] == db[0] && da[1] == db[1];
    boolean aVector = da[2] == 1 && da[3] == 1 && da[0] == db[0] && da[1] == db[1];
    if (a.shape().equals(b.shape()) || bVector || aVector) {
      Tensor big = bVector || !aVector ? a : b;
      Tensor other = big == a ? b : a;
      long hw = big.shape().dim(2) * big.shape().dim(3);
      Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, big.shape());
      NativeCore.nchwcMul(da[0] * da[1], hw, big.nativeAddress(), other.nativeAddress(),
          other.shape().dim(2) * other.shape().dim(3), y.nativeAddress());
      return new Tensor[] {y};
    }
    return throughPlain(ctx, a, b, reference);
  }

  private void requireBlocked(OpContext ctx, Tensor a, Tensor b) {
    if (a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32 || a.shape().rank() != 5
        || b.shape().rank() != 5) {
      throw ctx.invalid("inputs " + a.shape() + " and " + b.shape() + " are not float32 NCHWc tensors");
    }
  }

  /** A broadcasting binary op in NCHW (blocked, it would mix padding lanes into real channels), then back. */
  private Tensor[] throughPlain(OpContext ctx, Tensor a, Tensor b, OpKernel reference) {
    long channels = ctx.node().attrInt("channels", a.shape().dim(1) * block);
    Tensor[] plainA = fromBlocked(ctx, new Tensor[] {a});
    Tensor[] plainB = fromBlocked(ctx, new Tensor[] {b});
    Tensor[] result = reference.compute(ctx, new Tensor[] {plainA[0], plainB[0]});
    if (result[0].shape().dim(1) != channels) {
      throw ctx.invalid("the broadcast result " + result[0].shape() + " changed the channel count " + channels);
    }
    return toBlocked(ctx, result);
  }

  /** Same-shape adds in the blocked layout; a broadcasting add goes through NCHW and the reference kernel. */
  private Tensor[] add(OpContext ctx, Tensor[] in, OpKernel reference) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    requireBlocked(ctx, a, b);
    if (a.shape().equals(b.shape())) {
      Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, a.shape());
      NativeCore.nchwcAdd(a.size(), a.nativeAddress(), b.nativeAddress(), false, y.nativeAddress());
      return new Tensor[] {y};
    }
    return throughPlain(ctx, a, b, reference);
  }

  /** Concat along channels of whole blocks: per image, the inputs' block runs one after another. */
  private Tensor[] concat(OpContext ctx, Tensor[] in) {
    Tensor first = ctx.required(in, 0);
    long[] d = first.shape().dims();
    long totalBlocks = 0;
    for (int i = 0; i < in.length; i++) {
      Tensor t = ctx.required(in, i);
      long[] e = t.shape().dims();
      if (t.dtype() != DType.FLOAT32 || e.length != 5 || e[0] != d[0] || e[2] != d[2] || e[3] != d[3]
          || e[4] != block) {
        throw ctx.invalid("input " + i + " " + t.shape() + " does not concatenate with " + first.shape());
      }
      totalBlocks += e[1];
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, Shape.of(d[0], totalBlocks, d[2], d[3], block));
    long blockBytes = d[2] * d[3] * block * 4L;
    ByteBuffer dst = y.buffer();
    for (long img = 0; img < d[0]; img++) {
      long offset = img * totalBlocks * blockBytes;
      for (Tensor t : in) {
        long bytes = t.shape().dim(1) * blockBytes;
        ByteBuffer src = t.buffer();
        src.limit(Math.toIntExact((img + 1) * bytes)).position(Math.toIntExact(img * bytes));
        dst.position(Math.toIntExact(offset));
        dst.put(src);
        offset += bytes;
      }
    }
    return new Tensor[] {y};
  }

  /**
   * A channel gather (Split, Concat of partial blocks, channel shuffle; see NchwcPlan): output channel j is channel
   * sources[2j + 1] of input sources[2j]; the attribute input_channels gives each input's channel count.
   */
  private Tensor[] gatherChannels(OpContext ctx, Tensor[] in) {
    long[] inputChannels = ctx.node().attrInts("input_channels", null);
    long[] sources = ctx.node().attrInts("sources", null);
    long channels = ctx.node().attrInt("channels", -1);
    if (inputChannels == null || sources == null || inputChannels.length != in.length
        || sources.length != 2 * channels) {
      throw ctx.invalid("attributes input_channels, sources and channels do not describe " + in.length + " inputs");
    }
    long[] addresses = new long[in.length];
    Shape first = null;
    for (int i = 0; i < in.length; i++) {
      Shape s = plainShape(ctx, ctx.required(in, i), inputChannels[i], "input " + i);
      if (first != null && (s.dim(0) != first.dim(0) || s.dim(2) != first.dim(2) || s.dim(3) != first.dim(3))) {
        throw ctx.invalid("input " + i + " " + s + " does not match input 0 " + first + " in N, H and W");
      }
      first = first == null ? s : first;
      addresses[i] = in[i].nativeAddress();
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, blockedShape(first.dim(0), channels, first.dim(2),
        first.dim(3)));
    NativeCore.nchwcGatherChannels(first.dim(0), first.dim(2) * first.dim(3), addresses, inputChannels, channels,
        sources, y.nativeAddress());
    return new Tensor[] {y};
  }
}
