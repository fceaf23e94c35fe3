package io.edgewise.runtime.split;

import java.util.List;

/**
 * A place to split a model between a device and a peer: the nodes before {@code position} (in the graph's
 * topological order) run on the device, the rest on the peer, and {@code tensors} are the values that cross.
 *
 * @param position how many nodes run before the cut (0: everything remote; the node count: everything local)
 * @param tensors the crossing values in a stable order: produced (or fed) before the cut, read after it
 * @param bytes their size in bytes from shape inference, or -1 when some shape is not known statically
 * @param suffix what runs after the cut (the bandit's context)
 */
public record CutPoint(int position, List<String> tensors, long bytes, SuffixProfile suffix) {
  public CutPoint {
    tensors = List.copyOf(tensors);
  }

  /** Nothing runs remotely: the crossing values are the model's outputs. */
  public boolean isAllLocal() {
    return suffix.layers() == 0;
  }

  /** "cut@12 [x, y] 802816 B". */
  public String describe() {
    return "cut@" + position + " " + tensors + " " + (bytes < 0 ? "? B" : bytes + " B");
  }
}
