// Register-blocked micro-kernels of the packed GEMM, one per instruction set. A kernel computes an MR x NR tile
// C += A_panel * B_panel over kc steps, where the panels are packed k-major (MR floats of A, then NR floats of B
// per step). Partial tiles go through a scratch tile, so kernels always write full tiles.
#ifndef EDGEWISE_SGEMM_KERNELS_H
#define EDGEWISE_SGEMM_KERNELS_H

#include <cstdint>

namespace edgewise {

using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc);

struct GemmConfig {
  int mr;
  int nr;
  MicroKernel kernel;
  const char* isa;
};

// The best configuration this CPU runs (chosen once, at first use).
const GemmConfig& gemm_config();

}  // namespace edgewise

#endif
