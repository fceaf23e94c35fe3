package io.edgewise.reuse;

import java.util.List;

/**
 * What a lookup found: the nearest entries (closest first) and how much work finding them took.
 *
 * @param inspected candidates whose distance was computed (A-LSH keeps this near-constant)
 * @param level the A-LSH bucket level the lookup stopped at (bucket width = base width * 2^level)
 */
public record Neighbours(List<Neighbour> nearest, int inspected, int level) {
  public static final Neighbours NONE = new Neighbours(List.of(), 0, 0);
}
