"""powerml.plan gives what `powerml plan --format json` prints for the same job."""
import datetime
import json
import tomllib
import unittest

import powerml
from support import IsolatedTestCase, powerml_cli

JOB = """
[job]
name = "py-test"
duration = "3h"
power_w = 1000
earliest_start = "2023-06-15T00:00:00Z"
deadline = "2023-06-16T00:00:00Z"
data_gb = 0

[[site]]
name = "here"
zone = "DE"
current = true
jurisdiction = "EU"

[[site]]
name = "there"
zone = "FR"
jurisdiction = "EU"
"""


def hourly_csv(cheap_from, cheap_to, low, high):
    """2023-06-15 and 16 hourly: UTC hours cheap_from..cheap_to of the 15th at `low`, else `high`."""
    rows = ["time,value"]
    for h in range(48):
        value = low if cheap_from <= h < cheap_to else high
        rows.append(f"2023-06-{15 + h // 24:02}T{h % 24:02}:00:00Z,{value}")
    return "\n".join(rows) + "\n"


class PlanTest(IsolatedTestCase):
    def setUp(self):
        super().setUp()
        (self.tmp / "de.csv").write_text(hourly_csv(10, 14, 200, 500))  # here: cheap 10:00-14:00
        (self.tmp / "fr.csv").write_text(hourly_csv(0, 0, 100, 100))   # there: flat, cheaper
        (self.tmp / "job.toml").write_text(JOB)
        self.sources = [f"DE=csv:{self.tmp / 'de.csv'}", f"FR=csv:{self.tmp / 'fr.csv'}"]

    def cli_plan(self, extra=()):
        args = ["plan", "--job", str(self.tmp / "job.toml"), "--format", "json"]
        for s in self.sources:
            args += ["--source", s]
        r = powerml_cli(args + list(extra))
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_same_plan_as_the_cli(self):
        job = tomllib.loads(JOB)
        from_py = powerml.plan(job, sources=self.sources)
        self.assertEqual(from_py, self.cli_plan())
        self.assertEqual(from_py["best"]["site"], "there")
        self.assertEqual(from_py["baseline"]["site"], "here")
        self.assertGreater(from_py["best"]["savings_g"], 0)

    def test_fixed_start_and_datetimes(self):
        job = tomllib.loads(JOB)
        utc = datetime.timezone.utc
        job["job"]["earliest_start"] = datetime.datetime(2023, 6, 15, tzinfo=utc)
        job["job"]["deadline"] = datetime.datetime(2023, 6, 16, tzinfo=utc)
        start = datetime.datetime(2023, 6, 15, 10, tzinfo=utc)
        from_py = powerml.plan(job, sources=self.sources, start=start, alternatives=0)
        self.assertEqual(from_py, self.cli_plan(["--start", "2023-06-15T10:00:00Z", "--alternatives", "0"]))
        for option in from_py["options"]:
            self.assertEqual(option["start"], "2023-06-15T10:00:00Z")

    def test_bad_job_fields_are_named(self):
        job = tomllib.loads(JOB)
        job["job"]["power_w"] = -3
        with self.assertRaisesRegex(powerml.Error, "power_w"):
            powerml.plan(job, sources=self.sources)
        job["job"]["power_w"] = object()
        with self.assertRaisesRegex(powerml.Error, "job.power_w has a value of type object"):
            powerml.plan(job, sources=self.sources)
        job["job"]["power_w"] = 1000
        job["job"]["deadline"] = datetime.datetime(2023, 6, 16)
        with self.assertRaisesRegex(powerml.Error, "naive"):
            powerml.plan(job, sources=self.sources)


if __name__ == "__main__":
    unittest.main()
