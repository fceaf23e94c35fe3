#!/usr/bin/env bash
# Runs budget-bench with the JVM's GC and safepoint log, then sets each late answer (the bench logs its end as JVM
# uptime) beside the stop-the-world pauses inside it: a late answer that pauses cover is the JVM's, one they do not
# is this thread's own scheduling (docs/benchmarks.md, "Late answers: what stalls the process").
# Usage: scripts/budget-late-answers.sh OUTDIR [budget-bench arguments...]
# e.g.   scripts/budget-late-answers.sh /tmp/late --link home,campus,lte --sla-ms 100,250,500,1000 --requests 200 --json
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [budget-bench arguments...]" >&2; exit 2; }
out="$1"; shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$out"
uptime > "$out/load.txt"
EDGEWISE_JAVA_OPTS="${EDGEWISE_JAVA_OPTS:-} -Xlog:gc*,safepoint:file=$out/gc.log:uptime,level,tags" \
  "$root/edgewise" budget-bench "$@" > "$out/bench.out" 2> "$out/bench.err"
uptime >> "$out/load.txt"
python3 - "$out/gc.log" "$out/bench.err" <<'PY' | tee "$out/correlation.txt"
import re, sys
pauses = []  # (start s, end s, ms, cause)
for line in open(sys.argv[1]):
    m = re.match(r'\[(\d+\.\d+)s\]\[info\]\[safepoint\s*\] Safepoint "([^"]+)".*Total: (\d+) ns', line)
    if m:
        end, ms = float(m.group(1)), int(m.group(3)) / 1e6
        pauses.append((end - ms / 1e3, end, ms, m.group(2)))
late = []
for line in open(sys.argv[2]):
    m = re.search(r'late: (\S+) \S+ (\d+) ms, request (\d+), ended at uptime ([\d.]+) s: ([\d.]+) ms.*'
                  r'hand-over ([\d.]+) ms, (\w+)', line)
    if m:
        late.append((m.group(1), int(m.group(2)), int(m.group(3)), float(m.group(4)), float(m.group(5)),
                     float(m.group(6)), m.group(7)))
print(f"safepoints: {len(pauses)}; >= 10 ms: {sum(p[2] >= 10 for p in pauses)}; >= 30 ms: "
      f"{sum(p[2] >= 30 for p in pauses)}; >= 100 ms: {sum(p[2] >= 100 for p in pauses)}; all together "
      f"{sum(p[2] for p in pauses):.0f} ms")
causes = {}
for p in pauses:
    if p[2] >= 10:
        causes[p[3]] = causes.get(p[3], 0) + 1
print("safepoints >= 10 ms by cause:", causes)
covered = 0
for link, sla, req, end, ms, handover, side in late:
    start = end - ms / 1e3
    inside = [p for p in pauses if p[1] > start and p[0] < end]
    paused = sum(min(p[1], end) - max(p[0], start) for p in inside) * 1e3
    ok = paused >= ms - sla
    covered += ok
    print(f"late: {link} {sla} ms, request {req}: {ms:.1f} ms ({side}, hand-over {handover:.1f} ms); paused inside it "
          f"{paused:.1f} ms ({', '.join(f'{p[3]} {p[2]:.1f}' for p in inside if p[2] >= 1) or 'none >= 1 ms'}); "
          f"{'the pauses cover its lateness' if ok else 'NOT covered by pauses'} ({ms - sla:.1f} ms)")
print(f"late answers: {len(late)}; covered by pauses: {covered}")
PY
