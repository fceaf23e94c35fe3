#!/usr/bin/env bash
# Installs what Edgewise needs on Debian 12 / Ubuntu: a JDK 17, Maven, CMake and a C++17 compiler for the native
# core, the OpenCL loader with PoCL (OpenCL on the CPU) for the OpenCL paths, and the DejaVu fonts `edgewise ocr render`
# draws its ground-truth pages with. As root it installs what is
# missing; otherwise it prints the exact install line and stops.
set -euo pipefail
packages=(openjdk-17-jdk-headless maven cmake g++ make ocl-icd-opencl-dev pocl-opencl-icd clinfo oclgrind fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# a JDK and Maven that came from elsewhere (e.g. a preinstalled image) count as present
if command -v javac >/dev/null 2>&1 && javac -version 2>&1 | grep -qE ' (1[7-9]|2[0-9])\.'; then
  missing=("${missing[@]/openjdk-17-jdk-headless}")
fi
command -v mvn >/dev/null 2>&1 && missing=("${missing[@]/maven}")
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "edgewise needs these packages: ${missing[*]}" >&2
  echo "install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
