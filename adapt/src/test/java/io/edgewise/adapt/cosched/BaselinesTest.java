package io.edgewise.adapt.cosched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgewise.EdgewiseException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The baselines' choices, computed by hand. */
class BaselinesTest {
  private static final double INF = Double.POSITIVE_INFINITY;

  @Test
  void earliestFinishAddsTheBacklogToTheSoloTime() {
    Profile p = new Profile(new double[][] {{10, 30, 15}, {30, 10, 15}});
    EarliestFinish eft = new EarliestFinish(p);
    assertEquals(0, eft.choose(0, NodeState.idle(3, 2)));
    // g0 runs an A since 2 ms (8 left) with another A behind it: 18 + 10 = 28; g1 idle: 30; g2 idle: 15
    NodeState s = new NodeState(new int[][] {{2, 0}, {0, 0}, {0, 0}}, new int[] {0, -1, -1}, new double[] {2, 0, 0});
    assertEquals(2, eft.choose(0, s));
    // B: g1 idle, 10
    assertEquals(1, eft.choose(1, s));
    // a request running longer than its solo time counts as about to finish, never as negative work
    NodeState late = new NodeState(new int[][] {{1, 0}, {0, 0}, {0, 0}}, new int[] {0, -1, -1},
        new double[] {50, 0, 0});
    assertEquals(0, eft.choose(0, late));
  }

  @Test
  void roundRobinTakesTheGroupsInTurnAndSkipsThoseThatCannotRunTheModel() {
    Profile p = new Profile(new double[][] {{1, 1, 1}, {1, INF, 1}});
    RoundRobin rr = new RoundRobin(p);
    NodeState s = NodeState.idle(3, 2);
    assertEquals(0, rr.choose(0, s));
    assertEquals(2, rr.choose(1, s));  // group 1 cannot run model 1
    assertEquals(0, rr.choose(0, s));
    assertEquals(1, rr.choose(0, s));
    assertEquals(2, rr.choose(0, s));
  }

  @Test
  void theSweepListsEveryPlacementOnceUpToInterchangeableGroups() {
    Profile p = new Profile(new double[][] {{1, 1, 1}, {1, 1, 1}});
    // two cpu groups and one ort: both on one cpu, on the two cpus, cpu + ort, ort + cpu, both on ort
    List<int[]> all = FixedPlacement.all(p, List.of("cpu", "cpu", "ort"));
    assertEquals(5, all.size());
    assertArrayEquals(new int[][] {{0, 0}, {0, 1}, {0, 2}, {2, 0}, {2, 2}}, all.toArray(int[][]::new));
    // all different kinds: 3 x 3
    assertEquals(9, FixedPlacement.all(p, List.of("a", "b", "c")).size());
    // a group that cannot run a model is never in a placement
    Profile q = new Profile(new double[][] {{1, INF}, {1, 1}});
    assertArrayEquals(new int[][] {{0, 0}, {0, 1}}, FixedPlacement.all(q, List.of("a", "b")).toArray(int[][]::new));
    assertThrows(EdgewiseException.class, () -> FixedPlacement.all(q, List.of("a")));
  }

  @Test
  void fixedAndSingleGroupIgnoreTheState() {
    NodeState busy = new NodeState(new int[][] {{5, 5}, {0, 0}}, new int[] {0, -1}, new double[] {1, 0});
    assertEquals(1, new FixedPlacement(new int[] {1, 0}, "f").choose(0, busy));
    assertEquals(0, new FixedPlacement(new int[] {1, 0}, "f").choose(1, busy));
    assertEquals(0, new SingleGroup("cpu FIFO", 0).choose(1, busy));
  }

  @Test
  void badProfilesAndStatesAreRejected() {
    assertThrows(EdgewiseException.class, () -> new Profile(new double[][] {{INF, INF}}));
    assertThrows(EdgewiseException.class, () -> new Profile(new double[][] {{0, 1}}));
    assertThrows(EdgewiseException.class, () -> new Profile(new double[][] {{1, 1}, {1}}));
    assertThrows(EdgewiseException.class,
        () -> new NodeState(new int[][] {{0}}, new int[] {0}, new double[] {0}));  // runs what it does not count
  }

  /**
   * Least loaded counts requests, not their cost: g0 with one request queued loses to g1 with none, whatever the
   * times; among equal counts the lower index; a group that cannot run the model is skipped. Random picks only groups
   * that run the model, and each of them (200 seeded draws over two groups).
   */
  @Test
  void leastLoadedCountsRequestsAndRandomStaysOnGroupsThatRunTheModel() {
    Profile p = new Profile(new double[][] {{1, 100, INF}, {5, 5, 5}});
    LeastLoaded ll = new LeastLoaded(p);
    int[][] q = {{1, 0}, {0, 0}, {0, 0}};
    NodeState s = new NodeState(q, new int[] {0, -1, -1}, new double[3]);
    assertEquals(1, ll.choose(0, s));  // g1 (100 ms) over g0 (1 ms, one queued); g2 cannot run model 0
    assertEquals(1, ll.choose(1, s));  // g1 and g2 both empty: the lower index
    assertEquals(0, ll.choose(1, NodeState.idle(3, 2)));
    RandomGroup r = new RandomGroup(p, 3);
    int[] seen = new int[3];
    for (int i = 0; i < 200; i++) {
      seen[r.choose(0, NodeState.idle(3, 2))]++;
    }
    assertEquals(0, seen[2]);
    assertEquals(200, seen[0] + seen[1]);
    org.junit.jupiter.api.Assertions.assertTrue(seen[0] > 0 && seen[1] > 0, java.util.Arrays.toString(seen));
  }
}
