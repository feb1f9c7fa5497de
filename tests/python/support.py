"""Helpers shared by the Python tests: the built CLI, temporary folders, fake sysfs trees.

ctest sets PYTHONPATH to the build tree's python/ folder and POWERML_BINARY to the built CLI.
"""
import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path
from typing import Dict, List, Optional

POWERML_BINARY = os.environ.get("POWERML_BINARY", "")


def powerml_cli(args: List[str], env: Optional[Dict[str, str]] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    if not POWERML_BINARY:
        raise unittest.SkipTest("POWERML_BINARY is not set (run through ctest)")
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([POWERML_BINARY] + args, env=full_env, capture_output=True, text=True, timeout=timeout)


class IsolatedTestCase(unittest.TestCase):
    """Each test gets a temp folder and an XDG_DATA_HOME inside it, so that no run reaches the
    user's own run store, and the environment is restored afterwards."""

    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="powerml-py-")
        self.tmp = Path(self._tmp.name)
        self._saved_env = dict(os.environ)
        os.environ["XDG_DATA_HOME"] = str(self.tmp / "xdg")
        os.environ.pop("POWERML_CONTROL", None)
        # Cleanups run last in, first out, and after tearDown: registered first, the folder is
        # removed after everything a test added (a thread still writing a fake counter in it
        # is stopped and joined before, not raced).
        self.addCleanup(self._tmp.cleanup)
        self.addCleanup(self._restore_env)

    def _restore_env(self) -> None:
        os.environ.clear()
        os.environ.update(self._saved_env)

    def read_summary(self, out: Path) -> dict:
        with open(out / "summary.json", encoding="utf-8") as f:
            return json.load(f)

    def fake_rapl(self, start_uj: int = 1000000, range_uj: int = 10000000) -> Path:
        """A fake powercap tree with one package zone; returns its energy_uj file. The counter
        only moves when the test writes it, so the expected energy is known exactly."""
        zone = self.tmp / "sys" / "class" / "powercap" / "intel-rapl:0"
        zone.mkdir(parents=True)
        (zone / "name").write_text("package-0\n")
        (zone / "max_energy_range_uj").write_text(f"{range_uj}\n")
        counter = zone / "energy_uj"
        counter.write_text(f"{start_uj}\n")
        os.environ["POWERML_SYSFS_ROOT"] = str(self.tmp / "sys")
        return counter


def component(summary: dict, name: str) -> dict:
    for c in summary["components"]:
        if c["name"] == name:
            return c
    raise AssertionError(f"no component {name} in {[c['name'] for c in summary['components']]}")


def phase_named(summary: dict, name: str) -> dict:
    for p in summary["phases"]:
        if p["name"] == name:
            return p
    raise AssertionError(f"no phase {name} in {[p['name'] for p in summary['phases']]}")


def shape(value):
    """The key structure of a JSON value: dict keys (recursively), the shape of list items."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__ if value is not None else None
