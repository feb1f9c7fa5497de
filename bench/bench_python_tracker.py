#!/usr/bin/python3
"""What a powerml.Tracker costs a Python program (figures for docs/performance.md).

  PYTHONPATH=build/python /usr/bin/python3 bench/bench_python_tracker.py [REPEATS=50]

1. In one process: wall and CPU time of `with Tracker(...): pass` (start + stop around an empty
   block: sensor probe, first and last sample, summary, carbon), for the variants a user meets:
   no store, with a zone, with --out files, with the SQLite run store.
2. Whole processes (like bench_measure_overhead does for the CLI): CPU seconds and peak RSS of
   `python3 -c "import powerml; with powerml.Tracker(): pass"` against a bare `python3 -c pass`,
   which is how the ~1.5 CPU-s per run of a peer Python tracker was counted.

The power-model catalog is loaded once per process (power_models::CatalogCache) and a failed
NVML dlopen is remembered: in 1. the warm-up Tracker of the first variant pays for both and the
timed ones do not; the rows of 2. include them. Target: start + stop under 2 ms CPU (issue 18).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def in_process(repeats):
    import powerml

    tmp = tempfile.mkdtemp(prefix="powerml-bench-")
    variants = {
        "no store, no zone": dict(db=False),
        "zone CY": dict(db=False, zone="CY"),
        "zone CY + out files": dict(db=False, zone="CY", out=os.path.join(tmp, "out")),
        "run store (SQLite)": dict(db=os.path.join(tmp, "runs.sqlite")),
    }
    print(f"In-process, {repeats} Trackers each around an empty block, interval 100 ms, no baseline")
    print(f"{'variant':<24} {'wall median':>12} {'wall p95':>10} {'CPU median':>11}")
    for label, options in variants.items():
        with powerml.Tracker(**options):  # warm-up: first imports, page cache, SQLite schema
            pass
        walls, cpus = [], []
        for _ in range(repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            with powerml.Tracker(**options):
                pass
            walls.append((time.perf_counter() - w0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
        print(f"{label:<24} {statistics.median(walls):10.2f}ms {percentile(walls, 0.95):8.2f}ms "
              f"{statistics.median(cpus):9.2f}ms")


# Printed by the child at its end: its own peak RSS. wait4()'s ru_maxrss would include the
# parent's pages the child had between fork and exec.
PEAK_RSS = "\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"


def child_cost(code, repeats):
    """Median CPU seconds (wait4()'s rusage) and median peak RSS (MiB) of one child."""
    cpu, rss = [], []
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="powerml-bench-xdg-")
    for _ in range(repeats):
        child = subprocess.Popen([sys.executable, "-c", code + PEAK_RSS], env=env, stdout=subprocess.PIPE, text=True)
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{code!r} exited with {os.waitstatus_to_exitcode(status)}")
        cpu.append(usage.ru_utime + usage.ru_stime)
        rss.append(int(out.split()[-1]) / 1024)  # kB -> MiB
    return statistics.median(cpu), statistics.median(rss)


def whole_process(repeats):
    print(f"\nWhole process, median of {repeats} (CPU = user + system from wait4, peak RSS = VmHWM)")
    rows = [
        ("python3 -c pass", "pass"),
        ("+ import powerml", "import powerml"),
        ("+ one Tracker, default store", "import powerml\nwith powerml.Tracker(): pass"),
        ("+ one Tracker, zone CY", "import powerml\nwith powerml.Tracker(zone='CY'): pass"),
    ]
    for label, code in rows:
        cpu_s, rss_mb = child_cost(code, repeats)
        print(f"{label:<32} CPU {cpu_s * 1000:7.1f} ms   peak RSS {rss_mb:6.1f} MiB")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    in_process(n)
    whole_process(max(5, n // 5))
