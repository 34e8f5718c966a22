"""Sorting, selection, counting and sampling: sort/argsort/msort, topk, kthvalue,
median/nanmedian, mode, unique/unique_consecutive, bincount, histc, searchsorted,
bucketize, multinomial, bernoulli, nansum/nanmean, repeat_interleave, and the stacking
helpers dstack, column_stack, atleast_1d/2d/3d.

The selecting ops find their indices with NumPy (a stable sort) and take their values
with the differentiable ``gather``, so gradients (and second derivatives) flow to the
selected entries exactly as in PyTorch's ``index``-based backward formulas.

Ties: ``sort``/``argsort`` are always stable (PyTorch's ``stable=True``; PyTorch's CPU
sort is stable anyway). ``topk`` and ``kthvalue`` return the earliest of tied entries in
the stable order, where PyTorch's partial sort may pick another tied index (the values
agree). ``median`` with ``dim`` returns the index of the lower median in the stable order
(the first NaN when a slice has one); ``mode`` returns the smallest most frequent value
and its last index, as PyTorch.

The samplers (``multinomial``, ``bernoulli``) draw from the engine's generator
(``autograd.manual_seed`` or ``generator=``): runs are reproducible, but the numbers
differ from PyTorch's.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..dtypes import no_kernel
from ..node import Op, ShapeError
from ..random import Generator
from ..tensor import Tensor, _wrap
from ._args import ArgumentError, require_number, require_tensor, require_tensors
from ._util import Dims, DTypeLike, normalize_dim
from .elementwise import where
from .index import gather, index_select
from .reduce import _dims, _int_arg, _keep_shape, return_types
from .reduce import sum as _sum
from .shape import _cat

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "unique", "unique_consecutive", "bincount", "histc", "searchsorted", "bucketize",
           "multinomial", "bernoulli", "nansum", "nanmean", "repeat_interleave", "dstack",
           "column_stack", "atleast_1d", "atleast_2d", "atleast_3d"]

_values_indices = return_types


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _dim(op: str, dim: object, ndim: int) -> int:
    return normalize_dim(_int_arg(op, "dim", dim), ndim, op)


def _sort_indices(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort of ``a`` along ``axis`` (int64); NaN sorts as the largest value.
    Descending keeps tied entries in their original order, as PyTorch's stable sort."""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(a, axis=axis, kind="stable").astype(np.int64, copy=False)
    n = a.shape[axis]
    rev = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return (n - 1 - np.flip(rev, axis)).astype(np.int64, copy=False)


def _take(input: Tensor, dim: int, idx: np.ndarray) -> Tensor:
    """``input`` gathered at ``idx`` along ``dim`` (differentiable; 0-d stays 0-d)."""
    if input._data.ndim == 0:
        return gather(input.reshape(1), 0, _wrap(idx.reshape(1))).reshape(())
    return gather(input, dim, _wrap(idx))


def _check_sortable(op: str, input: Tensor) -> None:
    if input._data.dtype.kind == "c":
        raise RuntimeError(f"{op}(): complex tensors are not supported (got "
                           f"{input._data.dtype})")


def _check_reduce_nonempty(op: str, a: np.ndarray, d: int) -> None:
    if a.ndim and a.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size "
                         f"(input shape {tuple(a.shape)})")


def _select(input: Tensor, d: int, pos: np.ndarray, keepdim: bool) -> return_types:
    """(values, indices) at the positions ``pos`` (keepdim-shaped, int64) along ``d``."""
    values = _take(input, d, pos)
    idx = pos
    if not keepdim and input._data.ndim:
        values = values.squeeze(d)
        idx = np.squeeze(idx, d)
    return _values_indices(values, _wrap(np.array(idx, dtype=np.int64)))


# ---------------------------------------------------------------------------
# sort, argsort, msort, topk
# ---------------------------------------------------------------------------
def sort(input: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool | None = False) -> return_types:
    """``(values, indices)`` of ``input`` sorted along ``dim``. Always stable (ties keep
    their order, also when ``descending``); NaN sorts as the largest value. The gradient
    goes back to the original positions."""
    _check_sortable("sort", input)
    d = _dim("sort", dim, input._data.ndim)
    idx = _sort_indices(input._data, d, bool(descending))
    return _values_indices(_take(input, d, idx), _wrap(idx))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The indices ``sort`` returns (int64, stable)."""
    _check_sortable("argsort", input)
    d = _dim("argsort", dim, input._data.ndim)
    return _wrap(_sort_indices(input._data, d, bool(descending)))


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along dim 0 (``sort(input, 0).values``)."""
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> return_types:
    """The ``k`` largest (or smallest) entries along ``dim``: ``(values, indices)``.

    Results always come sorted (``sorted=False`` is accepted; PyTorch then leaves the
    order unspecified). Among tied entries the earliest ones are taken (PyTorch's
    partial sort may return other tied indices; the values are the same). NaN counts as
    the largest value, as in PyTorch.
    """
    _check_sortable("topk", input)
    a = input._data
    d = _dim("topk", dim, a.ndim)
    k = _int_arg("topk", "k", k)
    n = a.shape[d] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k out of range: k={k} for dimension {d} "
                           f"of size {n} (input shape {tuple(a.shape)})")
    idx = _sort_indices(a, d, bool(largest))
    if a.ndim:
        idx = np.ascontiguousarray(np.take(idx, np.arange(k), axis=d))
    return _values_indices(_take(input, d, idx), _wrap(idx))


# ---------------------------------------------------------------------------
# kthvalue, median, nanmedian, mode
# ---------------------------------------------------------------------------
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> return_types:
    """The ``k``-th smallest entry (1-based) along ``dim``: ``(values, indices)``.
    Ties: the index in the stable sorted order (PyTorch may return another tied index)."""
    _check_sortable("kthvalue", input)
    a = input._data
    d = _dim("kthvalue", dim, a.ndim)
    k = _int_arg("kthvalue", "k", k)
    _check_reduce_nonempty("kthvalue", a, d)
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}: "
                           f"k={k}, size {n} (input shape {tuple(a.shape)})")
    idx = _sort_indices(a, d, False)
    pos = np.take(idx, [k - 1], axis=d) if a.ndim else idx
    return _select(input, d, pos, bool(keepdim))


class _MedianAll(Op):
    """out = the lower median of all of ``a`` (ignoring NaNs when ``skipnan``); the
    gradient is split evenly among the entries equal to it (PyTorch's
    ``evenly_distribute_backward``; among the NaNs when the result is NaN)."""

    @staticmethod
    def forward(ctx, a, skipnan):
        flat = a.reshape(-1)
        s = np.sort(flat, kind="stable")
        nan = np.isnan(s) if a.dtype.kind == "f" else np.zeros(s.shape, bool)
        count = int((~nan).sum()) if skipnan else (s.size if not nan.any() else 0)
        if count:
            value = s[(count - 1) // 2]
        else:
            value = np.asarray(np.nan, a.dtype)
        out = np.asarray(value, dtype=a.dtype)
        hit = (a == out) | (np.isnan(a) & np.isnan(out)) if a.dtype.kind == "f" else a == out
        ctx.weight = hit / max(int(hit.sum()), 1)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.weight.astype(grad.dtype, copy=False), None


def _median_positions(a: np.ndarray, d: int, skipnan: bool) -> np.ndarray:
    """Indices (keepdim-shaped) of the lower median along ``d``: with a NaN in a slice,
    the first NaN (``median``) or the median of the other entries (``nanmedian``)."""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    idx = _sort_indices(a, d, False)
    n = a.shape[d]
    if a.dtype.kind != "f":
        return np.take(idx, [(n - 1) // 2], axis=d)
    nan = np.isnan(a)
    m = n - nan.sum(axis=d, keepdims=True)          # non-NaN entries per slice
    if skipnan:
        pos = np.where(m > 0, (m - 1) // 2, 0)
    else:
        pos = np.where(m < n, m, (n - 1) // 2)      # the first NaN sits at position m
    return np.take_along_axis(idx, pos.astype(np.int64), axis=d)


def _median(op: str, input: Tensor, dim: Any, keepdim: bool, skipnan: bool) -> Any:
    _check_sortable(op, input)
    a = input._data
    if dim is None:
        if a.size == 0:
            if a.dtype.kind != "f":
                raise RuntimeError(f"{op}(): cannot compute the median of an empty tensor of "
                                   f"dtype {a.dtype} (input shape {tuple(a.shape)})")
            return _wrap(np.asarray(np.nan, a.dtype))
        return _MedianAll.apply(input, skipnan)
    d = _dim(op, dim, a.ndim)
    _check_reduce_nonempty(op, a, d)
    return _select(input, d, _median_positions(a, d, skipnan), bool(keepdim))


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """Without ``dim``: the lower median of all entries (0-d; NaN if any entry is NaN),
    the gradient split among the entries equal to it. With ``dim``: ``(values,
    indices)`` of the lower median along ``dim``."""
    return _median("median", input, dim, keepdim, False)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """``median`` ignoring NaNs (NaN only where a slice is all NaN)."""
    return _median("nanmedian", input, dim, keepdim, True)


def _mode_positions(a: np.ndarray, d: int) -> np.ndarray:
    """Keepdim-shaped index of the mode along ``d``: the smallest most frequent value,
    at its last position (PyTorch's choice); NaNs never equal each other."""
    moved = np.moveaxis(a, d, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = np.empty(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        order = np.argsort(row, kind="stable")
        s = row[order]
        start = np.r_[True, s[1:] != s[:-1]]
        run = np.cumsum(start) - 1                   # run id of each sorted entry
        counts = np.bincount(run)
        best = int(np.argmax(counts))                # first = smallest of the most frequent
        out[r] = order[run == best].max()
    return np.expand_dims(out.reshape(moved.shape[:-1]), d)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> return_types:
    """``(values, indices)`` of the most frequent value along ``dim`` (the smallest one
    on ties, at its last index, as PyTorch); the gradient goes to that index."""
    _check_sortable("mode", input)
    a = input._data
    d = _dim("mode", dim, a.ndim)
    _check_reduce_nonempty("mode", a, d)
    if a.ndim == 0:
        return _select(input, d, np.zeros((), np.int64), bool(keepdim))
    if a.size == 0:
        pos = np.zeros(_keep_shape(a.shape, (d,)), np.int64)
    else:
        pos = _mode_positions(a, d)
    return _select(input, d, pos, bool(keepdim))


# ---------------------------------------------------------------------------
# unique, unique_consecutive (no gradient)
# ---------------------------------------------------------------------------
def _unique_result(values: np.ndarray, inverse: np.ndarray, counts: np.ndarray,
                   return_inverse: bool, return_counts: bool) -> Any:
    out = [_wrap(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(_wrap(inverse.astype(np.int64, copy=False)))
    if return_counts:
        out.append(_wrap(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def _check_unique_dim(op: str, a: np.ndarray, d: int) -> None:
    if a.size == 0 and any(s == 0 for i, s in enumerate(a.shape) if i != d):
        raise RuntimeError(f"{op}(): there are 0 sized dimensions, and they aren't selected "
                           f"(dim={d}, input shape {tuple(a.shape)}), so unique cannot be "
                           f"applied")


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of ``input`` (flattened, or the distinct slices along
    ``dim``), always sorted; optionally the inverse indices and the counts. NaNs are all
    distinct, as PyTorch. No gradient."""
    a = input._data
    if a.dtype.kind == "c":
        raise no_kernel("unique", a.dtype)
    if dim is None:
        vals, inv, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True,
                                      equal_nan=False)
        return _unique_result(vals, inv.reshape(a.shape), counts, return_inverse,
                              return_counts)
    d = _dim("unique", dim, a.ndim)
    if a.ndim == 0:
        return unique(input, sorted, return_inverse, return_counts)
    _check_unique_dim("unique", a, d)
    if a.shape[d] == 0:
        return _unique_result(a, np.zeros(0, np.int64), np.zeros(0, np.int64),
                              return_inverse, return_counts)
    vals, inv, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d,
                                  equal_nan=False)
    return _unique_result(vals, inv.reshape(-1), counts, return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """``input`` with each run of equal consecutive values (or slices along ``dim``)
    collapsed to one; optionally the inverse indices and the run lengths. No gradient."""
    a = input._data
    if dim is None:
        flat = a.reshape(-1)
        start = np.r_[flat.size > 0, flat[1:] != flat[:-1]] if flat.size else np.zeros(0, bool)
        run = np.cumsum(start) - 1
        counts = np.bincount(run) if flat.size else np.zeros(0, np.int64)
        return _unique_result(flat[start], run.reshape(a.shape), counts, return_inverse,
                              return_counts)
    d = _dim("unique_consecutive", dim, a.ndim)
    if a.ndim == 0:
        return unique_consecutive(input, return_inverse, return_counts)
    _check_unique_dim("unique_consecutive", a, d)
    moved = np.moveaxis(a, d, 0).reshape(a.shape[d], -1)
    n = moved.shape[0]
    if n == 0:
        return _unique_result(a, np.zeros(0, np.int64), np.zeros(0, np.int64),
                              return_inverse, return_counts)
    start = np.r_[True, (moved[1:] != moved[:-1]).any(axis=1)]
    run = np.cumsum(start) - 1
    vals = np.compress(start, a, axis=d)
    return _unique_result(vals, run, np.bincount(run), return_inverse, return_counts)


# ---------------------------------------------------------------------------
# bincount, histc, searchsorted, bucketize (no gradient)
# ---------------------------------------------------------------------------
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts of each value of a 1-D non-negative integer tensor (int64), or the sums of
    ``weights`` per value (float32 for float32 weights, float64 otherwise); length
    ``max(input) + 1`` at least ``minlength``. No gradient."""
    a = input._data
    if a.dtype.kind not in "biu":
        raise NotImplementedError(f"bincount(): not implemented for dtype {a.dtype} (input "
                                  f"must be of integral dtype)")
    minlength = _int_arg("bincount", "minlength", minlength)
    if minlength < 0:
        raise RuntimeError(f"bincount(): minlength should be >= 0, but got {minlength}")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError(f"bincount(): only supports 1-d non-negative integral inputs "
                           f"(got shape {tuple(a.shape)})")
    if weights is None:
        return _wrap(np.bincount(a.astype(np.int64), minlength=minlength).astype(np.int64))
    w = require_tensor("bincount", weights, "weights", 2)._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError(f"bincount(): weights should be 1-d and have the same length as "
                           f"input (got weights {tuple(w.shape)}, input {tuple(a.shape)})")
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    out = np.bincount(a.astype(np.int64), weights=w.astype(np.float64), minlength=minlength)
    return _wrap(out.astype(dtype))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Histogram of ``input`` with ``bins`` equal-width bins over ``[min, max]`` (the
    data's range when both are 0; widened by 1 on each side when it is a single value).
    Values outside the range (and NaNs) are ignored; the last bin includes ``max``.
    Floating-point input only; result in its dtype. No gradient."""
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"histc(): not implemented for dtype {a.dtype} (input must "
                                  f"be floating point)")
    bins = _int_arg("histc", "bins", bins)
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, but got {bins}")
    lo = float(require_number("histc", "min", min))
    hi = float(require_number("histc", "max", max))
    if lo == hi and a.size:
        finite = a[~np.isnan(a)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (np.nan, np.nan)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histc(): range of [{lo}, {hi}] is not finite")
    if lo > hi:
        raise RuntimeError(f"histc(): max must be larger than min (got min={lo}, max={hi})")
    x = a.reshape(-1)
    x = x[(x >= lo) & (x <= hi)]
    pos = ((x - a.dtype.type(lo)) * bins / (a.dtype.type(hi) - a.dtype.type(lo))).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return _wrap(np.bincount(pos, minlength=bins).astype(a.dtype))


def _side(op: str, right: bool, side: str | None) -> str:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise RuntimeError(f"{op}(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError(f"{op}(): side and right can't be set to opposites, got side of "
                           f"left while right was True")
    return side


def _values_array(op: str, values: object) -> tuple[np.ndarray, bool]:
    """The searched-for values as an array, and whether they were a Python scalar."""
    if isinstance(values, Tensor):
        return values._data, False
    return np.asarray(require_number(op, "input", values)), True


def searchsorted(sorted_sequence: Tensor, input: Tensor | float, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None,
                 sorter: Tensor | None = None) -> Tensor:
    """Insertion indices of ``input`` into ``sorted_sequence`` along its last dim (a 1-D
    sequence for any ``input``, or leading dims matching ``input``'s). ``right=True`` /
    ``side='right'`` gives the index after equal entries; ``sorter`` sorts an unsorted
    sequence. int64 (int32 with ``out_int32``); no gradient."""
    op = "searchsorted"
    seq = require_tensor(op, sorted_sequence, "sorted_sequence", 1)._data
    vals, scalar = _values_array(op, input)
    s = _side(op, bool(right), side)
    if seq.ndim == 0:
        raise RuntimeError(f"{op}(): boundaries tensor should have positive dimension, but "
                           f"got 0 dimension")
    if seq.ndim > 1 and (scalar or seq.shape[:-1] != vals.shape[:-1]):
        raise RuntimeError(f"{op}(): boundaries tensor should be 1 dimension or the first "
                           f"N-1 dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {list(seq.shape)} and input "
                           f"value tensor {list(vals.shape)}")
    if sorter is not None:
        srt = require_tensor(op, sorter, "sorter")._data
        if srt.shape != seq.shape:
            raise RuntimeError(f"{op}(): boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(seq.shape)} and got sorter tensor "
                               f"{list(srt.shape)}")
        if srt.dtype.kind not in "iu":
            raise RuntimeError(f"{op}(): sorter must be a tensor of long dtype but got "
                               f"{srt.dtype}")
        if srt.size and (srt.min() < 0 or srt.max() >= seq.shape[-1]):
            raise RuntimeError(f"{op}(): sorter index out of range")
        seq = np.take_along_axis(seq, srt.astype(np.int64), axis=-1)
    dtype = np.int32 if out_int32 else np.int64
    if seq.ndim == 1:
        out = np.searchsorted(seq, vals, side=s)  # type: ignore[call-overload]
    else:
        rows = seq.reshape(-1, seq.shape[-1])
        vrows = vals.reshape(rows.shape[0], -1)
        out = np.stack([np.searchsorted(r, v, side=s)  # type: ignore[call-overload]
                        for r, v in zip(rows, vrows)]).reshape(vals.shape)
    return _wrap(np.asarray(out, dtype=dtype))


def bucketize(input: Tensor | float, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each entry of ``input`` for 1-D sorted ``boundaries``: ``i`` with
    ``boundaries[i-1] < x <= boundaries[i]`` (``<`` and ``>=`` with ``right=True``), i.e.
    ``searchsorted(boundaries, input, right=right)``. No gradient."""
    b = require_tensor("bucketize", boundaries, "boundaries", 2)
    if b._data.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got "
                           f"dim({b._data.ndim})")
    vals, _ = _values_array("bucketize", input)
    return searchsorted(b, _wrap(vals), out_int32=out_int32, right=right)


# ---------------------------------------------------------------------------
# samplers
# ---------------------------------------------------------------------------
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """``num_samples`` category indices per row of the (1-D or 2-D) non-negative weights
    ``input``, with or without replacement (int64, no gradient). Draws from the engine's
    generator with PyTorch's algorithms, so its numbers after the same seed. Without
    replacement, zero-weight categories come only after all others are drawn."""
    op = "multinomial"
    p = input._data
    n = _int_arg(op, "num_samples", num_samples)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"{op}(): prob_dist must be 1 or 2 dim, got shape {tuple(p.shape)}")
    if p.dtype.kind != "f":
        raise RuntimeError(f"{op}(): only supports floating-point dtypes for input, got: "
                           f"{p.dtype}")
    if n <= 0:
        raise RuntimeError(f"{op}(): cannot sample n_sample <= 0 samples (got {n})")
    k = p.shape[-1]
    if not replacement and n > k:
        raise RuntimeError(f"{op}(): cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement (n_sample={n}, size {k})")
    rows = p.reshape(-1, k).astype(np.float64)
    if rows.size and (not np.isfinite(rows).all() or (rows < 0).any()):
        raise RuntimeError(f"{op}(): probability tensor contains either `inf`, `nan` or "
                           f"element < 0")
    total = rows.sum(axis=1, keepdims=True)
    if rows.shape[0] and k and (total <= 0).any():
        raise RuntimeError(f"{op}(): invalid multinomial distribution (sum of probabilities "
                           f"<= 0)")
    probs = p.reshape(-1, k)
    if probs.dtype not in (np.float32, np.float64):
        probs = probs.astype(np.float32)            # float16: summed in float32, as PyTorch
    if replacement and n > 1:
        out, _ = _random.multinomial_replacement(probs, n, generator)
    else:
        # PyTorch's exponential race (also for one draw with replacement): argmax / top-n
        # of p / E with E ~ Exp(1) in p's dtype
        race = _random.fill_exponential(np.empty(probs.shape, probs.dtype), 1.0, generator)
        with np.errstate(divide="ignore", invalid="ignore"):
            keys = probs / race
        out = np.argsort(-keys, axis=1, kind="stable")[:, :n]
    return _wrap(np.asarray(out, np.int64).reshape(p.shape[:-1] + (n,)))


class _Bernoulli(Op):
    """out = samples of Bernoulli(p) in p's dtype; the gradient is zero (PyTorch's
    ``bernoulli`` backward)."""

    @staticmethod
    def forward(ctx, p, generator):
        return _random.bernoulli_probs(p, generator).astype(p.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0, None


def bernoulli(input: Tensor, p: float | None = None, *,
              generator: Generator | None = None) -> Tensor:
    """0/1 samples, each 1 with probability ``input`` (or ``p`` for every entry of
    ``input``'s shape), in ``input``'s dtype; zero gradient. PyTorch's numbers after the
    same seed."""
    a = input._data
    if p is not None:
        prob = float(require_number("bernoulli", "p", p))
        if not 0.0 <= prob <= 1.0:
            raise RuntimeError(f"bernoulli(): expects p to be in [0, 1], but got p={prob}")
        return _wrap(_random.fill_bernoulli(np.empty(a.shape, a.dtype), prob, generator))
    if a.dtype.kind != "f":
        raise NotImplementedError(f"bernoulli(): not implemented for dtype {a.dtype} (the "
                                  f"probabilities must be floating point)")
    if a.size and not ((a >= 0) & (a <= 1)).all():
        raise RuntimeError("bernoulli(): expected all probabilities in [0, 1] (0 <= p <= 1)")
    return _Bernoulli.apply(input, generator)


def bernoulli_fill(t: Tensor, p: Tensor | float, generator: Generator | None) -> np.ndarray:
    """The samples ``Tensor.bernoulli_(p)`` writes into ``t`` (``p`` a number or a tensor
    broadcastable to ``t``), in ``t``'s dtype; checked as PyTorch."""
    shape = t._data.shape
    prob: np.ndarray | float
    if isinstance(p, Tensor):
        prob = p._data
        if prob.size and not ((prob >= 0) & (prob <= 1)).all():
            raise RuntimeError("bernoulli_(): expected all probabilities in [0, 1] (0 <= p <= 1)")
        try:
            prob = np.broadcast_to(prob, shape)
        except ValueError:
            raise ShapeError(f"bernoulli_(): p of shape {tuple(p.shape)} cannot be expanded to "
                             f"the tensor's shape {tuple(shape)}") from None
    else:
        prob = float(require_number("bernoulli_", "p", p))
        if not 0.0 <= prob <= 1.0:
            raise RuntimeError(f"bernoulli_(): expects p to be in [0, 1], but got p={prob}")
    if isinstance(prob, np.ndarray):
        probs = prob if prob.dtype in (np.float32, np.float64) else prob.astype(np.float64)
        return _random.bernoulli_probs(probs, generator).astype(t._data.dtype)
    return _random.fill_bernoulli(np.empty(shape, t._data.dtype), prob, generator)


# ---------------------------------------------------------------------------
# nansum, nanmean
# ---------------------------------------------------------------------------
def _zero_nans(input: Tensor) -> Tensor:
    a = input._data
    if a.dtype.kind not in "fc":
        return input
    nan = np.isnan(a)
    return where(_wrap(nan), 0.0, input) if nan.any() else input


def nansum(input: Tensor, dim: Dims | None = None, keepdim: bool = False, *,
           dtype: DTypeLike | None = None) -> Tensor:
    """``sum`` treating NaN as zero (NaN entries get a zero gradient)."""
    if dtype is not None:
        input = input.to(dtype)
    return _sum(_zero_nans(input), dim, keepdim)


def nanmean(input: Tensor, dim: Dims | None = None, keepdim: bool = False, *,
            dtype: DTypeLike | None = None) -> Tensor:
    """``mean`` over the non-NaN entries (NaN where a slice has none). Floating-point
    input only, as PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    a = input._data
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex "
                           f"dtype but got {a.dtype}")
    dims = _dims(dim, a.ndim, "nanmean")
    count = np.sum(~np.isnan(a), axis=dims, keepdims=bool(keepdim))
    total = _sum(_zero_nans(input), dim, keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / _wrap(np.asarray(count, dtype=a.dtype))


# ---------------------------------------------------------------------------
# repeat_interleave
# ---------------------------------------------------------------------------
def _repeats_array(op: str, repeats: object) -> np.ndarray:
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.ndim > 1:
            raise RuntimeError(f"{op}(): repeats must be 0-dim or 1-dim tensor, got shape "
                               f"{tuple(r.shape)}")
        if r.dtype.kind not in "iu":
            raise NotImplementedError(f"{op}(): not implemented for repeats of dtype "
                                      f"{r.dtype} (must be an integer tensor)")
        if r.size and r.min() < 0:
            raise RuntimeError(f"{op}(): repeats can not be negative")
        return r.astype(np.int64)
    n = _int_arg(op, "repeats", repeats)
    if n < 0:
        raise RuntimeError(f"{op}(): Repeats must be non-negative, but got {n}")
    return np.asarray(n, np.int64)


def repeat_interleave(input: Tensor, repeats: Tensor | int | None = None,
                      dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Each entry (slice along ``dim``; of the flattened input when None) repeated
    ``repeats`` times (an int, or a tensor with one count per entry). With ``input``
    alone (a 1-D count tensor) it returns ``arange`` indices repeated by those counts.
    The gradient sums over the copies."""
    op = "repeat_interleave"
    if repeats is None:
        counts = _repeats_array(op, input).reshape(-1)
        return _wrap(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    reps = _repeats_array(op, repeats)
    if dim is None:
        input = input.reshape(-1)
        d = 0
    else:
        d = _dim(op, dim, input._data.ndim)
        if input._data.ndim == 0:
            input = input.reshape(1)
    n = input._data.shape[d]
    if reps.ndim == 1 and reps.size != 1 and reps.size != n:
        raise RuntimeError(f"{op}(): repeats must have the same size as input along dim, but "
                           f"got repeats.size(0) = {reps.size} and input.size({d}) = {n}")
    counts = np.broadcast_to(reps.reshape(-1), (n,))
    if output_size is not None and int(counts.sum()) != output_size:
        raise RuntimeError(f"{op}(): allocated size does not match required size "
                           f"(output_size={output_size}, required {int(counts.sum())})")
    idx = np.repeat(np.arange(n, dtype=np.int64), counts)
    return index_select(input, d, _wrap(idx))


# ---------------------------------------------------------------------------
# dstack, column_stack, atleast_1d/2d/3d
# ---------------------------------------------------------------------------
def _atleast(op: str, tensors: tuple[Any, ...], fix: Any) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(fix(t) for t in require_tensors(op, tensors[0]))
    if not tensors:
        raise TypeError(f"{op}() missing 1 required positional argument: 'tensors'")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(t).__name__}")
    out = tuple(fix(t) for t in tensors)
    return out[0] if len(out) == 1 else out


def _to1(t: Tensor) -> Tensor:
    return t.reshape(1) if t._data.ndim == 0 else t


def _to2(t: Tensor) -> Tensor:
    nd = t._data.ndim
    if nd == 0:
        return t.reshape(1, 1)
    if nd == 1:
        return t.reshape(1, t._data.shape[0])
    return t


def _to3(t: Tensor) -> Tensor:
    nd = t._data.ndim
    if nd == 0:
        return t.reshape(1, 1, 1)
    if nd == 1:
        return t.reshape(1, t._data.shape[0], 1)
    if nd == 2:
        return t.reshape(*t._data.shape, 1)
    return t


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim (0-d becomes shape (1,)); a tuple for several."""
    return _atleast("atleast_1d", tensors, _to1)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims (0-d -> (1, 1), (n,) -> (1, n))."""
    return _atleast("atleast_2d", tensors, _to2)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims (0-d -> (1, 1, 1), (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1))."""
    return _atleast("atleast_3d", tensors, _to3)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 2 after ``atleast_3d`` (depth-wise)."""
    ts = require_tensors("dstack", tensors)
    if not ts:
        raise ArgumentError("dstack: expects a non-empty TensorList")
    return _cat([_to3(t) for t in ts], 2, "dstack")


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1, 0-d and 1-D tensors becoming columns."""
    ts = require_tensors("column_stack", tensors)
    if not ts:
        raise ArgumentError("column_stack: expects a non-empty TensorList")
    cols = [t.reshape(t._data.size, 1) if t._data.ndim < 2 else t for t in ts]
    return _cat(cols, 1, "column_stack")
