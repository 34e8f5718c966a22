"""``torch.nn.utils.parametrizations``: ``weight_norm`` and ``spectral_norm`` as
parametrizations."""
from __future__ import annotations

import autograd
from autograd import _inplace

from ..modules.module import Module
from . import parametrize
from .spectral_norm import _as_matrix, _default_dim, _normalize
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["weight_norm", "spectral_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name: str = "weight", dim: int | None = 0):
    """Weight normalisation as a parametrization: ``module.<name>`` is computed as
    ``original1 * original0 / ||original1||`` (``original0`` = g, the magnitude, shaped
    like the norm over every dim but ``dim``; ``original1`` = v), stored under
    ``parametrizations.<name>.original0`` / ``original1`` (PyTorch's keys). ``dim=None``
    takes the norm of the whole tensor. Returns ``module``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """``weight / sigma``, ``sigma = u . (W v)`` with ``W`` the weight as a matrix (dim
    ``dim`` first). Buffers ``_u``, ``_v``: drawn at random, normalised, and refined by 15
    power iterations when built; in training mode every evaluation first runs
    ``n_power_iterations`` steps ``u = normalize(W v)``, ``v = normalize(W^T u)`` (in
    place, without gradient). A 1-D weight is just normalised."""

    def __init__(self, weight, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with autograd.no_grad():
                weight_mat = _as_matrix(weight.detach(), self.dim)
                h, w = weight_mat.shape
                u = autograd.empty(h, dtype=weight.dtype).normal_(0, 1)
                v = autograd.empty(w, dtype=weight.dtype).normal_(0, 1)
                self.register_buffer("_u", _normalize(u, eps).detach())
                self.register_buffer("_v", _normalize(v, eps).detach())
            self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat, n_power_iterations: int) -> None:
        with autograd.no_grad():
            w = weight_mat.detach()
            for _ in range(n_power_iterations):
                _inplace.copy_into(self._u, _normalize(w.mv(self._v), self.eps))
                _inplace.copy_into(self._v, _normalize(w.t().mv(self._u), self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return weight / weight.norm(2, 0, keepdim=True).clamp(min=self.eps)
        weight_mat = _as_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.detach().clone(), self._v.detach().clone()
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None):
    """Spectral normalisation as a parametrization: ``module.<name>`` is computed from
    ``parametrizations.<name>.original`` divided by its spectral norm (estimated by power
    iteration; buffers ``parametrizations.<name>.0._u`` / ``_v``, PyTorch's keys).
    ``dim`` defaults to 0, or 1 for transposed convolutions. Returns ``module``."""
    weight = getattr(module, name, None)
    if not isinstance(weight, autograd.Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = _default_dim(module)
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
