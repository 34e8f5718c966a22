"""Functional regression metrics: MSE, MAE and R^2 (``preds`` first, as in torchmetrics).

``preds`` and ``target`` are Tensors or arrays of one shape; the result is a 0-d Tensor of
``preds``' float dtype (float32 for integer inputs).
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._inputs import _check_same_shape, as_array, as_tensor

MULTIOUTPUT = ("raw_values", "uniform_average", "variance_weighted")


def out_dtype(preds: np.ndarray) -> Any:
    """float64 stays float64; everything else reports in float32."""
    return np.float64 if preds.dtype == np.float64 else np.float32


def regression_inputs(preds: Any, target: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    """(preds, target) in float64 after a shape check, and the result dtype."""
    p, t = as_array(preds, "preds"), as_array(target, "target")
    _check_same_shape(p, t)
    return p.astype(np.float64), t.astype(np.float64), out_dtype(p)


def mean_squared_error(preds: Any, target: Any, squared: bool = True) -> Tensor:
    """mean((preds - target)^2) over every element; its square root when ``squared=False``."""
    p, t, dt = regression_inputs(preds, target)
    mse = np.mean((p - t) ** 2) if p.size else 0.0
    return as_tensor(mse if squared else np.sqrt(mse), dt)


def mean_absolute_error(preds: Any, target: Any) -> Tensor:
    """mean(|preds - target|) over every element."""
    p, t, dt = regression_inputs(preds, target)
    return as_tensor(np.mean(np.abs(p - t)) if p.size else 0.0, dt)


def tss_from_sums(sum_t: np.ndarray, sum_t2: np.ndarray, n: int) -> np.ndarray:
    """Total sum of squares from running sums; cancellation noise (a constant target) -> 0."""
    tss = sum_t2 - sum_t ** 2 / max(n, 1)
    return np.where(np.abs(tss) <= 1e-12 * np.abs(sum_t2), 0.0, tss)


def r2_from_parts(tss: np.ndarray, rss: np.ndarray, n: int, adjusted: int,
                  multioutput: str) -> Any:
    """R^2 = 1 - RSS / TSS per output, then ``multioutput`` and ``adjusted``.

    As scikit-learn: an output with constant target scores 1 when predicted exactly, else 0.
    """
    if n < 2:
        raise ValueError("Needs at least two samples to calculate r2 score.")
    per = np.where(tss != 0, 1 - rss / np.where(tss != 0, tss, 1), np.where(rss == 0, 1.0, 0.0))
    r2: Any
    if multioutput == "raw_values":
        r2 = per
    elif multioutput == "uniform_average":
        r2 = np.mean(per)
    else:
        r2 = np.sum(tss * per) / np.sum(tss) if np.sum(tss) != 0 else np.mean(per)
    if adjusted:
        if n - adjusted - 1 <= 0:
            warnings.warn("More independent regressions than data points in adjusted r2 "
                          "score. Falls back to standard r2 score.", UserWarning, stacklevel=3)
        else:
            r2 = 1 - (1 - r2) * (n - 1) / (n - adjusted - 1)
    return r2


def check_r2_args(adjusted: Any, multioutput: Any) -> None:
    """``adjusted`` a non-negative int; ``multioutput`` one of ``MULTIOUTPUT``."""
    if isinstance(adjusted, bool) or not isinstance(adjusted, (int, np.integer)) or adjusted < 0:
        raise ValueError("`adjusted` parameter should be an integer larger or equal to 0.")
    if multioutput not in MULTIOUTPUT:
        raise ValueError(f"Invalid input to argument `multioutput`. Choose one of the "
                         f"following: {MULTIOUTPUT}")


def r2_inputs(preds: Any, target: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    """(preds, target) as (N, D) float64 arrays (1-D inputs become D = 1)."""
    p, t, dt = regression_inputs(preds, target)
    if p.ndim > 2:
        raise ValueError(f"Expected both prediction and target to be 1D or 2D tensors, but "
                         f"received tensors with dimension {p.shape}")
    return p.reshape(len(p), -1), t.reshape(len(t), -1), dt


def r2_score(preds: Any, target: Any, adjusted: int = 0,
             multioutput: str = "uniform_average") -> Tensor:
    """Coefficient of determination 1 - sum (t - p)^2 / sum (t - mean t)^2.

    ``preds``/``target``: (N,) or (N, D). ``multioutput``: 'uniform_average',
    'variance_weighted' or 'raw_values' (shape (D,)); ``adjusted`` = number of regressors
    for the adjusted R^2.
    """
    check_r2_args(adjusted, multioutput)
    p, t, dt = r2_inputs(preds, target)
    tss = ((t - t.mean(0)) ** 2).sum(0) if len(t) else np.zeros(t.shape[1])
    r2 = r2_from_parts(tss, ((t - p) ** 2).sum(0), len(t), adjusted, multioutput)
    return as_tensor(r2, dt)
