#!/usr/bin/env bash
# The core module's Java tests that call the native core, with the core built under AddressSanitizer + UBSan (the
# build/sanitize tree that scripts/native-sanitize.sh makes) linked into the JavaCPP JNI library and the sanitizer
# runtimes preloaded into the test JVMs (before libjsig). Runs in a scratch copy of the working tree
# (build/sanitize-java/tree) so that this checkout's own target/ keeps the uninstrumented library.
# Usage: scripts/native-sanitize-java.sh [TEST_PATTERN] (surefire's -Dtest; default: the cpu device's tests and the
# tests of native memory). Reports land in build/sanitize-java/reports/asan.* (any file there is a failure).
# JVM-specific sanitizer options: the JVM's own SIGSEGVs (implicit null checks, safepoints) are its to handle
# (handle_segv=0); leaks are not checked (the JVM never frees much of what it maps at exit).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lib="$root/build/sanitize/lib/libedgewise_core.a"
[[ -f "$lib" ]] || { echo "native-sanitize-java: $lib missing: run scripts/native-sanitize.sh first" >&2; exit 1; }
tests="${1:-Cpu*Test,NativeExtentsTest,RecentPlansTest,NativeCoreTest,GemmFastPathTest,PlannedExecutableTest,SessionMemoryTest,SteadyStateAllocationTest,MemoryPoolTest,TensorTest,MalformedInputTest}"
work="$root/build/sanitize-java"
tree="$work/tree"
reports="$work/reports"
rm -rf "$reports"
mkdir -p "$tree" "$reports"
# the tree without build outputs; ../shared beside it, as beside the checkout
(cd "$root" && tar --exclude=./build --exclude=./.git --exclude='*/target' -cf - .) | (cd "$tree" && tar -xf -)
ln -sfn "$(cd "$root/.." && pwd)/shared" "$work/shared"
asan="$("${CXX:-g++}" -print-file-name=libasan.so)"
ubsan="$("${CXX:-g++}" -print-file-name=libubsan.so)"
cd "$tree"
# exec.skip: no CMake run here (the sanitized core is already built; CMake's cache belongs to the checkout's path)
ASAN_OPTIONS="detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:allocator_may_return_null=1:abort_on_error=1:log_path=$reports/asan" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan" \
  mvn -B -ntp test -pl core -Dexec.skip=true -Dnative.build.dir="$root/build/sanitize" \
  -Dedgewise.test.preload="$asan $ubsan " -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false && rc=0 || rc=$?
if compgen -G "$reports/*" > /dev/null; then
  echo "native-sanitize-java: sanitizer reports:" >&2
  head -40 "$reports"/* >&2
  exit 1
fi
# the JNI library the tests loaded holds the instrumented core (without the preloaded runtime it would not load)
jni="$(find "$tree/core/target/classes" -name 'libjniEdgewiseNative.so' | head -1)"
nm -D "$jni" | grep -q __asan_report || { echo "native-sanitize-java: $jni is not instrumented" >&2; exit 1; }
[[ $rc -eq 0 ]] || { echo "native-sanitize-java: tests failed (exit $rc)" >&2; exit "$rc"; }
echo "native-sanitize-java: no sanitizer report"
