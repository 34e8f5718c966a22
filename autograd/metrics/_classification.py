"""Functional classification metrics with torchmetrics' task-style arguments.

``preds`` and ``target`` are Tensors or NumPy arrays:

- ``task='binary'``: ``preds`` (N, ...) probabilities, logits (sigmoid applied when a value
  lies outside [0, 1]) or 0/1 labels; ``target`` (N, ...) 0/1. Predicted positive means
  ``prob > threshold``.
- ``task='multiclass'``: ``preds`` (N, C, ...) scores (the ``top_k`` largest count as
  predicted) or (N, ...) labels; ``target`` (N, ...) labels in [0, C). ``num_classes`` may
  be left out when ``preds`` are float scores (C is read from dim 1).
- ``task='multilabel'``: ``preds`` and ``target`` (N, L, ...), ``num_labels=L``.

Results are float32 Tensors: 0-d, or (C,) for ``average='none'``. A 0/0 gives 0 with no
warning (scikit-learn's ``zero_division=0``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._inputs import (
    as_tensor,
    binary_inputs,
    check_task,
    infer_num_classes,
    multiclass_inputs,
    multilabel_inputs,
    safe_divide,
)
from ._stat_scores import (
    Score,
    accuracy_score,
    fbeta,
    precision_score,
    recall_score,
    reduce,
    stat_scores,
)


def _count_metric(score: Score, preds: Any, target: Any, task: str, threshold: float,
                  num_classes: int | None, num_labels: int | None, average: str | None,
                  top_k: int, ignore_index: int | None) -> Tensor:
    s = stat_scores(preds, target, task, threshold, num_classes, num_labels, top_k, ignore_index)
    return as_tensor(reduce(score, s, task, average, top_k))


def accuracy(preds: Any, target: Any, task: str, threshold: float = 0.5,
             num_classes: int | None = None, num_labels: int | None = None,
             average: str | None = "micro", top_k: int = 1,
             ignore_index: int | None = None) -> Tensor:
    """Fraction of correct predictions (``top_k``: target among the k best scores).

    Multiclass ``average='macro'`` is the mean per-class recall (balanced accuracy).

    Example::

        >>> accuracy(torch.tensor([[.1, .9], [.8, .2]]), torch.tensor([1, 1]), task="multiclass")
        tensor(0.5)
    """
    task = check_task(task)
    return _count_metric(accuracy_score(task), preds, target, task, threshold, num_classes,
                         num_labels, average, top_k, ignore_index)


def precision(preds: Any, target: Any, task: str, threshold: float = 0.5,
              num_classes: int | None = None, num_labels: int | None = None,
              average: str | None = "micro", top_k: int = 1,
              ignore_index: int | None = None) -> Tensor:
    """tp / (tp + fp), averaged 'micro', 'macro', 'weighted' or per class ('none')."""
    return _count_metric(precision_score, preds, target, task, threshold, num_classes,
                         num_labels, average, top_k, ignore_index)


def recall(preds: Any, target: Any, task: str, threshold: float = 0.5,
           num_classes: int | None = None, num_labels: int | None = None,
           average: str | None = "micro", top_k: int = 1,
           ignore_index: int | None = None) -> Tensor:
    """tp / (tp + fn), averaged 'micro', 'macro', 'weighted' or per class ('none')."""
    return _count_metric(recall_score, preds, target, task, threshold, num_classes,
                         num_labels, average, top_k, ignore_index)


def check_beta(beta: Any) -> float:
    """``beta`` must be a number > 0."""
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta > 0:
        raise ValueError(f"Expected argument `beta` to be a float larger than 0, but got {beta!r}.")
    return float(beta)


def fbeta_score(preds: Any, target: Any, task: str, beta: float = 1.0, threshold: float = 0.5,
                num_classes: int | None = None, num_labels: int | None = None,
                average: str | None = "micro", top_k: int = 1,
                ignore_index: int | None = None) -> Tensor:
    """F-beta = (1 + b^2) P R / (b^2 P + R): recall weighted ``beta`` times as much as precision."""
    return _count_metric(fbeta(check_beta(beta)), preds, target, task, threshold, num_classes,
                         num_labels, average, top_k, ignore_index)


def f1_score(preds: Any, target: Any, task: str, threshold: float = 0.5,
             num_classes: int | None = None, num_labels: int | None = None,
             average: str | None = "micro", top_k: int = 1,
             ignore_index: int | None = None) -> Tensor:
    """F1 = 2 P R / (P + R), the harmonic mean of precision and recall."""
    return _count_metric(fbeta(1.0), preds, target, task, threshold, num_classes,
                         num_labels, average, top_k, ignore_index)


NORMALIZE = ("true", "pred", "all", "none", None)


def confusion_counts(preds: Any, target: Any, task: str, threshold: float = 0.5,
                     num_classes: int | None = None, num_labels: int | None = None,
                     ignore_index: int | None = None) -> np.ndarray:
    """int64 counts: (2, 2) binary, (C, C) multiclass, (L, 2, 2) multilabel; [true, pred]."""
    task = check_task(task)
    if task == "binary":
        p, t = binary_inputs(preds, target, threshold, ignore_index)
        return np.bincount(t * 2 + p, minlength=4).reshape(2, 2).astype(np.int64)
    if task == "multiclass":
        c = infer_num_classes(preds, num_classes)
        pk, t = multiclass_inputs(preds, target, c, 1, ignore_index)
        return np.bincount(t * c + pk[:, 0], minlength=c * c).reshape(c, c).astype(np.int64)
    if num_labels is None:
        raise ValueError("Expected argument `num_labels` to be an integer larger than 0 for "
                         "the 'multilabel' task")
    p, t, keep = multilabel_inputs(preds, target, num_labels, threshold, ignore_index)
    code = t * 2 + p
    return np.stack([np.bincount(code[keep[:, j], j], minlength=4).reshape(2, 2)
                     for j in range(num_labels)]).astype(np.int64)


def normalize_confusion(cm: np.ndarray, normalize: str | None) -> Tensor:
    """``cm`` as an int64 Tensor, or float32 divided by row ('true'), column ('pred') or
    grand ('all') totals (0 where a total is 0)."""
    if normalize not in NORMALIZE:
        raise ValueError(f"Expected argument `normalize` to be one of {NORMALIZE}, "
                         f"but got {normalize!r}")
    if normalize in ("none", None):
        return as_tensor(cm, np.int64)
    if normalize == "true":
        den = cm.sum(-1, keepdims=True)
    elif normalize == "pred":
        den = cm.sum(-2, keepdims=True)
    else:
        den = cm.sum((-2, -1), keepdims=True)
    return as_tensor(safe_divide(cm, den))


def confusion_matrix(preds: Any, target: Any, task: str, threshold: float = 0.5,
                     num_classes: int | None = None, num_labels: int | None = None,
                     normalize: str | None = None, ignore_index: int | None = None) -> Tensor:
    """``cm[i, j]`` = number of samples of true class i predicted as j.

    Shapes: (2, 2) binary, (C, C) multiclass, (L, 2, 2) multilabel. int64 counts, or float32
    fractions with ``normalize='true'`` (rows sum to 1), ``'pred'`` (columns) or ``'all'``.
    """
    cm = confusion_counts(preds, target, task, threshold, num_classes, num_labels, ignore_index)
    return normalize_confusion(cm, normalize)
