#!/usr/bin/env bash
# Builds native/ with AddressSanitizer + UndefinedBehaviorSanitizer and runs its ctest suite.
# allocator_may_return_null: the tests check that impossible allocations return null instead of aborting.
# (valgrind cannot run the AVX-512 kernels on these machines; the sanitizers can.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$root" -B "$root/build/sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEWISE_SANITIZE=ON >/dev/null
cmake --build "$root/build/sanitize" --parallel
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build/sanitize" --output-on-failure
