// The blocked channel layout (NCHWc) shared by the per-ISA kernels (nchwc_avx512.cpp, nchwc_avx2.cpp,
// nchwc_generic.cpp, all instances of nchwc_kernels.inl) and their driver (nchwc.cpp), which threads them and holds
// the C ABI. A tensor of C channels is stored as [N][ceil(C / B)][H][W][B]: the B channels of a block are
// contiguous, so one vector register holds one pixel of a block; channels past C are zero.
#ifndef EDGEWISE_NCHWC_H
#define EDGEWISE_NCHWC_H

#include <cstdint>

namespace edgewise {

// One convolution as the row kernels see it. The input is either blocked (ic_block = B, ic_stride = 1,
// col_stride = B) or plain NCHW for a first layer with few channels (one block of all C channels,
// ic_stride = H * W, col_stride = 1). Packed weights: per output block [icb][kh][kw][ic_block][B].
struct NchwcConvArgs {
  int64_t h, w, m, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
  int64_t icb_count, ic_block, ic_stride, col_stride, row_stride, icb_stride, x_image_stride;
  // channels that exist in the last input block (ic_block unless a blocked input's C is not a multiple of B): the
  // dense kernels skip the rest, whose inputs and weights are zero
  int64_t ic_last;
  int64_t w_ocb_stride;                  // floats of packed weights per output block
  int64_t y_image_stride, y_ocb_stride;  // the output (and residual) is always blocked
  const float* x;
  const float* wt;  // packed weights
  const float* bias;      // m values or null
  const float* residual;  // shaped like y, or null
  float* y;
  int act;
  float pa, pb;  // activation parameters (Clip: min, max; LeakyRelu: alpha)
};

// Pooling over a blocked tensor (window geometry as ew_pool2d's).
struct NchwcPoolArgs {
  int64_t h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  bool max, include_pad;
  int64_t lanes;   // channels of this block that exist (B except in a last, partial block)
  const float* x;  // one block plane: h * w * B floats
  float* y;        // one block plane: oh * ow * B floats
};

// Lanes of one output block taken from one source block plane (a channel gather: Split, Concat, channel shuffle):
// output lane l, where bit l of mask is set, is lane idx[l] of the source.
struct NchwcGatherGroup {
  const float* src;  // the source block plane's first pixel
  int32_t idx[16];
  uint32_t mask;
};

// The kernels of one instruction set. Each computes one output row of one image; the driver splits the work.
struct NchwcKernels {
  const char* isa;
  int block;   // B
  int max_fc;  // output blocks one dense-conv tile holds in registers
  // dense conv: output blocks [ocb0, ocb0 + fc), fc <= max_fc, rows [oy0, oy1) x columns [ox0, ox1), summing
  // input blocks [icb0, icb1) onto the partial sums in y (from zero when icb0 = 0; the epilogue when
  // icb1 = icb_count), while prefetching the weights of the next pass [icb1, next_icb1) (none when equal)
  void (*conv_rect)(const NchwcConvArgs& a, int64_t img, int64_t ocb0, int fc, int64_t oy0, int64_t oy1,
                    int64_t ox0, int64_t ox1, int64_t icb0, int64_t icb1, int64_t next_icb1);
  // depthwise conv (blocked input, one input channel per output channel): block cb, rows [oy0, oy1)
  void (*depthwise_rows)(const NchwcConvArgs& a, int64_t img, int64_t cb, int64_t oy0, int64_t oy1);
  // one block plane of pooling, row oy
  void (*pool_row)(const NchwcPoolArgs& p, int64_t oy);
  // one output block plane of hw pixels gathered from `count` (<= B) groups; lanes no group sets are zero
  void (*gather_plane)(const NchwcGatherGroup* groups, int count, int64_t hw, float* y);
  // the layout change of one block: NCHW planes of `lanes` (<= B) channels, hw pixels apart, to one blocked plane
  // (lanes past `lanes` zero), or back
  void (*reorder_plane)(bool to_blocked, int64_t hw, int64_t lanes, const float* in, float* out);
};

// Per-ISA tables (null where this build has no such kernels); nchwc_kernels() picks the best for this CPU once.
const NchwcKernels* nchwc_kernels_avx512();
const NchwcKernels* nchwc_kernels_avx2();
const NchwcKernels* nchwc_kernels_generic();
const NchwcKernels& nchwc_kernels();

}  // namespace edgewise

#endif
