"""powerml.Tracker in-process: the same run as `powerml measure`, from inside Python."""
import gc
import json
import os
import time
import unittest

import powerml
from support import POWERML_BINARY, IsolatedTestCase, component, phase_named, powerml_cli


def key_paths(value, prefix=""):
    """Every key path of a JSON value ("energy_j.net", "phases[].usage.cpu_util_mean")."""
    paths = set()
    if isinstance(value, dict):
        for k, v in value.items():
            paths.add(prefix + k)
            paths |= key_paths(v, prefix + k + ".")
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, prefix[:-1] + "[].")
    return paths


class TrackerTest(IsolatedTestCase):
    def test_block_with_phases_has_the_cli_summary_schema(self):
        cli = powerml_cli(["measure", "-q", "--no-db", "--zone", "CY", "--out", str(self.tmp / "cli"), "--",
                           "sh", "-c", f"{POWERML_BINARY} mark load; {POWERML_BINARY} metric accuracy 0.5; "
                           f"{POWERML_BINARY} mark --end load"])
        self.assertEqual(cli.returncode, 0, cli.stderr)
        with powerml.Tracker(interval_ms=20, zone="CY", out=self.tmp / "py", db=False) as t:
            with t.phase("load"):
                t.metric("accuracy", 0.5)
                time.sleep(0.05)
        written = self.read_summary(self.tmp / "py")
        self.assertEqual(t.summary(), written)  # the dict is the file
        cli_summary = self.read_summary(self.tmp / "cli")
        self.assertEqual(written["schema"], "powerml.run/1")
        self.assertEqual(key_paths(written), key_paths(cli_summary))
        load = phase_named(written, "load")
        self.assertEqual(load["metrics"], {"accuracy": 0.5})
        self.assertGreaterEqual(load["duration_s"], 0.05)
        self.assertEqual(written["exit_status"], 0)
        self.assertEqual(written["carbon"]["zone"], cli_summary["carbon"]["zone"])
        for f in ("samples.csv", "phases.csv"):
            self.assertTrue((self.tmp / "py" / f).stat().st_size > 0, f)

    def test_energy_of_a_fake_counter_moved_inside_the_block(self):
        counter = self.fake_rapl()
        with powerml.Tracker(interval_ms=50, out=self.tmp / "out", db=False) as t:
            time.sleep(0.15)
            counter.write_text("5000000\n")  # +4 J
            time.sleep(0.15)
            self.assertAlmostEqual(component(t.summary(), "package-0")["energy_j"], 4.0, places=6)  # so far
            counter.write_text("9000000\n")  # +4 J
            time.sleep(0.15)
            counter.write_text("2000000\n")  # wraps at 10 J: +3.000001 J
            time.sleep(0.15)
        package = component(t.summary(), "package-0")
        self.assertEqual(package["kind"], "counter")
        self.assertAlmostEqual(package["energy_j"], 11.000001, places=6)
        self.assertEqual(t.summary()["data_quality"]["counter_wraps"], 1)
        self.assertGreaterEqual(t.energy_j, 11.000001 - 1e-6)  # summed components include the package

    def test_energy_and_carbon_are_on_one_basis(self):
        # With an idle baseline, energy_j is the net energy that g_co2e was charged on; the
        # summary's carbon says so, and its energy is the same figure.
        with powerml.Tracker(interval_ms=20, baseline_s=0.3, zone="GB", out=self.tmp / "b", db=False) as t:
            time.sleep(0.2)
        s = t.summary()
        self.assertEqual(t.energy_basis, "net")
        self.assertEqual(s["carbon"]["energy_basis"], "net")
        self.assertAlmostEqual(t.energy_j, s["energy_j"]["net"], places=9)
        self.assertAlmostEqual(t.energy_j, s["carbon"]["energy_j"], places=9)
        self.assertEqual(t.g_co2e, s["carbon"]["g_co2e"])
        with powerml.Tracker(interval_ms=20, zone="GB", out=self.tmp / "g", db=False) as u:
            time.sleep(0.1)
        self.assertEqual(u.energy_basis, "gross")
        self.assertAlmostEqual(u.energy_j, u.summary()["energy_j"]["gross"], places=9)

    def test_trackers_of_one_process_model_on_one_basis_and_see_a_changed_user_model(self):
        # Every Tracker of a process shares one load of the power-model catalog: a second one
        # models with the same model, and a model the user changes between two is still seen.
        (self.tmp / "sys").mkdir()
        os.environ["POWERML_SYSFS_ROOT"] = str(self.tmp / "sys")  # no RAPL here: the CPU is modelled
        os.environ["POWERML_POWER_MODELS_CPU"] = "fit/test/cpu"
        models = self.tmp / "xdg" / "powerml" / "power-models"
        models.mkdir(parents=True)

        def cpu_after_run(watts):
            (models / "mine.toml").write_text(
                'schema = "powerml.power-models/1"\n[[model]]\nid = "fit/test/cpu"\nkind = "cpu"\nform = "constant"\n'
                f'scale = "machine"\nwatts = {watts}\nsource = "this test"\nlicence = "CC0-1.0"\n'
                'match = { cpu = "Test CPU 1234" }\n')  # no CPU's: used because it is pinned
            with powerml.Tracker(db=False) as t:  # an empty block: one interval, charged at the model's watts
                pass
            cpu = [c for c in t.summary()["components"] if c["component"] == "cpu" and c["kind"] == "model"]
            self.assertEqual(len(cpu), 1, t.summary()["components"])
            return cpu[0], {(c["name"], c.get("model_id")) for c in t.summary()["components"]}

        first, first_components = cpu_after_run(7)
        second, second_components = cpu_after_run(7)
        self.assertEqual(first["model_id"], "fit/test/cpu")
        self.assertEqual(second_components, first_components)
        self.assertAlmostEqual(first["mean_power_w"], 7, delta=0.01)
        self.assertAlmostEqual(second["mean_power_w"], 7, delta=0.01)
        changed, _ = cpu_after_run(12.5)
        self.assertAlmostEqual(changed["mean_power_w"], 12.5, delta=0.01)

    def test_live_values_while_running(self):
        with powerml.Tracker(interval_ms=10, zone="CY", db=False) as t:
            time.sleep(0.1)
            running = t.summary()
            self.assertEqual(running["status"], "running")
            self.assertGreater(running["samples"], 1)
            self.assertIsInstance(t.energy_j, float)
            self.assertGreaterEqual(t.energy_j, 0.0)
            self.assertIsNotNone(t.g_co2e)
        self.assertEqual(t.summary()["status"], "finished")
        with powerml.Tracker(db=False) as no_zone:
            self.assertIsNone(no_zone.g_co2e)  # no zone: None, never a made-up 0
        self.assertIsNone(no_zone.summary()["carbon"]["g_co2e"])

    def test_exception_inside_the_block_writes_the_run_and_reraises(self):
        with self.assertRaises(ValueError):
            with powerml.Tracker(interval_ms=20, out=self.tmp / "out", db=False) as t:
                with t.phase("epoch-1"):
                    t.metric("loss", 2.5)
                    raise ValueError("diverged")
        written = self.read_summary(self.tmp / "out")
        self.assertEqual(written["exit_status"], 1)
        self.assertEqual(written["status"], "finished")
        epoch = phase_named(written, "epoch-1")
        self.assertEqual(epoch["metrics"], {"loss": 2.5})
        self.assertFalse(epoch["closed_at_exit"])  # the phase context manager closed it on the way out

    def test_keyboard_interrupt_is_recorded_as_sigint(self):
        with self.assertRaises(KeyboardInterrupt):
            with powerml.Tracker(out=self.tmp / "out", db=False):
                raise KeyboardInterrupt
        self.assertEqual(self.read_summary(self.tmp / "out")["exit_status"], 130)

    def test_a_forked_child_cannot_report_or_end_the_parents_run(self):
        with powerml.Tracker(out=self.tmp / "out", db=False) as t:
            pid = os.fork()
            if pid == 0:  # the child: what a forked DataLoader worker would do
                code = 0
                try:
                    t.metric("from_child", 1)
                except powerml.Error as e:
                    code = 7 if "forked" in str(e) else 8
                t.stop()  # leaves the parent's sampler alone
                t._measurement = None  # as at interpreter exit: must not wait for the parent's sampler thread
                gc.collect()
                os._exit(code)
            _, status = os.waitpid(pid, 0)
            self.assertEqual(os.waitstatus_to_exitcode(status), 7)
            t.metric("from_parent", 1)
        self.assertEqual(self.read_summary(self.tmp / "out")["metrics"], {"from_parent": 1.0})

    def test_run_goes_to_the_run_store_the_cli_reads(self):
        db = self.tmp / "runs.sqlite"
        with powerml.Tracker(db=db, name="train") as t:
            pass
        self.assertTrue(t.run_id)
        shown = powerml_cli(["runs", "--db", str(db), "show", t.run_id])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        stored = json.loads(shown.stdout)
        self.assertEqual(stored["run_id"], t.run_id)
        self.assertEqual([p["name"] for p in stored["phases"]], ["train"])

    def test_default_store_is_the_clis(self):
        with powerml.Tracker() as t:
            pass
        listed = powerml_cli(["runs", "list", "--format", "json"])
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn(t.run_id, listed.stdout)

    def test_bad_options_are_one_clear_error_before_anything_runs(self):
        with self.assertRaisesRegex(powerml.Error, "--interval"):
            powerml.Tracker(interval_ms=0, db=False).start()
        with self.assertRaisesRegex(powerml.Error, "nowhere"):
            powerml.Tracker(zone="nowhere", db=False).start()
        with self.assertRaisesRegex(powerml.Error, "one line"):
            powerml.Tracker(name="a\nb")
        with powerml.Tracker(db=False) as t:
            with self.assertRaisesRegex(powerml.Error, "spaces"):
                t.metric("two words", 1)
            with self.assertRaisesRegex(powerml.Error, "finite"):
                t.metric("loss", float("nan"))
        with self.assertRaisesRegex(powerml.Error, "not running"):
            t.metric("late", 1.0)

    def test_track_decorator_measures_each_call(self):
        @powerml.track(out=self.tmp / "out", db=False, interval_ms=20)
        def train(epochs):
            for e in range(epochs):
                with powerml.phase(f"epoch-{e}"):
                    powerml.metric("samples", 100)
            return "done"

        self.assertEqual(train(2), "done")
        summary = train.last_summary
        self.assertEqual(summary, self.read_summary(self.tmp / "out"))
        names = [p["name"] for p in summary["phases"]]
        self.assertEqual(names, ["train", "epoch-0", "epoch-1"])
        self.assertEqual(phase_named(summary, "epoch-1")["parent"], "train")

        @powerml.track(db=False)
        def broken():
            raise RuntimeError("boom")

        with self.assertRaisesRegex(RuntimeError, "boom"):
            broken()
        self.assertEqual(broken.last_summary["exit_status"], 1)

    def test_module_functions_report_nowhere_when_nothing_measures(self):
        self.assertIsNone(powerml.current())
        with powerml.phase("unmeasured"):
            powerml.metric("x", 1)  # instrumented code also runs unmeasured
        with powerml.Tracker(db=False) as outer:
            self.assertIs(powerml.current(), outer)
            with powerml.Tracker(db=False) as inner:
                self.assertIs(powerml.current(), inner)
                powerml.metric("inner_only", 1)
            self.assertIs(powerml.current(), outer)
        self.assertIsNone(powerml.current())
        self.assertIn("inner_only", inner.summary()["metrics"])
        self.assertNotIn("inner_only", outer.summary()["metrics"])


if __name__ == "__main__":
    unittest.main()
