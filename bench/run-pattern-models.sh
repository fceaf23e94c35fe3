#!/usr/bin/env bash
# cpu against ONNX Runtime on models built from the layer patterns of networks not in ../shared (DenseNet, EfficientNet,
# ShuffleNet, MobileNetV3, GoogLeNet, ResNeXt; random weights, see PatternModels), in one `edgewise bench` run.
#   bench/run-pattern-models.sh [OUT_DIR] [bench options...]   (default OUT_DIR: build/pattern-models)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/build/pattern-models}"
shift || true
(cd "$root" && mvn -q -B -o -DskipTests package 2>/dev/null || mvn -q -B -DskipTests package)
java -cp "$root/bench/target/edgewise-bench.jar:$root/bench/target/lib/*" io.edgewise.bench.PatternModels "$out"
exec "$root/edgewise" bench "$out"/* --devices cpu,ort --threads 1,2 --runs 50 "$@"
