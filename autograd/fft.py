"""``torch.fft``: discrete Fourier transforms, differentiable, with PyTorch's signatures.

``fft``/``ifft``/``fftn``... (complex to complex), ``rfft``/``rfftn``... (real input, the
one-sided half spectrum over the last transformed dim), ``irfft``/``irfftn``... (one-sided
spectrum to a real signal), ``hfft``/``ihfft`` (Hermitian time signals), the sample
frequencies ``fftfreq``/``rfftfreq`` and ``fftshift``/``ifftshift``. ``norm`` is
``"backward"`` (default: no scaling forward, ``1/n`` on the inverse), ``"ortho"``
(``1/sqrt(n)`` both ways) or ``"forward"`` (``1/n`` forward).

Dtypes are PyTorch's: float32 (and integer/bool, via the default dtype) input gives
complex64, float64 gives complex128; the inverse real transforms give float32/float64.
NumPy's pocketfft computes the transforms.

Gradients follow PyTorch's complex convention (see :mod:`autograd.ops.complex`). A
transform is linear, so its backward is its adjoint, again a transform: the adjoint of a
complex transform with ``norm`` is the opposite-direction transform with the dual norm
(``backward`` <-> ``forward``, ``ortho`` stays); the adjoint of ``rfft`` zero-pads the half
spectrum, inverts and keeps the real part; that of ``irfft`` is ``rfft`` with the entries
that stand for two conjugate bins doubled (PyTorch's ``fft_c2r_backward``); zero-padding
and trimming (``n``/``s``) are each other's adjoints. All are written with these ops, so
double backward works.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes as _dt
from .node import Op
from .ops.complex import conj, real
from .ops.shape import roll
from .tensor import Tensor, _wrap

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
    "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq",
    "rfftfreq", "fftshift", "ifftshift",
]

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


# ---------------------------------------------------------------------------
# The ops: forward on arrays, backward with these same ops (adjoints)
# ---------------------------------------------------------------------------
class _Resize(Op):
    """out = a trimmed or zero-padded (at the end) to ``sizes`` along ``dims``; the
    gradient is the opposite resize (trimming and zero-padding are adjoint)."""

    op_name = "fft"
    complex_ok = True

    @staticmethod
    def forward(ctx, a, dims, sizes):
        shape = list(a.shape)
        keep = [slice(None)] * a.ndim
        for d, n in zip(dims, sizes):
            keep[d] = slice(0, min(n, shape[d]))
            shape[d] = n
        out = np.zeros(shape, dtype=a.dtype)
        out[tuple(keep)] = a[tuple(keep)]
        return out

    @staticmethod
    def backward(ctx, grad):
        x, dims = ctx._inputs[0], ctx._inputs[1]  # only the input's shape is needed
        return _Resize.apply(grad, dims, tuple(x._data.shape[d] for d in dims)), None, None


def _resize(x: Tensor, dims: tuple[int, ...], sizes: tuple[int, ...]) -> Tensor:
    if all(x._data.shape[d] == n for d, n in zip(dims, sizes)):
        return x
    return _Resize.apply(x, dims, sizes)


class _C2C(Op):
    """out = the complex DFT over ``dims`` (``inverse``: the inverse DFT) with ``norm``.
    Gradient: the opposite-direction transform with the dual norm (the adjoint)."""

    op_name = "fft"
    complex_ok = True

    @staticmethod
    def forward(ctx, a, dims, norm, inverse):
        f = np.fft.ifftn if inverse else np.fft.fftn
        out = f(a, axes=dims, norm=norm)
        return out.astype(_complex_of(a.dtype), copy=False)

    @staticmethod
    def backward(ctx, grad):
        _, dims, norm, inverse = ctx._inputs
        return _C2C.apply(grad, dims, _DUAL[norm], not inverse), None, None, None


class _R2C(Op):
    """out = the one-sided DFT of a real ``a`` over ``dims`` (the last one halved to
    ``n // 2 + 1``). Gradient: the half spectrum zero-padded to ``n``, transformed back
    with the dual norm, real part."""

    op_name = "rfft"
    complex_ok = True

    @staticmethod
    def forward(ctx, a, dims, norm):
        out = np.fft.rfftn(a, axes=dims, norm=norm)
        return out.astype(_complex_of(a.dtype), copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, dims, norm = ctx._inputs
        last = dims[-1]
        full = _resize(grad, (last,), (x._data.shape[last],))
        return real(_C2C.apply(full, dims, _DUAL[norm], True)), None, None


class _C2R(Op):
    """out = the real inverse of a one-sided spectrum ``a`` (last dim ``n // 2 + 1``) over
    ``dims``, with ``n`` points along the last one; NumPy's (and PyTorch's) C2R ignores
    the imaginary parts of the bins that are their own conjugates. Gradient: ``rfft`` with
    the dual norm, the bins that stand for two conjugate bins doubled."""

    op_name = "irfft"
    complex_ok = True

    @staticmethod
    def forward(ctx, a, dims, norm, n):
        s = [a.shape[d] for d in dims[:-1]] + [n]
        out = np.fft.irfftn(a, s=s, axes=dims, norm=norm)
        return out.astype(a.real.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, dims, norm, n = ctx._inputs
        g = _R2C.apply(grad, dims, _DUAL[norm])
        m = x._data.shape[dims[-1]]
        if n - m > 0:
            w = np.ones(m, dtype=grad._data.dtype)
            w[1:n - m + 1] = 2.0
            g = g * _wrap(w.reshape((m,) + (1,) * (grad._data.ndim - 1 - dims[-1])))
        return g, None, None, None


def _complex_of(d: np.dtype) -> np.dtype:
    return np.dtype(np.complex128) if d in (np.float64, np.complex128) else np.dtype(np.complex64)


# ---------------------------------------------------------------------------
# Argument handling (PyTorch's canonicalisation of n/s, dim and norm)
# ---------------------------------------------------------------------------
def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _input(op: str, x: Any, kind: str) -> Tensor:
    """``x`` in the dtype the transform computes in: ``kind`` "c" (complex or real in),
    "r" (real in), "h" (complex in: real input becomes complex)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    d = x._data.dtype
    if d == _dt.float16:
        raise RuntimeError("Unsupported dtype Half")
    if d.kind in "biu":
        x = x.to(_dt.get_default_dtype())
        d = x._data.dtype
    if kind == "r" and d.kind == "c":
        raise RuntimeError(f"{op} expects a real input tensor, but got {_dt.scalar_name(d)}")
    if kind == "h" and d.kind != "c":
        x = x.to(_complex_of(d))
    return x


def _dims(op: str, x: Tensor, s: Sequence[int] | int | None, dim: Sequence[int] | int | None,
          ) -> tuple[tuple[int, ...], list[int] | None]:
    """Normalised transform dims and the requested sizes (``-1``: the input's) or None."""
    ndim = x._data.ndim
    if isinstance(s, (int, np.integer)):
        s = (int(s),)
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is not None:
        dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                               f"{ndim} dimensions.")
        dims = tuple(range(ndim - len(s), ndim))
    else:
        dims = tuple(range(ndim))
    return dims, None if s is None else [int(v) for v in s]


def _wrap_dim(d: int, ndim: int) -> int:
    if ndim == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    if not -ndim <= d < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {d})")
    return d + ndim if d < 0 else d


def _sizes(x: Tensor, dims: tuple[int, ...], s: list[int] | None) -> tuple[int, ...]:
    sizes = tuple(x._data.shape[d] if s is None or s[i] == -1 else s[i]
                  for i, d in enumerate(dims))
    for n in sizes:
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return sizes


def _one(n: int | None) -> list[int] | None:
    return None if n is None else [n]


# ---------------------------------------------------------------------------
# The n-dimensional transforms; the 1-D and 2-D ones call these
# ---------------------------------------------------------------------------
def _c2c(op: str, input: Tensor, s: Any, dim: Any, norm: str | None, inverse: bool) -> Tensor:
    x = _input(op, input, "c")
    dims, req = _dims(op, x, s, dim)
    norm = _norm(norm)
    x = _resize(x, dims, _sizes(x, dims, req))
    if not dims:
        return x.to(_complex_of(x._data.dtype))
    return _C2C.apply(x, dims, norm, inverse)


def _r2c(op: str, input: Tensor, s: Any, dim: Any, norm: str | None) -> Tensor:
    x = _input(op, input, "r")
    dims, req = _dims(op, x, s, dim)
    norm = _norm(norm)
    if not dims:
        raise RuntimeError(f"{op} must transform at least one axis")
    x = _resize(x, dims, _sizes(x, dims, req))
    return _R2C.apply(x, dims, norm)


def _c2r(op: str, input: Tensor, s: Any, dim: Any, norm: str | None) -> Tensor:
    x = _input(op, input, "h")
    dims, req = _dims(op, x, s, dim)
    norm = _norm(norm)
    if not dims:
        raise RuntimeError(f"{op} must transform at least one axis")
    last = dims[-1]
    if req is None or req[-1] == -1:
        n = 2 * (x._data.shape[last] - 1)
    else:
        n = req[-1]
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    sizes = list(_sizes(x, dims[:-1], None if req is None else req[:-1])) + [n // 2 + 1]
    x = _resize(x, dims, tuple(sizes))
    return _C2R.apply(x, dims, norm, n)


def fftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
         norm: str | None = None) -> Tensor:
    """N-dimensional DFT over ``dim`` (default: all dims, or the last ``len(s)``).

    Args:
        input: real or complex tensor.
        s: signal size per transformed dim (zero-padded or trimmed; -1 keeps the size).
        dim: dims to transform.
        norm: ``"backward"`` (default), ``"ortho"`` or ``"forward"``.

    Returns:
        Complex tensor (complex64 for float32 input), the input's shape with ``s`` applied.
    """
    return _c2c("fftn", input, s, dim, norm, False)


def ifftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None) -> Tensor:
    """N-dimensional inverse DFT (see :func:`fftn`; ``"backward"`` scales by ``1/n``)."""
    return _c2c("ifftn", input, s, dim, norm, True)


def rfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None) -> Tensor:
    """N-dimensional DFT of a real input; the last transformed dim keeps the
    ``n // 2 + 1`` non-negative frequencies. Shape: as :func:`fftn` with that dim halved."""
    return _r2c("rfftn", input, s, dim, norm)


def irfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
           norm: str | None = None) -> Tensor:
    """Inverse of :func:`rfftn`: a one-sided spectrum to a real signal. The last
    transformed dim has ``s[-1]`` points (default ``2 * (m - 1)`` for ``m`` input bins).
    Returns float32 for complex64 input."""
    return _c2r("irfftn", input, s, dim, norm)


def hfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None) -> Tensor:
    """N-dimensional DFT of a signal that is Hermitian-symmetric in the last dim, given by
    its one-sided half: a real result (``irfftn`` of the conjugate with the opposite
    scaling). Shape: as :func:`irfftn`."""
    return _c2r("hfftn", conj(_input("hfftn", input, "h")), s, dim, _DUAL[_norm(norm)])


def ihfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
           norm: str | None = None) -> Tensor:
    """Inverse of :func:`hfftn`: the one-sided inverse DFT of a real input (the conjugate
    of ``rfftn`` with the opposite scaling). Shape: as :func:`rfftn`."""
    return conj(_r2c("ihfftn", input, s, dim, _DUAL[_norm(norm)]))


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """1-D DFT along ``dim``, with the signal zero-padded or trimmed to ``n`` points.
    Shape: the input's with ``dim`` of size ``n``; complex output."""
    return _c2c("fft", input, _one(n), (dim,), norm, False)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """1-D inverse DFT along ``dim`` (see :func:`fft`)."""
    return _c2c("ifft", input, _one(n), (dim,), norm, True)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """1-D DFT of a real input: the ``n // 2 + 1`` non-negative frequencies along ``dim``."""
    return _r2c("rfft", input, _one(n), (dim,), norm)


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """Inverse of :func:`rfft`: ``n`` real points (default ``2 * (m - 1)``) from ``m``
    one-sided bins along ``dim``."""
    return _c2r("irfft", input, _one(n), (dim,), norm)


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """1-D DFT of a Hermitian-symmetric signal given by its one-sided half: ``n`` real
    points (default ``2 * (m - 1)``)."""
    return _c2r("hfft", conj(_input("hfft", input, "h")), _one(n), (dim,), _DUAL[_norm(norm)])


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """Inverse of :func:`hfft`: the ``n // 2 + 1`` one-sided bins of the inverse DFT of a
    real input."""
    return conj(_r2c("ihfft", input, _one(n), (dim,), _DUAL[_norm(norm)]))


def fft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
         norm: str | None = None) -> Tensor:
    """2-D DFT over ``dim`` (default the last two): :func:`fftn` with two dims."""
    return _c2c("fft2", input, s, dim, norm, False)


def ifft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Tensor:
    """2-D inverse DFT over ``dim`` (default the last two)."""
    return _c2c("ifft2", input, s, dim, norm, True)


def rfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Tensor:
    """2-D DFT of a real input over ``dim``; the last one keeps ``n // 2 + 1`` bins."""
    return _r2c("rfft2", input, s, dim, norm)


def irfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
           norm: str | None = None) -> Tensor:
    """Inverse of :func:`rfft2`: a real signal over ``dim``."""
    return _c2r("irfft2", input, s, dim, norm)


def hfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Tensor:
    """2-D :func:`hfftn` over ``dim`` (default the last two)."""
    return hfftn(input, s, dim, norm)


def ihfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
           norm: str | None = None) -> Tensor:
    """2-D :func:`ihfftn` over ``dim`` (default the last two)."""
    return ihfftn(input, s, dim, norm)


# ---------------------------------------------------------------------------
# Frequencies and shifts
# ---------------------------------------------------------------------------
def _freq(op: str, values: np.ndarray, n: int, d: float, dtype: Any,
          requires_grad: bool, device: Any) -> Tensor:
    _dt.check_device(device)
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if dt.kind not in "fc":
        raise RuntimeError(f"{op} requires a floating point or complex dtype")
    if dt.kind == "c":  # PyTorch names complex but its arange then refuses it
        raise _dt.no_kernel("arange_cpu", dt)
    with np.errstate(invalid="ignore", divide="ignore"):  # rfftfreq(0) is [nan], as PyTorch
        out = Tensor((values / (n * d)).astype(dt))
    return out.requires_grad_(True) if requires_grad else out


def _check_n(n: int) -> None:
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")


def fftfreq(n: int, d: float = 1.0, *, dtype: Any = None, layout: Any = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point DFT with sample spacing ``d``:
    ``[0, 1, ..., (n-1)//2, -(n//2), ..., -1] / (d * n)``. Shape: ``(n,)``; the default
    float dtype unless ``dtype`` is given."""
    _check_n(n)
    k = np.arange(n, dtype=np.float64)
    k[(n + 1) // 2:] -= n
    return _freq("fftfreq", k, n, d, dtype, requires_grad, device)


def rfftfreq(n: int, d: float = 1.0, *, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """The non-negative sample frequencies of an ``n``-point real DFT:
    ``[0, 1, ..., n // 2] / (d * n)``. Shape: ``(n // 2 + 1,)``."""
    _check_n(n)
    return _freq("rfftfreq", np.arange(n // 2 + 1, dtype=np.float64), n, d, dtype,
                 requires_grad, device)


def _shift(input: Tensor, dim: Any, inverse: bool) -> Tensor:
    ndim = input._data.ndim
    if dim is None:
        dims = tuple(range(ndim))
    else:
        dims = tuple(_wrap_dim(int(d), ndim)
                     for d in ((dim,) if isinstance(dim, (int, np.integer)) else dim))
    if not dims:
        return input
    shape = input._data.shape
    shifts = tuple((shape[d] + 1) // 2 if inverse else shape[d] // 2 for d in dims)
    return roll(input, shifts, dims)


def fftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Move the zero frequency to the centre: roll each dim in ``dim`` (default all) by
    ``size // 2``. Shape: unchanged; differentiable."""
    return _shift(input, dim, False)


def ifftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Inverse of :func:`fftshift`: roll each dim by ``(size + 1) // 2``."""
    return _shift(input, dim, True)
