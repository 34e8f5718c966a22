"""``Adam`` (and the decoupled-decay variant used by ``AdamW``), as ``torch.optim.Adam``."""
from __future__ import annotations

from autograd.kernels import optim as _k

from .optimizer import Optimizer, _as_float, _check_nonnegative, _empty

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), with optional AMSGrad and weight decay.

    Per parameter with gradient ``g``, at step ``t`` (PyTorch's single-tensor order)::

        g = -g if maximize
        p = p * (1 - lr * weight_decay)     if decoupled_weight_decay (AdamW)
        g = g + weight_decay * p            otherwise (L2 penalty)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_max, v) if amsgrad else v
        p = p - lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square.
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the AMSGrad variant (running maximum of ``exp_avg_sq``).
        maximize: maximize the objective.
        decoupled_weight_decay: decay the weights directly (AdamW) instead of adding
            an L2 term to the gradient.
        foreach, capturable, differentiable, fused: accepted for compatibility.

    State:
        ``step`` (float), ``exp_avg``, ``exp_avg_sq`` and, with amsgrad,
        ``max_exp_avg_sq`` (parameter-shaped Tensors).

    Raises:
        ValueError: negative lr, eps or weight_decay; a beta outside [0, 1).
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False) -> None:
        betas = tuple(_as_float(b, "betas") for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        _check_nonnegative(hp, "eps")
        betas = hp["betas"]
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        _check_nonnegative(hp, "weight_decay")

    def _update_group(self, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        amsgrad, maximize = bool(group["amsgrad"]), bool(group["maximize"])
        decoupled = bool(group.get("decoupled_weight_decay", False))
        for u in self._updates(group, counted=True):
            a = u.param
            m = u.buffer("exp_avg")
            v = u.buffer("exp_avg_sq")
            vmax = u.buffer("max_exp_avg_sq") if amsgrad else _empty(a.dtype)
            step = u.count_step()
            # Scalars in float64 exactly as PyTorch computes them in Python ...
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bc2_sqrt = bias_correction2 ** 0.5
            # ... then cast to the parameter dtype, as its CPU kernels do.
            dt = a.dtype.type
            w1 = dt(1 - beta1)
            _k.adam_step(a, u.grad, m, v, vmax, w1, bool(abs(w1) < 0.5), dt(1) - w1, dt(beta2),
                         dt(1 - beta2), dt(bc2_sqrt), dt(eps), dt(-step_size), dt(wd),
                         dt(1 - lr * wd), wd != 0 and not decoupled, wd != 0 and decoupled,
                         amsgrad, maximize)
