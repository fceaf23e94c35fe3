package io.edgewise.serve.client;

import io.edgewise.EdgewiseException;

/** A server answered with an error status; carries the status and the server's {"error": ...} message. */
public final class RemoteException extends EdgewiseException {
  private static final long serialVersionUID = 1L;
  private final int status;

  RemoteException(int status, String message) {
    super(codeOf(status), "server answered " + status + ": " + message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  private static ErrorCode codeOf(int status) {
    if (status == 404) {
      return ErrorCode.NOT_FOUND;
    }
    if (status == 413 || status == 429) {
      return ErrorCode.RESOURCE_EXHAUSTED;
    }
    if (status >= 400 && status < 500) {
      return ErrorCode.INVALID_ARGUMENT;
    }
    return status == 503 ? ErrorCode.IO : ErrorCode.INTERNAL;
  }
}
