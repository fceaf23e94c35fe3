package io.edgewise.apps.ocr.stream;

import io.edgewise.apps.ocr.OcrEvaluator;
import java.util.ArrayList;
import java.util.List;

/**
 * Character errors of a frame's reading against its truth, independent of line order and regions (a reused frame's
 * regions may be a few pixels off; its text is what is scored): each truth line is matched to the unused read line
 * nearest by edit distance (a truth line left without one counts all its characters), and read lines left over count
 * their characters as insertions.
 */
public final class FrameScore {
  private FrameScore() {}

  /** Edit operations and the truth's characters: CER = errors / characters. */
  public record Errors(long errors, long characters) {
    public Errors plus(Errors o) {
      return new Errors(errors + o.errors, characters + o.characters);
    }

    public double cer() {
      return characters == 0 ? 0 : (double) errors / characters;
    }
  }

  public static Errors score(List<String> truth, List<String> read) {
    List<String> left = new ArrayList<>(read);
    long errors = 0;
    long chars = 0;
    for (String t : truth) {
      chars += t.length();
      int best = -1;
      int bestDistance = Integer.MAX_VALUE;
      for (int i = 0; i < left.size(); i++) {
        int d = OcrEvaluator.editDistance(t, left.get(i));
        if (d < bestDistance) {
          bestDistance = d;
          best = i;
        }
      }
      if (best < 0 || bestDistance >= t.length()) {
        errors += t.length();
      } else {
        errors += bestDistance;
        left.remove(best);
      }
    }
    for (String r : left) {
      errors += r.length();
    }
    return new Errors(errors, chars);
  }
}
