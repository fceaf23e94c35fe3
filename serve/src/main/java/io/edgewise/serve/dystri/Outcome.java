package io.edgewise.serve.dystri;

import io.edgewise.serve.peer.PeerErrorCode;
import io.edgewise.tensor.Tensor;
import java.util.Map;

/**
 * How the coordinator answered one request: served (at a level, by a node) or refused with the reason. Every request
 * gets exactly one. The caller owns the outputs.
 *
 * @param level the level that served it (-1 when refused)
 * @param node the index of the node that served or refused it (-1 when the coordinator refused it itself)
 * @param code why not (null when served): DEADLINE_EXCEEDED (the deadline cannot be or was not met), OVERLOADED
 *     (no live node, a full queue), or what the node answered
 * @param reroutes how many times it was sent again because its node died
 */
public record Outcome(boolean served, int level, int node, Map<String, Tensor> outputs, PeerErrorCode code,
    String reason, int reroutes, long queueMicros, long computeMicros) implements AutoCloseable {
  static Outcome refused(int node, PeerErrorCode code, String reason, int reroutes) {
    return new Outcome(false, -1, node, Map.of(), code, reason, reroutes, 0, 0);
  }

  @Override
  public void close() {
    outputs.values().forEach(Tensor::close);
  }
}
