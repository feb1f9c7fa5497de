"""The Tracker context manager and the @track decorator.

Everything measured here is measured by PowerML's C++ core (powerml._core.Measurement): the
same sensors, sampler thread, analysis, carbon and output files as `powerml measure`. This
file only decides *where* to report (an in-process measurement, or the control channel of an
outer `powerml measure`) and turns Python's with/try/finally into start/finish calls.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, TypeVar, Union, overload

from . import _core

Error = _core.Error
F = TypeVar("F", bound=Callable[..., Any])

# Trackers entered on each thread, innermost last: the module-level phase() and metric() and
# the framework hooks report to the innermost one.
_active = threading.local()


def _stack() -> List["Tracker"]:
    stack = getattr(_active, "stack", None)
    if stack is None:
        stack = _active.stack = []
    return stack


def _control_path() -> Optional[str]:
    path = os.environ.get("POWERML_CONTROL", "")
    return path or None


def _exit_status(exc: Optional[BaseException]) -> int:
    """The status a script would have exited with: 0, 1 for an exception, 130 for Ctrl-C."""
    if exc is None:
        return 0
    if isinstance(exc, KeyboardInterrupt):
        return 128 + 2  # SIGINT, as `powerml measure` reports a job killed by a signal
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 1


class _Phase(contextlib.ContextDecorator):
    """A phase of a Tracker, usable as ``with t.phase("epoch"):`` or as a decorator."""

    def __init__(self, tracker: "Tracker", name: str) -> None:
        self._tracker = tracker
        self._name = name

    def __enter__(self) -> "_Phase":
        self._tracker.begin_phase(self._name)
        return self

    def __exit__(self, *exc: Any) -> bool:
        self._tracker.end_phase(self._name)
        return False


class Tracker:
    """Measures the energy and carbon of a block of Python code.

    ``with powerml.Tracker(interval_ms=100, baseline_s=5, zone="CY", out="runs/x") as t:``
    samples the idle machine for ``baseline_s`` seconds, then measures the block in this process
    with the same sampler thread as ``powerml measure`` (no subprocess). Inside the block,
    ``t.phase("epoch")`` marks phases, ``t.metric("accuracy", 0.87)`` records values, and
    ``t.energy_j`` / ``t.g_co2e`` / ``t.summary()`` report the run so far. When the block ends,
    normally or by an exception (which is re-raised), the run is written: to the run store
    (``db``) and, with ``out``, to ``out/summary.json``, ``samples.csv`` and ``phases.csv``.

    Inside a script run under ``powerml measure`` (``$POWERML_CONTROL`` set) no second sampler
    starts: phases and metrics go to the outer measurement, and ``energy_j``, ``g_co2e`` and
    ``summary()`` are None (the outer run reports them). Either way, with a ``name`` the whole
    block is also a phase of that name.

    Arguments mirror ``powerml measure``'s flags: ``interval_ms`` (1 to 60000), ``baseline_s``,
    ``zone`` (grid zone for emissions), ``source`` (grid-data source for the zone), ``pue``,
    ``out`` (directory), ``db`` (run store path; None: the CLI's default store; False: none),
    ``gpus`` (the GPUs the job was given, like ``--gpus``). ``nested`` forces (True) or forbids
    (False) reporting to an outer measurement; by default it follows ``$POWERML_CONTROL``.
    """

    def __init__(
        self,
        interval_ms: float = 100.0,
        baseline_s: float = 0.0,
        zone: Optional[str] = None,
        out: Optional[Union[str, "os.PathLike[str]"]] = None,
        db: Union[None, bool, str, "os.PathLike[str]"] = None,
        source: str = "embedded",
        pue: float = 1.0,
        gpus: Optional[str] = None,
        name: Optional[str] = None,
        nested: Optional[bool] = None,
        job_key: Optional[str] = None,
    ) -> None:
        self._options = dict(interval_ms=interval_ms, baseline_s=baseline_s, zone=zone, out=out, db=db,
                             source=source, pue=pue, gpus=gpus, job_key=job_key)
        self._name = name
        if name is not None:
            _core.check_name(name)
        self._control = _control_path() if nested is None or nested else None
        if nested and self._control is None:
            raise Error("nested=True but POWERML_CONTROL is not set: run the script under 'powerml measure -- ...'")
        self._measurement: Optional[_core.Measurement] = None
        self._pid = os.getpid()
        self._summary: Optional[Dict[str, Any]] = None
        self._state = "created"

    # -- lifecycle -------------------------------------------------------------------------

    def _reports_elsewhere(self) -> bool:
        """Nested in an outer measurement, or a rank whose node another rank meters: no run here."""
        if self._control is not None:
            return True
        if self._state == "finished":
            return self._summary is None and self._measurement is not None and bool(self._measurement.metered_by)
        return self._measurement is not None and not self._measurement.metering

    @property
    def metering(self) -> bool:
        """False in a rank of a distributed job (torchrun, Slurm, Open MPI, or ``job_key``) whose
        node another rank meters: this rank's phases and metrics go to that rank's run, and
        ``energy_j``, ``g_co2e`` and ``summary()`` are None here."""
        return self._measurement is not None and self._measurement.metering

    @property
    def metered_by(self) -> Optional[str]:
        """For a rank that did not meter its node, once finished: "run ID, metered by pid N"."""
        if self._measurement is None or not self._measurement.metered_by:
            return None
        return str(self._measurement.metered_by)

    @property
    def nested(self) -> bool:
        """True when this Tracker reports to an outer ``powerml measure`` instead of sampling."""
        return self._control is not None

    def start(self) -> "Tracker":
        """Starts measuring (what ``with`` does on entry). Returns self."""
        if self._state != "created":
            raise Error("a Tracker is started once; create a new one for another run")
        if self._control is not None:
            if self._name is not None:
                _core.send_control(self._control, "begin " + self._name)
        else:
            o = self._options
            if o["gpus"] is not None:
                # The NVML source reads the selection from here, as `powerml measure --gpus` sets it.
                os.environ["POWERML_GPUS"] = str(o["gpus"])
            db = o["db"]
            if db is None or db is True:
                db_path: Optional[str] = str(_core.default_run_db())
            elif db is False:
                db_path = None
            else:
                db_path = os.fspath(db)
            command = [sys.executable] + list(sys.argv) if sys.argv and sys.argv[0] else [sys.executable]
            self._measurement = _core.Measurement(
                interval_s=float(o["interval_ms"]) / 1000.0,
                baseline_s=float(o["baseline_s"]),
                zone=o["zone"],
                source=o["source"],
                pue=float(o["pue"]),
                out=None if o["out"] is None else os.fspath(o["out"]),
                db=db_path,
                command=command,
                job_key=o["job_key"],
            )
            self._measurement.start()
            if self._name is not None:
                self._measurement.begin_phase(self._name)
        self._state = "running"
        self._pid = os.getpid()
        _stack().append(self)
        return self

    def stop(self, exc: Optional[BaseException] = None) -> Optional[Dict[str, Any]]:
        """Ends the run (what ``with`` does on exit) and returns the summary dict (None nested).

        ``exc`` is the exception that ended the block, if any: the run records exit status 1
        for it (130 for KeyboardInterrupt, the code of a SystemExit), as a script would exit.
        """
        if self._state != "running":
            raise Error("this Tracker is not running")
        self._state = "finished"
        stack = _stack()
        if self in stack:
            stack.remove(self)
        if self._control is not None:
            if self._name is not None:
                _core.send_control(self._control, "end " + self._name)
            return None
        if os.getpid() != self._pid:
            return None  # a forked child leaving the block: the parent's measurement is not its to end
        assert self._measurement is not None
        if self._name is not None:
            self._measurement.end_phase(self._name)
        text = self._measurement.finish(_exit_status(exc))
        # A rank whose node another rank metered has no run of its own (metered_by says whose).
        self._summary = json.loads(text) if text else None
        return self._summary

    def __enter__(self) -> "Tracker":
        return self.start()

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> bool:
        try:
            self.stop(exc)
        except Exception as problem:
            if exc is None:
                raise
            # The block's own exception matters more; the failure to write the run rides along.
            exc.add_note(f"powerml: the run could not be completed: {problem}")
        return False  # never swallow the block's exception

    # -- reporting -------------------------------------------------------------------------

    def _check_running(self) -> None:
        if self._state != "running":
            raise Error("this Tracker is not running: report phases and metrics inside its 'with' block")
        if self._measurement is not None and os.getpid() != self._pid:
            # A forked child (a DataLoader worker) has the object but not the sampler thread.
            raise Error("this Tracker measures the process that started it; report from that process, "
                        "not from a forked worker")

    def begin_phase(self, name: str) -> None:
        """Opens a phase (phases nest: epochs inside training)."""
        self._check_running()
        if self._control is not None:
            _core.check_name(name)
            _core.send_control(self._control, "begin " + name)
        else:
            assert self._measurement is not None
            self._measurement.begin_phase(name)

    def end_phase(self, name: str) -> None:
        """Closes the innermost open phase called ``name``."""
        self._check_running()
        if self._control is not None:
            _core.check_name(name)
            _core.send_control(self._control, "end " + name)
        else:
            assert self._measurement is not None
            self._measurement.end_phase(name)

    def phase(self, name: str) -> _Phase:
        """A context manager (or decorator) that opens phase ``name`` and closes it on exit."""
        return _Phase(self, name)

    def metric(self, name: str, value: Any) -> None:
        """Records ``value`` (anything ``float()`` accepts: numbers, NumPy scalars, one-element
        tensors) for the current phase and the run."""
        self._check_running()
        number = float(value)
        if self._control is not None:
            _core.check_name(name, True)
            _core.check_value(name, number)
            _core.send_control(self._control, f"metric {name} {number!r}")
        else:
            assert self._measurement is not None
            self._measurement.record_metric(name, number)

    # -- results ---------------------------------------------------------------------------

    @property
    def energy_j(self) -> Optional[float]:
        """Energy (J, summed components) of the block so far, or of the finished run, on the basis
        that ``g_co2e`` is charged on (``energy_basis``): net of the idle baseline when one was
        measured, else gross. summary.json's ``carbon.energy_j`` holds the same figure."""
        if self._reports_elsewhere():
            return None
        if self._state == "finished" and self._summary is not None:
            carbon = self._summary["carbon"]
            if carbon.get("energy_j") is not None:
                return float(carbon["energy_j"])
            energy = self._summary["energy_j"]
            return float(energy["net"] if carbon.get("energy_basis") == "net" else energy["gross"])
        self._check_running()
        assert self._measurement is not None
        return self._measurement.so_far()[0]

    @property
    def attributed_energy_j(self) -> Optional[float]:
        """The job's own share (J) of the machine's energy, beside ``energy_j``: the job is this
        process and its children, charged by their share of the machine's busy CPU time
        (summary.json's ``attribution``; docs/explanation/attribution.md). None when nested, or
        when the CPU times it needs could not be read."""
        summary = self.summary()
        if summary is None or summary.get("attribution") is None:
            return None
        return float(summary["attribution"]["energy_j"])

    @property
    def energy_basis(self) -> Optional[str]:
        """"net" (gross minus the idle baseline) when a baseline was measured, else "gross"."""
        if self._reports_elsewhere():
            return None
        return "net" if float(self._options["baseline_s"]) > 0 else "gross"

    @property
    def g_co2e(self) -> Optional[float]:
        """Grams CO2e charged so far (None without a zone, or when nested)."""
        if self._reports_elsewhere():
            return None
        if self._state == "finished" and self._summary is not None:
            value = self._summary["carbon"]["g_co2e"]
            return None if value is None else float(value)
        self._check_running()
        assert self._measurement is not None
        return self._measurement.so_far()[1]

    def summary(self) -> Optional[Dict[str, Any]]:
        """The run as summary.json has it (same keys): final once the block ended, the window so
        far (``status`` "running") while it runs; None when nested (the outer run has it)."""
        if self._reports_elsewhere():
            return None
        if self._state == "finished":
            return self._summary
        self._check_running()
        assert self._measurement is not None
        text = self._measurement.summary_json()
        return json.loads(text) if text else None

    @property
    def run_id(self) -> Optional[str]:
        """The run's id in the run store and summary.json (None before the end, or nested)."""
        if self._summary is None:
            return None
        return str(self._summary["run_id"])

    @property
    def notes(self) -> List[str]:
        """Sensor choices and warnings, as ``powerml measure`` prints them."""
        return list(self._measurement.notes) if self._measurement is not None else []

    def __repr__(self) -> str:
        mode = "nested" if self.nested else "in-process"
        return f"<powerml.Tracker {self._state} {mode}>"


def current() -> Optional[Tracker]:
    """The innermost running Tracker of this thread, or None."""
    stack = _stack()
    return stack[-1] if stack else None


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """A phase of whatever is measuring this code: the current Tracker, else an outer
    ``powerml measure`` (through ``$POWERML_CONTROL``), else nothing (so instrumented code
    also runs unmeasured)."""
    begin_phase(name)
    try:
        yield
    finally:
        end_phase(name)


def _send_or_skip(line: str) -> None:
    path = _control_path()
    if path is not None:
        _core.send_control(path, line)


def begin_phase(name: str) -> None:
    """Opens a phase on the current Tracker or outer measurement (see phase())."""
    tracker = current()
    if tracker is not None:
        tracker.begin_phase(name)
    else:
        _core.check_name(name)
        _send_or_skip("begin " + name)


def end_phase(name: str) -> None:
    """Closes a phase on the current Tracker or outer measurement (see phase())."""
    tracker = current()
    if tracker is not None:
        tracker.end_phase(name)
    else:
        _core.check_name(name)
        _send_or_skip("end " + name)


def metric(name: str, value: Any) -> None:
    """Records a value on the current Tracker or outer measurement (see phase())."""
    tracker = current()
    if tracker is not None:
        tracker.metric(name, value)
    else:
        number = float(value)
        _core.check_name(name, True)
        _core.check_value(name, number)
        _send_or_skip(f"metric {name} {number!r}")


@overload
def track(func: F) -> F: ...
@overload
def track(func: None = None, **options: Any) -> Callable[[F], F]: ...


def track(func: Optional[F] = None, **options: Any) -> Any:
    """Measures every call of a function: ``@powerml.track`` or ``@powerml.track(zone="CY")``.

    ``options`` are Tracker's arguments (``name`` defaults to the function's name). The summary
    of the latest call is kept in ``wrapped.last_summary``; exceptions are re-raised after the
    run is written.
    """

    def decorate(f: F) -> F:
        kwargs = dict(options)
        kwargs.setdefault("name", getattr(f, "__name__", None))

        @functools.wraps(f)
        def wrapper(*args: Any, **kw: Any) -> Any:
            tracker = Tracker(**kwargs)
            try:
                with tracker:
                    return f(*args, **kw)
            finally:
                wrapper.last_summary = tracker.summary() if tracker._state == "finished" else None  # type: ignore[attr-defined]

        wrapper.last_summary = None  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    if func is not None:
        return decorate(func)
    return decorate
