"""Ranks of one torchrun job on one node, each with a Tracker: one meters the node.

Debian's torchrun (torch 1.13 on Python 3.11) fails before it starts workers (its Std enum
parsing), so the workers are started here with exactly the environment torchrun gives them:
RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_RUN_ID.
They form a real gloo process group and all-reduce between epochs.
"""
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import unittest
import uuid

from support import IsolatedTestCase, component, powerml_cli

try:
    import torch.distributed  # noqa: F401
    HAVE_TORCH = True
except ImportError:  # pragma: no cover - install-deps.sh installs python3-torch
    HAVE_TORCH = False

WORKER = textwrap.dedent("""
    import json, os, sys, time
    import torch, torch.distributed as dist
    import powerml
    dist.init_process_group("gloo")
    out = {}
    with powerml.Tracker(interval_ms=50, db=sys.argv[1]) as t:
        for epoch in (1, 2):
            with t.phase(f"epoch-{epoch}"):
                x = torch.ones(4) * (dist.get_rank() + 1)
                dist.all_reduce(x)
                out[f"sum{epoch}"] = float(x[0])
                time.sleep(1.0 + 0.5 * dist.get_rank())  # rank 1 ends later than rank 0
            t.metric("loss", 1.0 / epoch)
        out["metering"] = t.metering
    out["summary"] = t.summary()
    out["metered_by"] = t.metered_by
    dist.destroy_process_group()
    print(json.dumps(out))
""")

WATTS = 40.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(HAVE_TORCH, "python3-torch is not installed")
class TorchrunRanksTest(IsolatedTestCase):
    def drive_counter(self, counter, stop: threading.Event) -> None:
        """The package counter at WATTS, written atomically every 5 ms."""
        start = time.monotonic()
        tmp = counter.with_name("energy_uj.tmp")
        while not stop.is_set():
            tmp.write_text(f"{int(1_000_000 + (time.monotonic() - start) * WATTS * 1e6)}\n")
            os.replace(tmp, counter)
            time.sleep(0.005)

    def test_two_ranks_meter_the_node_once_and_both_phases_are_in_the_one_run(self) -> None:
        counter = self.fake_rapl(range_uj=262_143_328_850)
        stop = threading.Event()
        writer = threading.Thread(target=self.drive_counter, args=(counter, stop), daemon=True)
        writer.start()
        self.addCleanup(writer.join)
        self.addCleanup(stop.set)
        runtime = self.tmp / "runtime"
        runtime.mkdir(mode=0o700)
        db = self.tmp / "runs.sqlite"
        script = self.tmp / "worker.py"
        script.write_text(WORKER)
        run_id = str(uuid.uuid4())
        port = free_port()
        procs = []
        for rank in (0, 1):
            env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", LOCAL_WORLD_SIZE="2",
                       MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), TORCHELASTIC_RUN_ID=run_id,
                       POWERML_RUNTIME_DIR=str(runtime), OMP_NUM_THREADS="1")
            procs.append(subprocess.Popen([sys.executable, str(script), str(db)], env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
            results.append(json.loads(out.strip().splitlines()[-1]))
        self.assertEqual([r["sum1"] for r in results], [3.0, 3.0])  # the gloo group really ran
        meters = [r for r in results if r["metering"]]
        self.assertEqual(len(meters), 1, results)
        follower = next(r for r in results if not r["metering"])
        summary = meters[0]["summary"]
        self.assertIsNone(follower["summary"])
        self.assertIn(summary["run_id"], follower["metered_by"])
        # One meter: the package's energy is WATTS over the run, not twice that.
        package = component(summary, "package-0")
        self.assertAlmostEqual(package["mean_power_w"], WATTS, delta=0.1 * WATTS)
        self.assertAlmostEqual(package["energy_j"], WATTS * summary["duration_s"], delta=0.1 * WATTS * summary["duration_s"])
        # The meter stayed until the later rank left: the run covers both ranks' epochs.
        names = {p["name"] for p in summary["phases"]}
        self.assertEqual(names, {"rank0/epoch-1", "rank0/epoch-2", "rank1/epoch-1", "rank1/epoch-2"})
        last_end = max(p["end_s"] for p in summary["phases"])
        self.assertLessEqual(last_end, summary["duration_s"] + 1e-6)
        self.assertEqual(summary["metrics"].keys(), {"rank0/loss", "rank1/loss"})
        job = summary["job"]
        self.assertEqual(job["source"], "torchrun")
        self.assertEqual(sorted(r["rank"] for r in job["ranks"]), [0, 1])
        self.assertEqual(sum(1 for r in job["ranks"] if r["metering"]), 1)
        # The job summed across nodes: one node, both ranks, the same energy.
        key = job["key"]
        shown = powerml_cli(["runs", "--db", str(db), "job", key, "--format", "json"])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        total = json.loads(shown.stdout)
        self.assertEqual(len(total["nodes"]), 1)
        self.assertEqual(total["ranks_reported"], 2)
        self.assertAlmostEqual(total["energy_j"]["gross"], summary["energy_j"]["gross"], places=6)


if __name__ == "__main__":
    unittest.main()
