"""``Adadelta``, as ``torch.optim.Adadelta``."""
from __future__ import annotations

from autograd.kernels import optim as _k

from .optimizer import Optimizer, _check_nonnegative

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012).

    Per parameter with gradient ``g``::

        g = -g if maximize;  g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta;  p = p - lr * delta

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: coefficient that scales delta (default 1.0).
        rho: running-average coefficient (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable, maximize, differentiable: as in PyTorch (``foreach`` and
            ``capturable`` accepted for compatibility only).

    State:
        ``step`` (float), ``square_avg`` (v) and ``acc_delta`` (u).

    Raises:
        ValueError: negative lr, eps or weight_decay; rho outside [0, 1].
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, capturable=capturable, foreach=foreach,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        if not 0.0 <= hp["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {hp['rho']}")
        _check_nonnegative(hp, "eps", "weight_decay")

    def _update_group(self, group: dict) -> None:
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        wd, maximize = group["weight_decay"], bool(group["maximize"])
        for u in self._updates(group, counted=True):
            sq = u.buffer("square_avg")
            acc = u.buffer("acc_delta")
            u.count_step()
            dt = u.param.dtype.type
            _k.adadelta_step(u.param, u.grad, sq, acc, dt(-lr), dt(rho), dt(1 - rho), dt(eps),
                             dt(wd), wd != 0, maximize)
