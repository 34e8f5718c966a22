"""``RMSprop``, as ``torch.optim.RMSprop``."""
from __future__ import annotations

from autograd.kernels import optim as _k

from .optimizer import Optimizer, _check_nonnegative, _empty

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), optionally centered and with momentum.

    Per parameter with gradient ``g`` (PyTorch's formulation)::

        g = -g if maximize;  g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - lerp(ga, g, 1 - alpha)**2) if centered else sqrt(v);  avg += eps
        buf = momentum * buf + g / avg;  p = p - lr * buf     (momentum > 0)
        p = p - lr * g / avg                                  (otherwise)

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance.
        capturable, foreach, maximize, differentiable: as in PyTorch (the first two and
            the last are accepted for compatibility only).

    State:
        ``step`` (float), ``square_avg``; ``momentum_buffer`` when momentum > 0;
        ``grad_avg`` when centered.

    Raises:
        ValueError: negative lr, eps, momentum, weight_decay or alpha.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        _check_nonnegative(hp, "eps", "momentum", "weight_decay", "alpha")

    def _update_group(self, group: dict) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, momentum = group["weight_decay"], group["momentum"]
        centered, maximize = bool(group["centered"]), bool(group["maximize"])
        for u in self._updates(group, counted=True):
            a = u.param
            sq = u.buffer("square_avg")
            buf = u.buffer("momentum_buffer") if momentum > 0 else _empty(a.dtype)
            gavg = u.buffer("grad_avg") if centered else _empty(a.dtype)
            u.count_step()
            dt = a.dtype.type
            w = dt(1 - alpha)
            _k.rmsprop_step(a, u.grad, sq, gavg, buf, dt(-lr), dt(alpha), w, bool(abs(w) < 0.5),
                            dt(1) - w, dt(eps), dt(wd), dt(momentum), wd != 0, centered,
                            momentum > 0, maximize)
