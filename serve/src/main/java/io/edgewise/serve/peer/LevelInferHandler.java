package io.edgewise.serve.peer;

import io.edgewise.serve.peer.PeerMessage.LevelInfer;
import io.edgewise.serve.peer.PeerMessage.LoadReport;
import java.util.function.Consumer;

/**
 * Serves LEVEL_INFER for a {@link PeerServer} (issue 25: a node's controller, or the coordinator in front of nodes).
 */
public interface LevelInferHandler {
  /**
   * Takes the request (and its tensors: the handler closes it) and answers it exactly once, from any thread, with a
   * {@link PeerMessage.LevelResult} or a {@link PeerMessage.Error} saying why not. Must not block the caller (a
   * network thread).
   */
  void submit(LevelInfer request, Consumer<PeerMessage> answer);

  /** The load a LOAD_QUERY is answered with. */
  LoadReport load();
}
