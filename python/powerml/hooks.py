"""Framework hooks: epochs and metrics from training loops, without importing any framework.

* ``EpochCallback``: for PyTorch-style hand-written loops (PyTorch has no callback system):
  ``on_epoch_begin(epoch)`` / ``on_epoch_end(epoch, {"loss": loss})``, or the ``epoch()``
  context manager, or ``epochs(range(n))`` around the loop. Values may be tensors or NumPy
  scalars: they are turned into numbers with ``float()``, so torch is never imported here.
* ``keras_callback()`` / ``powerml.KerasCallback``: a ``keras.callbacks.Callback`` subclass,
  created on first use when Keras (``keras`` or ``tensorflow.keras``) can be imported.

Both report to a given Tracker, or else to whatever measures the code at the time (the
innermost running Tracker, or an outer ``powerml measure``), like ``powerml.phase``.
"""
from __future__ import annotations

import contextlib
import importlib
import math
from typing import Any, Iterable, Iterator, Mapping, Optional, TypeVar

from . import tracker as _tracker

T = TypeVar("T")


class EpochCallback:
    """Marks training, epochs and per-epoch metrics on a Tracker (or the current measurement).

    ``train_phase`` names the phase around all epochs (None: no such phase); epoch ``i`` is the
    phase ``f"{epoch_prefix}-{i}"``. Metrics that are not finite numbers (a NaN loss) are
    skipped and counted in ``skipped_metrics`` rather than stopping the training.
    """

    def __init__(self, tracker: Optional[_tracker.Tracker] = None, epoch_prefix: str = "epoch",
                 train_phase: Optional[str] = "train") -> None:
        self._tracker = tracker
        self._prefix = epoch_prefix
        self._train_phase = train_phase
        self._open_epoch: Optional[str] = None
        self._training = False
        self.skipped_metrics = 0

    # Each call goes to the given Tracker, else to the module-level functions (current Tracker,
    # else the control channel, else nowhere).
    def _begin(self, name: str) -> None:
        (self._tracker.begin_phase if self._tracker is not None else _tracker.begin_phase)(name)

    def _end(self, name: str) -> None:
        (self._tracker.end_phase if self._tracker is not None else _tracker.end_phase)(name)

    def _metric(self, name: str, value: Any) -> None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.skipped_metrics += 1
            return
        if not math.isfinite(number):
            self.skipped_metrics += 1
            return
        (self._tracker.metric if self._tracker is not None else _tracker.metric)(name, number)

    def on_train_begin(self) -> None:
        if self._train_phase is not None and not self._training:
            self._begin(self._train_phase)
        self._training = True

    def on_train_end(self, metrics: Optional[Mapping[str, Any]] = None) -> None:
        if self._open_epoch is not None:
            self._end(self._open_epoch)
            self._open_epoch = None
        for name, value in (metrics or {}).items():
            self._metric(name, value)
        if self._train_phase is not None and self._training:
            self._end(self._train_phase)
        self._training = False

    def on_epoch_begin(self, epoch: int) -> None:
        if not self._training:
            self.on_train_begin()
        if self._open_epoch is not None:  # the previous epoch was never ended
            self._end(self._open_epoch)
        self._open_epoch = f"{self._prefix}-{epoch}"
        self._begin(self._open_epoch)

    def on_epoch_end(self, epoch: int, metrics: Optional[Mapping[str, Any]] = None) -> None:
        """Records ``metrics`` (name -> number) for the epoch, then closes it."""
        for name, value in (metrics or {}).items():
            self._metric(name, value)
        name = f"{self._prefix}-{epoch}"
        if self._open_epoch == name:
            self._end(name)
            self._open_epoch = None

    def log(self, **metrics: Any) -> None:
        """Records metrics for the current epoch: ``cb.log(loss=loss, accuracy=acc)``."""
        for name, value in metrics.items():
            self._metric(name, value)

    @contextlib.contextmanager
    def epoch(self, epoch: int) -> Iterator["EpochCallback"]:
        """``with cb.epoch(i): ...`` opens epoch i and closes it even if the body raises."""
        self.on_epoch_begin(epoch)
        try:
            yield self
        finally:
            self.on_epoch_end(epoch)

    def epochs(self, iterable: Iterable[T]) -> Iterator[T]:
        """``for e in cb.epochs(range(10)):`` wraps each iteration in an epoch phase and the
        whole loop in the training phase."""
        self.on_train_begin()
        try:
            for index, item in enumerate(iterable):
                label = item if isinstance(item, int) else index
                self.on_epoch_begin(label)
                yield item
                self.on_epoch_end(label)
        finally:
            self.on_train_end()


def _import_keras() -> Any:
    """keras, else tensorflow.keras; ImportError naming both when neither is installed."""
    for name in ("keras", "tensorflow.keras"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError("powerml.KerasCallback needs Keras: neither 'keras' nor 'tensorflow.keras' can be imported")


_keras_class: Optional[type] = None


def keras_callback_class() -> type:
    """The ``keras.callbacks.Callback`` subclass, created once, when first asked for."""
    global _keras_class
    if _keras_class is not None:
        return _keras_class
    keras = _import_keras()
    base = keras.callbacks.Callback

    def __init__(self: Any, tracker: Optional[_tracker.Tracker] = None, epoch_prefix: str = "epoch",
                 train_phase: Optional[str] = "train") -> None:
        base.__init__(self)
        self.powerml = EpochCallback(tracker, epoch_prefix, train_phase)

    def on_train_begin(self: Any, logs: Optional[Mapping[str, Any]] = None) -> None:
        self.powerml.on_train_begin()

    def on_train_end(self: Any, logs: Optional[Mapping[str, Any]] = None) -> None:
        self.powerml.on_train_end()

    def on_epoch_begin(self: Any, epoch: int, logs: Optional[Mapping[str, Any]] = None) -> None:
        self.powerml.on_epoch_begin(epoch)

    def on_epoch_end(self: Any, epoch: int, logs: Optional[Mapping[str, Any]] = None) -> None:
        self.powerml.on_epoch_end(epoch, logs)

    _keras_class = type("KerasCallback", (base,), {
        "__doc__": "Keras callback: each epoch is a PowerML phase, its logs (loss, accuracy, ...) its metrics.",
        "__module__": "powerml",
        "__init__": __init__,
        "on_train_begin": on_train_begin,
        "on_train_end": on_train_end,
        "on_epoch_begin": on_epoch_begin,
        "on_epoch_end": on_epoch_end,
    })
    return _keras_class


def keras_callback(tracker: Optional[_tracker.Tracker] = None, epoch_prefix: str = "epoch",
                   train_phase: Optional[str] = "train") -> Any:
    """A Keras callback for ``model.fit(..., callbacks=[powerml.keras_callback(t)])``."""
    return keras_callback_class()(tracker, epoch_prefix, train_phase)
