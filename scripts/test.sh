#!/usr/bin/env bash
# Quick start, command 2: build if needed, then run the whole test suite (unit, integration).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
cd "${POWERML_BUILD_DIR:-$root/build}"
ctest --output-on-failure --parallel "$(nproc)" --label-exclude hw "$@"
# Every parser under libFuzzer for a few seconds each (about 4 minutes on 2 cores with the
# build); POWERML_SKIP_FUZZ=1 leaves it out. Without clang it says so and carries on.
if [[ -z "${POWERML_SKIP_FUZZ:-}" ]]; then
  rc=0
  FUZZ_SECONDS="${FUZZ_SECONDS:-6}" FUZZ_SEED="${FUZZ_SEED:-1}" "$root/scripts/fuzz.sh" || rc=$?
  if ((rc == 77)); then
    echo "test.sh: the fuzz step was SKIPPED (no clang-14); install clang-14 libfuzzer-14-dev to run it" >&2
  elif ((rc != 0)); then
    exit "$rc"
  fi
fi
