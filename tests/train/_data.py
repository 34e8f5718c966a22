"""Small, learnable, deterministic data sets for the fit-loop tests."""
import numpy as np

import nn


def blobs(n=300, classes=3, features=8, seed=0, spread=0.6):
    """Gaussian blobs around well separated centres: (x float64 (n, features), y int64 (n,))."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (classes, features))
    y = rng.integers(0, classes, n)
    x = centres[y] + rng.normal(0, spread, (n, features))
    return x, y.astype(np.int64)


def mlp(features=8, classes=3, hidden=16):
    """features -> hidden -> classes logits."""
    return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, classes))
