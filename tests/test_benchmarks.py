"""Smoke test of the benchmark runner (python -m benchmarks): it runs and prints its rows."""
from benchmarks.__main__ import main


def test_benchmark_runner_quick_w5_prints_ours_and_numpy_floor(capsys):
    assert main(["--quick", "--only", "W5", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("W5"))
    assert "GFLOP/s" in row
    floor = next(line for line in out.splitlines() if "numpy GEMM (floor)" in line)
    assert "(ours / numpy)" in floor
    assert "peak resident memory" in out
