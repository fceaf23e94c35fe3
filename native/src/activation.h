// The fused activations (EW_ACT_*) one value at a time, shared by every epilogue that is not written over whole
// vectors: the NCHW convolution, the FPGA output unpacking and the tails of the blocked channel ops. The NCHWc
// convolution epilogues compute the same functions on whole vectors (nchwc_kernels.inl).
#ifndef EDGEWISE_ACTIVATION_H
#define EDGEWISE_ACTIVATION_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "edgewise/edgewise.h"

namespace edgewise {

// The codes a convolution's epilogue applies (HardSigmoid is the blocked channel op's only).
inline bool conv_activation(int act) {
  return (act >= EW_ACT_NONE && act <= EW_ACT_TANH) || act == EW_ACT_SILU;
}

// e^-v for 1 / (1 + e^-v), in plain arithmetic the compiler vectorizes (std::exp is a call per element: SiLU
// layers ran 15x slower than ONNX Runtime's). e^-v = 2^n e^r with n = round(-v / ln 2), |r| <= ln 2 / 2, and
// Cephes' degree-6 polynomial for e^r (relative error ~1e-7); 2^n is built in the exponent bits. -v is clamped to
// [-87, 88] so that 2^n stays a normal float; a NaN goes through as 0 (no float -> int of a NaN): the callers
// return it unchanged.
inline float exp_neg_approx(float v) {
  const float x = v == v ? std::min(std::max(-v, -87.0f), 88.0f) : 0.0f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer
  const float n = (x * 1.44269504088896341f + kRound) - kRound;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid_approx(float v) { return v == v ? 1.0f / (1.0f + exp_neg_approx(v)) : v; }

// x * sigmoid(x) as x / (1 + e^-x): a NaN stays NaN, -inf gives -inf (x * sigmoid(x) in floats gives -inf * 0)
inline float silu_approx(float v) { return v == v ? v / (1.0f + exp_neg_approx(v)) : v; }

inline float activate_scalar(int act, float v, float a, float b) {
  switch (act) {
    case EW_ACT_RELU: return v > 0 ? v : 0;
    case EW_ACT_CLIP: return std::min(std::max(v, a), b);
    case EW_ACT_LEAKY_RELU: return v >= 0 ? v : a * v;
    case EW_ACT_HARD_SWISH: return v * std::min(1.0f, std::max(0.0f, v / 6 + 0.5f));
    case EW_ACT_SIGMOID: return sigmoid_approx(v);
    case EW_ACT_TANH: return std::tanh(v);
    case EW_ACT_HARD_SIGMOID: return std::min(1.0f, std::max(0.0f, a * v + b));
    case EW_ACT_SILU: return silu_approx(v);
    default: return v;
  }
}

}  // namespace edgewise

#endif
