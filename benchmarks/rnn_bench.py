"""W3 (PERFORMANCE.md) side by side with PyTorch CPU: one training step (zero_grad,
forward, cross-entropy, backward, Adam step) of x[32,50,32] batch_first through
RNN(tanh, hidden 128) and through GRU(hidden 128), last hidden -> Linear(128, 10).
An LSTM row (same shapes) is printed as well, for information.

Usage: ``python benchmarks/rnn_bench.py [--quick] [--threads N] [--rounds R] [--reps N]``

Both libraries run the same model code (benchmarks/workloads.py), alternating rounds
(ours, torch, ours, ...) so drift on a shared machine hits both alike. Prints median
(min-max) steps/s for ours and torch, and the ratio ours/torch of the medians.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from benchmarks import workloads as W  # noqa: E402


def _libs(threads):
    import autograd
    import nn
    import nn.functional as F
    import optim
    autograd.set_num_threads(threads)
    ours = types.SimpleNamespace(torch=autograd, nn=nn, F=F, optim=optim)
    try:
        import torch
    except ImportError:
        return ours, None
    torch.set_num_threads(threads)
    ref = types.SimpleNamespace(torch=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim)
    return ours, ref


def make_w3_lstm(L):
    """LSTM(hidden 128) variant of W3 (not a PERFORMANCE.md workload)."""
    (xa,) = W._data(0, (32, 50, 32))
    import numpy as np
    x = L.torch.from_numpy(xa)
    y = L.torch.from_numpy(np.random.default_rng(1).integers(0, 10, 32))
    L.torch.manual_seed(0)
    nn = L.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(32, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, inp):
            _, (h, _) = self.rnn(inp)
            return self.head(h[-1])

    return W._train_step(L, Net(), x, y), 1.0


def _time(step, reps):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        out.append(time.perf_counter() - t0)
    return out


def _fmt(times):
    rates = sorted(1.0 / t for t in times)
    return statistics.median(rates), rates[0], rates[-1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--reps", type=int, default=None)
    a = p.parse_args(argv)
    rounds = a.rounds or (2 if a.quick else 5)
    reps = a.reps or (3 if a.quick else 10)
    ours, ref = _libs(a.threads)
    print(f"W3 rnn workloads, {a.threads} threads, {rounds} rounds x {reps} steps per library")
    print(f"{'workload':<20}{'ours steps/s':>26}{'torch steps/s':>26}{'ratio':>8}")
    for name, make in [("W3 rnn (tanh)", W.make_w3_rnn), ("W3 gru", W.make_w3_gru),
                       ("lstm (info)", make_w3_lstm)]:
        so, _ = make(ours)
        st = make(ref)[0] if ref is not None else None
        for _ in range(3):  # warm-up: JIT compile / load the cache, BLAS threads, allocator
            so()
            if st:
                st()
        to, tt = [], []
        for _ in range(rounds):
            to += _time(so, reps)
            if st:
                tt += _time(st, reps)
        mo = _fmt(to)
        line = f"{name:<20}{mo[0]:>10.1f} ({mo[1]:6.1f}-{mo[2]:6.1f})"
        if st:
            mt = _fmt(tt)
            line += f"{mt[0]:>10.1f} ({mt[1]:6.1f}-{mt[2]:6.1f}){mo[0] / mt[0]:>8.2f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
