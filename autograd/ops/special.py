"""Special functions and the Gamma sample's reparameterisation gradient, as differentiable
ops: ``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``, ``erfinv`` (PyTorch's
``torch.lgamma`` etc.), and the ops torch.distributions builds Gamma/Beta/Dirichlet
``rsample`` on.

Backward chains stay inside the family (lgamma' = digamma, digamma' = polygamma(1),
polygamma(n)' = polygamma(n + 1), erfinv' = sqrt(pi)/2 exp(erfinv^2)), so every order of
derivative works. The kernels live in ``autograd.kernels.special`` / ``.sampling``.
"""
from __future__ import annotations

import math

import numpy as np

from ..dtypes import get_default_dtype, no_kernel
from ..kernels import sampling as _sampling
from ..kernels import special as _special
from ..node import Op
from ..tensor import Tensor, _wrap
from ._args import require_number, require_tensor
from .elementwise import _promote, exp, mul

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "erfinv", "gammainc",
           "standard_gamma_rsample"]


def _float_input(op: str, input: object) -> Tensor:
    """A float op's input: integer/bool tensors become the default float dtype (PyTorch)."""
    t = require_tensor(op, input)
    if t._data.dtype.kind == "c":
        raise no_kernel(op, t._data.dtype)
    if t._data.dtype.kind not in "f":
        return _wrap(t._data.astype(get_default_dtype()))
    return t


class Lgamma(Op):
    """out = log|Gamma(a)|."""

    @staticmethod
    def forward(ctx, a):
        return _special.lgamma(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * Digamma.apply(a)


def lgamma(input: Tensor) -> Tensor:
    """Elementwise log of the absolute Gamma function (+inf at 0, -1, -2, ...)."""
    return Lgamma.apply(_float_input("lgamma", input))


class Digamma(Op):
    """out = psi(a) = d lgamma(a) / da."""

    @staticmethod
    def forward(ctx, a):
        return _special.digamma(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * Polygamma.apply(a, n=1)


def digamma(input: Tensor) -> Tensor:
    """Elementwise digamma psi(x) (-inf at 0, nan at the negative integers, as PyTorch)."""
    return Digamma.apply(_float_input("digamma", input))


class Polygamma(Op):
    """out = psi^(n)(a), the n-th derivative of digamma (n >= 1)."""

    @staticmethod
    def forward(ctx, a, *, n):
        ctx.n = n
        return _special.polygamma(n, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * Polygamma.apply(a, n=ctx.n + 1)


def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of digamma, elementwise (``n`` >= 0; n = 0 is digamma)."""
    n = require_number("polygamma", "n", n, integral=True)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = _float_input("polygamma", input)
    return Digamma.apply(x) if n == 0 else Polygamma.apply(x, n=n)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """Multivariate log-gamma of dimension ``p``:
    p(p-1)/4 log(pi) + sum_{j=0}^{p-1} lgamma(x - j/2); every element must exceed (p-1)/2."""
    x = _float_input("mvlgamma", input)
    p = require_number("mvlgamma", "p", p, integral=True)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if bool(np.any(x._data <= (p - 1) / 2)):
        raise RuntimeError(f"All elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    out = lgamma(x)
    for j in range(1, p):
        out = out + lgamma(x - j / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)


class Erfinv(Op):
    """out = erfinv(a) on [-1, 1]."""

    @staticmethod
    def forward(ctx, a):
        return _special.erfinv(a)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * (math.sqrt(math.pi) / 2) * exp(y * y)


def erfinv(input: Tensor) -> Tensor:
    """Inverse error function, elementwise (+-inf at +-1, nan outside [-1, 1])."""
    return Erfinv.apply(_float_input("erfinv", input))


class Gammainc(Op):
    """out = P(a, x), the regularised lower incomplete gamma function. Like PyTorch, it is
    differentiable in ``x`` only (d/dx = x^(a-1) e^-x / Gamma(a))."""

    @staticmethod
    def forward(ctx, a, x):
        return _special.gammainc(a, x)

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.inputs
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        density = exp((a - 1) * x.log() - x - lgamma(a))
        return None, grad * density


def gammainc(input: Tensor, other: Tensor) -> Tensor:
    """Regularised lower incomplete gamma P(input, other), elementwise with broadcasting
    (``torch.special.gammainc``)."""
    a = _float_input("gammainc", input)
    x = _float_input("gammainc", other)
    a, x = _promote(a, x)  # PyTorch's result dtype (float32 with float64 -> float64)
    return Gammainc.apply(a, x)


class StandardGammaRsample(Op):
    """out = ``sample`` (a Gamma(alpha, 1) draw made outside, from the engine's generator),
    with the implicit reparameterisation gradient d sample / d alpha attached."""

    @staticmethod
    def forward(ctx, alpha, sample):
        return sample.copy()

    @staticmethod
    def backward(ctx, grad):
        alpha, _ = ctx.inputs
        return mul(grad, StandardGammaGrad.apply(alpha, ctx.output)), None


class StandardGammaGrad(Op):
    """out = d x / d alpha for Gamma(alpha, 1) samples x (PyTorch's _standard_gamma_grad).
    Like PyTorch's, it has no derivative of its own."""

    @staticmethod
    def forward(ctx, alpha, x):
        return _sampling.standard_gamma_grad(alpha, x)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("the derivative for '_standard_gamma_grad' is not implemented.")


def standard_gamma_rsample(alpha: Tensor, sample: Tensor) -> Tensor:
    """``sample`` (Gamma(alpha, 1) draws of alpha's shape, no graph) as a differentiable
    function of ``alpha`` through the implicit reparameterisation gradient."""
    return StandardGammaRsample.apply(alpha, sample)
