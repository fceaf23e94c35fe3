package io.edgewise.serve.common;

import io.edgewise.EdgewiseException;
import io.edgewise.serve.cache.CachePolicy;
import java.time.Duration;

/**
 * How a {@link ModelRepository} manages its models.
 *
 * @param control the model control mode
 * @param pollInterval how often POLL scans the directory
 * @param memoryBudget the most bytes loaded models may hold (measured, see Session.memoryBytes); 0 for no budget:
 *     every model stays loaded. With a budget models load on their first request and the policy evicts
 * @param policy which loaded model to evict (null: cremebrulee)
 * @param budgetWait how long a load waits for requests in flight to free room before it is refused (503)
 */
public record RepositoryOptions(ModelControl control, Duration pollInterval, long memoryBudget, CachePolicy policy,
    Duration budgetWait) {
  public RepositoryOptions {
    if (memoryBudget < 0) {
      throw EdgewiseException.invalidArgument("the memory budget must not be negative, got " + memoryBudget);
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw EdgewiseException.invalidArgument("the poll interval must be positive, got " + pollInterval);
    }
    if (policy == null) {
      policy = CachePolicy.of("cremebrulee", null, 0);
    }
  }

  /** Every model loaded at start and kept (the behaviour without model control or budget). */
  public static RepositoryOptions defaults() {
    return new RepositoryOptions(ModelControl.NONE, Duration.ofSeconds(15), 0, null, Duration.ofSeconds(60));
  }

  public RepositoryOptions withControl(ModelControl c, Duration interval) {
    return new RepositoryOptions(c, interval, memoryBudget, policy, budgetWait);
  }

  public RepositoryOptions withBudget(long bytes, CachePolicy p) {
    return new RepositoryOptions(control, pollInterval, bytes, p, budgetWait);
  }

  /**
   * "512MiB", "2GiB", "300MB", "1000000" (bytes) to bytes: binary units KiB, MiB, GiB and decimal KB, MB, GB.
   */
  public static long parseBytes(String s) {
    String t = s.trim();
    String[][] units = {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}, {"KB", "1000"},
        {"MB", "1000000"}, {"GB", "1000000000"}, {"B", "1"}};
    long scale = 1;
    for (String[] u : units) {
      if (t.endsWith(u[0])) {
        scale = Long.parseLong(u[1]);
        t = t.substring(0, t.length() - u[0].length()).trim();
        break;
      }
    }
    try {
      double v = Double.parseDouble(t);
      if (!(v >= 0) || v * scale > Long.MAX_VALUE / 2) {
        throw new NumberFormatException();
      }
      return (long) (v * scale);
    } catch (NumberFormatException e) {
      throw EdgewiseException.invalidArgument("not a byte size: '" + s + "' (e.g. 512MiB, 2GiB, 300MB)");
    }
  }
}
