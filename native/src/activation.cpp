// ew_apply_activation: the EW_ACT_* activations elementwise over a plain float array (a standalone Relu, Sigmoid, ... that
// no convolution or blocked op took). Comparisons are written so that a NaN comes out NaN, as the reference does.
#include <cmath>
#include <new>

#include "activation.h"
#include "edgewise/edgewise.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace {

EW_CLONES void activation_run(int64_t count, int act, float a, float b, const float* x, float* y) {
  switch (act) {
    case EW_ACT_RELU:
      for (int64_t i = 0; i < count; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
      return;
    case EW_ACT_LEAKY_RELU:
      for (int64_t i = 0; i < count; ++i) y[i] = x[i] < 0.0f ? a * x[i] : x[i];
      return;
    case EW_ACT_CLIP:
      for (int64_t i = 0; i < count; ++i) {
        const float r = x[i] < a ? a : x[i];
        y[i] = r > b ? b : r;  // min > max gives max, as ONNX Runtime's
      }
      return;
    case EW_ACT_HARD_SIGMOID:
      for (int64_t i = 0; i < count; ++i) {
        const float t = a * x[i] + b;
        y[i] = t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
      }
      return;
    case EW_ACT_HARD_SWISH:
      for (int64_t i = 0; i < count; ++i) {
        const float t = x[i] * (1.0f / 6) + 0.5f;
        y[i] = x[i] * (t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t));
      }
      return;
    case EW_ACT_SIGMOID:
      for (int64_t i = 0; i < count; ++i) y[i] = edgewise::sigmoid_approx(x[i]);
      return;
    case EW_ACT_SILU:
      for (int64_t i = 0; i < count; ++i) y[i] = edgewise::silu_approx(x[i]);
      return;
    default:
      for (int64_t i = 0; i < count; ++i) y[i] = edgewise::activate_scalar(act, x[i], a, b);
  }
}

}  // namespace

extern "C" int ew_apply_activation(int64_t count, int activation, float a, float b, const float* x, float* y) noexcept {
  if (count < 0 || (count > 0 && (x == nullptr || y == nullptr))) return EW_INVALID_ARGUMENT;
  if (activation < EW_ACT_NONE || activation > EW_ACT_SILU) return EW_INVALID_ARGUMENT;
  try {
    constexpr int64_t kChunk = 16384;  // floats per task: 64 KB
    const int64_t chunks = (count + kChunk - 1) / kChunk;
    edgewise::parallel_for_work(count * (activation >= EW_ACT_SIGMOID ? 8 : 1), chunks, [&](int64_t c) {
      const int64_t begin = c * kChunk;
      const int64_t n = count - begin < kChunk ? count - begin : kChunk;
      activation_run(n, activation, a, b, x + begin, y + begin);
    });
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}
