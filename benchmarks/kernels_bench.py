"""Side-by-side timings of the conv and pool kernels against PyTorch CPU.

Not the main benchmark runner: a small script that justifies ``autograd/kernels/conv/``
and ``pool.py`` (PERFORMANCE.md, W6 and the pooling of W2). Usage::

    python benchmarks/kernels_bench.py [--quick] [--reps N]

Prints, per workload, the median (min-max) time of ours and of PyTorch, measured
alternately in one process with the same thread count, and the ratio.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autograd.kernels import conv as K  # noqa: E402
from autograd.kernels import pool as P  # noqa: E402

try:
    import torch
except ImportError:  # the script still times our kernels
    torch = None


def _time(fn, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return np.array(ts)


def _side_by_side(ours, theirs, reps, rounds):
    """Alternate ours/theirs for `rounds` rounds of `reps` calls; return all samples."""
    ours(), ours()  # warm-up: JIT compile, allocator, BLAS threads
    if theirs:
        theirs(), theirs()
    a, b = [], []
    for _ in range(rounds):
        a.append(_time(ours, reps))
        if theirs:
            b.append(_time(theirs, reps))
    return np.concatenate(a), (np.concatenate(b) if b else None)


def _report(name, a, b, unit_work=None, unit=""):
    def fmt(ts):
        s = f"{np.median(ts) * 1e3:8.2f} ms ({ts.min() * 1e3:.2f}-{ts.max() * 1e3:.2f})"
        if unit_work:
            s += f" {unit_work / np.median(ts) / 1e9:6.1f} {unit}"
        return s
    line = f"{name:28s} ours {fmt(a)}"
    if b is not None:
        line += f" | torch {fmt(b)} | speed ratio ours/torch {np.median(b) / np.median(a):.2f}"
    print(line, flush=True)


def bench_conv(reps, rounds, N=32, C=64, H=32, W=32, Cout=64, k=3, groups=1, name="W6 conv fwd+bwd"):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    w = rng.standard_normal((Cout, C // groups, k, k), dtype=np.float32)
    gy = rng.standard_normal((N, Cout, H, W), dtype=np.float32)
    geo = ((1, 1), (k // 2, k // 2), (1, 1), groups)

    stages = {
        "fwd": lambda: K.conv2d_forward(x, w, *geo),
        "grad-input": lambda: K.conv2d_backward_input(gy, w, x.shape, *geo),
        "grad-weight": lambda: K.conv2d_backward_weight(x, gy, w.shape, *geo),
    }

    def ours():
        for stage in stages.values():
            stage()

    theirs = None
    if torch is not None:
        xt = torch.from_numpy(x).requires_grad_()
        wt = torch.from_numpy(w).requires_grad_()
        gyt = torch.from_numpy(gy)

        def theirs():
            xt.grad = wt.grad = None
            torch.nn.functional.conv2d(xt, wt, None, *geo).backward(gyt)

    a, b = _side_by_side(ours, theirs, reps, rounds)
    flops = 3 * 2 * N * Cout * (C // groups) * k * k * H * W
    _report(name, a, b, flops, "GFLOP/s")
    # Where our time goes, and which algorithm conv.py's rule picked.
    alg = K.select_algorithm(x.dtype, C, Cout, groups, *geo[:3], k, k, H, W)
    parts = ", ".join(f"{s} {np.median(_time(fn, reps * rounds)) * 1e3:.1f}" for s, fn in stages.items())
    print(f"{'':28s} ours by stage ({alg}): {parts} ms", flush=True)


# Issue 14's conv shapes (W8 DCGAN, W9 ResNet), float32, batch 32, as
# (name, x shape, out channels, kernel, stride, padding, transposed). A transposed conv is
# listed by its own input; its kernels are the conv's with the roles swapped.
SHAPES_W89 = [
    ("W8 D 3->32 k4s2", (32, 3, 32, 32), 32, 4, 2, 1, False),
    ("W8 D 32->64 k4s2", (32, 32, 16, 16), 64, 4, 2, 1, False),
    ("W8 D 64->128 k4s2", (32, 64, 8, 8), 128, 4, 2, 1, False),
    ("W8 D 128->1 k4 4x4", (32, 128, 4, 4), 1, 4, 1, 0, False),
    ("W8 G T64->128 k4 1x1", (32, 64, 1, 1), 128, 4, 1, 0, True),
    ("W8 G T128->64 k4s2", (32, 128, 4, 4), 64, 4, 2, 1, True),
    ("W8 G T64->32 k4s2", (32, 64, 8, 8), 32, 4, 2, 1, True),
    ("W8 G T32->3 k4s2", (32, 32, 16, 16), 3, 4, 2, 1, True),
    ("W9 3x3s2 32->64", (32, 32, 32, 32), 64, 3, 2, 1, False),
    ("W9 3x3s2 64->128", (32, 64, 16, 16), 128, 3, 2, 1, False),
    ("W9 1x1s2 32->64", (32, 32, 32, 32), 64, 1, 2, 0, False),
    ("W9 1x1s2 64->128", (32, 64, 16, 16), 128, 1, 2, 0, False),
]


def bench_conv_paths(reps, rounds, shapes=SHAPES_W89, algorithms=("gemm", None)):
    """Forward + grad-input + grad-weight of each shape through each algorithm (None: the
    rule's pick), alternating with PyTorch's conv2d / conv_transpose2d fwd+bwd; medians
    and minima."""
    for shape in shapes:
        _conv_path_case(reps, rounds, algorithms, *shape)


def _conv_path_case(reps, rounds, algorithms, name, xs, cout, k, s, p, transposed):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs, dtype=np.float32)
    geo = ((s, s), (p, p), (1, 1), 1)
    if transposed:  # the conv whose grad-input this is: x is its gy
        H = (xs[2] - 1) * s - 2 * p + k
        cs = (xs[0], cout, H, H)
        w = rng.standard_normal((xs[1], cout, k, k), dtype=np.float32)
        xin, gy = rng.standard_normal(cs, dtype=np.float32), x
    else:
        OH = (xs[2] + 2 * p - k) // s + 1
        cs = xs
        w = rng.standard_normal((cout, xs[1], k, k), dtype=np.float32)
        xin, gy = x, rng.standard_normal((xs[0], cout, OH, OH), dtype=np.float32)
    picked = K.select_algorithm(x.dtype, cs[1], w.shape[0], 1, *geo[:3], k, k, *cs[2:])

    def ours_for(alg):
        def run():
            K.conv2d_forward(xin, w, *geo, algorithm=alg)
            K.conv2d_backward_input(gy, w, cs, *geo, algorithm=alg)
            K.conv2d_backward_weight(xin, gy, w.shape, *geo, algorithm=alg)
        return run
    fns = {alg or picked: ours_for(alg or picked) for alg in algorithms}
    if torch is not None:
        tf = torch.nn.functional
        fn = tf.conv_transpose2d if transposed else tf.conv2d
        xt = torch.from_numpy(x).requires_grad_()
        wt = torch.from_numpy(w).requires_grad_()
        gyt = torch.from_numpy(rng.standard_normal(fn(xt, wt, None, s, p).shape,
                                                   dtype=np.float32))

        def theirs():
            xt.grad = wt.grad = None
            fn(xt, wt, None, s, p).backward(gyt)
        fns["torch"] = theirs
    for f in fns.values():
        f(), f()
    times = {key: [] for key in fns}
    for _ in range(rounds):
        for key, f in fns.items():
            times[key].append(_time(f, reps))
    med = {key: float(np.median(np.concatenate(v))) * 1e3 for key, v in times.items()}
    low = {key: float(np.min(np.concatenate(v))) * 1e3 for key, v in times.items()}
    line = "  ".join(f"{key} {v:6.2f} ({low[key]:.2f})" for key, v in med.items())
    ratio = f"  torch/ours({picked}) {med['torch'] / med[picked]:.2f}" if "torch" in med else ""
    print(f"{name:22s} ms median (min): {line}{ratio}", flush=True)


def bench_maxpool(reps, rounds, shape=(64, 32, 26, 26), k=2):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    OH, OW = shape[2] // k, shape[3] // k
    gy = rng.standard_normal((shape[0], shape[1], OH, OW), dtype=np.float32)

    def ours():
        _, idx = P.max_pool2d_forward(x, (k, k), (k, k))
        P.max_pool2d_backward(gy, idx, shape[2:])

    theirs = None
    if torch is not None:
        xt = torch.from_numpy(x).requires_grad_()
        gyt = torch.from_numpy(gy)

        def theirs():
            xt.grad = None
            torch.nn.functional.max_pool2d(xt, k, k).backward(gyt)

    a, b = _side_by_side(ours, theirs, reps, rounds)
    _report(f"max_pool2d k{k} fwd+bwd", a, b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    ap.add_argument("--reps", type=int, default=5, help="calls per round")
    ap.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    ap.add_argument("--all", action="store_true", help="also depthwise and W2 convs")
    ap.add_argument("--w89", action="store_true",
                    help="only issue 14's W8/W9 conv shapes: gemm vs the rule's pick vs torch")
    args = ap.parse_args()
    reps, rounds = (2, 2) if args.quick else (args.reps, args.rounds)
    # Same thread count for both sides. Ours is set by NUMBA_NUM_THREADS and the BLAS
    # (OPENBLAS_NUM_THREADS) before start-up; torch follows NUMBA_NUM_THREADS here.
    threads = int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1))
    if torch is not None:
        torch.set_num_threads(threads)
    # Spin-waiting thread pools (OpenBLAS's above all) degrade badly when the machine is
    # oversubscribed, so print the load: ratios taken at a load above the core count are
    # not comparable with quiet-machine ones.
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"threads {threads} (cores {os.cpu_count()}, load {load:.1f}), numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'absent'}")
    if args.w89:
        bench_conv_paths(reps, rounds)
        return
    bench_conv(reps, rounds)
    bench_maxpool(reps, rounds)
    if args.all:
        bench_conv(reps, rounds, N=64, C=1, H=28, W=28, Cout=32, name="W2 conv1 1->32")
        bench_conv(reps, rounds, N=64, C=32, H=13, W=13, Cout=64, name="W2 conv2 32->64")
        bench_conv(reps, rounds, C=64, Cout=64, groups=64, name="depthwise 64 3x3")


if __name__ == "__main__":
    main()
