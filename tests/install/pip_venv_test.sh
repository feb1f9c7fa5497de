#!/usr/bin/env bash
# `pip install ./python` into a fresh venv of Debian's python3, offline, then a Tracker block
# run from a folder outside the repository with no PYTHONPATH: the module and the data it
# reads must be the venv's own copies.
# Usage: pip_venv_test.sh SOURCE_DIR BUILD_DIR   (BUILD_DIR: a configured build, reused by setup.py)
set -euo pipefail
src="$(cd "$1" && pwd)"
build="$(cd "$2" && pwd)"
work="$(mktemp -d /tmp/powerml-pip-XXXXXX)"
trap 'rm -rf "$work"' EXIT

# --system-site-packages: Debian's setuptools and wheel are the build backend (no PyPI here).
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
cd "$work"
env -u PYTHONPATH POWERML_BUILD_DIR="$build" PIP_NO_INDEX=1 PIP_NO_CACHE_DIR=1 \
  "$work/venv/bin/pip" install --no-build-isolation --quiet "$src/python"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
env -u PYTHONPATH -u POWERML_DATA_DIR XDG_DATA_HOME="$work/xdg" "$work/venv/bin/python" - "$work/venv" <<'PY'
import sys
from pathlib import Path

import powerml
import powerml._core as core

venv = Path(sys.argv[1]).resolve()
module = Path(powerml.__file__).resolve()
data = Path(core.data_dir()).resolve()
assert module.is_relative_to(venv), f"powerml imported from {module}, not from the venv {venv}"
assert data.is_relative_to(venv), f"data read from {data}, not from the venv's copy"
assert (data / "grid").is_dir() and (data / "power-models").is_dir(), f"{data} lacks the shipped data"

with powerml.Tracker(interval_ms=50, zone="GB", out="run", db=False) as t:
    with t.phase("work"):
        total = sum(i * i for i in range(3_000_000))
    t.metric("loss", 0.5)
summary = t.summary()
gross = summary["energy_j"]["gross"]
assert isinstance(gross, (int, float)) and gross > 0, f"no energy measured: {summary['energy_j']}"
assert summary["samples"] >= 2, summary["samples"]
assert Path("run/summary.json").is_file(), "Tracker(out=...) wrote no summary.json"
assert any(p["name"] == "work" for p in summary["phases"]), summary["phases"]
# The HTTP part travels in the package and is the copy loaded for a live provider (here one
# that nobody answers: the plugin loaded, the connection refused).
plugin = module.parent / "libpowerml_http.so"
assert plugin.is_file(), f"the package has no {plugin.name}"
import os
os.environ.update({"POWERML_PROVIDER_UKGRID_BASE_URL": "http://127.0.0.1:9", "POWERML_CARBON_FALLBACK": "live",
                   "POWERML_CARBON_HTTP_RETRIES": "0"})
try:
    powerml.intensity("GB", "2024-01-01T00:00:00Z", "2024-01-01T02:00:00Z", source="ukgrid")
    raise AssertionError("a provider on a closed port answered")
except powerml.Error as e:
    assert "cannot reach" in str(e), str(e)
maps = Path("/proc/self/maps").read_text()
assert str(plugin.resolve()) in maps, f"{plugin} was not the HTTP part loaded"
print(f"pip venv: powerml {powerml.__version__} from {module.parent}, data {data}, {gross:.3f} J gross")
PY
