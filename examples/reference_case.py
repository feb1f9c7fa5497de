#!/usr/bin/python3
"""Seed 000's reference case, recomputed with `powerml plan` from the embedded data.

Runs examples/reference-mec.toml as it stands, then scores fixed starts (--start) at 12:00,
18:00 and 21:00 Nicosia time in Cyprus, and the same midday start in Sweden and the UK, on
the file's day (2023-06-15) and on every day of 2023. Prints the markdown tables used in
docs/reference-case.md.

    /usr/bin/python3 examples/reference_case.py [--powerml build/powerml]
"""
import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
NICOSIA = ZoneInfo("Asia/Nicosia")
PAPER = {"18:00": 1930.0, "21:00": 2610.0, "SE": -93.0, "GB": -38.0}


def plan(powerml, job_text, start=None, env=None):
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
        f.write(job_text)
        f.flush()
        cmd = [powerml, "plan", "--job", f.name, "--format", "json"]
        if start:
            cmd += ["--start", start]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
        return json.loads(out.stdout)


def job_for_day(template, day):
    """The reference job moved to `day`: earliest 09:00 local, deadline next day 12:00 local."""
    earliest = dt.datetime.combine(day, dt.time(9), NICOSIA).astimezone(dt.timezone.utc)
    deadline = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), NICOSIA).astimezone(dt.timezone.utc)
    out = []
    for line in template.splitlines():
        if line.startswith("earliest_start"):
            line = f'earliest_start = "{earliest:%Y-%m-%dT%H:%M:%SZ}"'
        elif line.startswith("deadline"):
            line = f'deadline = "{deadline:%Y-%m-%dT%H:%M:%SZ}"'
        out.append(line)
    return "\n".join(out) + "\n"


def utc(day, hour):
    return dt.datetime.combine(day, dt.time(hour), NICOSIA).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def without_site(template, name):
    """The job file without the [[site]] block called `name`."""
    blocks = template.split("[[site]]")
    keep = [b for b in blocks[1:] if f'name = "{name}"' not in b]
    return "[[site]]".join([blocks[0]] + keep)


def scores(powerml, template, day, env=None):
    """Grams at the three Cyprus starts, and Sweden / UK at midday (compute only and with transfer)."""
    text = job_for_day(template, day)
    out = {}
    for hour in (12, 18, 21):
        p = plan(powerml, text, utc(day, hour), env)
        out[f"CY {hour}:00"] = p["baseline"]["g_co2e"]
        if hour == 12:
            for o in p["options"]:
                if o["zone"] in ("SE", "GB"):
                    out[o["zone"] + " compute"] = o["compute_g"]
                    out[o["zone"] + " total"] = o["g_co2e"]
            out["CY mean g/kWh 12"] = p["baseline"]["mean_intensity_g_per_kwh"]
        out[f"CY mean g/kWh {hour}"] = p["baseline"]["mean_intensity_g_per_kwh"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--powerml", default=str(HERE.parent / "build" / "powerml"))
    ap.add_argument("--job", default=str(HERE / "reference-mec.toml"))
    args = ap.parse_args()
    template = Path(args.job).read_text()
    energy_kwh = None

    best = plan(args.powerml, template)
    print("## The plan for 2023-06-15\n")
    print(f"- baseline: {best['baseline']['site']} at {best['baseline']['start']}: {best['baseline']['g_co2e']:.0f} g")
    print(f"- best: {best['best']['site']} at {best['best']['start']}: {best['best']['g_co2e']:.0f} g "
          f"({best['savings_g']:.0f} g, {best['savings_pct']:.1f} % less)")
    print(f"- summary: {best['summary']}\n")
    energy_kwh = best["baseline"]["energy_j"] / 3.6e6

    day = dt.date(2023, 6, 15)
    s = scores(args.powerml, template, day)
    print("## 2023-06-15, fixed starts (Nicosia local time)\n")
    print("| comparison | paper | PowerML, compute only | PowerML, with the 144 GB transfer |")
    print("|---|---|---|---|")
    for hour in (18, 21):
        d = s[f"CY {hour}:00"] - s["CY 12:00"]
        print(f"| CY 12:00 instead of {hour}:00 | -{PAPER[f'{hour}:00'] / 1000:.2f} kg | {-d / 1000:+.2f} kg | (no transfer) |")
    for zone, label in (("SE", "Sweden"), ("GB", "UK")):
        c = 100 * (s[f"{zone} compute"] / s["CY 12:00"] - 1)
        t = 100 * (s[f"{zone} total"] / s["CY 12:00"] - 1)
        print(f"| {label} instead of CY, both at 12:00 | {PAPER[zone]:+.0f} % | {c:+.0f} % | {t:+.0f} % |")
    print()
    print(f"CY at 12:00 / 18:00 / 21:00: {s['CY 12:00']:.0f} / {s['CY 18:00']:.0f} / {s['CY 21:00']:.0f} g "
          f"(mean {s['CY mean g/kWh 12']:.0f} / {s['CY mean g/kWh 18']:.0f} / {s['CY mean g/kWh 21']:.0f} g/kWh); "
          f"SE {s['SE compute']:.0f} g compute, {s['SE total']:.0f} g with transfer; "
          f"UK {s['GB compute']:.0f} g compute, {s['GB total']:.0f} g with transfer; job energy {energy_kwh:.2f} kWh.\n")

    cloud = scores(args.powerml, template.replace("network_kwh_per_gb = 0.06", "network_kwh_per_gb = 0.001"), day)
    print("With the transfer at 0.001 kWh/GB (inside one cloud provider's network) on the same day: Sweden "
          f"{100 * (cloud['SE total'] / cloud['CY 12:00'] - 1):+.0f} %, UK {100 * (cloud['GB total'] / cloud['CY 12:00'] - 1):+.0f} % "
          "against CY at 12:00.\n")

    # Direct (operational) factors instead of lifecycle: SE has only a lifecycle yearly
    # average, so this variant leaves Sweden out.
    direct_env = dict(os.environ, POWERML_CARBON_BASIS="direct")
    direct_template = without_site(template, "sweden")
    sd = scores(args.powerml, direct_template, day, direct_env)
    print("Direct emission factors (no life-cycle share) on the same day: CY 12:00 / 18:00 / 21:00 "
          f"{sd['CY 12:00']:.0f} / {sd['CY 18:00']:.0f} / {sd['CY 21:00']:.0f} g "
          f"(12:00 saves {(sd['CY 18:00'] - sd['CY 12:00']) / 1000:.2f} kg vs 18:00, "
          f"{(sd['CY 21:00'] - sd['CY 12:00']) / 1000:.2f} kg vs 21:00); "
          f"UK vs CY at 12:00, compute only: {100 * (sd['GB compute'] / sd['CY 12:00'] - 1):+.0f} %.\n")

    rows, direct_rows = [], []
    d = dt.date(2023, 1, 1)
    while d.year == 2023 and d < dt.date(2023, 12, 31):
        rows.append(scores(args.powerml, template, d))
        direct_rows.append(scores(args.powerml, direct_template, d, direct_env))
        d += dt.timedelta(days=1)
    print(f"## Every day of 2023 ({len(rows)} days; the last is left out: its window runs into 2024)\n")
    print("| comparison | paper | mean | median | days it holds (saving > 0) |")
    print("|---|---|---|---|---|")
    for hour in (18, 21):
        diffs = [r[f"CY {hour}:00"] - r["CY 12:00"] for r in rows]
        print(f"| CY 12:00 instead of {hour}:00 | -{PAPER[f'{hour}:00'] / 1000:.2f} kg | {-statistics.mean(diffs) / 1000:+.3f} kg | "
              f"{-statistics.median(diffs) / 1000:+.3f} kg (largest {-max(diffs) / 1000:+.3f} kg) | {sum(x > 0 for x in diffs)} |")
    for zone, label in (("SE", "Sweden"), ("GB", "UK")):
        c = [100 * (r[f"{zone} compute"] / r["CY 12:00"] - 1) for r in rows]
        t = [100 * (r[f"{zone} total"] / r["CY 12:00"] - 1) for r in rows]
        print(f"| {label} vs CY at 12:00, compute only | {PAPER[zone]:+.0f} % | {statistics.mean(c):+.0f} % | "
              f"{statistics.median(c):+.0f} % | {sum(x < 0 for x in c)} |")
        print(f"| {label} vs CY at 12:00, with transfer at 0.06 kWh/GB | {PAPER[zone]:+.0f} % | {statistics.mean(t):+.0f} % | "
              f"{statistics.median(t):+.0f} % | {sum(x < 0 for x in t)} |")
    for hour in (18, 21):
        diffs = [r[f"CY {hour}:00"] - r["CY 12:00"] for r in direct_rows]
        print(f"| CY 12:00 instead of {hour}:00, direct factors | -{PAPER[f'{hour}:00'] / 1000:.2f} kg | "
              f"{-statistics.mean(diffs) / 1000:+.3f} kg | {-statistics.median(diffs) / 1000:+.3f} kg | {sum(x > 0 for x in diffs)} |")
    c = [100 * (r["GB compute"] / r["CY 12:00"] - 1) for r in direct_rows]
    print(f"| UK vs CY at 12:00, compute only, direct factors | {PAPER['GB']:+.0f} % | {statistics.mean(c):+.0f} % | "
          f"{statistics.median(c):+.0f} % | {sum(x < 0 for x in c)} |")
    d18 = statistics.mean(r["CY mean g/kWh 18"] - r["CY mean g/kWh 12"] for r in rows)
    d21 = statistics.mean(r["CY mean g/kWh 21"] - r["CY mean g/kWh 12"] for r in rows)
    print(f"\nMean intensity difference over the 5 h windows: 18:00 minus 12:00 {d18:.0f} g/kWh, "
          f"21:00 minus 12:00 {d21:.0f} g/kWh. Energy the paper's savings imply at these differences: "
          f"{PAPER['18:00'] / d18:.1f} kWh and {PAPER['21:00'] / d21:.1f} kWh "
          f"(the file's job: {energy_kwh:.2f} kWh).")


if __name__ == "__main__":
    main()
