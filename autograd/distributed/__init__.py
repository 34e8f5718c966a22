"""``torch.distributed`` on MPI: process groups, collectives, DDP's gradient reducer.

Launch one process per rank with MPI (``mpiexec -n 4 python train.py``, or
``python -m autograd.distributed.run --nproc-per-node 4 train.py``, which also sets
torchrun's ``RANK``/``LOCAL_RANK``/``WORLD_SIZE``); then::

    import autograd.distributed as dist      # was: import torch.distributed as dist
    dist.init_process_group("gloo")          # or "mpi": both run on MPI
    dist.all_reduce(t, op=dist.ReduceOp.SUM) # in place on t's NumPy buffer

mpi4py is optional (``pip install numbagrad[distributed]``): importing this package does
not need it; ``init_process_group`` and the collectives raise an ImportError naming the
install command when it is missing. Importing mpi4py initialises MPI, which happens at
the first of those calls.
"""
from __future__ import annotations

from .collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    all_to_all,
    all_to_all_single,
    barrier,
    broadcast,
    gather,
    irecv,
    isend,
    recv,
    reduce,
    reduce_op,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
    send,
)
from .objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from .process_group import (
    Backend,
    GroupMember,
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_node_local_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_gloo_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    is_torchelastic_launched,
    new_group,
)
from .reducer import Reducer

__all__ = [
    "Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Reducer", "Work", "all_gather",
    "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all",
    "all_to_all_single", "barrier", "broadcast", "broadcast_object_list",
    "destroy_process_group", "gather", "gather_object", "get_backend", "get_global_rank",
    "get_group_rank", "get_node_local_rank", "get_process_group_ranks", "get_rank",
    "get_world_size", "group", "init_process_group", "irecv", "is_available",
    "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available",
    "is_torchelastic_launched", "isend", "new_group", "recv", "reduce", "reduce_op",
    "reduce_scatter", "reduce_scatter_tensor", "scatter", "scatter_object_list", "send",
]
