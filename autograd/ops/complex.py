"""Complex-specific ops: ``real``, ``imag``, ``conj``, ``angle``, ``sgn``, ``view_as_real``,
``view_as_complex``, ``complex``, ``polar``.

Gradients follow PyTorch's convention for complex numbers ("Autograd for Complex
Numbers"): for a real loss ``L`` and ``z = x + iy``, ``z.grad = dL/dx + i dL/dy``, and an
op's backward returns ``grad * conj(df/dz) + conj(grad) * df/dz*`` (for a holomorphic ``f``
just ``grad * conj(f'(z))``). A gradient flowing into a real input is the real part of
that (the engine takes it). Backwards are written with differentiable ops, so double
backward works.

**Differs:** PyTorch's ``conj`` is lazy (a conjugate bit on a view) and ``real``/``imag``/
``view_as_real`` are views; here ``conj`` copies, ``real``/``imag``/``view_as_real`` are
NumPy views of the input where NumPy allows (written in place under ``no_grad`` they
write through, as in PyTorch; under grad mode an in-place write to them raises).
"""
from __future__ import annotations

import builtins

import numpy as np

from .. import dtypes as _dt
from ..node import Op
from ..tensor import Tensor, _wrap
from ._args import require_tensor

__all__ = [
    "real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_complex",
    "is_conj", "is_neg", "angle", "sgn", "view_as_real", "view_as_complex", "complex",
    "polar",
]


def _is_c(x: object) -> bool:
    return isinstance(x, Tensor) and x._data.dtype.kind == "c"


def conj_if_complex(x: object) -> object:
    """``conj(x)`` for a complex Tensor or Python complex; anything else unchanged (no
    node). Backward formulas use it to turn ``f'(z)`` into ``conj(f'(z))``."""
    if isinstance(x, Tensor):
        return Conj.apply(x) if x._data.dtype.kind == "c" else x
    if isinstance(x, (builtins.complex, np.complexfloating)):
        return builtins.complex(x).conjugate()
    return x


class Real(Op):
    """out = Re(a) (a complex); gradient ``grad`` (a real gradient for the real part)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        return a.real

    @staticmethod
    def backward(ctx, grad):
        return Complex.apply(grad, grad * 0.0)


class Imag(Op):
    """out = Im(a) (a complex); gradient ``i * grad``."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        return a.imag

    @staticmethod
    def backward(ctx, grad):
        return Complex.apply(grad * 0.0, grad)


def real(input: Tensor) -> Tensor:
    """The real part of ``input`` (float32 for complex64); a real tensor is returned as is.
    Shape: same as ``input``."""
    if not _is_c(input):
        return input
    return Real.apply(input)


def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex ``input`` (float32 for complex64). Shape: same as
    ``input``. A real tensor raises RuntimeError (as PyTorch)."""
    if not _is_c(input):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag.apply(input)


class Conj(Op):
    """out = conj(a); gradient ``conj(grad)``."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        return np.conjugate(a)

    @staticmethod
    def backward(ctx, grad):
        return Conj.apply(grad)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; a real tensor is returned as is (as PyTorch). Shape: same as
    ``input``. **Differs:** a copy, not PyTorch's lazy conjugate view."""
    if not _is_c(input):
        return input
    return Conj.apply(input)


def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate, computed at once (same as :func:`conj` here)."""
    return conj(input)


def resolve_conj(input: Tensor) -> Tensor:
    """``input`` itself: conjugation is never lazy here."""
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """``input`` itself: negation is never lazy here."""
    return input


def is_conj(input: Tensor) -> bool:
    """False: numbagrad has no lazy conjugate bit."""
    return False


def is_neg(input: Tensor) -> bool:
    """False: numbagrad has no lazy negative bit."""
    return False


def is_complex(input: Tensor) -> bool:
    """True when ``input``'s dtype is complex64 or complex128."""
    require_tensor("is_complex", input)
    return _is_c(input)


class Angle(Op):
    """out = arg(a) in (-pi, pi]. Complex ``a``: gradient ``grad * i z / |z|**2`` (0 at
    0); real ``a``: 0 (PyTorch's ``angle_backward``)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        out = np.angle(a)
        if a.dtype.kind != "c":  # NumPy's angle of a real array is float64; and nan stays nan
            out = np.where(np.isnan(a), a, out).astype(a.dtype)
        return out

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.inputs
        if not _is_c(z):
            return grad * 0.0
        r2 = z.real * z.real + z.imag * z.imag
        zero = _wrap_bool(r2._data == 0)
        safe = _where(zero, 1.0, r2)
        return _where(zero, 0.0, grad * z * 1j / safe)


def angle(input: Tensor) -> Tensor:
    """The argument (phase) of each element, in radians; for real input 0 or pi (nan kept).
    Integer input gives the default float dtype. Shape: same as ``input``."""
    if input._data.dtype.kind in "biu":
        input = input.to(_dt.get_default_dtype())
    return Angle.apply(input)


class Sgn(Op):
    """out = z / |z| (0 at 0), the complex sign. Gradient (PyTorch's ``sgn_backward``):
    ``(grad - sgn**2 * conj(grad)) / (2 |z|)``, 0 at 0."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        r = np.abs(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(r == 0, 0, a / np.where(r == 0, 1, r)).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.inputs
        s = ctx.output
        r = z.abs()
        zero = _wrap_bool(r._data == 0)
        safe = _where(zero, 1.0, r)
        return _where(zero, 0.0, (grad - s * s * conj(grad)) / (safe * 2.0))


def sgn(input: Tensor) -> Tensor:
    """``z / |z|`` for complex input (0 where ``z == 0``), ``sign`` for real input.
    Shape: same as ``input``."""
    if not _is_c(input):
        return input.sign()
    return Sgn.apply(input)


class ViewAsReal(Op):
    """out[..., 0] = Re(a), out[..., 1] = Im(a); gradient ``view_as_complex(grad)``."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        part = a.real.dtype
        if a.ndim and a.strides[-1] == a.itemsize or a.ndim == 0:
            return a[..., None].view(part)  # a NumPy view, as PyTorch's
        return np.stack((a.real, a.imag), axis=-1)

    @staticmethod
    def backward(ctx, grad):
        return ViewAsComplex.apply(grad)


class ViewAsComplex(Op):
    """out = a[..., 0] + i a[..., 1]; gradient ``view_as_real(grad)``."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        cdt = np.result_type(a.dtype, np.complex64)
        a = np.ascontiguousarray(a)
        return a.view(cdt)[..., 0]

    @staticmethod
    def backward(ctx, grad):
        return ViewAsReal.apply(grad)


def view_as_real(input: Tensor) -> Tensor:
    """A complex tensor as a real one with a last dimension of size 2 (real, imaginary).
    Shape: ``(*)`` complex -> ``(*, 2)`` real (float32 for complex64)."""
    if not _is_c(input):
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)


def view_as_complex(input: Tensor) -> Tensor:
    """A real tensor whose last dimension has size 2 (real, imaginary) as a complex one.
    Shape: ``(*, 2)`` float32/float64 -> ``(*)`` complex64/complex128."""
    d = input._data.dtype
    if d not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {_dt.scalar_name(d)}")
    if input._data.ndim == 0 or input._data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return ViewAsComplex.apply(input)


class Complex(Op):
    """out = re + i im (broadcast); gradients ``Re(grad)`` and ``Im(grad)``."""

    complex_ok = True

    @staticmethod
    def forward(ctx, re, im):
        shape = np.broadcast_shapes(np.shape(re), np.shape(im))
        out = np.empty(shape, dtype=np.result_type(re.dtype, np.complex64))
        # assigned part by part: ``re + 1j * im`` would turn an infinite im into nan + inf j
        out.real = re
        out.imag = im
        return out

    @staticmethod
    def backward(ctx, grad):
        n = ctx.needs_input_grad
        return (Real.apply(grad) if n[0] else None, Imag.apply(grad) if n[1] else None)


def _check_parts(op: str, a: Tensor, b: Tensor) -> None:
    require_tensor(op, a, "real" if op == "complex" else "abs", 1)
    require_tensor(op, b, "imag" if op == "complex" else "angle", 2)
    da, db = a._data.dtype, b._data.dtype
    if da.kind != "f" or db.kind != "f":
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_dt.scalar_name(da)} and {_dt.scalar_name(db)}")
    if da != db:
        raise RuntimeError(f"Expected object of scalar type {_dt.scalar_name(da)} but got "
                           f"scalar type {_dt.scalar_name(db)} for second argument")
    if da == _dt.float16:
        raise NotImplementedError(f"{op}: float16 parts would make complex32 (ComplexHalf), "
                                  f"which numbagrad cannot store (NumPy has no such type)")


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """``real + i * imag`` with broadcasting; both float32 (-> complex64) or both float64
    (-> complex128)."""
    _check_parts("complex", real, imag)
    return Complex.apply(real, imag)


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """``abs * (cos(angle) + i sin(angle))`` with broadcasting; both float32 (-> complex64)
    or both float64 (-> complex128). Differentiable in both through the composition."""
    _check_parts("polar", abs, angle)
    return Complex.apply(abs * angle.cos(), abs * angle.sin())


# -- helpers -----------------------------------------------------------------------
def _wrap_bool(mask: np.ndarray) -> Tensor:
    return _wrap(np.asarray(mask))


def _where(cond: Tensor, a: Tensor | float, b: Tensor | float) -> Tensor:
    from .elementwise import where  # lazy: elementwise imports this module
    return where(cond, a, b)
