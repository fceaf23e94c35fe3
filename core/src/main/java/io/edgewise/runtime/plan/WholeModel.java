package io.edgewise.runtime.plan;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;

/**
 * A device's executable of a whole model, as a session on that device compiles it: what a one-region plan runs and
 * what the calibrator times, so that the prediction of a one-region plan and its measured time come from one and the
 * same executable. Each compile gets its own copy of the nodes (a device's compiler may rewrite a node's inputs, and
 * the planner compiles one model for several devices); the copy borrows the initializers and is never closed.
 */
final class WholeModel {
  private WholeModel() {}

  static Executable compile(Backend backend, Model model, BackendOptions options) {
    Graph src = model.graph();
    Graph g = new Graph(src.name());
    for (Node n : src.nodes()) {
      g.nodes().add(new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), n.attributes()));
    }
    g.initializers().putAll(src.initializers());
    g.inputs().addAll(src.inputs());
    g.outputs().addAll(src.outputs());
    g.valueInfo().putAll(src.valueInfo());
    return backend.compile(new Model(g, model.opsetImports(), model.irVersion(), model.producerName(), null, null),
        options);
  }
}
