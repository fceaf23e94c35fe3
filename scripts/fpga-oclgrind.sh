#!/usr/bin/env bash
# The fpga device on its second emulation target, Oclgrind (an OpenCL simulator that reports itself as an
# ACCELERATOR; it checks every memory access, and is slow: small shapes only). Debian's oclgrind package does not
# register its ICD, so this registers it for this run through a vendors directory (OCL_ICD_VENDORS), builds the
# emulation image for Oclgrind, and runs the convolution and Gemm node tests and the digits model on fpga.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
icd=/usr/lib/oclgrind/liboclgrind-rt-icd.so
if [[ ! -f "$icd" ]]; then
  echo "fpga-oclgrind: $icd not found (apt-get install oclgrind)" >&2
  exit 1
fi
vendors="$root/build/ocl-vendors"
mkdir -p "$vendors"
cp /etc/OpenCL/vendors/*.icd "$vendors/" 2>/dev/null || true
echo "$icd" > "$vendors/oclgrind.icd"
export OCL_ICD_VENDORS="$vendors" EDGEWISE_FPGA_EMULATION=oclgrind
export EDGEWISE_FPGA_IMAGE="$root/build/bitstreams/tiled-conv-oclgrind"
cd "$root"
./edgewise bitstream build bitstreams/tiled-conv-emu/manifest.json --target emu --out "$EDGEWISE_FPGA_IMAGE"
data="$root/../shared/testdata"
tests=()
for d in "$data"/onnx-node/test_basic_conv_* "$data"/onnx-node/test_conv_with_* "$data"/onnx-node/test_gemm_*; do
  [[ -d "$d" ]] && tests+=("$d")
done
./edgewise conformance "${tests[@]}" "$data/models/digits_cnn_0to9" --device fpga
