"""The main job, data-parallel: MNIST-1D on several MPI processes with DistributedDataParallel.

The models, data and protocol of ``examples/mnist1d.py`` (Adam lr 1e-2, global batch 100,
cross-entropy), with the global batch split over the ranks: each rank trains a replica on
``100 / world_size`` samples per step chosen by a ``DistributedSampler``, and DDP averages
the gradients during backward, so all replicas stay identical. Rank 0 prints the same
table as the single-process run, plus the step time and the all-reduce figures.

Run::

    mpiexec -n 2 python examples/ddp_mnist1d.py --models cnn
    python -m autograd.distributed.run --nproc-per-node 2 examples/ddp_mnist1d.py --steps 200
    mpiexec -n 1 python examples/ddp_mnist1d.py --models cnn     # the 1-rank baseline

The code is PyTorch code with the imports swapped (``import autograd as torch``).
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
# this folder would shadow the `mnist1d` package (examples/mnist1d.py) when run as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from autograd.utils.data.distributed import DistributedSampler  # noqa: E402

import autograd as torch  # noqa: E402
import autograd.distributed as dist  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402
from autograd.datasets import load_mnist1d  # noqa: E402
from autograd.utils.data import DataLoader, TensorDataset  # noqa: E402
from nn.parallel import DistributedDataParallel as DDP  # noqa: E402


def _single_process_example():
    """examples/mnist1d.py as a module: its models, paper figures and evaluation."""
    spec = importlib.util.spec_from_file_location("_mnist1d_example", _HERE / "mnist1d.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_one(ex, name: str, data: dict, steps: int, seed: int, global_batch: int = 100,
              lr: float = 1e-2) -> dict:
    """Train one model data-parallel; returns its metrics (the same on every rank)."""
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(seed)
    model = DDP(ex.MODELS[name]())                 # rank 0's initial weights everywhere
    opt = optim.Adam(model.parameters(), lr=lr)
    x_train = torch.tensor(data["x"], dtype=torch.float32)
    y_train = torch.tensor(data["y"])
    x_test, y_test = torch.tensor(data["x_test"], dtype=torch.float32), torch.tensor(data["y_test"])
    train_set = TensorDataset(x_train, y_train)
    sampler = DistributedSampler(train_set, shuffle=True, seed=seed, drop_last=True)
    loader = DataLoader(train_set, batch_size=global_batch // world, sampler=sampler, drop_last=True)
    step, epoch, step_seconds = 0, 0, []
    model.reducer.wait_seconds = 0.0
    while step < steps:
        sampler.set_epoch(epoch)                   # a new shuffle per epoch, the same on all ranks
        for xb, yb in loader:
            t0 = time.perf_counter()
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()                        # gradients averaged over the ranks here
            opt.step()
            step_seconds.append(time.perf_counter() - t0)
            step += 1
            if step == steps:
                break
        epoch += 1
    _, test_acc = ex.evaluate(model.module, x_test, y_test)
    _, train_acc = ex.evaluate(model.module, x_train, y_train)
    warm = step_seconds[len(step_seconds) // 10:] or step_seconds
    return {"test_accuracy": round(test_acc, 2), "train_accuracy": round(train_acc, 2),
            "train_seconds": round(sum(step_seconds), 3), "paper": ex.PAPER[name],
            "step_ms": round(1000 * float(np.median(warm)), 3),
            "allreduce_wait_ms": round(1000 * model.reducer.wait_seconds / steps, 3),
            "allreduce_kib": round(model.reducer.comm_bytes / steps / 1024, 1),
            "buckets": len(model.reducer.buckets), "rank": rank, "ranks": world}


def main(argv=None) -> dict:
    ex = _single_process_example()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=list(ex.MODELS), choices=list(ex.MODELS))
    p.add_argument("--steps", type=int, default=8000, help="training steps per model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-root", default=None, help="MNIST-1D cache folder")
    p.add_argument("--threads", type=int, default=1, help="threads per rank (default 1)")
    args = p.parse_args(argv)
    if args.steps < 1:
        p.error("--steps must be >= 1")
    torch.set_num_threads(max(1, args.threads))
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if 100 % world:
        p.error(f"the global batch of 100 does not split over {world} ranks")
    if rank == 0:                                  # rank 0 generates/caches the data first
        data = load_mnist1d(args.data_root)
    dist.barrier()
    if rank != 0:
        data = load_mnist1d(args.data_root)
    if rank == 0:
        print(f"MNIST-1D on {world} rank(s): global batch 100 ({100 // world} per rank), "
              f"Adam lr 1e-2, {args.steps} steps, seed {args.seed}", flush=True)
    results = {name: train_one(ex, name, data, args.steps, args.seed) for name in args.models}
    everyone = [None] * world
    dist.all_gather_object(everyone, {n: r["test_accuracy"] for n, r in results.items()})
    assert all(e == everyone[0] for e in everyone), f"replicas disagree: {everyone}"
    if rank == 0:
        print(f"\n{'model':<10}| {'ours':>6} | {'paper':>5} | {'train time':>10} | {'step':>8} | "
              f"{'all-reduce wait':>15}")
        print("-" * 10 + "|" + "-" * 8 + "|" + "-" * 7 + "|" + "-" * 12 + "|" + "-" * 10 + "|"
              + "-" * 16)
        for name, r in results.items():
            print(f"{name:<10}| {r['test_accuracy']:5.1f}% | {r['paper']:4.0f}% | "
                  f"{r['train_seconds']:9.1f}s | {r['step_ms']:6.2f}ms | "
                  f"{r['allreduce_wait_ms']:7.3f}ms/step")
        print(f"ranks {world}, threads per rank {torch.get_num_threads()}; all-reduced per step: "
              + ", ".join(f"{n} {r['allreduce_kib']} KiB in {r['buckets']} bucket(s)"
                          for n, r in results.items()), flush=True)
    dist.destroy_process_group()
    return results


if __name__ == "__main__":
    main()
