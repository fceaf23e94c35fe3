#!/usr/bin/env bash
# GFLOP/s of the OpenCL convolution kernels (naive, default tiles, tuned tiles) on the ResNet-18 layer shapes.
# Slow on PoCL (a compile per kernel variant, seconds each; cached afterwards): never part of the tests.
#   bench/run-opencl-conv.sh [--device opencl:0] [--runs 10] [--tune-budget 20] [--db FILE] [--shape KEYPART] [--verbose]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && mvn -q -B -DskipTests package)
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$root/build/pocl-cache}"
. "$root/scripts/jvm-signal-chaining.sh"
LD_PRELOAD="$edgewise_jvm_preload" exec java --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$root/bench/target/edgewise-bench.jar:$root/bench/target/lib/*" io.edgewise.bench.OpenClConvBench "$@"
