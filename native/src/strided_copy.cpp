// Strided copies of tensors (Transpose on the cpu device): rows of the output read with a stride from the input.
#include <algorithm>
#include <cstdint>
#include <new>

#include "edgewise/edgewise.h"
#include "thread_pool.h"

extern "C" int ew_strided_copy32(int rank, const int64_t* dims, const int64_t* strides, const void* x,
                                 void* y) noexcept {
  if (rank < 1 || rank > 8 || dims == nullptr || strides == nullptr || x == nullptr || y == nullptr) {
    return EW_INVALID_ARGUMENT;
  }
  int64_t rows = 1;
  for (int d = 0; d < rank; ++d) {
    if (dims[d] < 0) return EW_INVALID_ARGUMENT;
    if (d < rank - 1) rows *= dims[d];
  }
  const int64_t inner = dims[rank - 1], inner_stride = strides[rank - 1];
  const auto* src = static_cast<const uint32_t*>(x);
  auto* dst = static_cast<uint32_t*>(y);
  try {
    constexpr int64_t kRowsPerTask = 64;
    edgewise::parallel_for_work(rows * inner, (rows + kRowsPerTask - 1) / kRowsPerTask, [&](int64_t task) {
      const int64_t r0 = task * kRowsPerTask, r1 = std::min(rows, r0 + kRowsPerTask);
      // the first row's outer index and source offset by division, the next rows' by counting up: a division per
      // row and axis cost more than short rows do (NCHW -> NHWC of a 3-channel image: 3-element rows)
      int64_t index[8] = {};
      int64_t base = 0, rest = r0;
      for (int d = rank - 2; d >= 0; --d) {
        index[d] = rest % dims[d];
        base += index[d] * strides[d];
        rest /= dims[d];
      }
      for (int64_t row = r0; row < r1; ++row) {
        uint32_t* out = dst + row * inner;
        for (int64_t k = 0; k < inner; ++k) out[k] = src[base + k * inner_stride];
        for (int d = rank - 2; d >= 0; --d) {  // the next row: the last outer axis counts up, carrying
          base += strides[d];
          if (++index[d] < dims[d]) break;
          base -= dims[d] * strides[d];
          index[d] = 0;
        }
      }
    });
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int ew_concat32(int inputs, int64_t outer, const int64_t* x, const int64_t* widths, void* y) noexcept {
  if (inputs < 0 || outer < 0 || y == nullptr || (inputs > 0 && (x == nullptr || widths == nullptr))) {
    return EW_INVALID_ARGUMENT;
  }
  int64_t total = 0;
  for (int i = 0; i < inputs; ++i) {
    if (widths[i] < 0 || (x[i] == 0 && widths[i] > 0 && outer > 0)) return EW_INVALID_ARGUMENT;
    total += widths[i];
  }
  auto* dst = static_cast<uint32_t*>(y);
  try {
    // one task per output row (all of its inputs' pieces), so a row is written by one thread
    edgewise::parallel_for_work(outer * total / 4, outer, [&](int64_t o) {
      uint32_t* out = dst + o * total;
      for (int i = 0; i < inputs; ++i) {
        const auto* src = reinterpret_cast<const uint32_t*>(static_cast<intptr_t>(x[i])) + o * widths[i];
        std::copy(src, src + widths[i], out);
        out += widths[i];
      }
    });
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}
