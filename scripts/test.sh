#!/usr/bin/env bash
# Quick start, command 2: build if needed, then run the whole test suite (unit, integration).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
cd "${POWERML_BUILD_DIR:-$root/build}"
exec ctest --output-on-failure --parallel "$(nproc)" --label-exclude hw "$@"
