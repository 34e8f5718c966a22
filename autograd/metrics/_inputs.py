"""Argument checks and input formatting shared by the metrics (torchmetrics' conventions).

Metrics are not differentiable: every input is read as a NumPy array (Tensors are detached),
the arithmetic happens in NumPy, and results come back as Tensors.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, _wrap

TASKS = ("binary", "multiclass", "multilabel")
AVERAGES = ("micro", "macro", "weighted", "none", None)


def as_array(x: Any, name: str) -> np.ndarray:
    """``x`` (Tensor, NumPy array, nested list or number) as a NumPy array."""
    if isinstance(x, Tensor):
        return np.asarray(x._data)
    if x is None:
        raise TypeError(f"Expected `{name}` to be a Tensor or an array, but got None")
    return np.asarray(x)


def as_tensor(value: Any, dtype: Any = np.float32) -> Tensor:
    """A result as a Tensor of ``dtype`` (float32 like torchmetrics, int64 for counts)."""
    return _wrap(np.asarray(value, dtype=dtype))


def safe_divide(num: Any, den: Any) -> np.ndarray:
    """``num / den`` with 0 wherever ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def check_task(task: Any) -> str:
    """``task`` must be one of 'binary', 'multiclass', 'multilabel'."""
    if task not in TASKS:
        raise ValueError(f"Expected argument `task` to be one of {TASKS}, but got {task!r}")
    return str(task)


def check_average(average: Any, allowed: tuple = AVERAGES) -> None:
    """``average`` must be one of ``allowed``."""
    if average not in allowed:
        raise ValueError(f"Expected argument `average` to be one of {allowed}, but got {average!r}")


def check_positive_int(value: Any, name: str, allow_none: bool = False) -> None:
    """``value`` must be an int >= 1 (or None when ``allow_none``)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Expected argument `{name}` to be an integer larger than 0, "
                         f"but got {value!r}")


def _is_float(a: np.ndarray) -> bool:
    return a.dtype.kind == "f"


def _float64(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _sigmoid_if_logits(p: np.ndarray) -> np.ndarray:
    """torchmetrics' rule: float predictions outside [0, 1] are logits and get a sigmoid."""
    if p.size and (p.min() < 0 or p.max() > 1):
        return 1.0 / (1.0 + np.exp(-p))
    return p


def softmax_if_logits(p: np.ndarray, axis: int = 1) -> np.ndarray:
    """torchmetrics' rule: class scores outside [0, 1] are logits and get a softmax."""
    if p.size and (p.min() < 0 or p.max() > 1):
        e = np.exp(p - p.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    return p


def _check_values(a: np.ndarray, name: str, high: int, ignore_index: int | None) -> None:
    """Integer labels in ``[0, high)`` (``ignore_index`` allowed too)."""
    if a.dtype.kind not in "biu" and not (a.dtype.kind == "f" and np.all(a == np.round(a))):
        raise ValueError(f"Expected `{name}` to hold integer labels, but got dtype {a.dtype}")
    vals = a if ignore_index is None else a[a != ignore_index]
    if vals.size and (vals.min() < 0 or vals.max() >= high):
        bad = np.unique(vals[(vals < 0) | (vals >= high)])
        raise ValueError(f"Detected more unique values in `{name}` than expected: found "
                         f"{bad.tolist()}, expected only values in [0, {high})"
                         + ("" if ignore_index is None else f" or ignore_index={ignore_index}"))


def _check_same_shape(p: np.ndarray, t: np.ndarray) -> None:
    if p.shape != t.shape:
        raise ValueError(f"Expected `preds` and `target` to have the same shape, but got "
                         f"{tuple(p.shape)} and {tuple(t.shape)}")


def _class_last(p: np.ndarray) -> np.ndarray:
    """(N, C, ...) -> (N * ..., C): the class dimension last, every other dimension flattened."""
    return np.moveaxis(p, 1, -1).reshape(-1, p.shape[1])


def binary_inputs(preds: Any, target: Any, threshold: float, ignore_index: int | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Flat 0/1 predictions and targets for the binary task.

    Float ``preds`` (any shape) are probabilities (logits get a sigmoid) thresholded with
    ``preds > threshold``; integer ``preds`` must be 0/1. ``target`` has the same shape.
    """
    p, t = as_array(preds, "preds"), as_array(target, "target")
    _check_same_shape(p, t)
    _check_values(t, "target", 2, ignore_index)
    if _is_float(p):
        p = (_sigmoid_if_logits(_float64(p)) > threshold).astype(np.int64)
    else:
        _check_values(p, "preds", 2, None)
    p, t = p.reshape(-1).astype(np.int64), t.reshape(-1).astype(np.int64)
    if ignore_index is not None:
        keep = t != ignore_index
        p, t = p[keep], t[keep]
    return p, t


def infer_num_classes(preds: Any, num_classes: int | None) -> int:
    """``num_classes``, or the size of dim 1 of float class scores when it is None."""
    if num_classes is not None:
        check_positive_int(num_classes, "num_classes")
        return int(num_classes)
    p = as_array(preds, "preds")
    if _is_float(p) and p.ndim >= 2:
        return int(p.shape[1])
    raise ValueError("Expected argument `num_classes` to be an integer larger than 0 for the "
                     "'multiclass' task (it can only be inferred from float `preds` of shape "
                     "(N, C, ...))")


def multiclass_inputs(preds: Any, target: Any, num_classes: int, top_k: int,
                      ignore_index: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(predicted classes (M, top_k), target labels (M,)) for the multiclass task.

    ``preds`` are labels of ``target``'s shape (N, ...) or class scores (N, C, ...) whose
    ``top_k`` highest entries are the predictions (ties: the lower class index first).
    """
    check_positive_int(top_k, "top_k")
    p, t = as_array(preds, "preds"), as_array(target, "target")
    _check_values(t, "target", num_classes, ignore_index)
    if p.ndim == t.ndim + 1:
        if p.shape[1] != num_classes:
            raise ValueError(f"Expected `preds.shape[1]={p.shape[1]}` to be equal to the "
                             f"number of classes {num_classes}")
        if p.shape[:1] + p.shape[2:] != t.shape:
            raise ValueError(f"Expected `preds` of shape (N, C, ...) to match `target` of shape "
                             f"(N, ...), but got {tuple(p.shape)} and {tuple(t.shape)}")
        if top_k > num_classes:
            raise ValueError(f"Expected argument `top_k` to be smaller or equal to "
                             f"`num_classes` but got {top_k} and {num_classes}")
        scores = _class_last(_float64(p))
        if top_k == 1:
            pk = scores.argmax(1)[:, None]
        else:
            pk = np.argsort(-scores, axis=1, kind="stable")[:, :top_k]
    elif p.shape == t.shape:
        if top_k != 1:
            raise ValueError("Expected argument `top_k` to be 1 when `preds` are labels; "
                             "top_k > 1 needs class scores of shape (N, C, ...)")
        _check_values(p, "preds", num_classes, None)
        pk = p.reshape(-1, 1)
    else:
        raise ValueError(f"Expected `preds` of shape (N, ...) or (N, C, ...) and `target` of "
                         f"shape (N, ...), but got {tuple(p.shape)} and {tuple(t.shape)}")
    pk, t = pk.astype(np.int64), t.reshape(-1).astype(np.int64)
    if ignore_index is not None:
        keep = t != ignore_index
        pk, t = pk[keep], t[keep]
    return pk, t


def multilabel_inputs(preds: Any, target: Any, num_labels: int, threshold: float,
                      ignore_index: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(0/1 predictions (M, L), 0/1 targets (M, L), mask of entries to count (M, L))."""
    check_positive_int(num_labels, "num_labels")
    p, t = as_array(preds, "preds"), as_array(target, "target")
    _check_same_shape(p, t)
    if p.ndim < 2 or p.shape[1] != num_labels:
        raise ValueError(f"Expected `preds` of shape (N, num_labels={num_labels}, ...), "
                         f"but got {tuple(p.shape)}")
    _check_values(t, "target", 2, ignore_index)
    if _is_float(p):
        p = (_sigmoid_if_logits(_float64(p)) > threshold).astype(np.int64)
    else:
        _check_values(p, "preds", 2, None)
    p, t = _class_last(p).astype(np.int64), _class_last(t).astype(np.int64)
    keep = np.ones(t.shape, bool) if ignore_index is None else t != ignore_index
    return p, np.where(keep, t, 0), keep


def score_inputs(preds: Any, target: Any, task: str, num_classes: int | None,
                 num_labels: int | None, ignore_index: int | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(scores (M, K), 0/1 targets (M, K)) for the ranking metrics (AUROC, AP).

    Binary: K = 1. Multiclass: one-vs-rest, scores softmaxed when they are logits.
    Multilabel: one column per label. Entries equal to ``ignore_index`` are dropped
    (rows for binary/multiclass; for multilabel they become NaN scores, dropped per column).
    """
    p, t = as_array(preds, "preds"), as_array(target, "target")
    if not _is_float(p):
        raise ValueError(f"Expected `preds` to be floating point scores, but got dtype {p.dtype}")
    p = _float64(p)
    if task == "binary":
        _check_same_shape(p, t)
        _check_values(t, "target", 2, ignore_index)
        p, t = p.reshape(-1, 1), t.reshape(-1, 1).astype(np.int64)
        keep = np.ones(len(t), bool) if ignore_index is None else t[:, 0] != ignore_index
        return p[keep], t[keep]
    if task == "multiclass":
        c = infer_num_classes(p, num_classes)
        if p.ndim != t.ndim + 1 or p.shape[1] != c or p.shape[:1] + p.shape[2:] != t.shape:
            raise ValueError(f"Expected `preds` of shape (N, {c}, ...) and `target` of shape "
                             f"(N, ...), but got {tuple(p.shape)} and {tuple(t.shape)}")
        _check_values(t, "target", c, ignore_index)
        scores, labels = _class_last(softmax_if_logits(p)), t.reshape(-1).astype(np.int64)
        if ignore_index is not None:
            keep = labels != ignore_index
            scores, labels = scores[keep], labels[keep]
        return scores, (labels[:, None] == np.arange(c)).astype(np.int64)
    check_positive_int(num_labels, "num_labels")
    _check_same_shape(p, t)
    if p.ndim < 2 or p.shape[1] != num_labels:
        raise ValueError(f"Expected `preds` of shape (N, num_labels={num_labels}, ...), "
                         f"but got {tuple(p.shape)}")
    _check_values(t, "target", 2, ignore_index)
    scores, labels = _class_last(p), _class_last(t).astype(np.int64)
    if ignore_index is not None:
        scores = np.where(labels == ignore_index, np.nan, scores)
        labels = np.where(labels == ignore_index, 0, labels)
    return scores, labels
