#!/usr/bin/env bash
# Quick start, command 1: install and build only what the demo runs (the powerml program and
# its Torch plugin), then run the main job on embedded defaults.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh" demo >&2
exec "${POWERML_BUILD_DIR:-$root/build}/powerml" demo "$@"
