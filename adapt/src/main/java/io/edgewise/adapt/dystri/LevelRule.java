package io.edgewise.adapt.dystri;

/**
 * Picks the level of one request. A level fits when its estimated finish (wait plus its estimated cost, as the caller
 * computed it) is within the time left. Among the levels that fit in [lowest, highest]: the cheapest whose measured
 * accuracy reaches the user's want (a user who wants 0.97 is not served at 0.98 at twice the cost while others wait:
 * that capacity keeps other users within their deadlines); if none reaches it, the most accurate that fits (the
 * cheaper of equals). If none fits, the answer says so and names the lowest level: the caller refuses at once or
 * serves it there.
 */
public final class LevelRule {
  private LevelRule() {}

  /**
   * @param level the chosen level
   * @param fits its estimated finish is within the time left
   * @param meetsWant its accuracy reaches the user's want
   * @param finishMs its estimated finish, in ms from now
   */
  public record Choice(int level, boolean fits, boolean meetsWant, double finishMs) {}

  /**
   * @param finishMs estimated finish of each level of the ladder, in ms from now (wait + cost + transfer)
   * @param slackMs time left until the deadline, in ms
   */
  public static Choice choose(LevelLadder ladder, double[] finishMs, double slackMs, int lowest, int highest,
      double want) {
    int lo = Math.max(0, Math.min(lowest, ladder.top()));
    int hi = Math.max(lo, Math.min(highest, ladder.top()));
    int bestAccurate = -1;
    for (int i = lo; i <= hi; i++) {
      if (finishMs[i] > slackMs) {
        continue;
      }
      double acc = ladder.get(i).accuracy();
      if (acc >= want) {
        return new Choice(i, true, true, finishMs[i]);
      }
      if (bestAccurate < 0 || acc > ladder.get(bestAccurate).accuracy()) {
        bestAccurate = i;
      }
    }
    if (bestAccurate >= 0) {
      return new Choice(bestAccurate, true, false, finishMs[bestAccurate]);
    }
    return new Choice(lo, false, ladder.get(lo).accuracy() >= want, finishMs[lo]);
  }
}
