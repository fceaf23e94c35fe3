package io.edgewise.model.passes;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.GraphIndex;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuses Conv [+ residual Add] [+ activation] into one io.edgewise.FusedConv (the layout of ONNX Runtime's
 * com.microsoft.FusedConv, plus the residual as input 3): one pass over the output instead of up to three.
 * The residual must have the Conv output's exact shape (shape inference decides); activations: Relu, Clip with
 * constant bounds, LeakyRelu, HardSwish, Sigmoid, Tanh, and the activations written as a gate on their own input
 * (SelfGate: SiLU, HardSwish).
 */
public final class ConvFusion implements GraphPass {
  public static final String DOMAIN = "io.edgewise";

  @Override
  public int apply(Model model) {
    Graph g = model.graph();
    ShapeInference.infer(model);
    // one index for the pass and the absorbed nodes dropped from the list once at the end: look-ups, replacements
    // and removals per Conv were each a scan of the nodes (quadratic in the number of convolutions)
    GraphIndex index = g.index();
    List<Node> absorbedAll = new ArrayList<>();
    int fused = 0;
    for (Node conv : List.copyOf(g.nodes())) {
      if (!conv.opType().equals("Conv") || !conv.domain().isEmpty() || !isFloat32(g, conv.output(0))) {
        continue;
      }
      List<Node> absorbed = new ArrayList<>();
      String tail = conv.output(0);
      String residual = "";
      Node next = index.soleConsumer(tail);
      if (next != null && next.opType().equals("Add") && next.domain().isEmpty()) {
        String other = next.input(0).equals(tail) ? next.input(1) : next.input(0);
        if (sameKnownShape(g, other, tail) && !other.equals(tail)) {
          residual = other;
          absorbed.add(next);
          tail = next.output(0);
          next = index.soleConsumer(tail);
        }
      }
      Map<String, Attribute> activation = next == null ? null : activation(index, next, model.opset());
      SelfGate gate = activation == null ? SelfGate.find(index, tail) : null;
      if (activation != null) {
        absorbed.add(next);
        tail = next.output(0);
      } else if (gate != null) {
        absorbed.addAll(gate.nodes());
        tail = gate.last().output(0);
        activation = Map.of("activation", Attribute.ofString("activation", gate.activation()));
      }
      if (absorbed.isEmpty()) {
        continue;
      }
      List<String> inputs = new ArrayList<>(List.of(conv.input(0), conv.input(1), conv.input(2)));
      if (!residual.isEmpty()) {
        inputs.add(residual);
      }
      Map<String, Attribute> attrs = new LinkedHashMap<>(conv.attributes());
      if (activation != null) {
        attrs.putAll(activation);
      }
      Node fusedNode = new Node(conv.name(), "FusedConv", DOMAIN, inputs, List.of(tail), attrs);
      absorbed.forEach(index::forget);
      index.replace(conv, fusedNode);
      absorbedAll.addAll(absorbed);
      fused++;
    }
    GraphEdits.removeNodes(g, absorbedAll);
    if (fused > 0) {
      model.opsetImports().putIfAbsent(DOMAIN, 1L);
      // the residual may be produced after the Conv in file order: restore a valid order
      g.sortTopologically();
      GraphEdits.removeUnusedInitializers(g);
      GraphEdits.removeDeadConstants(g);
    }
    return fused;
  }

  private static boolean isFloat32(Graph g, String value) {
    ValueInfo v = g.typeOf(value);
    return v != null && v.dtype() == DType.FLOAT32;
  }

  /**
   * Both shapes fully determined and equal, symbols included ([N, 64, 56, 56] matches itself): the residual then
   * needs no broadcasting, which FusedConv does not do.
   */
  private static boolean sameKnownShape(Graph g, String a, String b) {
    ValueInfo va = g.typeOf(a);
    ValueInfo vb = g.typeOf(b);
    if (va == null || vb == null || !va.hasRank() || !vb.hasRank() || va.dtype() != vb.dtype()) {
      return false;
    }
    return va.dims().equals(vb.dims()) && va.dims().stream().allMatch(d -> d.isKnown() || d.param() != null);
  }

  /**
   * The FusedConv attributes (activation, activation_params) for an activation node, or null when it is none the
   * native epilogues apply (or its Clip bounds are not constant).
   */
  public static Map<String, Attribute> activation(GraphIndex index, Node n, int opset) {
    if (!n.domain().isEmpty()) {
      return null;
    }
    Map<String, Attribute> a = new LinkedHashMap<>();
    switch (n.opType()) {
      case "Relu", "HardSwish", "Sigmoid", "Tanh" -> { }
      case "LeakyRelu" -> a.put("activation_params", Attribute.ofFloats("activation_params",
          n.attrFloat("alpha", 0.01f)));
      case "Clip" -> {
        float lo;
        float hi;
        if (opset < 11) {
          lo = n.attrFloat("min", -Float.MAX_VALUE);
          hi = n.attrFloat("max", Float.MAX_VALUE);
        } else {
          Float l = scalar(index, n, 1, -Float.MAX_VALUE);
          Float h = scalar(index, n, 2, Float.MAX_VALUE);
          if (l == null || h == null) {
            return null;
          }
          lo = l;
          hi = h;
        }
        a.put("activation_params", Attribute.ofFloats("activation_params", lo, hi));
      }
      default -> {
        return null;
      }
    }
    a.put("activation", Attribute.ofString("activation", n.opType()));
    return a;
  }

  /**
   * A constant scalar input (an initializer, or a Constant node's value as exporters write Clip's bounds), the
   * default when absent, or null when it is not constant.
   */
  static Float scalar(GraphIndex index, Node n, int i, float absent) {
    if (!n.hasInput(i)) {
      return absent;
    }
    Tensor t = index.graph().initializers().get(n.input(i));
    if (t == null) {
      Node producer = index.producer(n.input(i));
      Attribute value = producer == null || !producer.opType().equals("Constant") || !producer.domain().isEmpty()
          ? null : producer.attr("value");
      if (value != null && value.kind() == Attribute.Kind.TENSOR) {
        t = value.asTensor();
      } else if (producer != null && producer.opType().equals("Constant") && producer.hasAttr("value_float")) {
        return producer.attrFloat("value_float", 0);
      }
    }
    return t == null || t.size() != 1 || !t.dtype().isFloatingPoint() ? null : (float) t.getDouble(0);
  }
}
