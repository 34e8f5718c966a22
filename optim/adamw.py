"""``AdamW``: Adam with decoupled weight decay, as ``torch.optim.AdamW``."""
from __future__ import annotations

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Identical to ``Adam(..., decoupled_weight_decay=True)``: each step first scales the
    parameter by ``1 - lr * weight_decay``, then applies the Adam update with the raw
    gradient.

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 1e-3).
        betas: running-average coefficients (default (0.9, 0.999)).
        eps: denominator term (default 1e-8).
        weight_decay: decoupled decay coefficient (default 1e-2).
        amsgrad: use AMSGrad.
        maximize: maximize the objective.
        foreach, capturable, differentiable, fused: accepted for compatibility.

    State: as ``Adam``.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach=None, capturable: bool = False,
                 differentiable: bool = False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _after_load(self) -> None:
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
