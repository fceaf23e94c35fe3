package io.edgewise.backend.cpu;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Random;

/** The pieces the cpu tests (and the pruning tests in train) build their small networks from: random tensors, convolutions, batch norms. */
public final class TestGraphs {
  private TestGraphs() {}

  /** Gaussian values times scale. */
  public static Tensor random(Random rnd, Shape s, float scale) {
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian() * scale;
    }
    return Tensor.ofFloats(s, v);
  }

  /** Gaussian values times 0.5: activations that stay moderate through a few layers of random weights. */
  public static Tensor random(Random rnd, Shape s) {
    return random(rnd, s, 0.5f);
  }

  /** A square Conv writing `out`, its weights (and bias) random initializers named after it. */
  public static void conv(Graph g, Random rnd, String out, String in, int m, int cPerGroup, int k, int stride,
      int dilation, int pad, int group, boolean bias) {
    g.initializers().put(out + ".w", random(rnd, Shape.of(m, cPerGroup, k, k)));
    List<String> inputs = bias ? List.of(in, out + ".w", out + ".b") : List.of(in, out + ".w");
    if (bias) {
      g.initializers().put(out + ".b", random(rnd, Shape.of(m)));
    }
    Node n = new Node(out, "Conv", inputs, List.of(out));
    n.setAttr(Attribute.ofInts("strides", stride, stride));
    n.setAttr(Attribute.ofInts("dilations", dilation, dilation));
    n.setAttr(Attribute.ofInts("pads", pad, pad, pad, pad));
    n.setAttr(Attribute.ofInt("group", group));
    g.nodes().add(n);
  }

  /** An inference BatchNormalization writing `out`, with random statistics (variances in [0.1, 1.1)). */
  public static void batchNorm(Graph g, Random rnd, String out, String in, int c) {
    g.initializers().put(out + ".scale", random(rnd, Shape.of(c)));
    g.initializers().put(out + ".b", random(rnd, Shape.of(c)));
    g.initializers().put(out + ".mean", random(rnd, Shape.of(c)));
    float[] var = new float[c];
    for (int i = 0; i < c; i++) {
      var[i] = 0.1f + rnd.nextFloat();
    }
    g.initializers().put(out + ".var", Tensor.ofFloats(Shape.of(c), var));
    Node n = new Node(out, "BatchNormalization", List.of(in, out + ".scale", out + ".b", out + ".mean", out + ".var"),
        List.of(out));
    n.setAttr(Attribute.ofFloat("epsilon", 1e-3f));
    g.nodes().add(n);
  }
}
