#!/usr/bin/env bash
# Cross-compiles the native core and its tests for aarch64 (the portable kernels; no x86 intrinsics there) and,
# when qemu-aarch64 is installed, runs the tests under it. Needs g++-aarch64-linux-gnu (and qemu-user to run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
emulator=()
if command -v qemu-aarch64 >/dev/null 2>&1; then
  emulator=(-DCMAKE_CROSSCOMPILING_EMULATOR="qemu-aarch64;-L;/usr/aarch64-linux-gnu")
fi
cmake -S "$root" -B "$root/build/aarch64" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" \
  "${emulator[@]}" >/dev/null
cmake --build "$root/build/aarch64" --parallel
if [ ${#emulator[@]} -gt 0 ]; then
  ctest --test-dir "$root/build/aarch64" --output-on-failure
else
  echo "built for aarch64; install qemu-user to run the tests under emulation" >&2
fi
