"""Shared pytest setup: every test starts from the same random state.

Kept deliberately small and generic (other suites live under tests/ too): it only
seeds Python's, NumPy's legacy and the engine's global generators before each test.
"""
import random

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed_everything():
    random.seed(0)
    np.random.seed(0)
    import autograd
    autograd.manual_seed(0)
    yield
