#include "edgewise/edgewise.h"

#include <atomic>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cstdlib>
#include <cstring>

namespace {
constexpr std::size_t kAlignment = 64;
// A header before each block remembers its size so that ew_allocated_bytes stays exact.
constexpr std::size_t kHeader = kAlignment;
std::atomic<int64_t> g_allocated{0};
std::atomic<int64_t> g_allocations{0};
}  // namespace

extern "C" intptr_t ew_aligned_alloc(int64_t bytes) noexcept {
  if (bytes < 0) return 0;
  std::size_t payload = static_cast<std::size_t>(bytes);
  std::size_t rounded = (payload + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded < payload || rounded > SIZE_MAX - kHeader) return 0;
  void* block = std::aligned_alloc(kAlignment, rounded + kHeader);
  if (block == nullptr) return 0;
  std::memset(block, 0, rounded + kHeader);
  *static_cast<int64_t*>(block) = bytes;
  g_allocated.fetch_add(bytes, std::memory_order_relaxed);
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return reinterpret_cast<intptr_t>(static_cast<char*>(block) + kHeader);
}

extern "C" void ew_aligned_free(intptr_t address) noexcept {
  if (address == 0) return;
  char* block = reinterpret_cast<char*>(address) - kHeader;
  g_allocated.fetch_sub(*reinterpret_cast<int64_t*>(block), std::memory_order_relaxed);
  std::free(block);
}

extern "C" int64_t ew_allocation_count() noexcept { return g_allocations.load(std::memory_order_relaxed); }

extern "C" void ew_zero(intptr_t address, int64_t bytes) noexcept {
  if (address != 0 && bytes > 0) std::memset(reinterpret_cast<void*>(address), 0, static_cast<size_t>(bytes));
}

extern "C" int64_t ew_allocated_bytes() noexcept { return g_allocated.load(std::memory_order_relaxed); }

extern "C" int64_t ew_malloc_in_use_bytes() noexcept {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 info = mallinfo2();
  return static_cast<int64_t>(info.uordblks + info.hblkhd);
#else
  return -1;
#endif
}
