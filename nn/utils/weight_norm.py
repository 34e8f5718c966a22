"""The original weight normalisation: ``weight_norm(module)`` replaces the parameter
``weight`` by ``weight_g`` (magnitude) and ``weight_v`` (direction) and recomputes
``weight = v * g / ||v||`` before every forward (a forward pre-hook), as
``torch.nn.utils.weight_norm``. ``remove_weight_norm`` folds them back.

``dim`` is the dim kept by the norm (one magnitude per slice along it); ``dim=None`` (or
-1, as in PyTorch) takes the norm of the whole tensor.
"""
from __future__ import annotations

from typing import Any

import autograd

from ..parameter import Parameter

__all__ = ["WeightNorm", "norm_except_dim", "weight_norm", "remove_weight_norm"]


def norm_except_dim(v, pow: float = 2, dim: int = 0):
    """The ``pow``-norm of ``v`` over every dim but ``dim`` (kept, others size 1);
    ``dim=-1`` gives the norm of the whole tensor (0-d)."""
    if dim == -1:
        return v.norm(pow)
    dim = dim % v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    if not others:
        return v.abs()
    return v.norm(pow, others, keepdim=True)


def _weight_norm(v, g, dim: int):
    """``v * (g / ||v||)`` with the norm taken over every dim but ``dim``."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook behind ``weight_norm`` (PyTorch's class of the same name)."""

    def __init__(self, name: str, dim: int) -> None:
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module) -> Any:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name: str, dim: int) -> WeightNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if type(weight).__name__ == "UninitializedParameter":
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized "
                             "parameters. Make sure to run the dummy forward before applying "
                             "weight normalization")
        del module._parameters[name]
        with autograd.no_grad():
            g = norm_except_dim(weight, 2, dim)
        module.register_parameter(name + "_g", Parameter(g.detach().clone()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module) -> None:
        with autograd.no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name: str = "weight", dim: int = 0):
    """Reparametrise ``module.<name>`` as ``g * v / ||v||``: parameters ``<name>_g``
    (shape of the norm, the dim ``dim`` kept) and ``<name>_v`` (the old weight) replace
    it, and the weight is recomputed before every forward. Returns ``module``."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo ``weight_norm``: ``<name>`` becomes a Parameter again (its current value).
    Returns ``module``; ValueError when there is no weight norm on ``name``."""
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
