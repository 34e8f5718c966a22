"""True/false positive/negative counts per class and their reduction to one score.

Every count-based metric (accuracy, precision, recall, F-beta) is a function of the
per-class counts ``tp, fp, tn, fn`` (int64 arrays of shape (C,); C = 1 for binary), so the
stateful metrics only add counts batch by batch and the result is exact.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._inputs import (
    binary_inputs,
    check_average,
    check_task,
    infer_num_classes,
    multiclass_inputs,
    multilabel_inputs,
    safe_divide,
)


class StatScores(NamedTuple):
    """Per-class counts, each an int64 array of shape (C,)."""

    tp: np.ndarray
    fp: np.ndarray
    tn: np.ndarray
    fn: np.ndarray


def stat_scores(preds: Any, target: Any, task: str, threshold: float = 0.5,
                num_classes: int | None = None, num_labels: int | None = None, top_k: int = 1,
                ignore_index: int | None = None) -> StatScores:
    """The counts of one batch for ``task`` (see ``_inputs`` for the accepted shapes)."""
    task = check_task(task)
    if task == "binary":
        p, t = binary_inputs(preds, target, threshold, ignore_index)
        tp = int(np.sum(p & t))
        fp = int(np.sum(p & (1 - t)))
        fn = int(np.sum((1 - p) & t))
        return StatScores(*(np.array([v], np.int64) for v in (tp, fp, len(t) - tp - fp - fn, fn)))
    if task == "multiclass":
        c = infer_num_classes(preds, num_classes)
        pk, t = multiclass_inputs(preds, target, c, top_k, ignore_index)
        predicted = np.zeros((len(t), c), bool)
        np.put_along_axis(predicted, pk, True, axis=1)
        actual = t[:, None] == np.arange(c)
        tp = np.sum(predicted & actual, 0)
        fp = np.sum(predicted & ~actual, 0)
        fn = np.sum(~predicted & actual, 0)
        return StatScores(tp, fp, len(t) - tp - fp - fn, fn)
    if num_labels is None:
        raise ValueError("Expected argument `num_labels` to be an integer larger than 0 for "
                         "the 'multilabel' task")
    p, t, keep = multilabel_inputs(preds, target, num_labels, threshold, ignore_index)
    tp = np.sum(p & t & keep, 0)
    fp = np.sum(p & (1 - t) & keep, 0)
    fn = np.sum((1 - p) & t & keep, 0)
    return StatScores(tp, fp, np.sum(keep, 0) - tp - fp - fn, fn)


Score = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def reduce(score: Score, s: StatScores, task: str, average: str | None, top_k: int = 1) -> Any:
    """One number (or one per class for ``average='none'``) from the counts.

    'micro' scores the summed counts; 'macro' averages the per-class scores, leaving out
    (multiclass only) classes that never occur in ``target`` nor in the predictions, as
    scikit-learn does with its default ``labels``; 'weighted' weights them by support
    (tp + fn). The binary task ignores ``average``.
    """
    check_average(average)
    if task == "binary":
        return score(*s)[0]
    if average == "micro":
        return score(*(np.sum(x) for x in s))
    per_class = score(*s)
    if average in ("none", None):
        return per_class
    if average == "weighted":
        weights = (s.tp + s.fn).astype(np.float64)
    else:
        weights = np.ones(len(per_class))
        if task == "multiclass":
            absent = (s.tp + s.fp + s.fn == 0) if top_k == 1 else (s.tp + s.fn == 0)
            weights[absent] = 0.0
    return safe_divide(np.sum(weights * per_class), np.sum(weights))


def precision_score(tp: Any, fp: Any, tn: Any, fn: Any) -> np.ndarray:
    """tp / (tp + fp), 0 when nothing was predicted positive."""
    return safe_divide(tp, tp + fp)


def recall_score(tp: Any, fp: Any, tn: Any, fn: Any) -> np.ndarray:
    """tp / (tp + fn), 0 when there are no positives."""
    return safe_divide(tp, tp + fn)


def fbeta(beta: float) -> Score:
    """(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp): the F-beta score from counts."""
    b2 = float(beta) ** 2

    def score(tp: Any, fp: Any, tn: Any, fn: Any) -> np.ndarray:
        return safe_divide((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)
    return score


def accuracy_score(task: str) -> Score:
    """Fraction correct: (tp + tn) / all for binary/multilabel, tp / (tp + fn) per class
    for multiclass (so 'micro' is plain accuracy and 'macro' is balanced accuracy)."""
    def multiclass(tp: Any, fp: Any, tn: Any, fn: Any) -> np.ndarray:
        return safe_divide(tp, tp + fn)

    def other(tp: Any, fp: Any, tn: Any, fn: Any) -> np.ndarray:
        return safe_divide(tp + tn, tp + tn + fp + fn)
    return multiclass if task == "multiclass" else other
