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


@pytest.fixture
def in_threads():
    """``in_threads(work, args_list)``: run ``work(*args)`` for each entry on its own
    thread, all at once, join them, and re-raise the first exception a thread raised (a
    bare ``threading.Thread`` would only print it and let the test pass)."""
    import threading

    def run(work, args_list):
        raised = []

        def guarded(*args):
            try:
                work(*args)
            except BaseException as e:  # noqa: BLE001 - handed to the test below
                raised.append(e)
        threads = [threading.Thread(target=guarded, args=tuple(a)) for a in args_list]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if raised:
            raise raised[0]
    return run
