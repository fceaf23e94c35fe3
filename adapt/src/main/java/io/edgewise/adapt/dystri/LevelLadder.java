package io.edgewise.adapt.dystri;

import io.edgewise.ByName;
import io.edgewise.EdgewiseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The levels a request can be served at, cheapest first: level 0 is the cheapest (always available: a request that
 * can be served at all can be served at it), the last the most expensive. Ordered by measured cost, not by accuracy:
 * two levels may measure the same accuracy (the digits variants pruned 25% and 50% both measure 0.980), and the rule
 * prefers the cheaper of equals. Immutable.
 */
public final class LevelLadder {
  private final List<Level> levels;

  public LevelLadder(List<Level> levels) {
    if (levels == null || levels.isEmpty()) {
      throw EdgewiseException.invalidArgument("a level ladder needs at least one level");
    }
    if (levels.size() > 256) {
      throw EdgewiseException.invalidArgument("at most 256 levels (the peer protocol's u8), got " + levels.size());
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < levels.size(); i++) {
      Level l = levels.get(i);
      if (!names.add(l.name())) {
        throw EdgewiseException.invalidArgument("level " + l.name() + " is listed twice");
      }
      if (i > 0 && l.costMs() < levels.get(i - 1).costMs()) {
        throw EdgewiseException.invalidArgument("levels must be ordered cheapest first: " + l.name() + " ("
            + l.costMs() + " ms) comes after " + levels.get(i - 1).name() + " (" + levels.get(i - 1).costMs()
            + " ms)");
      }
    }
    this.levels = List.copyOf(levels);
  }

  public int size() {
    return levels.size();
  }

  public Level get(int i) {
    return levels.get(i);
  }

  public List<Level> levels() {
    return levels;
  }

  /** The most expensive level's index. */
  public int top() {
    return levels.size() - 1;
  }

  /** The index of the level named {@code name}; INVALID_ARGUMENT naming the levels when there is none. */
  public int index(String name) {
    return ByName.require(levels, Level::name, name, "the level ladder", "level");
  }

  @Override
  public String toString() {
    return levels.toString();
  }
}
