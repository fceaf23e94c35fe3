// 2-D convolution for the cpu device: the packed GEMM with B packed straight from the image (implicit im2col) for
// dense and grouped convolutions (a 1x1, stride-1, unpadded convolution is a GEMM on the input as it is), a direct
// kernel for depthwise convolution, and one fused epilogue pass (bias, residual, activation) over the output.
#include <algorithm>
#include <cmath>
#include <new>
#include <vector>

#include "edgewise/edgewise.h"
#include "activation.h"
#include "conv_geometry.h"
#include "gemm_internal.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace edgewise {
namespace {

using Geometry = ConvGeometry;

// Output widths from which B is packed straight from the image rather than from a materialized im2col matrix.
// Chosen from end-to-end ResNet-18 runs on the 2-core Zen 5 machine: implicit packing everywhere was faster at two
// threads but slower at one, where the narrow late layers (14 and 7 columns) pay for many short runs.
constexpr int64_t kImplicitMinWidth = 28;

// B = the im2col matrix of one image and group, packed straight from the image: row k = (ci, ky, kx), column
// n = (oy, ox). Each panel row is copied as runs along an output row, so padding costs a fill, not a branch.
class Im2colB final : public BSource {
 public:
  Im2colB(const Geometry& g, const float* x) : g_(g), x_(x) {}

  void pack(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int nr, float* out) const override {
    const Geometry& g = g_;
    for (int64_t kk = 0; kk < kc; ++kk) {
      const int64_t k = p0 + kk;
      const int64_t kx = k % g.kw;
      const int64_t ky = (k / g.kw) % g.kh;
      const int64_t ci = k / (g.kw * g.kh);
      const float* src = x_ + ci * g.h * g.w;
      const int64_t offset = kx * g.dw - g.pl;
      int64_t lo, hi;
      inside_range(offset, g.sw, g.w, g.ow, &lo, &hi);
      for (int64_t jp = 0; jp < nc; jp += nr) {
        float* dst = out + jp * kc + kk * nr;
        const int64_t cols = std::min<int64_t>(nr, nc - jp);
        int64_t n = j0 + jp;
        int64_t oy = n / g.ow;
        int64_t ox = n % g.ow;
        int64_t j = 0;
        while (j < cols) {
          const int64_t run = std::min(cols - j, g.ow - ox);
          const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
          float* d = dst + j;
          if (iy < 0 || iy >= g.h) {
            std::fill(d, d + run, 0.0f);
          } else {
            const float* row = src + iy * g.w + offset;
            const int64_t a = std::min(std::max(lo, ox), ox + run);  // [ox, a): left padding
            const int64_t b = std::max(a, std::min(hi, ox + run));   // [a, b): inside; [b, ox + run): right
            std::fill(d, d + (a - ox), 0.0f);
            if (g.sw == 1) {
              std::copy(row + a, row + b, d + (a - ox));
            } else {
              for (int64_t o = a; o < b; ++o) d[o - ox] = row[o * g.sw];
            }
            std::fill(d + (b - ox), d + run, 0.0f);
          }
          j += run;
          ox = 0;
          ++oy;
        }
        std::fill(dst + cols, dst + nr, 0.0f);
      }
    }
  }

 private:
  const Geometry& g_;
  const float* x_;
};

// One output plane of a depthwise convolution.
EW_CLONES void depthwise_plane(const Geometry& g, const float* __restrict src, const float* __restrict k,
                               float* __restrict dst) {
  std::fill(dst, dst + g.oh * g.ow, 0.0f);
  for (int64_t kx = 0; kx < g.kw; ++kx) {
    const int64_t offset = kx * g.dw - g.pl;
    int64_t lo, hi;
    inside_range(offset, g.sw, g.w, g.ow, &lo, &hi);
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const float kv = k[ky * g.kw + kx];
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        const float* __restrict in = src + iy * g.w + offset;
        float* __restrict out = dst + oy * g.ow;
        if (g.sw == 1) {
          for (int64_t ox = lo; ox < hi; ++ox) out[ox] += kv * in[ox];
        } else {
          for (int64_t ox = lo; ox < hi; ++ox) out[ox] += kv * in[ox * g.sw];
        }
      }
    }
  }
}

void depthwise(const Geometry& g, const float* x, const float* w, float* y) {
  const int64_t mult = g.m / g.c;  // output channels per input channel
  parallel_for_work(g.n * g.m * g.oh * g.ow * g.kh * g.kw * 2, g.n * g.m, [&](int64_t job) {
    const int64_t oc = job % g.m;
    const int64_t img = job / g.m;
    depthwise_plane(g, x + (img * g.c + oc / mult) * g.h * g.w, w + oc * g.kh * g.kw, y + job * g.oh * g.ow);
  });
}

EW_CLONES void epilogue_plane(int64_t plane, int act, float a, float b, float add, const float* __restrict res,
                              float* __restrict out) {
  if (act == EW_ACT_RELU || act == EW_ACT_NONE || act == EW_ACT_CLIP) {
    // the common activations as branch-free loops the compiler vectorizes
    const float lo = act == EW_ACT_CLIP ? a : (act == EW_ACT_RELU ? 0.0f : -INFINITY);
    const float hi = act == EW_ACT_CLIP ? b : INFINITY;
    for (int64_t i = 0; i < plane; ++i) {
      const float v = out[i] + add + (res ? res[i] : 0.0f);
      out[i] = std::min(std::max(v, lo), hi);
    }
    return;
  }
  for (int64_t i = 0; i < plane; ++i) out[i] = activate_scalar(act, out[i] + add + (res ? res[i] : 0.0f), a, b);
}

void epilogue(const Geometry& g, int act, float a, float b, const float* bias, const float* residual, float* y) {
  const int64_t plane = g.oh * g.ow;
  parallel_for_work(g.n * g.m * plane * 4, g.n * g.m, [&](int64_t job) {
    epilogue_plane(plane, act, a, b, bias ? bias[job % g.m] : 0.0f, residual ? residual + job * plane : nullptr,
                   y + job * plane);
  });
}

}  // namespace
}  // namespace edgewise

namespace edgewise {
namespace {

bool is_depthwise(const Geometry& g) { return g.group == g.c && g.c / g.group == 1 && g.group > 1; }

// The convolution proper: w is either the [M, C/group, kh, kw] weights or (packed) their GEMM panels.
int conv2d(const Geometry& g, int activation, float a, float b, const float* x, const float* w, bool packed,
           const float* bias, const float* residual, float* y) {
  const int64_t cg = g.c / g.group;
  const int64_t mg = g.m / g.group;
  const int64_t plane = g.oh * g.ow;
  const int64_t k = cg * g.kh * g.kw;
  const int64_t packed_group = packed_a_floats(mg, k);
  if (is_depthwise(g)) {
    depthwise(g, x, w, y);
  } else {
    const bool direct = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 &&
                        g.oh == g.h && g.ow == g.w;
    for (int64_t img = 0; img < g.n; ++img) {
      for (int64_t grp = 0; grp < g.group; ++grp) {
        const float* xin = x + (img * g.c + grp * cg) * g.h * g.w;
        float* yout = y + (img * g.m + grp * mg) * plane;
        const float* wg = packed ? w + grp * packed_group : w + grp * mg * k;
        if (direct || g.ow < kImplicitMinWidth) {
          const float* bmat = xin;
          if (!direct) {
            // narrow outputs: the implicit packer's runs would be a few elements each; materialize instead
            thread_local std::vector<float> cols;
            cols.resize(static_cast<size_t>(k * plane));
            im2col(g, xin, cg, 0.0f, cols.data());
            bmat = cols.data();
          }
          if (packed) {
            std::fill(yout, yout + mg * plane, 0.0f);
            sgemm_packed_matrix(mg, plane, k, wg, bmat, plane, yout, plane);
          } else {
            int status = ew_sgemm(0, 0, mg, plane, k, 1.0f, wg, k, bmat, plane, 0.0f, yout, plane);
            if (status != EW_OK) return status;
          }
        } else {
          std::fill(yout, yout + mg * plane, 0.0f);
          if (packed) {
            sgemm_accumulate_packed(mg, plane, k, wg, Im2colB(g, xin), yout, plane);
          } else {
            sgemm_accumulate(mg, plane, k, wg, k, Im2colB(g, xin), yout, plane);
          }
        }
      }
    }
  }
  epilogue(g, activation, a, b, bias, residual, y);
  return EW_OK;
}


}  // namespace
}  // namespace edgewise

extern "C" int ew_conv2d(const int64_t* geometry, int activation, float a, float b, const float* x, const float* w,
                         const float* bias, const float* residual, float* y) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_conv_geometry(geometry, &g) || x == nullptr || w == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  if (!conv_activation(activation)) return EW_INVALID_ARGUMENT;
  try {
    return conv2d(g, activation, a, b, x, w, false, bias, residual, y);
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int64_t ew_conv2d_packed_weights_size(const int64_t* geometry) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_conv_geometry(geometry, &g)) return -1;
  if (is_depthwise(g)) return 0;
  return g.group * packed_a_floats(g.m / g.group, (g.c / g.group) * g.kh * g.kw);
}

extern "C" int ew_conv2d_pack_weights(const int64_t* geometry, const float* w, float* packed) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_conv_geometry(geometry, &g) || w == nullptr || packed == nullptr || is_depthwise(g)) return EW_INVALID_ARGUMENT;
  try {
    const int64_t mg = g.m / g.group;
    const int64_t k = (g.c / g.group) * g.kh * g.kw;
    for (int64_t grp = 0; grp < g.group; ++grp) {
      pack_a_full(mg, k, w + grp * mg * k, k, packed + grp * packed_a_floats(mg, k));
    }
    return EW_OK;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int ew_conv2d_prepacked(const int64_t* geometry, int activation, float a, float b, const float* x,
                                   const float* packed, const float* bias, const float* residual, float* y) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_conv_geometry(geometry, &g) || x == nullptr || packed == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  if (!conv_activation(activation) || is_depthwise(g)) return EW_INVALID_ARGUMENT;
  try {
    return conv2d(g, activation, a, b, x, packed, true, bias, residual, y);
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}
