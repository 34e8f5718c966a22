"""Gradient clipping, in place on ``p.grad`` (never recorded in the graph)."""
from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor, _inplace

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None):
    """Scale gradients so that their joint ``norm_type``-norm is at most ``max_norm``.

    The total norm is the norm of the vector of all gradients' norms (``inf`` for the
    max-norm). Gradients are multiplied by ``min(1, max_norm / (total + 1e-6))``.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` to clip.
        error_if_nonfinite: raise if the total norm is nan or inf.

    Returns:
        The total norm before clipping (a 0-d float Tensor).
    """
    grads = _grads(parameters)
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if not grads:
        return autograd.tensor(0.0)
    dtype = grads[0].dtype
    if norm_type == math.inf:
        norms = [np.max(np.abs(a)) if a.size else 0.0 for a in map(_inplace.array, grads)]
        total = float(max(norms))
    else:
        norms = [np.linalg.norm(_inplace.array(g).ravel().astype(np.float64), norm_type)
                 for g in grads]
        total = float(np.linalg.norm(np.asarray(norms), norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           f"`parameters` is non-finite, so it cannot be clipped. To disable "
                           f"this error and scale the gradients by the non-finite norm anyway, "
                           f"set `error_if_nonfinite=False`")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or not math.isfinite(total):
        coef = min(coef, 1.0) if math.isfinite(coef) else coef
        for g in grads:
            with _inplace.writing(g) as a:
                a *= a.dtype.type(coef)
    # from an ndarray: autograd.tensor(python_float, dtype=float64) rounds through float32
    return autograd.tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        with _inplace.writing(g) as a:
            np.clip(a, -clip_value, clip_value, out=a)
