"""Collectives on Tensors: MPI operations on the tensors' NumPy buffers (no pickling).

Every collective starts a non-blocking MPI operation (``Iallreduce``, ``Ibcast``, ...) and
either waits for it (``async_op=False``, returns None) or returns a :class:`Work` whose
``wait()`` completes it (``async_op=True``). As in PyTorch they work in place on the
tensors they are given, bump their version counters, and ranks (``src``/``dst``) are global
ranks (``group_src``/``group_dst``: ranks within ``group``). A process outside ``group``
gets a warning and None.

``ReduceOp.AVG`` is a sum divided by the group size (also for ``reduce`` and
``reduce_scatter``; floating and complex tensors only), which PyTorch's own MPI backend
lacks and its NCCL backend has. Bool tensors reduce logically (SUM/MAX: or, PRODUCT/MIN:
and), as NCCL does.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import _mpi
from .process_group import ProcessGroup, _not_member, _resolve, _warn_not_in_group

__all__ = ["ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_reduce",
           "all_to_all", "all_to_all_single", "barrier", "broadcast", "gather", "irecv",
           "isend", "recv", "reduce", "reduce_op", "reduce_scatter", "reduce_scatter_tensor",
           "scatter", "send"]


class RedOpType(enum.IntEnum):
    """The reduction of a reducing collective (PyTorch's ``ReduceOp.RedOpType``)."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


class ReduceOp:
    """``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``, ``BOR``, ``BXOR``
    (``PREMUL_SUM`` exists but is refused: it is NCCL-only)."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


reduce_op = ReduceOp  # PyTorch's deprecated spelling


class Work:
    """The handle of a collective started with ``async_op=True``.

    ``wait()`` blocks until the operation is complete and its results are in the tensors
    (then returns True); ``is_completed()`` asks without blocking.
    """

    def __init__(self, requests: Sequence[Any], finish: Callable[[], None] | None = None,
                 outputs: Sequence[Tensor] = ()) -> None:
        self._requests = list(requests)
        self._finish = finish
        self._outputs = list(outputs)
        self._done = False

    def _complete(self) -> None:
        self._done = True
        self._requests = []
        if self._finish is not None:
            self._finish()

    def wait(self, timeout: Any = None) -> bool:
        """Block until done (``timeout`` is ignored: MPI has none); returns True."""
        if not self._done:
            _mpi.mpi().Request.Waitall(self._requests)
            self._complete()
        return True

    def is_completed(self) -> bool:
        """True once the operation has finished (its results are then in the tensors)."""
        if not self._done and _mpi.mpi().Request.Testall(self._requests):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """True once completed (MPI reports failures by aborting)."""
        return self.is_completed()

    def exception(self) -> None:
        """None: a failed MPI operation aborts the job instead."""
        return None

    def result(self) -> list[Tensor]:
        """The output tensors of the operation (after ``wait()``)."""
        return list(self._outputs)

    def synchronize(self) -> None:
        """Same as ``wait()``."""
        self.wait()


# --------------------------------------------------------------------------- helpers
def _check(t: Any, op: str, what: str = "tensor") -> np.ndarray:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(t).__name__}")
    return t._data


def _check_list(ts: Any, op: str, what: str, n: int) -> list[Tensor]:
    if not isinstance(ts, (list, tuple)):
        raise TypeError(f"{op}: {what} must be a list of Tensors, got {type(ts).__name__}")
    for t in ts:
        _check(t, op, what)
    if len(ts) != n:
        raise ValueError(f"{op}: {what} has {len(ts)} tensors; expected one per process of "
                         f"the group ({n})")
    return list(ts)


class _Out:
    """A tensor written by a collective: MPI writes a contiguous array (the tensor's own
    when it is contiguous, else a copy), ``done()`` copies back and bumps the version."""

    __slots__ = ("t", "buf")

    def __init__(self, t: Tensor) -> None:
        self.t = t
        a = t._data
        self.buf = a if a.flags.c_contiguous and a.flags.writeable else np.ascontiguousarray(a)

    def done(self) -> None:
        if self.buf is not self.t._data:
            self.t._data[...] = self.buf
        self.t._vbox[0] += 1


def _in(t: Tensor) -> np.ndarray:
    return np.ascontiguousarray(t._data)


def _mpi_op(op: Any, arr: np.ndarray, name: str) -> Any:
    MPI = _mpi.mpi()
    try:
        op = RedOpType(op)
    except ValueError:
        raise ValueError(f"{name}: op must be a ReduceOp, got {op!r}") from None
    kind = arr.dtype.kind
    if op == RedOpType.PREMUL_SUM:
        raise ValueError(f"{name}: ReduceOp.PREMUL_SUM is only supported by the NCCL backend")
    if op == RedOpType.AVG and kind not in "fc":
        raise ValueError(f"{name}: ReduceOp.AVG needs a floating point or complex tensor, "
                         f"got {arr.dtype}")
    if kind == "b":
        return {RedOpType.SUM: MPI.LOR, RedOpType.MAX: MPI.LOR, RedOpType.BOR: MPI.LOR,
                RedOpType.PRODUCT: MPI.LAND, RedOpType.MIN: MPI.LAND, RedOpType.BAND: MPI.LAND,
                RedOpType.BXOR: MPI.LXOR}[op]
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and kind not in "iu":
        raise ValueError(f"{name}: ReduceOp.{op.name} needs an integer or bool tensor, got "
                         f"{arr.dtype}")
    if op in (RedOpType.MIN, RedOpType.MAX) and kind == "c":
        raise ValueError(f"{name}: ReduceOp.{op.name} is not supported for complex tensors")
    return {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD,
            RedOpType.MIN: MPI.MIN, RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND,
            RedOpType.BOR: MPI.BOR, RedOpType.BXOR: MPI.BXOR}[op]


def _group_rank(pg: ProcessGroup, rank: int | None, group_rank: int | None, default: int | None,
                what: str) -> int:
    """The group rank meant by a global ``rank`` or a ``group_rank`` (PyTorch's rules)."""
    if rank is not None and group_rank is not None:
        raise ValueError("Can't specify both group_rank and global_rank")
    if rank is None and group_rank is None:
        if default is None:
            raise ValueError("Must specify global_rank or group_rank")
        rank = default
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
        return int(group_rank)
    if rank not in pg.ranks:
        raise ValueError(f"Global rank {rank} is not part of group {pg} (as {what})")
    return pg.ranks.index(rank)


def _run(requests: Sequence[Any], finish: Callable[[], None] | None, async_op: bool,
         outputs: Sequence[Tensor] = ()) -> Work | None:
    work = Work(requests, finish, outputs)
    if async_op:
        return work
    work.wait()
    return None


def _avg(buf: np.ndarray, n: int) -> None:
    np.divide(buf, n, out=buf)


# --------------------------------------------------------------------------- collectives
def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None,
            timeout: Any = None) -> Work | None:
    """Block until every process of ``group`` has reached this call."""
    if _not_member(group):
        _warn_not_in_group("barrier")
        return None
    pg = _resolve(group)
    return _run([pg.comm.Ibarrier()], None, async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None,
              async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Copy ``tensor`` of rank ``src`` into ``tensor`` of every process of ``group``.

    Args:
        tensor: same shape and dtype on every process; overwritten except on ``src``.
        src: global rank of the source (or ``group_src``, its rank in ``group``).
    """
    _check(tensor, "broadcast")
    if _not_member(group):
        _warn_not_in_group("broadcast")
        return None
    pg = _resolve(group)
    root = _group_rank(pg, src, group_src, None, "src")
    out = _Out(tensor)
    return _run([pg.comm.Ibcast(out.buf, root=root)], out.done, async_op, [tensor])


def all_reduce(tensor: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` over all processes of ``group`` with ``op``; every process gets the
    result in ``tensor`` (in place)."""
    _check(tensor, "all_reduce")
    if _not_member(group):
        _warn_not_in_group("all_reduce")
        return None
    pg = _resolve(group)
    mpi_op = _mpi_op(op, tensor._data, "all_reduce")
    out = _Out(tensor)
    MPI = _mpi.mpi()
    req = pg.comm.Iallreduce(MPI.IN_PLACE, out.buf, op=mpi_op)

    def finish() -> None:
        if op == ReduceOp.AVG:
            _avg(out.buf, pg.size())
        out.done()
    return _run([req], finish, async_op, [tensor])


def reduce(tensor: Tensor, dst: int | None = None, op: Any = ReduceOp.SUM,
           group: ProcessGroup | None = None, async_op: bool = False,
           group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` over ``group`` into ``tensor`` of rank ``dst`` (default 0); the
    other processes' tensors are left as they were."""
    _check(tensor, "reduce")
    if _not_member(group):
        _warn_not_in_group("reduce")
        return None
    pg = _resolve(group)
    root = _group_rank(pg, dst, group_dst, 0, "dst")
    mpi_op = _mpi_op(op, tensor._data, "reduce")
    MPI = _mpi.mpi()
    if pg.rank() == root:
        out = _Out(tensor)
        req = pg.comm.Ireduce(MPI.IN_PLACE, out.buf, op=mpi_op, root=root)

        def finish() -> None:
            if op == ReduceOp.AVG:
                _avg(out.buf, pg.size())
            out.done()
        return _run([req], finish, async_op, [tensor])
    return _run([pg.comm.Ireduce(_in(tensor), None, op=mpi_op, root=root)], None, async_op,
                [tensor])


def _same_layout(t: Tensor, ref: np.ndarray, op: str, what: str) -> None:
    a = t._data
    if a.dtype != ref.dtype:
        raise TypeError(f"{op}: {what} has dtype {a.dtype}, expected {ref.dtype} (the input's)")
    if a.size != ref.size:
        raise ValueError(f"{op}: {what} has {a.size} elements (shape {tuple(a.shape)}), expected "
                         f"{ref.size} (the input's shape {tuple(ref.shape)})")


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Every process gets every process's ``tensor``: ``tensor_list[i]`` receives rank i's
    (``tensor_list`` has one tensor per process of ``group``, each like ``tensor``)."""
    src = _check(tensor, "all_gather")
    if _not_member(group):
        _warn_not_in_group("all_gather")
        return None
    pg = _resolve(group)
    outs = _check_list(tensor_list, "all_gather", "tensor_list", pg.size())
    for t in outs:
        _same_layout(t, src, "all_gather", "an element of tensor_list")
    recv = np.empty((pg.size(), src.size), src.dtype)
    req = pg.comm.Iallgather(_in(tensor), recv)

    def finish() -> None:
        for i, t in enumerate(outs):
            t._data[...] = recv[i].reshape(t._data.shape)
            t._vbox[0] += 1
    return _run([req], finish, async_op, outs)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor,
                           group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Gather every process's ``input_tensor`` into ``output_tensor`` in rank order, either
    concatenated (shape ``(world * n, ...)``) or stacked (``(world, n, ...)``)."""
    src = _check(input_tensor, "all_gather_into_tensor", "input_tensor")
    _check(output_tensor, "all_gather_into_tensor", "output_tensor")
    if _not_member(group):
        _warn_not_in_group("all_gather_into_tensor")
        return None
    pg = _resolve(group)
    _check_sizes(output_tensor, src, pg.size(), "all_gather_into_tensor")
    out = _Out(output_tensor)
    req = pg.comm.Iallgather(_in(input_tensor), out.buf)
    return _run([req], out.done, async_op, [output_tensor])


def _check_sizes(big: Tensor, small: np.ndarray, n: int, op: str) -> None:
    b = big._data
    if b.dtype != small.dtype:
        raise TypeError(f"{op}: output and input dtypes differ ({b.dtype} and {small.dtype})")
    if b.size != n * small.size:
        raise ValueError(f"{op}: the larger tensor has {b.size} elements (shape "
                         f"{tuple(b.shape)}); expected world size {n} times the other's "
                         f"{small.size} (shape {tuple(small.shape)})")


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False,
           group_dst: int | None = None) -> Work | None:
    """Rank ``dst`` (default 0) gets every process's ``tensor`` in ``gather_list`` (given on
    ``dst`` only, one tensor per process)."""
    src = _check(tensor, "gather")
    if _not_member(group):
        _warn_not_in_group("gather")
        return None
    pg = _resolve(group)
    root = _group_rank(pg, dst, group_dst, 0, "dst")
    if pg.rank() != root:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on "
                             "non-destination ranks.")
        return _run([pg.comm.Igather(_in(tensor), None, root=root)], None, async_op)
    outs = _check_list(gather_list, "gather", "gather_list", pg.size())
    for t in outs:
        _same_layout(t, src, "gather", "an element of gather_list")
    recv = np.empty((pg.size(), src.size), src.dtype)
    req = pg.comm.Igather(_in(tensor), recv, root=root)

    def finish() -> None:
        for i, t in enumerate(outs):
            t._data[...] = recv[i].reshape(t._data.shape)
            t._vbox[0] += 1
    return _run([req], finish, async_op, outs)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False,
            group_src: int | None = None) -> Work | None:
    """Rank ``src`` (default 0) sends ``scatter_list[i]`` to rank i, which receives it in
    ``tensor`` (``scatter_list`` is given on ``src`` only)."""
    dst_arr = _check(tensor, "scatter")
    if _not_member(group):
        _warn_not_in_group("scatter")
        return None
    pg = _resolve(group)
    root = _group_rank(pg, src, group_src, 0, "src")
    out = _Out(tensor)
    if pg.rank() != root:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source "
                             "ranks.")
        return _run([pg.comm.Iscatter(None, out.buf, root=root)], out.done, async_op, [tensor])
    ins = _check_list(scatter_list, "scatter", "scatter_list", pg.size())
    for t in ins:
        _same_layout(t, dst_arr, "scatter", "an element of scatter_list")
    send = np.concatenate([t._data.reshape(-1) for t in ins]) if ins else dst_arr.reshape(-1)
    return _run([pg.comm.Iscatter(send, out.buf, root=root)], out.done, async_op, [tensor])


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: Any = ReduceOp.SUM,
                   group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Rank i gets, in ``output``, the reduction over all processes of their
    ``input_list[i]``."""
    dst_arr = _check(output, "reduce_scatter", "output")
    if _not_member(group):
        _warn_not_in_group("reduce_scatter")
        return None
    pg = _resolve(group)
    ins = _check_list(input_list, "reduce_scatter", "input_list", pg.size())
    for t in ins:
        _same_layout(t, dst_arr, "reduce_scatter", "an element of input_list")
    send = np.concatenate([t._data.reshape(-1) for t in ins])
    return _reduce_scatter(output, send, op, pg, async_op, "reduce_scatter")


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: Any = ReduceOp.SUM,
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Like ``reduce_scatter`` with the inputs concatenated (or stacked) in ``input``, of
    world size times ``output``'s size."""
    _check(output, "reduce_scatter_tensor", "output")
    _check(input, "reduce_scatter_tensor", "input")
    if _not_member(group):
        _warn_not_in_group("reduce_scatter_tensor")
        return None
    pg = _resolve(group)
    _check_sizes(input, output._data, pg.size(), "reduce_scatter_tensor")
    return _reduce_scatter(output, _in(input), op, pg, async_op, "reduce_scatter_tensor")


def _reduce_scatter(output: Tensor, send: np.ndarray, op: Any, pg: ProcessGroup,
                    async_op: bool, name: str) -> Work | None:
    mpi_op = _mpi_op(op, send, name)
    out = _Out(output)
    req = pg.comm.Ireduce_scatter_block(send, out.buf, op=mpi_op)

    def finish() -> None:
        if op == ReduceOp.AVG:
            _avg(out.buf, pg.size())
        out.done()
    return _run([req], finish, async_op, [output])


def all_to_all(output_tensor_list: list[Tensor], input_tensor_list: list[Tensor],
               group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Rank i sends ``input_tensor_list[j]`` to rank j, which receives it in its
    ``output_tensor_list[i]`` (sizes may differ between pairs)."""
    if _not_member(group):
        _warn_not_in_group("all_to_all")
        return None
    pg = _resolve(group)
    n = pg.size()
    outs = _check_list(output_tensor_list, "all_to_all", "output_tensor_list", n)
    ins = _check_list(input_tensor_list, "all_to_all", "input_tensor_list", n)
    dtype = ins[0]._data.dtype
    if any(t._data.dtype != dtype for t in ins + outs):
        raise TypeError("all_to_all: all input and output tensors must have one dtype")
    send = np.concatenate([t._data.reshape(-1) for t in ins])
    scounts = [t._data.size for t in ins]
    rcounts = [t._data.size for t in outs]
    recv = np.empty(sum(rcounts), dtype)
    req = pg.comm.Ialltoallv([send, (scounts, _offsets(scounts))],
                             [recv, (rcounts, _offsets(rcounts))])

    def finish() -> None:
        for t, s, c in zip(outs, _offsets(rcounts), rcounts):
            t._data[...] = recv[s:s + c].reshape(t._data.shape)
            t._vbox[0] += 1
    return _run([req], finish, async_op, outs)


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes: Sequence[int] | None = None,
                      input_split_sizes: Sequence[int] | None = None,
                      group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """``all_to_all`` on dimension 0 of one input and one output tensor, split evenly or by
    ``input_split_sizes`` / ``output_split_sizes`` (rows per rank)."""
    a_in = _check(input, "all_to_all_single", "input")
    a_out = _check(output, "all_to_all_single", "output")
    if _not_member(group):
        _warn_not_in_group("all_to_all_single")
        return None
    pg = _resolve(group)
    n = pg.size()
    if a_in.dtype != a_out.dtype:
        raise TypeError(f"all_to_all_single: input and output dtypes differ ({a_in.dtype}, "
                        f"{a_out.dtype})")
    scounts = _split_counts(a_in, input_split_sizes, n, "input")
    rcounts = _split_counts(a_out, output_split_sizes, n, "output")
    out = _Out(output)
    req = pg.comm.Ialltoallv([_in(input), (scounts, _offsets(scounts))],
                             [out.buf, (rcounts, _offsets(rcounts))])
    return _run([req], out.done, async_op, [output])


def _split_counts(a: np.ndarray, sizes: Sequence[int] | None, n: int, what: str) -> list[int]:
    rows = a.shape[0] if a.ndim else 1
    row = a.size // rows if rows else 0
    if sizes is None or len(sizes) == 0:
        if rows % n:
            raise ValueError(f"all_to_all_single: {what} has {rows} rows, not divisible by the "
                             f"world size {n}; give {what}_split_sizes")
        return [rows // n * row] * n
    if len(sizes) != n or sum(sizes) != rows:
        raise ValueError(f"all_to_all_single: {what}_split_sizes {list(sizes)} must have {n} "
                         f"entries summing to {rows}")
    return [int(s) * row for s in sizes]


def _offsets(counts: Sequence[int]) -> list[int]:
    return [int(x) for x in np.concatenate([[0], np.cumsum(counts)[:-1]])]


# --------------------------------------------------------------------------- point to point
def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None,
          tag: int = 0, group_dst: int | None = None) -> Work | None:
    """Start sending ``tensor`` to rank ``dst``; returns a Work."""
    _check(tensor, "isend")
    if _not_member(group):
        _warn_not_in_group("isend")
        return None
    pg = _resolve(group)
    peer = _group_rank(pg, dst, group_dst, None, "dst")
    if peer == pg.rank():
        raise ValueError("Invalid destination rank: destination rank should not be the same "
                         "as the rank of the current process.")
    buf = _in(tensor)  # held by the request until completion
    return Work([pg.comm.Isend(buf, dest=peer, tag=tag)], None, [tensor])


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst`` (blocks until the send buffer may be reused)."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None,
          tag: int = 0, group_src: int | None = None) -> Work | None:
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None)."""
    work, _ = _irecv(tensor, src, group, tag, group_src, "irecv")
    return work


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender's
    global rank (-1 for a process outside ``group``)."""
    work, status = _irecv(tensor, src, group, tag, group_src, "recv")
    if work is None:
        return -1
    pg = _resolve(group)
    MPI = _mpi.mpi()
    MPI.Request.Wait(work._requests[0], status)
    work._complete()
    return pg.ranks[status.Get_source()]


def _irecv(tensor: Tensor, src: int | None, group: ProcessGroup | None, tag: int,
           group_src: int | None, name: str) -> tuple[Work | None, Any]:
    _check(tensor, name)
    if _not_member(group):
        _warn_not_in_group(name)
        return None, None
    pg = _resolve(group)
    MPI = _mpi.mpi()
    if src is None and group_src is None:
        peer = MPI.ANY_SOURCE
    else:
        peer = _group_rank(pg, src, group_src, None, "src")
        if peer == pg.rank():
            raise ValueError("Invalid source rank: source rank should not be the same as the "
                             "rank of the current process.")
    out = _Out(tensor)
    return Work([pg.comm.Irecv(out.buf, source=peer, tag=tag)], out.done, [tensor]), MPI.Status()
