package io.edgewise.serve.dystri;

import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.adapt.dystri.LevelRule;

/**
 * The coordinator's level choice for one request on one node, counting the node's queue: the predicted finish of
 * level i is (the work queued and running there ahead of the request) + level i's service time + the transfer; a level
 * fits when that plus the margin (the measured tail of the prediction's error, {@link ErrorTail}) is within the time
 * left. Among the levels that fit, {@link LevelRule} picks the user's wanted level or the most accurate below it, so
 * a growing queue steps requests down and a drained one lets them back up. When no level fits with the margin but
 * the cheapest fits without it, the cheapest is tried (the margin is a tail, not a certainty); otherwise nothing
 * fits and the caller refuses at once.
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
   * @param serviceMs each level's service time at this node (ms)
   * @param aheadMs the wait ahead, from {@link #aheadMs}
   * @param netMs the transfer there and back
   * @param marginMs the tail of the prediction error (ms, >= 0)
   * @param slackMs the time left until the deadline
   * @return the choice; its finishMs is the predicted finish without the margin
   */
  static LevelRule.Choice choose(LevelLadder ladder, double[] serviceMs, double aheadMs, double netMs,
      double marginMs, double slackMs, double want) {
    double[] padded = new double[serviceMs.length];
    for (int i = 0; i < padded.length; i++) {
      padded[i] = aheadMs + serviceMs[i] + netMs + Math.max(0, marginMs);
    }
    LevelRule.Choice c = LevelRule.choose(ladder, padded, slackMs, 0, ladder.top(), want);
    double finish = c.finishMs() - Math.max(0, marginMs);
    if (!c.fits() && finish <= slackMs) {
      return new LevelRule.Choice(c.level(), true, c.meetsWant(), finish);  // the cheapest, without the margin
    }
    return new LevelRule.Choice(c.level(), c.fits(), c.meetsWant(), finish);
  }
}
