"""Framework hooks: a plain NumPy training loop with EpochCallback, and the Keras callback
against a stand-in `keras` module (Keras itself is not packaged for Debian 12)."""
import sys
import types
import unittest

import numpy as np

import powerml
from digits import load_digits
from support import IsolatedTestCase, phase_named


def softmax_regression_epoch(w, x, y, rate=0.5):
    """One full-batch gradient step of softmax regression; returns (loss, accuracy)."""
    logits = x @ w
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(len(y)), y] + 1e-12).mean()
    onehot = np.eye(w.shape[1], dtype=x.dtype)[y]
    w -= rate * x.T @ (p - onehot) / len(y)
    return float(loss), float((p.argmax(axis=1) == y).mean())


class EpochCallbackTest(IsolatedTestCase):
    def test_numpy_training_loop_on_digits_is_tracked_epoch_by_epoch(self):
        x, y = load_digits()
        w = np.zeros((64, 10), dtype=np.float32)
        with powerml.Tracker(interval_ms=20, out=self.tmp / "out", db=False) as t:
            cb = powerml.EpochCallback(t)
            losses = []
            for epoch in cb.epochs(range(1, 6)):
                for _ in range(20):
                    loss, acc = softmax_regression_epoch(w, x, y)
                cb.log(loss=np.float32(loss), accuracy=acc)
                losses.append(loss)
        summary = self.read_summary(self.tmp / "out")
        names = [p["name"] for p in summary["phases"]]
        self.assertEqual(names, ["train"] + [f"epoch-{i}" for i in range(1, 6)])
        for i in range(1, 6):
            phase = phase_named(summary, f"epoch-{i}")
            self.assertEqual(phase["parent"], "train")
            self.assertAlmostEqual(phase["metrics"]["loss"], losses[i - 1], places=5)
            self.assertGreater(phase["duration_s"], 0)
        self.assertLess(losses[-1], losses[0])  # it really trained
        self.assertGreater(phase_named(summary, "epoch-5")["metrics"]["accuracy"], 0.8)

    def test_explicit_calls_close_what_was_left_open(self):
        with powerml.Tracker(db=False) as t:
            cb = powerml.EpochCallback(t, epoch_prefix="ep", train_phase="fit")
            cb.on_epoch_begin(0)  # opens "fit" too
            cb.on_epoch_begin(1)  # epoch 0 never ended: closed here
            with cb.epoch(2):
                cb.log(loss=float("nan"), note="not a number")  # skipped, not fatal
            cb.on_train_end({"accuracy": 0.9})
        names = [p["name"] for p in t.summary()["phases"]]
        self.assertEqual(names, ["fit", "ep-0", "ep-1", "ep-2"])
        self.assertTrue(all(not p["closed_at_exit"] for p in t.summary()["phases"]))
        self.assertEqual(cb.skipped_metrics, 2)
        self.assertEqual(phase_named(t.summary(), "fit")["metrics"], {"accuracy": 0.9})

    def test_without_a_tracker_it_reports_to_the_current_one(self):
        cb = powerml.EpochCallback()
        with powerml.Tracker(db=False) as t:
            with cb.epoch(7):
                cb.log(loss=1.5)
            cb.on_train_end()
        self.assertEqual(phase_named(t.summary(), "epoch-7")["metrics"], {"loss": 1.5})


class KerasCallbackTest(IsolatedTestCase):
    def setUp(self):
        super().setUp()
        self._saved_modules = {k: sys.modules.get(k) for k in ("keras", "keras.callbacks")}
        import powerml.hooks
        powerml.hooks._keras_class = None

    def tearDown(self):
        import powerml.hooks
        powerml.hooks._keras_class = None
        for k, v in self._saved_modules.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        super().tearDown()

    def install_fake_keras(self):
        keras = types.ModuleType("keras")
        callbacks = types.ModuleType("keras.callbacks")

        class Callback:  # the part of keras.callbacks.Callback that fit() relies on
            def __init__(self):
                self.model = None

        callbacks.Callback = Callback
        keras.callbacks = callbacks
        sys.modules["keras"] = keras
        sys.modules["keras.callbacks"] = callbacks
        return Callback

    def test_absent_without_keras(self):
        try:
            import keras  # noqa: F401
            self.skipTest("a real Keras is installed")
        except ImportError:
            pass
        self.assertFalse(hasattr(powerml, "KerasCallback"))
        with self.assertRaisesRegex(ImportError, "Keras"):
            powerml.keras_callback()

    def test_fit_loop_drives_phases_and_metrics(self):
        base = self.install_fake_keras()
        self.assertTrue(issubclass(powerml.KerasCallback, base))
        with powerml.Tracker(db=False) as t:
            cb = powerml.keras_callback(t)
            self.assertIsInstance(cb, base)
            # What keras.Model.fit does with its callbacks.
            cb.on_train_begin(logs={})
            for epoch in range(2):
                cb.on_epoch_begin(epoch, logs={})
                cb.on_epoch_end(epoch, logs={"loss": 0.5 / (epoch + 1), "val_accuracy": 0.75 + epoch / 8})
            cb.on_train_end(logs={})
        summary = t.summary()
        self.assertEqual([p["name"] for p in summary["phases"]], ["train", "epoch-0", "epoch-1"])
        self.assertEqual(phase_named(summary, "epoch-1")["metrics"], {"loss": 0.25, "val_accuracy": 0.875})


if __name__ == "__main__":
    unittest.main()
