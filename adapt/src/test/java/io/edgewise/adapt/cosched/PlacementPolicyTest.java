package io.edgewise.adapt.cosched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The learned placement policy: its spill rule on hand-made node states with a fake clock (the decision times are
 * given, nothing is measured), and its convergence on the simulated node ({@link SimulatedNode}: simulated time,
 * deterministic service times, seeded arrivals) where the best placement is known by hand or by simulating every
 * fixed placement.
 */
class PlacementPolicyTest {
  private static final int A = 0;
  private static final int B = 1;

  /** g0 has {@code queuedA} requests of A (the first running for 0 ms), g1 is idle after a run of B; at {@code at}. */
  private static NodeState state(int queuedA, double at) {
    int[][] q = {{queuedA, 0}, {0, 0}};
    int[] running = {queuedA > 0 ? A : -1, -1};
    return new NodeState(q, running, new double[2], at, new int[] {queuedA > 0 ? A : -1, B});
  }

  /**
   * A takes 10 ms on g0 and 40 on g1, B the reverse: the home of A is g0, of B g1. A request of A stays home while
   * waiting there costs less than a cold run on g1 (backlog + 10 ms against 40 ms + B's next run there cold):
   * before anything is learned a cold run costs what a warm one does, so it spills at 4 queued (40 + 10 > 40) and not
   * at 3 (30 + 10 = 40, not more). After g1 has measured B 2x slower after a run of A and A's cold runs there at
   * 80 ms, spilling costs about 80 + 10 and A waits at home even behind 5 requests (60 ms). Without spill it never
   * leaves home.
   */
  @Test
  void spillsOnlyWhenWaitingAtHomeCostsMoreThanAColdRunElsewhere() {
    Profile profile = new Profile(new double[][] {{10, 40}, {40, 10}});
    PlacementPolicy p = new PlacementPolicy(profile, PlacementPolicy.Params.defaults());
    assertArrayEquals(new int[] {0, 1}, p.home());
    double clock = 0;  // the fake clock: decision times 5 ms apart
    assertEquals(0, p.choose(A, state(0, clock += 5)));
    assertEquals(0, p.choose(A, state(3, clock += 5)));
    assertEquals(1, p.choose(A, state(4, clock += 5)));
    assertEquals(1, p.spills());
    PlacementPolicy noSpill = new PlacementPolicy(profile, PlacementPolicy.Params.defaults().withSpill(false));
    assertEquals(0, noSpill.choose(A, state(20, 5)));

    // measured: warm runs at the profile, cold runs twice as long (B on g1 after A; A on g1 cold)
    for (int i = 0; i < 200; i++) {
      p.observe(new Observation(B, 1, 0, 10, new double[] {0, 1}, false));
      p.observe(new Observation(B, 1, 0, 20, new double[] {0, 1}, true));
      p.observe(new Observation(A, 1, 0, 80, new double[] {0, 1}, true));
      p.observe(new Observation(A, 0, 0, 10, new double[] {1, 0}, false));
    }
    assertEquals(0, p.choose(A, state(5, clock += 5)));
    assertEquals(1, p.spills());
  }

  /** Simulated: the share of the last {@code n} requests that ran where {@code best} says. */
  private static double share(List<SimulatedNode.Done> done, int[] best, int n) {
    return done.subList(done.size() - n, done.size()).stream().filter(d -> d.group() == best[d.model()]).count()
        / (double) n;
  }

  /** Simulated requests per ms: how many finished, over the time the last one finished. */
  private static double throughput(List<SimulatedNode.Done> done) {
    double end = done.stream().mapToDouble(d -> d.arrivalMs() + d.latencyMs()).max().orElseThrow();
    return done.size() / end;
  }

  /**
   * Simulated. The profile is wrong (20 ms everywhere); A takes 10 ms on g0 and 40 on g1, B the reverse, each every
   * 25 ms. The only good placement is A on g0, B on g1: the policy measures its way there and puts at least 95% of
   * the last 300 requests on it.
   */
  @Test
  void learnsThePlacementTheProfileGotWrong() {
    SimulatedNode node = new SimulatedNode(new double[][] {{10, 40}, {40, 10}}, new double[2][2]);
    Profile wrong = new Profile(new double[][] {{20, 20}, {20, 20}});
    PlacementPolicy p = new PlacementPolicy(wrong, PlacementPolicy.Params.defaults());
    List<SimulatedNode.Done> done = node.run(p, new double[] {1 / 25.0, 1 / 25.0}, 1000, 1);
    assertArrayEquals(new int[] {0, 1}, p.home());
    assertTrue(share(done, new int[] {0, 1}, 300) >= 0.95, "share " + share(done, new int[] {0, 1}, 300));
  }

  /**
   * Simulated, overloaded, the optimum found by simulating every fixed placement: three models on two one-core
   * groups and a device that uses both cores (slows each core 2.5x while it runs, and is slowed by each busy core),
   * runs after another model 1.5x as long. The learned placement must end where the best fixed placement is or
   * within 5% of its throughput, and finish more requests per ms than the per-request learner and earliest finish,
   * which spread the models and pay the cold starts and the device's contention.
   */
  @Test
  void convergesToTheBestFixedPlacementUnderOverload() {
    double[][] solo = {{10, 14, 12}, {16, 12, 14}, {8, 9, 6}};
    double[][] contention = {{0, 0.2, 1.5}, {0.2, 0, 1.5}, {1, 1, 0}};
    SimulatedNode node = new SimulatedNode(solo, contention, 1.5);
    Profile profile = new Profile(solo);
    double[] rates = {1 / 20.0, 1 / 20.0, 1 / 20.0};
    int n = 1500;
    double bestFixed = 0;
    int[] best = null;
    for (int[] a : FixedPlacement.all(profile, List.of("g0", "g1", "g2"))) {
      double t = throughput(node.run(new FixedPlacement(a, "fixed"), rates, n, 3));
      if (t > bestFixed) {
        bestFixed = t;
        best = a;
      }
    }
    PlacementPolicy p = new PlacementPolicy(profile, PlacementPolicy.Params.defaults());
    double learned = throughput(node.run(p, rates, n, 3));
    double homeThroughput = throughput(node.run(new FixedPlacement(p.home(), "home"), rates, n, 3));
    double perRequest = throughput(node.run(new ContentionBandit(profile, ContentionBandit.Params.defaults()), rates,
        n, 3));
    double greedy = throughput(node.run(new EarliestFinish(profile), rates, n, 3));
    String figures = "best fixed " + java.util.Arrays.toString(best) + " " + bestFixed + ", learned home "
        + java.util.Arrays.toString(p.home()) + " " + homeThroughput + ", learned run " + learned
        + ", per-request learner " + perRequest + ", earliest finish " + greedy;
    assertTrue(homeThroughput >= 0.95 * bestFixed, figures);
    assertTrue(learned > perRequest && learned > greedy, figures);
  }

  /**
   * Simulated, the mix changes: g0 runs either model in 10 ms, g1 in 20, a run after the other model takes 1.5x.
   * First A comes every 15 ms and B every 200: A belongs on g0 (g1 would be busy 1.3 of the time with it): at least 3
   * of its 4 parts (measured at this seed: A 3/4 on g0 and 1/4 on g1, B on g0: the quarter of A on g1 lowers g0's
   * queueing more than B's cold starts there cost, by the search's M/M/1 score). Then the rates swap, and so must
   * the homes: the policy sees the shares move, searches again, and ends with B's home g0 and A's g1, A with fewer
   * parts on g0 than before (measured: B whole on g0, A whole on g1).
   */
  @Test
  void searchesAgainWhenTheMixChanges() {
    SimulatedNode node = new SimulatedNode(new double[][] {{10, 20}, {10, 20}}, new double[2][2], 1.5);
    Profile profile = new Profile(new double[][] {{10, 20}, {10, 20}});
    PlacementPolicy p = new PlacementPolicy(profile, PlacementPolicy.Params.defaults());
    node.run(p, new double[] {1 / 15.0, 1 / 200.0}, 600, 5);
    int[][] first = p.split();
    assertEquals(0, p.home()[A]);
    assertTrue(first[A][0] >= 3, java.util.Arrays.deepToString(first));
    int before = p.searches();
    node.run(p, new double[] {1 / 200.0, 1 / 15.0}, 600, 6);
    int[][] then = p.split();
    assertEquals(0, p.home()[B]);
    assertEquals(1, p.home()[A]);
    assertTrue(then[A][0] < first[A][0] && then[B][0] > then[A][0], java.util.Arrays.deepToString(then));
    assertTrue(p.searches() > before);
  }

  /**
   * A home that is a set of groups: one model at 10 ms on g0 and 30 on g1, a request every 7.5 ms (fake clock). The
   * first search (after 10 arrivals) splits it 3/1: whole on g0 finishes 0.1 of the 0.133 requests per ms, 3/1 all
   * of them (PlacementSearchTest works it out), more than the 10% the homes must win by. Its requests then go g0,
   * g0, g1, g0 and again (the 10th arrival takes the first g0) (smooth weighted round robin: credits 3,1 -> g0 and -1,1; 2,2 -> g0 (first of equals) and
   * -2,2; 1,3 -> g1 and 1,-1; 4,0 -> g0 and 0,0). With one part per model the home stays whole on g0.
   */
  @Test
  void sendsAModelsRequestsToItsGroupsInTheirProportions() {
    Profile profile = new Profile(new double[][] {{10, 30}});
    PlacementPolicy p = new PlacementPolicy(profile, PlacementPolicy.Params.defaults());
    PlacementPolicy whole = new PlacementPolicy(profile, PlacementPolicy.Params.defaults().withParts(1));
    assertArrayEquals(new int[] {4, 0}, p.split()[0]);  // before any arrival: one group's worth assumed
    double clock = 0;
    for (int i = 0; i < 10; i++) {
      clock += 7.5;
      NodeState idle = new NodeState(new int[][] {{0}, {0}}, new int[] {-1, -1}, new double[2], clock,
          new int[] {-1, -1});
      p.choose(0, idle);
      whole.choose(0, idle);
    }
    assertArrayEquals(new int[] {3, 1}, p.split()[0]);
    assertEquals(1, p.switches());
    assertArrayEquals(new int[] {0}, p.home());
    assertArrayEquals(new int[] {1, 0}, whole.split()[0]);
    int[] turns = new int[8];
    for (int i = 0; i < turns.length; i++) {
      turns[i] = p.next(0);
    }
    // the 10th arrival took the first turn (g0); from there: g0, g1, g0, then the cycle again
    assertArrayEquals(new int[] {0, 1, 0, 0, 0, 1, 0, 0}, turns);
  }
}
