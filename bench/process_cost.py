#!/usr/bin/python3
"""CPU time of whole processes against a baseline command, paired run by run.

  bench/process_cost.py REPEATS 'LABEL=COMMAND' 'LABEL=COMMAND' ...

The first command is the baseline. Each round runs every command once, in turn, its standard
output sent to /dev/null, and takes its CPU time (user + system of the child, from wait4's
rusage, which counts the whole process: exec, dynamic loading, exit). Printed per command: the
median CPU over the rounds and the median of its per-round ratio to the baseline of the same
round, so that whatever else loads the machine meanwhile hits both sides of each ratio.
COMMAND is split like a shell would (shlex), not run through one.
"""
import os
import shlex
import statistics
import subprocess
import sys


def cpu_of(argv):
    with open(os.devnull, "wb") as null:
        child = subprocess.Popen(argv, stdout=null)
        _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"process_cost: {shlex.join(argv)} exited with {os.waitstatus_to_exitcode(status)}")
    return usage.ru_utime + usage.ru_stime


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    repeats = int(sys.argv[1])
    cases = []
    for spec in sys.argv[2:]:
        label, _, command = spec.partition("=")
        cases.append((label, shlex.split(command)))
    for _, argv in cases:  # warm-up: page cache, first-run files
        cpu_of(argv)
    cpu = {label: [] for label, _ in cases}
    ratio = {label: [] for label, _ in cases}
    for _ in range(repeats):
        baseline = None
        for label, argv in cases:
            c = cpu_of(argv)
            cpu[label].append(c)
            baseline = c if baseline is None else baseline
            ratio[label].append(c / baseline if baseline > 0 else float("nan"))
    base_label = cases[0][0]
    print(f"| command | CPU, median of {repeats} | ratio to {base_label} (median of pairs) |")
    print("|---|---|---|")
    for label, argv in cases:
        print(f"| `{label}` | {statistics.median(cpu[label]) * 1000:.1f} ms | {statistics.median(ratio[label]):.2f} |")


if __name__ == "__main__":
    main()
