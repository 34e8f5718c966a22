"""Stateful regression metrics: sums accumulate over batches, so the result is exact."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._inputs import as_tensor
from ._regression import (
    check_r2_args,
    r2_from_parts,
    r2_inputs,
    regression_inputs,
    tss_from_sums,
)
from .metric import Metric


class MeanSquaredError(Metric):
    """Running mean squared error (its root when ``squared=False``)."""

    higher_is_better = False
    sum_squared_error: np.ndarray  # states, set by ``add_state``
    total: np.ndarray

    def __init__(self, squared: bool = True) -> None:
        super().__init__()
        self.squared = squared
        self.add_state("sum_squared_error", np.zeros(()))
        self.add_state("total", np.zeros((), np.int64))
        self._dtype: Any = np.float32

    def update(self, preds: Any, target: Any) -> None:
        """Add this batch's squared errors."""
        p, t, self._dtype = regression_inputs(preds, target)
        self._accumulate("sum_squared_error", np.sum((p - t) ** 2))
        self._accumulate("total", np.int64(p.size))
        self._update_count += 1

    def compute(self) -> Tensor:
        """The mean squared error over every batch since the last ``reset``."""
        mse = float(self.sum_squared_error) / max(int(self.total), 1)
        return as_tensor(mse if self.squared else np.sqrt(mse), self._dtype)


class MeanAbsoluteError(Metric):
    """Running mean absolute error."""

    higher_is_better = False
    sum_abs_error: np.ndarray  # states, set by ``add_state``
    total: np.ndarray

    def __init__(self) -> None:
        super().__init__()
        self.add_state("sum_abs_error", np.zeros(()))
        self.add_state("total", np.zeros((), np.int64))
        self._dtype: Any = np.float32

    def update(self, preds: Any, target: Any) -> None:
        """Add this batch's absolute errors."""
        p, t, self._dtype = regression_inputs(preds, target)
        self._accumulate("sum_abs_error", np.sum(np.abs(p - t)))
        self._accumulate("total", np.int64(p.size))
        self._update_count += 1

    def compute(self) -> Tensor:
        """The mean absolute error over every batch since the last ``reset``."""
        return as_tensor(float(self.sum_abs_error) / max(int(self.total), 1), self._dtype)


class R2Score(Metric):
    """Running R^2 from per-output sums of t, t^2 and (t - p)^2 (see ``functional.r2_score``)."""

    higher_is_better = True
    sum_target: np.ndarray | None  # states (D,), set by ``add_state``
    sum_squared_target: np.ndarray
    residual: np.ndarray
    total: np.ndarray

    def __init__(self, adjusted: int = 0, multioutput: str = "uniform_average") -> None:
        super().__init__()
        check_r2_args(adjusted, multioutput)
        self.adjusted, self.multioutput = adjusted, multioutput
        for name in ("sum_target", "sum_squared_target", "residual"):
            self.add_state(name, None)  # (D,), sized at the first batch
        self.add_state("total", np.zeros((), np.int64))
        self._dtype: Any = np.float32

    def update(self, preds: Any, target: Any) -> None:
        """Add this batch's sums."""
        p, t, self._dtype = r2_inputs(preds, target)
        self._accumulate("sum_target", t.sum(0))
        self._accumulate("sum_squared_target", (t ** 2).sum(0))
        self._accumulate("residual", ((t - p) ** 2).sum(0))
        self._accumulate("total", np.int64(len(t)))
        self._update_count += 1

    def compute(self) -> Tensor:
        """R^2 over every batch since the last ``reset`` (needs at least two samples)."""
        if self.sum_target is None:
            raise ValueError("Needs at least two samples to calculate r2 score.")
        n = int(self.total)
        tss = tss_from_sums(self.sum_target, self.sum_squared_target, n)
        return as_tensor(r2_from_parts(tss, self.residual, n, self.adjusted, self.multioutput),
                         self._dtype)
