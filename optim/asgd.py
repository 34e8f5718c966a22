"""``ASGD``: averaged stochastic gradient descent (Polyak & Juditsky), as ``torch.optim.ASGD``."""
from __future__ import annotations

from .optimizer import Optimizer, _check_nonnegative, _round32, _scalar

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD: SGD with a decaying step size and a running average ``ax`` of the
    iterates (started after ``t0`` steps).

    Per parameter with gradient ``g`` at step ``t``::

        g = -g if maximize;  g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax)    (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha;  mu = 1 / max(1, t - t0)

    ``eta`` and ``mu`` are float32-rounded, as PyTorch keeps them in 0-d float32 tensors.

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the eta update (default 0.75).
        t0: step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        foreach, maximize, differentiable, capturable: as PyTorch (the first and the
            last two accepted without effect).

    State:
        ``step``, ``eta``, ``mu`` (floats), ``ax`` (parameter-shaped).
    """

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach=None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        _check_nonnegative(hp, "weight_decay")

    def _update_group(self, group: dict) -> None:
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        wd, maximize = group["weight_decay"], bool(group["maximize"])
        for u in self._updates(group, counted=True):
            p, state = u.param, u.state
            if "eta" not in state:
                state["eta"] = _round32(lr)
                state["mu"] = 1.0
            ax = u.buffer("ax")
            step = u.count_step()
            g = -u.grad if maximize else u.grad
            if wd != 0:
                g = g + wd * p
            eta, mu = _scalar(state["eta"]), _scalar(state["mu"])
            p *= 1 - lambd * eta
            p += -eta * g
            if mu != 1:
                ax += (p - ax) * mu
            else:
                ax[...] = p
            state["eta"] = _round32(lr / ((1 + lambd * lr * step) ** alpha))
            state["mu"] = _round32(1 / max(1, step - t0))
