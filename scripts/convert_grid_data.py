#!/usr/bin/python3
"""Converts the reference grid data in /work/shared/data/grid (or argv[1]) into PowerML's
compact embedded format under data/grid/ (or argv[2]). Deterministic: same input, same bytes.

Outputs (schemas in data/README.md):
  hourly/index.csv           zone,alias,year,hours,file for every hourly file.
  hourly/<ZONE>_<YEAR>.csv   one line per UTC hour from Jan 1 00:00: LCA and direct intensity in
                             hundredths of gCO2eq/kWh as integers, and 1 when the hour is estimated.
  annual.csv                 zone,name,year,g_per_kwh,source (latest Electricity Maps year per zone,
                             then zone-means 2020-2022, then Ember by ISO3 country code).
  cloud-regions.csv          provider,region,zone,g_per_kwh,source
  emission-factors.csv       set,source,lifecycle,direct
"""
import csv
import datetime as dt
import json
import os
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "grid")
DST = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "data", "grid")


def centi(text):
    # Source values have at most two decimals; round half away from zero like the C++ side.
    v = float(text)
    return int(v * 100 + (0.5 if v >= 0 else -0.5))


def convert_hourly():
    os.makedirs(os.path.join(DST, "hourly"), exist_ok=True)
    index = []
    for name in sorted(os.listdir(os.path.join(SRC, "hourly"))):
        if not name.endswith("_hourly.csv"):
            continue
        alias, year = name[: -len("_hourly.csv")].rsplit("_", 1)
        zone = None
        start = dt.datetime(int(year), 1, 1, tzinfo=dt.timezone.utc)
        hours = (dt.datetime(int(year) + 1, 1, 1, tzinfo=dt.timezone.utc) - start) // dt.timedelta(hours=1)
        rows = [None] * hours
        with open(os.path.join(SRC, "hourly", name), newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            i_time = 0
            i_direct = next(i for i, h in enumerate(header) if "(direct)" in h)
            i_lca = next(i for i, h in enumerate(header) if "(LCA)" in h)
            i_est = header.index("Data Estimated")
            i_zone = header.index("Zone Id")
            for line_no, r in enumerate(reader, start=2):
                t = dt.datetime.strptime(r[i_time], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
                h = (t - start) // dt.timedelta(hours=1)
                zone = zone or r[i_zone]
                if r[i_zone] != zone or not 0 <= h < hours or rows[h] is not None:
                    sys.exit(f"{name}:{line_no}: unexpected zone, time or duplicate hour")
                est = 1 if r[i_est].strip().lower() == "true" else 0
                rows[h] = (centi(r[i_lca]), centi(r[i_direct]), est)
        missing = [i for i, r in enumerate(rows) if r is None]
        if missing:
            sys.exit(f"{name}: {len(missing)} hours missing")
        # The source file names use older zone names (DE-LU, BR-SP, CL-SIC); keep them as aliases.
        index.append((zone, alias if alias != zone else "", year, hours, f"{zone}_{year}.csv"))
        out = os.path.join(DST, "hourly", f"{zone}_{year}.csv")
        with open(out, "w", encoding="ascii", newline="\n") as f:
            f.write(f"# powerml-hourly/1 zone={zone} year={year} step_s=3600 unit=cg/kWh columns=lca,direct,estimated\n")
            for lca, direct, est in rows:
                f.write(f"{lca},{direct},{est}\n" if est else f"{lca},{direct}\n")
    with open(os.path.join(DST, "hourly", "index.csv"), "w", encoding="ascii", newline="\n") as f:
        f.write("zone,alias,year,hours,file\n")
        for row in sorted(index):
            f.write(",".join(str(x) for x in row) + "\n")


def convert_annual():
    by_zone = {}
    for year in range(2021, 2030):
        path = os.path.join(SRC, "annual", f"electricitymaps_yearly_{year}.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for zone, entry in data.items():
            ci = entry.get("carbonIntensity", {}).get("value")
            if ci is None:
                continue
            by_zone[zone] = (entry.get("zone", {}).get("zoneName", ""), year, float(ci), "Electricity Maps yearly (co2.js)")
    with open(os.path.join(SRC, "annual", "electricitymaps-zone-means-2020-2022.csv"), encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        for r in reader:
            if r[0] in by_zone:
                continue
            for col in range(len(header) - 1, 0, -1):
                if r[col]:
                    by_zone[r[0]] = ("", int(header[col]), float(r[col]), "Electricity Maps zone means 2020-2022 (umassos)")
                    break
    with open(os.path.join(SRC, "annual", "ember-country-average-intensities.json"), encoding="utf-8") as f:
        for key, entry in json.load(f).items():
            code = entry.get("country_code") or ""
            if len(code) != 3 or code in by_zone:
                continue
            by_zone[code] = (entry.get("country_or_region", ""), int(entry["year"]),
                             float(entry["emissions_intensity_gco2_per_kwh"]), "Ember (co2.js)")
    with open(os.path.join(DST, "annual.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("zone,name,year,g_per_kwh,source\n")
        for zone in sorted(by_zone):
            name, year, ci, source = by_zone[zone]
            f.write(f"{zone},{name.replace(',', ' ')},{year},{ci:g},{source}\n")
    return by_zone


# AWS and Azure publish no grid zone; these are the Electricity Maps zones of the regions' states
# or countries (facts from the providers' region pages). Regions not listed map by country name.
US_ZONES = {
    "Virginia": "US-MIDA-PJM", "Ohio": "US-MIDA-PJM", "California": "US-CAL-CISO", "Oregon": "US-NW-BPAT",
    "Iowa": "US-MIDW-MISO", "Illinois": "US-MIDW-MISO", "Texas": "US-TEX-ERCO", "Wyoming": "US-NW-PACE",
    "Washington": "US-NW-BPAT", "Arizona": "US-SW-AZPS", "Georgia": "US-SE-SOCO",
}


def convert_cloud(by_zone):
    name_to_zone = {v[0]: z for z, v in by_zone.items() if v[0] and "-" not in z and len(z) == 2}
    name_to_zone.update({"United Kingdom": "GB", "England": "GB", "London": "GB", "South Korea": "KR",
                         "Hong Kong": "HK", "UAE": "AE", "Paris": "FR", "Helsinki": "FI", "Frankfurt": "DE",
                         "Brussels": "BE", "Gavle": "SE", "Pune": "IN-WE", "Mumbai": "IN-WE", "India": "IN-WE",
                         "Chennai": "IN-SO", "Cardiff": "GB"})
    rows = []
    with open(os.path.join(SRC, "cloud-regions", "gcp_dc_zonecode_mapper.json"), encoding="utf-8") as f:
        gcp_zone = json.load(f)
    fixes = {"AUS-NSW": "AU-NSW", "AUS-VIC": "AU-VIC"}
    for provider, file, country_col in (("aws", "grid-emissions-factors-aws.csv", "Country"),
                                        ("azure", "grid-emissions-factors-azure.csv", "Location"),
                                        ("gcp", "grid-emissions-factors-gcp.csv", "Location")):
        with open(os.path.join(SRC, "cloud-regions", file), encoding="utf-8-sig") as f:
            for r in csv.DictReader(f):
                region = r["Region"].strip()
                place = r[country_col].strip()
                if provider == "gcp":
                    zone = fixes.get(gcp_zone.get(region, ""), gcp_zone.get(region, ""))
                else:
                    zone = US_ZONES.get(place) or name_to_zone.get(place, "")
                    if not zone:
                        for word in place.replace(",", " ").split():
                            zone = name_to_zone.get(word, "") or zone
                raw = r["CO2e (metric ton/kWh)"].strip()
                # Two Azure rows lost their "0." ("000077" for 0.000077 t/kWh); read them as meant.
                if raw.startswith("000") and "." not in raw:
                    raw = "0." + raw
                factor = float(raw) * 1e6  # t/kWh -> g/kWh
                rows.append((provider, region.replace(",", " "), zone, f"{factor:.1f}", r["Source"].strip().replace(",", " ")))
    with open(os.path.join(DST, "cloud-regions.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("provider,region,zone,g_per_kwh,source\n")
        for row in sorted(rows):
            f.write(",".join(row) + "\n")


def convert_factors():
    with open(os.path.join(SRC, "emission-factors", "ipcc-ar5-defaults.json"), encoding="utf-8") as f:
        data = json.load(f)
    lines = ["set,source,lifecycle,direct"]
    for source in sorted(data["lifecycle"]):
        lc = data["lifecycle"][source]
        if not isinstance(lc, dict) or "value" not in lc:
            continue
        lines.append(f"ipcc-ar5,{source},{lc['value']:g},{data['direct'][source]['value']:g}")
    # IPCC SRREN (2011) lifecycle medians named in /work/shared/data/README.md; no direct set given.
    for source, v in sorted({"gas": 469, "coal": 1001, "oil": 840, "nuclear": 16, "wind": 12,
                             "solar": 46, "hydro": 4, "biomass": 18}.items()):
        lines.append(f"ipcc-srren,{source},{v},")
    with open(os.path.join(DST, "emission-factors.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    convert_hourly()
    convert_cloud(convert_annual())
    convert_factors()
