package io.edgewise.runtime.partition;

import io.edgewise.model.Node;
import java.util.List;

/**
 * A run of nodes that one device computes, in an order where every segment reads only graph inputs, initializers and
 * the outputs of segments before it.
 *
 * @param device the device that runs it ("ort" for nodes the session's device has no kernel for)
 * @param nodes its nodes, in topological order
 * @param inputs the values it reads from outside itself (graph inputs, earlier segments' outputs), initializers not
 *     included (a segment carries the initializers it reads)
 * @param outputs the values it produces that a later segment reads or the graph returns
 */
public record Segment(String device, List<Node> nodes, List<String> inputs, List<String> outputs) {
  public Segment {
    nodes = List.copyOf(nodes);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
