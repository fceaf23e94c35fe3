#!/usr/bin/env bash
# Runs ONNX's node test suite (onnx/backend/test/data/node of an onnx/onnx checkout, e.g. tag v1.22.0) through
# `edgewise conformance` on cpu, ort and ref, and prints passed/failed/skipped for each plus the tests ONNX Runtime
# passes and cpu does not. Slow (minutes to hours on a small machine): a script to run by hand, not a CI test.
#
#   scripts/onnx-node-suite.sh DIR [--out OUTDIR] [--filter REGEX] [--devices "cpu ort ref"]
#
#   DIR        the node test directory (holding test_*/model.onnx)
#   --out      where the per-device logs go (default: a new directory under /tmp); rerunning with the same OUTDIR
#              reuses the logs of devices already complete there (delete them to rerun)
#   --filter   run only the tests whose directory name matches this extended regex (e.g. '^test_(einsum|trilu)')
#   --devices  the devices to run (default "cpu ort ref"); the comparison needs cpu and ort
#
# EDGEWISE (environment) is the command to run, by default this checkout's ./edgewise launcher.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
edgewise="${EDGEWISE:-$root/edgewise}"

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
dir="$1"; shift
out=""; filter=""; devices="cpu ort ref"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --filter) filter="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -d "$dir" ] || { echo "onnx-node-suite: $dir is not a directory" >&2; exit 2; }
dir="$(cd "$dir" && pwd)"
[ -n "$out" ] || out="$(mktemp -d /tmp/onnx-node-suite.XXXXXX)"
mkdir -p "$out"

# The tests to run: the whole directory, or the test directories the filter selects, each passed to conformance
# (it searches the directories it is given; it does not follow symbolic links)
tests=("$dir")
if [ -n "$filter" ]; then
  tests=()
  for t in "$dir"/test_*/; do
    name="$(basename "$t")"
    if [[ "$name" =~ $filter ]]; then tests+=("${t%/}"); fi
  done
  [ ${#tests[@]} -gt 0 ] || { echo "onnx-node-suite: no test under $dir matches /$filter/" >&2; exit 2; }
fi
total=0
for t in "${tests[@]}"; do total=$((total + $(find "$t" -maxdepth 2 -name model.onnx | wc -l))); done
echo "onnx-node-suite: $total tests under $dir${filter:+ matching /$filter/}; logs in $out" >&2

for device in $devices; do
  log="$out/$device.log"
  if [ -f "$log" ] && grep -qE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log"; then
    echo "onnx-node-suite: $device: reusing $log" >&2
    continue
  fi
  echo "onnx-node-suite: $device: running ($(date +%T))" >&2
  # conformance exits non-zero when a test fails; the counts below are the result
  "$edgewise" conformance "${tests[@]}" --device "$device" > "$log" 2> "$out/$device.err" || true
done

passes() { grep -E '^PASS ' "$1" | awk '{print $2}' | sort -u; }
echo
printf '%-6s %7s %7s %8s\n' device passed failed skipped
for device in $devices; do
  log="$out/$device.log"
  p=$(grep -cE '^PASS ' "$log" || true); f=$(grep -cE '^FAIL ' "$log" || true); s=$(grep -cE '^SKIP ' "$log" || true)
  done_line=$(grep -cE '^[0-9]+ passed, ' "$log" || true)
  printf '%-6s %7s %7s %8s%s\n' "$device" "$p" "$f" "$s" "$([ "$done_line" -gt 0 ] || echo '  (incomplete run: see '"$out/$device.err"')')"
done
if [[ " $devices " == *" cpu "* && " $devices " == *" ort "* ]]; then
  passes "$out/ort.log" > "$out/ort.passed"
  passes "$out/cpu.log" > "$out/cpu.passed"
  comm -23 "$out/ort.passed" "$out/cpu.passed" > "$out/ort-not-cpu.txt"
  echo
  echo "tests ort passes and cpu does not: $(wc -l < "$out/ort-not-cpu.txt")"
  while read -r t; do
    reason="$(grep -E "^(FAIL|SKIP) $t:" "$out/cpu.log" | head -1 | cut -c1-200)"
    echo "  ${reason:-$t (no result on cpu)}"
  done < "$out/ort-not-cpu.txt"
fi
