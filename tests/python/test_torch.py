"""A PyTorch training loop on sklearn's digits, tracked epoch by epoch (skipped where Debian's
python3-torch is not installed)."""
import unittest

import powerml
from digits import load_digits
from support import IsolatedTestCase, phase_named

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


@unittest.skipIf(torch is None, "python3-torch is not installed")
class TorchTrainingTest(IsolatedTestCase):
    def test_mlp_on_digits_epoch_by_epoch(self):
        torch.manual_seed(0)
        torch.set_num_threads(1)
        x, y = load_digits()
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        order = torch.randperm(len(y))  # the CSV is in collection order: mix writers across the split
        x, y = x[order], y[order]
        train_x, train_y, test_x, test_y = x[:1500], y[:1500], x[1500:], y[1500:]
        model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
        epochs = 5
        with powerml.Tracker(interval_ms=50, zone="CY", out=self.tmp / "out", db=False, name="fit") as t:
            cb = powerml.EpochCallback(t)
            for epoch in cb.epochs(range(1, epochs + 1)):
                model.train()
                for i in range(0, len(train_x), 64):
                    optimiser.zero_grad()
                    loss = torch.nn.functional.cross_entropy(model(train_x[i:i + 64]), train_y[i:i + 64])
                    loss.backward()
                    optimiser.step()
                model.eval()
                with torch.no_grad(), t.phase("evaluate"):
                    accuracy = (model(test_x).argmax(dim=1) == test_y).float().mean()
                cb.log(loss=loss, accuracy=accuracy)  # tensors: turned into numbers by float()
        summary = self.read_summary(self.tmp / "out")
        for epoch in range(1, epochs + 1):
            phase = phase_named(summary, f"epoch-{epoch}")
            self.assertEqual(phase["parent"], "train")
            self.assertEqual(set(phase["metrics"]), {"loss", "accuracy"})
        self.assertGreater(phase_named(summary, f"epoch-{epochs}")["metrics"]["accuracy"], 0.85)
        self.assertIsNotNone(summary["carbon"]["g_co2e"])
        self.assertGreater(summary["energy_j"]["gross"], 0)


if __name__ == "__main__":
    unittest.main()
