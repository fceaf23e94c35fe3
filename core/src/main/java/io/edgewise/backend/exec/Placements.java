package io.edgewise.backend.exec;

import io.edgewise.backend.NodePlacement;
import io.edgewise.model.Node;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The placement of each node of an interpreted graph: set from the registry's labels when the graph is compiled,
 * and updated when a device kernel hands a node to another kernel during a run. A fallback sticks: once a node fell
 * back, its placement says so and why, even if later runs' inputs suit the device again. Safe for concurrent runs.
 */
public final class Placements {
  private final AtomicReferenceArray<NodePlacement> entries;

  /**
   * Node i on devices[i] (the device whose kernel will run it); a node on another device than the session's own is
   * recorded as a fallback because that device has no kernel for the op.
   */
  public Placements(List<Node> nodes, List<String> devices, String sessionDevice) {
    entries = new AtomicReferenceArray<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      entries.set(i, NodePlacement.of(nodes.get(i), devices.get(i), sessionDevice));
    }
  }

  /** Records that node i ran on another device's kernel, and why (the first reason stays). */
  public void fellBack(int i, String device, String reason) {
    NodePlacement p = entries.get(i);
    if (!p.fellBack()) {
      entries.compareAndSet(i, p, new NodePlacement(p.node(), p.op(), device, reason));
    }
  }

  /** The placement now, in node order. */
  public List<NodePlacement> snapshot() {
    NodePlacement[] out = new NodePlacement[entries.length()];
    Arrays.setAll(out, entries::get);
    return List.of(out);
  }
}
