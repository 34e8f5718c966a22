"""``torch.distributed.nn.functional``: differentiable collectives.

``all_reduce(t)`` returns a new tensor (``t`` is not modified) whose backward all-reduces
the incoming gradient the same way: with a SUM the gradient of every rank's input is the
sum over ranks of the output gradients, which is what makes ``SyncBatchNorm`` (statistics
summed over ranks) backpropagate correctly.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...node import Op
from ...tensor import Tensor
from .. import _mpi
from ..collectives import RedOpType, ReduceOp, _mpi_op
from ..process_group import ProcessGroup, _resolve

__all__ = ["all_reduce"]


class AllReduce(Op):
    """out = the reduction (SUM or AVG) of ``x`` over the processes of ``group``."""

    complex_ok = True

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, *, op: RedOpType, group: ProcessGroup) -> np.ndarray:
        ctx.reduce_op, ctx.pg = op, group
        out = np.array(x, copy=True, order="C")
        group.comm.Allreduce(_mpi.mpi().IN_PLACE, out, op=_mpi_op(op, out, "all_reduce"))
        if op == RedOpType.AVG:
            np.divide(out, group.size(), out=out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return AllReduce.apply(grad, op=ctx.reduce_op, group=ctx.pg)


def all_reduce(tensor: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None) -> Tensor:
    """The reduction of ``tensor`` over ``group`` (default: all processes) as a new,
    differentiable tensor; ``op`` is ``ReduceOp.SUM`` or ``ReduceOp.AVG``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"all_reduce: expected a Tensor, got {type(tensor).__name__}")
    if op not in (ReduceOp.SUM, ReduceOp.AVG):
        raise ValueError(f"all_reduce (differentiable): op must be ReduceOp.SUM or "
                         f"ReduceOp.AVG, got {op!r}")
    return AllReduce.apply(tensor, op=RedOpType(op), group=_resolve(group))
