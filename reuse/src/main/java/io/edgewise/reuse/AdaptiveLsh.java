package io.edgewise.reuse;

import java.util.SplittableRandom;

/**
 * Adaptive locality-sensitive hashing (A-LSH, FoggyCache, Guo et al., MobiCom 2018): p-stable random
 * projections h(v) = floor((a.v + b) / w) in several independent tables, with a bucket width w that adapts to how
 * dense the stored data is around the query, so that a lookup inspects a near-constant number of candidates
 * however many entries the store holds.
 *
 * <p>FoggyCache tunes the width r to the data distribution; we make the width a per-lookup choice without
 * re-hashing anything: each table projects onto {@value #PROJECTIONS} directions, quantizes each at the finest
 * width {@code baseWidth} into a 16-bit cell coordinate, and interleaves the four coordinates into one 64-bit
 * Morton code. Clearing the low {@code 4 * level} bits of that code gives the cell of width
 * {@code baseWidth * 2^level} containing the query, and all codes of that coarser cell form one contiguous key
 * range in LMDB. A lookup therefore starts at a fine level and widens level by level until the buckets hold the
 * target number of candidates: sparse regions get wide buckets, dense regions narrow ones.
 *
 * <p>The projections are derived from a seed kept in the store, so the index survives restarts.
 */
final class AdaptiveLsh {
  /** Projections per table; 4 x 16-bit coordinates fill one 64-bit Morton code. */
  static final int PROJECTIONS = 4;
  static final int COORD_BITS = 16;
  /** Level 16 would be the whole space; 15 is the widest bucket used. */
  static final int MAX_LEVEL = COORD_BITS - 1;
  private static final long COORD_OFFSET = 1L << (COORD_BITS - 1);
  private static final long COORD_MAX = (1L << COORD_BITS) - 1;

  private final int tables;
  private final int dim;
  private final double baseWidth;
  /** [tables * PROJECTIONS][dim], entries ~ N(0, 1) (2-stable: preserves Euclidean distance in distribution). */
  private final float[][] directions;
  /** Offsets b ~ U[0, baseWidth), one per projection. */
  private final double[] offsets;

  AdaptiveLsh(int tables, int dim, double baseWidth, long seed) {
    if (tables < 1 || tables > 64) {
      throw new IllegalArgumentException("tables must be in 1..64, got " + tables);
    }
    if (!(baseWidth > 0) || Double.isInfinite(baseWidth)) {
      throw new IllegalArgumentException("baseWidth must be positive and finite, got " + baseWidth);
    }
    this.tables = tables;
    this.dim = dim;
    this.baseWidth = baseWidth;
    SplittableRandom rnd = new SplittableRandom(seed);
    int n = tables * PROJECTIONS;
    directions = new float[n][dim];
    offsets = new double[n];
    for (int p = 0; p < n; p++) {
      for (int i = 0; i < dim; i++) {
        directions[p][i] = (float) gaussian(rnd);
      }
      offsets[p] = rnd.nextDouble() * baseWidth;
    }
  }

  int tables() {
    return tables;
  }

  double baseWidth() {
    return baseWidth;
  }

  /** The finest-level Morton code of the vector in each table. */
  long[] codes(float[] v) {
    long[] codes = new long[tables];
    long[] cell = new long[PROJECTIONS];
    for (int t = 0; t < tables; t++) {
      for (int j = 0; j < PROJECTIONS; j++) {
        int p = t * PROJECTIONS + j;
        float[] a = directions[p];
        double dot = 0;
        for (int i = 0; i < dim; i++) {
          dot += a[i] * v[i];
        }
        long c = (long) Math.floor((dot + offsets[p]) / baseWidth) + COORD_OFFSET;
        // far outliers share the edge cells: still found, only less selectively
        cell[j] = Math.max(0, Math.min(COORD_MAX, c));
      }
      codes[t] = interleave(cell);
    }
    return codes;
  }

  /** Bit i of coordinate j goes to bit i * PROJECTIONS + j, so coarser cells are prefixes of the code. */
  static long interleave(long[] cell) {
    long code = 0;
    for (int i = 0; i < COORD_BITS; i++) {
      for (int j = 0; j < PROJECTIONS; j++) {
        code |= ((cell[j] >>> i) & 1L) << (i * PROJECTIONS + j);
      }
    }
    return code;
  }

  /** The smallest code of the level-{@code level} cell holding {@code code}. */
  static long cellLow(long code, int level) {
    int bits = level * PROJECTIONS;
    return bits >= 64 ? 0 : code & ~((1L << bits) - 1);
  }

  /** The largest code of that cell (compare unsigned). */
  static long cellHigh(long code, int level) {
    int bits = level * PROJECTIONS;
    return bits >= 64 ? -1L : code | ((1L << bits) - 1);
  }

  private static double gaussian(SplittableRandom rnd) {
    // Box-Muller; SplittableRandom has no nextGaussian in Java 17
    double u1 = rnd.nextDouble();
    double u2 = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}
