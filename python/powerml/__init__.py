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
import json
import os
from typing import Any, Dict, Optional, Sequence, Union

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
            raise Error(f"{field} is a naive datetime; give it a timezone (e.g. datetime.timezone.utc)")
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise Error(f"{field} must be an RFC 3339 string or a timezone-aware datetime")


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


def plan(job: Dict[str, Any], sources: Union[None, str, Sequence[str]] = None, start: Optional[TimeLike] = None,
         alternatives: int = 2, base_dir: Union[str, "os.PathLike[str]"] = "") -> Dict[str, Any]:
    """When and where to run a job: the plan ``powerml plan --job FILE --format json`` prints.

    ``job`` is shaped like the job file (docs/reference/job-file.md), e.g.
    ``{"job": {"name": "fit", "duration": "3h", "power_w": 300, "deadline": "2024-06-02T00:00:00Z"},
    "site": [{"name": "here", "zone": "DE", "current": True}, {"name": "there", "zone": "FR"}]}``;
    times may be RFC 3339 strings or timezone-aware datetimes. ``sources`` are ``--source``
    values (``SPEC`` for every zone or ``ZONE=SPEC``), ``start`` is ``--start`` (score that start
    instead of searching), ``alternatives`` is ``--alternatives``; a relative ``run`` path in the
    job resolves against ``base_dir``. Returns {baseline, best, options, ...} with ``site``,
    ``zone``, ``start``, ``end``, ``g_co2e``, ``savings_g`` and ``savings_pct``.
    """
    if isinstance(sources, str):
        sources = [sources]
    start_text = None if start is None else _rfc3339(start, "start")
    return json.loads(_core.plan_json(job, list(sources or []), start_text, alternatives, os.fspath(base_dir)))


def __getattr__(name: str) -> Any:
    # KerasCallback is created on first use, and only then is Keras imported.
    # Without Keras it is simply absent (hasattr() is False), and the message says why.
    if name == "KerasCallback":
        try:
            return keras_callback_class()
        except ImportError as missing:
            raise AttributeError(str(missing)) from missing
    raise AttributeError(f"module 'powerml' has no attribute {name!r}")
