"""``Reducer``: averages parameter gradients across a process group *during* backward.

This is the engine of ``nn.parallel.DistributedDataParallel`` (PyTorch's
``torch.distributed.Reducer`` plays the same part; the constructor here is our own).
The parameters are grouped into buckets in reverse registration order (the order in which
backward usually produces their gradients): the first bucket holds about 1 MiB, the others
``bucket_cap_mb`` (the first no more than that either). A post-accumulate-grad hook on
every parameter copies its ``.grad``, divided by the world size, into its bucket's flat
buffer; a full bucket starts a non-blocking ``Iallreduce`` at once, so communication runs
while backward computes the remaining gradients. Buckets start strictly in index order on
every rank (MPI matches collectives by order). An end-of-backward callback waits for them
and writes the averages into ``.grad`` before ``backward()`` returns.

Unused parameters (no gradient in this backward): with ``find_unused_parameters=True`` their
current ``.grad`` (or zeros) joins the average at the end of backward, and a parameter
that no rank used keeps its ``.grad`` untouched (PyTorch's rule). Without it, the
reduction stays unfinished and the next ``prepare_for_backward`` raises PyTorch's error.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import queue_callback
from ..tensor import Tensor, _wrap
from . import collectives as C
from .process_group import ProcessGroup, _resolve

__all__ = ["Reducer"]

FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES


class _Bucket:
    __slots__ = ("index", "params", "offsets", "buffer", "tensor", "pending", "work")

    def __init__(self, index: int, params: list[int], sizes: list[int], dtype: np.dtype) -> None:
        self.index = index
        self.params = params
        self.offsets = [int(o) for o in np.concatenate([[0], np.cumsum(sizes)])]
        self.buffer = np.zeros(self.offsets[-1], dtype)
        self.tensor = _wrap(self.buffer)
        self.pending = len(params)
        self.work: C.Work | None = None


class Reducer:
    """Bucketed gradient averaging for ``params`` over ``process_group`` (default: world).

    Args:
        params: the parameters (leaf Tensors requiring grad), in registration order.
        process_group: the group to average over.
        bucket_cap_mb: size of each bucket after the first (default 25, as PyTorch).
        find_unused_parameters: tolerate parameters without a gradient (see module doc).
        first_bucket_bytes: size of the first bucket (default 1 MiB, as PyTorch).

    Call ``prepare_for_backward()`` after each forward whose backward should synchronise
    (DistributedDataParallel does, except under ``no_sync()``); a backward without it only
    accumulates locally. ``wait_seconds`` and ``comm_bytes`` add up the time spent blocked
    in the end-of-backward wait and the bytes all-reduced, ``early_launches`` the buckets
started before backward ended (for measurements).
    """

    def __init__(self, params: Sequence[Tensor], process_group: ProcessGroup | None = None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 first_bucket_bytes: int = FIRST_BUCKET_BYTES) -> None:
        self.group = _resolve(process_group)
        self.params = list(params)
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad or p.grad_fn is not None:
                raise ValueError(f"Reducer: parameter {i} is not a leaf Tensor that requires grad")
        self.find_unused_parameters = find_unused_parameters
        cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        # the small first bucket starts communication early; never above the cap
        self.buckets = self._assign(cap, min(int(first_bucket_bytes), cap))
        self._where = {}  # param index -> (bucket, slot in bucket)
        for b in self.buckets:
            for slot, i in enumerate(b.params):
                self._where[i] = (b, slot)
        self._expect = False     # prepare_for_backward was called; hooks reduce
        self._started = False    # a hook fired in this backward (finalize is queued)
        self._ready: set[int] = set()
        self._next = 0           # the next bucket to launch (launches go in index order)
        self._unfinished: list[int] | None = None
        self.wait_seconds = 0.0
        self.comm_bytes = 0
        self.early_launches = 0  # buckets started from hooks, i.e. before backward ended
        self._finalizing = False
        self._handles = [p.register_post_accumulate_grad_hook(self._make_hook(i))
                         for i, p in enumerate(self.params)]

    def _assign(self, cap: int, first: int) -> list[_Bucket]:
        """Buckets in reverse parameter order, one dtype each, closed at the size limit."""
        out: list[_Bucket] = []
        open_: dict[np.dtype, tuple[list[int], list[int], int]] = {}
        limit = first
        for i in reversed(range(len(self.params))):
            a = self.params[i]._data
            params, sizes, nbytes = open_.get(a.dtype, ([], [], 0))
            params.append(i)
            sizes.append(a.size)
            nbytes += a.nbytes
            if nbytes >= limit:
                out.append(_Bucket(len(out), params, sizes, a.dtype))
                open_.pop(a.dtype, None)
                limit = cap
            else:
                open_[a.dtype] = (params, sizes, nbytes)
        for dtype, (params, sizes, _) in open_.items():
            out.append(_Bucket(len(out), params, sizes, dtype))
        return out

    def remove_hooks(self) -> None:
        """Unregister the gradient hooks (the reducer does nothing afterwards)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def prepare_for_backward(self) -> None:
        """Arm the hooks: the next backward averages the gradients.

        Raises:
            RuntimeError: the previous synchronising backward left parameters without
                gradients and ``find_unused_parameters`` is off (PyTorch's message).
        """
        if self._unfinished is not None:
            missing, self._unfinished = self._unfinished, None
            self._expect = False
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss. You can enable unused parameter detection by passing "
                "the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` "
                "function outputs participate in calculating loss.\nParameter indices which "
                f"did not receive grad for rank {self.group.rank()}: "
                f"{' '.join(map(str, missing))}")
        self._expect = True
        self._started = False
        self._ready = set()
        self._next = 0
        for b in self.buckets:
            b.pending = len(b.params)
            b.work = None

    def _make_hook(self, index: int) -> Any:
        def hook(param: Tensor) -> None:
            if not self._expect:
                return
            if not self._started:
                self._started = True
                queue_callback(self._finalize)
            self._mark_ready(index, param.grad)
            self._progress()
        return hook

    def _mark_ready(self, index: int, grad: Tensor | None) -> None:
        if index in self._ready:
            return
        self._ready.add(index)
        b, slot = self._where[index]
        dst = b.buffer[b.offsets[slot]:b.offsets[slot + 1]]
        if grad is None:
            dst[...] = 0
        else:
            # divide before summing, as PyTorch's default all-reduce hook does
            np.divide(grad._data.reshape(-1), self.group.size(), out=dst, casting="unsafe")
        b.pending -= 1
        while self._next < len(self.buckets) and self.buckets[self._next].pending == 0:
            nb = self.buckets[self._next]
            nb.work = C.all_reduce(nb.tensor, group=self.group, async_op=True)
            self.comm_bytes += nb.buffer.nbytes
            self.early_launches += not self._finalizing
            self._next += 1

    def _progress(self) -> None:
        # MPI libraries mostly advance non-blocking collectives only inside MPI calls:
        # testing the open requests from each hook keeps them moving during backward
        for b in self.buckets[:self._next]:
            if b.work is not None:
                b.work.is_completed()

    def _finalize(self) -> None:
        """End of backward: wait for every bucket, write the averages into ``.grad``."""
        self._expect = False
        self._finalizing = True
        missing = [i for i in range(len(self.params)) if i not in self._ready]
        used = None
        if missing and self.find_unused_parameters:
            used = np.zeros(len(self.params), np.int32)
            used[list(self._ready)] = 1
            for i in missing:
                self._mark_ready(i, self.params[i].grad)
        t0 = time.perf_counter()
        for b in self.buckets[:self._next]:
            assert b.work is not None
            b.work.wait()
        if used is not None:  # after every bucket: the same collective order on all ranks
            C.all_reduce(_wrap(used), op=C.ReduceOp.MAX, group=self.group)
        self.wait_seconds += time.perf_counter() - t0
        for b in self.buckets[:self._next]:
            for slot, i in enumerate(b.params):
                if used is not None and not used[i]:
                    continue  # no rank used it: .grad stays as it was
                self._write_grad(self.params[i], b.buffer[b.offsets[slot]:b.offsets[slot + 1]])
        if self._next < len(self.buckets):
            self._unfinished = sorted(missing)
        self._finalizing = False

    @staticmethod
    def _write_grad(p: Tensor, flat: np.ndarray) -> None:
        g = p.grad
        if g is None or g._data.shape != p._data.shape or not g._data.flags.writeable:
            p.grad = _wrap(flat.reshape(p._data.shape).astype(p._data.dtype, copy=True))
            return
        g._data[...] = flat.reshape(g._data.shape)
        g._vbox[0] += 1
