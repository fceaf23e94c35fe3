package io.edgewise.serve.peer;

import io.edgewise.serve.peer.PeerMessage.ReuseLookup;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;

/**
 * The hook through which the feature-reuse store (issue 7) answers REUSE_LOOKUP messages from other devices.
 * Registered in {@link PeerServerConfig#withReuseHandler}; without one, look-ups are answered NOT_IMPLEMENTED.
 * Called on a worker thread; the lookup's feature tensor is closed by the server after the call returns, and the
 * returned result's tensors are closed by the server once sent. Throwing EdgewiseException answers the request
 * with a typed error (INVALID_ARGUMENT for a bad argument, INTERNAL otherwise).
 */
@FunctionalInterface
public interface ReuseLookupHandler {
  ReuseResult lookup(ReuseLookup request);
}
