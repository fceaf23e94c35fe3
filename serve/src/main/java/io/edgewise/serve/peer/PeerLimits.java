package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;

/**
 * What one side of the peer protocol accepts.
 *
 * @param maxFrameBytes longest frame accepted (LengthFieldBasedFrameDecoder's limit); longer ones close the link
 * @param maxTensorElements most elements in one tensor of a message
 * @param maxTensors most tensors in one message
 * @param maxInFlightPerConnection partial inferences one connection may have outstanding; past it the server stops
 *     reading from that connection (TCP pushes back), and answers OVERLOADED to what was already read
 * @param maxQueued partial inferences waiting for a worker across all connections; past it: OVERLOADED
 * @param workers threads running partial inferences
 * @param helloTimeoutMillis a connection that has not said HELLO by then is closed
 * @param idleTimeoutMillis a connection with nothing in flight that neither sends nor receives for this long is
 *     closed (a half-sent frame cannot hold a connection open forever)
 */
public record PeerLimits(int maxFrameBytes, long maxTensorElements, int maxTensors, int maxInFlightPerConnection,
    int maxQueued, int workers, long helloTimeoutMillis, long idleTimeoutMillis) {
  /** Strings on the wire (names, hashes, tokens, messages) are at most this long in UTF-8 bytes. */
  public static final int MAX_STRING_BYTES = 4096;
  /** Tensor rank limit. */
  public static final int MAX_RANK = 8;

  public PeerLimits {
    if (maxFrameBytes < 64 || maxTensorElements < 1 || maxTensors < 1 || maxInFlightPerConnection < 1
        || maxQueued < 1 || workers < 1 || helloTimeoutMillis < 1 || idleTimeoutMillis < 1) {
      throw EdgewiseException.invalidArgument("PeerLimits: every limit must be positive (frame >= 64 bytes): "
          + "frame=" + maxFrameBytes + " elements=" + maxTensorElements + " tensors=" + maxTensors + " inFlight="
          + maxInFlightPerConnection + " queued=" + maxQueued + " workers=" + workers + " hello="
          + helloTimeoutMillis + " idle=" + idleTimeoutMillis);
    }
  }

  /**
   * 64 MiB frames, 2^26 elements per tensor, 64 tensors, 8 in flight per connection, 256 queued, 2 workers, 10 s to
   * say HELLO, 5 minutes idle.
   */
  public static PeerLimits defaults() {
    return new PeerLimits(64 << 20, 1L << 26, 64, 8, 256, 2, 10_000, 300_000);
  }

  public PeerLimits withMaxFrameBytes(int v) {
    return new PeerLimits(v, maxTensorElements, maxTensors, maxInFlightPerConnection, maxQueued, workers,
        helloTimeoutMillis, idleTimeoutMillis);
  }

  public PeerLimits withInFlight(int perConnection, int queued) {
    return new PeerLimits(maxFrameBytes, maxTensorElements, maxTensors, perConnection, queued, workers,
        helloTimeoutMillis, idleTimeoutMillis);
  }

  public PeerLimits withWorkers(int v) {
    return new PeerLimits(maxFrameBytes, maxTensorElements, maxTensors, maxInFlightPerConnection, maxQueued, v,
        helloTimeoutMillis, idleTimeoutMillis);
  }

  public PeerLimits withHelloTimeoutMillis(long v) {
    return new PeerLimits(maxFrameBytes, maxTensorElements, maxTensors, maxInFlightPerConnection, maxQueued, workers,
        v, idleTimeoutMillis);
  }

  public PeerLimits withIdleTimeoutMillis(long v) {
    return new PeerLimits(maxFrameBytes, maxTensorElements, maxTensors, maxInFlightPerConnection, maxQueued, workers,
        helloTimeoutMillis, v);
  }
}
