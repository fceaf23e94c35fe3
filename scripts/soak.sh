#!/usr/bin/env bash
# The multi-model soak (ModelSoak: the three PaddleOCR models at small shapes, the digits CNNs, SqueezeNet 1.1,
# MobileNetV2, and ResNet-18 at this size) on opencl and on the emulated fpga device, every output compared with
# ref, with the launch guard on. Nightly size by default: 10 repetitions; `scripts/soak.sh 3` runs 3.
# EDGEWISE_SOAK_RESNET=false leaves ResNet-18 out (a shorter run on a busy machine).
# Reports: opencl/target/soak-opencl.txt, fpga/target/soak-fpga.txt. Needs PoCL; slow (ResNet-18 on PoCL).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps="${1:-10}"
cd "$root"
mvn -B -ntp -q -DskipTests package -pl opencl,fpga -am
# -am: the modules below come from the reactor (they are never installed into ~/.m2); surefire's configuration in
# the parent pom preloads the JDK's libjsig into the test JVMs (docs/devices.md, "OpenCL and the JVM's signals")
mvn -B -ntp test -pl opencl,fpga -am -Dtest='OpenClSoakTest,FpgaSoakTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dedgewise.soak.repetitions="$reps" -Dedgewise.soak.resnet="${EDGEWISE_SOAK_RESNET:-true}" -Dedgewise.opencl.checkLaunches=true \
  -Dsurefire.timeout=0
cat opencl/target/soak-opencl.txt fpga/target/soak-fpga.txt
