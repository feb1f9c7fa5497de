#!/usr/bin/env bash
# One run of every benchmark behind docs/performance.md's goals table (issue 18), each ratio
# against a baseline measured in this same run on this machine. Prints Markdown; about 6
# minutes on the 2-core VM. Needs a full build (scripts/build.sh: bench and Python on), and
# wrk and nginx-light (scripts/install-deps.sh installs them).
#
#   bench/run_all.sh [BUILD_DIR] > run.md
#
#   1. sampling at 1, 10 and 100 ms on a fake powercap tree (bench_sampling), against a thread
#      that only wakes on the same schedule;
#   2. start-up: `powerml --version`, `measure -- true` without and with the run store, against
#      /bin/true, whole processes (bench/process_cost.py); a Python Tracker start + stop in one
#      process (bench/bench_python_tracker.py);
#   3. the planner: a year x 20 sites in a fresh process with the default allocator
#      (bench_planner);
#   4. `intensity` a year as JSON and CSV against `cat` of the same bytes;
#   5. `powerml serve` against nginx serving the same bytes (bench/serve_load.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
powerml="$build/powerml"
for f in "$powerml" "$build/bench/bench_sampling" "$build/bench/bench_planner"; do
  [[ -x "$f" ]] || { echo "run_all: $f is missing; build with scripts/build.sh first" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/xdg"  # no run reaches the user's own store
load() { cut -d' ' -f1-3 /proc/loadavg; }
cost() { /usr/bin/python3 "$root/bench/process_cost.py" "$@"; }

echo "# PowerML benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), load average at start: $(load)"

echo
echo "## 1. Sampling (bench_sampling 5)"
echo
"$build/bench/bench_sampling" 5

echo
echo "## 2. Start-up, whole processes (process_cost.py 30), load $(load)"
echo
(cd "$tmp" && cost 30 "true=/bin/true" "powerml --version=$powerml --version" \
  "powerml measure -q --no-db -- true=$powerml measure -q --no-db -- true" \
  "powerml measure -q -- true=$powerml measure -q -- true")
echo
echo "### Python Tracker (bench_python_tracker.py 50), load $(load)"
echo
echo '```'
PYTHONPATH="$build/python" /usr/bin/python3 "$root/bench/bench_python_tracker.py" 50
echo '```'

echo
echo "## 3. Planner, a year x 20 sites (bench_planner, fresh process, default allocator), load $(load)"
echo
echo '```'
"$build/bench/bench_planner" --benchmark_filter='PlanYear20SitesContiguous|SearchOnlyYear20Sites$|PlanInterruptible20Sites' \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '^(BM_|-|Benchmark)'
echo '```'

echo
echo "## 4. intensity a year (DE 2024) against cat of the same bytes (process_cost.py 20), load $(load)"
echo
range=(--zone DE --from 2024-01-01T00:00:00Z --to 2025-01-01T00:00:00Z)
"$powerml" intensity "${range[@]}" --format json >"$tmp/year.json"
"$powerml" intensity "${range[@]}" --format csv >"$tmp/year.csv"
echo "JSON $(wc -c <"$tmp/year.json") bytes, CSV $(wc -c <"$tmp/year.csv") bytes"
echo
cost 20 "cat the JSON=cat $tmp/year.json" "powerml intensity ... --format json=$powerml intensity ${range[*]} --format json"
echo
cost 20 "cat the CSV=cat $tmp/year.csv" "powerml intensity ... --format csv=$powerml intensity ${range[*]} --format csv"

echo
echo "## 5. powerml serve against nginx (serve_load.sh, 5 s per route, 3 rounds), load $(load)"
echo
echo '```'
"$root/bench/serve_load.sh" "$build" 5
echo '```'
echo
echo "Load average at the end: $(load)"
