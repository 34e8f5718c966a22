"""Helpers shared by the distributions (``torch.distributions.utils``): broadcasting of
parameters, logits <-> probabilities, clamping, and the ``lazy_property`` cache."""
from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd as _ag

from ..tensor import Tensor

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property",
           "euler_constant"]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Broadcast numbers and Tensors to one shape: numbers become Tensors of the Tensors'
    dtype (or the default dtype when all are numbers).

    Raises:
        ValueError: an argument is neither a Tensor nor a number (PyTorch's message).
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        dtype = _ag.get_default_dtype()
        for v in values:
            if isinstance(v, Tensor):
                dtype = v.dtype
                break
        values = tuple(v if isinstance(v, Tensor) else _ag.tensor(v, dtype=dtype) for v in values)
    shape = np.broadcast_shapes(*(tuple(v.shape) for v in values))
    return tuple(v if tuple(v.shape) == shape else v.expand(shape) for v in values)


def _standard_normal(shape: tuple[int, ...], dtype: Any, generator: Any = None) -> Tensor:
    return _ag.randn(shape, dtype=dtype, generator=generator)


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum over the ``dim`` rightmost dimensions (``dim`` == 0: unchanged)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: sigmoid when ``is_binary``, else softmax over the last dim."""
    if is_binary:
        return _ag.sigmoid(logits)
    return _ag.softmax(logits, -1)


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped into [eps, 1 - eps] (eps of the dtype), keeping the gradient inside."""
    eps = _ag.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities: log(p) - log1p(-p) when ``is_binary``, else log(p)
    (probabilities clamped away from 0 and 1 first, as PyTorch)."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return _ag.log(ps_clamped) - _ag.log1p(-ps_clamped)
    return _ag.log(ps_clamped)


class lazy_property:
    """A property computed on first access (with grad mode on, so a parameter derived from
    another keeps its graph) and then stored on the instance as an ordinary attribute."""

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)  # type: ignore[arg-type]

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        with _ag.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _log1pexp(x: Tensor) -> Tensor:
    """log(1 + exp(x)) without overflow or a threshold (its gradient is sigmoid(x))."""
    return _ag.logaddexp(_ag.zeros_like(x), x)


def _bce_with_logits(logits: Tensor, target: Tensor) -> Tensor:
    """Elementwise binary cross-entropy -[t log sigmoid(l) + (1 - t) log sigmoid(-l)]
    = log(1 + exp(l)) - t l (``F.binary_cross_entropy_with_logits(..., reduction='none')``,
    written here because autograd does not import nn)."""
    return _log1pexp(logits) - target * logits


def _one_hot(index: Tensor, num_classes: int, dtype: Any) -> Tensor:
    """``index[...]`` -> one-hot ``[..., num_classes]`` in ``dtype`` (no gradient)."""
    classes = _ag.arange(num_classes)
    return (index.unsqueeze(-1) == classes).to(dtype)
