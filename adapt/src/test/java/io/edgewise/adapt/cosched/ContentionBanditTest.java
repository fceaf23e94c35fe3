package io.edgewise.adapt.cosched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The learned co-scheduler on a simulated node whose best placement is known by hand. Every run is in simulated
 * time with seeded arrivals, so the figures are exact and reproducible; no clock is read.
 */
class ContentionBanditTest {
  private static final int A = 0;
  private static final int B = 1;

  /** The share of the last {@code n} requests that ran where {@code best} says. */
  private static double share(List<SimulatedNode.Done> done, int[] best, int n) {
    int hits = 0;
    for (SimulatedNode.Done d : done.subList(done.size() - n, done.size())) {
      hits += d.group() == best[d.model()] ? 1 : 0;
    }
    return (double) hits / n;
  }

  private static double meanLatency(List<SimulatedNode.Done> done, int from) {
    return done.subList(from, done.size()).stream().mapToDouble(SimulatedNode.Done::latencyMs).average()
        .orElseThrow();
  }

  /**
   * Two models, two groups that do not disturb each other. A takes 10 ms on g0 and 40 on g1, B the reverse; the
   * profile the policies get is wrong (20 ms everywhere). Each model arrives every 25 ms on average, so its fast
   * group is busy 40% of the time and waiting there (at most a few ms) always beats the 30 ms it loses elsewhere: the
   * best placement is A on g0 and B on g1. The learner measures its way there; earliest-finish, trusting the profile,
   * spreads both models over both groups.
   */
  @Test
  void learnsThePlacementTheProfileGotWrong() {
    double[][] solo = {{10, 40}, {40, 10}};
    SimulatedNode node = new SimulatedNode(solo, new double[2][2]);
    Profile wrong = new Profile(new double[][] {{20, 20}, {20, 20}});
    double[] rates = {1 / 25.0, 1 / 25.0};
    ContentionBandit learned = new ContentionBandit(wrong, ContentionBandit.Params.defaults());
    List<SimulatedNode.Done> done = node.run(learned, rates, 1000, 1);
    List<SimulatedNode.Done> greedy = node.run(new EarliestFinish(wrong), rates, 1000, 1);
    int[] best = {0, 1};
    assertTrue(share(done, best, 300) >= 0.95, "learned: " + share(done, best, 300));
    assertTrue(share(greedy, best, 300) < 0.8, "earliest finish on the wrong profile: " + share(greedy, best, 300));
    // what it learned corrects the profile: A takes 10 ms on g0 and B on g1, whether the other group is busy or not
    // (within 25%: the profile still counts as 20 runs against about 100 remembered, gamma 0.99)
    for (double other : new double[] {0, 1}) {
      assertEquals(10, learned.predictMs(A, 0, new double[] {1, other}), 2.5);
      assertEquals(10, learned.predictMs(B, 1, new double[] {other, 1}), 2.5);
    }
    assertTrue(meanLatency(done, 500) < meanLatency(greedy, 500),
        meanLatency(done, 500) + " vs " + meanLatency(greedy, 500));
  }

  /**
   * Three groups: g0 and g1 are one core each (A takes 10 ms on g0 and 30 on g1, B the reverse), g2 is a device that
   * uses both cores (15 ms for either model alone). While g2 runs, g0 and g1 run 2.5 times slower and g2 itself
   * slows by 1.5 for each other busy group. The profile is right about the solo times, so earliest-finish sends a
   * request to g2 whenever A's (or B's) core has more than 5 ms of work left, and every such run slows everything.
   * Placed on g2 next to a busy core, a request takes at least 37.5 ms and costs the other queue more: the best
   * placement is A on g0 and B on g1, and waiting for them. The learner must find it, learn g2's contention, and
   * beat earliest-finish on mean latency (earliest-finish never recovers: each run on g2 slows both cores enough to
   * build the backlog that sends the next request to g2).
   */
  @Test
  void learnsToAvoidAGroupThatSlowsTheOthers() {
    double[][] solo = {{10, 30, 15}, {30, 10, 15}};
    double[][] contention = {{0, 0, 1.5}, {0, 0, 1.5}, {1.5, 1.5, 0}};
    SimulatedNode node = new SimulatedNode(solo, contention);
    Profile profile = new Profile(solo);
    double[] rates = {1 / 16.0, 1 / 16.0};
    ContentionBandit learned = new ContentionBandit(profile, ContentionBandit.Params.defaults());
    List<SimulatedNode.Done> done = node.run(learned, rates, 1500, 7);
    List<SimulatedNode.Done> greedy = node.run(new EarliestFinish(profile), rates, 1500, 7);
    int[] best = {0, 1};
    assertTrue(share(done, best, 500) >= 0.9, "learned: " + share(done, best, 500));
    assertTrue(share(greedy, best, 500) < 0.85, "earliest finish: " + share(greedy, best, 500));
    assertTrue(learned.observations(A, 2) + learned.observations(B, 2) > 0, "g2 was never tried");
    assertTrue(meanLatency(done, 750) < meanLatency(greedy, 750),
        meanLatency(done, 750) + " vs " + meanLatency(greedy, 750));
    // g2 next to both busy cores progresses at 1 / (1 + 1.5 + 1.5): it loses 0.75 of its run. Its runs always had
    // both cores busy, so how that splits between g0 and g1 is not identified, but the sum is. The default policy
    // forgets what it learned of g2 while it leaves g2 alone (so that it tries it again some day): the figure is read
    // off the same policy without forgetting (gamma 1), after the same run
    ContentionBandit.Params d = ContentionBandit.Params.defaults();
    ContentionBandit remembers = new ContentionBandit(profile, new ContentionBandit.Params(d.alpha(), d.beta(),
        d.profileWeight(), 1, d.lambda(), d.lookahead(), d.memory()));
    node.run(remembers, rates, 1500, 7);
    double g2Loss = remembers.loss(A, 2, 2) + remembers.loss(A, 2, 0) + remembers.loss(A, 2, 1);
    assertEquals(0.75, g2Loss, 0.1);
  }

  /**
   * Two groups that do not disturb each other and a profile that is right: A takes 10 ms on g0 and 12 on g1, B 10 on
   * g0 and 40 on g1; each arrives every 15 ms on average. g0 is the faster group for both, but it gains B 30 ms and A
   * only 2: the placement that keeps up is B on g0 (busy 67% of the time) and A on g1 (80%). Earliest finish sends A
   * to g0 whenever g0's backlog is the smaller, and the next B then waits behind it or takes 40 ms on g1. The one-step
   * lookahead keeps g0 for B: it must put at least 90% of the last 500 B's and 75% of the A's where that placement
   * says, and beat on mean latency both earliest finish and the same policy without the lookahead.
   */
  @Test
  void keepsTheFastGroupForTheModelThatGainsMostFromIt() {
    double[][] solo = {{10, 12}, {10, 40}};
    SimulatedNode node = new SimulatedNode(solo, new double[2][2]);
    Profile profile = new Profile(solo);
    double[] rates = {1 / 15.0, 1 / 15.0};
    ContentionBandit.Params d = ContentionBandit.Params.defaults();
    ContentionBandit learned = new ContentionBandit(profile, d);
    List<SimulatedNode.Done> done = node.run(learned, rates, 2000, 3);
    List<SimulatedNode.Done> greedy = node.run(new EarliestFinish(profile), rates, 2000, 3);
    List<SimulatedNode.Done> myopic = node.run(new ContentionBandit(profile, new ContentionBandit.Params(d.alpha(),
        d.beta(), d.profileWeight(), d.gamma(), d.lambda(), false, d.memory())), rates, 2000, 3);
    List<SimulatedNode.Done> last = done.subList(1500, 2000);
    long bOnG0 = last.stream().filter(x -> x.model() == B && x.group() == 0).count();
    long aOnG1 = last.stream().filter(x -> x.model() == A && x.group() == 1).count();
    long bs = last.stream().filter(x -> x.model() == B).count();
    assertTrue(bOnG0 >= 0.9 * bs, bOnG0 + " of " + bs + " B's on g0");
    assertTrue(aOnG1 >= 0.75 * (last.size() - bs), aOnG1 + " of " + (last.size() - bs) + " A's on g1");
    // the mean gap it measured from the decision times: 7.5 ms (two models every 15 ms), within 20%
    assertEquals(7.5, learned.meanGapMs(), 1.5);
    assertTrue(meanLatency(done, 1000) < meanLatency(greedy, 1000),
        meanLatency(done, 1000) + " vs earliest finish " + meanLatency(greedy, 1000));
    assertTrue(meanLatency(done, 1000) < meanLatency(myopic, 1000),
        meanLatency(done, 1000) + " vs without the lookahead " + meanLatency(myopic, 1000));
  }

  /**
   * Two interchangeable groups and two models of 10 ms each, but a run after one of the other model on its group
   * takes twice as long (cold caches); each model arrives every 12 ms. Mixing the models on both groups makes half the
   * runs cold, 15 ms on average, more than the groups can keep up with; keeping each model on its own group mostly
   * runs them warm. Earliest finish, which knows only the 10 ms, mixes them and falls behind; the learner learns the
   * cold loss (0.5 of a run, within 0.1: the profile's weight shrinks it) and keeps up, with a mean latency under a
   * tenth of earliest finish's.
   */
  @Test
  void learnsWhatARunAfterAnotherModelCosts() {
    double[][] solo = {{10, 10}, {10, 10}};
    SimulatedNode node = new SimulatedNode(solo, new double[2][2], 2);
    Profile profile = new Profile(solo);
    double[] rates = {1 / 12.0, 1 / 12.0};
    ContentionBandit learned = new ContentionBandit(profile, ContentionBandit.Params.defaults(),
        List.of("cpu", "cpu"));
    List<SimulatedNode.Done> done = node.run(learned, rates, 2000, 5);
    List<SimulatedNode.Done> greedy = node.run(new EarliestFinish(profile), rates, 2000, 5);
    assertEquals(0.5, learned.coldLoss(A, 0), 0.1);
    assertEquals(0.5, learned.coldLoss(B, 1), 0.1);
    assertTrue(meanLatency(done, 1000) < 0.1 * meanLatency(greedy, 1000),
        meanLatency(done, 1000) + " vs earliest finish " + meanLatency(greedy, 1000));
  }

  /**
   * Groups of one kind share what is learned: two interchangeable groups with a profile 2x too slow for A, and every
   * A run on g0 alone. After those runs the prediction for A on g1, never run there, has moved exactly as g0's.
   */
  @Test
  void interchangeableGroupsLearnTogether() {
    Profile profile = new Profile(new double[][] {{20, 20, 5}});
    ContentionBandit shared = new ContentionBandit(profile, ContentionBandit.Params.defaults(),
        List.of("cpu", "cpu", "ort"));
    ContentionBandit apart = new ContentionBandit(profile, ContentionBandit.Params.defaults().withNodePrior(false));
    ContentionBandit apartNode = new ContentionBandit(profile, ContentionBandit.Params.defaults());
    for (int i = 0; i < 100; i++) {
      Observation o = new Observation(A, 0, 0, 10, new double[] {1, 0, 0});
      shared.observe(o);
      apart.observe(o);
      apartNode.observe(o);
    }
    double[] idle = {0, 0, 0};
    assertEquals(shared.predictMs(A, 0, idle), shared.predictMs(A, 1, idle), 1e-9);
    assertTrue(shared.predictMs(A, 1, idle) < 15, "g1 learned from g0: " + shared.predictMs(A, 1, idle));
    assertEquals(20, apart.predictMs(A, 1, idle), 1e-9);  // its own kind, never run: the profile
    // forgetting towards the node's slowdown: here a speed-up (every run took half its profile), which is not taken
    // as a prior (the profile stays the optimistic bound)
    assertEquals(20, apartNode.predictMs(A, 1, idle), 1e-9);
    assertEquals(100, shared.observations(A, 1));
    assertThrows(EdgewiseException.class, () -> new ContentionBandit(profile, ContentionBandit.Params.defaults(),
        List.of("cpu", "ort")));
  }

  /**
   * Every arm forgets at each observation of the node: an arm measured slow once (a slow minute of a shared machine)
   * and not run since drifts back to its profile, so that it is tried again; with gamma 1 it keeps the slow figure.
   */
  @Test
  void anArmNotRunForAWhileDriftsBackToItsProfile() {
    Profile profile = new Profile(new double[][] {{10, 10}});
    ContentionBandit.Params d = ContentionBandit.Params.defaults();
    ContentionBandit forgets = new ContentionBandit(profile, d);
    ContentionBandit keeps = new ContentionBandit(profile, new ContentionBandit.Params(d.alpha(), d.beta(),
        d.profileWeight(), 1, d.lambda(), true, d.memory()));
    for (ContentionBandit p : List.of(forgets, keeps)) {
      for (int i = 0; i < 30; i++) {
        p.observe(new Observation(A, 1, 0, 40, new double[] {0, 1}));  // g1 four times its profile, once
      }
    }
    double[] idle = {0, 0};
    double slow = keeps.predictMs(A, 1, idle);
    assertTrue(slow > 15, "learned g1 slow: " + slow);
    for (int i = 0; i < 1000; i++) {  // then only g0 runs, at its profile's time
      for (ContentionBandit p : List.of(forgets, keeps)) {
        p.observe(new Observation(A, 0, 0, 10, new double[] {1, 0}));
      }
    }
    assertEquals(slow, keeps.predictMs(A, 1, idle), 1e-9);
    assertEquals(10, forgets.predictMs(A, 1, idle), 0.5);
  }

  /**
   * Forgetting pulls an arm towards the node's common slowdown: a profile taken while the machine was 3 times faster
   * (every figure a third of the real one, as when other processes take the cores after the profile), two
   * interchangeable cpu groups at 10 ms for either model and an ort group at 25. Every arm in use learns it is 3x
   * slower than its profile; the ort arm, run now and then, drifts back between runs. Towards its bare profile (8.3
   * ms, the old prior) it looks faster than the cpu groups (10 ms learned) and is tried again and again at 25 ms;
   * towards the node's slowdown (8.3 / (1 - 2/3) = 25 ms) it is left alone. Hand-computed: the best placement never
   * uses ort at this load (a cpu group is free or nearly so).
   */
  @Test
  void forgettingTowardsTheNodesSlowdownStopsRetryingASlowGroup() {
    double[][] solo = {{10, 10, 25}, {10, 10, 25}};
    double[][] fast = {{10 / 3.0, 10 / 3.0, 25 / 3.0}, {10 / 3.0, 10 / 3.0, 25 / 3.0}};
    SimulatedNode node = new SimulatedNode(solo, new double[3][3]);
    double[] rates = {1 / 18.0, 1 / 18.0};
    List<String> kinds = List.of("cpu", "cpu", "ort");
    ContentionBandit.Params d = ContentionBandit.Params.defaults();
    ContentionBandit towardsNode = new ContentionBandit(new Profile(fast), d, kinds);
    ContentionBandit towardsProfile = new ContentionBandit(new Profile(fast), d.withNodePrior(false), kinds);
    List<SimulatedNode.Done> withPrior = node.run(towardsNode, rates, 3000, 11);
    List<SimulatedNode.Done> without = node.run(towardsProfile, rates, 3000, 11);
    double onOrtWith = onGroup(withPrior, 2, 1000);
    double onOrtWithout = onGroup(without, 2, 1000);
    // measured at this seed: 0.9% of the last 1000 on ort against 4.3%; mean latency 18.1 against 17.8 ms with the
    // lookahead's arrival window (branch cosched3; 18.3 against 18.6 with the moving averages before it): the
    // latencies differ by less than the lookahead's estimator moves them, so only "no worse by more than 5%" is
    // asserted, the retries are the point
    assertTrue(onOrtWith < 0.02, "towards the node's slowdown, runs on ort: " + onOrtWith);
    assertTrue(onOrtWithout > 2 * onOrtWith, "towards the bare profile, runs on ort: " + onOrtWithout);
    assertTrue(meanLatency(withPrior, 1000) < 1.05 * meanLatency(without, 1000),
        meanLatency(withPrior, 1000) + " vs " + meanLatency(without, 1000));
    // the ort arm's prediction is its profile slowed towards the node's 3x (its few runs keep part of its own
    // figure): well above the bare profile's 8.3 ms, at most its real 25
    double ort = towardsNode.predictMs(A, 2, new double[] {0, 0, 0});
    assertTrue(ort > 2 * 25 / 3.0 && ort < 25 * 1.1, "ort predicted at " + ort);
    assertEquals(25 / 3.0, towardsProfile.predictMs(A, 2, new double[] {0, 0, 0}), 25 / 3.0 * 0.5);
  }

  private static double onGroup(List<SimulatedNode.Done> done, int group, int lastN) {
    return done.subList(done.size() - lastN, done.size()).stream().filter(x -> x.group() == group).count()
        / (double) lastN;
  }

  /** With lambda = 0 and no contention the policy is earliest-finish on its learned times: same choices, same state. */
  @Test
  void withoutContentionAndWithAnExactProfileItChoosesAsEarliestFinish() {
    double[][] solo = {{10, 12}, {12, 10}};
    Profile profile = new Profile(solo);
    ContentionBandit learned = new ContentionBandit(profile, new ContentionBandit.Params(0, 1, 1, 1, 0));
    EarliestFinish greedy = new EarliestFinish(profile);
    int[][] queued = {{2, 0}, {0, 1}};
    NodeState s = new NodeState(queued, new int[] {A, B}, new double[] {4, 1});
    // g0: 2 A's = 20 ms less 4 run = 16, + A's 10 = 26; g1: 1 B = 10 less 1 = 9, + A's 12 = 21: g1
    assertEquals(1, greedy.choose(A, s));
    assertEquals(1, learned.choose(A, s));
    // for B: g0 16 + 12 = 28, g1 9 + 10 = 19
    assertEquals(1, learned.choose(B, s));
    assertEquals(0, learned.choose(A, NodeState.idle(2, 2)));
  }

  @Test
  void nonsenseIsRejected() {
    assertThrows(EdgewiseException.class, () -> new ContentionBandit.Params(-1, 1, 1, 1, 1));
    assertThrows(EdgewiseException.class, () -> new ContentionBandit.Params(0.1, 1, 1, 1.5, 1));
    ContentionBandit p = new ContentionBandit(new Profile(new double[][] {{1, Double.POSITIVE_INFINITY}}),
        ContentionBandit.Params.defaults());
    assertThrows(EdgewiseException.class, () -> p.observe(new Observation(0, 1, 0, 1, new double[] {0, 1})));
    assertThrows(EdgewiseException.class, () -> p.observe(new Observation(0, 0, 0, 1, new double[] {1})));
    assertEquals(0, p.choose(0, NodeState.idle(2, 1)), "never a group that cannot run the model");
  }
}
