"""``Rprop``: resilient backpropagation (Riedmiller & Braun), as ``torch.optim.Rprop``."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _as_float

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: per-element step sizes grown by ``etaplus`` while the gradient keeps its
    sign and shrunk by ``etaminus`` when it flips; only the gradient's sign is used.

    Per parameter with gradient ``g``::

        g = -g if maximize;  s = sign(g * prev)
        step_size = clamp(step_size * (etaplus | etaminus | 1 for s > 0 | < 0 | = 0),
                          *step_sizes)
        g[s < 0] = 0;  p -= sign(g) * step_size;  prev = g

    Args:
        params: iterable of Tensors or param-group dicts.
        lr: initial step size (default 1e-2).
        etas: ``(etaminus, etaplus)``, with ``0 < etaminus < 1 < etaplus``.
        step_sizes: ``(min, max)`` bounds of the step size (default (1e-6, 50)).
        capturable, foreach, maximize, differentiable: as PyTorch (all but maximize
            accepted without effect).

    State:
        ``step`` (float), ``prev``, ``step_size`` (parameter-shaped).
    """

    def __init__(self, params, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        etas = tuple(_as_float(e, "etas") for e in etas)
        defaults = dict(lr=lr, etas=etas, step_sizes=tuple(step_sizes), foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict) -> None:
        super()._validate(hp)
        etas = hp["etas"]
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")

    def _update_group(self, group: dict) -> None:
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        maximize = bool(group["maximize"])
        for u in self._updates(group, counted=True):
            p = u.param
            g = -u.grad if maximize else u.grad
            prev = u.buffer("prev")
            step_size = u.buffer("step_size", fill=group["lr"])
            u.count_step()
            sign = np.sign(g * prev)
            factor = np.ones_like(p)
            factor[sign > 0] = etaplus
            factor[sign < 0] = etaminus
            step_size *= factor
            np.clip(step_size, lo, hi, out=step_size)
            g = g.copy()
            g[sign < 0] = 0
            p -= np.sign(g) * step_size
            prev[...] = g
