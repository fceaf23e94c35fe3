package io.edgewise.serve.client;

import io.edgewise.EdgewiseException;

/**
 * A client's estimate of the network time of its requests, measured from its own answers and never configured: each
 * observation is one request's network time (its measured round trip less the time the server reported spending) and
 * the bytes it moved (request and response bodies). The estimate is an exponentially weighted least-squares line
 * {@code ms = latency + bytes / bandwidth} (every observation's weight decays by 1 - w per newer one), so that it
 * follows a link that changes: with requests of different sizes it separates the fixed delay from the transfer time;
 * with requests all of one size (the spread of sizes under 5% of their mean) the line has no slope to learn and the
 * estimate is the moving average of the network times, {@link #bandwidthMbps()} then unknown (NaN). Thread-safe.
 */
public final class NetworkEstimate {
  private final double weight;
  private double sw;
  private double sx;
  private double sy;
  private double sxx;
  private double sxy;
  private long count;
  private double lastBytes = Double.NaN;

  /** @param weight the newest observation's weight, in (0, 1] (0.2: about the last 5 to 10 requests count) */
  public NetworkEstimate(double weight) {
    if (!(weight > 0 && weight <= 1)) {
      throw EdgewiseException.invalidArgument("NetworkEstimate: weight must be in (0, 1], got " + weight);
    }
    this.weight = weight;
  }

  /** One request: its network time (ms, round trip less server time; negative clock noise counts as 0). */
  public synchronized void add(double networkMs, long bytes) {
    if (Double.isNaN(networkMs) || bytes < 0) {
      return;
    }
    double y = Math.max(0, networkMs);
    double x = bytes;
    double keep = count == 0 ? 0 : 1 - weight;
    double w = count == 0 ? 1 : weight;
    sw = keep * sw + w;
    sx = keep * sx + w * x;
    sy = keep * sy + w * y;
    sxx = keep * sxx + w * x * x;
    sxy = keep * sxy + w * x * y;
    count++;
    lastBytes = x;
  }

  public synchronized long count() {
    return count;
  }

  /** ms per byte of the fitted line, 0 when the sizes do not spread enough to tell (or the fit says none). */
  private double slope() {
    double mx = sx / sw;
    double var = sxx / sw - mx * mx;
    if (count < 2 || !(var > Math.pow(0.05 * mx, 2)) || var <= 0) {
      return 0;
    }
    double cov = sxy / sw - mx * sy / sw;
    return Math.max(0, cov / var);
  }

  /** The estimated network time of a request moving {@code bytes} (ms); NaN before the first observation. */
  public synchronized double estimateMs(long bytes) {
    if (count == 0) {
      return Double.NaN;
    }
    double b = slope();
    double a = sy / sw - b * sx / sw;
    return Math.max(0, a + b * bytes);
  }

  /** The estimate for a request the size of the last one. */
  public synchronized double estimateMs() {
    return count == 0 ? Double.NaN : estimateMs((long) lastBytes);
  }

  /** The fixed part, the line at 0 bytes (ms): the moving average of round trips when sizes do not spread. */
  public synchronized double latencyMs() {
    return count == 0 ? Double.NaN : Math.max(0, sy / sw - slope() * sx / sw);
  }

  /** The fitted bandwidth (Mbit/s); NaN when the sizes seen so far cannot tell it. */
  public synchronized double bandwidthMbps() {
    double b = count == 0 ? 0 : slope();
    return b > 0 ? 8 / b / 1000 : Double.NaN;
  }
}
