"""Reductions: Sum, the SumTo/BroadcastTo pair (the engine's unbroadcast), Amax/Amin,
Prod, Cumsum, Norm; composites mean, var, std, logsumexp, max/min with indices.

``dim`` may be an int, a tuple of ints or None (all dims); ``keepdim`` as in PyTorch.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._unset import UNSET, Unset
from ..dtypes import get_default_dtype, no_kernel, scalar_name
from ..kernels.reduce import sum_to as _sum_to_array
from ..node import Op, ShapeError, _named
from ..tensor import Tensor, _wrap
from . import complex as ops_complex
from ._util import Dims, DTypeLike, normalize_dim, normalize_dims
from .elementwise import maximum, minimum, sign, where

__all__ = ["sum", "sum_to", "broadcast_to", "mean", "prod", "amax", "amin", "max", "min",
           "var", "std", "var_mean", "std_mean", "logsumexp", "norm", "argmax", "argmin",
           "cumsum", "cumprod", "all", "any", "count_nonzero"]


class return_types(NamedTuple):
    """``(values, indices)`` of ``max``/``min`` with ``dim`` (PyTorch's ``return_types``)."""

    values: Tensor
    indices: Tensor


_values_indices = return_types


def _type_name(value: object) -> str:
    return type(value).__name__ if value is not None else "NoneType"


def _as_int(value: object) -> int | None:
    """``value`` as an int when it is one (Python or NumPy integer, or a 0-d integer
    Tensor; never a bool, which PyTorch does not take for a dim or a size), else None."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, Tensor) and value._data.ndim == 0 and value._data.dtype.kind in "iu":
        return int(value._data)
    return None


def _int_arg(op: str, name: str, value: object) -> int:
    """An int argument (a dim, a start, a count); PyTorch's TypeError otherwise
    (``cumsum(): argument 'dim' must be int, not float``)."""
    if type(value) is int:
        return value
    out = _as_int(value)
    if out is None:
        raise TypeError(f"{op}(): argument '{name}' must be int, not {_type_name(value)}")
    return out


def _int_seq(op: str, name: str, value: object) -> tuple[int, ...]:
    """A sequence of ints as a tuple; TypeError naming the first entry that is not one,
    or the argument when it is not a sequence (``flip(): argument 'dims' must be tuple
    of ints, but found element of type float at pos 0``)."""
    if type(value) is tuple or type(value) is list:  # the common case: plain ints
        for v in value:
            if type(v) is not int:
                break
        else:
            return tuple(value)
    if isinstance(value, (str, bytes, Tensor)):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {_type_name(value)}")
    try:
        items: tuple[object, ...] = tuple(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, "
                        f"not {_type_name(value)}") from None
    out = []
    for i, v in enumerate(items):
        n = _as_int(v)
        if n is None:
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found "
                            f"element of type {_type_name(v)} at pos {i}")
        out.append(n)
    return tuple(out)


def _dim_arg(op: str, dim: object) -> int | tuple[int, ...] | None:
    """``dim`` of a reduction checked for type: None, an int, or a sequence of ints."""
    if dim is None:
        return None
    if type(dim) is tuple or type(dim) is list:
        return _int_seq(op, "dim", dim)
    n = _as_int(dim)
    if n is not None:
        return n
    if isinstance(dim, (float, bool, str, bytes, complex)):
        raise TypeError(f"{op}(): argument 'dim' must be int or tuple of ints, "
                        f"not {_type_name(dim)}")
    return _int_seq(op, "dim", dim)


def _dims(dim: Dims | None, ndim: int, op: str) -> tuple[int, ...] | None:
    """``normalize_dims`` for a reduction whose empty ``dim`` (``()``, ``[]``) means all
    dims, as PyTorch's sum/mean/var/amax/norm; plus PyTorch's 0-d rule: dim 0 / -1 of a
    0-d tensor is the whole (one-element) tensor, i.e. None."""
    if dim is None:
        return None
    if type(dim) is int:
        d = normalize_dim(dim, ndim, op)
        return (d,) if ndim else None
    dims = _dim_arg(op, dim)
    if dims == ():
        return None
    out = normalize_dims(dims, ndim, op)
    return out if ndim else None


def _no_dim_given(op: str, keepdim: object) -> None:
    """PyTorch's TypeError for ``keepdim`` without ``dim`` (``torch.sum(x, keepdim=True)``:
    the all-dims overload has no keepdim)."""
    if keepdim is not UNSET:
        raise TypeError(f"{op}() received an invalid combination of arguments - got "
                        f"(Tensor, keepdim={_type_name(keepdim)}): keepdim is only accepted "
                        f"together with dim")


def _reduce_all_or_dim(op: str, dim: object, keepdim: object) -> tuple[Any, bool]:
    """``(dim, keepdim)`` of sum/mean: ``dim`` left out (UNSET) reduces everything and
    must come without ``keepdim``; an explicit None also means all dims."""
    if dim is UNSET:
        _no_dim_given(op, keepdim)
        return None, False
    return dim, bool(keepdim) if keepdim is not UNSET else False


def _one_dim_or_all(op: str, dim: object, keepdim: object) -> tuple[Any, bool]:
    """``(dim, keepdim)`` of prod/max/min, whose all-dims form takes neither ``dim`` nor
    ``keepdim``: with ``dim`` given it must be an int (None is PyTorch's TypeError)."""
    if dim is UNSET:
        _no_dim_given(op, keepdim)
        return None, False
    if dim is None or isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {_type_name(dim)}")
    return _int_arg(op, "dim", dim), bool(keepdim) if keepdim is not UNSET else False


def _keep_shape(shape, dims):
    """The shape a reduction over ``dims`` has with keepdim=True."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Op):
    """out = sum of a over ``dims`` (None = all)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        return np.asarray(a.sum(axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        a, dims, keepdim = ctx._inputs
        if not keepdim:
            grad = grad.reshape(_keep_shape(a.shape, dims))
        return broadcast_to(grad, a.shape), None, None


def sum(input: Tensor, dim: Dims | None | Unset = UNSET, keepdim: bool | Unset = UNSET, *,
        dtype: DTypeLike | None = None) -> Tensor:
    """Sum over ``dim`` (int, tuple or None for all). Shape: reduced dims removed
    unless ``keepdim``. Integer and bool inputs sum to int64, as in PyTorch."""
    dim_, keep = _reduce_all_or_dim("sum", dim, keepdim)
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(np.int64)
    return Sum.apply(input, _dims(dim_, input._data.ndim, "sum"), keep)


class SumTo(Op):
    """out = a summed over broadcast dims down to ``shape``; backward broadcasts back."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, shape):
        return np.asarray(_sum_to_array(a, shape))

    @staticmethod
    def backward(ctx, grad):
        a = ctx._inputs[0]
        return broadcast_to(grad, a.shape), None


def sum_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Reduce ``input`` by summation to ``shape`` (which must broadcast to input's shape)."""
    return SumTo.apply(input, tuple(shape))


class BroadcastTo(Op):
    """out = a broadcast to ``shape`` (a read-only view); backward sums back."""

    grad_fn_name = "Expand"  # PyTorch's broadcast_to is expand

    complex_ok = True

    @staticmethod
    def forward(ctx, a, shape):
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise ShapeError(f"expand/broadcast_to: the shape {tuple(a.shape)} cannot be "
                             f"broadcast to {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, grad):
        a = ctx._inputs[0]
        return sum_to(grad, a.shape), None


def _expand_target(op: str, shape: tuple[int, ...], sizes: tuple[int, ...]) -> tuple[int, ...]:
    """``sizes`` with each -1 replaced by the existing size, checked as PyTorch's expand:
    at least ``len(shape)`` sizes, -1 only over an existing dim, non-singleton dims kept,
    no negative sizes."""
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ShapeError(f"{op}: the number of sizes provided ({len(sizes)}) must be greater or "
                         f"equal to the number of dimensions in the tensor ({len(shape)}). "
                         f"Target sizes: {list(sizes)}. Tensor sizes: {list(shape)}")
    target = list(sizes)
    for i, t in enumerate(sizes):
        s = shape[i - lead] if i >= lead else None
        if t == -1 and s is not None:
            target[i] = s
        elif s is not None and s != 1 and t != s:
            raise ShapeError(f"{op}: the expanded size of the tensor ({t}) must match the "
                             f"existing size ({s}) at non-singleton dimension {i}. "
                             f"Target sizes: {list(sizes)}. Tensor sizes: {list(shape)}")
        elif t == -1:
            raise ShapeError(f"{op}: the expanded size of the tensor (-1) isn't allowed in a "
                             f"leading, non-existing dimension {i}. Target sizes: "
                             f"{list(sizes)}. Tensor sizes: {list(shape)}")
        elif t < 0:
            raise ShapeError(f"{op}: the expanded size of the tensor ({t}) at dimension {i} must "
                             f"be non-negative (-1 keeps an existing size). Target sizes: "
                             f"{list(sizes)}. Tensor sizes: {list(shape)}")
    return tuple(target)


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    """``input`` expanded to ``shape`` (as ``expand``: -1 keeps a size)."""
    shape = tuple(shape)
    if input._data.shape == shape:
        return input
    target = _expand_target("broadcast_to", input._data.shape, _int_seq("broadcast_to", "size", shape))
    if input._data.shape == target:
        return input
    return BroadcastTo.apply(input, target)


def mean(input: Tensor, dim: Dims | None | Unset = UNSET, keepdim: bool | Unset = UNSET, *,
         dtype: DTypeLike | None = None) -> Tensor:
    """Arithmetic mean over ``dim``. Integer inputs are an error, as in PyTorch."""
    dim_, keep = _reduce_all_or_dim("mean", dim, keepdim)
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: {scalar_name(input._data.dtype)}")
    dims = _dims(dim_, input._data.ndim, "mean")
    n = _count(input._data.shape, dims)
    return _named(Sum.apply(input, dims, keep) * (1.0 / n if n else float("nan")), "Mean")


def _count(shape, dims) -> int:
    n = 1
    for i, s in enumerate(shape):
        if dims is None or i in dims:
            n *= s
    return n


class _Extreme(Op):
    """out = max/min of a over ``dims``; ties share the gradient evenly (PyTorch's amax).

    A NaN in a slice makes its result NaN, and (as PyTorch's amax/amin) the gradient of
    the whole slice NaN: no entry equals the result, 0 / 0. ``nan_ties`` (``max()`` /
    ``min()`` without ``dim``, PyTorch's ``evenly_distribute_backward``) instead splits
    the gradient evenly among the NaN entries.
    """

    reduce: Callable[..., Any] | None = None
    nan_ties = False

    @classmethod
    def forward(cls, ctx, a, dims, keepdim):
        if a.size == 0:
            _check_nonempty(cls.op_name, a, dims)
        out = cls.reduce(a, axis=dims, keepdims=True)
        hit = a == out
        if cls.nan_ties and a.dtype.kind in "fc" and np.isnan(out).any():
            hit |= np.isnan(a) & np.isnan(out)
        with np.errstate(invalid="ignore", divide="ignore"):
            ctx.weight = hit / hit.sum(axis=dims, keepdims=True)
        return out if keepdim else np.asarray(out.reshape(_drop(a.shape, dims)))

    @staticmethod
    def backward(ctx, grad):
        a, dims, keepdim = ctx._inputs
        if not keepdim:
            grad = grad.reshape(_keep_shape(a.shape, dims))
        return grad * ctx.weight.astype(grad.dtype, copy=False), None, None


def _check_nonempty(op: str, a: np.ndarray, dims: tuple[int, ...] | None) -> None:
    """PyTorch's errors for a max/min/argmax over nothing: RuntimeError without a dim,
    IndexError naming the empty dim otherwise (a reduction with no identity)."""
    if a.size:
        return
    if dims is None:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0 (input shape {tuple(a.shape)}). Specify the reduction dim "
                           f"with the 'dim' argument.")
    for d in dims:
        if a.shape[d] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size "
                             f"(input shape {tuple(a.shape)})")


def _check_empty_dims_in_order(op: str, a: np.ndarray, dim: object) -> None:
    """amax/amin of an empty tensor check each listed dim in turn, range then size, before
    looking for duplicates (PyTorch: ``amin(empty_1d, (0, 1, 1))`` names the empty dim 0,
    ``amin(empty_1d, (1, 0, 0))`` the out-of-range 1)."""
    dims = _dim_arg(op, dim)
    for d in (dims,) if isinstance(dims, int) else dims or ():
        n = normalize_dim(d, a.ndim, op)
        if a.ndim and a.shape[n] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {n} to have non-zero size "
                             f"(input shape {tuple(a.shape)})")


def _drop(shape, dims):
    if dims is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in dims)


class Amax(_Extreme):
    reduce = staticmethod(np.max)
    op_name = "amax"


class Amin(_Extreme):
    reduce = staticmethod(np.min)
    op_name = "amin"


class MaxAll(Amax):
    op_name = "max"
    grad_fn_name = "Max"
    nan_ties = True


class MinAll(Amin):
    op_name = "min"
    grad_fn_name = "Min"
    nan_ties = True


def amax(input: Tensor, dim: Dims | None = (), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (all dims when ``dim`` is None or ``()``)."""
    if input._data.size == 0:
        _check_empty_dims_in_order("amax", input._data, dim)
    dims = _dims(dim, input._data.ndim, "amax")
    if input._data.size == 0:
        _check_nonempty("amax", input._data, dims)
    return Amax.apply(input, dims, bool(keepdim))


def amin(input: Tensor, dim: Dims | None = (), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (all dims when ``dim`` is None or ``()``)."""
    if input._data.size == 0:
        _check_empty_dims_in_order("amin", input._data, dim)
    dims = _dims(dim, input._data.ndim, "amin")
    if input._data.size == 0:
        _check_nonempty("amin", input._data, dims)
    return Amin.apply(input, dims, bool(keepdim))


def _extreme_with_indices(input, dim, keepdim, arg, name, other):
    if other is not None:  # torch.max(a, b) is the elementwise maximum
        return maximum(input, other) if name == "max" else minimum(input, other)
    if dim is None:
        if input._data.size == 0:
            _check_nonempty(name, input._data, None)
        return MaxAll.apply(input, None, False) if name == "max" else MinAll.apply(input, None, False)
    d = normalize_dim(_int_arg(name, "dim", dim), input._data.ndim, name)
    if input._data.ndim and input._data.shape[d] == 0:
        _check_nonempty(name, input._data, (d,))
    idx = arg(input._data, axis=d, keepdims=True) if input._data.ndim else np.zeros((), np.int64)
    from .index import gather  # lazy: index imports this module (via shape)
    values = gather(input, d, _wrap(idx)) if input._data.ndim else input
    idx_t = _wrap(idx)
    if not keepdim and input._data.ndim:
        values = values.squeeze(d)
        idx_t = _wrap(np.squeeze(idx, d))
    return _values_indices(values, idx_t)


def max(input: Tensor, dim: int | Unset | None = UNSET, keepdim: bool | Unset = UNSET, *,
        other: Tensor | None = None) -> Tensor | tuple[Tensor, Tensor]:
    """Without ``dim``: the maximum (0-d). With ``dim``: ``(values, indices)``, the gradient
    going to the first maximal entry (as PyTorch). ``max(a, b)`` with a Tensor second
    argument is the elementwise maximum."""
    if isinstance(dim, Tensor):
        dim, other = None, dim
    elif other is None:
        dim, keepdim = _one_dim_or_all("max", dim, keepdim)
        _unordered("max", input, dim)
    return _extreme_with_indices(input, dim, keepdim, np.argmax, "max", other)


def min(input: Tensor, dim: int | Unset | None = UNSET, keepdim: bool | Unset = UNSET, *,
        other: Tensor | None = None) -> Tensor | tuple[Tensor, Tensor]:
    """Like ``max`` for the minimum."""
    if isinstance(dim, Tensor):
        dim, other = None, dim
    elif other is None:
        dim, keepdim = _one_dim_or_all("min", dim, keepdim)
        _unordered("min", input, dim)
    return _extreme_with_indices(input, dim, keepdim, np.argmin, "min", other)


def _unordered(op: str, input: Tensor, dim: object) -> None:
    """PyTorch's errors for max/min of a complex tensor (complex numbers have no order)."""
    if input._data.dtype.kind == "c":
        if dim is None:
            raise no_kernel(f"{op}_all", input._data.dtype)
        raise RuntimeError(f"{op}(): does not support complex input")


def _arg_extreme(input: Tensor, dim: int | None, keepdim: bool, fn: Callable[..., Any],
                 op: str) -> Tensor:
    a = input._data
    if dim is not None:
        _int_arg(op, "dim", dim)
    if a.dtype.kind == "b":
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:  # over the flattened tensor; keepdim gives all-ones of input's ndim
        if a.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for "
                             f"input.numel() == 0 (input shape {tuple(a.shape)}).")
        idx = np.asarray(fn(a), dtype=np.int64)
        return _wrap(idx.reshape((1,) * a.ndim) if keepdim else idx)
    d = normalize_dim(_int_arg(op, "dim", dim), a.ndim, op)
    if a.ndim and a.shape[d] == 0:
        _check_nonempty(op, a, (d,))
    return _wrap(fn(a, axis=d, keepdims=keepdim).astype(np.int64, copy=False))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the maximum (flattened when ``dim`` is None). int64, no gradient."""
    if input._data.dtype.kind == "c":
        raise RuntimeError("argmax(): does not support complex input")
    return _arg_extreme(input, dim, keepdim, np.argmax, "argmax")


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the minimum (flattened when ``dim`` is None). int64, no gradient."""
    if input._data.dtype.kind == "c":
        raise RuntimeError("argmin(): does not support complex input")
    return _arg_extreme(input, dim, keepdim, np.argmin, "argmin")


def var(input: Tensor, dim: Dims | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """Variance over ``dim`` with ``correction`` (default 1, Bessel) or ``unbiased``."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = _dims(dim, input._data.ndim, "var")
    n = _count(input._data.shape, dims)
    centered = input - Sum.apply(input, dims, True) * (1.0 / n if n else float("nan"))
    denom = n - correction
    if centered._data.dtype.kind == "c":  # |c|**2: a real variance, as PyTorch
        centered = ops_complex.view_as_real(centered)
        total = Sum.apply((centered * centered).sum(-1), dims, bool(keepdim))
    else:
        total = Sum.apply(centered * centered, dims, bool(keepdim))
    return _named(total * (1.0 / denom if denom > 0 else float("inf") if n else float("nan")),
                  "Var")


def std(input: Tensor, dim: Dims | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """Standard deviation: ``sqrt(var(...))``, with gradient 0 (not 0 * inf) where the
    result is 0 (a constant slice), as PyTorch."""
    return StdSqrt.apply(var(input, dim, unbiased, keepdim, correction=correction))


class StdSqrt(Op):
    """out = sqrt(v) for a variance v; the gradient is masked to 0 where out == 0
    (PyTorch's std_backward), so a constant input has a zero gradient, not NaN."""

    grad_fn_name = "Std"

    @staticmethod
    def forward(ctx, v):
        return np.sqrt(v)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        zero = out._data == 0
        if not zero.any():
            return grad / (out * 2.0)
        z = _wrap(zero)
        return where(z, 0.0, grad / (where(z, 1.0, out) * 2.0))


def var_mean(input: Tensor, dim: Dims | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)``."""
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim, keepdim))


def std_mean(input: Tensor, dim: Dims | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)``."""
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim, keepdim))


def logsumexp(input: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed stably (max subtracted first)."""
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' must be int or tuple of ints, not NoneType")
    if input._data.dtype.kind not in "fc":  # as PyTorch: integers give the default dtype
        input = input.to(get_default_dtype())
    dims = _dims(dim, input._data.ndim, "logsumexp")
    if dims is None and not keepdim and input._data.ndim and _dim_arg("logsumexp", dim) == ():
        # PyTorch reduces over all dims for dim=() but only accepts that with keepdim=True
        raise RuntimeError(f"logsumexp(): dim=() (all dims) is only supported with "
                           f"keepdim=True; got input of shape {tuple(input._data.shape)} "
                           f"(pass every dim explicitly, e.g. dim={tuple(range(input._data.ndim))})")
    m = np.max(input._data, axis=dims, keepdims=True) if input._data.size else \
        np.zeros(_keep_shape(input._data.shape, dims), input._data.dtype)
    m = np.where(np.isfinite(m), m, 0).astype(input._data.dtype, copy=False)
    # the shift is a constant: the result does not depend on it, so neither does the gradient
    shifted = Sum.apply((input - m).exp(), dims, True).log() + m
    if not keepdim:
        shifted = shifted.reshape(_drop(input._data.shape, dims))
    return _named(shifted, "Logsumexp")


class Prod(Op):
    """out = product over ``dim`` (one dim or all)."""

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        return np.asarray(np.prod(a, axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        a, dim, keepdim = ctx.inputs
        dims = None if dim is None else (dim,)
        out = ctx.output
        if not keepdim:
            grad = grad.reshape(_keep_shape(a.shape, dims))
            out = out.reshape(_keep_shape(a.shape, dims))
        if not np.any(a._data == 0):
            return grad * out / a, None, None
        # With zeros: d/da_i = prod of the others. Exactly one zero in a slice gives the
        # product of the non-zeros at that position; two or more give 0 everywhere.
        is_zero = a._data == 0
        nz = is_zero.sum(axis=dim, keepdims=True)
        safe = where(_wrap(is_zero), 1.0, a)
        prod_nonzero = Prod.apply(safe, dim, True)
        g_nozero = out / safe
        g_onezero = where(_wrap(is_zero & (nz == 1)), prod_nonzero, 0.0)
        g = where(_wrap(np.broadcast_to(nz == 0, a.shape)), g_nozero, g_onezero)
        return grad * g, None, None


def prod(input: Tensor, dim: int | Unset | None = UNSET, keepdim: bool | Unset = UNSET, *,
         dtype: DTypeLike | None = None) -> Tensor:
    """Product over one ``dim`` (or all elements). Integer and bool inputs multiply in
    int64, as in PyTorch."""
    dim_, keep = _one_dim_or_all("prod", dim, keepdim)
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(np.int64)
    d = None if dim_ is None else normalize_dim(dim_, input._data.ndim, "prod")
    return Prod.apply(input, d, keep if d is not None else False)


class Cumsum(Op):
    """out = cumulative sum along ``dim``; backward is a reversed cumulative sum."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, dim):
        return np.cumsum(a, axis=dim) if a.ndim else a.copy()

    @staticmethod
    def backward(ctx, grad):
        dim = ctx.inputs[1]
        if grad.ndim == 0:
            return grad, None
        return grad.flip(dim).cumsum(dim).flip(dim), None


def cumsum(input: Tensor, dim: int, *, dtype: DTypeLike | None = None) -> Tensor:
    """Cumulative sum along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":  # as PyTorch: integers accumulate in int64
        input = input.to(np.int64)
    return Cumsum.apply(input, normalize_dim(_int_arg("cumsum", "dim", dim), input._data.ndim,
                                             "cumsum"))


class Cumprod(Op):
    """out = cumulative product along ``dim``.

    Backward is PyTorch's: ``rev_cumsum(grad * out) / a`` without zeros; with zeros, per
    slice, the formula up to the first zero ``k``, ``sum_{j>=k} grad_j prod_{m<=j, m!=k}
    a_m`` at ``k``, and ``a_k`` times the gradient of the product with ``a_k`` replaced by
    1 after it (0 in value, but the right derivative in ``a_k``): finite, never 0 / 0.
    """

    @staticmethod
    def forward(ctx, a, dim):
        return np.cumprod(a, axis=dim) if a.ndim else a.copy()

    @staticmethod
    def backward(ctx, grad):
        a, dim = ctx.inputs
        if grad.ndim == 0 or a._data.size <= 1 or a._data.shape[dim] == 1:
            return grad, None  # the identity (PyTorch's shortcut: no 0 / 0, no NaN / NaN)
        return _cumprod_backward(grad, a, ctx.output, dim), None


def _rev_cumsum(t: Tensor, dim: int) -> Tensor:
    return t.flip(dim).cumsum(dim).flip(dim)


def _cumprod_backward(grad: Tensor, a: Tensor, out: Tensor, dim: int) -> Tensor:
    """The vector-Jacobian product of ``cumprod`` along ``dim`` (differentiable again)."""
    zero = a._data == 0
    if not zero.any():
        return _rev_cumsum(grad * out, dim) / a
    n_zero = np.cumsum(zero, axis=dim)
    first = zero & (n_zero == 1)             # the first zero of each slice
    after = (n_zero >= 1) & ~first           # everything past it
    before = _wrap(n_zero == 0)
    g = where(before, _rev_cumsum(grad * out, dim) / where(before, a, 1.0), 0.0)
    first_t = _wrap(first)
    a1 = where(first_t, 1.0, a)              # the first zero replaced by one
    out1 = Cumprod.apply(a1, dim)
    g = g + where(first_t, _rev_cumsum(grad * out1, dim), 0.0)
    if after.any():
        a_k = (a * _wrap(first.astype(a._data.dtype))).sum(dim, keepdim=True)
        g = g + where(_wrap(after), a_k * _cumprod_backward(grad, a1, out1, dim), 0.0)
    return g


def cumprod(input: Tensor, dim: int, *, dtype: DTypeLike | None = None) -> Tensor:
    """Cumulative product along ``dim``; finite gradients at zeros, as PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":  # as PyTorch: integers accumulate in int64
        input = input.to(np.int64)
    return Cumprod.apply(input, normalize_dim(_int_arg("cumprod", "dim", dim), input._data.ndim,
                                              "cumprod"))


class Norm2(Op):
    """out = sqrt(sum(a^2)) over ``dims``; gradient a / out, and 0 where out == 0."""

    grad_fn_name = "LinalgVectorNorm"

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        return np.asarray(np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim)))

    @staticmethod
    def backward(ctx, grad):
        a, dims, keepdim = ctx.inputs
        out = ctx.output
        if not keepdim:
            shape = _keep_shape(a.shape, dims)
            grad, out = grad.reshape(shape), out.reshape(shape)
        zero = _wrap(out._data == 0)
        return grad * a / where(zero, 1.0, out) * where(zero, 0.0, 1.0), None, None


class NormP(Op):
    """out = sum(|a|^p)^(1/p) over ``dims`` for a finite p (not 0, 1, 2). Backward is
    PyTorch's: ``sign(a) |a|^(p-1) * grad / out^(p-1)``, with the first factor 0 where
    a == 0 and the second 0 where out == 0 (so the zero vector has gradient 0)."""

    @staticmethod
    def forward(ctx, a, p, dims, keepdim):
        s = np.sum(np.abs(a) ** p, axis=dims, keepdims=keepdim)
        return np.asarray(s ** (1.0 / p))

    @staticmethod
    def backward(ctx, grad):
        a, p, dims, keepdim = ctx.inputs
        out = ctx.output
        if not keepdim:
            shape = _keep_shape(a.shape, dims)
            grad, out = grad.reshape(shape), out.reshape(shape)
        za, zo = _wrap(a._data == 0), _wrap(out._data == 0)
        scaled = where(za, 0.0, sign(a) * where(za, 1.0, a).abs() ** (p - 1))
        scale = where(zo, 0.0, grad / where(zo, 1.0, out) ** (p - 1))
        return scaled * scale, None, None, None


def norm(input: Tensor, p: float | str = "fro", dim: Dims | None = None, keepdim: bool = False,
         dtype: DTypeLike | None = None) -> Tensor:
    """Vector p-norm over ``dim`` (``'fro'`` and 2: Euclidean; also 1, inf, -inf, 0,
    any positive float)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {scalar_name(input._data.dtype)}")
    if input._data.dtype.kind == "c":  # the norm of a complex vector is that of its moduli
        input = input.abs()
    dims = _dims(dim, input._data.ndim, "norm")
    if input._data.size == 0 and _no_identity(p):
        empty = [d for d in (dims if dims is not None else range(input._data.ndim))
                 if input._data.shape[d] == 0]
        if dims is None or empty:
            where_ = "an empty tensor" if dims is None else f"the dimension {empty[0]}"
            raise RuntimeError(f"norm (linalg.vector_norm): cannot compute the {p} norm on "
                               f"{where_} (input shape {tuple(input._data.shape)}): the "
                               f"operation has no identity")
    if p in ("fro", 2, 2.0, None):
        return Norm2.apply(input, dims, bool(keepdim))
    if p == float("inf"):
        return amax(input.abs(), dims if dims is not None else (), keepdim)
    if p == float("-inf"):
        return amin(input.abs(), dims if dims is not None else (), keepdim)
    if p == 0:
        return _wrap(np.asarray(np.sum(input._data != 0, axis=dims, keepdims=keepdim),
                                dtype=input._data.dtype))
    if p == 1:
        return Sum.apply(input.abs(), dims, bool(keepdim))
    if isinstance(p, str):
        raise ValueError(f"norm: unsupported p={p!r} (use 'fro', or a number)")
    return NormP.apply(input, float(p), dims, bool(keepdim))


def _no_identity(p: object) -> bool:
    """A p-norm whose reduction has no identity (max-like: inf; or negative p, whose
    empty sum^(1/p) is inf): PyTorch refuses it over an empty dim."""
    return isinstance(p, (int, float)) and not isinstance(p, bool) and (p < 0 or p == float("inf"))


def _bool_dims(dim: Dims | None, ndim: int, op: str) -> tuple[int, ...] | None:
    """``dim`` of all/any: None reduces everything, ``()`` nothing (as PyTorch); a 0-d
    tensor's dim 0 / -1 is the whole tensor."""
    if dim is None:
        return None
    dims = normalize_dims(_dim_arg(op, dim), ndim, op)
    return None if ndim == 0 and dims else dims


def all(input: Tensor, dim: Dims | None = None, keepdim: bool = False) -> Tensor:
    """True where all elements are non-zero (bool; uint8 for a uint8 input, as PyTorch;
    no gradient)."""
    dims = _bool_dims(dim, input._data.ndim, "all")
    out = np.asarray(np.all(input._data, axis=dims, keepdims=keepdim))
    return _wrap(out.astype(np.uint8) if input._data.dtype == np.uint8 else out)


def any(input: Tensor, dim: Dims | None = None, keepdim: bool = False) -> Tensor:
    """True where any element is non-zero (bool; uint8 for a uint8 input, as PyTorch;
    no gradient)."""
    dims = _bool_dims(dim, input._data.ndim, "any")
    out = np.asarray(np.any(input._data, axis=dims, keepdims=keepdim))
    return _wrap(out.astype(np.uint8) if input._data.dtype == np.uint8 else out)


def count_nonzero(input: Tensor, dim: Dims | None = None) -> Tensor:
    """Number of non-zero entries (int64); ``dim=()`` counts over all dims, as PyTorch."""
    dims = _dims(dim, input._data.ndim, "count_nonzero")
    return _wrap(np.asarray(np.count_nonzero(input._data, axis=dims), dtype=np.int64))
