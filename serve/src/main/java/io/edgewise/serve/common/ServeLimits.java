package io.edgewise.serve.common;

import io.edgewise.EdgewiseException;
import java.time.Duration;

/**
 * The limits every server of the serve package enforces, so that no request can exhaust memory or threads.
 *
 * @param maxMessageBytes the largest HTTP request body or peer frame accepted
 * @param maxHeaderBytes the largest block of HTTP headers
 * @param maxInitialLineBytes the longest HTTP request line (method, path, version)
 * @param maxTensorElements the most elements one request tensor may declare
 * @param maxConcurrent inference requests running at once (one worker thread each)
 * @param maxQueued inference requests waiting for a worker; more are refused with "busy" (HTTP 429)
 * @param idleTimeout a connection that sends nothing for this long is closed (a half-sent request gets 408)
 */
public record ServeLimits(long maxMessageBytes, int maxHeaderBytes, int maxInitialLineBytes, long maxTensorElements,
    int maxConcurrent, int maxQueued, Duration idleTimeout) {

  public ServeLimits {
    positive("maxMessageBytes", maxMessageBytes);
    if (maxMessageBytes > Integer.MAX_VALUE - 8) {
      throw EdgewiseException.invalidArgument("ServeLimits: maxMessageBytes must be below 2 GiB, got "
          + maxMessageBytes);
    }
    positive("maxHeaderBytes", maxHeaderBytes);
    positive("maxInitialLineBytes", maxInitialLineBytes);
    positive("maxTensorElements", maxTensorElements);
    positive("maxConcurrent", maxConcurrent);
    if (maxQueued < 0) {
      throw EdgewiseException.invalidArgument("ServeLimits: maxQueued must be >= 0, got " + maxQueued);
    }
    if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw EdgewiseException.invalidArgument("ServeLimits: idleTimeout must be positive, got " + idleTimeout);
    }
  }

  /** 64 MiB messages, 8 KiB headers, 16 Mi elements per tensor, one worker per core, 64 queued, 60 s idle. */
  public static ServeLimits defaults() {
    return new ServeLimits(64L << 20, 8192, 4096, 16L << 20, Runtime.getRuntime().availableProcessors(), 64,
        Duration.ofSeconds(60));
  }

  public ServeLimits withMaxMessageBytes(long v) {
    return new ServeLimits(v, maxHeaderBytes, maxInitialLineBytes, maxTensorElements, maxConcurrent, maxQueued,
        idleTimeout);
  }

  public ServeLimits withMaxTensorElements(long v) {
    return new ServeLimits(maxMessageBytes, maxHeaderBytes, maxInitialLineBytes, v, maxConcurrent, maxQueued,
        idleTimeout);
  }

  public ServeLimits withConcurrency(int concurrent, int queued) {
    return new ServeLimits(maxMessageBytes, maxHeaderBytes, maxInitialLineBytes, maxTensorElements, concurrent,
        queued, idleTimeout);
  }

  public ServeLimits withIdleTimeout(Duration v) {
    return new ServeLimits(maxMessageBytes, maxHeaderBytes, maxInitialLineBytes, maxTensorElements, maxConcurrent,
        maxQueued, v);
  }

  private static void positive(String what, long v) {
    if (v <= 0) {
      throw EdgewiseException.invalidArgument("ServeLimits: " + what + " must be positive, got " + v);
    }
  }
}
