#!/usr/bin/env bash
# Measures how well `powerml predict` does on runs whose true totals are known: each workload
# runs to the end under `powerml measure`, then every prefix of k = 2..N-1 epochs predicts the
# whole run and is compared with it. Prints a Markdown table for docs/accuracy.md.
# usage: bench/prediction_accuracy.sh [BUILD_DIR]   (about 3 minutes on 2 cores)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
powerml="$build/powerml"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg"
mlp="$root/bench/workloads/numpy_mlp.py"

run() {  # name, command...
  local name="$1"; shift
  "$powerml" measure -q --interval 50 -- "$@" || { echo "workload $name failed" >&2; exit 1; }
  local id
  id="$("$powerml" runs list --format json --limit 1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
  "$powerml" predict "$id" --format json >"$work/$name.$id.json"
}

for rep in 1 2 3; do
  run mlp "$mlp" --epochs 10 --repeat-data 6 --seed "$rep"
  run mlp-warmup "$mlp" --epochs 10 --repeat-data 6 --warmup-s 3 --seed "$rep"
  run sleep-epochs sh -c "$powerml metric epochs_total 10; for e in \$(seq 1 10); do $powerml mark epoch-\$e; sleep 0.5; $powerml mark --end epoch-\$e; done"
  # Each epoch does more work than the one before: the constant-epoch model's worst case.
  run growing-epochs sh -c "$powerml metric epochs_total 10; for e in \$(seq 1 10); do $powerml mark epoch-\$e; i=0; while [ \$i -lt \$((e * 15000)) ]; do i=\$((i+1)); done; $powerml mark --end epoch-\$e; done"
done

/usr/bin/python3 - "$work" <<'PY'
import glob, json, os, sys
from collections import defaultdict
rows = defaultdict(list)
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(path).split(".")[0]
    d = json.load(open(path))
    for b in d["backtest"]:
        if b["k"] in (2, 3, 5, 8):
            rows[(name, b["k"])].append(b)
print("| workload | k of 10 | runs | energy error, whole job (mean abs %) | energy error to epoch 10 (mean abs %) | duration error, whole job (mean abs %) | whole job inside the 95 % interval |")
print("|---|---|---|---|---|---|---|")
for (name, k), bs in sorted(rows.items()):
    n = len(bs)
    mean = lambda key: sum(abs(b[key]) for b in bs) / n
    inside = sum(b["energy_in_interval"] for b in bs)
    print(f"| {name} | {k} | {n} | {mean('energy_error_pct'):.1f} | {mean('energy_to_last_epoch_error_pct'):.1f} | "
          f"{mean('duration_error_pct'):.1f} | {inside} of {n} |")
PY
