"""Numerically stable cross-entropy: log-softmax + NLL from row log-sum-exps.

``CrossEntropy`` works on logits with the class dimension at axis 1 (``(N, C)`` or
``(N, C, d1, ...)``): forward moves classes last, flattens to ``(M, C)`` and runs
``kernels.loss.cross_entropy_forward``; no softmax is ever materialised and then logged.

Backward: the gradient is ``softmax(x) * coef - smoothed_onehot`` per row, scaled by the
upstream gradient. With ``create_graph=False`` the engine runs backward under no-grad,
so it is computed directly by ``kernels.loss`` (no graph is recorded either way). With
``create_graph=True`` the same formula is built from differentiable ops (``softmax``,
``*``, ``-``), so double backward works.
"""
from __future__ import annotations

import numpy as np

from ..dtypes import no_kernel, scalar_name
from ..grad_mode import _state
from ..kernels import loss as _k
from ..node import Op, ShapeError
from ..tensor import Tensor, _wrap
from ._args import ArgumentError, require_number, require_tensor
from ._util import TensorLike
from .activation import log_softmax, softmax

__all__ = ["cross_entropy"]

_REDUCTIONS = ("none", "mean", "sum")


def _rows(x: np.ndarray) -> np.ndarray:
    """(N, C, d...) -> contiguous (N*d..., C); (N, C) -> contiguous (N, C)."""
    if x.ndim == 2:
        return np.ascontiguousarray(x)
    return np.ascontiguousarray(np.moveaxis(x, 1, -1)).reshape(-1, x.shape[1])


def _unrows(g2: np.ndarray, shape) -> np.ndarray:
    if len(shape) == 2:
        return g2
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return np.moveaxis(g2.reshape(moved), -1, 1)


def _class_axis(a: np.ndarray, ndim: int) -> np.ndarray:
    """A (C,) array reshaped to broadcast along axis 1 of an ``ndim``-d input."""
    return a.reshape((1, -1) + (1,) * (ndim - 2))


class CrossEntropy(Op):
    """Cross-entropy of logits ``x`` (class axis 1) against int64 class indices.

    Constants: ``target`` (x.shape minus axis 1), ``weight`` (C,), ``ignore_index``,
    ``label_smoothing``, ``reduction``. Output: target-shaped for ``'none'``, else 0-d.
    """

    grad_fn_name = "NllLoss"  # PyTorch's cross_entropy ends in nll_loss

    op_name = "cross_entropy"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, label_smoothing, reduction):
        loss, wrow, lse, bad = _k.cross_entropy_forward(_rows(x), target.reshape(-1), weight,
                                                        ignore_index, label_smoothing)
        if bad >= 0:
            raise IndexError(f"cross_entropy: Target {int(target.reshape(-1)[bad])} is out of "
                             f"bounds (input has {x.shape[1]} classes)")
        wsum = wrow.sum()
        ctx.wsum = wsum
        ctx.lse = lse
        if reduction == "none":
            return loss.reshape(target.shape)
        total = loss.sum()
        if reduction == "sum":
            return np.asarray(total, dtype=x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):  # all ignored -> nan, as PyTorch
            return np.asarray(total / wsum, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, target, weight, ignore_index, ls, reduction = ctx.inputs
        if not ctx.needs_input_grad[0]:
            return (None,) * 6
        wsum = ctx.wsum
        if not _state.enabled:  # create_graph=False: kernels.loss, nothing recorded
            g = grad._data
            if reduction == "mean":
                with np.errstate(invalid="ignore", divide="ignore"):
                    g = g / wsum
            if g.ndim == 0:
                grow = np.full(target.size, g, dtype=x.dtype)
            else:
                grow = np.ascontiguousarray(g, dtype=x.dtype).reshape(-1)
            gx = _k.cross_entropy_backward(_rows(x._data), target.reshape(-1), weight,
                                           ignore_index, ls, ctx.lse, grow)
            return (_wrap(_unrows(gx, x.shape)),) + (None,) * 5
        # create_graph=True: the same formula from differentiable ops
        c = x.shape[1]
        valid = target != ignore_index
        safe_t = np.where(valid, target, 0)
        w_t = np.where(valid, weight[safe_t], 0).astype(x.dtype)
        coef = np.expand_dims(w_t * (1 - ls) + valid * (ls / c * weight.sum()), 1)
        onehot = np.moveaxis(np.eye(c, dtype=x.dtype)[safe_t], -1, 1)
        const = (onehot * np.expand_dims(w_t * (1 - ls), 1) +
                 _class_axis(weight, x.ndim) * np.expand_dims(valid * (ls / c), 1))
        g = grad.unsqueeze(1) if reduction == "none" else (
            grad / float(wsum) if reduction == "mean" else grad)
        p = softmax(x, 1)
        return (g * (p * _wrap(coef.astype(x.dtype)) - _wrap(const.astype(x.dtype))),) + \
            (None,) * 5


def _check_reduction(reduction, op):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction (expected "
                         f"'none', 'mean' or 'sum', got {reduction!r})")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def cross_entropy(input: Tensor, target: TensorLike, weight: TensorLike | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and class indices or class probabilities.

    Args:
        input: logits, shape (C,), (N, C) or (N, C, d1, ...).
        target: int64 class indices of shape (), (N,) or (N, d1, ...); or float class
            probabilities of the same shape as ``input``.
        weight: optional (C,) per-class weights (constant: no gradient flows to it).
        ignore_index: class-index targets equal to it contribute nothing (and are left
            out of the ``mean`` denominator).
        reduction: ``'none'`` | ``'mean'`` (weighted mean, PyTorch's rule) | ``'sum'``.
        label_smoothing: at most 1; mixes the target with the uniform distribution
            (a negative value is ignored, as PyTorch does).

    Returns:
        A 0-d loss, or per-element losses shaped like ``target`` (minus the class dim for
        probabilities) for ``'none'``.
    """
    _check_reduction(reduction, "cross_entropy")
    require_tensor("cross_entropy", input)
    ignore_index = require_number("cross_entropy", "ignore_index", ignore_index, integral=True)
    label_smoothing = require_number("cross_entropy", "label_smoothing", label_smoothing)
    if label_smoothing > 1.0:  # PyTorch ignores a negative value (see above)
        raise ArgumentError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: "
                            f"{label_smoothing}")
    if input.ndim == 0:
        raise ShapeError("cross_entropy: input must have at least 1 dimension (C,), got a "
                         "0-d tensor")
    tdata = target._data if isinstance(target, Tensor) else np.asarray(target)
    probs = tdata.dtype.kind == "f" and tdata.ndim == input.ndim
    if probs and ignore_index >= 0:
        raise RuntimeError(f"cross_entropy: ignore_index is not supported for floating point "
                           f"target (class probabilities), got ignore_index={ignore_index}")
    if input._data.size:  # log_softmax first, before the weight is looked at
        _require_float_logits(input)
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    w = None
    if weight is not None:
        w = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
        if w.shape != (c,):
            raise ShapeError(f"cross_entropy: weight must have shape ({c},): weight tensor "
                             f"should be defined either for all {c} classes or no classes but "
                             f"got weight tensor of shape: {tuple(w.shape)} (input of shape "
                             f"{tuple(input.shape)})")
        if isinstance(weight, Tensor) and w.dtype != input.dtype:
            _require_float_logits(input)  # an integer input fails in the kernel first
            raise RuntimeError(f"cross_entropy: expected scalar type "
                               f"{scalar_name(input.dtype)} but found {scalar_name(w.dtype)} "
                               f"(weight must have the input's dtype)")
    if probs:
        _require_float_logits(input)
        return _cross_entropy_probs(input, target, w, reduction, label_smoothing)
    # PyTorch's order: log_softmax (no integer kernel, unless the input is empty: checked
    # above), the target's batch size and shape, then its dtype
    if input.ndim == 1:  # unbatched (C,) with a 0-d target
        if tdata.ndim != 0:
            raise ShapeError(f"cross_entropy: for unbatched input of shape {tuple(input.shape)} "
                             f"the target must be 0-d, got shape {tuple(tdata.shape)}")
    else:
        expected = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(tdata.shape) != expected:
            raise ShapeError(f"cross_entropy: expected target of shape {expected} for input "
                             f"of shape {tuple(input.shape)} (class dim 1), got "
                             f"{tuple(tdata.shape)}")
    if tdata.dtype not in (np.int64, np.uint8) and isinstance(target, Tensor):
        raise RuntimeError(f"cross_entropy: expected target dtype to be Long or Byte, but got "
                           f"{scalar_name(tdata.dtype)} (class-index target of shape "
                           f"{tuple(tdata.shape)} for input of shape {tuple(input.shape)}; "
                           f"probability targets must have the input's shape)")
    if tdata.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: target must be int64 class indices or float "
                        f"probabilities, got dtype {tdata.dtype}")
    _require_float_logits(input)
    label_smoothing = max(label_smoothing, 0.0)
    if tdata.dtype == np.uint8 and label_smoothing > 0 and weight is not None:
        # PyTorch's weighted label smoothing gathers the weights by the target, which
        # only takes int32/int64 indices
        raise RuntimeError("cross_entropy: gather(): Expected dtype int32/int64 for index "
                           "(a Byte target with label_smoothing and weight)")
    if input.ndim == 1:
        out = cross_entropy(input.unsqueeze(0), _wrap(tdata.reshape(1).astype(np.int64)),
                            weight, ignore_index=ignore_index, reduction=reduction,
                            label_smoothing=label_smoothing)
        return out.squeeze(0) if reduction == "none" else out
    t = np.ascontiguousarray(tdata, dtype=np.int64)  # bounds are checked in the kernel
    w = _ones(c, input.dtype) if w is None else np.ascontiguousarray(w, input.dtype)
    return CrossEntropy.apply(input, t, w, int(ignore_index), float(label_smoothing), reduction)


def _require_float_logits(input: Tensor) -> None:
    """PyTorch's log_softmax has no integer kernel (NotImplementedError)."""
    if input.dtype.kind != "f":
        raise no_kernel("log_softmax_lastdim_kernel_impl", input.dtype, "cross_entropy",
                        " (logits must be floating point)")


_ONES: dict = {}


def _ones(c: int, dtype) -> np.ndarray:
    """Shared read-only all-ones class weights (the unweighted case), one per (C, dtype)."""
    key = (c, dtype)
    w = _ONES.get(key)
    if w is None:
        w = np.ones(c, dtype=dtype)
        w.flags.writeable = False
        _ONES[key] = w
    return w


def _cross_entropy_probs(input, target, w, reduction, ls):
    tshape = tuple(target.shape)
    if tshape != tuple(input.shape):
        raise ShapeError(f"cross_entropy: probability targets must have the input's shape "
                         f"{tuple(input.shape)}, got {tshape}")
    dim = 1 if input.ndim > 1 else 0
    c = input.shape[dim]
    if not isinstance(target, Tensor):
        target = _wrap(np.asarray(target, dtype=input.dtype))
    if ls > 0:
        target = target * (1 - ls) + ls / c
    logp = log_softmax(input, dim)
    prod = logp * target
    if w is not None:
        wt = w.astype(input.dtype)
        prod = prod * _wrap(_class_axis(wt, input.ndim) if input.ndim > 1 else wt)
    loss = -prod.sum(dim)
    if reduction == "mean":
        n = input.shape[0] if input.ndim > 1 else 1
        for s in input.shape[2:]:
            n *= s
        return loss.sum() / n
    return _reduce(loss, reduction)



# ------------------------------------------------------------------ pointwise losses
# l1, mse, smooth_l1 and huber: an elementwise loss of d = input - target (broadcast),
# reduced by the caller. One Op, so that the gradient is PyTorch's piecewise formula
# (finite where one branch of a ``where`` would give inf * 0 = NaN) in both operands.

def _sign0(d: np.ndarray) -> np.ndarray:
    """sign(d) with sign(NaN) = 0, as PyTorch's sign (used by the L1 gradient)."""
    return np.where(np.isnan(d), 0, np.sign(d)).astype(d.dtype, copy=False)


class PointwiseLoss(Op):
    """out = loss(input - target) elementwise, for ``kind`` in l1, mse, smooth_l1, huber
    (``param`` is beta or delta); input and target are broadcast and of one dtype."""

    @staticmethod
    def forward(ctx, x, t, kind, param):
        d = x - t
        if kind == "l1":
            return np.abs(d)
        if kind == "mse":
            return d * d
        ad = np.abs(d)
        with np.errstate(invalid="ignore", over="ignore"):
            if kind == "smooth_l1":
                if param == 0:
                    return ad
                return np.where(ad < param, 0.5 * d * d / param, ad - 0.5 * param).astype(d.dtype)
            return np.where(ad < param, 0.5 * d * d, param * (ad - 0.5 * param)).astype(d.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, t, kind, param = ctx.inputs
        d = x - t
        if kind == "l1" or kind == "smooth_l1" and param == 0:
            g = grad * _wrap(_sign0(d._data))
        elif kind == "mse":
            g = grad * d * 2.0
        elif kind == "smooth_l1":  # d / beta inside (-1, 1), the sign outside
            g = grad * (d * (1.0 / param)).clamp(-1.0, 1.0)
        else:  # huber: d inside (-delta, delta), delta * sign outside
            g = grad * d.clamp(-param, param)
        return (g if ctx.needs_input_grad[0] else None,
                -g if ctx.needs_input_grad[1] else None, None, None)


def pointwise_loss(kind: str, input: Tensor, target: Tensor, param: float = 0.0) -> Tensor:
    """The unreduced ``kind`` loss of ``input`` and ``target`` (already broadcast to one
    shape and cast to one dtype by the caller)."""
    return PointwiseLoss.apply(input, target, kind, float(param))
