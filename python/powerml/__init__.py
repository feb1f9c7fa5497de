"""PowerML in Python: energy and carbon of training code, measured by PowerML's C++ core.

    import powerml

    with powerml.Tracker(interval_ms=100, baseline_s=5, zone="CY", out="runs/x") as t:
        for epoch in range(3):
            with t.phase(f"epoch-{epoch}"):
                loss = train_one_epoch()
                t.metric("loss", loss)
    print(t.summary()["energy_j"]["net"], t.g_co2e)

``@powerml.track(...)`` measures each call of a function. Under ``powerml measure`` the same
calls report phases and metrics to the outer measurement instead of starting a sampler.
``powerml.intensity(...)`` gives grid carbon intensity as ``powerml intensity --format json``.
``EpochCallback`` (PyTorch-style loops) and ``KerasCallback`` mark epochs from training code.
"""
from __future__ import annotations

import datetime as _datetime
from typing import Any, Dict, Optional, Union

from . import _core
from .hooks import EpochCallback, keras_callback, keras_callback_class
from .tracker import Tracker, begin_phase, current, end_phase, metric, phase, track

Error = _core.Error
__version__: str = _core.__version__

__all__ = [
    "Error", "Tracker", "track", "phase", "begin_phase", "end_phase", "metric", "current",
    "intensity", "plan", "EpochCallback", "keras_callback", "__version__",
]

TimeLike = Union[str, _datetime.datetime]


def _rfc3339(value: TimeLike, field: str) -> str:
    if isinstance(value, _datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise Error(f"intensity: {field} is a naive datetime; give it a timezone (e.g. datetime.timezone.utc)")
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise Error(f"intensity: {field} must be an RFC 3339 string or a timezone-aware datetime")


def intensity(zone: str, start: TimeLike, end: TimeLike, source: str = "embedded",
              basis: Optional[str] = None) -> Dict[str, Any]:
    """Grid carbon intensity of ``zone`` over [start, end), the same data as
    ``powerml intensity --zone ZONE --from START --to END --source SOURCE --format json``.

    ``start``/``end`` are RFC 3339 strings (any offset) or timezone-aware datetimes; ``source``
    is ``embedded``, ``csv:PATH`` or a configured provider; ``basis`` is ``lifecycle``
    (default) or ``direct``. Returns {zone, unit, signal, basis, source, answered_by,
    attribution, licence, note, points: [{time, duration_s, value, kind}]}.
    """
    if basis not in (None, "lifecycle", "direct"):
        raise Error(f"intensity: basis must be 'lifecycle' or 'direct' (got {basis!r})")
    return _core.intensity(zone, _rfc3339(start, "start"), _rfc3339(end, "end"), source, basis or "")


def plan(job: Dict[str, Any], sources: Optional[Any] = None) -> Dict[str, Any]:
    """The plan ``powerml plan --job FILE --format json`` prints, for a job given as a dict
    shaped like the job file ({"job": {...}, "site": [{...}, ...]})."""
    planner = getattr(_core, "plan", None)
    if planner is None:
        raise Error("this build of powerml has no planner; rebuild from a tree that includes it")
    return planner(job, sources)


def __getattr__(name: str) -> Any:
    # KerasCallback is created on first use, and only then is Keras imported.
    # Without Keras it is simply absent (hasattr() is False), and the message says why.
    if name == "KerasCallback":
        try:
            return keras_callback_class()
        except ImportError as missing:
            raise AttributeError(str(missing)) from missing
    raise AttributeError(f"module 'powerml' has no attribute {name!r}")
