#include "edgewise/edgewise.h"

#include <cstdio>

int main() {
  int failures = 0;
  const int64_t before = ew_allocated_bytes();
  intptr_t p = ew_aligned_alloc(1000);
  if (p == 0 || p % 64 != 0) { std::printf("FAIL alignment\n"); ++failures; }
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(p);
  for (int i = 0; i < 1000; ++i) if (bytes[i] != 0) { std::printf("FAIL not zeroed\n"); ++failures; break; }
  if (ew_allocated_bytes() != before + 1000) { std::printf("FAIL accounting\n"); ++failures; }
  ew_aligned_free(p);
  if (ew_allocated_bytes() != before) { std::printf("FAIL accounting after free\n"); ++failures; }
  if (ew_aligned_alloc(-1) != 0) { std::printf("FAIL negative size\n"); ++failures; }
  if (ew_aligned_alloc(INT64_MAX) != 0) { std::printf("FAIL huge size\n"); ++failures; }
  ew_aligned_free(0);
  intptr_t z = ew_aligned_alloc(0);
  ew_aligned_free(z);
  std::printf("%s\n", failures == 0 ? "memory: all passed" : "memory: FAILED");
  return failures;
}
