package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException.ErrorCode;

/** Typed errors of the peer protocol, with their two-byte wire codes and the runtime's error category for each. */
public enum PeerErrorCode {
  /** The frame could not be decoded (bad lengths, unknown type or enum, trailing bytes); the connection closes. */
  BAD_FRAME(1, ErrorCode.INVALID_ARGUMENT),
  /** The frame is longer than the receiver's limit; the connection closes. */
  FRAME_TOO_LARGE(2, ErrorCode.RESOURCE_EXHAUSTED),
  /** No protocol version both sides speak; the connection closes. */
  UNSUPPORTED_VERSION(3, ErrorCode.INVALID_ARGUMENT),
  /** No HELLO first, or its token was refused; the connection closes. */
  UNAUTHENTICATED(4, ErrorCode.INVALID_ARGUMENT),
  /** A message the other side may not send (a second HELLO, a RESULT to a server); the connection closes. */
  PROTOCOL_VIOLATION(5, ErrorCode.INVALID_ARGUMENT),
  /** No model with that content hash on the peer. */
  UNKNOWN_MODEL(6, ErrorCode.NOT_FOUND),
  /** The tensors sent do not define a valid cut of the model (a needed value is missing, a type mismatch). */
  INVALID_CUT(7, ErrorCode.INVALID_ARGUMENT),
  /** The request was well formed but its content is wrong (shapes, names, limits on elements). */
  INVALID_ARGUMENT(8, ErrorCode.INVALID_ARGUMENT),
  /** The deadline passed before the work finished; queued work is dropped, a late result is discarded. */
  DEADLINE_EXCEEDED(9, ErrorCode.RESOURCE_EXHAUSTED),
  /** Too many requests in flight on this connection or queued on the peer: try later or elsewhere. */
  OVERLOADED(10, ErrorCode.RESOURCE_EXHAUSTED),
  /** The client cancelled the request. */
  CANCELLED(11, ErrorCode.RESOURCE_EXHAUSTED),
  /** The peer does not offer this service (e.g. no reuse store registered). */
  NOT_IMPLEMENTED(12, ErrorCode.NOT_IMPLEMENTED),
  /** The connection failed or closed before an answer came (client side only, never sent). */
  UNAVAILABLE(13, ErrorCode.IO),
  /** The peer failed running the work (its message says why). */
  INTERNAL(14, ErrorCode.INTERNAL);

  private final int code;
  private final ErrorCode category;

  PeerErrorCode(int code, ErrorCode category) {
    this.code = code;
    this.category = category;
  }

  public int code() {
    return code;
  }

  public ErrorCode category() {
    return category;
  }

  /** Errors after which the connection is closed by the sender. */
  public boolean closesConnection() {
    return this == BAD_FRAME || this == FRAME_TOO_LARGE || this == UNSUPPORTED_VERSION || this == UNAUTHENTICATED
        || this == PROTOCOL_VIOLATION;
  }

  public static PeerErrorCode fromCode(int code) {
    for (PeerErrorCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return null;
  }
}
