"""powerml.intensity gives what `powerml intensity --format json` prints."""
import datetime
import json
import unittest

import powerml
from support import IsolatedTestCase, powerml_cli


class IntensityTest(IsolatedTestCase):
    def test_same_data_as_the_cli(self):
        args = ["intensity", "--zone", "CY", "--from", "2024-03-01T00:00:00Z", "--to", "2024-03-01T06:00:00+02:00",
                "--format", "json"]
        cli = powerml_cli(args)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        from_cli = json.loads(cli.stdout)
        from_py = powerml.intensity("CY", "2024-03-01T00:00:00Z", "2024-03-01T06:00:00+02:00")
        self.assertEqual(from_py, from_cli)
        self.assertEqual(len(from_py["points"]), 4)  # 00:00 to 04:00 UTC, hourly

    def test_datetimes_and_basis(self):
        utc = datetime.timezone.utc
        start = datetime.datetime(2024, 3, 1, 0, tzinfo=utc)
        series = powerml.intensity("CY", start, start + datetime.timedelta(hours=2), basis="direct")
        self.assertEqual(series["basis"], "direct")
        cli = powerml_cli(["intensity", "--zone", "CY", "--from", "2024-03-01T00:00:00Z", "--to", "2024-03-01T02:00:00Z",
                           "--basis", "direct", "--format", "json"])
        self.assertEqual(series, json.loads(cli.stdout))
        with self.assertRaisesRegex(powerml.Error, "naive"):
            powerml.intensity("CY", datetime.datetime(2024, 3, 1), start)

    def test_unknown_zone_is_an_error(self):
        with self.assertRaises(powerml.Error):
            powerml.intensity("nowhere", "2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z")


if __name__ == "__main__":
    unittest.main()
