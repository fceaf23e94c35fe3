package io.edgewise.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The dynamic programme against oracles: a hand-computed chain, and brute force over every assignment of small
 * random chains (where the DP is exact) and small random DAGs (where it must still never lose to a single device).
 */
class RegionPlannerTest {
  @Test
  void aHandComputedChainPutsTheMiddleNodeOnTheDeviceThatWinsIt() {
    // x -> n0 -> v1 -> n1 -> v2 -> n2 -> v3 (graph output); devices A (the host's own: free transfers) and B
    // (1 ms per value moved, nothing per byte). All on A: 1 + 10 + 1 = 12. All on B: 5 + 2 + 5 + 1 (x in) + 1 (v3
    // out) = 14. A, B, A: 1 + 2 + 1 + (v1 to B: 1) + (v2 back: 1) = 6, the optimum.
    PlanProblem p = new PlanProblem(List.of("A", "B"),
        new double[][] {{1, 5}, {10, 2}, {1, 5}},
        new int[][] {{0}, {1}, {2}},
        new int[] {-1, 0, 1, 2},
        new long[] {100, 100, 100, 100},
        new boolean[] {false, false, false, true},
        new double[] {0, 1}, new double[] {0, 0});
    int[] a = RegionPlanner.plan(p);
    assertArrayEquals(new int[] {0, 1, 0}, a);
    assertEquals(6.0, p.cost(a), 1e-12);
    assertEquals(12.0, p.cost(new int[] {0, 0, 0}), 1e-12);
    assertEquals(14.0, p.cost(new int[] {1, 1, 1}), 1e-12);
  }

  @Test
  void onChainsTheDynamicProgrammeFindsTheOptimumBruteForceFinds() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 400; trial++) {
      int n = 1 + rnd.nextInt(7);
      int d = 2 + rnd.nextInt(2);
      PlanProblem p = chain(rnd, n, d);
      int[] a = RegionPlanner.plan(p);
      assertEquals(bruteForce(p), p.cost(a), 1e-9, "trial " + trial);
    }
  }

  @Test
  void onSmallDagsItNeverLosesToASingleDeviceAndItsCostIsExact() {
    Random rnd = new Random(11);
    int optimal = 0;
    for (int trial = 0; trial < 300; trial++) {
      int n = 2 + rnd.nextInt(6);
      int d = 2 + rnd.nextInt(2);
      PlanProblem p = dag(rnd, n, d);
      int[] a = RegionPlanner.plan(p);
      double best = bruteForce(p);
      double c = p.cost(a);
      assertTrue(c >= best - 1e-9, "below the optimum: the cost function and the search disagree");
      int[] single = RegionPlanner.bestSingleDevice(p);
      assertTrue(c <= p.cost(single) + 1e-9, "trial " + trial + ": worse than one device");
      optimal += Math.abs(c - best) < 1e-9 ? 1 : 0;
    }
    // a heuristic there, but a good one: most small DAGs get their optimum
    assertTrue(optimal > 250, optimal + " of 300 optimal");
  }

  /** A chain x -> n0 -> v1 -> ... -> v_n (graph output), random costs, some devices unable to run some nodes. */
  private static PlanProblem chain(Random rnd, int n, int d) {
    double[][] ms = costs(rnd, n, d);
    int[][] reads = new int[n][];
    int[] producer = new int[n + 1];
    producer[0] = -1;
    for (int i = 0; i < n; i++) {
      reads[i] = new int[] {i};
      producer[i + 1] = i;
    }
    boolean[] out = new boolean[n + 1];
    out[n] = true;
    return problem(rnd, d, ms, reads, producer, out);
  }

  /** A random DAG: node i reads the graph input or values of earlier nodes (one or two), the last is the output. */
  private static PlanProblem dag(Random rnd, int n, int d) {
    double[][] ms = costs(rnd, n, d);
    int[][] reads = new int[n][];
    int[] producer = new int[n + 1];
    producer[0] = -1;
    for (int i = 0; i < n; i++) {
      producer[i + 1] = i;
      List<Integer> r = new ArrayList<>();
      r.add(i);  // its predecessor's value (or x)
      if (i > 0 && rnd.nextBoolean()) {
        int skip = rnd.nextInt(i);  // a skip connection from further back
        if (!r.contains(skip)) {
          r.add(skip);
        }
      }
      reads[i] = r.stream().mapToInt(Integer::intValue).toArray();
    }
    boolean[] out = new boolean[n + 1];
    out[n] = true;
    if (n > 2 && rnd.nextBoolean()) {
      out[1 + rnd.nextInt(n - 1)] = true;  // a second output from the middle
    }
    return problem(rnd, d, ms, reads, producer, out);
  }

  private static double[][] costs(Random rnd, int n, int d) {
    double[][] ms = new double[n][d];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        ms[i][k] = k > 0 && rnd.nextInt(6) == 0 ? Double.POSITIVE_INFINITY : rnd.nextDouble() * 10;
      }
    }
    return ms;  // device 0 runs everything, as the cpu does
  }

  private static PlanProblem problem(Random rnd, int d, double[][] ms, int[][] reads, int[] producer,
      boolean[] out) {
    long[] bytes = new long[producer.length];
    for (int v = 0; v < bytes.length; v++) {
      bytes[v] = rnd.nextInt(1000);
    }
    double[] call = new double[d];
    double[] perByte = new double[d];
    for (int k = 0; k < d; k++) {
      call[k] = rnd.nextDouble() * 2;
      perByte[k] = rnd.nextDouble() * 0.002;
    }
    List<String> names = new ArrayList<>();
    for (int k = 0; k < d; k++) {
      names.add("d" + k);
    }
    return new PlanProblem(names, ms, reads, producer, bytes, out, call, perByte);
  }

  /** The least cost over all d^n assignments. */
  private static double bruteForce(PlanProblem p) {
    int n = p.nodeCount();
    int d = p.deviceCount();
    int[] a = new int[n];
    double best = Double.POSITIVE_INFINITY;
    long total = (long) Math.pow(d, n);
    for (long code = 0; code < total; code++) {
      long c = code;
      for (int i = 0; i < n; i++) {
        a[i] = (int) (c % d);
        c /= d;
      }
      best = Math.min(best, p.cost(a));
    }
    return best;
  }
}
