"""``RAdam``: rectified Adam (Liu et al., 2019), as ``torch.optim.RAdam``."""
from __future__ import annotations

import numpy as np

from .nadam import _check_betas
from .optimizer import Optimizer, _as_float, _check_nonnegative, _lerp_

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam: Adam with the variance of the adaptive step rectified early in training.

    Per parameter with gradient ``g`` at step ``t``::

        g = -g if maximize
        p = p * (1 - lr * wd)  if decoupled_weight_decay  else  g = g + wd * p
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:  p -= m / (1 - beta1**t) * lr * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t
        else:          p -= m / (1 - beta1**t) * lr
        with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)).

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 1e-3).
        betas: running-average coefficients (default (0.9, 0.999)).
        eps: denominator term (default 1e-8).
        weight_decay: L2 penalty, or decoupled decay (default 0).
        decoupled_weight_decay: decay the weights directly (as AdamW).
        maximize: maximize the objective.
        foreach, capturable, differentiable: accepted for compatibility, no effect.

    State:
        ``step`` (float), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        betas = tuple(_as_float(b, "betas") for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        _check_nonnegative(hp, "eps")
        _check_betas(hp)
        _check_nonnegative(hp, "weight_decay")

    def _update_group(self, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])
        for u in self._updates(group, counted=True):
            p = u.param
            g = -u.grad if maximize else u.grad
            m = u.buffer("exp_avg")
            v = u.buffer("exp_avg_sq")
            step = u.count_step()
            if wd != 0:
                if decoupled:
                    p *= 1 - lr * wd
                else:
                    g = g + wd * p
            _lerp_(m, g, 1 - beta1)
            v *= beta2
            v += (1 - beta2) * g * g
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            corrected = m / bias_correction1
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                sq = np.sqrt(v)
                sq += eps
                adaptive = (bias_correction2 ** 0.5) / sq
                p -= corrected * lr * adaptive * rect
            else:
                p -= corrected * lr
