#!/usr/bin/env bash
# Quick start 2: set everything up and run every test: the Java suites of all modules (the Maven build also
# builds native/ with CMake and links it through JavaCPP), then the native tests with ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
cd "$root"
mvn -B -ntp test "$@"
ctest --test-dir build/native --output-on-failure
