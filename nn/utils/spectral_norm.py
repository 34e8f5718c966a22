"""The original spectral normalisation: ``spectral_norm(module)`` replaces the parameter
``weight`` by ``weight_orig`` and the buffers ``weight_u`` / ``weight_v`` (the power
iteration's singular vector estimates), and before every forward (a forward pre-hook)
recomputes ``weight = weight_orig / sigma`` with ``sigma = u . (W v)``, ``W`` being
``weight_orig`` as a matrix (dim ``dim`` first, the rest flattened). In training mode
each forward first runs ``n_power_iterations`` steps of ``v = normalize(W^T u)``,
``u = normalize(W v)`` (in place, without gradient); in eval mode ``u`` and ``v`` are
used as they are. As ``torch.nn.utils.spectral_norm``; ``remove_spectral_norm`` folds
the normalised weight back into a parameter.
"""
from __future__ import annotations

from typing import Any

import autograd
from autograd import _inplace

from ..parameter import Parameter

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def _normalize(x, eps: float):
    """``x / max(||x||_2, eps)`` (PyTorch's ``F.normalize`` of a vector)."""
    return x / x.norm().clamp(min=eps)


def _as_matrix(weight, dim: int):
    """``weight`` with ``dim`` moved first and the other dims flattened: (size[dim], -1)."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def _default_dim(module) -> int:
    """1 for transposed convolutions (their output channels are dim 1), else 0."""
    from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0


class SpectralNorm:
    """The forward pre-hook behind ``spectral_norm`` (PyTorch's class of the same name)."""

    _version = 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight) -> Any:
        return _as_matrix(weight, self.dim)

    def compute_weight(self, module, do_power_iteration: bool) -> Any:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with autograd.no_grad():
                w = weight_mat.detach()
                for _ in range(self.n_power_iterations):
                    _inplace.copy_into(v, _normalize(w.t().mv(u), self.eps))
                    _inplace.copy_into(u, _normalize(w.mv(v), self.eps))
        # copies: later in-place updates of the buffers must not reach this graph
        u, v = u.detach().clone(), v.detach().clone()
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def remove(self, module) -> None:
        with autograd.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name,
                self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if type(weight).__name__ == "UninitializedParameter":
            raise ValueError("The module passed to `SpectralNorm` can't have uninitialized "
                             "parameters. Make sure to run the dummy forward before applying "
                             "spectral normalization")
        with autograd.no_grad():
            weight_mat = fn.reshape_weight_to_matrix(weight.detach())
            h, w = weight_mat.shape
            u = _normalize(autograd.empty(h, dtype=weight.dtype).normal_(0, 1), eps)
            v = _normalize(autograd.empty(w, dtype=weight.dtype).normal_(0, 1), eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        # the raw weight until the first forward, as PyTorch
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u.detach())
        module.register_buffer(name + "_v", v.detach())
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None):
    """Normalise ``module.<name>`` by its spectral norm, estimated by power iteration:
    parameter ``<name>_orig`` and buffers ``<name>_u``, ``<name>_v`` replace it, and the
    weight is recomputed before every forward. ``dim`` (default 0, or 1 for transposed
    convolutions) is the dim of the output channels. Returns ``module``."""
    if dim is None:
        dim = _default_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo ``spectral_norm``: ``<name>`` becomes a Parameter again (the normalised
    weight with the current ``u``, ``v``). Returns ``module``; ValueError when there is no
    spectral norm on ``name``."""
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
