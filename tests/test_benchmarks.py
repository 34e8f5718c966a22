"""Smoke tests of the benchmark scripts: they run and print their rows."""
import pytest

from benchmarks.__main__ import main


def test_benchmark_runner_quick_w5_prints_ours_and_numpy_floor(capsys):
    assert main(["--quick", "--only", "W5", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("W5"))
    assert "GFLOP/s" in row
    floor = next(line for line in out.splitlines() if "numpy GEMM (floor)" in line)
    assert "(ours / numpy)" in floor
    assert "peak resident memory" in out


def test_random_bench_workloads_run():
    from benchmarks import random_bench
    for name, libs in random_bench.workloads().items():
        for lib, fn in libs.items():
            fn()                                # each draw runs in each library


def test_ddp_bench_runs_on_one_rank(capsys):
    import shutil
    import sys
    from pathlib import Path
    if shutil.which("mpiexec", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("needs mpiexec from the [distributed] extra")
    from benchmarks import ddp_bench
    ddp_bench.main(["--steps", "1", "--ranks", "1"])
    out = capsys.readouterr().out
    assert "W7" in out and "speed-up" in out


@pytest.mark.parametrize("factory", ["make_w7", "make_w8", "make_w9"])
def test_model_workloads_run_in_both_libraries(factory):
    """W7-W9 are written once against the PyTorch API: the same code must run a training
    step in our engine and (when installed) in PyTorch."""
    import importlib.util
    import types

    import autograd
    import nn
    import nn.functional as F
    import optim
    from benchmarks import workloads
    libs = [types.SimpleNamespace(torch=autograd, nn=nn, F=F, optim=optim)]
    if importlib.util.find_spec("torch") is not None:  # PyTorch is optional here
        import torch
        libs.append(types.SimpleNamespace(torch=torch, nn=torch.nn, F=torch.nn.functional,
                                          optim=torch.optim))
    for L in libs:
        step, work = getattr(workloads, factory)(L)
        step()
        assert work == 1.0
