"""sklearn's digits (1,797 8x8 images) read straight from python3-sklearn's CSV, without
importing sklearn: 64 pixel values (0..16) then the label on each row."""
import gzip
import importlib.util
import os
import unittest

import numpy as np


def load_digits():
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise unittest.SkipTest("python3-sklearn is not installed (it ships digits.csv.gz)")
    path = os.path.join(list(spec.submodule_search_locations)[0], "datasets", "data", "digits.csv.gz")
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    x = (data[:, :64] / 16.0).astype(np.float32)
    y = data[:, 64].astype(np.int64)
    return x, y
