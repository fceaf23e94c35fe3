package io.edgewise.runtime.plan;

import java.util.Arrays;

/**
 * Places each node on a device so that the predicted latency, transfers included, is least: dynamic programming over
 * the topological order, with the device of the current node as the state (cost = the best way to reach the
 * previous node on any device + this node's time on its device + the transfers of the inputs it reads from another
 * device). Each state keeps the assignment of its best path, so an input produced further back is charged by where
 * that path put its producer. On a chain (each node reads only its predecessor, graph inputs and weights) this is
 * exact: the optimum of nodes 0..i on device d extends an optimum of 0..i-1. A graph with branches (residual adds,
 * concats) makes it a heuristic, so the result is then improved by moving single nodes while the exact {@link
 * PlanProblem#cost} falls, and is never worse than the best single device (checked last). O(n^2 d^2) for n nodes and
 * d devices with the paths copied; a few milliseconds for the models here.
 */
public final class RegionPlanner {
  private RegionPlanner() {}

  /** The chosen device index per node. */
  public static int[] plan(PlanProblem p) {
    int n = p.nodeCount();
    int devices = p.deviceCount();
    if (n == 0) {
      return new int[0];
    }
    int[][] outs = p.outputsByNode();
    double[] best = new double[devices];
    int[][] path = new int[devices][];
    for (int d = 0; d < devices; d++) {
      int[] a = new int[n];
      a[0] = d;
      path[d] = a;
      best[d] = p.nodeMs()[0][d] + inputs(p, outs, a, 0, d);
    }
    for (int i = 1; i < n; i++) {
      double[] next = new double[devices];
      int[][] nextPath = new int[devices][];
      for (int d = 0; d < devices; d++) {
        next[d] = Double.POSITIVE_INFINITY;
        double own = p.nodeMs()[i][d];
        for (int prev = 0; prev < devices; prev++) {
          if (Double.isInfinite(best[prev]) || Double.isInfinite(own)) {
            continue;
          }
          int[] a = path[prev];
          a[i] = d;  // provisionally, to price this node's inputs along the path
          double c = best[prev] + own + inputs(p, outs, a, i, d);
          if (c < next[d] || nextPath[d] == null) {
            next[d] = c;
            nextPath[d] = Arrays.copyOf(a, n);
          }
        }
        if (nextPath[d] == null) {
          nextPath[d] = Arrays.copyOf(path[0], n);
          nextPath[d][i] = d;
        }
      }
      best = next;
      path = nextPath;
    }
    int arg = 0;
    for (int d = 1; d < devices; d++) {
      if (best[d] < best[arg]) {
        arg = d;
      }
    }
    int[] assign = path[arg];
    improve(p, assign);
    int[] single = bestSingleDevice(p);
    if (single != null && p.cost(single) <= p.cost(assign)) {
      return single;
    }
    return assign;
  }

  /**
   * What node i on device d pays for its inputs, given where the path put their producers: both sides of a value it
   * is the first reader of on d (a value an earlier node on d of the path already read is there), and the sending
   * side of its graph outputs.
   */
  private static double inputs(PlanProblem p, int[][] outs, int[] a, int i, int d) {
    double c = 0;
    for (int v : p.reads()[i]) {
      int src = p.source(a, v);
      if (src == d || readEarlierOn(p, a, i, v, d)) {
        continue;
      }
      c += p.side(d, v) + p.side(src, v);
    }
    for (int v : outs[i]) {
      if (p.graphOutput()[v]) {
        c += p.side(d, v);
      }
    }
    return c;
  }

  private static boolean readEarlierOn(PlanProblem p, int[] a, int i, int v, int d) {
    for (int j = 0; j < i; j++) {
      if (a[j] == d) {
        for (int w : p.reads()[j]) {
          if (w == v) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Moves single nodes to another device while that lowers the exact predicted cost (a few sweeps at most). */
  static void improve(PlanProblem p, int[] assign) {
    double current = p.cost(assign);
    for (int sweep = 0; sweep < 4; sweep++) {
      boolean moved = false;
      for (int i = 0; i < assign.length; i++) {
        int keep = assign[i];
        for (int d = 0; d < p.deviceCount(); d++) {
          if (d == keep || Double.isInfinite(p.nodeMs()[i][d])) {
            continue;
          }
          assign[i] = d;
          double c = p.cost(assign);
          if (c < current - 1e-12) {
            current = c;
            keep = d;
            moved = true;
          }
        }
        assign[i] = keep;
      }
      if (!moved) {
        return;
      }
    }
  }

  /** Every node on the one device that runs them all fastest, or null when no device runs every node. */
  public static int[] bestSingleDevice(PlanProblem p) {
    int[] best = null;
    double bestCost = Double.POSITIVE_INFINITY;
    for (int d = 0; d < p.deviceCount(); d++) {
      int[] a = new int[p.nodeCount()];
      Arrays.fill(a, d);
      double c = p.cost(a);
      if (c < bestCost) {
        bestCost = c;
        best = a;
      }
    }
    return best;
  }
}
