"""Model-quality metrics on Tensors (``autograd.metrics``), after torchmetrics.

Functional versions live in ``autograd.metrics.functional``; the classes here accumulate
over batches with ``update(preds, target)``, return the result with ``compute()``, start
over with ``reset()``, and calling one returns the batch value while accumulating it.

Example::

    >>> import autograd as torch
    >>> from autograd.metrics import Accuracy, F1Score
    >>> from autograd.metrics.functional import accuracy
    >>> logits, y = torch.randn(8, 3), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    >>> accuracy(logits, y, task="multiclass", num_classes=3)            # 0-d float32
    >>> f1 = F1Score(task="multiclass", num_classes=3, average="macro")
    >>> f1.update(logits, y); f1.compute()
"""
from . import functional
from .classification import (
    AUROC,
    Accuracy,
    AveragePrecision,
    ConfusionMatrix,
    F1Score,
    FBetaScore,
    Precision,
    Recall,
)
from .metric import Metric
from .regression import MeanAbsoluteError, MeanSquaredError, R2Score

__all__ = ["AUROC", "Accuracy", "AveragePrecision", "ConfusionMatrix", "F1Score",
           "FBetaScore", "MeanAbsoluteError", "MeanSquaredError", "Metric", "Precision",
           "R2Score", "Recall", "functional"]
