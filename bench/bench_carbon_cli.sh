#!/usr/bin/env bash
# Whole-process timing of `powerml intensity` for one year of hourly data (8784 points, CSV
# and JSON out), against baselines measured in the same run: `/bin/true` (process start) and `cat`
# of the same data file. Prints mean wall milliseconds over N runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/build/src/cli/powerml}"
n="${N:-30}"
file="$root/data/grid/hourly/GB_2024.csv"
time_ms() {  # mean wall ms of "$@" over n runs, output discarded
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$n"); do "$@" >/dev/null; done
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n / 1e6 }'
}
t_true=$(time_ms /bin/true)
t_cat=$(time_ms cat "$file")
t_csv=$(time_ms "$bin" intensity --zone GB --from 2024-01-01 --to 2025-01-01 --format csv)
t_json=$(time_ms "$bin" intensity --zone GB --from 2024-01-01 --to 2025-01-01 --format json)
echo "runs=$n true_ms=$t_true cat_ms=$t_cat intensity_year_csv_ms=$t_csv intensity_year_json_ms=$t_json"
