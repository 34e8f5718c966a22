"""``SparseAdam``: the lazy (masked) Adam of ``torch.optim.SparseAdam``, on dense gradients.

numbagrad has no sparse tensors, so ``SparseAdam`` here takes the dense gradient and
treats its *nonzero rows* as the materialized entries of PyTorch's sparse gradient: a
row (an index along dim 0; the whole tensor for a 0-d parameter) whose gradient is zero
everywhere is skipped, exactly as a row absent from ``nn.Embedding(sparse=True)``'s
gradient is. PyTorch itself raises on dense gradients; on the gradient
``g.to_sparse(sparse_dim=1)`` it computes the same numbers as this class on ``g``.
"""
from __future__ import annotations

import math

import numpy as np

from .nadam import _check_betas
from .optimizer import Optimizer, _as_float

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Masked Adam: moments and parameters change only on rows with a nonzero gradient.

    Per parameter with gradient ``g`` at step ``t`` (``step`` counts every step with a
    gradient, as PyTorch's), on the rows ``r`` where ``g`` is nonzero::

        m[r] += (g[r] - m[r]) * (1 - beta1);  v[r] += (g[r]**2 - v[r]) * (1 - beta2)
        p[r] -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m[r] / (sqrt(v[r]) + eps)

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: learning rate (default 1e-3, must be > 0).
        betas: running-average coefficients (default (0.9, 0.999)).
        eps: denominator term (default 1e-8, must be > 0).
        maximize: maximize the objective.

    State:
        ``step`` (int, as PyTorch), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        betas = tuple(_as_float(b, "betas") for b in betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def _validate(self, hp: dict) -> None:
        if not 0.0 < hp["lr"]:
            raise ValueError(f"Invalid learning rate: {hp['lr']}")
        if not 0.0 < hp["eps"]:
            raise ValueError(f"Invalid epsilon value: {hp['eps']}")
        _check_betas(hp)

    def _update_group(self, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, maximize = group["lr"], group["eps"], bool(group.get("maximize", False))
        for u in self._updates(group):
            state = u.state
            if len(state) == 0:
                state["step"] = 0
            m = u.buffer("exp_avg")
            v = u.buffer("exp_avg_sq")
            state["step"] = step = int(state["step"]) + 1
            shape = u.tensor.shape
            rows = shape[0] if len(shape) else 1
            g = (-u.grad if maximize else u.grad).reshape(rows, -1)
            keep = np.flatnonzero(np.any(g != 0, axis=1))
            if keep.size == 0:
                continue
            p2, m2, v2 = (a.reshape(rows, -1) for a in (u.param, m, v))
            gv = g[keep]
            old_m, old_v = m2[keep], v2[keep]
            m_upd = (gv - old_m) * (1 - beta1)
            v_upd = (gv ** 2 - old_v) * (1 - beta2)
            m2[keep] += m_upd
            v2[keep] += v_upd
            numer = m_upd + old_m
            denom = np.sqrt(v_upd + old_v)
            denom += eps
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr * math.sqrt(bias_correction2) / bias_correction1
            p2[keep] += -step_size * (numer / denom)
