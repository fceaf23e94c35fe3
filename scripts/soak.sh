#!/usr/bin/env bash
# The multi-model soak (ModelSoak: the three PaddleOCR models at small shapes, the digits CNNs, SqueezeNet 1.1,
# MobileNetV2, and ResNet-18 at this size) on opencl and on the emulated fpga device, every output compared with
# ref, with the launch guard on. Nightly size by default: 10 repetitions; `scripts/soak.sh 3` runs 3.
# `scripts/soak.sh 10 fpga` (or `opencl`) runs one device only (each device's soak is a test of its own module; on a
# busy machine the fast fpga run need not wait behind the opencl one).
# EDGEWISE_SOAK_RESNET=false leaves ResNet-18 out (a shorter run on a busy machine).
# Reports: opencl/target/soak-opencl.txt, fpga/target/soak-fpga.txt. Needs PoCL; slow (ResNet-18 on PoCL).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps="${1:-10}"
devices="${2:-opencl,fpga}"
tests=""
reports=""
for d in ${devices//,/ }; do
  case "$d" in
    opencl) tests+="${tests:+,}OpenClSoakTest"; reports+=" opencl/target/soak-opencl.txt" ;;
    fpga) tests+="${tests:+,}FpgaSoakTest"; reports+=" fpga/target/soak-fpga.txt" ;;
    *) echo "soak.sh: unknown device '$d' (opencl, fpga)" >&2; exit 2 ;;
  esac
done
cd "$root"
# only this run's reports are printed at the end: an old one must not pass for this run's
rm -f $reports
mvn -B -ntp -q -DskipTests package -pl opencl,fpga -am
# -am: the modules below come from the reactor (they are never installed into ~/.m2); surefire's configuration in
# the parent pom preloads the JDK's libjsig into the test JVMs (docs/devices.md, "OpenCL and the JVM's signals")
mvn -B -ntp test -pl opencl,fpga -am -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dedgewise.soak.repetitions="$reps" -Dedgewise.soak.resnet="${EDGEWISE_SOAK_RESNET:-true}" -Dedgewise.opencl.checkLaunches=true \
  -Dsurefire.timeout=0
cat $reports
