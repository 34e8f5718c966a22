"""``Adagrad``, as ``torch.optim.Adagrad``."""
from __future__ import annotations

from autograd.kernels import optim as _k

from .optimizer import Optimizer

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
        if not 0.0 <= hp["lr_decay"]:
            raise ValueError(f"Invalid lr_decay value: {hp['lr_decay']}")
        if not 0.0 <= hp["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {hp['weight_decay']}")
        if not 0.0 <= hp["initial_accumulator_value"]:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{hp['initial_accumulator_value']}")
        if not 0.0 <= hp["eps"]:
            raise ValueError(f"Invalid epsilon value: {hp['eps']}")

    def _init_group_state(self, group: dict) -> None:
        # PyTorch fills ``sum`` from the constructor's initial_accumulator_value.
        init = self.defaults["initial_accumulator_value"]
        for p in group["params"]:
            state = self.state[p]
            state["step"] = 0.0
            state.pop("sum", None)
            self._buf(state, "sum", p._data, fill=init)

    def _update_group(self, group: dict) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        wd, maximize = group["weight_decay"], bool(group["maximize"])
        init = self.defaults["initial_accumulator_value"]
        for p in group["params"]:
            if p.grad is None:
                continue
            a, g, wb = self._arrays(p)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = 0.0
            acc = self._buf(state, "sum", p._data, fill=init)
            state["step"] = step = float(state["step"]) + 1.0
            clr = lr / (1 + (step - 1) * lr_decay)
            dt = a.dtype.type
            _k.adagrad_step(a, g, acc, dt(-clr), dt(eps), dt(wd), wd != 0, maximize)
            self._finish(p, a, wb)
