"""``NAdam``: Adam with Nesterov momentum (Dozat, 2016), as ``torch.optim.NAdam``."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _as_float, _check_nonnegative, _lerp_, _scalar

__all__ = ["NAdam"]


def _check_betas(hp: dict) -> None:
    betas = hp["betas"]
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


class NAdam(Optimizer):
    """NAdam: Adam whose first moment gets a Nesterov look-ahead with momentum decay.

    Per parameter with gradient ``g`` at step ``t`` (PyTorch's single-tensor order)::

        g = -g if maximize
        p = p * (1 - lr * wd)  if decoupled_weight_decay  else  g = g + wd * p
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay));  mu_{t+1} likewise
        mu_product = mu_product * mu_t          (a float32 product, as PyTorch's)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2**t)) + eps
        p -= lr * (1 - mu_t) / (1 - mu_product) * g / denom
        p -= lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 2e-3).
        betas: running-average coefficients (default (0.9, 0.999)).
        eps: denominator term (default 1e-8).
        weight_decay: L2 penalty, or decoupled decay (default 0).
        momentum_decay: the ``psi`` of the momentum schedule (default 4e-3).
        decoupled_weight_decay: decay the weights directly (NAdamW).
        maximize: maximize the objective.
        foreach, capturable, differentiable: accepted for compatibility, no effect
            (``differentiable=True`` raises ``NotImplementedError``).

    State:
        ``step`` (float), ``mu_product`` (float), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        betas = tuple(_as_float(b, "betas") for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        _check_nonnegative(hp, "eps")
        _check_betas(hp)
        _check_nonnegative(hp, "weight_decay", "momentum_decay")

    def _update_group(self, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        psi = group["momentum_decay"]
        decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])
        for u in self._updates(group, counted=True):
            p, state = u.param, u.state
            g = -u.grad if maximize else u.grad
            mu_product = _scalar(state.get("mu_product", 1.0))
            m = u.buffer("exp_avg")
            v = u.buffer("exp_avg_sq")
            step = u.count_step()
            bias_correction2 = 1 - beta2 ** step
            if wd != 0:
                if decoupled:
                    p *= 1 - lr * wd
                else:
                    g = g + wd * p
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
            mu_product = float(np.float32(mu_product) * np.float32(mu))  # float32 op
            state["mu_product"] = mu_product
            _lerp_(m, g, 1 - beta1)
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v / bias_correction2)
            denom += eps
            p += (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
            mu_product_next = mu_product * mu_next
            p += ((-lr * mu_next) / (1.0 - mu_product_next)) * m / denom
