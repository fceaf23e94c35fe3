package io.edgewise.serve.dystri;

import io.edgewise.adapt.dystri.LevelCosts;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.adapt.dystri.LevelRule;

/**
 * The one level rule of Dystri's planners, the coordinator's for a request on a node and the node controller's own at
 * admission and when a worker takes the request, counting the node's queue: the predicted finish of
 * level i is (the work queued and running there ahead of the request) + level i's service time + the transfer; a level
 * fits when that plus the margin (the measured tail of the prediction's error, {@link ErrorTail}) is within the time
 * left. Among the levels that fit, {@link LevelRule} picks the user's wanted level or the most accurate below it, so
 * a growing queue steps requests down and a drained one lets them back up. When no level fits with the margin but
 * the cheapest fits without it, the cheapest is tried (the margin is a tail, not a certainty); otherwise nothing
 * fits and the caller refuses at once.
 *
 * <p>{@link #plan} is the whole rule as both planners apply it: until their own {@link ErrorTail} has enough errors,
 * each level's mean + 2 deviations ({@link LevelCosts#estimate}) and no margin; from then on the levels' means and the
 * measured tail. The prediction it returns (and that the caller's tail measures its errors against) is always at the
 * chosen level's mean, so the tail is the error of one kind of prediction whichever phase made it.
 */
final class FinishPlan {
  private FinishPlan() {}

  /**
   * The wait (ms) ahead of a request at a node: the coordinator's own outstanding work there that is due first (the
   * node's queue is EDF, so work due later waits behind this request), plus whatever the node last reported queued
   * and running beyond all of the coordinator's own outstanding work (work from other clients, or work the coordinator
   * under-estimated: its deadlines are unknown, so all of it counts), over its workers. A report's mean compute time
   * is of the work done since the previous report; when it ran nothing in that time the cheapest level's time stands
   * in (a running request costs at least that).
   *
   * @param ownAheadMs the coordinator's outstanding work at the node due no later than this request (ms)
   * @param ownTotalMs all of the coordinator's outstanding work at the node (ms)
   * @param reportedJobs the node's last reported queued + running requests
   * @param reportedMeanMs the node's last reported mean compute time per request (0: none computed)
   * @param cheapestMs the coordinator's estimate of the cheapest level's service time
   */
  static double aheadMs(double ownAheadMs, double ownTotalMs, int reportedJobs, double reportedMeanMs,
      double cheapestMs, int workers) {
    double perJob = reportedMeanMs > 0 ? reportedMeanMs : cheapestMs;
    double unknown = Math.max(0, reportedJobs * perJob - ownTotalMs);
    return (ownAheadMs + unknown) / Math.max(1, workers);
  }

  /**
   * A planned request: the choice, its predicted finish at the level's mean service time (ms from now, without the
   * margin: what an {@link ErrorTail} observes errors against) and the margin the choice was made with.
   */
  record Plan(LevelRule.Choice choice, double predictedMs, double marginMs) {
    int level() {
      return choice.level();
    }

    boolean fits() {
      return choice.fits();
    }
  }

  /** The most a wait is stretched by tighter work arriving while it lasts (at an offered share of 0.9 and above). */
  static final double MAX_STRETCH = 10;

  /**
   * The wait (ms) a request sees at an EDF node: the work ahead of it now, stretched by the work that will arrive
   * while it waits with a deadline before its own (EDF serves that first too). If such work keeps a worker busy a
   * share {@code tighterLoad} of the time, the wait W solves W = ahead + tighterLoad x W: ahead / (1 - tighterLoad),
   * at most {@link #MAX_STRETCH} times ahead. The request's own service is not stretched: a node does not preempt.
   *
   * @param tighterLoad the share of a worker's time recently taken by work with a shorter budget ({@link TighterLoad})
   */
  static double stretchedWaitMs(double aheadMs, double tighterLoad) {
    double share = Math.max(0, Math.min(tighterLoad, 1 - 1 / MAX_STRETCH));
    return aheadMs / (1 - share);
  }

  /**
   * The node's recent offered load (work sent or admitted over the last window, per worker) at and above which no
   * request is served above its lowest allowed level. Each level that fits a request's deadline is cheap on its own,
   * but upgrading every request that fits drove the nodes to an offered load of 0.7-0.8, where one stall of the
   * shared machine leaves a backlog that the tight users' requests then miss behind (dystri-bench, 8 users at 60
   * requests/s: 3-15% missed where the lowest level alone missed 0%).
   */
  static final double UPGRADE_LOAD_CAP = 0.65;

  /** {@link #plan(LevelLadder, LevelCosts, double, double, double, double, double, double, int, int, double)} with no tighter work and no load. */
  static Plan plan(LevelLadder ladder, LevelCosts costs, double tailMs, double aheadMs, double netMs, double slackMs,
      int lowest, int highest, double want) {
    return plan(ladder, costs, tailMs, aheadMs, 0, 0, netMs, slackMs, lowest, highest, want);
  }

  /**
   * The rule as the coordinator and the node controller both apply it.
   *
   * @param costs the levels' measured service times at the node that serves the request
   * @param tailMs the planner's {@link ErrorTail#tailMs}: NaN until enough errors are measured (then each level's mean
   *     + 2 deviations stands in, with no margin)
   * @param aheadMs the wait ahead at the node now (the coordinator: {@link #aheadMs}; the node: its own queue)
   * @param tighterLoad the share of a worker's time recently taken there by work with a shorter budget than this
   *     request's time left: the wait is {@link #stretchedWaitMs stretched} by it. The lowest allowed level is still
   *     tried on the unstretched wait without the margin: the stretch, like the margin, is an expectation, and
   *     refusing on it would refuse what an idle moment could serve
   * @param load the node's recent offered load (all work, per worker): at {@link #UPGRADE_LOAD_CAP} and above only the
   *     lowest allowed level is planned
   * @param netMs the transfer there and back (0 at the node itself)
   */
  static Plan plan(LevelLadder ladder, LevelCosts costs, double tailMs, double aheadMs, double tighterLoad,
      double load, double netMs, double slackMs, int lowest, int highest, double want) {
    if (load >= UPGRADE_LOAD_CAP) {
      highest = Math.min(highest, Math.max(0, lowest));
    }
    double[] means = costs.means();
    boolean measured = !Double.isNaN(tailMs);
    double margin = measured ? Math.max(0, tailMs) : 0;
    double wait = stretchedWaitMs(aheadMs, tighterLoad);
    LevelRule.Choice c = choose(ladder, measured ? means : costs.estimates(), wait, aheadMs, netMs, margin, slackMs,
        lowest, highest, want);
    return new Plan(c, wait + means[c.level()] + netMs, margin);
  }

  /** {@link #choose(LevelLadder, double[], double, double, double, double, int, int, double)} over every level. */
  static LevelRule.Choice choose(LevelLadder ladder, double[] serviceMs, double aheadMs, double netMs,
      double marginMs, double slackMs, double want) {
    return choose(ladder, serviceMs, aheadMs, netMs, marginMs, slackMs, 0, ladder.top(), want);
  }

  /**
   * @param serviceMs each level's service time at this node (ms)
   * @param aheadMs the wait ahead, from {@link #aheadMs}
   * @param netMs the transfer there and back
   * @param marginMs the tail of the prediction error (ms, >= 0)
   * @param slackMs the time left until the deadline
   * @param lowest the lowest level allowed (the one tried without the margin)
   * @param highest the highest level allowed
   * @return the choice; its finishMs is the predicted finish without the margin
   */
  static LevelRule.Choice choose(LevelLadder ladder, double[] serviceMs, double aheadMs, double netMs,
      double marginMs, double slackMs, int lowest, int highest, double want) {
    return choose(ladder, serviceMs, aheadMs, aheadMs, netMs, marginMs, slackMs, lowest, highest, want);
  }

  /**
   * As above, with the lowest allowed level tried on {@code lowestAheadMs} (the unstretched wait) without the margin
   * when nothing fits on {@code aheadMs} with it.
   */
  private static LevelRule.Choice choose(LevelLadder ladder, double[] serviceMs, double aheadMs, double lowestAheadMs,
      double netMs, double marginMs, double slackMs, int lowest, int highest, double want) {
    double[] padded = new double[serviceMs.length];
    for (int i = 0; i < padded.length; i++) {
      padded[i] = aheadMs + serviceMs[i] + netMs + Math.max(0, marginMs);
    }
    LevelRule.Choice c = LevelRule.choose(ladder, padded, slackMs, lowest, highest, want);
    if (c.fits()) {
      return new LevelRule.Choice(c.level(), true, c.meetsWant(), c.finishMs() - Math.max(0, marginMs));
    }
    double finish = lowestAheadMs + serviceMs[c.level()] + netMs;
    // the lowest allowed, on the unstretched wait and without the margin
    return new LevelRule.Choice(c.level(), finish <= slackMs, c.meetsWant(), finish);
  }
}
