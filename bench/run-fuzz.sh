#!/usr/bin/env bash
# The fuzzers at nightly size (CI runs them at 300 cases): the model fuzzer (structured mutations of the shared
# models, external-data locations, long Identity/Add chains), the KServe request parser, the HTTP layer (malformed
# requests, large unauthenticated bodies) and the peer protocol's frames. Each must end with 0 crashes, hangs, 5xx
# and leaks; the counts and times are what docs/benchmarks.md reports.
#   bench/run-fuzz.sh            3000 cases (HTTP: 300 large unauthenticated bodies), peer frames 2000
#   bench/run-fuzz.sh 10000      a longer night
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cases="${1:-3000}"
cd "$root"
mvn -B -ntp test -pl core,serve -am -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest='ModelFuzzTest,MalformedInputTest,InferRequestFuzzTest,HttpFuzzTest,PeerFrameFuzzTest' \
  -Dedgewise.fuzz.cases="$cases" -Dedgewise.peer.fuzz.cases=$((cases * 2 / 3)) \
  | grep -E 'Tests run:|FAIL|ERROR|cases|BUILD'
