package io.edgewise.apps.ocr;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Reading order of text boxes as PaddleOCR's {@code sorted_boxes}: top to bottom by the top-left corner, then boxes
 * whose top-left corners are within {@link #SAME_LINE_PX} vertically count as one line and read left to right.
 */
public final class ReadingOrder {
  public static final double SAME_LINE_PX = 10;

  private ReadingOrder() {}

  public static <T> List<T> sort(List<T> items, Function<T, Quad> quad) {
    List<T> s = new ArrayList<>(items);
    s.sort(Comparator.comparingDouble((T t) -> quad.apply(t).tl().y()).thenComparingDouble(t -> quad.apply(t).tl().x()));
    for (int i = 0; i < s.size() - 1; i++) {
      for (int j = i; j >= 0; j--) {
        Point a = quad.apply(s.get(j)).tl();
        Point b = quad.apply(s.get(j + 1)).tl();
        if (Math.abs(b.y() - a.y()) < SAME_LINE_PX && b.x() < a.x()) {
          T t = s.get(j);
          s.set(j, s.get(j + 1));
          s.set(j + 1, t);
        } else {
          break;
        }
      }
    }
    return s;
  }
}
