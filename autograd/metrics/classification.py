"""Stateful classification metrics: counts (or scores) accumulate over batches.

Constructor arguments are those of the functional versions in ``autograd.metrics.functional``
(``task``, ``threshold``, ``num_classes``, ``num_labels``, ``average``, ``top_k``,
``ignore_index``); ``update(preds, target)`` takes the same inputs. The accumulated result
equals the functional metric on all batches concatenated.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._classification import check_beta, confusion_counts, normalize_confusion
from ._curves import ranking_metric
from ._inputs import (
    as_tensor,
    check_average,
    check_positive_int,
    check_task,
    score_inputs,
)
from ._stat_scores import (
    Score,
    StatScores,
    accuracy_score,
    fbeta,
    precision_score,
    recall_score,
    reduce,
    stat_scores,
)
from .metric import Metric


class _StatScoresMetric(Metric):
    """Shared state of the count-based metrics: per-class tp, fp, tn, fn (each (C,))."""

    higher_is_better = True
    tp: np.ndarray | None  # states, set by ``add_state`` (all None before the first batch)
    fp: np.ndarray
    tn: np.ndarray
    fn: np.ndarray

    def __init__(self, task: str, threshold: float = 0.5, num_classes: int | None = None,
                 num_labels: int | None = None, average: str | None = "micro", top_k: int = 1,
                 ignore_index: int | None = None) -> None:
        super().__init__()
        self.task = check_task(task)
        check_average(average)
        check_positive_int(num_classes, "num_classes", allow_none=True)
        check_positive_int(top_k, "top_k")
        if self.task == "multilabel":
            check_positive_int(num_labels, "num_labels")
        self.threshold, self.num_classes, self.num_labels = threshold, num_classes, num_labels
        self.average, self.top_k, self.ignore_index = average, top_k, ignore_index
        for name in ("tp", "fp", "tn", "fn"):
            self.add_state(name, None)  # sized at the first batch (num_classes may be inferred)

    def update(self, preds: Any, target: Any) -> None:
        """Add this batch's counts."""
        s = stat_scores(preds, target, self.task, self.threshold, self.num_classes,
                        self.num_labels, self.top_k, self.ignore_index)
        for name, value in s._asdict().items():
            self._accumulate(name, value)
        self._update_count += 1

    def _score(self) -> Score:
        """The per-class score from the summed counts; each concrete metric defines it
        (the counting base itself, like torchmetrics' ``StatScores``, has no score)."""
        raise NotImplementedError(f"{type(self).__name__} must define _score()")

    def compute(self) -> Tensor:
        """The metric over every batch since the last ``reset``."""
        if self.tp is None:  # nothing seen: all counts are 0, so the score is 0
            n = 1 if self.task == "binary" else (self.num_classes or self.num_labels or 1)
            zeros = np.zeros(n, np.int64)
            s = StatScores(zeros, zeros, zeros, zeros)
        else:
            s = StatScores(self.tp, self.fp, self.tn, self.fn)
        return as_tensor(reduce(self._score(), s, self.task, self.average, self.top_k))

    def __repr__(self) -> str:
        extra = "" if self.task == "binary" else f", average={self.average!r}"
        return f"{type(self).__name__}(task={self.task!r}{extra})"


class Accuracy(_StatScoresMetric):
    """Running accuracy (see ``functional.accuracy``)."""

    def _score(self) -> Score:
        return accuracy_score(self.task)


class Precision(_StatScoresMetric):
    """Running precision (see ``functional.precision``)."""

    def _score(self) -> Score:
        return precision_score


class Recall(_StatScoresMetric):
    """Running recall (see ``functional.recall``)."""

    def _score(self) -> Score:
        return recall_score


class FBetaScore(_StatScoresMetric):
    """Running F-beta score (see ``functional.fbeta_score``)."""

    def __init__(self, task: str, beta: float = 1.0, threshold: float = 0.5,
                 num_classes: int | None = None, num_labels: int | None = None,
                 average: str | None = "micro", top_k: int = 1,
                 ignore_index: int | None = None) -> None:
        super().__init__(task, threshold, num_classes, num_labels, average, top_k, ignore_index)
        self.beta = check_beta(beta)

    def _score(self) -> Score:
        return fbeta(self.beta)


class F1Score(FBetaScore):
    """Running F1 score (see ``functional.f1_score``)."""

    def __init__(self, task: str, threshold: float = 0.5, num_classes: int | None = None,
                 num_labels: int | None = None, average: str | None = "micro", top_k: int = 1,
                 ignore_index: int | None = None) -> None:
        super().__init__(task, 1.0, threshold, num_classes, num_labels, average, top_k,
                         ignore_index)


class ConfusionMatrix(Metric):
    """Running confusion matrix (see ``functional.confusion_matrix``)."""

    confmat: np.ndarray | None  # state, set by ``add_state``

    def __init__(self, task: str, threshold: float = 0.5, num_classes: int | None = None,
                 num_labels: int | None = None, normalize: str | None = None,
                 ignore_index: int | None = None) -> None:
        super().__init__()
        self.task = check_task(task)
        check_positive_int(num_classes, "num_classes", allow_none=True)
        if self.task == "multilabel":
            check_positive_int(num_labels, "num_labels")
        normalize_confusion(np.zeros((2, 2), np.int64), normalize)  # validates ``normalize``
        self.threshold, self.num_classes, self.num_labels = threshold, num_classes, num_labels
        self.normalize, self.ignore_index = normalize, ignore_index
        self.add_state("confmat", None)

    def update(self, preds: Any, target: Any) -> None:
        """Add this batch's counts."""
        self._accumulate("confmat", confusion_counts(
            preds, target, self.task, self.threshold, self.num_classes, self.num_labels,
            self.ignore_index))
        self._update_count += 1

    def compute(self) -> Tensor:
        """The confusion matrix over every batch since the last ``reset``."""
        cm = self.confmat
        if cm is None:
            shape = {"binary": (2, 2), "multiclass": (self.num_classes or 0,) * 2,
                     "multilabel": (self.num_labels or 0, 2, 2)}[self.task]
            cm = np.zeros(shape, np.int64)
        return normalize_confusion(cm, self.normalize)


class _RankingMetric(Metric):
    """Keeps every batch's scores and targets; the ranking metrics need all of them."""

    higher_is_better = True
    _kind = ""
    scores: list[np.ndarray]  # states, set by ``add_state``
    targets: list[np.ndarray]

    def __init__(self, task: str, num_classes: int | None = None, num_labels: int | None = None,
                 average: str | None = "macro", ignore_index: int | None = None) -> None:
        super().__init__()
        self.task = check_task(task)
        check_average(average, ("micro", "macro", "weighted", "none", None))
        self.num_classes, self.num_labels = num_classes, num_labels
        self.average, self.ignore_index = average, ignore_index
        self.add_state("scores", [], "cat")
        self.add_state("targets", [], "cat")

    def update(self, preds: Any, target: Any) -> None:
        """Keep this batch's scores and 0/1 targets."""
        s, t = score_inputs(preds, target, self.task, self.num_classes, self.num_labels,
                            self.ignore_index)
        if self.scores and self.scores[0].shape[1] != s.shape[1]:
            raise ValueError(f"{type(self).__name__}: got {s.shape[1]} classes/labels, "
                             f"earlier batches had {self.scores[0].shape[1]}")
        self._accumulate("scores", [s])
        self._accumulate("targets", [t])
        self._update_count += 1

    def compute(self) -> Tensor:
        """The metric over every batch since the last ``reset``."""
        if not self.scores:
            return as_tensor(0.0)
        return ranking_metric(self._kind, np.concatenate(self.scores),
                              np.concatenate(self.targets), self.task, self.average)


class AUROC(_RankingMetric):
    """Running area under the ROC curve (see ``functional.auroc``)."""

    _kind = "auroc"


class AveragePrecision(_RankingMetric):
    """Running average precision (see ``functional.average_precision``)."""

    _kind = "average_precision"
