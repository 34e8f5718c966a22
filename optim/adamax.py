"""``Adamax``: Adam with the infinity norm (Kingma & Ba, 2014), as ``torch.optim.Adamax``."""
from __future__ import annotations

import numpy as np

from .nadam import _check_betas
from .optimizer import Optimizer, _as_float, _check_nonnegative, _lerp_

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax: Adam's second moment replaced by an exponentially weighted infinity norm.

    Per parameter with gradient ``g`` at step ``t``::

        g = -g if maximize;  g = g + weight_decay * p
        m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
        p -= lr / (1 - beta1**t) * m / u

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 2e-3).
        betas: coefficients of the running average and the infinity norm.
        eps: added to ``|g|`` (default 1e-8).
        weight_decay: L2 penalty (default 0).
        foreach, maximize, differentiable, capturable: as PyTorch (the first and the
            last two accepted without effect).

    State:
        ``step`` (float), ``exp_avg``, ``exp_inf``.
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        betas = tuple(_as_float(b, "betas") for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        _check_nonnegative(hp, "eps")
        _check_betas(hp)
        _check_nonnegative(hp, "weight_decay")

    def _update_group(self, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        maximize = bool(group["maximize"])
        for u in self._updates(group, counted=True):
            p = u.param
            g = -u.grad if maximize else u.grad
            m = u.buffer("exp_avg")
            inf = u.buffer("exp_inf")
            step = u.count_step()
            if wd != 0:
                g = g + wd * p
            _lerp_(m, g, 1 - beta1)
            inf *= beta2
            norm = np.abs(g)
            norm += eps
            np.maximum(inf, norm, out=inf)
            clr = lr / (1 - beta1 ** step)
            p += -clr * m / inf
