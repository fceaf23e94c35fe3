package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;

/** A peer protocol failure with its typed code; local (decoding, connection) or reported by the other side. */
public final class PeerException extends EdgewiseException {
  private static final long serialVersionUID = 1L;
  private final PeerErrorCode peerCode;

  public PeerException(PeerErrorCode peerCode, String message) {
    super(peerCode.category(), peerCode + ": " + message);
    this.peerCode = peerCode;
  }

  public PeerException(PeerErrorCode peerCode, String message, Throwable cause) {
    super(peerCode.category(), peerCode + ": " + message, cause);
    this.peerCode = peerCode;
  }

  public PeerErrorCode peerCode() {
    return peerCode;
  }

  /** The message without the category and code prefixes, as sent on the wire. */
  public String detail() {
    String m = super.getMessage().replaceFirst("^\\[\\w+\\] ", "");
    return m.startsWith(peerCode + ": ") ? m.substring(peerCode.toString().length() + 2) : m;
  }

  static PeerException badFrame(String message) {
    return new PeerException(PeerErrorCode.BAD_FRAME, message);
  }
}
