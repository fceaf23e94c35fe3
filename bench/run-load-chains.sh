#!/usr/bin/env bash
# Load time of 1k/10k/100k-node chains of Identity and of Add (import from bytes, session open with the graph
# passes and the device's planning, first run), best of 3 after a warm-up, in wall-clock and the loading thread's
# CPU milliseconds: loading must grow linearly with the node count (issue 19).
#   bench/run-load-chains.sh                 cpu, 3 tries, 1000,10000,100000
#   bench/run-load-chains.sh ref 5 1000,50000
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && mvn -q -B -DskipTests package)
exec java --add-opens java.base/java.nio=ALL-UNNAMED -Xmx4g \
  -cp "$root/bench/target/edgewise-bench.jar:$root/bench/target/lib/*" io.edgewise.bench.model.LoadChainBench "$@"
