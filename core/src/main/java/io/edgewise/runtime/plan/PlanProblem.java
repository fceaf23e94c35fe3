package io.edgewise.runtime.plan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The placement problem in numbers: nodes in a topological order, each one's predicted time on each device (infinite
 * where the device cannot run it), the values between them with their sizes, and each device's transfer cost. The
 * host (where graph inputs arrive and outputs are returned) is no device: a value crossing from device a to device
 * b costs {@link #side} of a plus {@link #side} of b, a graph input read on device b costs b's side, a graph output
 * produced on a costs a's side.
 *
 * @param devices the candidate devices, by index
 * @param nodeMs [node][device] predicted milliseconds; {@code Double.POSITIVE_INFINITY} where it cannot run
 * @param reads [node] the values (indices) the node reads, initializers excluded (a segment carries its weights)
 * @param producer [value] the node that produces it, -1 for a graph input (on the host)
 * @param bytes [value] its size in bytes (0 where unknown: the per-call cost remains)
 * @param graphOutput [value] whether the graph returns it (read back to the host)
 * @param callMs [device] the fixed cost of moving one value to or from the device
 * @param perByteMs [device] the cost per byte of moving a value to or from the device
 */
public record PlanProblem(List<String> devices, double[][] nodeMs, int[][] reads, int[] producer, long[] bytes,
    boolean[] graphOutput, double[] callMs, double[] perByteMs) {
  /** The device index of the host in assignments' value sources. */
  public static final int HOST = -1;

  public int nodeCount() {
    return nodeMs.length;
  }

  public int deviceCount() {
    return devices.size();
  }

  /** Moving {@code value} to or from device {@code d} (0 for the host). */
  public double side(int d, int value) {
    return d == HOST ? 0 : callMs[d] + perByteMs[d] * bytes[value];
  }

  /** Where a value is, under an assignment: its producer's device, or the host for a graph input. */
  int source(int[] assign, int value) {
    return producer[value] < 0 ? HOST : assign[producer[value]];
  }

  /** The values each node produces, by node. */
  int[][] outputsByNode() {
    List<List<Integer>> by = new ArrayList<>();
    for (int k = 0; k < nodeCount(); k++) {
      by.add(new ArrayList<>());
    }
    for (int v = 0; v < producer.length; v++) {
      if (producer[v] >= 0) {
        by.get(producer[v]).add(v);
      }
    }
    int[][] o = new int[nodeCount()][];
    for (int k = 0; k < o.length; k++) {
      o[k] = by.get(k).stream().mapToInt(Integer::intValue).toArray();
    }
    return o;
  }

  /** The readers of each value, by value. */
  List<List<Integer>> readers() {
    List<List<Integer>> out = new ArrayList<>();
    for (int v = 0; v < producer.length; v++) {
      out.add(new ArrayList<>());
    }
    for (int i = 0; i < reads.length; i++) {
      for (int v : reads[i]) {
        out.get(v).add(i);
      }
    }
    return out;
  }

  /**
   * The predicted time of an assignment (device index per node): every node's time, and for every value each device
   * other than its source that reads it (the host too, for a graph output) pays one transfer, both sides. A value
   * two regions of one device read is counted once: the cost model's approximation (the partitioned executable hands
   * it to each region).
   */
  public double cost(int[] assign) {
    double[] perNode = attributed(assign);
    double total = 0;
    for (double t : perNode) {
      total += t;
    }
    return total;
  }

  /**
   * Each node's share of {@link #cost}: its own time, the receiving side of the values it is the first reader of
   * on its device, and the sending side of the values it produces for each other device (and the host).
   */
  public double[] attributed(int[] assign) {
    int n = nodeCount();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = nodeMs[i][assign[i]];
    }
    List<List<Integer>> readers = readers();
    for (int v = 0; v < producer.length; v++) {
      int src = source(assign, v);
      Set<Integer> seen = new HashSet<>();
      for (int r : readers.get(v)) {
        int d = assign[r];
        if (d != src && seen.add(d)) {
          out[r] += side(d, v);
          if (src != HOST) {
            out[producer[v]] += side(src, v);
          }
        }
      }
      if (graphOutput[v] && src != HOST) {
        out[producer[v]] += side(src, v);
      }
    }
    return out;
  }
}
