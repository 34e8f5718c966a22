"""C1 (cold start) and M1 (peak memory) of shared/PERFORMANCE.md, each in a fresh
subprocess so that import time, JIT compilation and resident memory are the process's own.

C1: ``import autograd`` time; time of the first W1, W2 and W7 training step with an empty
Numba cache (everything compiles; a fresh cache directory per workload) and with a warm one
(the second process on that cache). M1: peak resident memory of a process that runs 50 W2
steps, for our engine and for PyTorch.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_IMPORT = "import time; t0 = time.perf_counter(); import autograd; print(time.perf_counter() - t0)"

_W2 = """
import json, sys, time, types
lib = sys.argv[1]
steps = int(sys.argv[2])
workload = sys.argv[4]
t0 = time.perf_counter()
if lib == "ours":
    import autograd, nn, optim
    import nn.functional as F
    L = types.SimpleNamespace(torch=autograd, nn=nn, F=F, optim=optim)
else:
    import torch
    torch.set_num_threads(int(sys.argv[3]))
    L = types.SimpleNamespace(torch=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim)
from benchmarks import workloads
step, _ = getattr(workloads, "make_" + workload)(L)
t1 = time.perf_counter()
step()
first = time.perf_counter() - t1
for _ in range(steps - 1):
    step()
# VmHWM, not getrusage's ru_maxrss: Linux carries the parent's maxrss into a child across
# fork+exec, so every subprocess would report at least the benchmark runner's own peak.
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(json.dumps({"import_and_build": t1 - t0, "first_step": first,
                  "peak_mib": int(hwm.split()[1]) / 1024}))
"""


def _run(code, *args, env=None):
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=ROOT, env=env, check=True)
    return out.stdout.strip().splitlines()[-1]


def measure(threads: int, with_torch: bool) -> dict:
    """Run the C1/M1 subprocesses; returns a dict of figures (seconds, MiB)."""
    res = {"import_s": min(float(_run(_IMPORT)) for _ in range(3))}
    for w in ("w1", "w2", "w7"):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            cold = json.loads(_run(_W2, "ours", "1", str(threads), w, env=env))
            warm = json.loads(_run(_W2, "ours", "50" if w == "w2" else "1", str(threads), w,
                                   env=env))
        res[f"first_{w}_cold_s"] = cold["first_step"]
        res[f"first_{w}_warm_s"] = warm["first_step"]
        res[f"build_{w}_cold_s"] = cold["import_and_build"]
        if w == "w2":
            res["peak_mib_ours"] = warm["peak_mib"]
    if with_torch:
        res["peak_mib_torch"] = json.loads(_run(_W2, "torch", "50", str(threads), "w2"))[
            "peak_mib"]
    return res


def report(threads: int, with_torch: bool) -> None:
    """Print the C1 and M1 rows."""
    r = measure(threads, with_torch)
    print(f"{'C1':<4} {'import autograd':<22} {'s':<8} {r['import_s']:>22.3f}")
    for w in ("w1", "w2", "w7"):
        name = w.upper()
        print(f"{'C1':<4} {f'first {name} step, cold':<22} {'s':<8} "
              f"{r[f'first_{w}_cold_s']:>22.2f}   (import + build {r[f'build_{w}_cold_s']:.2f} s)")
        print(f"{'C1':<4} {f'first {name} step, warm':<22} {'s':<8} "
              f"{r[f'first_{w}_warm_s']:>22.2f}")
    torch_cell = f"{r['peak_mib_torch']:>22.0f}" if "peak_mib_torch" in r else f"{'-':>22}"
    ratio = f"{r['peak_mib_ours'] / r['peak_mib_torch']:7.2f}" if "peak_mib_torch" in r else ""
    print(f"{'M1':<4} {'peak RSS, 50 W2 steps':<22} {'MiB':<8} {r['peak_mib_ours']:>22.0f} "
          f"{torch_cell} {ratio}")
