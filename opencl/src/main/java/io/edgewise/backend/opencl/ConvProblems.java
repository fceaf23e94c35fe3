package io.edgewise.backend.opencl;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The distinct 2-D convolution shapes of a model (for the tuner and the benchmark), by shape inference. */
public final class ConvProblems {
  private ConvProblems() {}

  /** Each distinct problem with the name of the first node that has it; convolutions of unknown shape are left out. */
  public static Map<ConvProblem, String> of(Model model) {
    ShapeInference.infer(model);
    Graph g = model.graph();
    Map<ConvProblem, String> out = new LinkedHashMap<>();
    for (Node n : g.nodes()) {
      boolean conv = n.opType().equals("Conv") && n.domain().isEmpty()
          || n.opType().equals("FusedConv") && n.domain().equals("io.edgewise");
      if (!conv) {
        continue;
      }
      ValueInfo x = g.typeOf(n.input(0));
      ValueInfo w = g.typeOf(n.input(1));
      if (x == null || w == null || !known(x) || !known(w) || x.dims().size() != 4) {
        continue;
      }
      ConvProblem p = of(n, model.opset(), x.concreteShape(), w.concreteShape());
      out.putIfAbsent(p, n.name().isEmpty() ? n.output(0) : n.name());
    }
    return out;
  }

  /** The problem of one Conv node for the given input and weight shapes. */
  public static ConvProblem of(Node n, int opset, Shape x, Shape w) {
    ConvKernel k = ConvKernel.plan(new OpContext(n, opset, BackendOptions.defaults()), x, w);
    ConvGeometry g = k.geometry;
    return new ConvProblem((int) k.batch, (int) k.channels, (int) g.in[0], (int) g.in[1], (int) k.outChannels,
        (int) g.out[0], (int) g.out[1], (int) g.kernel[0], (int) g.kernel[1], (int) g.strides[0], (int) g.strides[1],
        (int) g.padBegin[0], (int) g.padBegin[1], (int) g.dilations[0], (int) g.dilations[1], (int) k.group);
  }

  private static boolean known(ValueInfo v) {
    return v.hasRank() && v.dims().stream().allMatch(ValueInfo.Dim::isKnown);
  }

  /** The ResNet-18 convolution layers (batch 1, 224x224 input), the benchmark's shapes. */
  public static List<ConvProblem> resnet18() {
    return List.of(ConvProblem.same(1, 3, 224, 224, 64, 7, 2, 1), ConvProblem.same(1, 64, 56, 56, 64, 3, 1, 1),
        ConvProblem.same(1, 64, 56, 56, 128, 3, 2, 1), ConvProblem.same(1, 64, 56, 56, 128, 1, 2, 1),
        ConvProblem.same(1, 128, 28, 28, 128, 3, 1, 1), ConvProblem.same(1, 128, 28, 28, 256, 3, 2, 1),
        ConvProblem.same(1, 128, 28, 28, 256, 1, 2, 1), ConvProblem.same(1, 256, 14, 14, 256, 3, 1, 1),
        ConvProblem.same(1, 256, 14, 14, 512, 3, 2, 1), ConvProblem.same(1, 256, 14, 14, 512, 1, 2, 1),
        ConvProblem.same(1, 512, 7, 7, 512, 3, 1, 1));
  }
}
