package io.edgewise.runtime.partition;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.Tensor;
import java.util.Collections;
import java.util.Map;

/**
 * A segment as a model of its own, typed by the tensors a run feeds it (the types at a cut are often unknown before a
 * run: the session's device has no shape rule for the ops it cannot run either). The model borrows the source's
 * initializers and attribute tensors: it must never be closed (the source model owns and closes them).
 */
final class SegmentModels {
  private SegmentModels() {}

  static Model of(Model source, Segment segment, Map<String, Tensor> inputs, String name) {
    Graph src = source.graph();
    Graph g = new Graph(src.name() + ":" + name);
    for (Node n : segment.nodes()) {
      // a copy: a device's planner may rename a node's inputs, and a later compile (another input shape) needs them
      g.nodes().add(new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), n.attributes()));
      for (String v : Partitioner.reads(n)) {
        Tensor init = src.initializers().get(v);
        if (init != null) {
          g.initializers().put(v, init);
        }
      }
      for (String v : n.outputs()) {
        ValueInfo t = src.valueInfo().get(v);
        if (t != null) {
          g.valueInfo().put(v, t);
        }
      }
    }
    // With sub-graphs (If, Loop, Scan) the inputs keep their rank but not their sizes: ONNX Runtime infers the types
    // of every branch from them, and a branch that is not taken may not fit them (AffineGrid's expansion squeezes
    // axis 1 of a 3-D grid in the 2-D branch), which it refuses though the whole model runs.
    boolean subgraphs = segment.nodes().stream().anyMatch(n -> n.attributes().values().stream()
        .anyMatch(a -> a.kind() == Attribute.Kind.GRAPH));
    for (String in : segment.inputs()) {
      Tensor t = inputs.get(in);
      g.inputs().add(subgraphs ? new ValueInfo(in, t.dtype(), Collections.nCopies(t.shape().rank(),
          ValueInfo.Dim.unknown()), null) : ValueInfo.tensor(in, t.dtype(), t.shape()));
    }
    for (String out : segment.outputs()) {
      ValueInfo t = src.typeOf(out);
      // an unknown type is written without one, which ONNX allows for outputs; the device infers it
      g.outputs().add(t != null && t.isSupported() ? t.withName(out) : ValueInfo.unsupported(out, "unknown"));
    }
    return new Model(g, source.opsetImports(), source.irVersion(), source.producerName(), null, null);
  }

  /** The signature a compiled segment is valid for: its inputs' dtypes and shapes. */
  static String signature(Segment segment, Map<String, Tensor> inputs) {
    StringBuilder b = new StringBuilder();
    for (String in : segment.inputs()) {
      Tensor t = inputs.get(in);
      b.append(t.dtype()).append(t.shape()).append(';');
    }
    return b.toString();
  }
}
