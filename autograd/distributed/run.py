"""A torchrun-like launcher over ``mpiexec``::

    python -m autograd.distributed.run --nproc-per-node 4 train.py --epochs 3
    python -m autograd.distributed.run --nproc-per-node 8 --hostfile hosts train.py

starts ``mpiexec -n N python train.py ...`` (``N`` = processes per node x nodes) and, in
each process, sets torchrun's environment before running the script as ``__main__``:
``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, and
``MASTER_ADDR``/``MASTER_PORT`` (informational; MPI does the rendezvous). The mpiexec
used is ``$NUMBAGRAD_MPIEXEC``, else the one beside this Python (the ``mpich`` wheel puts
it there), else the first on ``PATH``. The exit code is mpiexec's.
"""
from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["find_mpiexec", "main"]

_WORKER = "--_worker"  # internal: set the environment in an MPI process, then run the script


def find_mpiexec() -> str:
    """The mpiexec to launch with (see the module doc).

    Raises:
        FileNotFoundError: none found, with the install command.
    """
    env = os.environ.get("NUMBAGRAD_MPIEXEC")
    if env:
        return env
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.exists():
        return str(beside)
    found = shutil.which("mpiexec")
    if found:
        return found
    raise FileNotFoundError("mpiexec not found: pip install numbagrad[distributed] (brings "
                            "mpich's mpiexec), or set NUMBAGRAD_MPIEXEC to your MPI's launcher")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograd.distributed.run",
                                description="Run a script on several MPI processes (torchrun-like).")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1,
                   help="processes per machine (default 1)")
    p.add_argument("--nnodes", type=int, default=1, help="machines (default 1; with "
                   "--hostfile, mpiexec places the processes)")
    p.add_argument("--hostfile", default=None, help="mpiexec's host file, for several machines")
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1",
                   help="MASTER_ADDR to export (informational)")
    p.add_argument("--master-port", "--master_port", type=int, default=29500,
                   help="MASTER_PORT to export (informational)")
    p.add_argument("--mpiexec-args", default="", help="extra mpiexec arguments, one string")
    p.add_argument("script", help="the training script")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run mpiexec, return its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [_WORKER]:
        _worker(argv[1:])
        return 0
    ns = _parser().parse_args(argv)
    if ns.nproc_per_node < 1 or ns.nnodes < 1:
        raise SystemExit("--nproc-per-node and --nnodes must be at least 1")
    cmd = [find_mpiexec(), "-n", str(ns.nproc_per_node * ns.nnodes)]
    if ns.hostfile:
        if _is_hydra(cmd[0]):
            cmd += ["-f", ns.hostfile, "-ppn", str(ns.nproc_per_node)]
        else:
            cmd += ["--hostfile", ns.hostfile, "--map-by", f"ppr:{ns.nproc_per_node}:node"]
    cmd += ns.mpiexec_args.split()
    cmd += [sys.executable, "-m", "autograd.distributed.run", _WORKER,
            f"{ns.master_addr}:{ns.master_port}", ns.script, *ns.args]
    return subprocess.call(cmd)


def _is_hydra(mpiexec: str) -> bool:
    """True for MPICH's launcher (hydra: ``-f hosts -ppn N``), False for Open MPI's."""
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "HYDRA" in out.stdout.upper() or "MPICH" in out.stdout.upper()


def _worker(argv: list[str]) -> None:
    """In each MPI process: export torchrun's variables, then run the script as __main__."""
    master, script, args = argv[0], argv[1], argv[2:]
    from ._mpi import mpi
    MPI = mpi()
    world = MPI.COMM_WORLD
    node = world.Split_type(MPI.COMM_TYPE_SHARED)  # the processes on this machine
    local_rank, local_size = node.Get_rank(), node.Get_size()
    node.Free()
    addr, port = master.rsplit(":", 1)
    os.environ.update(RANK=str(world.Get_rank()), WORLD_SIZE=str(world.Get_size()),
                      LOCAL_RANK=str(local_rank), LOCAL_WORLD_SIZE=str(local_size),
                      GROUP_RANK=str(world.Get_rank() // max(local_size, 1)),
                      MASTER_ADDR=addr, MASTER_PORT=port)
    sys.argv = [script, *args]
    sys.path.insert(0, str(Path(script).resolve().parent))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    sys.exit(main())
