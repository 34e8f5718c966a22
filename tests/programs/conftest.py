"""The programs set process-wide switches, as real scripts do (``cudnn.benchmark = True``,
``torch.backends.cuda.matmul.allow_tf32 = True``); restore them after each test, in both
libraries, so the tests that check the defaults see the defaults."""
import pytest

import autograd


def _switches(lib):
    return (lib.backends.cudnn.benchmark, lib.backends.cudnn.deterministic,
            lib.backends.cudnn.allow_tf32, lib.get_float32_matmul_precision())


def _restore(lib, saved):
    cudnn = lib.backends.cudnn
    cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32, precision = saved
    lib.set_float32_matmul_precision(precision)


@pytest.fixture(autouse=True)
def _restore_global_switches():
    libs = [autograd]
    try:
        import torch
        libs.append(torch)
    except ImportError:
        pass
    saved = [(lib, _switches(lib)) for lib in libs]
    yield
    for lib, state in saved:
        _restore(lib, state)
