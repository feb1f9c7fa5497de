#!/usr/bin/env bash
# Installs dependencies if missing, configures once and builds incrementally into build/.
#   build.sh demo   only the powerml program and its plugins (no tests, no benchmarks)
#   build.sh [all]  everything: the program, the Python module, the tests and the benchmarks
# Both use the same build folder, so `build.sh all` after `build.sh demo` compiles only what
# the demo did not need.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
part="${1:-all}"
case "$part" in
  demo|all) ;;
  *) echo "build.sh: unknown part '$part' (demo or all)" >&2; exit 2 ;;
esac
"$root/scripts/install-deps.sh" "$part"
build="${POWERML_BUILD_DIR:-$root/build}"

# The value a cache entry has in $build (empty when not configured yet).
cached() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" 2>/dev/null; }

if [[ "$part" == demo ]]; then
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    # ONNX and Python off: the demo uses neither, and install-deps.sh demo installs neither.
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPOWERML_BUILD_TESTS=OFF -DPOWERML_BUILD_BENCH=OFF -DPOWERML_WITH_ONNX=OFF -DPOWERML_WITH_PYTHON=OFF >/dev/null
  fi
  # The powerml target depends on the plugins this configuration has (src/cli/CMakeLists.txt).
  cmake --build "$build" --parallel "$(nproc)" --target powerml
  exit 0
fi

# A folder first configured by `build.sh demo` has tests, benchmarks, ONNX and Python off: turn them on.
if [[ ! -f "$build/CMakeCache.txt" || "$(cached POWERML_BUILD_TESTS)" != ON || "$(cached POWERML_BUILD_BENCH)" != ON ||
      "$(cached POWERML_WITH_PYTHON)" != ON || "$(cached POWERML_WITH_ONNX)" != ON ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOWERML_BUILD_TESTS=ON \
    -DPOWERML_BUILD_BENCH=ON -DPOWERML_WITH_PYTHON=ON -DPOWERML_WITH_ONNX=ON >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)"
