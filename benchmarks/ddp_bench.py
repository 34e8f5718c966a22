"""Data-parallel step times on 1 and 2 MPI ranks (README: Distributed training).

Usage (the script launches the ranks itself)::

    python benchmarks/ddp_bench.py [--steps N] [--ranks 1 2]

For W1 (MLP), W2 (CNN) and W7 (a 4-block GPT: d=128, 4 heads, T=64, batch 16, causal
attention, GELU, AdamW; PERFORMANCE.md) it trains a ``DistributedDataParallel`` model on
the global batch split over the ranks, one thread per rank, and prints per workload the
median step time, the time blocked in the end-of-backward wait for the gradient
all-reduces, and one blocking ``all_reduce`` of the same gradient volume. Speed-up is
time(1 rank) / time(2 ranks) at the same global batch.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _gpt(torch, nn, vocab=64, d=128, heads=4, blocks=4, t=64):
    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(t, d)
            self.blocks = nn.ModuleList(
                nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
                for _ in range(blocks))
            self.norm = nn.LayerNorm(d)
            self.head = nn.Linear(d, vocab)
            self.register_buffer("mask", torch.triu(torch.full((t, t), float("-inf")), 1))

        def forward(self, idx):
            x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
            for blk in self.blocks:
                x = blk(x, src_mask=self.mask, is_causal=True)
            return self.head(self.norm(x)).reshape(-1, vocab)
    return GPT()


def _workload(name, torch, nn, rank, world):
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    if name == "W1":
        n = 128
        x = rng.standard_normal((n, 784)).astype(np.float32)
        y = rng.integers(0, 10, n)
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    elif name == "W2":
        n = 64
        x = rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, n)
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(1600, 10))
    else:
        n = 16
        x = rng.integers(0, 64, (n, 64))
        y = rng.integers(0, 64, (n, 64)).reshape(-1)
        model = _gpt(torch, nn)
    share = slice(rank * n // world, (rank + 1) * n // world)
    xs = torch.from_numpy(np.ascontiguousarray(x[share]))
    ys = torch.from_numpy(np.ascontiguousarray(y.reshape(n, -1)[share].reshape(-1)))
    return model, xs, ys


def worker(steps):
    import autograd as torch
    import autograd.distributed as dist
    import nn
    import nn.functional as F
    import optim
    torch.set_num_threads(1)
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    out = {}
    for name in ("W1", "W2", "W7"):
        model, x, y = _workload(name, torch, nn, rank, world)
        ddp = nn.parallel.DistributedDataParallel(model)
        opt = (optim.AdamW if name == "W7" else optim.Adam)(ddp.parameters(), lr=1e-3)
        times = []
        for i in range(steps + 3):
            dist.barrier()
            t0 = time.perf_counter()
            opt.zero_grad()
            F.cross_entropy(ddp(x), y).backward()
            opt.step()
            if i == 2:
                ddp.reducer.wait_seconds = 0.0
            if i >= 3:
                times.append(time.perf_counter() - t0)
        flat = torch.zeros(sum(p.numel() for p in model.parameters()))
        comm = []
        for _ in range(steps):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(flat)
            comm.append(time.perf_counter() - t0)
        out[name] = {"step_ms": statistics.median(times) * 1e3,
                     "wait_ms": ddp.reducer.wait_seconds / steps * 1e3,
                     "allreduce_ms": statistics.median(comm) * 1e3,
                     "grad_mb": flat.numel() * 4 / 1e6}
    if rank == 0:
        print("RESULT " + json.dumps(out))
    dist.destroy_process_group()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.steps)
        return
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    results = {}
    for n in args.ranks:
        proc = subprocess.run([mpiexec, "-n", str(n), sys.executable, __file__, "--worker",
                               "--steps", str(args.steps)], capture_output=True, text=True,
                              env=env, check=True)
        line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
        results[n] = json.loads(line[len("RESULT "):])
    print(f"{'workload':8s} {'ranks':>5s} {'step ms':>9s} {'wait ms':>9s} "
          f"{'all_reduce ms':>14s} {'grad MB':>8s} {'speed-up':>9s}")
    for name in ("W1", "W2", "W7"):
        for n in args.ranks:
            r = results[n][name]
            speed = results[args.ranks[0]][name]["step_ms"] / r["step_ms"]
            print(f"{name:8s} {n:5d} {r['step_ms']:9.2f} {r['wait_ms']:9.2f} "
                  f"{r['allreduce_ms']:14.2f} {r['grad_mb']:8.2f} {speed:9.2f}")


if __name__ == "__main__":
    main()
