package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Node;
import java.util.Arrays;

/**
 * What one kernel launch touches of its buffer arguments, computed on the host from the launch's global size and
 * scalar arguments with the kernel's own index arithmetic: per buffer argument, the number of elements up to and
 * including the highest one it reads or writes. Each kernel's footprint lives next to the code that launches it;
 * {@link ClContext#launch(ClKernel, ClFootprint, Object, long[], long[], boolean, Object...)} checks it against the
 * buffers' sizes before enqueuing when launch checks are on ({@code -Dedgewise.opencl.checkLaunches=true} or
 * {@code EDGEWISE_OPENCL_CHECK_LAUNCHES=1}; the tests always run with them), so that a wrong launch is an
 * {@link EdgewiseException} naming the kernel, the node and the sizes instead of memory corruption or a native
 * crash. Off by default: computing a footprint costs a few hundred nanoseconds per launch.
 */
public final class ClFootprint {
  private static volatile boolean enabled = Boolean.getBoolean("edgewise.opencl.checkLaunches")
      || "1".equals(System.getenv("EDGEWISE_OPENCL_CHECK_LAUNCHES"));

  /** The kernel's index arithmetic: fills {@code ends[i]} for each buffer argument i it touches. */
  @FunctionalInterface
  public interface Extents {
    /**
     * {@code ends[i]} = highest element index of argument i that the launch reads or writes, plus 1 (0: none);
     * left at 0 for scalar arguments and untouched buffers.
     */
    void compute(long[] global, Object[] args, long[] ends);
  }

  private final String[] names;
  private final int[] modes;  // per argument: 0 scalar, 1 read, 2 written, 3 both
  private final int[] elementBytes;
  private final Extents extents;

  private ClFootprint(String[] names, int[] modes, int[] elementBytes, Extents extents) {
    this.names = names;
    this.modes = modes;
    this.elementBytes = elementBytes;
    this.extents = extents;
  }

  /**
   * A footprint for a kernel with these parameters, comma-separated in the kernel's order: {@code in x},
   * {@code out y} or {@code inout y} for buffers (float elements; {@code in w:2} for 2-byte ones), a bare name for a
   * scalar (its value goes into the error message).
   */
  public static ClFootprint of(String params, Extents extents) {
    String[] parts = params.split(",");
    String[] names = new String[parts.length];
    int[] modes = new int[parts.length];
    int[] bytes = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String[] words = parts[i].trim().split("\\s+");
      String name = words[words.length - 1];
      bytes[i] = 4;
      int colon = name.indexOf(':');
      if (colon >= 0) {
        bytes[i] = Integer.parseInt(name.substring(colon + 1));
        name = name.substring(0, colon);
      }
      names[i] = name;
      modes[i] = words.length == 1 ? 0 : switch (words[0]) {
        case "in" -> 1;
        case "out" -> 2;
        case "inout" -> 3;
        default -> throw new IllegalArgumentException("parameter mode " + words[0] + " in " + params);
      };
    }
    return new ClFootprint(names, modes, bytes, extents);
  }

  /** Whether launches are checked against their footprints. */
  public static boolean enabled() {
    return enabled;
  }

  /** Turns the footprint checks on or off for this process (tests; the debug option sets it at start-up). */
  public static void setEnabled(boolean on) {
    enabled = on;
  }

  /** The int value of scalar argument {@code k}. */
  public static int i(Object[] args, int k) {
    return (Integer) args[k];
  }

  /** ceil(a / b) for positive b. */
  public static long ceil(long a, long b) {
    return (a + b - 1) / b;
  }

  /**
   * The largest {@code sum(digit[j] * coef[j])} over every v in [0, vmax] written in the mixed radix {@code radix}
   * (most significant first; radix[0] is unbounded): the highest index a kernel computes from a decomposed work-item
   * id with non-negative strides. Exact: either vmax itself, or vmax's leading digits with one lowered and all the
   * digits after it at their maximum.
   */
  public static long maxOverDigits(long vmax, long[] radix, long[] coef) {
    int n = radix.length;
    long[] d = new long[n];
    long r = vmax;
    for (int j = n - 1; j > 0; j--) {
      d[j] = r % radix[j];
      r /= radix[j];
    }
    d[0] = r;
    long best = 0;
    long prefix = 0;
    for (int p = 0; p < n; p++) {
      if (d[p] > 0) {
        long v = prefix + (d[p] - 1) * coef[p];
        for (int j = p + 1; j < n; j++) {
          v += (radix[j] - 1) * coef[j];
        }
        best = Math.max(best, v);
      }
      prefix += d[p] * coef[p];
    }
    return Math.max(best, prefix);
  }

  /** Checks the launch's buffer arguments against what the kernel will touch; throws naming kernel, site, sizes. */
  void check(String kernel, Object site, long[] global, long[] local, Object[] args) {
    if (args.length != names.length) {
      throw violation(kernel, site, global, local, args, "has " + args.length + " arguments, its footprint "
          + names.length);
    }
    long[] ends = new long[args.length];
    extents.compute(global, args, ends);
    for (int i = 0; i < args.length; i++) {
      if (modes[i] == 0 || ends[i] <= 0) {
        continue;
      }
      if (!(args[i] instanceof ClBuffer b)) {
        throw violation(kernel, site, global, local, args, "argument " + i + " '" + names[i] + "' is not a buffer");
      }
      long need = ends[i] * elementBytes[i];
      if (need > b.bytes()) {
        String verb = switch (modes[i]) {
          case 1 -> "reads";
          case 2 -> "writes";
          default -> "reads and writes";
        };
        throw violation(kernel, site, global, local, args, verb + " element " + (ends[i] - 1) + " of '" + names[i]
            + "' (argument " + i + ", " + need + " bytes needed) but its buffer holds " + b.bytes() / elementBytes[i]
            + " elements (" + b.bytes() + " bytes)");
      }
    }
  }

  private EdgewiseException violation(String kernel, Object site, long[] global, long[] local, Object[] args,
      String what) {
    StringBuilder scalars = new StringBuilder();
    for (int i = 0; i < Math.min(args.length, names.length); i++) {
      if (modes[i] == 0) {
        scalars.append(scalars.length() == 0 ? "" : ", ").append(names[i]).append('=').append(args[i]);
      }
    }
    return EdgewiseException.invalidArgument("launch check: kernel " + kernel + " " + site(site) + " " + what
        + "; global " + Arrays.toString(global) + ", local " + Arrays.toString(local) + ", " + scalars);
  }

  /** How an error names the launch's origin: a node by describe(), anything else by toString(). */
  static String site(Object site) {
    if (site == null) {
      return "(no node)";
    }
    return "for " + (site instanceof Node n ? n.describe() : site.toString());
  }
}
