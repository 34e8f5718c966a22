"""torch.distributed on MPI: the 2-rank checks run as ``mpiexec -n 2`` subprocesses (the worker
scripts in ``workers/`` assert against NumPy and print ``rank R OK name`` per check); the
rest runs in this process without initialising MPI."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from autograd.utils.data.distributed import DistributedSampler

import autograd as torch
import autograd.distributed as dist
import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RANKS = 2


def _mpiexec():
    pytest.importorskip("mpi4py", reason="the 2-rank tests need mpi4py (pip install numbagrad[distributed])")
    from autograd.distributed.run import find_mpiexec
    try:
        return find_mpiexec()
    except FileNotFoundError as e:
        pytest.skip(str(e))


def run_ranks(*args, timeout=120, cwd=None):
    """``mpiexec -n 2 python args...`` (or ``python args`` when args[0] is "-m"); returns
    the finished process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    cmd = [_mpiexec(), "-n", str(RANKS), sys.executable, *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def assert_checks(proc, names):
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    for rank in range(RANKS):
        for name in names:
            assert f"rank {rank} OK {name}" in proc.stdout, f"rank {rank} did not pass {name}\n{out[-6000:]}"


# ------------------------------------------------------------------ on two ranks
def test_collectives_against_numpy_on_two_ranks():
    proc = run_ranks(HERE / "workers" / "collectives.py")
    assert_checks(proc, ["all_reduce", "all_reduce_view", "all_reduce_dtypes", "async_op",
                         "broadcast", "reduce", "all_gather", "gather_scatter", "reduce_scatter",
                         "all_to_all", "send_recv", "objects", "groups",
                         "differentiable_all_reduce", "destroy"])


def test_ddp_matches_one_process_on_the_global_batch():
    proc = run_ranks(HERE / "workers" / "ddp.py")
    assert_checks(proc, ["ddp_matches_global_batch", "state_dict_prefix", "no_sync",
                         "find_unused_parameters", "unused_without_find_unused_raises",
                         "buffers_broadcast", "sync_batchnorm", "distributed_sampler"])


def test_a_failing_rank_aborts_the_whole_job():
    # rank 0 blocks in all_reduce; without the abort hook mpiexec would hang (timeout -> error)
    proc = run_ranks(HERE / "workers" / "fail.py", timeout=120)
    assert proc.returncode != 0
    assert "rank 1 fails on purpose" in proc.stderr
    assert "passed the all_reduce" not in proc.stdout


def test_ddp_tutorial_script_runs_with_the_imports_swapped(tmp_path):
    """pytorch/examples' multigpu_torchrun.py via the torchrun-like launcher (which sets
    RANK/LOCAL_RANK/WORLD_SIZE): 2 epochs, a snapshot from rank 0, equal final weights."""
    _mpiexec()
    # unbuffered: each print reaches the shared pipe as whole writes (atomic below PIPE_BUF),
    # so two ranks' lines can only meet at a line's end, never inside a line's text
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, "-m", "autograd.distributed.run", "--nproc-per-node",
                           str(RANKS), ROOT / "tests" / "programs" / "ddp_tutorial.py", "2", "1"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    for rank in range(RANKS):
        for epoch in range(2):
            assert f"[GPU{rank}] Epoch {epoch} | Batchsize: 32 | Steps: 32" in proc.stdout, proc.stdout
    assert "Epoch 1 | Training snapshot saved at snapshot.pt" in proc.stdout
    snapshot = torch.load(tmp_path / "snapshot.pt")
    assert snapshot["EPOCHS_RUN"] == 1 and list(snapshot["MODEL_STATE"]) == ["weight", "bias"]
    # a regex, not line splitting: another rank's print may follow on the same line
    finals = re.findall(r"\[GPU(\d)\] final weights (\[[^\]]*\] \[[^\]]*\])", proc.stdout)
    assert sorted(rank for rank, _ in finals) == [str(r) for r in range(RANKS)], proc.stdout
    assert len({w for _, w in finals}) == 1, finals     # the same weights on every rank


# ------------------------------------------------------------------ in this process (no MPI)
def test_not_initialised_errors_are_pytorchs():
    assert not dist.is_initialized()
    msg = "Default process group has not been initialized"
    for call in (dist.get_rank, dist.get_world_size, dist.get_backend, dist.barrier):
        with pytest.raises(ValueError, match=msg):
            call()
    with pytest.raises(ValueError, match=msg):
        DistributedSampler(list(range(4)))
    with pytest.raises(ValueError, match=msg):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(ValueError, match=msg):
        dist.all_reduce(torch.ones(2))


def test_backends_and_reduce_ops():
    assert dist.Backend("GLOO") == "gloo" == dist.Backend.GLOO
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.Backend("carrier-pigeon")
    with pytest.raises(RuntimeError, match="doesn't have NCCL built in"):
        dist.init_process_group("nccl")                  # refused before MPI is touched
    assert not dist.is_initialized()
    assert repr(dist.ReduceOp.SUM) == "<RedOpType.SUM: 0>"
    assert dist.ReduceOp.AVG == dist.ReduceOp.RedOpType.AVG and dist.reduce_op is dist.ReduceOp
    assert not dist.is_nccl_available()


def test_missing_mpi4py_names_the_install_command():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import autograd.distributed as dist\n"
            "assert not dist.is_available() or True\n"
            "try:\n"
            "    dist.init_process_group('gloo')\n"
            "except ImportError as e:\n"
            "    print('IMPORT ERROR:', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert "IMPORT ERROR:" in proc.stdout, proc.stdout + proc.stderr
    assert "pip install numbagrad[distributed]" in proc.stdout


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (2, 4, False),
                                                   (8, 2, False), (7, 1, True)])
def test_sampler_partition_and_padding_without_shuffle(n, replicas, drop_last):
    parts = [list(DistributedSampler(range(n), replicas, r, shuffle=False, drop_last=drop_last))
             for r in range(replicas)]
    per = -(-n // replicas) if not drop_last or n % replicas == 0 else (n - replicas) // replicas + (
        (n - replicas) % replicas > 0)
    padded = (list(range(n)) * (per * replicas // max(n, 1) + 1))[:per * replicas]
    assert parts == [padded[r::replicas] for r in range(replicas)]
    assert all(len(p) == per for p in parts)


def test_sampler_rank_out_of_range():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
