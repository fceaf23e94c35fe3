// Host-side data reshaping for the FPGA tiled convolution (EF-Train, Tang et al., ACM TODAES 2022, section 4:
// "intra-tile continuous memory allocation"): every tile the kernel reads or writes is one contiguous run of
// memory, so each tile moves in a single burst. The same three packers serve the forward pass, the input-gradient
// pass (dilated dout, flipped and transposed weights: chosen by the tile geometry) and the weight-gradient pass.
#include <algorithm>
#include <cmath>

#include "edgewise/edgewise.h"
#include "activation.h"
#include "thread_pool.h"

namespace {

struct Tiles {
  int64_t b, n, h, w, m, r, c, k, s, pt, pl, tm, tn, tr, tc, up, flip;
  int64_t mb, nb, rt, ct, trin, tcin;
};

bool read_tiles(const int64_t* v, Tiles* t) {
  if (v == nullptr) return false;
  std::copy(v, v + EW_FPGA_TILES_LEN, &t->b);
  if (t->b <= 0 || t->n <= 0 || t->h <= 0 || t->w <= 0 || t->m <= 0 || t->r <= 0 || t->c <= 0 || t->k <= 0 ||
      t->s <= 0 || t->tm <= 0 || t->tn <= 0 || t->tr <= 0 || t->tc <= 0 || t->up <= 0 ||
      (t->flip != 0 && t->flip != 1))
    return false;
  t->mb = (t->m + t->tm - 1) / t->tm;
  t->nb = (t->n + t->tn - 1) / t->tn;
  t->rt = (t->r + t->tr - 1) / t->tr;
  t->ct = (t->c + t->tc - 1) / t->tc;
  t->trin = (t->tr - 1) * t->s + t->k;
  t->tcin = (t->tc - 1) * t->s + t->k;
  return true;
}

// The value of the (upsampled, padded) input plane at logical row iy, column ix: upsampling by `up` inserts
// up - 1 zeros between source pixels (the input-gradient pass of a strided convolution).
inline float sample(const float* plane, int64_t row_stride, int64_t col_stride, const Tiles& t, int64_t iy,
                    int64_t ix) {
  if (iy < 0 || ix < 0 || iy % t.up != 0 || ix % t.up != 0) return 0.f;
  iy /= t.up;
  ix /= t.up;
  if (iy >= t.h || ix >= t.w) return 0.f;
  return plane[iy * row_stride + ix * col_stride];
}

}  // namespace

extern "C" int64_t ew_fpga_block_floats(const int64_t* tiles, int which) noexcept {
  Tiles t;
  if (!read_tiles(tiles, &t)) return -1;
  switch (which) {
    case EW_FPGA_INPUT: return t.b * t.nb * t.rt * t.ct * t.tn * t.trin * t.tcin;
    case EW_FPGA_WEIGHTS: return t.mb * t.nb * t.tm * t.tn * t.k * t.k;
    case EW_FPGA_OUTPUT: return t.b * t.mb * t.rt * t.ct * t.tm * t.tr * t.tc;
    default: return -1;
  }
}

extern "C" int ew_fpga_pack_input(const int64_t* tiles, const float* x, const int64_t* strides,
                                  float* blocks) noexcept {
  Tiles t;
  if (!read_tiles(tiles, &t) || x == nullptr || strides == nullptr || blocks == nullptr) return EW_INVALID_ARGUMENT;
  const int64_t block = t.tn * t.trin * t.tcin;
  try {
    // one task per (image, channel block, row tile): each writes its own contiguous blocks
    edgewise::parallel_for(t.b * t.nb * t.rt, [&](int64_t task) {
      const int64_t rt = task % t.rt, nb = task / t.rt % t.nb, b = task / t.rt / t.nb;
      for (int64_t ct = 0; ct < t.ct; ++ct) {
        float* dst = blocks + (((b * t.nb + nb) * t.rt + rt) * t.ct + ct) * block;
        const int64_t y0 = rt * t.tr * t.s - t.pt, x0 = ct * t.tc * t.s - t.pl;
        for (int64_t i = 0; i < t.tn; ++i) {
          const int64_t n = nb * t.tn + i;
          for (int64_t y = 0; y < t.trin; ++y)
            for (int64_t xx = 0; xx < t.tcin; ++xx)
              dst[(i * t.trin + y) * t.tcin + xx] =
                  n < t.n ? sample(x + b * strides[0] + n * strides[1], strides[2], strides[3], t, y0 + y, x0 + xx)
                          : 0.f;
        }
      }
    });
  } catch (...) {
    return EW_INTERNAL;
  }
  return EW_OK;
}

extern "C" int ew_fpga_pack_weights(const int64_t* tiles, const float* w, const int64_t* strides,
                                    float* blocks) noexcept {
  Tiles t;
  if (!read_tiles(tiles, &t) || w == nullptr || strides == nullptr || blocks == nullptr) return EW_INVALID_ARGUMENT;
  const int64_t k = t.k, block = t.tm * t.tn * k * k;
  for (int64_t mb = 0; mb < t.mb; ++mb)
    for (int64_t nb = 0; nb < t.nb; ++nb) {
      float* dst = blocks + (mb * t.nb + nb) * block;
      for (int64_t i = 0; i < t.tm; ++i)
        for (int64_t j = 0; j < t.tn; ++j) {
          const int64_t m = mb * t.tm + i, n = nb * t.tn + j;
          for (int64_t ky = 0; ky < k; ++ky)
            for (int64_t kx = 0; kx < k; ++kx) {
              // the input-gradient pass reads the kernel rotated by 180 degrees
              const int64_t sy = t.flip ? k - 1 - ky : ky, sx = t.flip ? k - 1 - kx : kx;
              dst[((i * t.tn + j) * k + ky) * k + kx] =
                  m < t.m && n < t.n ? w[m * strides[0] + n * strides[1] + sy * strides[2] + sx * strides[3]] : 0.f;
            }
        }
    }
  return EW_OK;
}

extern "C" int ew_fpga_pack_output(const int64_t* tiles, const float* y, const int64_t* strides,
                                   float* blocks) noexcept {
  Tiles t;
  if (!read_tiles(tiles, &t) || y == nullptr || strides == nullptr || blocks == nullptr) return EW_INVALID_ARGUMENT;
  const int64_t block = t.tm * t.tr * t.tc;
  for (int64_t b = 0; b < t.b; ++b)
    for (int64_t mb = 0; mb < t.mb; ++mb)
      for (int64_t rt = 0; rt < t.rt; ++rt)
        for (int64_t ct = 0; ct < t.ct; ++ct) {
          float* dst = blocks + (((b * t.mb + mb) * t.rt + rt) * t.ct + ct) * block;
          for (int64_t i = 0; i < t.tm; ++i)
            for (int64_t r = 0; r < t.tr; ++r)
              for (int64_t c = 0; c < t.tc; ++c) {
                const int64_t m = mb * t.tm + i, oy = rt * t.tr + r, ox = ct * t.tc + c;
                dst[(i * t.tr + r) * t.tc + c] =
                    m < t.m && oy < t.r && ox < t.c
                        ? y[b * strides[0] + m * strides[1] + oy * strides[2] + ox * strides[3]]
                        : 0.f;
              }
        }
  return EW_OK;
}

extern "C" int ew_fpga_unpack_output(const int64_t* tiles, const float* blocks, const float* bias,
                                     const float* residual, int activation, float a, float b_param, float* y,
                                     const int64_t* strides) noexcept {
  Tiles t;
  if (!read_tiles(tiles, &t) || y == nullptr || strides == nullptr || blocks == nullptr) return EW_INVALID_ARGUMENT;
  if (!edgewise::conv_activation(activation)) return EW_INVALID_ARGUMENT;
  const int64_t block = t.tm * t.tr * t.tc;
  try {
    edgewise::parallel_for(t.b * t.m, [&](int64_t task) {
      const int64_t m = task % t.m, b = task / t.m;
      const int64_t mb = m / t.tm, i = m % t.tm;
      for (int64_t oy = 0; oy < t.r; ++oy)
        for (int64_t ox = 0; ox < t.c; ++ox) {
          const int64_t rt = oy / t.tr, ct = ox / t.tc;
          const float* src = blocks + (((b * t.mb + mb) * t.rt + rt) * t.ct + ct) * block;
          const int64_t at = b * strides[0] + m * strides[1] + oy * strides[2] + ox * strides[3];
          float v = src[(i * t.tr + oy % t.tr) * t.tc + ox % t.tc];
          if (bias != nullptr) v += bias[m];
          if (residual != nullptr) v += residual[at];
          y[at] = edgewise::activate_scalar(activation, v, a, b_param);
        }
    });
  } catch (...) {
    return EW_INTERNAL;
  }
  return EW_OK;
}

extern "C" int ew_fpga_unpack_weights(const int64_t* tiles, const float* blocks, float* w,
                                      const int64_t* strides) noexcept {
  Tiles t;
  if (!read_tiles(tiles, &t) || w == nullptr || strides == nullptr || blocks == nullptr) return EW_INVALID_ARGUMENT;
  const int64_t k = t.k, block = t.tm * t.tn * k * k;
  for (int64_t m = 0; m < t.m; ++m)
    for (int64_t n = 0; n < t.n; ++n) {
      const float* src = blocks + ((m / t.tm) * t.nb + n / t.tn) * block + ((m % t.tm) * t.tn + n % t.tn) * k * k;
      for (int64_t ky = 0; ky < k; ++ky)
        for (int64_t kx = 0; kx < k; ++kx)
          w[m * strides[0] + n * strides[1] + ky * strides[2] + kx * strides[3]] = src[ky * k + kx];
    }
  return EW_OK;
}
