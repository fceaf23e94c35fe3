#!/usr/bin/env bash
# Scale check of on-device fine-tuning: an ImageNet-size model from ../shared/testdata/models tuned at batch 8 on the
# cpu device, JVM heap capped at 2 GiB; by default ResNet-18's last residual stage (layer4 and fc; everything up to
# layer3's last Relu frozen). Prints the run's JSON
# (samples/s and seconds measured, one process) and GNU time's maximum resident set size (heap + native + code).
# Data: real digits (../shared/testdata/digits) upscaled to 3x224x224 by nearest neighbour, 10 classes, 96 train and
# 32 test samples. The shared models' weights are random (their meta.json), so the accuracy means nothing here: this
# run measures memory and speed only.
# Usage: bench/finetune-scale.sh [EPOCHS] [THREADS] [MODEL] [FREEZE_UNTIL]   (needs python3 with numpy)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
epochs="${1:-2}"
threads="${2:-0}"
model="${3:-resnet18}"
freeze="${4:-/layer3/layer3.1/relu_1/Relu}"
shared="$root/../shared/testdata"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$shared/digits" "$work/data" <<'PY'
import json, os, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
x = np.fromfile(os.path.join(src, "digits_x.f32"), dtype="<f4").reshape(-1, 8, 8)
y = np.fromfile(os.path.join(src, "digits_y.u8"), dtype=np.uint8)
split = json.load(open(os.path.join(src, "split_seed0.json")))
rows = split["train"][:96] + split["test"][:32]
big = np.repeat(np.repeat(x[rows], 28, axis=1), 28, axis=2)          # 8x8 -> 224x224
big = np.repeat(big[:, None, :, :], 3, axis=1).astype("<f4")          # 3 channels
big.tofile(os.path.join(dst, "digits224_x.f32"))
y[rows].tofile(os.path.join(dst, "digits224_y.u8"))
json.dump({"train": list(range(96)), "test": list(range(96, 128))}, open(os.path.join(dst, "split.json"), "w"))
PY
EDGEWISE_JAVA_OPTS="-Xmx2g ${EDGEWISE_JAVA_OPTS:-}" /usr/bin/time -v "$root/edgewise" finetune "$shared/models/$model" \
  --data "$work/data" --split "$work/data/split.json" --replace-head 10 \
  --freeze-until "$freeze" --epochs "$epochs" --batch 8 --lr 0.01 --momentum 0.9 \
  --device cpu --threads "$threads" --out "$work/tuned.onnx" --json 2>"$work/time.txt"
grep -E "Maximum resident set size|Elapsed \(wall" "$work/time.txt" | sed 's/^\s*/measured: /'
