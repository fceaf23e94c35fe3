package io.edgewise.serve.common;

/**
 * A model that exists but cannot serve now (being unloaded, not loaded under explicit control, failed to load, the
 * memory budget held by requests in flight): the HTTP server answers 503 with this message as the reason.
 */
public final class ModelUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelUnavailableException(String message) {
    super(message, null, false, false);
  }
}
