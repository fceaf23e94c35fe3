#!/usr/bin/env bash
# The opencl device's kernels at the shapes of the real models, under the Oclgrind simulator with its API checks
# (OCLGRIND_CHECK_API) and memory checks (out-of-bounds reads and writes; Oclgrind's default) and the host-side
# launch guard: each model runs whole in a session on Oclgrind's device (registered as the only OpenCL platform for
# this run through OCL_ICD_VENDORS) against the same model on ref. Fails on any mismatch and on any error Oclgrind
# reports.
#
# --quick: Oclgrind runs only the first and last work-group of every launch (OCLGRIND_QUICK; the last one is where a
# remainder tile reads or writes past its buffer), with its data-race check on as well (OCLGRIND_DATA_RACES; too
# slow for whole runs). Outputs are then incomplete, so they are not compared with ref: PoCL's whole runs (the
# conformance and soak tests) check the values. Not its uninitialised-value check: in quick mode the work-groups
# skipped in one launch leave the next launch's input unwritten, which that check reports (and Oclgrind 21.10's
# plugin stops at LLVM's `freeze` instruction, which our conv2d compiles to). This makes the real
# models' real shapes affordable: ResNet-18 and the detector at 640x640 take minutes instead of hours.
#
# Shapes (Oclgrind interprets every work-item, a few million operations a second, so the big ones are bounded):
# the PaddleOCR detector at 1x3x64x64 (every layer of the model, its strides, pads, groups and upsampling, at a
# small map; 640x640 would take hours), the recogniser at 1x3x48x96 (its real height), the classifier at its
# fixed 1x3x48x192, the digits CNNs at their real shapes; SqueezeNet 1.1, MobileNetV2 and ResNet-18 only with --full,
# at their fixed 224x224 (tens of minutes each; their graphs declare 224x224, so a smaller map is refused).
# Usage: scripts/opencl-oclgrind-models.sh [--quick] [--full] [MODEL.onnx[@NxCxHxW] ...]. Needs the opencl module built
# (mvn package -pl opencl -am). With models named (paths from the repository root), only those run, each at its
# shape or else at its declared input with dynamic dimensions as 1; e.g. the detector alone:
#   scripts/opencl-oclgrind-models.sh ../shared/testdata/ocr/ch_PP-OCRv4_det_infer.onnx@1x3x64x64
# (the whole list takes hours on a busy 2-core machine; a model at a time can be spread out).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
icd=/usr/lib/oclgrind/liboclgrind-rt-icd.so
[[ -f "$icd" ]] || { echo "opencl-oclgrind-models: $icd not found (apt-get install oclgrind)" >&2; exit 1; }
cd "$root"
work="$root/build/oclgrind-models"
mkdir -p "$work/vendors"
echo "$icd" > "$work/vendors/oclgrind.icd"
data="$root/../shared/testdata"
full=false
quick=()
if [[ "${1:-}" == "--quick" ]]; then
  quick=(OCLGRIND_QUICK=1 OCLGRIND_DATA_RACES=1)
  shift
fi
if [[ "${1:-}" == "--full" ]]; then
  full=true
  shift
fi
models=("$@")
if [[ ${#models[@]} -eq 0 ]]; then
  models=("$data/ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx@1x3x48x192"
    "$data/ocr/ch_PP-OCRv4_det_infer.onnx@1x3x64x64"
    "$data/ocr/ch_PP-OCRv4_rec_infer.onnx@1x3x48x96"
    "$data/models/digits_cnn_0to4/model.onnx" "$data/models/digits_cnn_0to9/model.onnx")
  if $full; then
    models+=("$data/models/squeezenet1_1/model.onnx" "$data/models/mobilenet_v2/model.onnx"
      "$data/models/resnet18/model.onnx")
  else
    echo "opencl-oclgrind-models: SqueezeNet, MobileNetV2 and ResNet-18 (224x224) run only with --full" >&2
  fi
fi
for m in "${models[@]}"; do
  [[ -f "${m%%@*}" ]] || { echo "opencl-oclgrind-models: ${m%%@*} not found" >&2; exit 2; }
done
cp="$(cat "$work/classpath" 2>/dev/null || true)"
if [[ -z "$cp" ]]; then
  # with the modules below opencl in the reactor (-am) and a lifecycle phase, so that edgewise-core resolves to its
  # target/classes: the modules are never installed into ~/.m2, where a bare -pl opencl would look for them
  mvn -B -ntp -q test-compile dependency:build-classpath -pl opencl -am -Dmdep.outputFile="$work/classpath" \
    -Dmdep.includeScope=test
  cp="$(cat "$work/classpath")"
fi
cp="opencl/target/test-classes:opencl/target/classes:$cp"
start=$(date +%s)
. "$(dirname "${BASH_SOURCE[0]}")/jvm-signal-chaining.sh"
set +e
quick_mode=$([[ ${#quick[@]} -gt 0 ]] && echo true || echo false)
env "${quick[@]}" LD_PRELOAD="$edgewise_jvm_preload" OCL_ICD_VENDORS="$work/vendors" OCLGRIND_CHECK_API=1 \
  POCL_CACHE_DIR="$work/pocl" java --add-opens java.base/java.nio=ALL-UNNAMED \
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dedgewise.opencl.cache="$work/binaries" \
  -Dedgewise.tuning.db="$work/no-tuning.json" -Dedgewise.opencl.checkLaunches=true -Dedgewise.oclgrind.quick="$quick_mode" -Xmx4g -cp "$cp" \
  io.edgewise.backend.opencl.KernelCheckMain models "${models[@]}" > "$work/stdout.txt" 2> "$work/stderr.txt"
rc=$?
set -e
cat "$work/stdout.txt"
echo "opencl-oclgrind-models: exit $rc, $(( $(date +%s) - start )) s"
# Oclgrind reports on stderr: any of these is a failure
if grep -E "Invalid (read|write)|Uninitialized|data race|Oclgrind - |error" "$work/stderr.txt" | head -20; then
  echo "opencl-oclgrind-models: Oclgrind reported errors (full log: $work/stderr.txt)" >&2
  exit 1
fi
grep -q "ALL OK" "$work/stdout.txt" && [[ $rc -eq 0 ]] || { tail -20 "$work/stderr.txt" >&2; exit 1; }
echo "opencl-oclgrind-models: ALL OK"
