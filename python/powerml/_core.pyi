"""Type stubs for powerml._core, PowerML's C++ core compiled with pybind11."""
from os import PathLike
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

__version__: str

class Error(RuntimeError):
    """A setup fault (bad option, unknown zone, unwritable --out, ...), with the library's message."""

class Measurement:
    """One in-process measurement; powerml.Tracker drives it."""
    def __init__(
        self,
        interval_s: float = 0.1,
        baseline_s: float = 0.0,
        zone: Optional[str] = None,
        source: str = "embedded",
        pue: float = 1.0,
        out: Optional[Union[str, PathLike[str]]] = None,
        db: Optional[Union[str, PathLike[str]]] = None,
        command: List[str] = ...,
    ) -> None: ...
    def start(self) -> None:
        """Samples the idle baseline, then opens the job window on this process."""
    def begin_phase(self, name: str) -> None: ...
    def end_phase(self, name: str) -> None: ...
    def record_metric(self, name: str, value: float) -> None: ...
    def so_far(self) -> Tuple[float, Optional[float]]:
        """(gross J, g CO2e or None) of the window so far."""
    def summary_json(self) -> str:
        """summary.json text: final once finished, the window so far while running."""
    def finish(self, exit_status: int = 0) -> str:
        """Closes the window, writes the run store and out files; returns summary.json text."""
    @property
    def notes(self) -> List[str]: ...
    @property
    def run_id(self) -> str: ...
    @property
    def running(self) -> bool: ...

def intensity(zone: str, start: str, end: str, source: str = "embedded", basis: str = "") -> Dict[str, Any]:
    """The series `powerml intensity --format json` prints, as a dict."""

def send_control(path: str, line: str) -> None:
    """Writes one control line to an outer `powerml measure`; raises Error when none listens."""

def check_name(name: str, metric: bool = False) -> None: ...
def check_value(name: str, value: float) -> None: ...
def data_dir() -> Path: ...
def default_run_db() -> Path: ...
def plan_json(job: Dict[str, Any], sources: List[str] = ..., start: Optional[str] = None, alternatives: int = 2,
              base_dir: str = "") -> str:
    """The plan `powerml plan --job FILE --format json` prints, as JSON text."""
