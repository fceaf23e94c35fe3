// The NCHWc row kernels, written once over a vector type V and compiled per instruction set: each ISA's file
// defines V (B lanes: T, load, store, set1, zero, fma, add, mul, max, min) and includes this inside its own anonymous
// namespace, so no inline function compiled for AVX-512 can be picked by the linker for a baseline caller.
//
// Dense convolution follows the MLAS/oneDNN direct scheme: a tile of FC output blocks x OW output pixels lives in
// FC * OW vector accumulators; each step loads FC weight vectors (B output channels for one input channel) and
// broadcasts one input value per pixel, so FC * OW FMAs cost FC + OW loads. Pixels whose window lies inside the
// image run in full tiles without bounds checks; border pixels run one at a time over the valid kernel columns.


// Loops over a tile's accumulators are unrolled before GCC decides whether an array can live in registers (its
// scalar replacement runs before the late complete unrolling of outer loops): without this a tile's acc array lived
// on the stack outside the FMA loop, and each epilogue step loaded and stored every accumulator. SqueezeNet's
// stem (27 taps per tile) ran at 60% of peak with its FMA loop at 92%; with this, 252 -> 205 us.
#define EW_UNROLL _Pragma("GCC unroll 16")

// The channel count of an image input (RGB), for which the first layer's NCHW kernel is compiled with the channel
// loop unrolled and the pixel stride a constant (the stems of ResNet, MobileNet and SqueezeNet).
constexpr int kStemChannels = 3;

template <int FC>
struct OwMax {
  static constexpr int value = V::kRegs == 32 ? (FC == 4 ? 6 : FC == 3 ? 8 : FC == 2 ? 12 : 14)
                                              : (FC >= 2 ? 6 : 12);
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// The kernel positions [k0, k1) whose input coordinate origin + k * dilation lies in [0, size).
inline void valid_taps(int64_t origin, int64_t dilation, int64_t taps, int64_t size, int64_t* k0, int64_t* k1) {
  *k0 = origin >= 0 ? 0 : min64(taps, ceil_div(-origin, dilation));
  *k1 = size - origin <= 0 ? 0 : min64(taps, ceil_div(size - origin, dilation));
  if (*k1 < *k0) *k1 = *k0;
}

// Output columns [lo, hi) whose whole window (all kernel columns) lies inside the row.
inline void interior_columns(int64_t w, int64_t ow, int64_t kw, int64_t sw, int64_t dw, int64_t pl, int64_t* lo,
                             int64_t* hi) {
  *lo = min64(ow, ceil_div(pl, sw));
  const int64_t last = w - 1 - (kw - 1) * dw + pl;  // the largest ox * sw that still fits
  *hi = last < 0 ? *lo : max64(*lo, min64(ow, last / sw + 1));
}

// e^-v on whole vectors, the computation of exp_neg_approx (activation.h): -v clamped to [-87, 88], 2^n e^r with
// Cephes' polynomial for e^r. The constant bound is the first operand of max and min, which return the second when
// one is NaN (x86 and the comparisons of the portable set alike), so a NaN v makes a NaN result.
inline typename V::T exp_neg(typename V::T v) {
  using T = typename V::T;
  const T x = V::min(V::set1(88.0f), V::max(V::set1(-87.0f), V::mul(v, V::set1(-1.0f))));
  const T round = V::set1(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const T n = V::add(V::fma(x, V::set1(1.44269504088896341f), round), V::set1(-12582912.0f));
  T r = V::fma(n, V::set1(-0.693359375f), x);
  r = V::fma(n, V::set1(2.12194440e-4f), r);
  T p = V::set1(1.9875691500e-4f);
  p = V::fma(p, r, V::set1(1.3981999507e-3f));
  p = V::fma(p, r, V::set1(8.3334519073e-3f));
  p = V::fma(p, r, V::set1(4.1665795894e-2f));
  p = V::fma(p, r, V::set1(1.6666665459e-1f));
  p = V::fma(p, r, V::set1(5.0000001201e-1f));
  p = V::fma(V::mul(p, r), r, V::add(r, V::set1(1.0f)));
  return V::scale_pow2(p, n);
}

inline typename V::T activate(typename V::T v, int act, float pa, float pb) {
  switch (act) {
    case 1: return V::max(v, V::zero());
    case 2: return V::min(V::max(v, V::set1(pa)), V::set1(pb));
    case 3: return V::add(V::max(v, V::zero()), V::mul(V::set1(pa), V::min(v, V::zero())));
    case 4: {
      const typename V::T gate = V::min(V::set1(1.0f), V::max(V::zero(), V::fma(v, V::set1(1.0f / 6), V::set1(0.5f))));
      return V::mul(v, gate);
    }
    case 5: return V::div(V::set1(1.0f), V::add(V::set1(1.0f), exp_neg(v)));
    case 8: return V::div(v, V::add(V::set1(1.0f), exp_neg(v)));  // SiLU: v * sigmoid(v)
    default: return v;
  }
}

// SiLU (v / (1 + e^-v)) or the sigmoid (1 / (1 + e^-v)) of a row of accumulators, all in one unrolled loop so that
// the exponentials' long dependency chains overlap (one vector at a time, out of line, SiLU cost twice as much).
template <bool SILU, int N>
__attribute__((always_inline)) inline void smooth_row(typename V::T (&acc)[N]) {
  const typename V::T one = V::set1(1.0f);
  EW_UNROLL
  for (int i = 0; i < N; ++i) acc[i] = V::div(SILU ? acc[i] : one, V::add(one, exp_neg(acc[i])));
}

template <int N>
__attribute__((always_inline)) inline void smooth_row(bool silu, typename V::T (&acc)[N]) {
  if (silu) {
    smooth_row<true, N>(acc);
  } else {
    smooth_row<false, N>(acc);
  }
}

// The epilogue of one output block, prepared once per tile: bias, residual, activation; channels past m are
// stored as zero so later kernels may read whole blocks. ReLU, Clip and none are one clamp; the rest take a
// slower path (rare after a convolution).
struct Epilogue {
  typename V::T bias, lo, hi, keep;
  bool clamp, partial, scalar_tail;
  bool simple;  // a clamp activation that leaves missing channels zero: the branch-free path
  bool has_lo, has_hi;  // the clamp has a lower / upper bound (ReLU: lower only; none: neither)
  // SiLU, or the sigmoid of a full block: computed on the accumulators in registers too (SiLU keeps the missing
  // channels' zero at zero), where the tile's many independent exponentials overlap
  bool smooth, silu;

  Epilogue(const NchwcConvArgs& a, int64_t ocb) {
    constexpr int B = V::B;
    const int64_t c0 = ocb * B;
    partial = c0 + B > a.m;
    if (!partial) {
      bias = a.bias != nullptr ? V::load(a.bias + c0) : V::zero();
      keep = V::set1(1.0f);
    } else {
      alignas(64) float bb[B];
      alignas(64) float kk[B];
      for (int j = 0; j < B; ++j) {
        bb[j] = a.bias != nullptr && c0 + j < a.m ? a.bias[c0 + j] : 0.0f;
        kk[j] = c0 + j < a.m ? 1.0f : 0.0f;
      }
      bias = V::load(bb);
      keep = V::load(kk);
    }
    clamp = a.act <= 2;
    scalar_tail = a.act == 6;
    // a partial block is simple too when the clamp keeps zero at zero: its missing channels have zero weights, bias
    // and residual, so they stay zero without the mask (MobileNetV2's 24-channel layers, a block and a half)
    simple = clamp && (!partial || a.act != 2 || (a.pa <= 0.0f && a.pb >= 0.0f));
    lo = V::set1(a.act == 1 ? 0.0f : a.act == 2 ? a.pa : -__builtin_inff());
    hi = V::set1(a.act == 2 ? a.pb : __builtin_inff());
    has_lo = a.act == 1 || a.act == 2;
    has_hi = a.act == 2;
    silu = a.act == 8;
    smooth = silu || (a.act == 5 && !partial);
  }

  __attribute__((always_inline)) inline void store(const NchwcConvArgs& a, typename V::T acc, float* y,
                                                   const float* res) const {
    constexpr int B = V::B;
    acc = V::add(acc, bias);
    if (res != nullptr) acc = V::add(acc, V::load(res));
    if (clamp) {
      acc = V::min(V::max(acc, lo), hi);
    } else {
      acc = activate(acc, a.act, a.pa, a.pb);
    }
    if (partial) acc = V::mul(acc, keep);
    V::store(y, acc);
    if (__builtin_expect(scalar_tail, 0)) {  // tanh: scalar
      for (int j = 0; j < B; ++j) y[j] = partial && j >= a.m % B ? 0.0f : __builtin_tanhf(y[j]);
    }
  }
};

// Input blocks [icb0, icb1) of the sum: the first range starts from zero, later ones from the partial sums stored
// in y, and only the last applies the epilogue (so the weights of a range can stay in L2 across many rows).
struct WeightPrefetch;
struct IcbRange {
  int64_t icb0, icb1;
  bool first, last;
  WeightPrefetch* prefetch = nullptr;  // the next pass's weights, a slice per input block a tile sums over
};

// While one pass runs, the weights of the next pass (input blocks [icb1, next_icb1)) are prefetched into L2: deep
// layers stream megabytes of weights from memory, which the first tiles of a pass would otherwise wait for. The
// lines are spread over the pass, a few before each kernel tap of each input block of each tile: issued a row's
// share at a time (7 rows at 7x7) they came in bursts of hundreds, and ResNet-18's stage 4 ran at 74% of peak with
// the weights in memory (80% rotating four weight sets through the cache, 97% with one set hot). Once per input
// block (~115 lines at a time for 512 -> 64 at 7x7) they still cost 20-30% where the weights were in L3 (a model
// whose weights fit there): the bursts held the misses the tile's own weight stream from L2 needed.
struct WeightPrefetch {
  const char* base[4];
  int fc = 0, f = 0;
  int64_t bytes = 0, offset = 0, per_step = 0;

  // output blocks [ocb0, ocb0 + fc) over input blocks [icb1, next_icb1), spread over `steps` calls of step()
  WeightPrefetch(const NchwcConvArgs& a, int fc_, int64_t ocb0, int64_t icb1, int64_t next_icb1, int64_t steps)
      : fc(fc_) {
    const int64_t per_icb = a.kh * a.kw * a.ic_block * V::B;  // floats per input block of one output block
    bytes = (next_icb1 - icb1) * per_icb * 4;
    for (int k = 0; k < fc; ++k)
      base[k] = reinterpret_cast<const char*>(a.wt + (ocb0 + k) * a.w_ocb_stride + icb1 * per_icb);
    per_step = steps > 0 ? ceil_div(fc * bytes / 64, steps) : 0;
  }

  void step() {
    int64_t left = per_step * 64, off = offset;
    int ff = f;
    while (left > 0 && ff < fc) {
      const char* p = base[ff];
      const int64_t end = min64(bytes, off + left);
      left -= end - off;
      for (; off < end; off += 64) __builtin_prefetch(p + off, 0, 2);
      if (off >= bytes) off = 0, ++ff;
    }
    offset = off, f = ff;
  }
};

// The epilogue of an fc x ow tile whose sums are already stored in y (the uncommon cases).
__attribute__((noinline)) void epilogue_in_place(const NchwcConvArgs& a, const Epilogue* ep, int fc, int ow, float* y,
                                                 int64_t out_step, const float* res) {
  for (int f = 0; f < fc; ++f) {
    for (int o = 0; o < ow; ++o) {
      const int64_t at = f * a.y_ocb_stride + o * out_step;
      ep[f].store(a, V::load(y + at), y + at, res != nullptr ? res + at : nullptr);
    }
  }
}

// One tile: FC output blocks from ocb0, OW pixels from xo (the input at pixel 0's window origin). Pixels lie
// in_step input floats and out_step output floats apart: along a row, or down a column for the border columns.
// ICN > 0: the input channels per block as a compile-time constant (B, for a blocked input), so the channel loop
// unrolls; kStemChannels: an RGB image in NCHW (a first layer); 0: any count (an NCHW image). STRIDE > 0: a row at
// that stride (in_step = STRIDE * B for a blocked input, STRIDE for an NCHW one; out_step = B), so the pixel offsets
// are constants rather than registers (with 24 accumulators live they would spill); 0: steps as given.
// POINT: a 1x1 kernel whose tap is inside the input (ky0..ky1 and kx0..kx1 ignored), so no kernel row and column
// loops run around each input block's 16 channel steps. Through those loops (one iteration each, with GCC's spills
// and address arithmetic) ResNet-50's pointwise convolutions ran at 82-87% of peak against 95-99% without them
// (256 -> 64 at 56x56: 470 -> 414 us).
// Not inlined: inlined into conv_rect_fc, GCC kept the 14 accumulators of FC = 1 (pointwise convolutions to 16
// channels) in a stack array, loading and storing one around every FMA; out of line they stay in registers
// (32 -> 16 at 112x112: 146 -> 83 us). A call per tile costs nothing measurable.
template <int FC, int OW, int ICN, int STRIDE, bool POINT = false>
__attribute__((noinline)) void conv_tile(const NchwcConvArgs& a, const IcbRange& r, const Epilogue* ep,
                                         const float* xo, int64_t in_step_arg, int64_t out_step_arg, int64_t ky0,
                                         int64_t ky1, int64_t kx0, int64_t kx1, int64_t ocb0, float* y,
                                         const float* res) {
  constexpr int B = V::B;
  const int64_t in_step = STRIDE > 0 ? STRIDE * (ICN == B ? B : 1) : in_step_arg;
  const int64_t out_step = STRIDE > 0 ? B : out_step_arg;
  const int64_t ys = a.y_ocb_stride;  // a local: every intrinsic store may alias `a`, which GCC would reload after it
  // the epilogue in registers when every block's allows it (Epilogue::simple, Epilogue::smooth); the out-of-line
  // one otherwise
  bool simple = true, smooth = true;
  EW_UNROLL
  for (int f = 0; f < FC; ++f) simple = simple && ep[f].simple, smooth = smooth && ep[f].smooth;
  const bool in_registers = simple || smooth;
  typename V::T acc[FC][OW];
  EW_UNROLL
  for (int f = 0; f < FC; ++f)
    EW_UNROLL
    for (int o = 0; o < OW; ++o)
      // one pass with the branch-free epilogue: the sum starts from the bias instead of adding it at the end
      acc[f][o] = !r.first ? V::load(y + f * ys + o * out_step) : r.last && in_registers ? ep[f].bias : V::zero();
  const int64_t icn = ICN > 0 ? ICN : a.ic_block;
  const int64_t ic_stride = ICN == B ? 1 : a.ic_stride;
  const int64_t wstride = a.w_ocb_stride;
  const float* wbase = a.wt + ocb0 * wstride;
  const int64_t ky_begin = POINT ? 0 : ky0, ky_end = POINT ? 1 : ky1;
  const int64_t kx_begin = POINT ? 0 : kx0, kx_end = POINT ? 1 : kx1;
  // one input channel: FC weight vectors, OW broadcasts, FC * OW FMAs
  auto channel = [&](const float* xp, const float* wp, int64_t ic) __attribute__((always_inline)) {
    typename V::T wv[FC];
    EW_UNROLL
    for (int f = 0; f < FC; ++f) wv[f] = V::load(wp + f * wstride + ic * B);
    const float* xi = xp + ic * ic_stride;
    EW_UNROLL
    for (int o = 0; o < OW; ++o) {
      const typename V::T xb = V::set1(xi[o * in_step]);
      EW_UNROLL
      for (int f = 0; f < FC; ++f) acc[f][o] = V::fma(xb, wv[f], acc[f][o]);
    }
  };
  for (int64_t icb = r.icb0; icb < r.icb1; ++icb) {
    // A blocked input's last block may hold fewer than B channels (MnasNet's 8, 24, 40, 72): its zero lanes are
    // skipped, in a loop of its own so that whole blocks keep their compile-time count (8 -> 24 channels at 112x112
    // summed 16 lanes for 8 channels).
    const bool tail = ICN == B && icb == a.icb_count - 1 && a.ic_last < B;
    for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
      for (int64_t kx = kx_begin; kx < kx_end; ++kx) {
        if (r.prefetch != nullptr) r.prefetch->step();
        const float* xp = xo + icb * a.icb_stride + ky * a.dh * a.row_stride + kx * a.dw * a.col_stride;
        const float* wp = wbase + ((icb * a.kh + ky) * a.kw + kx) * icn * B;
        if (__builtin_expect(tail, 0)) {
          for (int64_t ic = 0; ic < a.ic_last; ++ic) channel(xp, wp, ic);
        } else {
          for (int64_t ic = 0; ic < icn; ++ic) channel(xp, wp, ic);
        }
      }
    }
  }
  if (!r.last) {
    EW_UNROLL
    for (int f = 0; f < FC; ++f)
      EW_UNROLL
      for (int o = 0; o < OW; ++o) V::store(y + f * ys + o * out_step, acc[f][o]);
    return;
  }
  if (in_registers) {
    // The common case without a branch per vector (a clamp activation, SiLU). The bias is already in the
    // sum when this tile was the only pass; ReLU needs no upper clamp, no activation neither: with short sums, 16
    // channels in, the epilogue was a quarter of a tile's instructions. Each step covers all accumulators with
    // constant indices (see EW_UNROLL).
    if (!r.first) {
      EW_UNROLL
      for (int f = 0; f < FC; ++f)
        EW_UNROLL
        for (int o = 0; o < OW; ++o) acc[f][o] = V::add(acc[f][o], ep[f].bias);
    }
    if (res != nullptr) {
      EW_UNROLL
      for (int f = 0; f < FC; ++f)
        EW_UNROLL
        for (int o = 0; o < OW; ++o) acc[f][o] = V::add(acc[f][o], V::load(res + f * ys + o * out_step));
    }
    if (!simple) {
      EW_UNROLL
      for (int f = 0; f < FC; ++f) smooth_row<OW>(ep[0].silu, acc[f]);
    } else {
      if (ep[0].has_lo) {  // the activation is the layer's: the same bounds for every block
        EW_UNROLL
        for (int f = 0; f < FC; ++f)
          EW_UNROLL
          for (int o = 0; o < OW; ++o) acc[f][o] = V::max(acc[f][o], ep[f].lo);
      }
      if (ep[0].has_hi) {
        EW_UNROLL
        for (int f = 0; f < FC; ++f)
          EW_UNROLL
          for (int o = 0; o < OW; ++o) acc[f][o] = V::min(acc[f][o], ep[f].hi);
      }
    }
    EW_UNROLL
    for (int f = 0; f < FC; ++f)
      EW_UNROLL
      for (int o = 0; o < OW; ++o) V::store(y + f * ys + o * out_step, acc[f][o]);
    return;
  }
  // the rest (a partial last block, other activations) runs on the stored sums, out of line, so that no access with
  // a computed index pushes the accumulators above into memory
  EW_UNROLL
  for (int f = 0; f < FC; ++f)
    EW_UNROLL
    for (int o = 0; o < OW; ++o) V::store(y + f * ys + o * out_step, acc[f][o]);
  epilogue_in_place(a, ep, FC, OW, y, out_step, res);
}

// A run of n <= OW pixels: the full tile, or the largest smaller one (templates unrolled by count).
template <int FC, int OW, int ICN, int STRIDE, bool POINT = false>
inline void conv_tile_n(int n, const NchwcConvArgs& a, const IcbRange& r, const Epilogue* ep, const float* xo,
                        int64_t in_step, int64_t out_step, int64_t ky0, int64_t ky1, int64_t kx0, int64_t kx1,
                        int64_t ocb0, float* y, const float* res) {
  if constexpr (OW > 1) {
    if (n < OW) {
      conv_tile_n<FC, OW - 1, ICN, STRIDE, POINT>(n, a, r, ep, xo, in_step, out_step, ky0, ky1, kx0, kx1, ocb0, y,
                                                   res);
      return;
    }
  }
  conv_tile<FC, OW, ICN, STRIDE, POINT>(a, r, ep, xo, in_step, out_step, ky0, ky1, kx0, kx1, ocb0, y, res);
}

// Where a tile's pixels start: image img, output blocks from ocb0, output pixel (oy, ox).
struct TileOrigin {
  const float* x;   // the input at the pixel's window origin (maybe outside the image: only valid taps are read)
  float* y;
  const float* res;
};

inline TileOrigin origin(const NchwcConvArgs& a, int64_t img, int64_t ocb0, int64_t oy, int64_t ox) {
  constexpr int B = V::B;
  const int64_t yoff = img * a.y_image_stride + ocb0 * a.y_ocb_stride + (oy * a.ow + ox) * B;
  return {a.x + img * a.x_image_stride + (oy * a.sh - a.pt) * a.row_stride + (ox * a.sw - a.pl) * a.col_stride,
          a.y + yoff, a.residual != nullptr ? a.residual + yoff : nullptr};
}

// Rows [oy0, oy1) x columns [ox0, ox1) for FC output blocks. Interior pixels (whole window inside) run in row tiles;
// border columns of rows whose kernel rows are all inside run in column tiles (same valid kernel columns down the
// column), so few pixels take the one-pixel path.
template <int FC, int ICN>
void conv_rect_fc(const NchwcConvArgs& a, const IcbRange& range, int64_t next_icb1, int64_t img, int64_t ocb0,
                  int64_t oy0, int64_t oy1, int64_t ox0, int64_t ox1) {
  constexpr int B = V::B;
  constexpr int OW = OwMax<FC>::value;
  WeightPrefetch prefetch(a, FC, ocb0, range.icb1, next_icb1,
                          (oy1 - oy0) * ceil_div(ox1 - ox0, OW) * (range.icb1 - range.icb0) * a.kh * a.kw);
  IcbRange pass = range;
  pass.prefetch = prefetch.bytes > 0 ? &prefetch : nullptr;
  int64_t lo, hi;
  interior_columns(a.w, a.ow, a.kw, a.sw, a.dw, a.pl, &lo, &hi);
  lo = max64(lo, ox0);
  hi = max64(lo, min64(hi, ox1));
  int64_t rlo, rhi;  // rows whose kernel rows all lie inside
  interior_columns(a.h, a.oh, a.kh, a.sh, a.dh, a.pt, &rlo, &rhi);
  rlo = max64(rlo, oy0);
  rhi = max64(rlo, min64(rhi, oy1));
  const int64_t row_in_step = a.sw * a.col_stride;
  alignas(64) char storage[FC * sizeof(Epilogue)];
  Epilogue* ep = reinterpret_cast<Epilogue*>(storage);
  for (int f = 0; f < FC; ++f) new (ep + f) Epilogue(a, ocb0 + f);
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    int64_t ky0, ky1;
    valid_taps(oy * a.sh - a.pt, a.dh, a.kh, a.h, &ky0, &ky1);
    const bool full_rows = oy >= rlo && oy < rhi;
    const bool pointwise = full_rows && a.kh == 1 && a.kw == 1;  // the one tap is inside: see conv_tile's POINT
    for (int64_t ox = ox0; ox < ox1;) {
      const TileOrigin t = origin(a, img, ocb0, oy, ox);
      if (ox >= lo && ox < hi) {
        const int n = static_cast<int>(min64(OW, hi - ox));
        if constexpr (ICN == B) {
          if (pointwise && row_in_step == B) {
            conv_tile_n<FC, OW, ICN, 1, true>(n, a, pass, ep, t.x, B, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
          } else if (pointwise && row_in_step == 2 * B) {
            conv_tile_n<FC, OW, ICN, 2, true>(n, a, pass, ep, t.x, 2 * B, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
          } else if (row_in_step == B) {
            conv_tile_n<FC, OW, ICN, 1>(n, a, pass, ep, t.x, B, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
          } else if (row_in_step == 2 * B) {
            conv_tile_n<FC, OW, ICN, 2>(n, a, pass, ep, t.x, 2 * B, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
          } else {
            conv_tile_n<FC, OW, ICN, 0>(n, a, pass, ep, t.x, row_in_step, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
          }
        } else if constexpr (ICN == kStemChannels) {
          if (row_in_step == 1) {
            conv_tile_n<FC, OW, ICN, 1>(n, a, pass, ep, t.x, 1, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
          } else if (row_in_step == 2) {
            conv_tile_n<FC, OW, ICN, 2>(n, a, pass, ep, t.x, 2, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
          } else {
            conv_tile_n<FC, OW, ICN, 0>(n, a, pass, ep, t.x, row_in_step, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
          }
        } else {
          conv_tile_n<FC, OW, ICN, 0>(n, a, pass, ep, t.x, row_in_step, B, ky0, ky1, 0, a.kw, ocb0, t.y, t.res);
        }
        ox += n;
        continue;
      }
      if (!full_rows) {
        int64_t kx0, kx1;
        valid_taps(ox * a.sw - a.pl, a.dw, a.kw, a.w, &kx0, &kx1);
        conv_tile<FC, 1, ICN, 0>(a, pass, ep, t.x, row_in_step, B, ky0, ky1, kx0, kx1, ocb0, t.y, t.res);
      }
      ++ox;
    }
  }
  // border columns of the full rows, as column tiles
  const int64_t col_in_step = a.sh * a.row_stride;
  const int64_t col_out_step = a.ow * B;
  for (int64_t ox = ox0; ox < ox1; ++ox) {
    if (ox >= lo && ox < hi) {
      ox = hi - 1;
      continue;
    }
    int64_t kx0, kx1;
    valid_taps(ox * a.sw - a.pl, a.dw, a.kw, a.w, &kx0, &kx1);
    for (int64_t oy = rlo; oy < rhi;) {
      const int n = static_cast<int>(min64(OW, rhi - oy));
      const TileOrigin t = origin(a, img, ocb0, oy, ox);
      conv_tile_n<FC, OW, ICN, 0>(n, a, pass, ep, t.x, col_in_step, col_out_step, 0, a.kh, kx0, kx1, ocb0,
                                      t.y, t.res);
      oy += n;
    }
  }
}

template <int FC>
void conv_rect_icn(const NchwcConvArgs& a, const IcbRange& r, int64_t next_icb1, int64_t img, int64_t ocb0,
                   int64_t oy0, int64_t oy1, int64_t ox0, int64_t ox1) {
  if (a.ic_block == V::B && a.ic_stride == 1) {
    conv_rect_fc<FC, V::B>(a, r, next_icb1, img, ocb0, oy0, oy1, ox0, ox1);
  } else if (a.ic_block == kStemChannels && a.col_stride == 1) {
    conv_rect_fc<FC, kStemChannels>(a, r, next_icb1, img, ocb0, oy0, oy1, ox0, ox1);
  } else {
    conv_rect_fc<FC, 0>(a, r, next_icb1, img, ocb0, oy0, oy1, ox0, ox1);
  }
}

void conv_rect(const NchwcConvArgs& a, int64_t img, int64_t ocb0, int fc, int64_t oy0, int64_t oy1, int64_t ox0,
               int64_t ox1, int64_t icb0, int64_t icb1, int64_t next_icb1) {
  const IcbRange r{icb0, icb1, icb0 == 0, icb1 == a.icb_count};
  switch (fc) {
    case 1: conv_rect_icn<1>(a, r, next_icb1, img, ocb0, oy0, oy1, ox0, ox1); break;
    case 2: conv_rect_icn<2>(a, r, next_icb1, img, ocb0, oy0, oy1, ox0, ox1); break;
    case 3: if constexpr (V::kRegs == 32) conv_rect_icn<3>(a, r, next_icb1, img, ocb0, oy0, oy1, ox0, ox1); break;
    case 4: if constexpr (V::kRegs == 32) conv_rect_icn<4>(a, r, next_icb1, img, ocb0, oy0, oy1, ox0, ox1); break;
    default: break;
  }
}

// Depthwise: each lane is its own channel, so a pixel is one FMA per tap with the block's weight vector.

// A depthwise tile's epilogue: branch-free for a full block with a clamp activation, and for SiLU (see EW_UNROLL).
template <int OW>
__attribute__((always_inline)) inline void depthwise_epilogue(const NchwcConvArgs& a, const Epilogue& e,
                                                              typename V::T (&acc)[OW], float* y, const float* res) {
  constexpr int B = V::B;
  if (!e.simple && !e.smooth) {
    EW_UNROLL
    for (int o = 0; o < OW; ++o) V::store(y + o * B, acc[o]);
    epilogue_in_place(a, &e, 1, OW, y, B, res);
    return;
  }
  EW_UNROLL
  for (int o = 0; o < OW; ++o) acc[o] = V::add(acc[o], e.bias);
  if (res != nullptr) {
    EW_UNROLL
    for (int o = 0; o < OW; ++o) acc[o] = V::add(acc[o], V::load(res + o * B));
  }
  if (e.smooth) smooth_row<OW>(e.silu, acc);
  if (e.has_lo) {
    EW_UNROLL
    for (int o = 0; o < OW; ++o) acc[o] = V::max(acc[o], e.lo);
  }
  if (e.has_hi) {
    EW_UNROLL
    for (int o = 0; o < OW; ++o) acc[o] = V::min(acc[o], e.hi);
  }
  EW_UNROLL
  for (int o = 0; o < OW; ++o) V::store(y + o * B, acc[o]);
}
template <int OW>
inline void depthwise_tile(const NchwcConvArgs& a, const Epilogue& e, const float* xo, int64_t ky0, int64_t ky1,
                           int64_t kx0, int64_t kx1, const float* w, float* y, const float* res) {
  constexpr int B = V::B;
  typename V::T acc[OW];
  EW_UNROLL
  for (int o = 0; o < OW; ++o) acc[o] = V::zero();
  const int64_t out_step = a.sw * B;
  for (int64_t ky = ky0; ky < ky1; ++ky) {
    for (int64_t kx = kx0; kx < kx1; ++kx) {
      const typename V::T wv = V::load(w + (ky * a.kw + kx) * B);
      const float* xp = xo + ky * a.dh * a.row_stride + kx * a.dw * B;
      EW_UNROLL
      for (int o = 0; o < OW; ++o) acc[o] = V::fma(V::load(xp + o * out_step), wv, acc[o]);
    }
  }
  depthwise_epilogue<OW>(a, e, acc, y, res);
}

// The common interior case, KW taps per row, no dilation, stride SW: each input pixel of a kernel row is loaded
// once and serves every tap and output that reads it (KW + (OW - 1) * SW loads for KW * OW FMAs, not one each).
template <int OW, int KW, int SW>
inline void depthwise_tile_reuse(const NchwcConvArgs& a, const Epilogue& e, const float* xo, int64_t ky0,
                                 int64_t ky1, const float* w, float* y, const float* res) {
  constexpr int B = V::B;
  constexpr int N = (OW - 1) * SW + KW;
  typename V::T acc[OW];
  EW_UNROLL
  for (int o = 0; o < OW; ++o) acc[o] = V::zero();
  for (int64_t ky = ky0; ky < ky1; ++ky) {
    const float* xp = xo + ky * a.dh * a.row_stride;
    const float* wp = w + ky * KW * B;
    typename V::T wv[KW];
    EW_UNROLL
    for (int kx = 0; kx < KW; ++kx) wv[kx] = V::load(wp + kx * B);
    // wholly unrolled (N is up to 19 at 5x5, stride 2), so every accumulator index is a constant (see EW_UNROLL)
    _Pragma("GCC unroll 32")
    for (int i = 0; i < N; ++i) {
      const typename V::T xv = V::load(xp + i * B);
      EW_UNROLL
      for (int kx = 0; kx < KW; ++kx) {
        const int d = i - kx;  // the output reading input i through tap kx, when d is a multiple of SW
        if (d >= 0 && d % SW == 0 && d / SW < OW) acc[d / SW] = V::fma(xv, wv[kx], acc[d / SW]);
      }
    }
  }
  depthwise_epilogue<OW>(a, e, acc, y, res);
}

template <int OW>
inline void depthwise_tile_n(int n, const NchwcConvArgs& a, const Epilogue& e, const float* xo, int64_t ky0,
                             int64_t ky1, const float* w, float* y, const float* res) {
  if constexpr (OW > 1) {
    if (n < OW) {
      depthwise_tile_n<OW - 1>(n, a, e, xo, ky0, ky1, w, y, res);
      return;
    }
  }
  if (a.kw == 3 && a.dw == 1 && a.sw == 1) {
    depthwise_tile_reuse<OW, 3, 1>(a, e, xo, ky0, ky1, w, y, res);
  } else if (a.kw == 3 && a.dw == 1 && a.sw == 2) {
    depthwise_tile_reuse<OW, 3, 2>(a, e, xo, ky0, ky1, w, y, res);
  } else if (a.kw == 5 && a.dw == 1 && a.sw == 1) {  // MnasNet's and EfficientNet's 5x5 layers
    depthwise_tile_reuse<OW, 5, 1>(a, e, xo, ky0, ky1, w, y, res);
  } else if (a.kw == 5 && a.dw == 1 && a.sw == 2) {
    depthwise_tile_reuse<OW, 5, 2>(a, e, xo, ky0, ky1, w, y, res);
  } else {
    depthwise_tile<OW>(a, e, xo, ky0, ky1, 0, a.kw, w, y, res);
  }
}

void depthwise_row(const NchwcConvArgs& a, const Epilogue& e, int64_t img, int64_t cb, int64_t oy) {
  constexpr int B = V::B;
  constexpr int OW = V::kRegs == 32 ? 8 : 4;
  const int64_t iy0 = oy * a.sh - a.pt;
  int64_t ky0, ky1;
  valid_taps(iy0, a.dh, a.kh, a.h, &ky0, &ky1);
  int64_t lo, hi;
  interior_columns(a.w, a.ow, a.kw, a.sw, a.dw, a.pl, &lo, &hi);
  const float* x = a.x + img * a.x_image_stride + cb * a.icb_stride + iy0 * a.row_stride;
  const float* w = a.wt + cb * a.w_ocb_stride;
  const int64_t yoff = img * a.y_image_stride + cb * a.y_ocb_stride + oy * a.ow * B;
  float* y = a.y + yoff;
  const float* res = a.residual != nullptr ? a.residual + yoff : nullptr;
  int64_t ox = 0;
  while (ox < a.ow) {
    const int64_t ix0 = ox * a.sw - a.pl;
    const float* xo = x + ix0 * B;
    const float* r = res != nullptr ? res + ox * B : nullptr;
    if (ox >= lo && ox < hi) {
      const int n = static_cast<int>(min64(OW, hi - ox));
      depthwise_tile_n<OW>(n, a, e, xo, ky0, ky1, w, y + ox * B, r);
      ox += n;
    } else {
      int64_t kx0, kx1;
      valid_taps(ix0, a.dw, a.kw, a.w, &kx0, &kx1);
      depthwise_tile<1>(a, e, xo, ky0, ky1, kx0, kx1, w, y + ox * B, r);
      ++ox;
    }
  }
}

// Floats of stack for the column-padded rows of a small plane (48 KB: 14x14 at 5x5 takes 16 KB, 7x7 5 KB).
constexpr int64_t kPaddedRowsFloats = 12288;

void depthwise_rows(const NchwcConvArgs& a, int64_t img, int64_t cb, int64_t oy0, int64_t oy1) {
  constexpr int B = V::B;
  const Epilogue e(a, cb);
  // On small planes most columns are border columns, which take the one-pixel path (a load per FMA, bounds per
  // pixel): MnasNet's 5x5 layers at 7x7 have 4 of 7. There the rows this task reads are copied once into a
  // buffer with zero columns either side, so that every column runs in the reuse tiles; the rows' own bounds stay.
  int64_t lo, hi;
  interior_columns(a.w, a.ow, a.kw, a.sw, a.dw, a.pl, &lo, &hi);
  const int64_t padded_w = max64(a.w + a.pl, (a.ow - 1) * a.sw + (a.kw - 1) * a.dw + 1);  // every window inside
  const int64_t r0 = max64(0, oy0 * a.sh - a.pt);
  const int64_t r1 = min64(a.h, (oy1 - 1) * a.sh - a.pt + (a.kh - 1) * a.dh + 1);
  if (4 * (a.ow - (hi - lo)) < a.ow || r1 <= r0 || (r1 - r0) * padded_w * B > kPaddedRowsFloats) {
    for (int64_t oy = oy0; oy < oy1; ++oy) depthwise_row(a, e, img, cb, oy);
    return;
  }
  alignas(64) float rows[kPaddedRowsFloats];
  const float* src = a.x + img * a.x_image_stride + cb * a.icb_stride;
  for (int64_t iy = r0; iy < r1; ++iy) {
    float* row = rows + (iy - r0) * padded_w * B;
    std::fill(row, row + a.pl * B, 0.0f);
    std::copy(src + iy * a.row_stride, src + iy * a.row_stride + a.w * B, row + a.pl * B);
    std::fill(row + (a.pl + a.w) * B, row + padded_w * B, 0.0f);
  }
  // the same convolution over the buffer: column 0 is the image's column -pl, row r0 the buffer's first (only
  // rows [r0, r1) are read: the rows' valid taps still come from h and pt)
  NchwcConvArgs p = a;
  p.x = rows - r0 * padded_w * B;
  p.x_image_stride = 0, p.icb_stride = 0;
  p.row_stride = padded_w * B;
  p.w = padded_w, p.pl = 0;
  for (int64_t oy = oy0; oy < oy1; ++oy) depthwise_row(p, e, img, cb, oy);
}

// Max or average pooling of one row of one block plane; counts follow ew_pool2d (count_include_pad counts the
// window's positions inside the padded input). The window's fields are copied into locals and the operation is a
// template parameter: read through the struct, every store to the output made the compiler reload them, and the
// max/average choice was a branch per element (SqueezeNet's 3x3 stride-2 max pools ran 4-10x slower than MLAS's).
template <bool MAX>
void pool_row_t(const NchwcPoolArgs& p, int64_t oy) {
  constexpr int B = V::B;
  const int64_t h = p.h, w = p.w, ow = p.ow, kh = p.kh, kw = p.kw, sw = p.sw, dh = p.dh, dw = p.dw;
  const float* __restrict x = p.x;
  float* __restrict yrow = p.y + oy * ow * B;
  const int64_t iy0 = oy * p.sh - p.pt;
  int64_t ky0, ky1;
  valid_taps(iy0, dh, kh, h, &ky0, &ky1);
  int64_t pad_rows = 0;
  for (int64_t ky = 0; ky < kh; ++ky) {
    const int64_t iy = iy0 + ky * dh;
    if (iy >= -p.pt && iy < h + p.pb) ++pad_rows;
  }
  int64_t lo, hi;  // columns whose window lies inside the row: no bounds to work out
  interior_columns(w, ow, kw, sw, dw, p.pl, &lo, &hi);
  const bool full_rows = ky0 == 0 && ky1 == kh;
  for (int64_t ox = 0; ox < ow; ++ox) {
    const int64_t ix0 = ox * sw - p.pl;
    float* out = yrow + ox * B;
    if (MAX && full_rows && kh == 3 && kw == 3 && dh == 1 && dw == 1 && ox >= lo && ox < hi) {
      // the common interior case, unrolled: 9 loads, 8 maxima
      const float* r0 = x + (iy0 * w + ix0) * B;
      const float* r1 = r0 + w * B;
      const float* r2 = r1 + w * B;
      const typename V::T m0 = V::max(V::max(V::load(r0), V::load(r0 + B)), V::load(r0 + 2 * B));
      const typename V::T m1 = V::max(V::max(V::load(r1), V::load(r1 + B)), V::load(r1 + 2 * B));
      const typename V::T m2 = V::max(V::max(V::load(r2), V::load(r2 + B)), V::load(r2 + 2 * B));
      V::store(out, V::max(V::max(m0, m1), m2));
      continue;
    }
    int64_t kx0 = 0, kx1 = kw;
    if (ox < lo || ox >= hi) valid_taps(ix0, dw, kw, w, &kx0, &kx1);
    typename V::T acc = MAX ? V::set1(-__builtin_inff()) : V::zero();
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      const float* row = x + ((iy0 + ky * dh) * w + ix0) * B;
      for (int64_t kx = kx0; kx < kx1; ++kx) {
        const typename V::T v = V::load(row + kx * dw * B);
        acc = MAX ? V::max(acc, v) : V::add(acc, v);
      }
    }
    if (MAX) {
      V::store(out, acc);
      if (ky1 == ky0 || kx1 == kx0) {
        // a window wholly in the padding has no element: ew_pool2d's -inf, but the padding lanes stay zero (a later
        // convolution multiplies them by zero weights, and -inf * 0 would poison every channel)
        for (int64_t j = p.lanes; j < B; ++j) out[j] = 0.0f;
      }
      continue;
    }
    int64_t count = (ky1 - ky0) * (kx1 - kx0);
    if (p.include_pad) {
      int64_t pad_cols = 0;
      for (int64_t kx = 0; kx < kw; ++kx) {
        const int64_t ix = ix0 + kx * dw;
        if (ix >= -p.pl && ix < w + p.pr) ++pad_cols;
      }
      count = pad_rows * pad_cols;
    }
    V::store(out, count == 0 ? V::zero() : V::mul(acc, V::set1(1.0f / static_cast<float>(count))));
  }
}

void pool_row(const NchwcPoolArgs& p, int64_t oy) {
  if (p.max) {
    pool_row_t<true>(p, oy);
  } else {
    pool_row_t<false>(p, oy);
  }
}

void gather_plane(const NchwcGatherGroup* groups, int count, int64_t hw, float* y) {
  typename V::Lanes lanes[V::B];
  for (int g = 0; g < count; ++g) lanes[g] = V::lanes(groups[g].idx, groups[g].mask);
  for (int64_t p = 0; p < hw; ++p) {
    typename V::T v = V::zero();
    for (int g = 0; g < count; ++g) v = V::select(v, lanes[g], V::load(groups[g].src + p * V::B));
    V::store(y + p * V::B, v);
  }
}

// The layout change B pixels at a time: B rows of B values (B channels of B pixels, or B pixels of a block) are
// loaded whole, transposed in registers and stored whole; only the last hw % B pixels go one value at a time.
// (Element by element, a 64 x 111 x 111 value took 317 us to leave the blocked layout, 239 to enter it.)
void reorder_plane(bool to_blocked, int64_t hw, int64_t lanes, const float* in, float* out) {
  constexpr int B = V::B;
  typename V::T r[B];
  int64_t p = 0;
  if (to_blocked) {
    for (; p + B <= hw; p += B) {
      for (int j = 0; j < B; ++j) r[j] = j < lanes ? V::load(in + j * hw + p) : V::zero();
      V::transpose(r);
      for (int k = 0; k < B; ++k) V::store(out + (p + k) * B, r[k]);
    }
    for (; p < hw; ++p)
      for (int j = 0; j < B; ++j) out[p * B + j] = j < lanes ? in[j * hw + p] : 0.0f;
  } else {
    for (; p + B <= hw; p += B) {
      for (int k = 0; k < B; ++k) r[k] = V::load(in + (p + k) * B);
      V::transpose(r);
      for (int j = 0; j < lanes; ++j) V::store(out + j * hw + p, r[j]);
    }
    for (; p < hw; ++p)
      for (int j = 0; j < lanes; ++j) out[j * hw + p] = in[p * B + j];
  }
}

const NchwcKernels kTable = {V::kName,      V::B,           V::kRegs == 32 ? 4 : 2, conv_rect, depthwise_rows,
                             pool_row,      gather_plane,   reorder_plane};
