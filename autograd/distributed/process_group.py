"""Process groups on MPI communicators: ``init_process_group``, ``new_group``, ranks.

The default group wraps a duplicate of ``MPI.COMM_WORLD`` (so a script's own mpi4py calls
on COMM_WORLD never match ours). Rank and world size come from MPI: ``mpiexec -n 4 python
train.py`` needs no arguments. When ``RANK``/``WORLD_SIZE`` are set (torchrun-style
launchers, ``python -m autograd.distributed.run``) or passed, they must agree with MPI's
process count, and the ranks are renumbered to them (``MPI_Comm_split`` keyed by RANK).
"""
from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from . import _mpi

__all__ = ["Backend", "GroupMember", "ProcessGroup", "destroy_process_group", "get_backend",
           "get_global_rank", "get_group_rank", "get_node_local_rank", "get_process_group_ranks",
           "get_rank", "get_world_size", "group", "init_process_group", "is_available",
           "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available",
           "is_torchelastic_launched", "new_group"]

_NOT_INIT = ("Default process group has not been initialized, please make sure to call "
             "init_process_group.")


class Backend(str):
    """A backend name, as a lower-case string (``Backend.GLOO == "gloo"``).

    ``"mpi"`` and ``"gloo"`` both run on MPI here (``gloo`` is accepted so unchanged CPU
    scripts run); GPU backends (``nccl``, ``ucc``, ``xccl``) are not built in.
    """

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    _KNOWN = ("undefined", "gloo", "nccl", "ucc", "mpi", "xccl")

    def __new__(cls, name: str) -> Backend:
        """``Backend("GLOO")`` -> ``"gloo"``; ValueError for a name that is no backend."""
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got "
                             f"{type(name).__name__}")
        value = name.lower()
        if value not in cls._KNOWN:
            raise ValueError(f"Invalid backend: '{name}'")
        return str.__new__(cls, value)


class ProcessGroup:
    """A set of processes that run collectives together (one MPI communicator).

    Attributes:
        comm: the mpi4py communicator.
        ranks: the members' global ranks, in group-rank order.
    """

    def __init__(self, comm: Any, ranks: Sequence[int], backend: str) -> None:
        self.comm = comm
        self.ranks = list(ranks)
        self._backend = Backend(backend)

    def rank(self) -> int:
        """This process's rank in the group."""
        return int(self.comm.Get_rank())

    def size(self) -> int:
        """The number of processes in the group."""
        return len(self.ranks)

    def name(self) -> str:
        """The backend name."""
        return str(self._backend)

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self._backend!r}, ranks={self.ranks})"


class _State:
    world: ProcessGroup | None = None
    groups: list[ProcessGroup] = []
    prev_excepthook: Any = None


class _WorldMeta(type):
    @property
    def WORLD(cls) -> ProcessGroup | None:  # noqa: N802 (PyTorch's name)
        """The default group (None before ``init_process_group``)."""
        return _State.world


class GroupMember(metaclass=_WorldMeta):
    """``GroupMember.WORLD`` (the default group) and ``NON_GROUP_MEMBER`` (what
    ``new_group`` returns to processes outside the new group)."""

    NON_GROUP_MEMBER = -100


class group(metaclass=_WorldMeta):  # noqa: N801 (PyTorch's name)
    """``group.WORLD``: the default group."""


def is_available() -> bool:
    """True when the distributed package can run (mpi4py is installed)."""
    return _mpi.available()


def is_mpi_available() -> bool:
    """True when mpi4py is installed."""
    return _mpi.available()


def is_gloo_available() -> bool:
    """True when ``backend="gloo"`` works (here it runs on MPI: mpi4py is installed)."""
    return _mpi.available()


def is_nccl_available() -> bool:
    """False: no GPU backend."""
    return False


def is_torchelastic_launched() -> bool:
    """True under torchelastic (``TORCHELASTIC_RUN_ID`` set), as PyTorch checks it."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def is_initialized() -> bool:
    """True between ``init_process_group`` and ``destroy_process_group``."""
    return _State.world is not None


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"init_process_group: environment variable {name}={value!r} is not "
                         f"an integer") from None


def _backend_name(backend: str | None) -> Backend:
    if backend is None:
        return Backend(Backend.MPI)
    name = str(backend).lower()
    if ":" in name:  # "cpu:gloo,cuda:nccl": the CPU entry is the one that runs here
        devices = dict(part.split(":", 1) for part in name.split(",") if ":" in part)
        if "cpu" not in devices:
            raise RuntimeError(f"init_process_group: backend {backend!r} names no backend for "
                               f"the CPU, the only device here")
        name = devices["cpu"]
    if name in (Backend.NCCL, Backend.UCC, Backend.XCCL):
        raise RuntimeError(f"Distributed package doesn't have {name.upper()} built in "
                           f"(numbagrad runs on the CPU: use backend='gloo' or 'mpi', both "
                           f"run on MPI)")
    return Backend(name)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: Any = None, world_size: int = -1, rank: int = -1,
                       store: Any = None, group_name: str = "", pg_options: Any = None,
                       device_id: Any = None) -> None:
    """Start the default process group on MPI (all processes of ``mpiexec``).

    Args:
        backend: ``"mpi"`` (default) or ``"gloo"`` (a synonym here); ``"cpu:gloo,cuda:nccl"``
            uses its CPU entry. GPU backends raise RuntimeError.
        init_method, store, timeout, group_name, pg_options, device_id: accepted and
            ignored (MPI's launcher does the rendezvous; there is no timeout).
        world_size: must equal MPI's process count when given (or ``WORLD_SIZE`` set).
        rank: this process's rank (default ``RANK`` when set, else MPI's rank); the
            ranks of all processes must be a permutation of ``0 .. world_size - 1``.

    Raises:
        ValueError: called twice; world size or ranks that disagree with MPI.
        ImportError: mpi4py is missing (``pip install numbagrad[distributed]``).

    From here on, an uncaught exception on any rank aborts the whole job
    (``MPI.COMM_WORLD.Abort(1)``) instead of leaving the other ranks waiting.
    """
    if _State.world is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = _backend_name(backend)
    MPI = _mpi.mpi()
    world = MPI.COMM_WORLD
    size, mpi_rank = world.Get_size(), world.Get_rank()
    want_size = world_size if world_size is not None and world_size >= 0 else _env_int("WORLD_SIZE")
    if want_size is not None and want_size != size:
        raise ValueError(f"init_process_group: world_size {want_size} but MPI started {size} "
                         f"process(es); launch with `mpiexec -n {want_size} python ...`")
    want_rank = rank if rank is not None and rank >= 0 else _env_int("RANK")
    key = mpi_rank if want_rank is None else want_rank
    keys = world.allgather(key)  # every process must agree on the numbering
    if sorted(keys) != list(range(size)):
        raise ValueError(f"init_process_group: the ranks given by the processes ({keys}, from "
                         f"rank= or RANK) are not a permutation of 0..{size - 1}")
    if keys == list(range(size)):
        comm = world.Dup()
    else:
        comm = world.Split(0, key)
    _State.world = ProcessGroup(comm, range(size), name)
    _State.groups = [_State.world]
    _install_abort_hook()


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free ``group`` (default: every group, and the default group is gone: the
    abort-on-exception hook is removed and ``init_process_group`` may run again)."""
    if _State.world is None:
        raise ValueError(_NOT_INIT)
    if group is None or group is _State.world:
        for g in _State.groups:
            g.comm.Free()
        _State.groups, _State.world = [], None
        _remove_abort_hook()
        return
    if isinstance(group, ProcessGroup) and group in _State.groups:
        _State.groups.remove(group)
        group.comm.Free()


def new_group(ranks: Sequence[int] | None = None, timeout: Any = None, backend: str | None = None,
              pg_options: Any = None, use_local_synchronization: bool = False,
              group_desc: str | None = None, device_id: Any = None,
              sort_ranks: bool = True) -> Any:
    """A group of the given global ranks (all by default). Every process of the default
    group must call it, members or not; non-members get ``GroupMember.NON_GROUP_MEMBER``.

    Args:
        ranks: global ranks of the members (sorted unless ``sort_ranks=False``).
        backend: as for ``init_process_group`` (default: the default group's).
        timeout, pg_options, use_local_synchronization, group_desc, device_id: accepted and
            ignored.
    """
    world = _default_group()
    size = world.size()
    members = list(range(size)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        members = sorted(members)
    for r in members:
        if r < 0 or r >= size:
            raise ValueError(f"new_group: rank {r} is not a valid rank of the default group "
                             f"(world size {size})")
    if len(set(members)) != len(members):
        raise ValueError(f"new_group: ranks {members} contain duplicates")
    name = world._backend if backend is None else _backend_name(backend)
    comm = world.comm.Create(world.comm.Get_group().Incl(members))
    MPI = _mpi.mpi()
    if comm == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, members, name)
    _State.groups.append(pg)
    return pg


def _default_group() -> ProcessGroup:
    if _State.world is None:
        raise ValueError(_NOT_INIT)
    return _State.world


def _not_member(group: Any) -> bool:
    return isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER


def _resolve(group: Any) -> ProcessGroup:
    """The ProcessGroup a collective runs on (``None`` = the default group)."""
    world = _default_group()
    if group is None:
        return world
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"expected a ProcessGroup (from new_group) or None, got "
                        f"{type(group).__name__}")
    return group


def _warn_not_in_group(op_name: str) -> None:
    world = _State.world
    rank = -1 if world is None else world.rank()
    warnings.warn(f"Running {op_name} on global rank {rank} which does not belong to the "
                  f"given group.", stacklevel=3)


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (default: the default group); -1 for a non-member."""
    if _not_member(group):
        return -1
    return _resolve(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in ``group``; -1 for a non-member."""
    if _not_member(group):
        return -1
    return _resolve(group).size()


def get_backend(group: ProcessGroup | None = None) -> Backend:
    """The backend ``group`` was created with (``"mpi"`` or ``"gloo"``, both MPI here)."""
    if _not_member(group):
        raise ValueError("Invalid process group specified")
    return _resolve(group)._backend


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of ``group``'s member number ``group_rank``."""
    pg = _resolve(group)
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg.ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """The rank within ``group`` of the process with global rank ``global_rank``."""
    pg = _resolve(group)
    if global_rank not in pg.ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    return pg.ranks.index(global_rank)


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    return list(_resolve(group).ranks)


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """``LOCAL_RANK`` from the environment (set by ``autograd.distributed.run``; under a
    plain ``mpiexec``, MPICH's ``MPI_LOCALRANKID`` or Open MPI's
    ``OMPI_COMM_WORLD_LOCAL_RANK``), else ``fallback_rank``.

    Raises:
        RuntimeError: none of these is set and no fallback is given.
    """
    for var in ("LOCAL_RANK", "MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK"):
        if os.environ.get(var, "") != "":
            return int(os.environ[var])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank "
                       "to allow `get_node_local_rank` to work, assuming you are not running "
                       "in a multi-device context and want the code to run locally instead.")


# --------------------------------------------------------------------------- abort on error
def _abort_on_exception(exc_type: type[BaseException], exc: BaseException,
                        tb: TracebackType | None) -> None:
    """sys.excepthook while a group is up: report as usual, then end every rank of the job
    (the others may be blocked in a collective that this rank will never join)."""
    prev = _State.prev_excepthook or sys.__excepthook__
    prev(exc_type, exc, tb)
    if _State.world is None:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    # Abort tears the job down at once; mpiexec's forwarder may not have relayed the report
    # yet (CI once got the traceback's first two lines only): give it a moment
    time.sleep(0.5)
    _mpi.mpi().COMM_WORLD.Abort(1)


def _install_abort_hook() -> None:
    if sys.excepthook is not _abort_on_exception:
        _State.prev_excepthook = sys.excepthook
        sys.excepthook = _abort_on_exception


def _remove_abort_hook() -> None:
    if sys.excepthook is _abort_on_exception:
        sys.excepthook = _State.prev_excepthook or sys.__excepthook__
    _State.prev_excepthook = None
