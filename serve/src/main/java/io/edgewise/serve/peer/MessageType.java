package io.edgewise.serve.peer;

/**
 * The peer protocol's message types and their one-byte wire codes (see {@link PeerCodec} for each payload).
 * Codes never change meaning; new types take new codes. 16 and 17 are reserved for the feature-reuse store's
 * remote look-ups (issue 7), 18 and 19 for dynamic inference at a level (Dystri, issue 25).
 */
public enum MessageType {
  /** client to server, first on every connection: protocol versions spoken, bearer token, client name. */
  HELLO(1),
  /** server to client, the answer to HELLO: chosen version, device, limits, models with their content hashes. */
  CAPABILITIES(2),
  /** client to server: run a model's suffix from the intermediate tensors of a cut, before a deadline. */
  PARTIAL_INFER(3),
  /** server to client: the suffix's output tensors and how long the peer queued and computed. */
  RESULT(4),
  /** either way: a typed error ({@link PeerErrorCode}) answering the request with the same id (0: connection). */
  ERROR(5),
  /** client to server: ask for a load report. */
  LOAD_QUERY(6),
  /** server to client: requests in flight and queued, workers, utilisation, mean compute time. */
  LOAD_REPORT(7),
  /** client to server: liveness and round-trip probe; optional padding bytes measure bandwidth. */
  PING(8),
  /** server to client: the answer to PING (no padding back). */
  PONG(9),
  /** client to server: the request with this id is no longer wanted (its deadline passed at the client). */
  CANCEL(10),
  /** client to server: is there a reusable result for this feature vector? (issue 7's remote reuse look-up) */
  REUSE_LOOKUP(16),
  /** server to client: the answer to REUSE_LOOKUP: hit flag, result tensors or label and confidence, origin. */
  REUSE_RESULT(17),
  /** client to server: serve a request at one of the node's dynamic-inference levels, before a deadline (issue 25). */
  LEVEL_INFER(18),
  /** server to client: the answer to LEVEL_INFER: the level served, queue and compute times, the outputs. */
  LEVEL_RESULT(19);

  private final int code;

  MessageType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type for a wire code, or null for an unknown one. */
  public static MessageType fromCode(int code) {
    for (MessageType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
