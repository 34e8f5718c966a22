"""Linear algebra: MatMul (1-D, 2-D, batched, broadcast-batched) and the composites
mm, bmm, mv, dot, outer, einsum (two or more operands, no repeated indices within one).

MatMul calls NumPy (BLAS). A Numba batched-matmul kernel was measured against it and lost
at every size but 8x8x8 (0.7 us ahead there, less than one op dispatch); the figures are
in the README's benchmark section.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ..dtypes import c_name, scalar_name
from ..node import Op, ShapeError, _named
from ..tensor import Tensor
from ._util import result_type
from .complex import conj

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "einsum", "addmm", "baddbmm",
           # issue 12
           "diag", "diagonal", "diag_embed", "trace", "tril_indices", "triu_indices",
           "cartesian_prod", "cdist", "addbmm", "addmv", "addr", "tensordot", "kron",
           "block_diag", "pairwise_distance", "cosine_similarity"]


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


_MATMUL_NAMES = {(2, 2): "Mm", (2, 1): "Mv", (1, 1): "Dot"}
"""PyTorch's grad_fn name of a matmul by the operands' ndims (others: ``MatMulBackward``)."""


class MatMul(Op):
    """out = a @ b with NumPy/PyTorch matmul semantics (batch dims broadcast)."""

    complex_ok = True

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
        ctx._name = _MATMUL_NAMES.get((a.ndim, b.ndim))  # PyTorch's grad_fn: MmBackward, ...
        return np.matmul(_blas_ready(a), _blas_ready(b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if grad._data.dtype.kind == "c":  # complex: the adjoints use conj(a), conj(b)
            a, b = conj(a), conj(b)
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
    return _named(MatMul.apply(input, mat2), "Bmm")


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
    return _named((input * beta if beta != 1 else input) + (prod * alpha if alpha != 1 else prod),
                  "Addmm")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    prod = bmm(batch1, batch2)
    return (input * beta if beta != 1 else input) + (prod * alpha if alpha != 1 else prod)


class Einsum(Op):
    """out = np.einsum(equation, *operands) for equations without repeated indices
    within an operand; each operand's gradient is another einsum (with the other operands
    conjugated when complex)."""

    complex_ok = True

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
            others = [conj(ops[j]) for j in range(len(ops)) if j != i]
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
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``. Supports ``...``
    (broadcast batch dims, first in an implicit output), repeated indices within one
    operand (``'ii->i'`` takes the diagonal, ``'ii'`` the trace) and size-1 dims
    broadcasting against the same index elsewhere, as PyTorch."""
    tensors = cast("tuple[Tensor, ...]", operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        tensors = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(tensors):
        raise ValueError(f"einsum: equation {equation!r} names {len(ins)} operands, got "
                         f"{len(tensors)}")
    for sub in ins + [out]:
        bad = sub.replace("...", "")
        if any(c not in _LETTERS for c in bad) or "." in bad:
            raise RuntimeError(f"einsum(): invalid subscript given at index "
                               f"{eq.index(next(c for c in bad if c not in _LETTERS))} in the "
                               f"equation string, subscripts must be in [a-zA-Z]")
    # '...': spell the broadcast dims out with unused letters (right-aligned)
    n_ell = 0
    for sub, t in zip(ins, tensors):
        if "..." in sub:
            n_ell = max(n_ell, t.ndim - (len(sub) - 3))
    unused = [c for c in _LETTERS if c not in eq]
    ell = "".join(unused[:n_ell])
    subs = []
    for sub, t in zip(ins, tensors):
        if "..." in sub:
            k = t.ndim - (len(sub) - 3)
            if k < 0:
                raise ShapeError(f"einsum: operand subscripts {sub!r} do not match operand of "
                                 f"shape {tuple(t.shape)}")
            sub = sub.replace("...", ell[n_ell - k:])
        subs.append(sub)
    if arrow:
        out = out.replace("...", ell)
    else:
        letters = "".join(s for s in ins).replace("...", "")
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(set(out)) != len(out):
        raise RuntimeError(f"einsum(): output subscript appears more than once in {equation!r}")
    rt = result_type(*tensors)  # PyTorch promotes mixed operands (int with float: float32)
    tensors = tuple(t if t._data.dtype == rt else t.to(rt) for t in tensors)
    ready: list[tuple[str, Tensor]] = []
    sizes: dict[str, int] = {}
    for i, (sub, t) in enumerate(zip(subs, tensors)):
        if len(sub) != t.ndim:
            raise ShapeError(f"einsum: operand subscripts {sub!r} do not match operand of shape "
                             f"{tuple(t.shape)}")
        while len(set(sub)) != len(sub):  # repeated index: take that diagonal
            c = next(c for c in sub if sub.count(c) > 1)
            j = sub.index(c)
            k = sub.index(c, j + 1)
            if t.shape[j] != t.shape[k]:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the "
                                   f"sizes don't match, {t.shape[k]} != {t.shape[j]}")
            t = Diagonal.apply(t, 0, j, k)
            sub = sub[:j] + sub[j + 1:k] + sub[k + 1:] + c
        for c, n in zip(sub, t.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ShapeError(f"einsum(): operands do not broadcast: subscript {c} has size "
                                 f"{n} for operand {i} but size {sizes[c]} elsewhere")
            sizes[c] = max(sizes.get(c, 1), n) if n != 0 and sizes.get(c) != 0 else 0
        ready.append((sub, t))
    for c in out:
        if c not in sizes:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation "
                               f"for any input operand")
    final, final_subs = [], []
    for sub, t in ready:  # size-1 dims broadcast against the same index elsewhere
        want = [sizes[c] for c in sub]
        if list(t.shape) != want:
            t = t.expand(*want)
        final.append(t)
        final_subs.append(sub)
    return Einsum.apply(*final, ins=final_subs, out=out)


# ---------------------------------------------------------------------------
# Issue 12: diagonals, products with bias (addmv/addr/addbmm), tensordot, kron,
# block_diag, cartesian_prod, index grids, distances.
# ---------------------------------------------------------------------------
def _norm_dim(op: str, dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def _diag_slot(z: np.ndarray, offset: int, d1: int, d2: int) -> tuple[np.ndarray, tuple]:
    """A view of ``z`` with ``d1, d2`` moved last, and the (rows, cols) of diagonal
    ``offset`` in it."""
    zt = np.moveaxis(z, (d1, d2), (-2, -1))
    r, c = zt.shape[-2:]
    k = max(0, min(r + min(offset, 0), c - max(offset, 0)))
    rows = np.arange(k) + max(-offset, 0)
    cols = np.arange(k) + max(offset, 0)
    return zt, (Ellipsis, rows, cols)


class Diagonal(Op):
    """out = the ``offset`` diagonal of ``a`` over ``dim1, dim2``, appended as the last
    dim (a copy: PyTorch returns a view)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        return np.diagonal(a, offset, d1, d2).copy()

    @staticmethod
    def backward(ctx, grad):
        a, offset, d1, d2 = ctx._inputs  # only a's shape is read
        return DiagScatter.apply(grad, tuple(a.shape), offset, d1, d2), None, None, None


class DiagScatter(Op):
    """out = zeros(shape) with ``g``'s last dim written on the ``offset`` diagonal over
    ``dim1, dim2`` (``diag_embed``; ``Diagonal``'s backward and vice versa)."""

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        z = np.zeros(shape, dtype=g.dtype)
        zt, sl = _diag_slot(z, offset, d1, d2)
        zt[sl] = g
        return z

    @staticmethod
    def backward(ctx, grad):
        _, _, offset, d1, d2 = ctx._inputs
        return Diagonal.apply(grad, offset, d1, d2), None, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset`` diagonal over ``dim1, dim2`` (removed), as the last dim. PyTorch
    returns a view; this returns a copy (writes to it do not reach ``input``)."""
    nd = input._data.ndim
    d1, d2 = _norm_dim("diagonal", dim1, nd), _norm_dim("diagonal", dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose ``offset`` diagonals over ``dim1, dim2`` (new dims of size
    ``n + |offset|``) hold ``input``'s last dim; zeros elsewhere."""
    nd = input._data.ndim + 1
    d1, d2 = _norm_dim("diag_embed", dim1, nd), _norm_dim("diag_embed", dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = (input._data.shape[-1] if input._data.ndim else 1) + abs(int(offset))
    rest = iter(input._data.shape[:-1])
    shape = tuple(n if k in (d1, d2) else next(rest) for k in range(nd))
    x = input.reshape(1) if input._data.ndim == 0 else input
    return DiagScatter.apply(x, shape, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D -> the 2-D matrix with ``input`` on diagonal ``diagonal``; 2-D -> that diagonal
    as a 1-D tensor (a copy)."""
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (integer inputs give int64, as ``sum``)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    return Diagonal.apply(input, 0, 0, 1).sum()


def _tri_indices(op: str, fn, row: int, col: int, offset: int, dtype) -> Tensor:
    from ..tensor import _wrap
    for name, v in (("row", row), ("col", col), ("offset", offset)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{op}(): argument '{name}' must be int, not {type(v).__name__}")
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row must be non-negative, got {row}" if row < 0 else
                           f"{op}: col must be non-negative, got {col}")
    r, c = fn(int(row), int(offset), int(col))
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise RuntimeError(f"\"{op}\" not implemented for '{scalar_name(dt)}'")
    return _wrap(np.stack([r, c]).astype(dt).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (2, N) int64 coordinates of the lower triangle (``offset`` above the main
    diagonal included) of a ``row x col`` matrix, row-major."""
    return _tri_indices("tril_indices", np.tril_indices, row, col, offset, dtype)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (2, N) int64 coordinates of the upper triangle of a ``row x col`` matrix."""
    return _tri_indices("triu_indices", np.triu_indices, row, col, offset, dtype)


def _scaled_sum(op: str, input: Tensor, prod: Tensor, beta, alpha) -> Tensor:
    """``beta * input + alpha * prod``; ``input`` must broadcast to ``prod``'s shape and
    is ignored (NaN included) when ``beta == 0``, as in PyTorch."""
    shape = tuple(prod._data.shape)
    try:
        ok = np.broadcast_shapes(tuple(input._data.shape), shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"{op}: input of shape {tuple(input._data.shape)} cannot be broadcast "
                         f"to the product's shape {shape}")
    if prod._data.dtype.kind in "biu":  # integer tensors: beta/alpha act as integers
        beta, alpha = int(beta), int(alpha)
    scaled = prod * alpha if alpha != 1 else prod
    if beta == 0:
        if input._data.dtype != prod._data.dtype:
            raise RuntimeError(f"{op}: expected input and the matrices to have the same dtype, "
                               f"but got {c_name(input._data.dtype)} != "
                               f"{c_name(prod._data.dtype)}")
        if input.requires_grad:  # input still gets a (zero) gradient, NaNs not propagated
            from ..tensor import _wrap
            from .elementwise import where
            return where(_wrap(np.zeros(shape, dtype=bool)), input, scaled)
        return scaled if tuple(scaled.shape) == shape else scaled.expand(*shape)
    _same_dtype(input, prod, op)
    return (input * beta if beta != 1 else input) + scaled


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1 and vec2, but got shapes "
                           f"{tuple(vec1.shape)} and {tuple(vec2.shape)}")
    _same_dtype(vec1, vec2, "addr")
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
           alpha: float = 1) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    return _scaled_sum("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def tensordot(a: Tensor, b: Tensor, dims: int | Sequence[Sequence[int]] | Tensor = 2) -> Tensor:
    """Contract ``a``'s dims ``dims[0]`` with ``b``'s ``dims[1]`` (an int ``n``: ``a``'s
    last ``n`` with ``b``'s first ``n``); the free dims of ``a`` then of ``b`` remain."""
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("tensordot: both inputs should have same dtype")
    if isinstance(dims, Tensor):
        dims = dims._data.tolist()
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        pair: list[Any] = list(cast("Sequence[Any]", dims))
        if len(pair) != 2:
            raise RuntimeError("tensordot expects dims to be an int or a pair of lists")
        da = [int(pair[0])] if isinstance(pair[0], (int, np.integer)) else list(pair[0])
        db = [int(pair[1])] if isinstance(pair[1], (int, np.integer)) else list(pair[1])
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, got {da} and {db}")
        da = [_norm_dim("tensordot", d, na) for d in da]
        db = [_norm_dim("tensordot", d, nb) for d in db]
    for i, j in zip(da, db):
        if a._data.shape[i] != b._data.shape[j]:
            raise ShapeError(f"tensordot: contracted dimensions need to match, but first has size "
                             f"{a._data.shape[i]} in dim {i} and second has size "
                             f"{b._data.shape[j]} in dim {j}")
    if na + nb - len(da) > len(_LETTERS):
        raise RuntimeError("tensordot: too many dimensions")
    sa = list(_LETTERS[:na])
    sb = [""] * nb
    free = iter(_LETTERS[na:])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    sb = [c or next(free) for c in sb]
    out = "".join(c for k, c in enumerate(sa) if k not in da) + \
        "".join(c for k, c in enumerate(sb) if k not in db)
    return Einsum.apply(a, b, ins=["".join(sa), "".join(sb)], out=out)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: shape ``input.shape[i] * other.shape[i]`` (the shorter shape
    padded with leading 1s)."""
    nd = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + tuple(input._data.shape)
    sb = (1,) * (nd - other._data.ndim) + tuple(other._data.shape)
    a = input.reshape([v for s in sa for v in (s, 1)])
    b = other.reshape([v for s in sb for v in (1, s)])
    return (a * b).reshape([x * y for x, y in zip(sa, sb)])


class BlockDiag(Op):
    """out = the 2-D inputs placed along the diagonal of a zero matrix."""

    @staticmethod
    def forward(ctx, *arrays):
        rows = sum(a.shape[0] for a in arrays)
        cols = sum(a.shape[1] for a in arrays)
        out = np.zeros((rows, cols), dtype=arrays[0].dtype if arrays else np.float32)
        r = c = 0
        for a in arrays:
            out[r:r + a.shape[0], c:c + a.shape[1]] = a
            r, c = r + a.shape[0], c + a.shape[1]
        return out

    @staticmethod
    def backward(ctx, grad):
        grads = []
        r = c = 0
        for t, need in zip(ctx._inputs, ctx.needs_input_grad):
            h, w = t._data.shape
            grads.append(grad[r:r + h, c:c + w] if need else None)
            r, c = r + h, c + w
        return tuple(grads)


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d as 1x1, 1-D as one row, 2-D) along the diagonal of a zero matrix,
    in their promoted dtype."""
    from ..tensor import _wrap
    if not tensors:
        return _wrap(np.zeros((1, 0), dtype=np.float32))
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag(): expected Tensor as element {i} in argument "
                            f"'tensors', but got {type(t).__name__}")
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._data.ndim} dimensions")
    rt = result_type(*tensors)
    mats = [(t if t._data.dtype == rt else t.to(rt)).reshape(
        (1, -1) if t._data.ndim < 2 else t._data.shape) for t in tensors]
    return BlockDiag.apply(*mats)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """The rows of all combinations of the 1-D tensors' entries (``itertools.product``
    order); one tensor is returned as a copy."""
    from .shape import stack
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor) or t._data.ndim != 1:
            raise RuntimeError(f"cartesian_prod: Expect a 1D vector, but got "
                               f"{getattr(t, 'ndim', type(t).__name__)}D tensor at {i}")
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if len(tensors) == 1:
        return tensors[0].clone()
    shape = tuple(t._data.shape[0] for t in tensors)
    cols = []
    for k, t in enumerate(tensors):
        view = [1] * len(shape)
        view[k] = shape[k]
        cols.append(t.reshape(view).expand(*shape).reshape(-1))
    return stack(cols, 1)


def _pnorm(d: Tensor, p: float, dim: int, keepdim: bool = False) -> Tensor:
    """``||d||_p`` along ``dim`` with gradient 0 where the norm is 0 (PyTorch's cdist and
    pairwise_distance convention; a plain ``sqrt`` would give NaN there)."""
    from ..tensor import _wrap
    from .elementwise import where
    if p == 0:
        return (d != 0).sum(dim, keepdim=keepdim).to(d.dtype) + d.sum(dim, keepdim=keepdim) * 0.0
    a = d.abs()
    if math.isinf(p):
        return a.amax(dim, keepdim=keepdim) if p > 0 else a.amin(dim, keepdim=keepdim)
    if p == 1:
        return a.sum(dim, keepdim=keepdim)
    s = (d * d if p == 2 else a ** p).sum(dim, keepdim=keepdim)
    zero = _wrap(np.asarray(s._data == 0))
    safe = where(zero, 1.0, s)
    root = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return where(zero, 0.0, root)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """``p``-norm distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M):
    shape (..., P, R), batch dims broadcast. ``compute_mode`` is accepted and ignored
    (always the direct differences; PyTorch may use a matmul form for p=2, which differs
    in the last bits)."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{x._data.ndim}D")
        if x._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{scalar_name(x._data.dtype)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise ShapeError(f"cdist: X1 and X2 must have the same number of columns. X1: "
                         f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]} (shapes "
                         f"{tuple(x1._data.shape)} and {tuple(x2._data.shape)})")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    _same_dtype(x1, x2, "cdist")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return _pnorm(diff, float(p), -1)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim (of the broadcast shape)."""
    nd = max(x1._data.ndim, x2._data.ndim)
    d = x1 - x2 + eps
    if nd == 0:
        return _pnorm(d.reshape(1), float(p), 0, keepdim=False).reshape(())
    return _pnorm(d, float(p), nd - 1, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (the inputs
    broadcast first); floating-point result types only."""
    rt = result_type(x1, x2)
    if rt.kind not in "fc":
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{scalar_name(rt)}")
    shape = np.broadcast_shapes(tuple(x1._data.shape), tuple(x2._data.shape))
    a = x1 if x1._data.dtype == rt else x1.to(rt)
    b = x2 if x2._data.dtype == rt else x2.to(rt)
    if tuple(a.shape) != shape:
        a = a.expand(*shape)
    if tuple(b.shape) != shape:
        b = b.expand(*shape)
    d = _norm_dim("cosine_similarity", dim, len(shape))
    if not shape:
        a, b = a.reshape(1), b.reshape(1)
    n1 = _pnorm(a, 2.0, d, keepdim=True).clamp(min=eps)
    n2 = _pnorm(b, 2.0, d, keepdim=True).clamp(min=eps)
    out = ((a / n1) * (b / n2)).sum(d)
    return out.reshape(()) if not shape else out
