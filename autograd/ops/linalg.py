"""Linear algebra: MatMul (1-D, 2-D, batched, broadcast-batched) and the composites
mm, bmm, mv, dot, outer, einsum (two or more operands, no repeated indices within one).

MatMul calls NumPy (BLAS). A Numba batched-matmul kernel was measured against it and lost
at every size but 8x8x8 (0.7 us ahead there, less than one op dispatch); the figures are
in the README's benchmark section.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from ..dtypes import c_name, scalar_name
from ..node import Op, ShapeError
from ..tensor import Tensor
from ._util import result_type

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "einsum", "addmm", "baddbmm"]


def _blas_ready(a: np.ndarray) -> np.ndarray:
    # BLAS takes C- or F-contiguous 2-D operands (a transpose is free); anything else
    # (broadcast views with zero strides, slices) makes NumPy fall back to a slow loop.
    if a.ndim >= 2 and not (a.flags.c_contiguous or a.flags.f_contiguous):
        if a.ndim == 2 or not a[0].flags.f_contiguous:
            return np.ascontiguousarray(a)
    return a


def _same_dtype(a, b, op: str) -> None:
    """PyTorch's matmul family needs equal dtypes (no promotion): RuntimeError otherwise."""
    da, db = getattr(a, "dtype", None), getattr(b, "dtype", None)
    if da != db and da is not None and db is not None:
        if op == "dot":
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{scalar_name(da)} and {scalar_name(db)}")
        raise RuntimeError(f"{op}: expected m1 and m2 to have the same dtype, but got: "
                           f"{c_name(da)} != {c_name(db)}")


class MatMul(Op):
    """out = a @ b with NumPy/PyTorch matmul semantics (batch dims broadcast)."""

    op_name = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                             f"{tuple(a.shape)} and {tuple(b.shape)}")
        ka = a.shape[-1]
        kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if ka != kb:
            raise ShapeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                             f"multiplied ({ka} != {kb}: the last dim of the first must equal "
                             f"the {'second-to-last' if b.ndim > 1 else 'only'} dim of the second)")
        return np.matmul(_blas_ready(a), _blas_ready(b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:
            ga = grad * b if na else None
            gb = grad * a if nb else None
        elif a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
            g = grad.unsqueeze(-2)
            ga = (g @ b.mT).squeeze(-2) if na else None
            gb = a.unsqueeze(-1) @ g if nb else None
        elif b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
            g = grad.unsqueeze(-1)
            ga = g @ b.unsqueeze(-2) if na else None
            gb = (a.mT @ g).squeeze(-1) if nb else None
        else:
            ga = grad @ b.mT if na else None
            gb = a.mT @ grad if nb else None
        return ga, gb


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with broadcasting. Shapes: (..., n, k) @ (..., k, m) -> (..., n, m);
    1-D operands are treated as vectors as in NumPy. Both must have one dtype (as PyTorch)."""
    _same_dtype(input, other, "matmul")
    return MatMul.apply(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """(n, k) @ (k, m) -> (n, m); both must be 2-D."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise ShapeError(f"mm: expected 2-D tensors, got shapes {tuple(input.shape)} and "
                         f"{tuple(mat2.shape)}")
    _same_dtype(input, mat2, "mm")
    return MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """(b, n, k) @ (b, k, m) -> (b, n, m); both must be 3-D with equal batch."""
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0]:
        raise ShapeError(f"bmm: expected 3-D tensors with equal batch size, got shapes "
                         f"{tuple(input.shape)} and {tuple(mat2.shape)}")
    _same_dtype(input, mat2, "bmm")
    return MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """(n, k) @ (k,) -> (n,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise ShapeError(f"mv: expected a matrix and a vector, got shapes {tuple(input.shape)} "
                         f"and {tuple(vec.shape)}")
    _same_dtype(input, vec, "mv")
    return MatMul.apply(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise ShapeError(f"dot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                         f"tensors")
    _same_dtype(input, other, "dot")
    return MatMul.apply(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product: (n,) x (m,) -> (n, m)."""
    return input.unsqueeze(-1) * vec2


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``."""
    prod = mm(mat1, mat2)
    return (input * beta if beta != 1 else input) + (prod * alpha if alpha != 1 else prod)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    prod = bmm(batch1, batch2)
    return (input * beta if beta != 1 else input) + (prod * alpha if alpha != 1 else prod)


class Einsum(Op):
    """out = np.einsum(equation, *operands) for equations without repeated indices
    within an operand; each operand's gradient is another einsum."""

    @staticmethod
    def forward(ctx, *arrays, ins, out):
        ctx.ins, ctx.out = ins, out
        return np.asarray(np.einsum(",".join(ins) + "->" + out, *arrays, optimize=True))

    @staticmethod
    def backward(ctx, grad):
        ops = ctx.inputs
        ins, out = ctx.ins, ctx.out
        grads = []
        for i, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [ops[j] for j in range(len(ops)) if j != i]
            other_subs = [ins[j] for j in range(len(ops)) if j != i]
            avail = set(out).union(*other_subs) if other_subs else set(out)
            target = "".join(c for c in ins[i] if c in avail)
            g = Einsum.apply(grad, *others, ins=[out] + other_subs, out=target)
            if target != ins[i]:  # indices summed away only in this operand: broadcast back
                shape = [ops[i].shape[k] if c in avail else 1 for k, c in enumerate(ins[i])]
                g = g.reshape([ops[i].shape[k] for k, c in enumerate(ins[i]) if c in avail])
                g = g.reshape(shape).expand(*ops[i].shape)
            grads.append(g)
        return tuple(grads)


def einsum(equation: str, *operands: Tensor | Sequence[Tensor]) -> Tensor:
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``. Ellipsis and repeated
    indices within one operand (diagonals) are not supported."""
    tensors = cast("tuple[Tensor, ...]", operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        tensors = tuple(operands[0])
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise NotImplementedError("einsum: '...' is not supported; spell out the dimensions")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs = eq
        letters = lhs.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = lhs.split(",")
    if len(ins) != len(tensors):
        raise ValueError(f"einsum: equation {equation!r} names {len(ins)} operands, got "
                         f"{len(tensors)}")
    for sub, t in zip(ins, tensors):
        if len(set(sub)) != len(sub):
            raise NotImplementedError(f"einsum: repeated index in {sub!r} (diagonals) is not "
                                      f"supported")
        if len(sub) != t.ndim:
            raise ShapeError(f"einsum: operand subscripts {sub!r} do not match operand of shape "
                             f"{tuple(t.shape)}")
    rt = result_type(*tensors)  # PyTorch promotes mixed operands (int with float: float32)
    tensors = tuple(t if t._data.dtype == rt else t.to(rt) for t in tensors)
    return Einsum.apply(*tensors, ins=ins, out=out)

