#!/usr/bin/env bash
# cpu against ONNX Runtime, in one `edgewise bench` run, on generated models of networks not in ../shared (random
# weights): small models of their layer patterns (PatternModels: DenseNet, EfficientNet, ShuffleNet, MobileNetV3,
# GoogLeNet, ResNeXt) and whole networks laid out as torchvision exports them (NetworkModels: ShuffleNetV2 x1.0,
# ResNet-50, Inception v3, AlexNet, EfficientNet-B0, MobileNetV3-Large in two export styles, DenseNet-121, MnasNet 0.5).
#   bench/run-generated-models.sh [OUT_DIR] [bench options...]   (default OUT_DIR: build/generated-models)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/build/generated-models}"
shift || true
(cd "$root" && mvn -q -B -o -DskipTests package 2>/dev/null || mvn -q -B -DskipTests package)
for generator in PatternModels NetworkModels; do
  java -cp "$root/bench/target/edgewise-bench.jar:$root/bench/target/lib/*" "io.edgewise.bench.$generator" "$out"
done
exec "$root/edgewise" bench "$out"/* --devices cpu,ort --threads 1,2 --runs 50 "$@"
