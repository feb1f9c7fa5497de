"""Under `powerml measure`, the Python API reports to the outer run instead of sampling."""
import os
import sys
import textwrap
import unittest

from support import IsolatedTestCase, phase_named, powerml_cli

SCRIPT = textwrap.dedent("""
    import os, sys
    import powerml

    with powerml.Tracker(name="train", out=sys.argv[1]) as t:
        assert t.nested, "POWERML_CONTROL was set: the Tracker must report to the outer run"
        assert t.energy_j is None and t.summary() is None
        for epoch in range(1, 3):
            with t.phase(f"epoch-{epoch}"):
                t.metric("loss", 1.0 / epoch)
        powerml.metric("accuracy", 0.875)  # the module-level function finds the same Tracker

    @powerml.track
    def evaluate():
        with powerml.phase("batch"):
            pass

    evaluate()
    print("inner-done", flush=True)
""")


class NestedTest(IsolatedTestCase):
    def test_phases_and_metrics_reach_the_outer_run(self):
        script = self.tmp / "train.py"
        script.write_text(SCRIPT)
        inner = self.tmp / "inner"
        env = {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}
        r = powerml_cli(["measure", "-q", "--no-db", "--interval", "20", "--out", str(self.tmp / "outer"), "--",
                         sys.executable, str(script), str(inner)], env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("inner-done", r.stdout)  # the job's own output is untouched
        summary = self.read_summary(self.tmp / "outer")
        names = [p["name"] for p in summary["phases"]]
        self.assertEqual(names, ["train", "epoch-1", "epoch-2", "evaluate", "batch"])
        self.assertEqual(phase_named(summary, "epoch-2")["parent"], "train")
        self.assertEqual(phase_named(summary, "epoch-2")["metrics"], {"loss": 0.5})
        self.assertEqual(phase_named(summary, "train")["metrics"]["accuracy"], 0.875)
        self.assertEqual(phase_named(summary, "batch")["parent"], "evaluate")
        self.assertEqual(summary["data_quality"]["control_errors"], 0)
        self.assertFalse(inner.exists())  # no second measurement wrote its own run

    def test_exception_in_a_nested_block_closes_its_phases_and_fails_the_job(self):
        script = self.tmp / "fail.py"
        script.write_text(textwrap.dedent("""
            import powerml
            with powerml.Tracker(name="train") as t:
                with t.phase("epoch-1"):
                    raise SystemExit(3)
        """))
        r = powerml_cli(["measure", "-q", "--no-db", "--out", str(self.tmp / "outer"), "--", sys.executable, str(script)],
                        {"PYTHONPATH": os.environ.get("PYTHONPATH", "")})
        self.assertEqual(r.returncode, 3, r.stderr)
        summary = self.read_summary(self.tmp / "outer")
        self.assertEqual(summary["exit_status"], 3)
        for name in ("train", "epoch-1"):
            self.assertFalse(phase_named(summary, name)["closed_at_exit"], name)

    def test_nested_true_without_an_outer_run_is_an_error(self):
        import powerml
        with self.assertRaisesRegex(powerml.Error, "POWERML_CONTROL"):
            powerml.Tracker(nested=True)

    def test_nested_false_measures_in_process_even_under_measure(self):
        script = self.tmp / "own.py"
        script.write_text(textwrap.dedent("""
            import sys, powerml
            with powerml.Tracker(nested=False, db=False, out=sys.argv[1]) as t:
                t.metric("own", 1)
            assert not t.nested
        """))
        r = powerml_cli(["measure", "-q", "--no-db", "--", sys.executable, str(script), str(self.tmp / "own")],
                        {"PYTHONPATH": os.environ.get("PYTHONPATH", "")})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read_summary(self.tmp / "own")["metrics"], {"own": 1.0})


if __name__ == "__main__":
    unittest.main()
