package io.edgewise.bench;

import io.edgewise.model.Attribute;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes whole networks that are not in ../shared, laid out node for node as torchvision's ONNX exports of them
 * (batch norm folded into the convolutions, as exporters with constant folding leave it; random He-scaled
 * weights), for `edgewise bench` to compare cpu with ONNX Runtime on complete models: shufflenet_v2_x1_0
 * (channel Split, channel shuffle by Reshape-Transpose-Reshape, channel counts that are not whole blocks, ReduceMean
 * head), resnet50 (bottleneck blocks), inception_v3 (1x7 / 7x1 and 1x3 / 3x1 kernels, 3x3 average pools, four-way
 * concats), alexnet (11x11 stride-4 stem, 5x5 convolutions, 58 M fully connected weights) and efficientnet_b0 (SiLU
 * written x * Sigmoid(x), squeeze-and-excitation, 5x5 depthwise convolutions, channel counts that are not whole
 * blocks), mobilenet_v3_large (hardswish written x * HardSigmoid(x) as exported below opset 14, HardSigmoid
 * gates), densenet121 (batch norm + ReLU of each growing concatenation before the layer's convolution, 2x2
 * average-pool transitions) and mnasnet0_5 (a narrow network: 8, 16, 24, 40 and 48-channel stages, which are not
 * whole blocks of the blocked layout, depthwise 3x3 and 5x5, x.mean([2, 3]) as ReduceMean).
 */
public final class NetworkModels {
  private final GraphBuilder b = new GraphBuilder();

  public static void main(String[] args) throws IOException {
    Path out = GraphBuilder.outputDirectory(args, "NetworkModels");
    NetworkModels n = new NetworkModels();
    n.shuffleNetV2(out);
    n.resNet50(out);
    n.inceptionV3(out);
    n.alexNet(out);
    n.efficientNetB0(out);
    n.mobileNetV3Large(out);
    n.denseNet121(out);
    n.mnasNet05(out);
  }

  // ---- ShuffleNetV2 x1.0: stages of 4, 8, 4 units, 116 / 232 / 464 channels

  private void shuffleNetV2(Path out) throws IOException {
    b.start(1, 3, 224, 224);
    String x = b.pool("MaxPool", b.convRelu("input", 3, 24, 3, 3, 2), 3, 2, 1);
    long c = 24;
    long size = 56;
    long[] widths = {116, 232, 464};
    int[] repeats = {4, 8, 4};
    for (int s = 0; s < 3; s++) {
      size /= 2;
      for (int i = 0; i < repeats[s]; i++) {
        x = shuffleUnit(x, i == 0 ? c : widths[s], widths[s], i == 0 ? 2 : 1, size);
      }
      c = widths[s];
    }
    x = b.convRelu(x, 464, 1024, 1, 1, 1);
    x = b.node("ReduceMean", List.of(x), Attribute.ofInts("axes", 2, 3), Attribute.ofInt("keepdims", 0));
    b.save(out, "shufflenet_v2_x1_0", b.linear(x, 1024, 1000), 1, 1000);
  }

  /** One unit; `size` is its output's height and width. */
  private String shuffleUnit(String x, long in, long out, int stride, long size) {
    long half = out / 2;
    String left;
    String right;
    if (stride == 1) {
      List<String> parts = b.nodeOutputs("Split", List.of(x, b.longs(half, half)), 2, Attribute.ofInt("axis", 1));
      left = parts.get(0);
      right = parts.get(1);
    } else {
      left = b.convRelu(b.conv(x, in, in, 3, 3, 2, in, true), in, half, 1, 1, 1);
      right = x;
    }
    right = b.convRelu(right, stride == 1 ? half : in, half, 1, 1, 1);
    right = b.convRelu(b.conv(right, half, half, 3, 3, stride, half, true), half, half, 1, 1, 1);
    String cat = b.node("Concat", List.of(left, right), Attribute.ofInt("axis", 1));
    // torchvision's channel_shuffle: view(n, 2, c / 2, h, w), transpose(1, 2), view(n, c, h, w)
    String split = b.node("Reshape", List.of(cat, b.longs(1, 2, half, size, size)));
    String t = b.node("Transpose", List.of(split), Attribute.ofInts("perm", 0, 2, 1, 3, 4));
    return b.node("Reshape", List.of(t, b.longs(1, out, size, size)));
  }

  // ---- ResNet-50 (v1.5: the stride on the 3x3 convolution)

  private void resNet50(Path out) throws IOException {
    String x = imageNetStem();
    long c = 64;
    int[] blocks = {3, 4, 6, 3};
    for (int s = 0; s < 4; s++) {
      long width = 64L << s;
      for (int i = 0; i < blocks[s]; i++) {
        int stride = s > 0 && i == 0 ? 2 : 1;
        String h = b.convRelu(x, c, width, 1, 1, 1);
        h = b.convRelu(h, width, width, 3, 3, stride);
        h = b.conv(h, width, width * 4, 1, 1, 1, 1, true);
        String shortcut = i == 0 ? b.conv(x, c, width * 4, 1, 1, stride, 1, true) : x;
        x = b.node("Relu", List.of(b.node("Add", List.of(h, shortcut))));
        c = width * 4;
      }
    }
    b.save(out, "resnet50", classifier(x, 2048, 1000), 1, 1000);
  }

  // ---- DenseNet-121: dense blocks of 6, 12, 24, 16 layers, growth 32, bottleneck 4 x 32, transitions halving
  // the channels. Each layer's norm1 + relu1 come before its convolution (a BatchNormalization of the concatenation
  // so far, which no exporter folds); norm2 follows conv1 and is folded into it.

  private void denseNet121(Path out) throws IOException {
    String x = imageNetStem();
    long c = 64;
    int[] layers = {6, 12, 24, 16};
    for (int block = 0; block < 4; block++) {
      for (int i = 0; i < layers[block]; i++) {
        String h = b.convRelu(b.bnRelu(x, c), c, 128, 1, 1, 1);
        x = concat(x, b.conv(h, 128, 32, 3, 3, 1, 1, false));
        c += 32;
      }
      if (block < 3) {  // transition: norm, relu, 1x1 conv to half the channels, 2x2 average pool
        x = b.pool("AveragePool", b.conv(b.bnRelu(x, c), c, c / 2, 1, 1, 1, 1, false), 2, 2, 0);
        c /= 2;
      }
    }
    b.save(out, "densenet121", classifier(b.bnRelu(x, c), c, 1000), 1, 1000);
  }

  // ---- MnasNet 0.5 (torchvision's mnasnet0_5: depths 16, 8, 16, 24, 40, 48, 96, 160 by _round_to_multiple_of)

  private void mnasNet05(Path out) throws IOException {
    b.start(1, 3, 224, 224);
    String x = b.convRelu("input", 3, 16, 3, 3, 2);
    x = b.node("Relu", List.of(b.conv(x, 16, 16, 3, 3, 1, 16, true)));
    x = b.conv(x, 16, 8, 1, 1, 1, 1, true);
    long c = 8;
    // output channels, kernel, stride, expansion, repeats (torchvision's _stack calls)
    int[][] stacks = {{16, 3, 2, 3, 3}, {24, 5, 2, 3, 3}, {40, 5, 2, 6, 3}, {48, 3, 1, 6, 2}, {96, 5, 2, 6, 4},
        {160, 3, 1, 6, 1}};
    for (int[] st : stacks) {
      for (int i = 0; i < st[4]; i++) {
        x = mnasResidual(x, c, st[0], st[1], i == 0 ? st[2] : 1, st[3]);
        c = st[0];
      }
    }
    x = b.convRelu(x, 160, 1280, 1, 1, 1);
    x = b.node("ReduceMean", List.of(x), Attribute.ofInts("axes", 2, 3), Attribute.ofInt("keepdims", 0));
    b.save(out, "mnasnet0_5", b.linear(x, 1280, 1000), 1, 1000);
  }

  /** MnasNet's _InvertedResidual: 1x1 expand + ReLU, k x k depthwise + ReLU, 1x1 project, residual when it fits. */
  private String mnasResidual(String x, long in, long out, int k, int stride, int expand) {
    long mid = in * expand;
    String h = b.convRelu(x, in, mid, 1, 1, 1);
    h = b.node("Relu", List.of(b.conv(h, mid, mid, k, k, stride, mid, true)));
    h = b.conv(h, mid, out, 1, 1, 1, 1, true);
    return stride == 1 && in == out ? b.node("Add", List.of(h, x)) : h;
  }

  // ---- Inception v3 (299x299; no auxiliary classifier, as in evaluation)

  private void inceptionV3(Path out) throws IOException {
    b.start(1, 3, 299, 299);
    String x = b.convRelu("input", 3, 32, 3, 3, 2, 0, 0);
    x = b.convRelu(x, 32, 32, 3, 3, 1, 0, 0);
    x = b.pool("MaxPool", b.convRelu(x, 32, 64, 3, 3, 1), 3, 2, 0);
    x = b.convRelu(x, 64, 80, 1, 1, 1);
    x = b.pool("MaxPool", b.convRelu(x, 80, 192, 3, 3, 1, 0, 0), 3, 2, 0);
    x = inceptionA(x, 192, 32);
    x = inceptionA(x, 256, 64);
    x = inceptionA(x, 288, 64);
    x = inceptionB(x, 288);
    for (long c7 : new long[] {128, 160, 160, 192}) {
      x = inceptionC(x, c7);
    }
    x = inceptionD(x);
    x = inceptionE(x, 1280);
    x = inceptionE(x, 2048);
    b.save(out, "inception_v3", classifier(x, 2048, 1000), 1, 1000);
  }

  private String inceptionA(String x, long in, long poolFeatures) {
    String b1 = b.convRelu(x, in, 64, 1, 1, 1);
    String b5 = b.convRelu(b.convRelu(x, in, 48, 1, 1, 1), 48, 64, 5, 5, 1);
    String b3 = b.convRelu(b.convRelu(b.convRelu(x, in, 64, 1, 1, 1), 64, 96, 3, 3, 1), 96, 96, 3, 3, 1);
    String pool = b.convRelu(averagePool3x3(x), in, poolFeatures, 1, 1, 1);
    return concat(b1, b5, b3, pool);
  }

  private String inceptionB(String x, long in) {
    String b3 = b.convRelu(x, in, 384, 3, 3, 2, 0, 0);
    String dbl = b.convRelu(b.convRelu(b.convRelu(x, in, 64, 1, 1, 1), 64, 96, 3, 3, 1), 96, 96, 3, 3, 2, 0, 0);
    return concat(b3, dbl, b.pool("MaxPool", x, 3, 2, 0));
  }

  private String inceptionC(String x, long c7) {
    String b1 = b.convRelu(x, 768, 192, 1, 1, 1);
    String b7 = b.convRelu(x, 768, c7, 1, 1, 1);
    b7 = b.convRelu(b.convRelu(b7, c7, c7, 1, 7, 1), c7, 192, 7, 1, 1);
    String dbl = b.convRelu(x, 768, c7, 1, 1, 1);
    dbl = b.convRelu(b.convRelu(dbl, c7, c7, 7, 1, 1), c7, c7, 1, 7, 1);
    dbl = b.convRelu(b.convRelu(dbl, c7, c7, 7, 1, 1), c7, 192, 1, 7, 1);
    String pool = b.convRelu(averagePool3x3(x), 768, 192, 1, 1, 1);
    return concat(b1, b7, dbl, pool);
  }

  private String inceptionD(String x) {
    String b3 = b.convRelu(b.convRelu(x, 768, 192, 1, 1, 1), 192, 320, 3, 3, 2, 0, 0);
    String b7 = b.convRelu(b.convRelu(b.convRelu(x, 768, 192, 1, 1, 1), 192, 192, 1, 7, 1), 192, 192, 7, 1, 1);
    b7 = b.convRelu(b7, 192, 192, 3, 3, 2, 0, 0);
    return concat(b3, b7, b.pool("MaxPool", x, 3, 2, 0));
  }

  private String inceptionE(String x, long in) {
    String b1 = b.convRelu(x, in, 320, 1, 1, 1);
    String b3 = b.convRelu(x, in, 384, 1, 1, 1);
    b3 = concat(b.convRelu(b3, 384, 384, 1, 3, 1), b.convRelu(b3, 384, 384, 3, 1, 1));
    String dbl = b.convRelu(b.convRelu(x, in, 448, 1, 1, 1), 448, 384, 3, 3, 1);
    dbl = concat(b.convRelu(dbl, 384, 384, 1, 3, 1), b.convRelu(dbl, 384, 384, 3, 1, 1));
    String pool = b.convRelu(averagePool3x3(x), in, 192, 1, 1, 1);
    return concat(b1, b3, dbl, pool);
  }

  /** F.avg_pool2d(x, 3, stride=1, padding=1): the padding counts in the average (count_include_pad). */
  private String averagePool3x3(String x) {
    return b.pool("AveragePool", x, 3, 1, 1, Attribute.ofInt("count_include_pad", 1));
  }

  // ---- AlexNet (torchvision's: 64-192-384-256-256 channels, two 4096 fully connected layers)

  private void alexNet(Path out) throws IOException {
    b.start(1, 3, 224, 224);
    String x = b.pool("MaxPool", b.convRelu("input", 3, 64, 11, 11, 4, 2, 2), 3, 2, 0);
    x = b.pool("MaxPool", b.convRelu(x, 64, 192, 5, 5, 1), 3, 2, 0);
    x = b.convRelu(b.convRelu(b.convRelu(x, 192, 384, 3, 3, 1), 384, 256, 3, 3, 1), 256, 256, 3, 3, 1);
    x = flatten(b.pool("MaxPool", x, 3, 2, 0));
    x = b.node("Relu", List.of(b.linear(x, 256 * 6 * 6, 4096)));
    x = b.node("Relu", List.of(b.linear(x, 4096, 4096)));
    b.save(out, "alexnet", b.linear(x, 4096, 1000), 1, 1000);
  }

  // ---- EfficientNet-B0 (SiLU after every convolution but the projections, squeeze-and-excitation in every block)

  private void efficientNetB0(Path out) throws IOException {
    b.start(1, 3, 224, 224);
    String x = b.silu(b.conv("input", 3, 32, 3, 3, 2, 1, true));
    long c = 32;
    // expand ratio, kernel, stride, output channels, blocks (torchvision's efficientnet_b0 settings)
    int[][] stages = {{1, 3, 1, 16, 1}, {6, 3, 2, 24, 2}, {6, 5, 2, 40, 2}, {6, 3, 2, 80, 3}, {6, 5, 1, 112, 3},
        {6, 5, 2, 192, 4}, {6, 3, 1, 320, 1}};
    for (int[] st : stages) {
      for (int i = 0; i < st[4]; i++) {
        x = mbConv(x, c, st[3], st[0], st[1], i == 0 ? st[2] : 1);
        c = st[3];
      }
    }
    x = b.silu(b.conv(x, 320, 1280, 1, 1, 1, 1, true));
    b.save(out, "efficientnet_b0", classifier(x, 1280, 1000), 1, 1000);
  }

  /** MBConv: expand 1x1 + SiLU, depthwise k x k + SiLU, squeeze-and-excitation, project 1x1, residual add. */
  private String mbConv(String x, long in, long out, int expand, int k, int stride) {
    long wide = in * expand;
    String h = expand == 1 ? x : b.silu(b.conv(x, in, wide, 1, 1, 1, 1, true));
    h = b.silu(b.conv(h, wide, wide, k, k, stride, wide, true));
    long squeezed = Math.max(1, in / 4);
    String scale = b.silu(b.conv(b.node("GlobalAveragePool", List.of(h)), wide, squeezed, 1, 1, 1, 1, true));
    scale = b.node("Sigmoid", List.of(b.conv(scale, squeezed, wide, 1, 1, 1, 1, true)));
    h = b.conv(b.node("Mul", List.of(scale, h)), wide, out, 1, 1, 1, 1, true);
    return stride == 1 && in == out ? b.node("Add", List.of(h, x)) : h;
  }

  // ---- MobileNetV3-Large (torchvision's, exported at opset 13: hardswish as x * HardSigmoid(x, 1/6, 0.5))

  /**
   * hardswish and hardsigmoid as written by hand in the popular MobileNetV3 reimplementations (h_swish: x * relu6(x +
   * 3) / 6, h_sigmoid: relu6(x + 3) / 6) rather than by torch's exporter.
   */
  private boolean relu6Style;

  private void mobileNetV3Large(Path out) throws IOException {
    mobileNetV3Large(out, false);
    mobileNetV3Large(out, true);
  }

  private void mobileNetV3Large(Path out, boolean relu6) throws IOException {
    relu6Style = relu6;
    b.start(1, 3, 224, 224);
    String x = hardSwish(b.conv("input", 3, 16, 3, 3, 2, 1, true));
    long c = 16;
    // kernel, expanded, output channels, squeeze-and-excitation, hardswish (else ReLU), stride
    int[][] blocks = {{3, 16, 16, 0, 0, 1}, {3, 64, 24, 0, 0, 2}, {3, 72, 24, 0, 0, 1}, {5, 72, 40, 1, 0, 2},
        {5, 120, 40, 1, 0, 1}, {5, 120, 40, 1, 0, 1}, {3, 240, 80, 0, 1, 2}, {3, 200, 80, 0, 1, 1},
        {3, 184, 80, 0, 1, 1}, {3, 184, 80, 0, 1, 1}, {3, 480, 112, 1, 1, 1}, {3, 672, 112, 1, 1, 1},
        {5, 672, 160, 1, 1, 2}, {5, 960, 160, 1, 1, 1}, {5, 960, 160, 1, 1, 1}};
    for (int[] bl : blocks) {
      x = invertedResidual(x, c, bl[1], bl[2], bl[0], bl[3] == 1, bl[4] == 1, bl[5]);
      c = bl[2];
    }
    x = hardSwish(b.conv(x, 160, 960, 1, 1, 1, 1, true));
    x = hardSwish(classifier(x, 960, 1280));
    b.save(out, relu6 ? "mobilenet_v3_large_relu6" : "mobilenet_v3_large", b.linear(x, 1280, 1000), 1, 1000);
  }

  private String invertedResidual(String x, long in, long wide, long out, int k, boolean se, boolean hs, int stride) {
    String h = x;
    if (wide != in) {
      String e = b.conv(x, in, wide, 1, 1, 1, 1, true);
      h = hs ? hardSwish(e) : b.node("Relu", List.of(e));
    }
    String d = b.conv(h, wide, wide, k, k, stride, wide, true);
    h = hs ? hardSwish(d) : b.node("Relu", List.of(d));
    if (se) {
      long squeezed = Math.max(8, (wide / 4 + 4) / 8 * 8);  // torchvision's _make_divisible(wide // 4, 8)
      if (squeezed < 0.9 * (wide / 4)) {
        squeezed += 8;
      }
      String s = b.convRelu(b.node("GlobalAveragePool", List.of(h)), wide, squeezed, 1, 1, 1);
      s = hardSigmoid(b.conv(s, squeezed, wide, 1, 1, 1, 1, true));
      h = b.node("Mul", List.of(s, h));
    }
    h = b.conv(h, wide, out, 1, 1, 1, 1, true);
    return stride == 1 && in == out ? b.node("Add", List.of(h, x)) : h;
  }

  /** hardswish as torch exports it below opset 14 (x * HardSigmoid(x, 1/6, 0.5)), or x * relu6(x + 3) / 6. */
  private String hardSwish(String x) {
    return b.node("Mul", List.of(x, hardSigmoid(x)));
  }

  private String hardSigmoid(String x) {
    if (relu6Style) {
      String plus3 = b.node("Add", List.of(x, b.floats(3f)));
      return b.node("Div", List.of(b.node("Clip", List.of(plus3, b.floats(0f), b.floats(6f))), b.floats(6f)));
    }
    return b.node("HardSigmoid", List.of(x), Attribute.ofFloat("alpha", 1f / 6), Attribute.ofFloat("beta", 0.5f));
  }

  /** torchvision's ResNet / DenseNet stem on a 224x224 image: 7x7 stride-2 convolution to 64 + ReLU, 3x3 max pool. */
  private String imageNetStem() {
    b.start(1, 3, 224, 224);
    return b.pool("MaxPool", b.convRelu("input", 3, 64, 7, 7, 2), 3, 2, 1);
  }

  /** Global average pool, flatten, fully connected: how every network here begins its head. */
  private String classifier(String x, long in, long out) {
    return b.linear(flatten(b.node("GlobalAveragePool", List.of(x))), in, out);
  }

  private String flatten(String x) {
    return b.node("Flatten", List.of(x), Attribute.ofInt("axis", 1));
  }

  private String concat(String... parts) {
    return b.node("Concat", new ArrayList<>(List.of(parts)), Attribute.ofInt("axis", 1));
  }
}
