#!/usr/bin/env bash
# Quick start 1: set everything up and run the demo on the built-in model.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
exec "$root/edgewise" demo "$@"
