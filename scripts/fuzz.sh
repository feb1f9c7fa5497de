#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang + ASan + UBSan, in build-fuzz/) and runs each on
# its seed corpus for a bounded time. Any crash, sanitizer report or uncaught exception fails
# the run; the input that caused it is left in build-fuzz/findings/<harness>/.
#
#   scripts/fuzz.sh                 every harness, FUZZ_SECONDS (default 15) each
#   scripts/fuzz.sh meter_log ...   only these
#   FUZZ_SECONDS=3600 FUZZ_JOBS=2 scripts/fuzz.sh   a longer campaign
#   FUZZ_SEED=1 scripts/fuzz.sh     the same mutations on every run (the test suite's setting,
#                                   so a green suite stays green until the code changes);
#                                   unset or 0: a fresh random seed each run, for campaigns
#
# Without clang-14 it says so and exits 77 (the "skipped" status of ctest and automake);
# install it with scripts/install-deps.sh or apt-get install clang-14 libfuzzer-14-dev.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${POWERML_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-15}"
seed="${FUZZ_SEED:-0}"
jobs="${FUZZ_JOBS:-1}"
cxx="${FUZZ_CXX:-clang++-14}"
cc="${FUZZ_CC:-clang-14}"

if ! command -v "$cxx" >/dev/null; then
  echo "fuzz: SKIPPED: $cxx not found (apt-get install clang-14 libfuzzer-14-dev)" >&2
  exit 77
fi
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root/fuzz" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" >/dev/null
fi
mapfile -t all < <(sed -n 's/^powerml_fuzz_target(\([a-z_]*\) .*/\1/p' "$root/fuzz/CMakeLists.txt")
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
cmake --build "$build" --target "${targets[@]/#/fuzz_}" -- -j"${FUZZ_BUILD_JOBS:-2}" >/dev/null

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
printf '%-26s %14s %10s %s\n' harness executions exec/s result
for t in "${targets[@]}"; do
  seeds="$root/fuzz/corpus/$t"
  work="$build/corpus/$t"
  findings="$build/findings/$t"
  mkdir -p "$work" "$findings"
  log="$build/logs/$t.log"
  mkdir -p "$(dirname "$log")"
  # New inputs go to the work corpus (build-fuzz/, not the repository); the seeds are read only.
  set +e
  (
    cd "$build"  # with -jobs, libFuzzer writes fuzz-N.log into the working directory
    rm -f fuzz-*.log
    if ((jobs > 1)); then parallel=(-jobs="$jobs" -workers="$jobs"); else parallel=(); fi
    "$build/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -seed="$seed" "${parallel[@]}" -artifact_prefix="$findings/" -print_final_stats=1 "$work" "$seeds" >"$log" 2>&1
    rc=$?
    cat fuzz-*.log >>"$log" 2>/dev/null
    rm -f fuzz-*.log
    exit $rc
  )
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
  rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | awk '{print $2+0}')
  if ((rc == 0)) && ! ls "$findings"/crash-* "$findings"/leak-* "$findings"/timeout-* >/dev/null 2>&1; then
    result=ok
  else
    result="FAILED (rc $rc; $log, $findings/)"
    status=1
  fi
  printf '%-26s %14s %10s %s\n' "$t" "$runs" "$rate" "$result"
done
exit "$status"
