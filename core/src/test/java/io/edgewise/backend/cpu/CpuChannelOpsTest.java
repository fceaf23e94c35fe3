package io.edgewise.backend.cpu;

import static io.edgewise.backend.cpu.TestGraphs.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ShuffleNetV2's channel ops on the cpu device against the reference backend: a channel Split into parts that are
 * not whole blocks, a channel Slice, a Concat of such parts, the channel shuffle (Reshape [N, 2, C / 2, H, W], Transpose 0 2 1 3 4,
 * Reshape back) and the spatial ReduceMean head, with and without keepdims. Two images, 1 and 2 threads.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuChannelOpsTest {
  private static final List<String> OUTPUTS = List.of("y", "z", "shuffled");

  @Test
  void aShuffleUnitMatchesTheReference() {
    Random rnd = new Random(7);
    float[] v = new float[2 * 3 * 9 * 10];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    try (Tensor x = Tensor.ofFloats(Shape.of(2, 3, 9, 10), v)) {
      for (int threads : new int[] {1, 2}) {
        Map<String, float[]> expected = run("ref", threads, x, null);
        Set<String> ops = new TreeSet<>();
        Map<String, float[]> actual = run("cpu", threads, x, ops);
        for (String out : OUTPUTS) {
          float[] e = expected.get(out);
          float[] a = actual.get(out);
          assertEquals(e.length, a.length, out);
          for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-4 * Math.max(1, Math.abs(e[i])), out + "[" + i + "] at " + threads + " threads");
          }
        }
        // the spatial means ran as blocked global average pools, the split, concat and shuffle as channel gathers
        assertTrue(ops.containsAll(Set.of("NchwcGlobalAveragePool", "NchwcGatherChannels")), ops.toString());
        assertTrue(ops.stream().noneMatch(Set.of("ReduceMean", "Split", "Slice", "Concat", "Transpose", "Reshape")
            ::contains),
            ops.toString());
      }
    }
  }

  private static Map<String, float[]> run(String device, int threads, Tensor x, Set<String> ops) {
    // the shape travels as the first elements, so that a wrong one fails the comparison
    return SingleOutputRun.run(network(), device, threads, x, OUTPUTS, CpuChannelOpsTest::withShape, ops);
  }

  private static float[] withShape(Tensor t) {
    long[] dims = t.shape().dims();
    float[] v = t.toFloatArray();
    float[] r = new float[dims.length + 1 + v.length];
    r[0] = dims.length;
    for (int i = 0; i < dims.length; i++) {
      r[1 + i] = dims[i];
    }
    System.arraycopy(v, 0, r, dims.length + 1, v.length);
    return r;
  }

  private static Model network() {
    Random rnd = new Random(5);
    Graph g = new Graph("shuffle");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(2), Dim.of(3), Dim.of(9), Dim.of(10)), null));
    conv(g, rnd, "c1", "x", 24, 3, 3);                    // [2, 24, 9, 10]: a block and a half
    g.nodes().add(new Node("r1", "Relu", List.of("c1"), List.of("r1")));
    g.initializers().put("sizes", longs(10, 14));
    Node split = new Node("split", "Split", List.of("r1", "sizes"), List.of("left", "right"));
    split.setAttr(Attribute.ofInt("axis", 1));
    g.nodes().add(split);
    conv(g, rnd, "c2", "right", 14, 14, 1);
    // channels -22..-12 of r1 as a Slice (some exporters' torch.chunk), added to the left part
    g.initializers().put("starts", longs(-22));
    g.initializers().put("ends", longs(-12));
    g.initializers().put("axes", longs(1));
    g.nodes().add(new Node("slice", "Slice", List.of("r1", "starts", "ends", "axes"), List.of("sliced")));
    g.nodes().add(new Node("sum", "Add", List.of("left", "sliced"), List.of("left2")));
    Node cat = new Node("cat", "Concat", List.of("left2", "c2"), List.of("cat"));
    cat.setAttr(Attribute.ofInt("axis", 1));
    g.nodes().add(cat);
    g.initializers().put("grouped", longs(2, 2, 12, 9, 10));
    g.initializers().put("merged", longs(2, 24, 9, 10));
    g.nodes().add(new Node("view", "Reshape", List.of("cat", "grouped"), List.of("view")));
    Node t = new Node("t", "Transpose", List.of("view"), List.of("t"));
    t.setAttr(Attribute.ofInts("perm", 0, 2, 1, 3, 4));
    g.nodes().add(t);
    g.nodes().add(new Node("shuffle", "Reshape", List.of("t", "merged"), List.of("shuffled")));
    conv(g, rnd, "c3", "shuffled", 32, 24, 3);
    Node mean = new Node("mean", "ReduceMean", List.of("c3"), List.of("y"));
    mean.setAttr(Attribute.ofInts("axes", 2, 3));
    mean.setAttr(Attribute.ofInt("keepdims", 0));
    g.nodes().add(mean);
    Node kept = new Node("kept", "ReduceMean", List.of("c3"), List.of("z"));
    kept.setAttr(Attribute.ofInts("axes", -1, -2));
    g.nodes().add(kept);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, List.of(Dim.of(2), Dim.of(32)), null));
    g.outputs().add(new ValueInfo("z", DType.FLOAT32, List.of(Dim.of(2), Dim.of(32), Dim.of(1), Dim.of(1)), null));
    g.outputs().add(new ValueInfo("shuffled", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  private static void conv(Graph g, Random rnd, String out, String in, int m, int c, int k) {
    g.initializers().put(out + ".w", random(rnd, Shape.of(m, c, k, k)));
    g.initializers().put(out + ".b", random(rnd, Shape.of(m)));
    Node n = new Node(out, "Conv", List.of(in, out + ".w", out + ".b"), List.of(out));
    n.setAttr(Attribute.ofInts("pads", k / 2, k / 2, k / 2, k / 2));
    g.nodes().add(n);
  }

  private static Tensor longs(long... v) {
    return Tensor.ofLongs(DType.INT64, Shape.of(v.length), v);
  }

}
