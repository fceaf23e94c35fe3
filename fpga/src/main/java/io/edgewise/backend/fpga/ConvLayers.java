package io.edgewise.backend.fpga;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.reference.ops.ConvGeometry;
import io.edgewise.backend.reference.ops.ConvKernel;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

/** The convolution-like layers of a model (Conv, FusedConv, Gemm as a 1x1 convolution) with their shapes. */
public final class ConvLayers {
  private ConvLayers() {}

  /** A layer whose geometry the kernel may or may not run (see {@link TileRule}). */
  public record Found(Node node, ConvLayer layer, ConvGeometry geometry, long group) {}

  /** Every Conv/FusedConv with square 2-D geometry and every 2-D Gemm whose shapes inference knows. */
  public static List<Found> of(Model model) {
    ShapeInference.infer(model);
    Graph g = model.graph();
    List<Found> out = new ArrayList<>();
    for (Node n : g.nodes()) {
      Shape x = shape(g, n.input(0));
      Shape w = shape(g, n.inputs().size() > 1 ? n.input(1) : "");
      if (x == null || w == null) {
        continue;
      }
      boolean conv = n.opType().equals("Conv") || n.opType().equals("FusedConv");
      if (conv && x.rank() == 4 && w.rank() == 4) {
        ConvKernel plan = ConvKernel.plan(new OpContext(n, model.opset(), BackendOptions.defaults()), x, w);
        ConvGeometry geo = plan.geometry;
        ConvLayer layer = new ConvLayer(n.output(0), plan.batch, plan.channels, geo.in[0], geo.in[1],
            plan.outChannels, geo.out[0], geo.out[1], (int) Math.max(geo.kernel[0], geo.kernel[1]),
            (int) Math.max(geo.strides[0], geo.strides[1]), geo.padBegin[0], geo.padBegin[1]);
        out.add(new Found(n, layer, geo, plan.group));
      } else if (n.opType().equals("Gemm") && x.rank() == 2 && w.rank() == 2) {
        boolean ta = n.attrInt("transA", 0) == 1;
        boolean tb = n.attrInt("transB", 0) == 1;
        long rows = x.dim(ta ? 1 : 0);
        long features = x.dim(ta ? 0 : 1);
        long outputs = w.dim(tb ? 0 : 1);
        if (rows > 0 && features > 0 && outputs > 0) {
          out.add(new Found(n, gemmLayer(n.output(0), rows, features, outputs), null, 1));
        }
      }
    }
    return out;
  }

  /** Gemm [rows, features] x [features, outputs] as a 1x1 convolution over a 1 x rows image. */
  public static ConvLayer gemmLayer(String name, long rows, long features, long outputs) {
    return new ConvLayer(name, 1, features, 1, rows, outputs, 1, rows, 1, 1, 0, 0);
  }

  private static Shape shape(Graph g, String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (g.initializers().containsKey(value)) {
      return g.initializers().get(value).shape();
    }
    ValueInfo v = g.typeOf(value);
    return v == null ? null : v.concreteShape();
  }
}
