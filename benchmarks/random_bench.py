"""The random streams side by side: our mt19937 samplers, NumPy's PCG64 (the generator
they replaced) and PyTorch CPU, on the same draws.

Usage::

    python benchmarks/random_bench.py [--reps N] [--threads N]

Workloads: ``randn(10**6)`` (float32: PyTorch's blockwise Box-Muller), ``rand(10**6)``,
``randperm(10**5)`` and an ``nn.Dropout(0.5)`` forward in training mode on a
(64, 4096) float32 batch. Prints the median (min-max) milliseconds of each, measured in
alternating rounds in one process, and the ratio ours / PyTorch (< 1 is faster).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd  # noqa: E402
import nn  # noqa: E402

try:
    import torch
except ImportError:  # the script still times ours and NumPy's
    torch = None


def _ms(fn, reps):
    fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def workloads():
    """name -> {library: zero-argument callable} for the same draw in each library."""
    pcg = np.random.default_rng(0)
    x_ours = autograd.ones(64, 4096)
    drop_ours = nn.Dropout(0.5)
    out = {
        "randn(10**6) float32": {
            "ours": lambda: autograd.randn(10**6),
            "numpy-pcg64": lambda: pcg.standard_normal(10**6, dtype=np.float32)},
        "rand(10**6) float32": {
            "ours": lambda: autograd.rand(10**6),
            "numpy-pcg64": lambda: pcg.random(10**6, dtype=np.float32)},
        "randperm(10**5)": {
            "ours": lambda: autograd.randperm(10**5),
            "numpy-pcg64": lambda: pcg.permutation(10**5)},
        "Dropout(0.5) fwd (64, 4096)": {
            "ours": lambda: drop_ours(x_ours),
            # the old dropout: a PCG64 uniform mask, compared and scaled in NumPy
            "numpy-pcg64": lambda: x_ours.numpy() * ((pcg.random((64, 4096)) >= 0.5)
                                                     / np.float32(0.5)).astype(np.float32)},
    }
    if torch is not None:
        x_t = torch.ones(64, 4096)
        drop_t = torch.nn.Dropout(0.5)
        out["randn(10**6) float32"]["torch"] = lambda: torch.randn(10**6)
        out["rand(10**6) float32"]["torch"] = lambda: torch.rand(10**6)
        out["randperm(10**5)"]["torch"] = lambda: torch.randperm(10**5)
        out["Dropout(0.5) fwd (64, 4096)"]["torch"] = lambda: drop_t(x_t)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    autograd.set_num_threads(args.threads)
    if torch is not None:
        torch.set_num_threads(args.threads)
    print(f"{'workload':30s} {'library':12s} {'median ms':>10s} {'(min-max)':>16s}")
    for name, libs in workloads().items():
        times = {lib: [] for lib in libs}
        for _ in range(3):                                     # alternating rounds
            for lib, fn in libs.items():
                times[lib] += _ms(fn, max(1, args.reps // 3))
        for lib, ts in times.items():
            print(f"{name:30s} {lib:12s} {statistics.median(ts):10.2f} "
                  f"({min(ts):6.2f}-{max(ts):6.2f})")
        if "torch" in times:
            ratio = statistics.median(times["ours"]) / statistics.median(times["torch"])
            print(f"{name:30s} {'ours/torch':12s} {ratio:10.2f}")


if __name__ == "__main__":
    main()
