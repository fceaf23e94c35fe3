// ew_gemm_s8, ew_conv2d_s8 and ew_qlinear_conv2d against naive integer loops: odd M, N, K (not multiples of the
// tile or of 4), u8/s8 in every combination, scalar / per-row / per-column / per-channel zero points, strides, pads,
// dilations, groups, 1 and 2 threads, and both the AVX-512 VNNI kernel (where the CPU has it) and the scalar one.
#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdio>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"
#include "gemm_s8.h"

namespace {
int failures = 0;
int checks = 0;
std::mt19937 rng(12345);

int rand_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// a random value of the type's range, as its byte
uint8_t rand_byte() { return static_cast<uint8_t>(rand_int(0, 255)); }
int value(uint8_t byte, bool is_signed) { return is_signed ? static_cast<int8_t>(byte) : byte; }
int32_t rand_zero(bool is_signed) { return is_signed ? rand_int(-128, 127) : rand_int(0, 255); }

void fail(const char* what) {
  if (++failures < 20) std::printf("FAIL %s\n", what);
}

void check_gemm(int64_t M, int64_t N, int64_t K, bool as, bool bs, int za_mode, int zb_mode, int64_t pad_ld) {
  const int64_t lda = K + pad_ld, ldb = N + pad_ld, ldc = N + pad_ld;
  std::vector<uint8_t> A(M * lda), B(K * ldb);
  for (auto& v : A) v = rand_byte();
  for (auto& v : B) v = rand_byte();
  // zero point modes: 0 none, 1 scalar, 2 per row / column
  std::vector<int32_t> za(za_mode == 2 ? M : 1), zb(zb_mode == 2 ? N : 1);
  for (auto& z : za) z = rand_zero(as);
  for (auto& z : zb) z = rand_zero(bs);
  std::vector<int32_t> C(M * ldc, -7);
  int status = ew_gemm_s8(M, N, K, as, A.data(), lda, za_mode ? za.data() : nullptr, za.size(), bs, B.data(), ldb,
                          zb_mode ? zb.data() : nullptr, zb.size(), C.data(), ldc);
  ++checks;
  if (status != EW_OK) {
    std::printf("gemm status %d\n", status);
    fail("gemm status");
    return;
  }
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      const int64_t a0 = za_mode == 0 ? 0 : za[za_mode == 2 ? m : 0];
      const int64_t b0 = zb_mode == 0 ? 0 : zb[zb_mode == 2 ? n : 0];
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += (value(A[m * lda + k], as) - a0) * (value(B[k * ldb + n], bs) - b0);
      if (acc != C[m * ldc + n]) {
        std::printf("gemm M=%ld N=%ld K=%ld as=%d bs=%d za=%d zb=%d [%ld,%ld]: %ld vs %d\n", (long)M, (long)N,
                    (long)K, as, bs, za_mode, zb_mode, (long)m, (long)n, (long)acc, C[m * ldc + n]);
        fail("gemm value");
        return;
      }
    }
  // the padding columns of C are untouched
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = N; n < ldc; ++n)
      if (C[m * ldc + n] != -7) {
        fail("gemm wrote past N");
        return;
      }
}

// the largest K with the largest products: the result is within int32 and must be exact
void check_gemm_extremes() {
  const int64_t K = edgewise::kMaxInt8K, M = 2, N = 3;
  std::vector<uint8_t> A(M * K, 255), B(K * N, 0);
  const int32_t za = 0, zb = 255;  // (255 - 0) * (0 - 255) = -65025 per step
  std::vector<int32_t> C(M * N);
  int status = ew_gemm_s8(M, N, K, 0, A.data(), K, &za, 1, 0, B.data(), N, &zb, 1, C.data(), N);
  ++checks;
  if (status != EW_OK || C[0] != static_cast<int32_t>(-65025LL * K)) fail("gemm extreme");
  // s8 x s8: (-128 - 127) * (127 - (-128)) = -65025
  std::vector<uint8_t> A2(M * K, 0x80), B2(K * N, 127);
  const int32_t za2 = 127, zb2 = -128;
  status = ew_gemm_s8(M, N, K, 1, A2.data(), K, &za2, 1, 1, B2.data(), N, &zb2, 1, C.data(), N);
  ++checks;
  if (status != EW_OK || C[5] != static_cast<int32_t>(-65025LL * K)) fail("gemm extreme s8");
  ++checks;
  if (ew_gemm_s8(M, N, K + 1, 0, A.data(), K + 1, nullptr, 0, 0, B.data(), N, nullptr, 0, C.data(), N) !=
      EW_INVALID_ARGUMENT)
    fail("K over the bound accepted");
  const int32_t bad = 300;
  ++checks;
  if (ew_gemm_s8(M, N, 4, 0, A.data(), 4, &bad, 1, 0, B.data(), N, nullptr, 0, C.data(), N) != EW_INVALID_ARGUMENT)
    fail("zero point out of range accepted");
}

struct ConvCase {
  int64_t n, c, h, w, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, group;
};

// narrow_w: weights within 127 of their zero point (w - w_zero fits int8), which the depthwise VNNI path needs;
// without it most random weights fall outside and take the other paths.
void check_conv(const ConvCase& cc, bool xs, bool ws, bool ys, bool per_channel, bool use_bias,
                bool non_finite = false, bool narrow_w = false) {
  const int64_t oh = (cc.h + cc.pt + cc.pb - (cc.kh - 1) * cc.dh - 1) / cc.sh + 1;
  const int64_t ow = (cc.w + cc.pl + cc.pr - (cc.kw - 1) * cc.dw - 1) / cc.sw + 1;
  if (oh <= 0 || ow <= 0) return;
  const int64_t cg = cc.c / cc.group, mg = cc.m / cc.group;
  std::vector<uint8_t> x(cc.n * cc.c * cc.h * cc.w), w(cc.m * cg * cc.kh * cc.kw);
  for (auto& v : x) v = rand_byte();
  for (auto& v : w) v = rand_byte();
  const int32_t xz = rand_zero(xs);
  std::vector<int32_t> wz(per_channel ? cc.m : 1);
  for (auto& z : wz) z = rand_zero(ws);
  if (narrow_w) {
    const int64_t per = cg * cc.kh * cc.kw;
    for (int64_t i = 0; i < static_cast<int64_t>(w.size()); ++i) {
      const int z = wz[per_channel ? i / per : 0];
      const int v = std::max(ws ? -128 : 0, std::min(ws ? 127 : 255, z + rand_int(-128, 127)));
      w[i] = static_cast<uint8_t>(v);
    }
  }
  std::vector<int32_t> bias(cc.m);
  for (auto& b : bias) b = rand_int(-100000, 100000);
  std::vector<double> scale(cc.m);
  for (auto& s : scale) s = static_cast<double>(static_cast<float>(0.0005 + 0.002 * rand_int(0, 1000) / 1000.0));
  scale[0] = 0.5;  // exact ties: round half to even
  if (non_finite && cc.m >= 3) {
    // a NaN scale stores 0 (Java's (long) NaN); an infinite one saturates, or is NaN where the sum is 0
    scale[1] = std::numeric_limits<double>::quiet_NaN();
    scale[2] = std::numeric_limits<double>::infinity();
  }
  const int32_t yz = rand_zero(ys);
  const int64_t geo[16] = {cc.n, cc.c, cc.h, cc.w, cc.m, oh, ow, cc.kh, cc.kw, cc.sh, cc.sw, cc.dh, cc.dw,
                           cc.pt, cc.pl, cc.group};
  const int64_t total = cc.n * cc.m * oh * ow;
  std::vector<int32_t> acc(total);
  std::vector<uint8_t> q(total);
  int status = ew_conv2d_s8(geo, xs, x.data(), xz, ws, w.data(), wz.data(), wz.size(), acc.data());
  if (status == EW_OK)
    status = ew_qlinear_conv2d(geo, xs, x.data(), xz, ws, w.data(), wz.data(), wz.size(),
                               use_bias ? bias.data() : nullptr, scale.data(), yz, ys, q.data());
  // the weights packed once (as a session does): the same bytes as packing per call
  if (status == EW_OK) {
    const int64_t size = ew_qlinear_packed_weights_size(geo);
    std::vector<uint8_t> packed(static_cast<size_t>(size > 0 ? size : 0)), q2(total);
    if (size < 0 || (size > 0 && ew_qlinear_pack_weights(geo, ws, w.data(), packed.data()) != EW_OK)) {
      fail("pack weights");
      return;
    }
    status = ew_qlinear_conv2d_prepacked(geo, xs, x.data(), xz, ws, w.data(), size > 0 ? packed.data() : nullptr,
                                         wz.data(), wz.size(), use_bias ? bias.data() : nullptr, scale.data(), yz,
                                         ys, q2.data());
    if (status == EW_OK && q2 != q) {
      fail("prepacked qlinear differs from packed per call");
      return;
    }
    // a lookup fused into the output pass: one table for all channels or one per channel, the per-call bytes mapped
    for (const int64_t params : {int64_t{1}, cc.m}) {
      std::vector<uint8_t> tables(static_cast<size_t>(params * 256)), q3(total);
      for (auto& t : tables) t = rand_byte();
      if (status == EW_OK)
        status = ew_qlinear_conv2d_lookup(geo, xs, x.data(), xz, ws, w.data(), size > 0 ? packed.data() : nullptr,
                                          wz.data(), wz.size(), use_bias ? bias.data() : nullptr, scale.data(), yz,
                                          ys, tables.data(), params, q3.data());
      if (status != EW_OK) break;
      for (int64_t o = 0; o < total; ++o) {
        const int64_t oc = (o / (oh * ow)) % cc.m;
        if (q3[o] != tables[(params == 1 ? 0 : oc) * 256 + q[o]]) {
          std::printf("qlinear+lookup params=%ld [%ld]: %d vs table[%d] = %d\n", (long)params, (long)o, q3[o],
                      q[o], tables[(params == 1 ? 0 : oc) * 256 + q[o]]);
          fail("qlinear with a fused lookup");
          return;
        }
      }
    }
    ++checks;
    const uint8_t table1[256] = {};
    if (ew_qlinear_conv2d_lookup(geo, xs, x.data(), xz, ws, w.data(), nullptr, wz.data(), wz.size(), nullptr,
                                 scale.data(), yz, ys, table1, cc.m + 1, q2.data()) != EW_INVALID_ARGUMENT)
      fail("a table count other than 1 or out_channels accepted");
  }
  ++checks;
  if (status != EW_OK) {
    std::printf("conv status %d\n", status);
    fail("conv status");
    return;
  }
  for (int64_t img = 0; img < cc.n; ++img)
    for (int64_t oc = 0; oc < cc.m; ++oc) {
      const int64_t g = oc / mg;
      const int64_t w0 = wz[per_channel ? oc : 0];
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          int64_t sum = 0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < cc.kh; ++ky)
              for (int64_t kx = 0; kx < cc.kw; ++kx) {
                const int64_t iy = oy * cc.sh - cc.pt + ky * cc.dh, ix = ox * cc.sw - cc.pl + kx * cc.dw;
                if (iy < 0 || iy >= cc.h || ix < 0 || ix >= cc.w) continue;
                const int64_t xv = value(x[((img * cc.c + g * cg + ci) * cc.h + iy) * cc.w + ix], xs) - xz;
                const int64_t wv = value(w[((oc * cg + ci) * cc.kh + ky) * cc.kw + kx], ws) - w0;
                sum += xv * wv;
              }
          const int64_t o = ((img * cc.m + oc) * oh + oy) * ow + ox;
          if (sum != acc[o]) {
            std::printf("conv [%ld]: %ld vs %d\n", (long)o, (long)sum, acc[o]);
            fail("conv value");
            return;
          }
          double r = std::nearbyint(static_cast<double>(sum + (use_bias ? bias[oc] : 0)) * scale[oc]) + yz;
          const int expected = std::isnan(r) ? 0 : static_cast<int>(std::max(ys ? -128.0 : 0.0, std::min(ys ? 127.0 : 255.0, r)));
          if (expected != value(q[o], ys)) {
            std::printf("qlinear [%ld]: %d vs %d\n", (long)o, expected, value(q[o], ys));
            fail("qlinear value");
            return;
          }
        }
    }
}

// The requantization as the kernels run it against the double formula, with scales made to put products on or
// within a few ulps of half-integers (the float screen must hand those to the double path), exact ties, the
// precondition's edges (sums of k products at +-k * 255^2, biases that could leave int32), and scales outside
// float's range (0, tiny, huge, negative, non-finite).
void check_requant() {
  constexpr int64_t n = 37;  // two full steps of 16 and a masked one
  int32_t acc[n];
  uint8_t y[n];
  for (int trial = 0; trial < 3000; ++trial) {
    const bool ys = rand_int(0, 1) != 0;
    const int32_t yz = rand_zero(ys);
    const int64_t ks[] = {1, 9, 25, 864, edgewise::kMaxInt8K};
    const int64_t k = ks[rand_int(0, 4)];
    const int64_t bound = k * 65025;
    const int kind = rand_int(0, 5);
    int32_t bias = kind == 5 ? (rand_int(0, 1) ? 2147483647 - rand_int(0, 100) : -2147483647 + rand_int(0, 100))
                             : rand_int(-100000, 100000);
    if (std::abs(static_cast<int64_t>(bias)) + bound > 2147483647LL) bias = kind == 5 ? bias : 0;
    for (auto& a : acc) a = static_cast<int32_t>(std::uniform_int_distribution<int64_t>(-bound, bound)(rng));
    acc[0] = static_cast<int32_t>(bound);
    acc[1] = static_cast<int32_t>(-bound);
    double s = std::ldexp(1.0 + rand_int(0, 1 << 20) / double(1 << 20), -rand_int(4, 20));
    if (kind == 1 || kind == 2) {
      // product (acc + bias) * s within an ulp or two of t + 0.5 (or on it) for a few sums
      const int32_t v = acc[2 + rand_int(0, 10)];
      const double vb = static_cast<double>(v) + bias;
      if (vb != 0) {
        const int t = rand_int(-300, 300);
        s = (t + 0.5) / vb;
        for (int u = rand_int(-3, 3); u != 0; u += u > 0 ? -1 : 1)
          s = std::nextafter(s, u > 0 ? 1e300 : -1e300);
        for (int i = 0; i < 6; ++i) acc[20 + i] = static_cast<int32_t>(std::max<double>(-bound, std::min<double>(bound, v + i - 3)));
      }
    } else if (kind == 3) {
      // exact ties: (2^j) * (2t + 1) 2^-(j+1) = t + 0.5
      const int j = rand_int(0, 14);
      s = (2 * rand_int(-200, 200) + 1) * std::ldexp(1.0, -(j + 1));
      for (int i = 2; i < 12; ++i) acc[i] = static_cast<int32_t>(std::min<int64_t>(bound, (int64_t{1} << j) - bias));
      if ((int64_t{1} << j) - bias > bound) s = -s;  // still a valid case, just not a tie
    } else if (kind == 4) {
      const double specials[] = {0.0, -0.0, 1e-40, 1e-30, 1e-45, 1e30, 1e38, 3.5e38, -2.5e-3, -1e-40,
                                 std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                                 std::numeric_limits<double>::quiet_NaN(), 0x1p-100, 0x1p90, 0x1p-101, 0x1p91};
      s = specials[rand_int(0, 16)];
    }
    if (rand_int(0, 3) == 0) s = -s;
    edgewise::requantize_for_test(n, acc, bias, s, yz, ys, k, y);
    ++checks;
    for (int64_t i = 0; i < n; ++i) {
      const double r = std::nearbyint((static_cast<double>(acc[i]) + bias) * s) + yz;
      const int expected =
          std::isnan(r) ? 0 : static_cast<int>(std::max(ys ? -128.0 : 0.0, std::min(ys ? 127.0 : 255.0, r)));
      if (expected != value(y[i], ys)) {
        std::printf("requant acc %d bias %d s %.17g yz %d signed %d k %ld: %d vs %d\n", acc[i], bias, s, yz, ys,
                    (long)k, expected, value(y[i], ys));
        fail("requant value");
        break;
      }
    }
  }
}

void run_all() {
  const int64_t ms[] = {1, 3, 8, 9, 17, 70};
  const int64_t ns[] = {1, 5, 31, 33, 257, 300};
  const int64_t ks[] = {1, 3, 4, 5, 17, 130, 771};
  for (int64_t M : ms)
    for (int64_t N : ns)
      for (int64_t K : ks) {
        const int combo = rand_int(0, 3);
        check_gemm(M, N, K, combo & 1, combo >> 1, rand_int(0, 2), rand_int(0, 2), rand_int(0, 1) * 3);
      }
  for (int combo = 0; combo < 4; ++combo)
    for (int za = 0; za < 3; ++za)
      for (int zb = 0; zb < 3; ++zb) check_gemm(19, 45, 37, combo & 1, combo >> 1, za, zb, 1);
  check_gemm_extremes();
  const ConvCase cases[] = {
      {1, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},       // padded 3x3
      {2, 4, 8, 8, 6, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 2},       // stride 2, groups, asymmetric pads
      {1, 6, 11, 10, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6},     // depthwise
      {2, 5, 13, 9, 5, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 5},      // depthwise 5x5, stride 2 (padded rows split by phase)
      {1, 4, 11, 70, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4},     // depthwise 3x3/2, a row past one run of 64
      {1, 3, 9, 40, 3, 3, 3, 1, 5, 1, 1, 1, 1, 1, 1, 3},      // depthwise stride 5 (the direct path)
      {1, 4, 9, 12, 4, 3, 3, 1, 2, 2, 1, 3, 0, 1, 2, 4},      // depthwise, dilation, odd strides, asymmetric pads
      {1, 3, 2, 2, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3},       // depthwise, mostly padding
      {1, 2, 18, 18, 2, 17, 17, 1, 1, 1, 1, 8, 8, 8, 8, 2},   // depthwise past 258 taps: the int32 path, not float
      {1, 5, 9, 7, 7, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},       // 1x1 direct
      {1, 3, 12, 11, 4, 3, 2, 2, 3, 2, 2, 2, 1, 2, 0, 1},     // dilation, odd strides
      {1, 8, 5, 5, 12, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 4},      // big kernel, groups
      {1, 17, 30, 30, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    // more columns than one task block
      {1, 70, 6, 6, 66, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1},     // more rows than one row chunk; K = 630
      {1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},       // 1x1 image
      {1, 2, 3, 3, 2, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 1},       // mostly padding
      // B packed straight from the image (implicit im2col): column blocks of 256 starting mid-row, rows of padding
      {1, 3, 48, 320, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},    // the recogniser's stem: 3x3 stride 2, pad 1
      {1, 5, 21, 300, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    // wide rows, pad 1 (the detector's 3x3)
      {1, 9, 6, 70, 10, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 1},     // odd channels, stride (1, 2)
      {1, 6, 10, 40, 8, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1},     // 1x1 stride 2: not a plain GEMM on x
      {1, 4, 7, 9, 6, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 2},       // 1x1 padded, groups
      {2, 6, 9, 33, 4, 3, 3, 1, 1, 2, 3, 2, 3, 2, 3, 2},      // dilation, batch 2, groups
      // input interleaved by 4 channels, B panels read in place (blocked_input): channels per group a multiple of 4
      {1, 8, 9, 37, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    // pad 1, a row of 37 (a panel past the row's end)
      {1, 96, 7, 40, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // the detector's head: 96 -> 24, K = 864
      {2, 8, 10, 70, 12, 3, 3, 2, 1, 2, 3, 2, 3, 1, 2, 2},   // dilation, stride (2, 1), groups, batch 2
      {1, 4, 5, 5, 3, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, 1},      // 1x3, only columns padded
      {1, 8, 7, 9, 6, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1},      // 1x1 padded
      {1, 12, 6, 20, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // more output channels than one row chunk
      {1, 4, 2, 2, 5, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 1},      // mostly padding
      {1, 3, 20, 41, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},   // a stem: 3 channels padded to 4, stride 2 (phases)
      {1, 6, 9, 50, 8, 3, 3, 1, 3, 1, 2, 1, 2, 1, 2, 2},     // stride 3, dilation 2, 3 channels per group
      {1, 5, 9, 31, 6, 3, 3, 1, 5, 1, 1, 1, 1, 1, 1, 1},     // stride 5: B packed per task (implicit im2col)
  };
  for (const ConvCase& cc : cases)
    for (int combo = 0; combo < 8; ++combo)
      check_conv(cc, combo & 1, (combo >> 1) & 1, combo >> 2, rand_int(0, 1), rand_int(0, 3) != 0);
  for (const ConvCase& cc : cases) check_conv(cc, false, true, false, true, true, true);
  // depthwise through the VNNI path (kernel rows up to 8 taps, column stride up to 3): rows of several 64-output
  // steps and a tail, 1 and 2 quads per kernel row, strides 1-3, row dilation, mostly padding, batch 2
  const ConvCase depthwise[] = {
      {1, 5, 9, 150, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 5},    // 3x3 pad 1: two full 64-output steps and a tail
      {2, 3, 11, 83, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3},    // 3x3 stride 2, batch 2
      {1, 4, 12, 70, 4, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 4},    // 5x5 pad 2: two quads per row
      {1, 4, 13, 77, 4, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 4},    // 5x5 stride 2
      {1, 3, 10, 64, 3, 3, 3, 1, 3, 1, 1, 1, 1, 1, 1, 3},    // column stride 3
      {1, 2, 9, 40, 2, 2, 8, 1, 1, 1, 1, 0, 3, 1, 4, 2},     // 2x8: the widest kernel row, asymmetric pads
      {1, 2, 9, 33, 2, 7, 7, 1, 2, 1, 1, 3, 3, 3, 3, 2},     // 7x7, 49 taps, stride 2
      {1, 4, 12, 21, 4, 3, 3, 2, 1, 2, 1, 2, 1, 2, 1, 4},    // row dilation 2, row stride 2
      {1, 3, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3},      // mostly padding
      {1, 2, 5, 16, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2},     // 1x1 depthwise, exactly one group of 16
  };
  for (const ConvCase& cc : depthwise)
    for (int combo = 0; combo < 8; ++combo)
      check_conv(cc, combo & 1, (combo >> 1) & 1, combo >> 2, rand_int(0, 1), rand_int(0, 3) != 0, false, true);
  for (const ConvCase& cc : depthwise) check_conv(cc, true, true, true, true, true, true, true);
  check_requant();
}

}  // namespace

int main() {
  const char* isa = ew_int8_kernel_name();
  std::printf("int8 kernel on this CPU: %s\n", isa);
  for (int force_scalar = 0; force_scalar < 2; ++force_scalar) {
    edgewise::set_int8_force_scalar(force_scalar != 0);
    for (int threads : {1, 2}) {
      ew_set_num_threads(threads);
      std::printf("kernel %s, %d thread(s)\n", ew_int8_kernel_name(), threads);
      run_all();
    }
  }
  edgewise::set_int8_force_scalar(false);
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
