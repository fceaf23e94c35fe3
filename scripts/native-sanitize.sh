#!/usr/bin/env bash
# Builds native/ with AddressSanitizer + UndefinedBehaviorSanitizer and runs its ctest suite, then the thread
# pool test under ThreadSanitizer.
# allocator_may_return_null: the tests check that impossible allocations return null instead of aborting.
# (valgrind cannot run the AVX-512 kernels on these machines; the sanitizers can.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$root" -B "$root/build/sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEWISE_SANITIZE=ON >/dev/null
# as many compile jobs as cores (a bare --parallel starts one per source file: ~20 sanitized compilers at once)
cmake --build "$root/build/sanitize" --parallel "${EDGEWISE_BUILD_JOBS:-$(nproc)}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build/sanitize" --output-on-failure

# ThreadSanitizer on the thread pool under churn (its own build: TSan cannot be combined with ASan)
"${CXX:-g++}" -std=c++17 -O1 -g -fsanitize=thread -I"$root/native/include" "$root/native/tests/test_thread_pool.cpp" \
  "$root/native/src/thread_pool.cpp" -o "$root/build/sanitize/test_thread_pool_tsan" -lpthread
TSAN_OPTIONS=halt_on_error=1 "$root/build/sanitize/test_thread_pool_tsan"
