// ew_eltwise: a short program of float32 elementwise ops (Add, Sub, Mul, Div, Max, Min, Clip, Relu, ...) over
// operands that NumPy-broadcast to one output shape, in one pass: the shapes are collapsed to a few loops whose
// innermost run reads each operand contiguously, as one value (scalar, a per-channel constant in NCHW) or as a short
// vector repeated along the run (a per-channel constant over the blocked NCHWc layout, period B). The run is cut into
// tiles of at most kTile floats that stay in L1; each instruction reads and writes whole tiles, so a chain of eight
// ops (the PaddleOCR detector's scale, bias, hard-swish written out, scale, bias) reads its input and writes its
// output once instead of eight times.
//
// Each op rounds to float as the reference does (+, -, *, / in double rounded to float are the float ops exactly;
// this file is compiled without FMA contraction so that a Mul feeding an Add rounds in between). Max, Min, Clip and
// Relu let a NaN through, as Math.max/min do.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

#include "activation.h"
#include "edgewise/edgewise.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace {

constexpr int kMaxRank = 8;
constexpr int kMaxOperands = 16;
constexpr int kRegisters = 8;
constexpr int64_t kTile = 512;

// How an operand is read along the innermost run.
enum Mode { kVector = 0, kScalar = 1, kPeriodic = 2 };

struct Src {
  const float* p;  // kVector: the tile's values; kScalar: the value; kPeriodic: `period` values from the tile start
  int mode;
};

inline float fmax_nan(float a, float b) { return (a != a || a > b) ? a : b; }  // NaN wins, as Math.max
inline float fmin_nan(float a, float b) { return (a != a || a < b) ? a : b; }

template <int Op>
inline float binop(float a, float b) {
  if constexpr (Op == EW_ELT_ADD) return a + b;
  if constexpr (Op == EW_ELT_SUB) return a - b;
  if constexpr (Op == EW_ELT_MUL) return a * b;
  if constexpr (Op == EW_ELT_DIV) return a / b;
  if constexpr (Op == EW_ELT_MAX) return fmax_nan(a, b);
  if constexpr (Op == EW_ELT_MIN) return fmin_nan(a, b);
  return a;
}

// d[0, p) repeated over d[p, n), in copies that double in length (no copy overlaps its source)
inline void repeat(int64_t n, int64_t p, float* d) {
  for (int64_t have = p; have < n;) {
    const int64_t take = std::min(have, n - have);
    std::copy(d, d + take, d + have);
    have += take;
  }
}

template <int Op>
__attribute__((always_inline)) inline void binary_tile(int64_t n, int64_t period, Src a, Src b, float* d) {
  if (a.mode == kVector && b.mode == kVector) {
    for (int64_t i = 0; i < n; ++i) d[i] = binop<Op>(a.p[i], b.p[i]);
  } else if (a.mode == kVector && b.mode == kScalar) {
    const float s = *b.p;
    for (int64_t i = 0; i < n; ++i) d[i] = binop<Op>(a.p[i], s);
  } else if (a.mode == kScalar && b.mode == kVector) {
    const float s = *a.p;
    for (int64_t i = 0; i < n; ++i) d[i] = binop<Op>(s, b.p[i]);
  } else if (a.mode == kVector && b.mode == kPeriodic) {
    for (int64_t i = 0; i < n; i += period)
      for (int64_t j = 0; j < period; ++j) d[i + j] = binop<Op>(a.p[i + j], b.p[j]);
  } else if (a.mode == kPeriodic && b.mode == kVector) {
    for (int64_t i = 0; i < n; i += period)
      for (int64_t j = 0; j < period; ++j) d[i + j] = binop<Op>(a.p[j], b.p[i + j]);
  } else {
    // both broadcast along the run: the chain's first op on a per-plane vector and a constant (a squeeze-and-
    // excitation gate, x * 0.2 + 0.5, before it scales the whole tensor). The result repeats with the period: one
    // period is computed and copied along (an element-by-element i % period cost a division per element: 40% of
    // the PaddleOCR classifier's time)
    const int64_t p = std::min(n, a.mode == kScalar && b.mode == kScalar ? int64_t{1} : period);
    for (int64_t j = 0; j < p; ++j)
      d[j] = binop<Op>(a.mode == kScalar ? *a.p : a.p[j], b.mode == kScalar ? *b.p : b.p[j]);
    repeat(n, p, d);
  }
}

inline float unary(int op, float v, float a, float b) {
  switch (op) {
    case EW_ELT_CLIP: return fmin_nan(fmax_nan(v, a), b);
    case EW_ELT_RELU: return fmax_nan(v, 0.0f);
    case EW_ELT_LEAKY_RELU: return v < 0.0f ? a * v : v;
    case EW_ELT_SIGMOID: return edgewise::sigmoid_approx(v);
    case EW_ELT_HARD_SIGMOID: {
      const float t = a * v + b;
      return t != t ? t : std::min(1.0f, std::max(0.0f, t));
    }
    case EW_ELT_HARD_SWISH: {
      const float t = v * (1.0f / 6) + 0.5f;
      return t != t ? t : v * std::min(1.0f, std::max(0.0f, t));
    }
    case EW_ELT_SQRT: return std::sqrt(v);
    case EW_ELT_NEG: return -v;
    default: return v;
  }
}

template <int Op>
__attribute__((always_inline)) inline void unary_tile(int64_t n, int64_t period, Src a, float p0, float p1,
                                                      float* d) {
  if (a.mode == kVector) {
    for (int64_t i = 0; i < n; ++i) d[i] = unary(Op, a.p[i], p0, p1);
  } else {
    // a broadcast operand: one period computed, then copied along, as in binary_tile
    const int64_t p = std::min(n, a.mode == kScalar ? int64_t{1} : period);
    for (int64_t j = 0; j < p; ++j) d[j] = unary(Op, a.mode == kScalar ? *a.p : a.p[j], p0, p1);
    repeat(n, p, d);
  }
}

struct Program {
  int count;
  const int32_t* code;  // 4 per instruction: op, dst register, source a, source b (register r or kRegisters + k)
  const float* imm;     // 2 per instruction
};

// One tile of n outputs: every instruction over the tile, the last one writing y.
EW_CLONES void run_tile(const Program& prog, int64_t n, int64_t period, const Src* operands, float* regs,
                        float* y) {
  for (int i = 0; i < prog.count; ++i) {
    const int32_t* c = prog.code + 4 * i;
    const int op = c[0];
    float* d = i == prog.count - 1 ? y : regs + c[1] * kTile;
    auto src = [&](int32_t s) -> Src {
      return s < kRegisters ? Src{regs + s * kTile, kVector} : operands[s - kRegisters];
    };
    const Src a = src(c[2]);
    const float p0 = prog.imm[2 * i], p1 = prog.imm[2 * i + 1];
    switch (op) {
      case EW_ELT_ADD: binary_tile<EW_ELT_ADD>(n, period, a, src(c[3]), d); break;
      case EW_ELT_SUB: binary_tile<EW_ELT_SUB>(n, period, a, src(c[3]), d); break;
      case EW_ELT_MUL: binary_tile<EW_ELT_MUL>(n, period, a, src(c[3]), d); break;
      case EW_ELT_DIV: binary_tile<EW_ELT_DIV>(n, period, a, src(c[3]), d); break;
      case EW_ELT_MAX: binary_tile<EW_ELT_MAX>(n, period, a, src(c[3]), d); break;
      case EW_ELT_MIN: binary_tile<EW_ELT_MIN>(n, period, a, src(c[3]), d); break;
      case EW_ELT_CLIP: unary_tile<EW_ELT_CLIP>(n, period, a, p0, p1, d); break;
      case EW_ELT_RELU: unary_tile<EW_ELT_RELU>(n, period, a, p0, p1, d); break;
      case EW_ELT_LEAKY_RELU: unary_tile<EW_ELT_LEAKY_RELU>(n, period, a, p0, p1, d); break;
      case EW_ELT_SIGMOID: unary_tile<EW_ELT_SIGMOID>(n, period, a, p0, p1, d); break;
      case EW_ELT_HARD_SIGMOID: unary_tile<EW_ELT_HARD_SIGMOID>(n, period, a, p0, p1, d); break;
      case EW_ELT_HARD_SWISH: unary_tile<EW_ELT_HARD_SWISH>(n, period, a, p0, p1, d); break;
      case EW_ELT_SQRT: unary_tile<EW_ELT_SQRT>(n, period, a, p0, p1, d); break;
      case EW_ELT_NEG: unary_tile<EW_ELT_NEG>(n, period, a, p0, p1, d); break;
      default: break;
    }
  }
}

bool binary_op(int op) { return op >= EW_ELT_ADD && op <= EW_ELT_MIN; }

}  // namespace

extern "C" int ew_eltwise(int rank, const int64_t* dims, int operands, const int64_t* x, const int64_t* strides,
                          int instructions, const int32_t* code, const float* imm, float* y) noexcept {
  if (rank < 1 || rank > kMaxRank || operands < 0 || operands > kMaxOperands || instructions < 1 ||
      dims == nullptr || code == nullptr || imm == nullptr || y == nullptr || (operands > 0 && (x == nullptr ||
      strides == nullptr)))
    return EW_INVALID_ARGUMENT;
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) {
    if (dims[d] < 0) return EW_INVALID_ARGUMENT;
    total *= dims[d];
  }
  for (int k = 0; k < operands; ++k) {
    if (x[k] == 0) return EW_INVALID_ARGUMENT;
    for (int d = 0; d < rank; ++d)
      if (strides[k * rank + d] < 0) return EW_INVALID_ARGUMENT;
  }
  bool written[kRegisters] = {};
  for (int i = 0; i < instructions; ++i) {
    const int32_t* c = code + 4 * i;
    if (c[0] < EW_ELT_ADD || c[0] > EW_ELT_NEG || c[1] < 0 || c[1] >= kRegisters) return EW_INVALID_ARGUMENT;
    for (int s = 2; s < (binary_op(c[0]) ? 4 : 3); ++s) {
      if (c[s] < 0 || c[s] >= kRegisters + operands) return EW_INVALID_ARGUMENT;
      if (c[s] < kRegisters && !written[c[s]]) return EW_INVALID_ARGUMENT;  // a register read before it is written
    }
    written[c[1]] = true;
  }
  if (total == 0) return EW_OK;
  try {
    // collapse: drop unit dims, merge a dim into the next inner one where every operand steps through both alike
    int64_t cd[kMaxRank];
    int64_t cs[kMaxOperands][kMaxRank];
    int r = 0;
    for (int d = 0; d < rank; ++d) {
      if (dims[d] == 1) continue;
      bool merge = r > 0;
      for (int k = 0; k < operands && merge; ++k) {
        const int64_t outer = cs[k][r - 1], inner = strides[k * rank + d];
        merge = (outer == 0 && inner == 0) || (inner != 0 && outer == inner * dims[d]);
      }
      // row-major: the new dim d is inner to the collapsed dim r - 1
      if (merge) {
        for (int k = 0; k < operands; ++k) cs[k][r - 1] = strides[k * rank + d];
        cd[r - 1] *= dims[d];
      } else {
        for (int k = 0; k < operands; ++k) cs[k][r] = strides[k * rank + d];
        cd[r++] = dims[d];
      }
    }
    if (r == 0) {
      cd[r] = 1;
      for (int k = 0; k < operands; ++k) cs[k][r] = 0;
      r = 1;
    }
    // the innermost run: each operand contiguous (stride 1), one value (0), or strided (read through a gather)
    int64_t run = cd[r - 1];
    int64_t period = 1;
    int mode[kMaxOperands];
    bool gather = false;
    for (int k = 0; k < operands; ++k) {
      mode[k] = cs[k][r - 1] == 0 ? kScalar : cs[k][r - 1] == 1 ? kVector : -1;
      gather |= mode[k] < 0;
    }
    // a short run that some operand repeats along the next dim (a blocked per-channel constant): one periodic run
    if (!gather && r >= 2 && run <= 64) {
      bool ok = true, any = false;
      for (int k = 0; k < operands && ok; ++k) {
        const int64_t outer = cs[k][r - 2];
        if (mode[k] == kVector && outer == 0) {
          any = true;
        } else if (mode[k] == kVector) {
          ok = outer == run;
        } else {
          ok = outer == 0;
        }
      }
      if (ok && any) {
        period = run;
        for (int k = 0; k < operands; ++k)
          if (mode[k] == kVector && cs[k][r - 2] == 0) mode[k] = kPeriodic;
        cd[r - 2] *= run;
        for (int k = 0; k < operands; ++k) cs[k][r - 2] = mode[k] == kVector ? 1 : 0;
        --r;
        run = cd[r - 1];
      }
    }
    const int64_t tile = kTile / period * period;  // period <= 64
    const int64_t chunk = std::max<int64_t>(tile, (16384 / tile) * tile);
    const int64_t chunks = (run + chunk - 1) / chunk;
    const int64_t outer = total / run;
    const Program prog{instructions, code, imm};
    edgewise::parallel_for_work(total * instructions, outer * chunks, [&](int64_t job) {
      thread_local std::vector<float> scratch;
      if (scratch.empty()) scratch.resize((kRegisters + kMaxOperands) * kTile);
      float* regs = scratch.data();
      float* gathered = regs + kRegisters * kTile;
      const int64_t o = job / chunks, c0 = (job % chunks) * chunk;
      int64_t base[kMaxOperands] = {};
      int64_t rest = o;
      for (int d = r - 2; d >= 0; --d) {
        const int64_t i = rest % cd[d];
        rest /= cd[d];
        for (int k = 0; k < operands; ++k) base[k] += i * cs[k][d];
      }
      const int64_t end = std::min(run, c0 + chunk);
      float* out = y + o * run;
      Src src[kMaxOperands];
      for (int64_t t = c0; t < end; t += tile) {
        const int64_t n = std::min(tile, end - t);
        for (int k = 0; k < operands; ++k) {
          const float* p = reinterpret_cast<const float*>(x[k]) + base[k];
          if (mode[k] == kVector) {
            src[k] = {p + t, kVector};
          } else if (mode[k] == kScalar) {
            src[k] = {p, kScalar};
          } else if (mode[k] == kPeriodic) {
            src[k] = {p, kPeriodic};
          } else {
            float* g = gathered + k * kTile;
            const int64_t s = cs[k][r - 1];
            for (int64_t i = 0; i < n; ++i) g[i] = p[(t + i) * s];
            src[k] = {g, kVector};
          }
        }
        run_tile(prog, n, period, src, regs, out + t);
      }
    });
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int ew_nchwc_zero_padding(int64_t n, int64_t c, int64_t hw, float* y) noexcept {
  if (n < 0 || c < 0 || hw < 0 || y == nullptr) return EW_INVALID_ARGUMENT;
  const int64_t b = ew_nchwc_block(), cb = (c + b - 1) / b, used = c - (cb - 1) * b;
  if (c % b == 0) return EW_OK;
  for (int64_t img = 0; img < n; ++img) {
    float* plane = y + ((img * cb) + cb - 1) * hw * b;
    for (int64_t p = 0; p < hw; ++p) std::fill(plane + p * b + used, plane + (p + 1) * b, 0.0f);
  }
  return EW_OK;
}
