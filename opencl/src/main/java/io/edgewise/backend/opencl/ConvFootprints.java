package io.edgewise.backend.opencl;

import static io.edgewise.backend.opencl.ClFootprint.i;

/**
 * The launch footprints ({@link ClFootprint}) of the kernels {@link ClConvolution} and {@link GemmNodeOp} launch:
 * pad2d, and per algorithm conv2d, gemm, depthwise, conv2d_vec and conv2d_ocv, each built once per planned
 * convolution from the problem and tiles its kernel was compiled with (the macros KH, KW, SH, SW, DH, DW and the
 * tile sizes are not kernel arguments). Each mirrors its kernel's index arithmetic at the highest work-item ids of
 * the launch (every index below is non-decreasing in them), with the kernel's clamps and store guards; a buffer
 * holding the tensor the launch was planned for always passes.
 */
final class ConvFootprints {
  private ConvFootprints() {}

  private static final String CONV_BUFFERS = "in x, in w%s, in bias, in res, out y, ";
  private static final int HAS_BIAS = 1;
  private static final int HAS_RESIDUAL = 2;

  private static String buffers(boolean halfWeights) {
    return String.format(CONV_BUFFERS, halfWeights ? ":2" : "");
  }

  /** pad2d (ops.cl): y [NC][PH][PW] = x [NC][H][W] at offset (padH, padW), zero elsewhere; no guard on the ids. */
  static final ClFootprint PAD2D = ClFootprint.of("in x, out y, H, W, PH, PW, padH, padW", (g, a, e) -> {
    long nc = g[2] - 1;
    int h = i(a, 2);
    int w = i(a, 3);
    e[1] = (nc * i(a, 4) + g[1] - 1) * i(a, 5) + g[0];
    long iy = Math.min(h - 1, g[1] - 1 - i(a, 6));
    long ix = Math.min(w - 1, g[0] - 1 - i(a, 7));
    e[0] = iy < 0 || ix < 0 ? 0 : (nc * h + iy) * w + ix + 1;
  });

  /** The footprint of this algorithm's kernel compiled for problem {@code p} with tiles {@code t}. */
  static ClFootprint of(ConvAlgorithm alg, ConvProblem p, TileParams t, boolean halfWeights, boolean flat) {
    return switch (alg) {
      case DIRECT -> direct(p, t, halfWeights);
      case GEMM -> gemm(t, halfWeights);
      case DEPTHWISE -> depthwise(p, t, halfWeights);
      case DIRECT_VEC -> vec(p, t, halfWeights, flat);
      case CHANNEL_VEC -> channelVec(p, t, halfWeights);
    };
  }

  /**
   * The work-item z = ((n * groups + g) * kBlocks + kb) of a grouped convolution kernel with TILE_OC output channels
   * per work-item: its image, group, input channels per group and last output channel (clamped to the group's end,
   * as the kernels clamp their weight rows). Every index is non-decreasing in z, so the last z bounds them all.
   */
  private record Block(long n, long group, int channelsPerGroup, long lastChannel) {
    static Block of(long z, int kBlocks, int groups, int c, int k, int toc) {
      long kb = z % kBlocks;
      long ng = z / kBlocks;
      long grp = ng % groups;
      int kg = k / groups;
      return new Block(ng / groups, grp, c / groups, Math.min(grp * kg + kb * toc + toc - 1, grp * kg + kg - 1));
    }
  }

  /** The highest output row of a kernel whose row is get_global_id(1), and the last input row its taps read. */
  private static long lastInputRow(long oyMax, int sh, int padH, int kh, int dilH, int h) {
    return Math.min(h - 1, oyMax * sh - padH + (long) (kh - 1) * dilH);
  }

  /**
   * conv2d.cl, groups of TILE_OC output channels x TILE_OW columns LX apart; z = ((n * groups + g) * kBlocks + kb).
   */
  static ClFootprint direct(ConvProblem p, TileParams t, boolean half) {
    int toc = t.rows();
    int tow = t.cols();
    int lx = t.lx();
    return ClFootprint.of(buffers(half) + "C, H, W, K, OH, OW, padH, padW, dilH, dilW, groups, kBlocks, flags, act, "
        + "alpha, beta", (g, a, e) -> {
          int c = i(a, 5);
          int h = i(a, 6);
          int w = i(a, 7);
          int k = i(a, 8);
          int oh = i(a, 9);
          int ow = i(a, 10);
          int flags = i(a, 17);
          Block blk = Block.of(g[2] - 1, i(a, 16), i(a, 15), c, k, toc);
          long n = blk.n();
          long grp = blk.group();
          int cg = blk.channelsPerGroup();
          long kLast = blk.lastChannel();
          long iy = lastInputRow(g[1] - 1, p.sh(), i(a, 11), p.kh(), i(a, 13), h);
          e[0] = cg == 0 || iy < 0 ? 0 : ((n * c + grp * cg + cg - 1) * h + iy) * w + w;  // columns clamped
          e[1] = cg == 0 ? 0 : (kLast + 1) * cg * p.kh() * p.kw();
          long oxMax = Math.min(ow - 1, (g[0] / lx - 1) * lx * tow + lx - 1 + (long) (tow - 1) * lx);
          long y = ((n * k + kLast) * oh + g[1] - 1) * ow + oxMax + 1;
          e[2] = (flags & HAS_BIAS) != 0 ? kLast + 1 : 0;
          e[3] = (flags & HAS_RESIDUAL) != 0 ? y : 0;
          e[4] = y;
        });
  }

  /**
   * gemm.cl: Y[b][m][n] over TILE_M rows x TILE_N columns LX apart per work-item; A's rows and B's columns are
   * clamped to M-1 and N-1 when read, stores guarded by m < M and n < N.
   */
  static ClFootprint gemm(TileParams t, boolean half) {
    int tm = t.rows();
    int tn = t.cols();
    int lx = t.lx();
    return ClFootprint.of("in a" + (half ? ":2" : "") + ", in b, in bias, in res, out y, M, N, K, rsa, csa, rsb, "
        + "csb, rsy, csy, batchB, batchY, flags, act, alpha, beta, scale, biasScale", (g, a, e) -> {
          int m = i(a, 5);
          int n = i(a, 6);
          int k = i(a, 7);
          int flags = i(a, 16);
          if (m <= 0 || n <= 0) {
            return;
          }
          long batch = g.length > 2 ? g[2] - 1 : 0;
          long mMax = Math.min((g[1] - 1) * tm + tm - 1, m - 1);
          long nMax = Math.min((g[0] / lx - 1) * lx * tn + lx - 1 + (long) (tn - 1) * lx, n - 1);
          if (k > 0) {
            e[0] = mMax * i(a, 8) + (long) (k - 1) * i(a, 9) + 1;
            e[1] = batch * i(a, 14) + (long) (k - 1) * i(a, 10) + nMax * i(a, 11) + 1;
          }
          long y = batch * i(a, 15) + mMax * i(a, 12) + nMax * i(a, 13) + 1;
          e[2] = (flags & HAS_BIAS) != 0 ? mMax + 1 : 0;
          e[3] = (flags & HAS_RESIDUAL) != 0 ? y : 0;
          e[4] = y;
        });
  }

  /** depthwise.cl: one channel per z = n * C + c, TILE_OW columns LX apart per work-item. */
  static ClFootprint depthwise(ConvProblem p, TileParams t, boolean half) {
    int tow = t.cols();
    int lx = t.lx();
    return ClFootprint.of(buffers(half) + "C, H, W, OH, OW, padH, padW, dilH, dilW, flags, act, alpha, beta",
        (g, a, e) -> {
          int c = i(a, 5);
          int h = i(a, 6);
          int w = i(a, 7);
          int oh = i(a, 8);
          int ow = i(a, 9);
          int flags = i(a, 14);
          long nc = g[2] - 1;
          long cMax = Math.min(nc, c - 1);
          long iy = lastInputRow(g[1] - 1, p.sh(), i(a, 10), p.kh(), i(a, 12), h);
          e[0] = iy < 0 ? 0 : (nc * h + iy) * w + w;  // columns clamped
          e[1] = (cMax + 1) * p.kh() * p.kw();
          long oxMax = Math.min(ow - 1, (g[0] / lx - 1) * lx * tow + lx - 1 + (long) (tow - 1) * lx);
          long y = nc * oh * ow + (g[1] - 1) * ow + oxMax + 1;
          e[2] = (flags & HAS_BIAS) != 0 ? cMax + 1 : 0;
          e[3] = (flags & HAS_RESIDUAL) != 0 ? y : 0;
          e[4] = y;
        });
  }

  /**
   * conv2d_vec.cl over the padded input [N][C][PH][PW]: TILE_OC channels x TILE_OW vectors of VEC columns per
   * work-item, unmasked vector loads (a strided load reads past its last lane), stores masked at OW; FLAT: the
   * output positions run over the padded rows laid end to end and are stored where row < OH and column < OW.
   */
  static ClFootprint vec(ConvProblem p, TileParams t, boolean half, boolean flat) {
    int toc = t.rows();
    int tow = t.cols();
    int vec = t.lx();
    int sw = p.sw();
    long span = sw == 1 ? vec : sw == 2 && (vec == 4 || vec == 8 || vec == 16) ? 2L * vec : (long) (vec - 1) * sw + 1;
    return ClFootprint.of(buffers(half) + "C, PH, PW, K, OH, OW, groups, kBlocks, flags, act, alpha, beta",
        (g, a, e) -> {
          int c = i(a, 5);
          int ph = i(a, 6);
          int pw = i(a, 7);
          int k = i(a, 8);
          int oh = i(a, 9);
          int ow = i(a, 10);
          int flags = i(a, 13);
          Block blk = Block.of(g[2] - 1, i(a, 12), i(a, 11), c, k, toc);
          long n = blk.n();
          long grp = blk.group();
          int cg = blk.channelsPerGroup();
          long kLast = blk.lastChannel();
          long ox0 = (g[0] - 1) * vec * tow;
          long oy = g[1] - 1;
          e[0] = cg == 0 ? 0 : (n * c + grp * cg + cg - 1) * ph * pw + oy * p.sh() * pw + ox0 * sw
              + (long) (p.kh() - 1) * p.dilH() * pw + (long) (tow - 1) * vec * sw + (long) (p.kw() - 1) * p.dilW()
              + span;
          e[1] = cg == 0 ? 0 : (kLast + 1) * cg * p.kh() * p.kw();
          long last = ox0 + (long) tow * vec - 1;
          long y;
          if (flat) {
            long r = last / pw;
            long col = r >= oh ? ow - 1 : Math.min(last % pw, ow - 1);
            y = (n * k + kLast) * oh * ow + Math.min(r, oh - 1) * ow + col + 1;
          } else {
            y = ((n * k + kLast) * oh + oy) * ow + Math.min(last, ow - 1) + 1;
          }
          e[2] = (flags & HAS_BIAS) != 0 ? kLast + 1 : 0;
          e[3] = (flags & HAS_RESIDUAL) != 0 ? y : 0;
          e[4] = y;
        });
  }

  /**
   * conv2d_ocv.cl: TILE_KV vectors of KV output channels x TILE_OW columns per work-item, z = n * kBlocks + kb,
   * weights packed [kBlocks][C*KH*KW][KV*TILE_KV], columns clamped to OW-1 when read, channels masked at K.
   */
  static ClFootprint channelVec(ConvProblem p, TileParams t, boolean half) {
    int tow = t.cols();
    long kt = (long) t.lx() * t.rows();
    return ClFootprint.of(buffers(half) + "C, PH, PW, K, OH, OW, kBlocks, flags, act, alpha, beta", (g, a, e) -> {
      int c = i(a, 5);
      int ph = i(a, 6);
      int pw = i(a, 7);
      int k = i(a, 8);
      int oh = i(a, 9);
      int ow = i(a, 10);
      int kBlocks = i(a, 11);
      int flags = i(a, 12);
      long z = g[2] - 1;
      long kb = z % kBlocks;
      long n = z / kBlocks;
      long kbAny = Math.min(kBlocks - 1, z);
      long oy = g[1] - 1;
      long ox = Math.min((g[0] - 1) * tow + tow - 1, ow - 1);
      e[0] = c == 0 ? 0 : (n * c + c - 1) * ph * pw + oy * p.sh() * pw + (long) (p.kh() - 1) * p.dilH() * pw
          + (long) (p.kw() - 1) * p.dilW() + ox * p.sw() + 1;
      e[1] = (kbAny + 1) * c * p.kh() * p.kw() * kt;
      long kLast = Math.min(k - 1, kb * kt + kt - 1);
      long y = ((n * k + kLast) * oh + oy) * ow + ox + 1;
      e[2] = (flags & HAS_BIAS) != 0 ? Math.min(k - 1, kbAny * kt + kt - 1) + 1 : 0;
      e[3] = (flags & HAS_RESIDUAL) != 0 ? y : 0;
      e[4] = y;
    });
  }
}
