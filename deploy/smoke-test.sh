#!/usr/bin/env bash
# Runs the image that deploy/build-image.sh built, with runc (an OCI runtime from Debian), the way KServe runs it:
# the model repository bind-mounted read-only at /mnt/models, a read-only root filesystem with a tmpfs /tmp, uid 1000.
# Then, on loopback: /v2/health/live and /v2/health/ready answer 200; one inference of the shared digits model
# (digits_cnn_0to9, as model "digits" version 1) on the first test sample returns PyTorch's logits within the
# testdata README's float32 bound (1e-4 x max|logit|) and its label's class; the answer without the token is 401;
# the metrics port answers without a token and counts that inference. SIGTERM then stops the server gracefully.
#
# The container shares the host's network namespace (runc's default spec gives it a network namespace of its own,
# with only a loopback interface nobody outside can reach; with no CNI plugin here, the host's is what works).
#
# Usage (as root): bash deploy/smoke-test.sh   Ports: SMOKE_PORT (18080), SMOKE_METRICS_PORT (18002).
# OCI_RUNTIME=crun (or another runc-compatible runtime) runs it with that instead of runc.
# Ends with "N passed, N failed"; exits non-zero when a check failed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${EDGEWISE_IMAGE_DIR:-$root/build/image}"
tag="${EDGEWISE_IMAGE_TAG:-0.1.0}"
port="${SMOKE_PORT:-18080}"
mport="${SMOKE_METRICS_PORT:-18002}"
rt="${OCI_RUNTIME:-runc}"
testdata="$root/../shared/testdata"

say() { printf 'smoke-test: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (runc without a user namespace needs it)"
for tool in "$rt" umoci jq curl od awk; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install runc umoci jq curl)"
done
[ -f "$out/oci/index.json" ] || die "no image at $out/oci: run deploy/build-image.sh first"
[ -d "$testdata/models/digits_cnn_0to9" ] || die "no $testdata/models/digits_cnn_0to9 (the shared test data)"

work="$(mktemp -d /tmp/edgewise-smoke.XXXXXX)"
id="edgewise-smoke-$$"
cleanup() {
  "$rt" kill "$id" KILL >/dev/null 2>&1 || true
  "$rt" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() {  # check NAME CONDITION-EXIT-STATUS DETAIL
  if [ "$2" = 0 ]; then
    passed=$((passed + 1)); say "ok    $1"
  else
    failed=$((failed + 1)); say "FAIL  $1: $3"
  fi
}

# the repository and the token, readable by the container's uid 1000
mkdir -p "$work/models/digits/1"
cp "$testdata/models/digits_cnn_0to9/model.onnx" "$work/models/digits/1/model.onnx"
token="$(od -An -N 24 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$token" >"$work/tokens"
chmod -R a+rX "$work/models"
chmod 0644 "$work/tokens"
chmod 0755 "$work"

umoci unpack --image "$out/oci:$tag" "$work/bundle" >/dev/null
jq --arg models "$work/models" --arg tokens "$work/tokens" --arg port "$port" --arg mport "$mport" '
  .process.terminal = false
  | .process.args = ["/opt/edgewise/bin/edgewise", "serve", "--models=/mnt/models", "--port=" + $port,
      "--metrics-port=" + $mport, "--token-file=/etc/edgewise/tokens", "--device=cpu"]
  | .root.readonly = true
  | .linux.namespaces |= map(select(.type != "network"))
  | .mounts += [
      {"destination": "/mnt/models", "type": "bind", "source": $models, "options": ["rbind", "ro"]},
      {"destination": "/etc/edgewise/tokens", "type": "bind", "source": $tokens, "options": ["bind", "ro"]},
      {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777", "size=512m"]}]
' "$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"

say "$rt run $id (image $out/oci:$tag, port $port, metrics $mport)"
if ! "$rt" run --detach --bundle "$work/bundle" "$id" >"$work/server.log" 2>&1 </dev/null; then
  check "$rt run" 1 "$(tail -5 "$work/server.log")"
  echo "$passed passed, $failed failed"
  exit 1
fi

# ready within 3 minutes (the JVM starts and the model loads; a busy 2-core machine is slow)
ready=""
for _ in $(seq 1 180); do
  ready="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/health/ready" || true)"
  [ "$ready" = 200 ] && break
  state="$("$rt" state "$id" 2>/dev/null | jq -r .status || echo gone)"
  [ "$state" = running ] || break
  sleep 1
done
check "GET /v2/health/ready is 200" "$([ "$ready" = 200 ]; echo $?)" "got '$ready'; server log: $(tail -5 "$work/server.log")"
live="$(curl -s "http://127.0.0.1:$port/v2/health/live" || true)"
check "GET /v2/health/live is {\"live\":true}" "$([ "$live" = '{"live":true}' ]; echo $?)" "got '$live'"

# the first test sample of the digits split: its 64 pixels (digits_x.f32, float32 LE) and PyTorch's logits (row 0
# of test_logits.f32, rows in ascending test index)
idx="$(jq '.test | min' "$testdata/digits/split_seed0.json")"
label="$(od -An -tu1 -j "$idx" -N 1 "$testdata/digits/digits_y.u8" | tr -d ' ')"
pixels="$(od -An -v -tf4 -w256 -j $((idx * 256)) -N 256 "$testdata/digits/digits_x.f32" | awk '{$1=$1; gsub(/ /, ","); print}')"
expected="$(od -An -v -tf4 -w40 -N 40 "$testdata/models/digits_cnn_0to9/test_logits.f32" | awk '{$1=$1; print}')"
body="{\"id\": \"smoke\", \"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 8, 8], \"datatype\": \"FP32\", \"data\": [$pixels]}]}"

denied="$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" \
  "http://127.0.0.1:$port/v2/models/digits/infer" || true)"
check "infer without the token is 401" "$([ "$denied" = 401 ]; echo $?)" "got '$denied'"

answer="$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body" \
  "http://127.0.0.1:$port/v2/models/digits/versions/1/infer" || true)"
got="$(printf '%s' "$answer" | jq -r '.outputs[0].data | map(tostring) | join(" ")' 2>/dev/null || true)"
verdict="$(awk -v got="$got" -v want="$expected" -v label="$label" 'BEGIN {
  n = split(got, g, " "); m = split(want, w, " ");
  if (n != 10 || m != 10) { print "shape: " n " logits, want 10"; exit }
  max = 0; for (i = 1; i <= m; i++) { a = w[i] < 0 ? -w[i] : w[i]; if (a > max) max = a }
  worst = 0; best = 1; for (i = 1; i <= n; i++) { d = g[i] - w[i]; if (d < 0) d = -d; if (d > worst) worst = d;
    if (g[i] + 0 > g[best] + 0) best = i }
  if (worst > 1e-4 * max) { printf "max |diff| %g over %g\n", worst, 1e-4 * max; exit }
  if (best - 1 != label) { print "class " best - 1 ", label " label; exit }
  printf "ok %g\n", worst }')"
check "infer digits/1 (test sample $idx, label $label) equals PyTorch's logits" \
  "$(case "$verdict" in ok*) echo 0 ;; *) echo 1 ;; esac)" "$verdict; answer: ${answer:0:300}"
say "      max |served - PyTorch| = ${verdict#ok }"

scrape="$(curl -s "http://127.0.0.1:$mport/metrics" || true)"
counted=1
printf '%s\n' "$scrape" | grep -q '^edgewise_requests_total{endpoint="infer",model="digits",protocol="http",status="200"} 1.0$' \
  && counted=0
check "metrics port answers without a token and counts the inference" "$counted" \
  "$(printf '%s' "$scrape" | grep infer | head -3)"

"$rt" kill "$id" TERM || true
for _ in $(seq 1 60); do
  state="$("$rt" state "$id" 2>/dev/null | jq -r .status || echo gone)"
  [ "$state" = stopped ] || [ "$state" = gone ] && break
  sleep 1
done
check "SIGTERM stops the server" "$([ "$state" = stopped ] || [ "$state" = gone ]; echo $?)" "state '$state'"

say "server log:"
sed 's/^/  | /' "$work/server.log" >&2
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
