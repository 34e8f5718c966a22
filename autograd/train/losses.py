"""Keras loss and optimizer names mapped to ours.

Losses by name take the model's raw outputs: a classifier ends in ``nn.Linear`` and the
softmax/sigmoid lives inside the loss, as in PyTorch (Keras's ``from_logits=True``):

=================================  ==============================================  ================
name                               our function                                   target
=================================  ==============================================  ================
``sparse_categorical_crossentropy`` ``F.cross_entropy(logits, y)``                 class indices
``categorical_crossentropy``        ``F.cross_entropy(logits, y)``                 one-hot/probs
``binary_crossentropy``             ``F.binary_cross_entropy_with_logits(out, y)`` 0/1 (float)
``mse``/``mean_squared_error``      ``F.mse_loss(out, y)``                         float
``mae``/``mean_absolute_error``     ``F.l1_loss(out, y)``                          float
=================================  ==============================================  ================

A target with as many numbers as the output but another shape (Keras's ``y`` of shape
``(N,)`` against an output ``(N, 1)``) is reshaped to the output's shape first: without
that, ``(N, 1) - (N,)`` would broadcast to ``(N, N)``.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import Tensor

# This layer sits on top of nn and optim (autograd itself never imports them); importing
# them by name keeps mypy's check of the autograd package from following into them.
F: Any = importlib.import_module("nn.functional")
optim: Any = importlib.import_module("optim")

__all__ = ["LOSSES", "OPTIMIZERS", "Loss", "get_loss", "get_optimizer"]

# kind: how targets are prepared and which accuracy a plain 'accuracy' means
SPARSE, CATEGORICAL, BINARY, REGRESSION, CUSTOM = \
    "sparse", "categorical", "binary", "regression", "custom"


@dataclass(frozen=True)
class Loss:
    """A resolved loss: ``fn(output, target) -> 0-d Tensor``, its display name and kind."""

    fn: Callable[[Tensor, Tensor], Tensor]
    name: str
    kind: str

    def prepare_target(self, y: Tensor, out: Tensor, float_dtype: np.dtype) -> Tensor:
        """Cast/reshape the target the way this loss needs it (see the module docstring)."""
        if self.kind == SPARSE:
            if y.is_floating_point():
                arr = y.numpy()
                if not np.all(arr == np.round(arr)):
                    raise ValueError(f"{self.name}: targets must be class indices, got non-integer "
                                     f"floats (dtype {y.dtype}); use 'categorical_crossentropy' "
                                     "for one-hot or probability targets")
                y = y.long()
            if y.dim() == out.dim() and y.dim() >= 2 and y.shape[-1] == 1:
                y = y.squeeze(-1)  # Keras accepts labels shaped (N, 1)
            if out.dim() < 2:
                raise ValueError(f"{self.name}: expected outputs of shape (N, C) (one logit per "
                                 f"class), got {tuple(out.shape)}")
            return y
        if self.kind == CUSTOM:
            return y.to(float_dtype) if y.is_floating_point() else y
        y = y.to(out.dtype) if out.is_floating_point() else y.to(float_dtype)
        if tuple(y.shape) != tuple(out.shape):
            if y.numel() != out.numel():
                raise ValueError(f"{self.name}: target shape {tuple(y.shape)} does not match the "
                                 f"output shape {tuple(out.shape)}")
            y = y.reshape(out.shape)
        return y


LOSSES: dict[str, tuple[Callable[[Tensor, Tensor], Tensor], str]] = {
    "sparse_categorical_crossentropy": (F.cross_entropy, SPARSE),
    "categorical_crossentropy": (F.cross_entropy, CATEGORICAL),
    "binary_crossentropy": (F.binary_cross_entropy_with_logits, BINARY),
    "mse": (F.mse_loss, REGRESSION),
    "mean_squared_error": (F.mse_loss, REGRESSION),
    "mae": (F.l1_loss, REGRESSION),
    "mean_absolute_error": (F.l1_loss, REGRESSION),
}

# Keras's default learning rate for each name; the other hyper-parameters are ours
# (PyTorch's defaults). Anything else: pass an optimizer object.
OPTIMIZERS: dict[str, tuple[Any, float]] = {
    "adam": (optim.Adam, 1e-3),
    "adamw": (optim.AdamW, 1e-3),
    "sgd": (optim.SGD, 1e-2),
    "rmsprop": (optim.RMSprop, 1e-3),
    "adagrad": (optim.Adagrad, 1e-3),
    "adadelta": (optim.Adadelta, 1e-3),
    "adamax": (optim.Adamax, 1e-3),
    "nadam": (optim.NAdam, 1e-3),
}


def get_loss(loss: Any) -> Loss:
    """Resolve a loss name, an ``nn`` loss module or a callable ``(output, target) -> Tensor``."""
    if loss is None:
        raise ValueError("Model.compile: loss is required, e.g. loss='sparse_categorical_crossentropy'"
                         " or loss=nn.CrossEntropyLoss()")
    if isinstance(loss, str):
        key = loss.lower()
        if key not in LOSSES:
            raise ValueError(f"Model.compile: unknown loss {loss!r}; known names: "
                             f"{', '.join(sorted(LOSSES))}, or pass a callable/nn loss module")
        fn, kind = LOSSES[key]
        return Loss(fn, key, kind)
    if callable(loss):
        kind = CUSTOM
        cls = type(loss).__name__
        # nn loss modules whose meaning we know get the matching 'accuracy'
        if cls == "CrossEntropyLoss":
            kind = SPARSE
        elif cls == "BCEWithLogitsLoss":
            kind = BINARY
        name = getattr(loss, "__name__", None) or cls
        return Loss(loss, name, kind)
    raise TypeError(f"Model.compile: loss must be a name or a callable, got {type(loss).__name__}")


def get_optimizer(optimizer: Any, params: list) -> Any:
    """Resolve an optimizer name, an ``optim.Optimizer`` over the model's parameters, or a
    callable ``params -> Optimizer`` (such as an optimizer class or a ``functools.partial``)."""
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key not in OPTIMIZERS:
            raise ValueError(f"Model.compile: unknown optimizer {optimizer!r}; known names: "
                             f"{', '.join(sorted(OPTIMIZERS))}, or pass an optim.Optimizer")
        cls, lr = OPTIMIZERS[key]
        return cls(params, lr=lr)
    if not isinstance(optimizer, optim.Optimizer) and callable(optimizer):
        optimizer = optimizer(params)
    if not isinstance(optimizer, optim.Optimizer):
        raise TypeError("Model.compile: optimizer must be a name such as 'adam', an optim.Optimizer "
                        f"or a callable params -> Optimizer, got {type(optimizer).__name__}")
    held = {id(p) for g in optimizer.param_groups for p in g["params"]}
    if params and not any(id(p) in held for p in params):
        raise ValueError("Model.compile: the optimizer holds none of the model's parameters; build "
                         "it from this model, e.g. optim.Adam(module.parameters(), lr=1e-3)")
    return optimizer
