"""Exact ranking metrics (no binning): area under the ROC curve and average precision.

Both walk the scores from highest to lowest, treating tied scores as one threshold, like
scikit-learn's ``roc_auc_score`` and ``average_precision_score``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._inputs import as_tensor, check_average, check_task, safe_divide, score_inputs


def _cumulative_counts(scores: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(true positives, false positives) at each distinct threshold, highest first."""
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], target[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each run of ties
    tps = np.cumsum(t)[last]
    return tps, last + 1 - tps


def binary_auroc(scores: np.ndarray, target: np.ndarray) -> float:
    """ROC AUC of one column; 0 when ``target`` has no positives or no negatives."""
    keep = ~np.isnan(scores)
    scores, target = scores[keep], target[keep]
    if len(scores) == 0:
        return 0.0
    tps, fps = _cumulative_counts(scores, target)
    if tps[-1] == 0 or fps[-1] == 0:
        return 0.0
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def binary_average_precision(scores: np.ndarray, target: np.ndarray) -> float:
    """sum_n (R_n - R_{n-1}) P_n over the thresholds; 0 when there are no positives."""
    keep = ~np.isnan(scores)
    scores, target = scores[keep], target[keep]
    if len(scores) == 0:
        return 0.0
    tps, fps = _cumulative_counts(scores, target)
    if tps[-1] == 0:
        return 0.0
    prec = tps / (tps + fps)
    rec = np.r_[0.0, tps / tps[-1]]
    return float(np.sum(np.diff(rec) * prec))


_KINDS = {"auroc": binary_auroc, "average_precision": binary_average_precision}


def ranking_metric(kind: str, scores: np.ndarray, target: np.ndarray, task: str,
                   average: str | None) -> Tensor:
    """``kind`` on scores/targets of shape (M, K), one column per class or label.

    'micro' scores all columns flattened together; 'macro' averages the per-column values
    (a column without positives scores 0); 'weighted' weights them by positives; 'none'
    returns them all. The binary task (K = 1) returns one value.
    """
    fn = _KINDS[kind]
    if task == "binary":
        return as_tensor(fn(scores[:, 0], target[:, 0]))
    if average == "micro":
        return as_tensor(fn(scores.reshape(-1), target.reshape(-1)))
    per = np.array([fn(scores[:, k], target[:, k]) for k in range(scores.shape[1])])
    if average in ("none", None):
        return as_tensor(per)
    if average == "weighted":
        weights = np.where(np.isnan(scores), 0, target).sum(0).astype(np.float64)
        return as_tensor(safe_divide(np.sum(weights * per), np.sum(weights)))
    return as_tensor(per.mean() if len(per) else 0.0)


def _ranking(kind: str, preds: Any, target: Any, task: str, num_classes: int | None,
             num_labels: int | None, average: str | None, ignore_index: int | None) -> Tensor:
    task = check_task(task)
    check_average(average)
    scores, labels = score_inputs(preds, target, task, num_classes, num_labels, ignore_index)
    return ranking_metric(kind, scores, labels, task, average)


def auroc(preds: Any, target: Any, task: str, num_classes: int | None = None,
          num_labels: int | None = None, average: str | None = "macro",
          ignore_index: int | None = None) -> Tensor:
    """Area under the ROC curve (exact, ties as one threshold).

    Binary: ``preds`` (N, ...) scores, ``target`` (N, ...) 0/1. Multiclass (one-vs-rest):
    ``preds`` (N, C, ...) probabilities (logits get a softmax), ``target`` (N, ...) labels.
    Multilabel: ``preds``/``target`` (N, L, ...). ``average``: 'macro' (default), 'weighted'
    (by positives), 'micro' (all columns pooled) or 'none' (one value per class).
    A class without positives or without negatives scores 0.
    """
    return _ranking("auroc", preds, target, task, num_classes, num_labels, average, ignore_index)


def average_precision(preds: Any, target: Any, task: str, num_classes: int | None = None,
                      num_labels: int | None = None, average: str | None = "macro",
                      ignore_index: int | None = None) -> Tensor:
    """Average precision, sum_n (R_n - R_{n-1}) P_n: the area under the precision-recall
    step curve. Inputs and ``average`` as for ``auroc``; a class without positives scores 0.
    """
    return _ranking("average_precision", preds, target, task, num_classes, num_labels,
                    average, ignore_index)
