"""Functional metrics (``autograd.metrics.functional``), like ``torchmetrics.functional``.

Classification: ``accuracy``, ``precision``, ``recall``, ``f1_score``, ``fbeta_score``,
``confusion_matrix``, ``auroc``, ``average_precision`` (``task='binary'|'multiclass'|
'multilabel'``). Regression: ``mean_squared_error``, ``mean_absolute_error``, ``r2_score``.
All take Tensors or NumPy arrays as ``(preds, target)`` and return Tensors.
"""
from ._classification import (
    accuracy,
    confusion_matrix,
    f1_score,
    fbeta_score,
    precision,
    recall,
)
from ._curves import auroc, average_precision
from ._regression import mean_absolute_error, mean_squared_error, r2_score

__all__ = ["accuracy", "auroc", "average_precision", "confusion_matrix", "f1_score",
           "fbeta_score", "mean_absolute_error", "mean_squared_error", "precision", "r2_score",
           "recall"]
