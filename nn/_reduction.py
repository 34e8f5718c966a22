"""The one place where ``nn`` resolves a loss's ``reduction`` (and PyTorch's deprecated
``size_average`` / ``reduce`` flags) and applies it.

Every functional loss in ``nn.functional`` calls :func:`resolve` first and
:func:`apply` last; the loss modules (``nn.modules.loss``) call :func:`legacy` in their
constructors, so ``MSELoss(reduce=False).reduction == 'none'`` as in PyTorch.
"""
from __future__ import annotations

__all__ = ["REDUCTIONS", "legacy", "resolve", "apply"]

#: The reductions every loss accepts (``kl_div`` adds ``'batchmean'`` itself).
REDUCTIONS = ("none", "mean", "sum")


def legacy(size_average, reduce, reduction: str) -> str:
    """``reduction``, overridden by PyTorch's deprecated flags when either is given.

    ``reduce=False`` gives ``'none'``; otherwise ``size_average`` (default True) chooses
    ``'mean'`` over ``'sum'``. With both flags None, ``reduction`` is returned unchanged
    (not validated: see :func:`resolve`).
    """
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def resolve(size_average, reduce, reduction: str, op: str) -> str:
    """:func:`legacy`, then check that the result is one of :data:`REDUCTIONS`.

    Raises:
        ValueError: naming ``op`` and the rejected reduction.
    """
    reduction = legacy(size_average, reduce, reduction)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction (expected "
                         f"'none', 'mean' or 'sum', got {reduction!r})")
    return reduction


def apply(loss, reduction: str):
    """Reduce the per-element ``loss``: its mean, its sum, or itself for ``'none'``."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
