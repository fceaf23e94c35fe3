package io.edgewise.bench;

import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/** The summaries and clean-up every experiment driver of this module uses: one copy each. */
public final class BenchStats {
  private BenchStats() {}

  /** The arithmetic mean (NaN for no values). */
  public static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }

  /** Nearest-rank percentile, p in [0, 100] (NaN for no values). */
  public static double percentile(double[] values, double p) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] s = values.clone();
    Arrays.sort(s);
    int rank = (int) Math.ceil(p / 100 * s.length);
    return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
  }

  /** Deletes a directory and everything under it (nothing when it does not exist). */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot delete " + dir + ": " + e, e);
    }
  }
}
