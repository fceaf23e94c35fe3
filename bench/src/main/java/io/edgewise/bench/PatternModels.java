package io.edgewise.bench;

import io.edgewise.model.Attribute;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes small models built from the layer patterns of networks that are not in ../shared (random weights, one
 * directory each with model.onnx), for `edgewise bench` to compare cpu with ONNX Runtime on them:
 * densenet_block (BN-ReLU pre-activations after concats), effnet_block (SiLU, squeeze-and-excitation),
 * shufflenet_shuffle (channel shuffle by Reshape-Transpose-Reshape), mobilenetv3_hardsigmoid (a HardSigmoid gate),
 * googlenet_lrn (LRN after a convolution), resnext_grouped (a grouped 3x3 convolution, 4 channels per group).
 */
public final class PatternModels {
  private final GraphBuilder b = new GraphBuilder();

  public static void main(String[] args) throws IOException {
    Path out = GraphBuilder.outputDirectory(args, "PatternModels");
    PatternModels p = new PatternModels();
    p.denseNet(out);
    p.efficientNet(out);
    p.shuffle(out);
    p.hardSigmoid(out);
    p.lrn(out);
    p.grouped(out);
  }

  /** Six DenseNet layers: BN-ReLU-conv1x1(4k)-BN-ReLU-conv3x3(k)-concat, k = 32, from 64 channels at 56x56. */
  private void denseNet(Path out) throws IOException {
    b.start(1, 64, 56, 56);
    String x = b.conv("input", 64, 64, 3, 1, false);
    long c = 64;
    for (int i = 0; i < 6; i++) {
      String h = b.conv(b.bnRelu(x, c), c, 128, 1, 1, false);
      h = b.conv(b.bnRelu(h, 128), 128, 32, 3, 1, false);
      x = b.node("Concat", List.of(x, h), Attribute.ofInt("axis", 1));
      c += 32;
    }
    b.save(out, "densenet_block", b.node("GlobalAveragePool", List.of(b.bnRelu(x, c))), 1, 256, 1, 1);
  }

  /** Four MBConv blocks: expand 32 -> 192, depthwise 3x3, SiLU after each, SE (192 -> 8 -> 192), project, add. */
  private void efficientNet(Path out) throws IOException {
    b.start(1, 32, 56, 56);
    String x = "input";
    for (int i = 0; i < 4; i++) {
      String h = b.silu(b.conv(x, 32, 192, 1, 1, true));
      h = b.silu(b.conv(h, 192, 192, 3, 192, true));
      String squeeze = b.node("GlobalAveragePool", List.of(h));
      String se = b.conv(b.silu(b.conv(squeeze, 192, 8, 1, 1, true)), 8, 192, 1, 1, true);
      String scaled = b.node("Mul", List.of(h, b.node("Sigmoid", List.of(se))));
      x = b.node("Add", List.of(x, b.conv(scaled, 192, 32, 1, 1, true)));
    }
    b.save(out, "effnet_block", b.node("GlobalAveragePool", List.of(x)), 1, 32, 1, 1);
  }

  /** conv, channel shuffle of 2 groups ([1, 2, 58, 28, 28], perm 0 2 1 3 4), conv. */
  private void shuffle(Path out) throws IOException {
    b.start(1, 116, 28, 28);
    String c = b.conv("input", 116, 116, 1, 1, false);
    String t = b.node("Transpose", List.of(b.node("Reshape", List.of(c, b.longs(1, 2, 58, 28, 28)))),
        Attribute.ofInts("perm", 0, 2, 1, 3, 4));
    String merged = b.node("Reshape", List.of(t, b.longs(1, 116, 28, 28)));
    b.save(out, "shufflenet_shuffle", b.conv(merged, 116, 116, 1, 1, false), 1, 116, 28, 28);
  }

  /** conv, x * HardSigmoid(x), conv (MobileNetV3's gate). */
  private void hardSigmoid(Path out) throws IOException {
    b.start(1, 96, 28, 28);
    String c = b.conv("input", 96, 96, 1, 1, false);
    String gated = b.node("Mul", List.of(c, b.node("HardSigmoid", List.of(c))));
    b.save(out, "mobilenetv3_hardsigmoid", b.conv(gated, 96, 96, 1, 1, false), 1, 96, 28, 28);
  }

  /** conv then LRN (size 5, alpha 1e-4, beta 0.75), as GoogLeNet's first layers. */
  private void lrn(Path out) throws IOException {
    b.start(1, 64, 56, 56);
    String n = b.node("LRN", List.of(b.conv("input", 64, 64, 1, 1, false)), Attribute.ofInt("size", 5),
        Attribute.ofFloat("alpha", 1e-4f), Attribute.ofFloat("beta", 0.75f));
    b.save(out, "googlenet_lrn", n, 1, 64, 56, 56);
  }

  /** conv 1x1, then a 3x3 convolution of 32 groups of 4 channels (ResNeXt-50's first stage). */
  private void grouped(Path out) throws IOException {
    b.start(1, 128, 56, 56);
    b.save(out, "resnext_grouped", b.conv(b.conv("input", 128, 128, 1, 1, false), 128, 128, 3, 32, false),
        1, 128, 56, 56);
  }
}
