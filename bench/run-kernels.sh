#!/usr/bin/env bash
# Per-kernel JMH benchmark of the native convolution on ResNet-18 and MobileNetV2 shapes (inference), and of its
# training passes (forward, input gradient, weight gradient) on ResNet-18's 3x3 shapes, in GFLOP/s and as a
# fraction of the FMA peak measured in the same run. Slow (minutes): never part of the tests.
#   bench/run-kernels.sh                      every shape, 1 and 2 threads
#   bench/run-kernels.sh 'convBiasRelu'       a JMH include pattern
#   bench/run-kernels.sh 'ConvTrainingBench'  the training passes only
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && mvn -q -B -DskipTests package)
exec java --add-opens java.base/java.nio=ALL-UNNAMED \
  -cp "$root/bench/target/edgewise-bench.jar:$root/bench/target/lib/*" io.edgewise.bench.KernelBenchMain "$@"
