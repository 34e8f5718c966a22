"""``Adagrad``, as ``torch.optim.Adagrad``."""
from __future__ import annotations

from autograd.kernels import optim as _k

from .optimizer import Optimizer, _check_nonnegative, _state_buffer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011).

    Per parameter with gradient ``g``, at step ``t``::

        g = -g if maximize;  g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g;  p = p - clr * g / (sqrt(sum) + eps)

    As in PyTorch, the state (``step`` = 0 and ``sum`` filled with
    ``initial_accumulator_value``) is created eagerly for every parameter when the
    optimizer (or a param group) is constructed.

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of ``sum`` (default 0).
        eps: added to the denominator (default 1e-10).
        foreach, maximize, differentiable, fused: as in PyTorch (``foreach``/``fused``
            accepted for compatibility only).

    State:
        ``step`` (float) and ``sum`` (parameter-shaped Tensor).

    Raises:
        ValueError: negative lr, lr_decay, weight_decay, initial_accumulator_value or eps.
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        _check_nonnegative(hp, "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def _init_group_state(self, group: dict) -> None:
        # PyTorch fills ``sum`` from the constructor's initial_accumulator_value.
        init = self.defaults["initial_accumulator_value"]
        for p in group["params"]:
            state = self.state[p]
            state["step"] = 0.0
            state.pop("sum", None)
            _state_buffer(state, "sum", p, fill=init)

    def _update_group(self, group: dict) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        wd, maximize = group["weight_decay"], bool(group["maximize"])
        init = self.defaults["initial_accumulator_value"]
        for u in self._updates(group, counted=True):
            acc = u.buffer("sum", fill=init)
            step = u.count_step()
            clr = lr / (1 + (step - 1) * lr_decay)
            dt = u.param.dtype.type
            _k.adagrad_step(u.param, u.grad, acc, dt(-clr), dt(eps), dt(wd), wd != 0, maximize)
