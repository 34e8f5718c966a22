"""Metrics by name for ``Model.compile``, computed with ``autograd.metrics`` over whole epochs.

Each named metric becomes a stateful ``autograd.metrics`` object, built at the first batch
(when the number of classes is known from the output's last dimension) and accumulated over
the epoch, so an epoch's precision is the precision of the epoch, not a mean of batches.

=========================  ===========================================================
name                       meaning (chosen by the loss, as Keras's 'accuracy' is)
=========================  ===========================================================
``accuracy``/``acc``       multiclass: argmax of the logits against the label (one-hot
                           targets: their argmax); binary: sigmoid(logit) > 0.5
``precision``/``recall``   multiclass: macro average over classes; binary: positive class
``f1``/``f1_score``        as precision/recall
``mse``/``mae``            mean squared / absolute error of the outputs
=========================  ===========================================================

A metric object (``autograd.metrics.F1Score(task='multiclass', num_classes=10,
average='weighted')``) is used as given with ``update(output, target)``; a plain callable
``fn(output, target) -> number`` is averaged over samples like Keras's function metrics.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Tensor, metrics

from .losses import BINARY, CATEGORICAL, REGRESSION, SPARSE, Loss

CLASSIFICATION = {"accuracy": metrics.Accuracy, "acc": metrics.Accuracy,
                  "precision": metrics.Precision, "recall": metrics.Recall,
                  "f1": metrics.F1Score, "f1_score": metrics.F1Score}
REGRESSION_METRICS = {"mse": metrics.MeanSquaredError, "mean_squared_error": metrics.MeanSquaredError,
                      "mae": metrics.MeanAbsoluteError,
                      "mean_absolute_error": metrics.MeanAbsoluteError}
NAMES = sorted({*CLASSIFICATION, *REGRESSION_METRICS})


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class EpochMetric:
    """One metric's running value over a pass: ``update(out, y)``, ``value()``, ``reset()``.

    Args:
        spec: a name, an ``autograd.metrics`` object, or a callable ``(out, y) -> number``.
        loss: the compiled loss, whose kind decides what a name means.
    """

    def __init__(self, spec: Any, loss: Loss) -> None:
        self.spec, self.loss = spec, loss
        self.metric: Any = None
        self.fn: Callable[[Tensor, Tensor], Any] | None = None
        self.total, self.count = 0.0, 0
        if isinstance(spec, str):
            key = spec.lower()
            self.name = key
            if key not in CLASSIFICATION and key not in REGRESSION_METRICS:
                raise ValueError(f"Model.compile: unknown metric {spec!r}; known names: "
                                 f"{', '.join(NAMES)}, or pass an autograd.metrics object or a "
                                 "callable (output, target) -> number")
            if key in CLASSIFICATION and loss.kind == REGRESSION:
                raise ValueError(f"Model.compile: metric {spec!r} needs a classification loss, "
                                 f"not {loss.name!r}")
        elif isinstance(spec, metrics.Metric):
            self.name, self.metric = _snake(type(spec).__name__), spec
        elif callable(spec):
            self.name = getattr(spec, "__name__", None) or _snake(type(spec).__name__)
            self.fn = spec
        else:
            raise TypeError(f"Model.compile: a metric must be a name, an autograd.metrics object or "
                            f"a callable, got {type(spec).__name__}")

    def reset(self) -> None:
        """Start a new pass (a built metric object keeps its configuration)."""
        self.total, self.count = 0.0, 0
        if self.metric is not None:
            self.metric.reset()

    def _build(self, out: Tensor, y: Tensor) -> None:
        key = self.spec.lower()
        if key in REGRESSION_METRICS:
            self.metric = REGRESSION_METRICS[key]()
            return
        cls = CLASSIFICATION[key]
        if self._binary(out):
            self.metric = cls(task="binary")
            return
        if out.dim() < 2 or (self.loss.kind not in (SPARSE, CATEGORICAL) and y.is_floating_point()):
            raise ValueError(f"metric {self.spec!r}: cannot tell how to score outputs "
                             f"{tuple(out.shape)} against targets {tuple(y.shape)} with loss "
                             f"{self.loss.name!r}; pass an autograd.metrics object instead")
        # Keras's Accuracy is exact-match; precision/recall/F1 over classes are macro averages
        average = "micro" if cls is metrics.Accuracy else "macro"
        self.metric = cls(task="multiclass", num_classes=int(out.shape[-1]), average=average)

    def _binary(self, out: Tensor) -> bool:
        return self.loss.kind == BINARY or (out.dim() >= 1 and int(out.shape[-1]) == 1
                                            and self.loss.kind not in (SPARSE, CATEGORICAL))

    def update(self, out: Tensor, y: Tensor) -> None:
        """Fold in one batch (``out`` detached model outputs, ``y`` the prepared targets)."""
        if self.fn is not None:
            n = int(out.shape[0]) if out.dim() else 1
            value = self.fn(out, y)
            self.total += float(value.item() if isinstance(value, Tensor) else value) * n
            self.count += n
            return
        if self.metric is None:
            self._build(out, y)
        if isinstance(self.spec, str):
            key = self.spec.lower()
            if key in REGRESSION_METRICS:
                self.metric.update(out.reshape(-1), y.reshape(-1).to(out.dtype))
                return
            if self._binary(out):
                # probabilities, so a logit that happens to lie in [0, 1] is not misread
                self.metric.update(out.sigmoid().reshape(-1),
                                   y.reshape(-1).round().long())
                return
            if self.loss.kind == CATEGORICAL:
                y = y.argmax(-1)
        self.metric.update(out, y)

    def value(self) -> float:
        """The running value over the batches seen since ``reset``."""
        if self.fn is not None:
            return self.total / self.count if self.count else 0.0
        if self.metric is None:
            return 0.0
        value = np.asarray(self.metric.compute().numpy())
        if value.size != 1:
            raise ValueError(f"metric {self.name!r} gives {value.size} numbers (shape "
                             f"{value.shape}); the fit logs hold one number per metric: use an "
                             "average such as 'macro' or 'weighted'")
        return float(value.reshape(()))


def build(specs: Any, loss: Loss) -> list[EpochMetric]:
    """The compiled metrics list; rejects duplicate names (they would share a logs key)."""
    if specs is None:
        return []
    if isinstance(specs, (str, metrics.Metric)) or callable(specs):
        specs = [specs]
    built = [EpochMetric(s, loss) for s in specs]
    names = [m.name for m in built]
    dup = sorted({n for n in names if names.count(n) > 1} | ({"loss"} & set(names)))
    if dup:
        raise ValueError(f"Model.compile: metric names must be unique and not 'loss', got {dup}")
    return built
