"""``SGD``: stochastic gradient descent with momentum, as ``torch.optim.SGD``."""
from __future__ import annotations

from autograd.kernels import optim as _k

from .optimizer import Optimizer, _empty

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Per parameter with a gradient ``g`` (PyTorch's formulation)::

        g = -g if maximize;  g = g + weight_decay * p
        buf = g (first step)  or  momentum * buf + (1 - dampening) * g
        g = g + momentum * buf (nesterov)  or  buf
        p = p - lr * g

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 1e-3, as PyTorch 2.x).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, fused: accepted for PyTorch compatibility; see
            ``optim.optimizer``.

    State:
        ``momentum_buffer`` (Tensor, parameter-shaped) when momentum is non-zero.

    Raises:
        ValueError: negative lr, momentum or weight_decay; Nesterov without momentum
            or with dampening.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        if hp["momentum"] < 0.0:
            raise ValueError(f"Invalid momentum value: {hp['momentum']}")
        if hp["weight_decay"] < 0.0:
            raise ValueError(f"Invalid weight_decay value: {hp['weight_decay']}")
        if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group: dict) -> None:
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        dampening, nesterov, maximize = group["dampening"], group["nesterov"], group["maximize"]
        for u in self._updates(group):
            a = u.param
            dt = a.dtype.type
            if momentum != 0:
                state = u.state
                first = state.get("momentum_buffer") is None
                if first:
                    state.pop("momentum_buffer", None)
                buf = u.buffer("momentum_buffer")
            else:
                first, buf = False, _empty(a.dtype)
            _k.sgd_step(a, u.grad, buf, dt(-lr), dt(wd), dt(momentum), dt(1 - dampening),
                        wd != 0, momentum != 0, first, bool(nesterov), bool(maximize))
