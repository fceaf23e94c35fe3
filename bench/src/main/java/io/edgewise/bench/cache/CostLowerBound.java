package io.edgewise.bench.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.ToDoubleBiFunction;

/**
 * A lower bound on the load seconds any eviction policy, even one that knows the future, adds to a trace under a
 * byte budget: the first load of every model asked for, plus the minimum-cost flow relaxation of offline caching with
 * sizes and costs (Berger, Beckmann and Harchol-Balter, "Practical bounds on optimal caching with variable object
 * sizes", 2018, their FOO's lower bound). Between two requests for a model either it stays loaded, holding its bytes
 * on every step of the interval (flow along the "cache" path, whose capacity is the budget), or it is reloaded at the
 * second request (flow along the interval's own arc, costing its load seconds per byte). A real schedule is one such
 * flow, so the least-cost flow, where a model may be kept in part, costs no more than the best real schedule.
 * Belady's rule is not a bound here: with sizes and load costs it is just one offline heuristic.
 */
final class CostLowerBound {
  private CostLowerBound() {}

  /**
   * The bound in seconds for trace (model keys), sizes in bytes and budget, where reloadSeconds(key, n) is the least a
   * reload of key could cost when it is requested n times in all, and firstSeconds(key) its first load.
   */
  static double of(List<String> trace, Map<String, Long> sizes, long budget,
      ToDoubleBiFunction<String, Integer> reloadSeconds, java.util.function.ToDoubleFunction<String> firstSeconds) {
    int n = trace.size();
    Map<String, List<Integer>> at = new HashMap<>();
    for (int i = 0; i < n; i++) {
      at.computeIfAbsent(trace.get(i), k -> new ArrayList<>()).add(i);
    }
    double compulsory = 0;
    // nodes 0..n-1: the requests in order; n: source; n + 1: sink. Sizes in MB keep the numbers moderate.
    Flow f = new Flow(n + 2);
    int source = n;
    int sink = n + 1;
    double capacity = budget / 1e6;
    for (int t = 0; t + 1 < n; t++) {
      f.arc(t, t + 1, capacity, 0);
    }
    double supply = 0;
    for (Map.Entry<String, List<Integer>> e : at.entrySet()) {
      String key = e.getKey();
      List<Integer> p = e.getValue();
      compulsory += firstSeconds.applyAsDouble(key);
      if (p.size() < 2) {
        continue;
      }
      double s = sizes.get(key) / 1e6;
      double cost = reloadSeconds.applyAsDouble(key, p.size());
      for (int q = 0; q + 1 < p.size(); q++) {
        f.arc(p.get(q), p.get(q + 1), s, cost / s);
      }
      f.arc(source, p.get(0), s, 0);
      f.arc(p.get(p.size() - 1), sink, s, 0);
      supply += s;
    }
    return compulsory + f.minCost(source, sink, supply);
  }

  /** Successive shortest paths with potentials (Dijkstra on reduced costs; every arc's cost starts non-negative). */
  private static final class Flow {
    private static final double EPS = 1e-9;
    final int nodes;
    final List<List<Integer>> arcsOf = new ArrayList<>();
    final List<double[]> arcs = new ArrayList<>();  // {to, capacity left, cost, reverse index}

    Flow(int nodes) {
      this.nodes = nodes;
      for (int i = 0; i < nodes; i++) {
        arcsOf.add(new ArrayList<>());
      }
    }

    void arc(int from, int to, double cap, double cost) {
      int a = arcs.size();
      arcs.add(new double[] {to, cap, cost, a + 1});
      arcs.add(new double[] {from, 0, -cost, a});
      arcsOf.get(from).add(a);
      arcsOf.get(to).add(a + 1);
    }

    double minCost(int s, int t, double need) {
      double[] potential = new double[nodes];
      double total = 0;
      double sent = 0;
      double[] dist = new double[nodes];
      int[] via = new int[nodes];
      while (sent < need - EPS) {
        Arrays.fill(dist, Double.POSITIVE_INFINITY);
        Arrays.fill(via, -1);
        dist[s] = 0;
        PriorityQueue<double[]> q = new PriorityQueue<>((x, y) -> Double.compare(x[0], y[0]));
        q.add(new double[] {0, s});
        while (!q.isEmpty()) {
          double[] top = q.poll();
          int u = (int) top[1];
          if (top[0] > dist[u] + EPS) {
            continue;
          }
          for (int ai : arcsOf.get(u)) {
            double[] a = arcs.get(ai);
            if (a[1] <= EPS) {
              continue;
            }
            int v = (int) a[0];
            double d = dist[u] + a[2] + potential[u] - potential[v];
            if (d < dist[v] - 1e-12) {
              dist[v] = d;
              via[v] = ai;
              q.add(new double[] {d, v});
            }
          }
        }
        if (dist[t] == Double.POSITIVE_INFINITY) {
          throw new IllegalStateException("no path for the remaining " + (need - sent) + " MB");
        }
        for (int v = 0; v < nodes; v++) {
          if (dist[v] < Double.POSITIVE_INFINITY) {
            potential[v] += dist[v];
          }
        }
        double push = need - sent;
        for (int v = t; v != s; v = (int) arcs.get((int) arcs.get(via[v])[3])[0]) {
          push = Math.min(push, arcs.get(via[v])[1]);
        }
        for (int v = t; v != s; v = (int) arcs.get((int) arcs.get(via[v])[3])[0]) {
          double[] a = arcs.get(via[v]);
          a[1] -= push;
          arcs.get((int) a[3])[1] += push;
          total += push * a[2];
        }
        sent += push;
      }
      return total;
    }
  }
}
