"""``Metric``: the stateful base class (torchmetrics' update/compute/reset protocol).

A metric keeps NumPy state: ``'sum'`` states add up batch by batch (counts, sums of
squares), ``'cat'`` states keep every batch (the scores AUROC needs). ``update`` folds a
batch in, ``compute`` turns the state into a Tensor, ``reset`` starts over, and calling
the metric (``forward``) returns the value on that batch alone while also accumulating it.
"""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..tensor import Tensor


class Metric:
    """Base class: subclasses declare states with ``add_state`` and define ``update``/``compute``.

    Example::

        >>> acc = Accuracy(task="multiclass", num_classes=10)
        >>> for x, y in loader:
        ...     acc.update(model(x), y)          # logits (B, 10), labels (B,)
        >>> acc.compute()                        # accuracy over every batch, 0-d Tensor
        >>> acc.reset()
    """

    higher_is_better: bool | None = None

    def __init__(self) -> None:
        self._defaults: dict[str, Any] = {}
        self._reductions: dict[str, str] = {}
        self._update_count = 0

    def add_state(self, name: str, default: Any, dist_reduce_fx: str = "sum") -> None:
        """Declare state ``name`` starting at ``default`` (an array, a list for 'cat', or None
        for "sized at the first update"), merged across batches by 'sum' or 'cat'."""
        if dist_reduce_fx not in ("sum", "cat"):
            raise ValueError(f"Expected `dist_reduce_fx` to be 'sum' or 'cat', but got "
                             f"{dist_reduce_fx!r}")
        self._defaults[name] = default
        self._reductions[name] = dist_reduce_fx
        setattr(self, name, copy.deepcopy(default))

    def update(self, preds: Any, target: Any) -> None:
        """Fold one batch into the state."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    def compute(self) -> Tensor:
        """The metric over every batch since the last ``reset``."""
        raise NotImplementedError(f"{type(self).__name__} must define compute()")

    def reset(self) -> None:
        """Forget every batch seen so far."""
        for name, default in self._defaults.items():
            setattr(self, name, copy.deepcopy(default))
        self._update_count = 0

    def forward(self, preds: Any, target: Any) -> Tensor:
        """The metric on this batch alone; the batch is also added to the running state."""
        saved = {name: getattr(self, name) for name in self._defaults}
        count = self._update_count
        self.reset()
        self.update(preds, target)
        value = self.compute()
        for name, old in saved.items():
            setattr(self, name, self._merge(name, old, getattr(self, name)))
        self._update_count = count + 1
        return value

    __call__ = forward

    def _merge(self, name: str, old: Any, new: Any) -> Any:
        if old is None:
            return new
        if new is None:
            return old
        if self._reductions[name] == "cat":
            return list(old) + list(new)
        if np.shape(old) != np.shape(new):
            raise ValueError(f"{type(self).__name__}: state {name!r} changed shape from "
                             f"{np.shape(old)} to {np.shape(new)} between batches")
        return old + new

    def _accumulate(self, name: str, value: Any) -> None:
        """Add ``value`` into state ``name`` (used by ``update``)."""
        setattr(self, name, self._merge(name, getattr(self, name), value))

    @property
    def update_count(self) -> int:
        """How many times ``update`` (or a call) has run since the last ``reset``."""
        return self._update_count

    def to(self, *args: Any, **kwargs: Any) -> Metric:
        """No-op (CPU only); returns ``self`` so ``metric.to(device)`` works."""
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
