// The NCHWc driver and C ABI: picks the kernel set for this CPU, packs weights per output block, splits
// convolutions into (image, output-block group, row, column chunk) tasks on the fixed pool, and converts between
// NCHW and NCHWc at the edges of a blocked subgraph.
#include "nchwc.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "activation.h"
#include "conv_geometry.h"
#include "edgewise/edgewise.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace edgewise {

const NchwcKernels& nchwc_kernels() {
  // EDGEWISE_NCHWC_ISA=avx2|generic caps the choice, so tests can run the narrower sets on a wider CPU
  static const NchwcKernels* chosen = [] {
    const char* cap = std::getenv("EDGEWISE_NCHWC_ISA");
    const std::string limit = cap != nullptr ? cap : "";
#if defined(__x86_64__) && !defined(EDGEWISE_FORCE_SCALAR)
    __builtin_cpu_init();
    if (limit.empty() && __builtin_cpu_supports("avx512f") && nchwc_kernels_avx512() != nullptr)
      return nchwc_kernels_avx512();
    if (limit != "generic" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        nchwc_kernels_avx2() != nullptr)
      return nchwc_kernels_avx2();
#endif
    return nchwc_kernels_generic();
  }();
  return *chosen;
}

namespace {

int64_t blocks(int64_t channels) {
  const int64_t b = nchwc_kernels().block;
  return (channels + b - 1) / b;
}

constexpr int64_t kWeightBudgetBytes = 192 * 1024;
// Convolutions below ~2 MFLOP (about 8 us on one core) run on the calling thread: on a busy machine a region's
// cost is set by its slowest thread, and a descheduled worker costs far more than the work it would take. (At ~4
// MFLOP SqueezeNet's 256 -> 48 squeeze at 13x13, 4.15 MFLOP, ran alone: 18 us at 2 threads, 12 us shared.)
constexpr int64_t kMinParallelFlops = int64_t(1) << 21;
// Depthwise convolutions do one FMA per load: weigh their FLOPs as this many to compare with dense ones.
constexpr int64_t kDepthwiseCostFactor = 8;

// parallel_for_work when the region is worth sharing (work in dense-convolution FLOPs), else the calling thread.
void conv_parallel_for(int64_t work, int64_t tasks, const std::function<void(int64_t)>& fn) {
  if (work < kMinParallelFlops || num_threads() == 1) {
    for (int64_t i = 0; i < tasks; ++i) fn(i);
  } else {
    parallel_for(tasks, fn);
  }
}
constexpr int64_t kTasksPerThread = 4;

// Pixels per task of a pointwise convolution's one long row: 96 at one thread; with more, a share that makes at least
// kTasksPerThread tasks per thread and a task count the threads divide. MobileNetV2's 7x7 projections (49 pixels,
// three groups of output blocks) were three tasks, two on one thread: 1.5x faster on two threads than on one.
int64_t pointwise_chunk(int64_t pixels, int64_t pairs, int64_t threads) {
  constexpr int64_t kWidest = 96, kNarrowest = 6;  // 6: the widest tile of four output blocks
  if (threads == 1) return kWidest;
  int64_t per_pair = (kTasksPerThread * threads + pairs - 1) / pairs;
  while ((per_pair * pairs) % threads != 0) ++per_pair;
  const int64_t chunk = std::min(kWidest, std::max(kNarrowest, (pixels + per_pair - 1) / per_pair));
  // Capped at 96, the split can leave a sliver: MnasNet's 14x14 expansions (196 pixels) were chunks of 96, 96 and 4,
  // a third of the tasks near-empty, and its 28x28 ones nine tasks on two threads. When the tasks are few (under
  // 2 * kTasksPerThread a thread, where one task is a large share), share the pixels evenly over a count the threads
  // divide, in whole tiles of 6 where that keeps the count (196: 66 + 66 + 64; 784: ten of 84, not nine of 96).
  const int64_t chunks = (pixels + chunk - 1) / chunk;
  const int64_t last = pixels - (chunks - 1) * chunk;
  if (chunks * pairs >= 2 * kTasksPerThread * threads || 2 * last >= chunk) return chunk;
  const auto divides = [&](int64_t n) { return (n * pairs) % threads == 0; };
  int64_t even = chunks;
  while (!divides(even)) ++even;
  const int64_t share = (pixels + even - 1) / even;
  const int64_t whole = (share + kNarrowest - 1) / kNarrowest * kNarrowest;
  return divides((pixels + whole - 1) / whole) ? whole : share;
}

// Row slices per block plane of a depthwise convolution: whole planes when there are enough (image, block) planes to
// share out, else slices; and, when the tasks are few (under 2 * kTasksPerThread a thread), a task count the threads
// divide, so no thread idles for a last plane (MnasNet's 72 channels at 28x28 were five planes at two threads: three
// on one thread, two on the other). Many planes stay whole: a slice of a small plane also copies its halo rows.
int64_t depthwise_slices(int64_t oh, int64_t planes, int64_t threads) {
  int64_t slices = std::min(oh, std::max<int64_t>(1, (kTasksPerThread * threads) / planes));
  while ((slices * planes) % threads != 0 && slices * planes < 2 * kTasksPerThread * threads && slices < oh) ++slices;
  return slices;
}

bool is_depthwise(const ConvGeometry& g) { return g.group > 1 && g.group == g.c && g.m == g.c; }

// NCHWc runs dense convolutions and depthwise ones without a channel multiplier; a plain NCHW input (first
// layers) only for dense ones.
bool supported(const ConvGeometry& g, bool input_blocked) {
  if (is_depthwise(g)) return input_blocked;
  return g.group == 1;
}

// Input channels per block of packed weights: B for a blocked input, all of them for an NCHW input.
int64_t ic_block(const ConvGeometry& g, bool input_blocked) { return input_blocked ? nchwc_kernels().block : g.c; }

int64_t weights_size(const ConvGeometry& g, bool input_blocked) {
  const int64_t b = nchwc_kernels().block;
  if (is_depthwise(g)) return blocks(g.c) * g.kh * g.kw * b;
  const int64_t icb = input_blocked ? blocks(g.c) : 1;
  return blocks(g.m) * icb * g.kh * g.kw * ic_block(g, input_blocked) * b;
}

void pack(const ConvGeometry& g, bool input_blocked, const float* w, float* out) {
  const int64_t b = nchwc_kernels().block;
  const int64_t taps = g.kh * g.kw;
  if (is_depthwise(g)) {
    for (int64_t cb = 0; cb < blocks(g.c); ++cb)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t j = 0; j < b; ++j) {
          const int64_t c = cb * b + j;
          out[(cb * taps + t) * b + j] = c < g.c ? w[c * taps + t] : 0.0f;
        }
    return;
  }
  const int64_t icn = ic_block(g, input_blocked);
  const int64_t icb_count = input_blocked ? blocks(g.c) : 1;
  for (int64_t ocb = 0; ocb < blocks(g.m); ++ocb)
    for (int64_t icb = 0; icb < icb_count; ++icb)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t ic = 0; ic < icn; ++ic)
          for (int64_t j = 0; j < b; ++j) {
            const int64_t oc = ocb * b + j;
            const int64_t ci = icb * icn + ic;
            out[(((ocb * icb_count + icb) * taps + t) * icn + ic) * b + j] =
                oc < g.m && ci < g.c ? w[(oc * g.c + ci) * taps + t] : 0.0f;
          }
}

void conv(const ConvGeometry& g, bool input_blocked, int act, float pa, float pb, const float* x, const float* w,
          const float* bias, const float* residual, float* y) {
  const NchwcKernels& k = nchwc_kernels();
  const int64_t b = k.block;
  NchwcConvArgs a{};
  a.h = g.h, a.w = g.w, a.m = g.m, a.oh = g.oh, a.ow = g.ow, a.kh = g.kh, a.kw = g.kw;
  a.sh = g.sh, a.sw = g.sw, a.dh = g.dh, a.dw = g.dw, a.pt = g.pt, a.pl = g.pl;
  if (input_blocked) {
    a.icb_count = blocks(g.c), a.ic_block = b, a.ic_stride = 1, a.col_stride = b;
    a.row_stride = g.w * b, a.icb_stride = g.h * g.w * b;
    a.ic_last = g.c - (a.icb_count - 1) * b;
  } else {
    a.icb_count = 1, a.ic_block = g.c, a.ic_stride = g.h * g.w, a.col_stride = 1;
    a.row_stride = g.w, a.icb_stride = 0;
    a.ic_last = g.c;
  }
  a.x_image_stride = input_blocked ? blocks(g.c) * g.h * g.w * b : g.c * g.h * g.w;
  a.w_ocb_stride = weights_size(g, input_blocked) / blocks(g.m);
  a.y_ocb_stride = g.oh * g.ow * b;
  a.y_image_stride = blocks(g.m) * a.y_ocb_stride;
  a.x = x, a.wt = w, a.bias = bias, a.residual = residual, a.y = y;
  a.act = act, a.pa = pa, a.pb = pb;
  const int64_t flops = 2 * g.n * g.m * g.oh * g.ow * (g.c / g.group) * g.kh * g.kw;
  const int64_t threads = num_threads();
  if (is_depthwise(g)) {
    // tasks of whole planes when there are enough blocks to share out, else of row slices
    const int64_t cbs = blocks(g.c);
    // With more than one thread, rows outer (at least a slice per thread): the pool hands the caller a region's first
    // tasks and the worker its last (thread_pool.cpp), so the caller computes the top rows of every block, which the
    // next pointwise layer's first tasks (pixels outer, below) read from the same core's cache.
    const bool rows_outer = threads > 1;
    int64_t wanted = depthwise_slices(g.oh, g.n * cbs, threads);
    if (rows_outer) wanted = std::max(wanted, std::min(g.oh, threads));
    const int64_t rows = (g.oh + wanted - 1) / wanted;
    const int64_t slices = (g.oh + rows - 1) / rows;  // no empty slice: 7 rows in 4 slices are 2 + 2 + 2 + 1
    conv_parallel_for(flops * kDepthwiseCostFactor, g.n * cbs * slices, [&](int64_t job) {
      const int64_t slice = rows_outer ? (job / cbs) % slices : job % slices;
      const int64_t cb = rows_outer ? job % cbs : (job / slices) % cbs;
      k.depthwise_rows(a, job / (slices * cbs), cb, slice * rows, std::min(g.oh, (slice + 1) * rows));
    });
    return;
  }
  // a pointwise, stride-1, unpadded convolution is one long row (a blocked GEMM), cut into column chunks
  const bool pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 &&
                         g.oh == g.h && g.ow == g.w;
  if (pointwise) {
    a.w = a.w * a.h, a.h = 1, a.ow = a.ow * a.oh, a.oh = 1;
    a.row_stride = 0;
  }
  const int64_t ocbs = blocks(g.m);
  // output blocks split evenly over the fewest groups of at most max_fc (9 blocks: 3 + 3 + 3, not 4 + 4 + 1, whose
  // one-block tiles would load a broadcast per FMA)
  const int64_t groups = (ocbs + k.max_fc - 1) / k.max_fc;
  const int64_t chunk = pointwise ? pointwise_chunk(a.ow, g.n * groups, threads) : a.ow;
  const int64_t chunks = (a.ow + chunk - 1) / chunk;
  auto group_start = [&](int64_t grp) { return grp * ocbs / groups; };
  // Input blocks per pass: the weights one pass streams for a group of output blocks stay within ~L2, and a task
  // runs each pass over all its rows before the next, so deep layers (ResNet's 512 channels: 1.2 MB of weights per
  // group) read their weights from memory once, not once per row.
  const int64_t group_icb_bytes = int64_t(k.max_fc) * a.kh * a.kw * a.ic_block * b * 4;
  const int64_t icb_step = std::max<int64_t>(1, std::min(a.icb_count, kWeightBudgetBytes / group_icb_bytes));
  // rows per task: whole planes when there are enough (image, group) pairs to share out, else slices
  const int64_t pairs = g.n * groups * chunks;
  const int64_t slices = std::min(a.oh, std::max<int64_t>(1, (kTasksPerThread * threads + pairs - 1) / pairs));
  const int64_t rows_per_task = (a.oh + slices - 1) / slices;
  const int64_t row_tasks = (a.oh + rows_per_task - 1) / rows_per_task;
  // One thread: a group's chunks in turn (its weights stay in cache). More: pixels outer, output-block groups inner,
  // so the caller's first tasks are the first pixels (rows) of every block, as in the depthwise layers above; but
  // only while all the layer's weights fit a core's L2 (MnasNet's widest, 160 -> 1280: 0.8 MB), since a thread then
  // cycles through every group's weights per chunk.
  constexpr int64_t kPixelsOuterWeightBytes = int64_t(1) << 20;
  const bool pixels_outer = threads > 1 && weights_size(g, input_blocked) * 4 <= kPixelsOuterWeightBytes;
  conv_parallel_for(flops, pairs * row_tasks, [&](int64_t job) {
    int64_t c, rt, grp;
    if (pixels_outer) {
      grp = job % groups;
      c = (job / groups) % chunks;
      rt = (job / (groups * chunks)) % row_tasks;
    } else {
      c = job % chunks;
      rt = (job / chunks) % row_tasks;
      grp = (job / (chunks * row_tasks)) % groups;
    }
    const int64_t img = job / (chunks * row_tasks * groups);
    const int64_t ocb0 = group_start(grp);
    const int fc = static_cast<int>(group_start(grp + 1) - ocb0);
    const int64_t oy1 = std::min(a.oh, (rt + 1) * rows_per_task);
    const int64_t ox0 = c * chunk, ox1 = std::min(a.ow, (c + 1) * chunk);
    for (int64_t icb = 0; icb < a.icb_count; icb += icb_step) {
      const int64_t icb1 = std::min(a.icb_count, icb + icb_step);
      const int64_t next_icb1 = std::min(a.icb_count, icb1 + icb_step);
      k.conv_rect(a, img, ocb0, fc, rt * rows_per_task, oy1, ox0, ox1, icb, icb1, next_icb1);
    }
  });
}

// One block plane of ew_nchwc_channel_affine: s, t per lane (zero past the block's channels), keep 1 or 0 per lane.
EW_CLONES void affine_plane(int64_t hw, int64_t b, const float* s, const float* t, const float* keep, int act,
                            float pa, float pb, const float* x, float* y) {  // y may be x: no __restrict
  if (act == EW_ACT_RELU || act == EW_ACT_NONE || act == EW_ACT_CLIP) {
    // the clamps as branch-free loops the compiler vectorizes; zero stays zero past the channels only if the
    // clamp keeps it, so multiply by keep
    const float lo = act == EW_ACT_CLIP ? pa : (act == EW_ACT_RELU ? 0.0f : -INFINITY);
    const float hi = act == EW_ACT_CLIP ? pb : INFINITY;
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t j = 0; j < b; ++j)
        y[p * b + j] = std::min(std::max(x[p * b + j] * s[j] + t[j], lo), hi) * keep[j];
    return;
  }
  if (act == EW_ACT_HARD_SIGMOID) {
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t j = 0; j < b; ++j)
        y[p * b + j] = std::min(1.0f, std::max(0.0f, pa * (x[p * b + j] * s[j] + t[j]) + pb)) * keep[j];
    return;
  }
  if (act == EW_ACT_SIGMOID) {
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t j = 0; j < b; ++j) y[p * b + j] = sigmoid_approx(x[p * b + j] * s[j] + t[j]) * keep[j];
    return;
  }
  if (act == EW_ACT_HARD_SWISH) {  // x * HardSigmoid(x) that no convolution took (MobileNetV3)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t j = 0; j < b; ++j) {
        const float v = x[p * b + j] * s[j] + t[j];
        y[p * b + j] = v * std::min(1.0f, std::max(0.0f, v * (1.0f / 6) + 0.5f)) * keep[j];
      }
    return;
  }
  if (act == EW_ACT_SILU) {
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t j = 0; j < b; ++j) y[p * b + j] = silu_approx(x[p * b + j] * s[j] + t[j]) * keep[j];
    return;
  }
  for (int64_t p = 0; p < hw; ++p)
    for (int64_t j = 0; j < b; ++j) {
      const float r = activate_scalar(act, x[p * b + j] * s[j] + t[j], pa, pb);
      y[p * b + j] = keep[j] != 0.0f ? r : 0.0f;
    }
}

// One block plane of ew_nchwc_mul: by a same-shaped plane, or by one vector of b lanes.
EW_CLONES void mul_plane(int64_t hw, int64_t b, const float* x, const float* s, bool per_plane, float* y) {
  if (per_plane) {
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t j = 0; j < b; ++j) y[p * b + j] = x[p * b + j] * s[j];
  } else {
    for (int64_t i = 0; i < hw * b; ++i) y[i] = x[i] * s[i];
  }
}

// The mean of each lane over hw pixels of one block plane, in four partial sums per lane so that consecutive adds do
// not wait on each other (one chain per lane, in baseline code, made DenseNet's final pool over 256 x 56 x 56 90 us
// against ONNX Runtime's 31).
template <int B>
__attribute__((always_inline)) inline void lane_means(int64_t hw, const float* src, float* y) {
  float acc[4][B] = {};
  int64_t p = 0;
  for (; p + 4 <= hw; p += 4)
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < B; ++j) acc[k][j] += src[(p + k) * B + j];
  for (; p < hw; ++p)
    for (int j = 0; j < B; ++j) acc[0][j] += src[p * B + j];
  for (int j = 0; j < B; ++j) y[j] = ((acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j])) / static_cast<float>(hw);
}

EW_CLONES void global_average_plane(int64_t hw, int64_t b, const float* src, float* y) {
  if (b == 16) {
    lane_means<16>(hw, src, y);
  } else {
    lane_means<8>(hw, src, y);
  }
}

EW_CLONES void add_arrays(int64_t count, const float* a, const float* b, int relu, float* y) {
  if (relu) {
    for (int64_t i = 0; i < count; ++i) y[i] = std::max(a[i] + b[i], 0.0f);
  } else {
    for (int64_t i = 0; i < count; ++i) y[i] = a[i] + b[i];
  }
}

template <typename F>
int guarded(F&& body) noexcept {
  try {
    body();
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

}  // namespace
}  // namespace edgewise

using edgewise::ConvGeometry;

extern "C" int ew_nchwc_block() noexcept { return edgewise::nchwc_kernels().block; }

extern "C" const char* ew_nchwc_isa() noexcept { return edgewise::nchwc_kernels().isa; }

extern "C" int ew_nchwc_reorder(int to_blocked, int64_t n, int64_t c, int64_t hw, const float* x,
                                float* y) noexcept {
  using namespace edgewise;
  if (n < 0 || c < 0 || hw < 0 || x == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  return guarded([&] {
    const NchwcKernels& k = nchwc_kernels();
    const int64_t b = k.block;
    const int64_t cbs = blocks(c);
    parallel_for_work(n * cbs * b * hw, n * cbs, [&](int64_t job) {
      const int64_t cb = job % cbs;
      const int64_t img = job / cbs;
      const int64_t lanes = std::min(b, c - cb * b);
      const int64_t plain_offset = (img * c + cb * b) * hw;  // the block's first channel plane in NCHW
      const int64_t blocked_offset = job * hw * b;
      if (to_blocked) {
        k.reorder_plane(true, hw, lanes, x + plain_offset, y + blocked_offset);
      } else {
        k.reorder_plane(false, hw, lanes, x + blocked_offset, y + plain_offset);
      }
    });
  });
}

extern "C" int64_t ew_nchwc_conv_weights_size(const int64_t* geometry, int input_blocked) noexcept {
  using namespace edgewise;
  ConvGeometry g;
  if (!read_conv_geometry(geometry, &g) || !supported(g, input_blocked != 0)) return -1;
  return weights_size(g, input_blocked != 0);
}

extern "C" int ew_nchwc_conv_pack_weights(const int64_t* geometry, int input_blocked, const float* w,
                                          float* packed) noexcept {
  using namespace edgewise;
  ConvGeometry g;
  if (!read_conv_geometry(geometry, &g) || !supported(g, input_blocked != 0) || w == nullptr || packed == nullptr)
    return EW_INVALID_ARGUMENT;
  return guarded([&] { pack(g, input_blocked != 0, w, packed); });
}

extern "C" int ew_nchwc_conv2d(const int64_t* geometry, int input_blocked, int activation, float a, float b,
                               const float* x, const float* packed, const float* bias, const float* residual,
                               float* y) noexcept {
  using namespace edgewise;
  ConvGeometry g;
  if (!read_conv_geometry(geometry, &g) || !supported(g, input_blocked != 0) || x == nullptr || packed == nullptr ||
      y == nullptr)
    return EW_INVALID_ARGUMENT;
  if (!conv_activation(activation)) return EW_INVALID_ARGUMENT;
  return guarded([&] { conv(g, input_blocked != 0, activation, a, b, x, packed, bias, residual, y); });
}

extern "C" int ew_nchwc_pool2d(const int64_t* geometry, const float* x, float* y) noexcept {
  using namespace edgewise;
  if (geometry == nullptr || x == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  for (int i = 0; i < 16; ++i)
    if (geometry[i] < 0) return EW_INVALID_ARGUMENT;
  const int64_t* v = geometry;
  if (v[6] == 0 || v[7] == 0 || v[8] == 0 || v[9] == 0 || v[10] == 0 || v[11] == 0) return EW_INVALID_ARGUMENT;
  return guarded([&] {
    const NchwcKernels& k = nchwc_kernels();
    const int64_t planes = v[0] * blocks(v[1]);
    const int64_t in_plane = v[2] * v[3] * k.block, out_plane = v[4] * v[5] * k.block;
    parallel_for_work(planes * out_plane * v[6] * v[7], planes * v[4], [&](int64_t job) {
      const int64_t plane = job / v[4];
      const int64_t lanes = std::min<int64_t>(k.block, v[1] - (plane % blocks(v[1])) * k.block);
      const NchwcPoolArgs p{v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15],
                            v[16] != 0, v[17] != 0, lanes, x + plane * in_plane, y + plane * out_plane};
      k.pool_row(p, job % v[4]);
    });
  });
}

extern "C" int ew_nchwc_global_average_pool(int64_t n, int64_t c, int64_t hw, const float* x, float* y) noexcept {
  using namespace edgewise;
  if (n < 0 || c < 0 || hw <= 0 || x == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  return guarded([&] {
    const int64_t b = nchwc_kernels().block;
    const int64_t planes = n * blocks(c);
    parallel_for_work(planes * hw * b, planes,
                      [&](int64_t plane) { global_average_plane(hw, b, x + plane * hw * b, y + plane * b); });
  });
}

extern "C" int ew_nchwc_channel_affine(int64_t n, int64_t c, int64_t hw, const float* x, const float* scale,
                                       const float* bias, const float* mean, const float* var, float epsilon,
                                       int activation, float a, float b, float* y) noexcept {
  using namespace edgewise;
  if (n < 0 || c < 0 || hw < 0 || x == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  if (scale != nullptr && (bias == nullptr || mean == nullptr || var == nullptr)) return EW_INVALID_ARGUMENT;
  if (activation < EW_ACT_NONE || activation > EW_ACT_SILU) return EW_INVALID_ARGUMENT;
  return guarded([&] {
    const int64_t bl = nchwc_kernels().block;
    const int64_t cbs = blocks(c);
    parallel_for_work(n * cbs * bl * hw * (activation >= EW_ACT_SIGMOID ? 8 : 1), n * cbs, [&](int64_t plane) {
      const int64_t c0 = (plane % cbs) * bl;
      float s[16], t[16], keep[16];
      for (int64_t j = 0; j < bl; ++j) {
        const int64_t ch = c0 + j;
        keep[j] = ch < c ? 1.0f : 0.0f;
        if (ch >= c) {
          s[j] = 0.0f, t[j] = 0.0f;
        } else if (scale == nullptr) {
          s[j] = 1.0f, t[j] = 0.0f;
        } else {
          s[j] = scale[ch] / std::sqrt(var[ch] + epsilon);
          t[j] = bias[ch] - mean[ch] * s[j];
        }
      }
      affine_plane(hw, bl, s, t, keep, activation, a, b, x + plane * hw * bl, y + plane * hw * bl);
    });
  });
}

extern "C" int ew_nchwc_mul(int64_t planes, int64_t hw, const float* a, const float* b, int64_t b_hw,
                            float* y) noexcept {
  using namespace edgewise;
  if (planes < 0 || hw < 0 || a == nullptr || b == nullptr || y == nullptr || (b_hw != hw && b_hw != 1)) {
    return EW_INVALID_ARGUMENT;
  }
  return guarded([&] {
    const int64_t bl = nchwc_kernels().block;
    parallel_for_work(planes * hw * bl, planes, [&](int64_t plane) {
      mul_plane(hw, bl, a + plane * hw * bl, b + plane * b_hw * bl, b_hw == 1, y + plane * hw * bl);
    });
  });
}

extern "C" int ew_nchwc_add(int64_t count, const float* a, const float* b, int relu, float* y) noexcept {
  using namespace edgewise;
  if (count < 0 || a == nullptr || b == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  return guarded([&] {
    constexpr int64_t kChunk = 16384;
    parallel_for_work(count, (count + kChunk - 1) / kChunk, [&](int64_t job) {
      const int64_t lo = job * kChunk;
      add_arrays(std::min(kChunk, count - lo), a + lo, b + lo, relu, y + lo);
    });
  });
}

extern "C" int ew_nchwc_gather_channels(int64_t n, int64_t hw, int inputs, const int64_t* x, const int64_t* x_channels,
                                        int64_t c, const int64_t* sources, float* y) noexcept {
  using namespace edgewise;
  if (n < 0 || hw < 0 || c < 0 || inputs < 1 || x == nullptr || x_channels == nullptr || y == nullptr ||
      (c > 0 && sources == nullptr))
    return EW_INVALID_ARGUMENT;
  for (int i = 0; i < inputs; ++i)
    if (x[i] == 0 || x_channels[i] < 0) return EW_INVALID_ARGUMENT;
  for (int64_t j = 0; j < c; ++j) {
    const int64_t i = sources[2 * j], ch = sources[2 * j + 1];
    if (i < 0 || i >= inputs || ch < 0 || ch >= x_channels[i]) return EW_INVALID_ARGUMENT;
  }
  return guarded([&] {
    const NchwcKernels& k = nchwc_kernels();
    const int64_t b = k.block, cbs = blocks(c);
    parallel_for_work(n * cbs * b * hw, n * cbs, [&](int64_t job) {
      const int64_t img = job / cbs, ob = job % cbs;
      // group the block's lanes by the source block plane they come from (at most B groups)
      NchwcGatherGroup groups[16];
      int64_t group_input[16], group_block[16];
      int count = 0;
      for (int64_t l = 0; l < std::min(b, c - ob * b); ++l) {
        const int64_t i = sources[2 * (ob * b + l)], ch = sources[2 * (ob * b + l) + 1];
        int g = 0;
        while (g < count && !(group_input[g] == i && group_block[g] == ch / b)) ++g;
        if (g == count) {
          const float* plane = reinterpret_cast<const float*>(x[i]) + (img * blocks(x_channels[i]) + ch / b) * hw * b;
          groups[count] = NchwcGatherGroup{plane, {}, 0};
          group_input[count] = i, group_block[count] = ch / b;
          ++count;
        }
        groups[g].idx[l] = static_cast<int32_t>(ch % b);
        groups[g].mask |= 1u << l;
      }
      k.gather_plane(groups, count, hw, y + job * hw * b);
    });
  });
}
