// The FPGA data reshaping (ew_fpga_pack_* / unpack_*) together with a C++ copy of the loop nest of
// kernels/tiled_conv.cl, against naive loops: the forward convolution, the input gradient and the weight gradient,
// on odd shapes whose channels and pixels do not divide the tiles.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;

struct Layer {
  int64_t b, n, h, w, m, k, s, p;
  int64_t r() const { return (h + 2 * p - k) / s + 1; }
  int64_t c() const { return (w + 2 * p - k) / s + 1; }
};

struct TileSizes {
  int64_t tm, tn, tr, tc;
};

std::vector<float> random_vector(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// The kernel's loop nest (kernels/tiled_conv.cl), mode 0: accumulate into output blocks over input-channel blocks.
void kernel_mode0(const int64_t* g, const std::vector<float>& in, const std::vector<float>& w, std::vector<float>& out) {
  const int64_t b = g[0], n = g[1], m = g[4], r = g[5], c = g[6], k = g[7], s = g[8], tm = g[11], tn = g[12],
                tr = g[13], tc = g[14];
  const int64_t mb = (m + tm - 1) / tm, nb = (n + tn - 1) / tn, rt = (r + tr - 1) / tr, ct = (c + tc - 1) / tc;
  const int64_t trin = (tr - 1) * s + k, tcin = (tc - 1) * s + k;
  for (int64_t blk = 0; blk < b * mb * rt * ct; ++blk) {
    const int64_t cti = blk % ct, rti = blk / ct % rt, mbi = blk / ct / rt % mb, bi = blk / ct / rt / mb;
    float* acc = &out[blk * tm * tr * tc];
    for (int64_t i = 0; i < tm * tr * tc; ++i) acc[i] = 0;
    for (int64_t nbi = 0; nbi < nb; ++nbi) {
      const float* ib = &in[(((bi * nb + nbi) * rt + rti) * ct + cti) * tn * trin * tcin];
      const float* wb = &w[(mbi * nb + nbi) * tm * tn * k * k];
      for (int64_t ky = 0; ky < k; ++ky)
        for (int64_t kx = 0; kx < k; ++kx)
          for (int64_t y = 0; y < tr; ++y)
            for (int64_t x = 0; x < tc; ++x)
              for (int64_t i = 0; i < tm; ++i)
                for (int64_t j = 0; j < tn; ++j)
                  acc[(i * tr + y) * tc + x] +=
                      wb[((i * tn + j) * k + ky) * k + kx] * ib[(j * trin + y * s + ky) * tcin + x * s + kx];
    }
  }
}

// Mode 1: accumulate into weight blocks over images and pixel tiles (the weight gradient).
void kernel_mode1(const int64_t* g, const std::vector<float>& in, const std::vector<float>& dout, std::vector<float>& w) {
  const int64_t b = g[0], n = g[1], m = g[4], r = g[5], c = g[6], k = g[7], s = g[8], tm = g[11], tn = g[12],
                tr = g[13], tc = g[14];
  const int64_t mb = (m + tm - 1) / tm, nb = (n + tn - 1) / tn, rt = (r + tr - 1) / tr, ct = (c + tc - 1) / tc;
  const int64_t trin = (tr - 1) * s + k, tcin = (tc - 1) * s + k;
  for (int64_t blk = 0; blk < mb * nb; ++blk) {
    const int64_t nbi = blk % nb, mbi = blk / nb;
    float* acc = &w[blk * tm * tn * k * k];
    for (int64_t i = 0; i < tm * tn * k * k; ++i) acc[i] = 0;
    for (int64_t step = 0; step < b * rt * ct; ++step) {
      const int64_t cti = step % ct, rti = step / ct % rt, bi = step / ct / rt;
      const float* ib = &in[(((bi * nb + nbi) * rt + rti) * ct + cti) * tn * trin * tcin];
      const float* ob = &dout[(((bi * mb + mbi) * rt + rti) * ct + cti) * tm * tr * tc];
      for (int64_t ky = 0; ky < k; ++ky)
        for (int64_t kx = 0; kx < k; ++kx)
          for (int64_t y = 0; y < tr; ++y)
            for (int64_t x = 0; x < tc; ++x)
              for (int64_t i = 0; i < tm; ++i)
                for (int64_t j = 0; j < tn; ++j)
                  acc[((i * tn + j) * k + ky) * k + kx] +=
                      ob[(i * tr + y) * tc + x] * ib[(j * trin + y * s + ky) * tcin + x * s + kx];
    }
  }
}

bool close(const std::vector<float>& got, const std::vector<double>& want, const char* what, const Layer& l) {
  for (size_t i = 0; i < want.size(); ++i)
    if (std::fabs(got[i] - want[i]) > 1e-4 * (1 + std::fabs(want[i]))) {
      std::printf("FAIL %s n=%lld m=%lld h=%lld k=%lld s=%lld p=%lld at %zu: %f vs %f\n", what, (long long)l.n,
                  (long long)l.m, (long long)l.h, (long long)l.k, (long long)l.s, (long long)l.p, i, got[i], want[i]);
      ++failures;
      return false;
    }
  return true;
}

void check(const Layer& l, const TileSizes& t) {
  const int64_t R = l.r(), C = l.c();
  auto x = random_vector(l.b * l.n * l.h * l.w, 1);
  auto w = random_vector(l.m * l.n * l.k * l.k, 2);
  auto dy = random_vector(l.b * l.m * R * C, 3);
  const int64_t xs[4] = {l.n * l.h * l.w, l.h * l.w, l.w, 1};
  const int64_t ws[4] = {l.n * l.k * l.k, l.k * l.k, l.k, 1};
  const int64_t ys[4] = {l.m * R * C, R * C, C, 1};

  // naive oracles in double
  std::vector<double> y(l.b * l.m * R * C, 0), dx(x.size(), 0), dw(w.size(), 0);
  for (int64_t b = 0; b < l.b; ++b)
    for (int64_t m = 0; m < l.m; ++m)
      for (int64_t oy = 0; oy < R; ++oy)
        for (int64_t ox = 0; ox < C; ++ox)
          for (int64_t n = 0; n < l.n; ++n)
            for (int64_t ky = 0; ky < l.k; ++ky)
              for (int64_t kx = 0; kx < l.k; ++kx) {
                const int64_t iy = oy * l.s - l.p + ky, ix = ox * l.s - l.p + kx;
                if (iy < 0 || ix < 0 || iy >= l.h || ix >= l.w) continue;
                const int64_t xi = b * xs[0] + n * xs[1] + iy * l.w + ix, wi = m * ws[0] + n * ws[1] + ky * l.k + kx,
                              yi = b * ys[0] + m * ys[1] + oy * C + ox;
                y[yi] += double(w[wi]) * x[xi];
                dx[xi] += double(w[wi]) * dy[yi];
                dw[wi] += double(dy[yi]) * x[xi];
              }

  // forward
  int64_t g[EW_FPGA_TILES_LEN] = {l.b, l.n, l.h, l.w, l.m, R, C, l.k, l.s, l.p, l.p, t.tm, t.tn, t.tr, t.tc, 1, 0};
  std::vector<float> in(ew_fpga_block_floats(g, EW_FPGA_INPUT)), wb(ew_fpga_block_floats(g, EW_FPGA_WEIGHTS)),
      ob(ew_fpga_block_floats(g, EW_FPGA_OUTPUT)), got(y.size());
  if (ew_fpga_pack_input(g, x.data(), xs, in.data()) != EW_OK || ew_fpga_pack_weights(g, w.data(), ws, wb.data()) != EW_OK) {
    std::printf("FAIL pack status\n");
    ++failures;
    return;
  }
  kernel_mode0(g, in, wb, ob);
  ew_fpga_unpack_output(g, ob.data(), nullptr, nullptr, EW_ACT_NONE, 0, 0, got.data(), ys);
  close(got, y, "forward", l);

  // weight gradient: x as input blocks, dy as output blocks, accumulate into weight blocks
  std::vector<float> dyb(ob.size()), gotw(w.size());
  ew_fpga_pack_output(g, dy.data(), ys, dyb.data());
  kernel_mode1(g, in, dyb, wb);
  ew_fpga_unpack_weights(g, wb.data(), gotw.data(), ws);
  close(gotw, dw, "weight-gradient", l);

  // input gradient: dy upsampled by the stride and padded by k - 1 - p, weights rotated and transposed, stride 1
  int64_t gb[EW_FPGA_TILES_LEN] = {l.b, l.m, R, C, l.n, l.h, l.w, l.k, 1, l.k - 1 - l.p, l.k - 1 - l.p,
                                   t.tm, t.tn, t.tr, t.tc, l.s, 1};
  const int64_t wts[4] = {ws[1], ws[0], ws[2], ws[3]};
  std::vector<float> inb(ew_fpga_block_floats(gb, EW_FPGA_INPUT)), wbb(ew_fpga_block_floats(gb, EW_FPGA_WEIGHTS)),
      obb(ew_fpga_block_floats(gb, EW_FPGA_OUTPUT)), gotx(x.size());
  ew_fpga_pack_input(gb, dy.data(), ys, inb.data());
  ew_fpga_pack_weights(gb, w.data(), wts, wbb.data());
  kernel_mode0(gb, inb, wbb, obb);
  ew_fpga_unpack_output(gb, obb.data(), nullptr, nullptr, EW_ACT_NONE, 0, 0, gotx.data(), xs);
  close(gotx, dx, "input-gradient", l);
}

void check_epilogue() {
  // 1 channel, 1x1 kernel: the output is the input; bias, residual and ReLU applied on unpack
  const int64_t g[EW_FPGA_TILES_LEN] = {1, 1, 2, 3, 1, 2, 3, 1, 1, 0, 0, 2, 2, 2, 2, 1, 0};
  std::vector<float> x = {-3, -1, 0, 1, 2, 5}, res = {1, 1, 1, 1, 1, 1}, bias = {0.5f};
  const int64_t s[4] = {6, 6, 3, 1};
  const int64_t ws[4] = {1, 1, 1, 1};
  float one = 1;
  std::vector<float> in(ew_fpga_block_floats(g, EW_FPGA_INPUT)), wb(ew_fpga_block_floats(g, EW_FPGA_WEIGHTS)),
      ob(ew_fpga_block_floats(g, EW_FPGA_OUTPUT)), y(6);
  ew_fpga_pack_input(g, x.data(), s, in.data());
  ew_fpga_pack_weights(g, &one, ws, wb.data());
  kernel_mode0(g, in, wb, ob);
  ew_fpga_unpack_output(g, ob.data(), bias.data(), res.data(), EW_ACT_RELU, 0, 0, y.data(), s);
  const float want[6] = {0, 0.5f, 1.5f, 2.5f, 3.5f, 6.5f};
  for (int i = 0; i < 6; ++i)
    if (y[i] != want[i]) {
      std::printf("FAIL epilogue at %d: %f vs %f\n", i, y[i], want[i]);
      ++failures;
    }
  // invalid geometries are refused, never read
  int64_t bad[EW_FPGA_TILES_LEN] = {1, 1, 2, 3, 1, 2, 3, 1, 0, 0, 0, 2, 2, 2, 2, 1, 0};
  if (ew_fpga_block_floats(bad, EW_FPGA_INPUT) != -1 || ew_fpga_pack_input(bad, x.data(), s, in.data()) == EW_OK) {
    std::printf("FAIL zero stride accepted\n");
    ++failures;
  }
}
}  // namespace

int main() {
  for (int threads : {1, 2}) {
    ew_set_num_threads(threads);
    check({1, 5, 9, 11, 7, 3, 1, 1}, {4, 3, 4, 5});
    check({2, 3, 10, 7, 5, 3, 2, 1}, {4, 2, 3, 2});
    check({1, 4, 8, 8, 6, 1, 1, 0}, {4, 4, 8, 8});
    check({1, 6, 11, 9, 3, 1, 2, 0}, {2, 4, 3, 3});
    check({2, 3, 7, 7, 2, 5, 2, 2}, {2, 2, 2, 3});
    check({1, 17, 5, 6, 9, 3, 1, 1}, {8, 8, 8, 8});
  }
  check_epilogue();
  if (failures == 0) std::printf("fpga reshape: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
