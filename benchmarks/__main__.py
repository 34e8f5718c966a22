"""Run the PERFORMANCE.md workloads in our engine and in PyTorch CPU, side by side.

Usage: ``python -m benchmarks [--quick] [--only W1,W5,C1] [--threads N]``

Each workload is built once per library from the same code (benchmarks/workloads.py),
warmed up, then timed in alternating rounds (ours, torch, ours, torch, ...) so drift on a
shared machine hits both alike; each block starts with a short pause and one untimed step so
the spinning thread pools of the library that ran before do not count against the next.
Prints the median (min-max) per library, the ratio ours/PyTorch (>1 is better for rates;
for W4, time per op, <1 is better), and our peak resident memory. C1 (import time, first
W2 step with a cold and a warm Numba cache) and M1 (peak memory of 50 W2 steps, ours vs
PyTorch) run in fresh subprocesses (startup.py).
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import types


def _libs(threads):
    import autograd
    import nn
    import nn.functional as F
    import optim
    ours = types.SimpleNamespace(name="numbagrad", torch=autograd, nn=nn, F=F, optim=optim)
    autograd.set_num_threads(threads)
    try:
        import torch
    except ImportError:
        return ours, None
    torch.set_num_threads(threads)
    ref = types.SimpleNamespace(name="torch", torch=torch, nn=torch.nn,
                                F=torch.nn.functional, optim=torch.optim)
    return ours, ref


def _time(step, reps, min_seconds=0.25):
    """Time ``step`` at least ``reps`` times and for at least ``min_seconds``.

    Before the block: a pause and one untimed step. Both libraries keep worker threads
    that spin-wait for a while after their last task (OpenBLAS, OpenMP); on a 2-core
    machine a block timed right after the other library ran measures that contention,
    not the library (PyTorch's W3 fell from ~200 to 6 steps/s that way). The pause lets
    those pools go to sleep; the untimed step wakes ours.
    """
    time.sleep(0.3)
    step()
    out = []
    start = time.perf_counter()
    while len(out) < reps or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        step()
        out.append(time.perf_counter() - t0)
    return out


def _summary(times, work, kind):
    import statistics
    vals = sorted((work / t) if kind == "rate" else (t / work * 1e6) for t in times)
    return statistics.median(vals), vals[0], vals[-1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    p.add_argument("--only", default="", help="comma-separated workload ids, e.g. W1,W5")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--rounds", type=int, default=None)
    args = p.parse_args(argv)

    from .workloads import WORKLOADS, numpy_gemm
    ours, ref = _libs(args.threads)
    only = {w.strip().upper() for w in args.only.split(",") if w.strip()}
    rounds = args.rounds or (2 if args.quick else 5)
    reps = 2 if args.quick else 5
    print(f"# numbagrad benchmarks  python {platform.python_version()}  "
          f"{platform.machine()}  {os.cpu_count()} cores  threads={args.threads}")
    if ref is None:
        print("# torch not installed: only our timings are shown (pip install -e '.[ref]')")
    header = f"{'id':<4} {'workload':<22} {'unit':<8} {'ours':>22} {'pytorch':>22} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for wid, title, factory, unit, kind in WORKLOADS:
        if only and wid not in only:
            continue
        step_o, work = factory(ours)
        step_r = factory(ref)[0] if ref is not None else None
        # W5's yardstick is NumPy's own GEMM, timed in the same alternation as the two
        # libraries (a separate block measured a different phase of a noisy machine).
        step_n, work_n = numpy_gemm() if wid == "W5" else (None, None)
        for s in (step_o, step_r, step_n):
            if s is not None:
                s()
                s()  # warm-up: JIT compile, allocator, caches
        t_o, t_r, t_n = [], [], []
        for _ in range(rounds):
            t_o += _time(step_o, reps)
            if step_r is not None:
                t_r += _time(step_r, reps)
            if step_n is not None:
                t_n += _time(step_n, reps)
        mo, lo, hi = _summary(t_o, work, kind)
        cell_o = f"{mo:9.2f} ({lo:.1f}-{hi:.1f})"
        if step_r is not None:
            mr, lr, hr = _summary(t_r, work, kind)
            cell_r = f"{mr:9.2f} ({lr:.1f}-{hr:.1f})"
            ratio = f"{mo / mr:7.2f}"
        else:
            cell_r, ratio = "-", "-"
        print(f"{wid:<4} {title:<22} {unit:<8} {cell_o:>22} {cell_r:>22} {ratio:>7}", flush=True)
        if step_n is not None:
            mg, _, _ = _summary(t_n, work_n, "rate")
            print(f"{'':<4} {'  numpy GEMM (floor)':<22} {unit:<8} {mg:9.2f}{'':>13} "
                  f"{'':>22} {mo / mg:7.2f}  (ours / numpy)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# peak resident memory of this process (both libraries): {peak:.0f} MiB")
    if not only or only & {"C1", "M1"}:
        from .startup import report
        report(args.threads, ref is not None)  # fresh subprocesses: their own import, JIT, RSS
    return 0


if __name__ == "__main__":
    sys.exit(main())
