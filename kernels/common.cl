// Shared by every Edgewise OpenCL program (prepended by the host): the fused activations. The codes are those of
// io.edgewise.backend.Activation and of EW_ACT_* in edgewise.h (ActivationTableTest fails where they differ):
// 0 none, 1 Relu, 2 Clip(a=min, b=max), 3 LeakyRelu(a), 4 HardSwish, 5 Sigmoid, 6 Tanh, 7 HardSigmoid(a=alpha,
// b=beta), 8 SiLU (v * sigmoid(v)).
#define ACT_NONE 0
#define ACT_RELU 1
#define ACT_CLIP 2
#define ACT_LEAKY_RELU 3
#define ACT_HARD_SWISH 4
#define ACT_SIGMOID 5
#define ACT_TANH 6
#define ACT_HARD_SIGMOID 7
#define ACT_SILU 8

inline float activate(float v, int act, float a, float b) {
  switch (act) {
    // comparisons, not fmax/fmin, so that NaN propagates as ONNX Runtime's does; Clip with min > max gives max
    case ACT_RELU: return v < 0.0f ? 0.0f : v;
    case ACT_CLIP: {
      const float r = v < a ? a : v;
      return r > b ? b : r;
    }
    case ACT_LEAKY_RELU: return v < 0.0f ? a * v : v;
    case ACT_HARD_SWISH: return v * fmin(fmax(v / 6.0f + 0.5f, 0.0f), 1.0f);
    case ACT_SIGMOID: return 1.0f / (1.0f + exp(-v));
    case ACT_TANH: return tanh(v);
    case ACT_HARD_SIGMOID: return fmin(fmax(a * v + b, 0.0f), 1.0f);
    case ACT_SILU: return v / (1.0f + exp(-v));
    default: return v;
  }
}

// Weights may be stored as fp16 (W_HALF=1): half the memory traffic, converted to fp32 on load. vload_half is
// core OpenCL, so this needs no cl_khr_fp16.
#if defined(W_HALF) && W_HALF
typedef half wtype;
#define LOAD_W(p, i) vload_half((i), (p))
#else
typedef float wtype;
#define LOAD_W(p, i) ((p)[i])
#endif

// Epilogue flags
#define HAS_BIAS 1
#define HAS_RESIDUAL 2
