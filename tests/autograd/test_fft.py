"""``autograd.fft`` without torch: values against NumPy's pocketfft, PyTorch's dtypes and
shapes, argument errors, and float64/complex128 gradcheck + gradgradcheck of every
transform in every norm (the backward of each is its adjoint transform)."""
import numpy as np
import pytest

import autograd
import autograd as torch
from autograd import fft as F
from autograd import gradcheck, gradgradcheck

NORMS = [None, "backward", "ortho", "forward"]


def _c(shape, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return autograd.tensor(data, dtype=autograd.complex128, requires_grad=requires_grad)


def _r(shape, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed)
    return autograd.tensor(rng.standard_normal(shape), requires_grad=requires_grad)


def test_reachable_as_torch_fft():
    from autograd.fft import rfft
    assert torch.fft.rfft is rfft
    assert torch.fft.__name__ == "autograd.fft"


# ------------------------------------------------------------------ values against NumPy
def _np_hfftn(a, s, axes, norm):
    # NumPy has no hfftn: the conjugate's irfftn with the opposite scaling
    swap = {"backward": "forward", "forward": "backward", "ortho": "ortho"}[norm]
    return np.fft.irfftn(np.conj(a), s=s, axes=axes, norm=swap)


ONE_D = [  # (ours, numpy, complex input?, n, dim)
    (F.fft, np.fft.fft, True, None, -1), (F.fft, np.fft.fft, False, 7, 0),
    (F.ifft, np.fft.ifft, True, 3, -1), (F.rfft, np.fft.rfft, False, None, -1),
    (F.rfft, np.fft.rfft, False, 5, 0), (F.irfft, np.fft.irfft, True, None, -1),
    (F.irfft, np.fft.irfft, True, 9, 1), (F.hfft, np.fft.hfft, True, None, -1),
    (F.hfft, np.fft.hfft, True, 5, 0), (F.ihfft, np.fft.ihfft, False, 6, -1),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("i", range(len(ONE_D)))
def test_one_dimensional_transforms_match_numpy(i, norm):
    ours, ref, cplx, n, dim = ONE_D[i]
    x = (_c if cplx else _r)((4, 6), i, requires_grad=False)
    got = ours(x, n=n, dim=dim, norm=norm)
    want = ref(x.numpy(), n=n, axis=dim, norm=norm)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


N_D = [  # (ours, numpy, complex input?, s, dim)
    (F.fftn, np.fft.fftn, True, None, None), (F.fftn, np.fft.fftn, False, (3, 5), (0, 2)),
    (F.ifftn, np.fft.ifftn, True, (2, 2, 7), None), (F.rfftn, np.fft.rfftn, False, None, None),
    (F.rfftn, np.fft.rfftn, False, (5,), (1,)), (F.irfftn, np.fft.irfftn, True, None, (0, 1)),
    (F.irfftn, np.fft.irfftn, True, (4, 7), None), (F.hfftn, _np_hfftn, True, (3, 5), (1, 2)),
    (F.fft2, np.fft.fft2, True, (4, 4), (-2, -1)), (F.ifft2, np.fft.ifft2, False, None, (0, 1)),
    (F.rfft2, np.fft.rfft2, False, (3, 4), (-2, -1)), (F.irfft2, np.fft.irfft2, True, None, (-2, -1)),
]


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
@pytest.mark.parametrize("i", range(len(N_D)))
def test_n_dimensional_transforms_match_numpy(i, norm):
    ours, ref, cplx, s, dim = N_D[i]
    x = (_c if cplx else _r)((2, 3, 4), i, requires_grad=False)
    got = ours(x, s=s, dim=dim, norm=norm) if dim is not None else ours(x, s=s, norm=norm)
    axes = dim if dim is not None else (None if s is None else tuple(range(3 - len(s), 3)))
    want = ref(x.numpy(), s=s, axes=axes, norm=norm)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


def test_ihfftn_is_the_inverse_of_hfftn():
    x = _r((4, 6), requires_grad=False)
    for norm in ("backward", "ortho", "forward"):
        spec = F.ihfft2(x, norm=norm)
        assert spec.shape == (4, 4)
        np.testing.assert_allclose(F.hfft2(spec, s=(4, 6), norm=norm).numpy(), x.numpy(),
                                   atol=1e-12)
        np.testing.assert_allclose(spec.numpy(), np.conj(np.fft.rfftn(
            x.numpy(), norm={"backward": "forward", "forward": "backward",
                             "ortho": "ortho"}[norm])), atol=1e-12)


# ------------------------------------------------------------------ dtypes and shapes
@pytest.mark.parametrize("dtype, out", [
    ("float32", "complex64"), ("float64", "complex128"), ("int64", "complex64"),
    ("bool", "complex64"), ("complex64", "complex64"), ("complex128", "complex128")])
def test_complex_transform_dtypes(dtype, out):
    x = autograd.ones(4, dtype=getattr(autograd, dtype))
    assert F.fft(x).dtype == np.dtype(out)
    assert F.ifftn(x).dtype == np.dtype(out)


def test_real_transform_dtypes():
    assert F.rfft(autograd.ones(4)).dtype == np.complex64
    assert F.rfft(autograd.ones(4, dtype=autograd.float64)).dtype == np.complex128
    assert F.irfft(autograd.ones(3, dtype=autograd.cfloat)).dtype == np.float32
    assert F.irfft(autograd.ones(3, dtype=autograd.cdouble)).dtype == np.float64
    assert F.irfft(autograd.ones(3)).dtype == np.float32        # real input is taken as complex
    assert F.hfft(autograd.ones(3, dtype=autograd.cdouble)).dtype == np.float64
    assert F.ihfft(autograd.ones(4)).dtype == np.complex64


def test_default_sizes():
    z = autograd.ones(3, 5, dtype=autograd.cfloat)
    assert F.irfft(z).shape == (3, 8)
    assert F.irfftn(z).shape == (3, 8)
    assert F.rfftn(autograd.ones(3, 5)).shape == (3, 3)
    assert F.fftn(autograd.ones(2, 3), s=(-1, 5)).shape == (2, 5)
    assert F.fft(autograd.ones(0, 4)).shape == (0, 4)


# ------------------------------------------------------------------ frequencies and shifts
def test_fftfreq_rfftfreq():
    np.testing.assert_allclose(F.fftfreq(5).numpy(), np.fft.fftfreq(5), rtol=1e-6)
    np.testing.assert_allclose(F.fftfreq(8, 0.1).numpy(), np.fft.fftfreq(8, 0.1), rtol=1e-6)
    np.testing.assert_allclose(F.rfftfreq(7, d=2.0).numpy(), np.fft.rfftfreq(7, 2.0), rtol=1e-6)
    assert F.fftfreq(4).dtype == np.float32
    assert F.fftfreq(4, dtype=autograd.float64).dtype == np.float64
    assert F.fftfreq(0).shape == (0,)
    assert F.rfftfreq(3, requires_grad=True).requires_grad


def test_fftshift_ifftshift():
    x = autograd.arange(10).reshape(2, 5)
    np.testing.assert_array_equal(F.fftshift(x).numpy(), np.fft.fftshift(x.numpy()))
    np.testing.assert_array_equal(F.ifftshift(x, dim=1).numpy(),
                                  np.fft.ifftshift(x.numpy(), axes=1))
    np.testing.assert_array_equal(F.ifftshift(F.fftshift(x, dim=(0, 1)), dim=(0, 1)).numpy(),
                                  x.numpy())
    np.testing.assert_array_equal(F.fftshift(x, dim=-1).numpy(), np.fft.fftshift(x.numpy(), -1))


# ------------------------------------------------------------------ errors (PyTorch's)
@pytest.mark.parametrize("f, error, match", [
    (lambda: F.fft(autograd.ones(4), n=0), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda: F.fft(autograd.ones(0)), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda: F.irfft(autograd.ones(1, dtype=autograd.cfloat)), RuntimeError,
     r"Invalid number of data points \(0\)"),
    (lambda: F.fft(autograd.ones(4), norm="bad"), RuntimeError, 'Invalid normalization mode: "bad"'),
    (lambda: F.fft(autograd.ones(4), dim=3), IndexError, "Dimension out of range"),
    (lambda: F.fft(autograd.tensor(1.0)), IndexError, "tensor has no dimensions"),
    (lambda: F.fft2(autograd.ones(4)), IndexError, "Dimension out of range"),
    (lambda: F.rfft(autograd.ones(4, dtype=autograd.cfloat)), RuntimeError,
     "rfft expects a real input tensor, but got ComplexFloat"),
    (lambda: F.ihfft(autograd.ones(4, dtype=autograd.cdouble)), RuntimeError,
     "ihfft expects a real input tensor, but got ComplexDouble"),
    (lambda: F.fftn(autograd.ones(2, 3), s=(2, 3), dim=(0,)), RuntimeError,
     "dim and shape arguments must have the same length"),
    (lambda: F.fftn(autograd.ones(2, 3), s=(2, 3, 4)), RuntimeError,
     "Got shape with 3 values but input tensor only has 2 dimensions"),
    (lambda: F.fftn(autograd.ones(2, 3), dim=(0, 0)), RuntimeError, "FFT dims must be unique"),
    (lambda: F.fft(autograd.ones(4, dtype=autograd.float16)), RuntimeError, "Unsupported dtype Half"),
    (lambda: F.fft([1.0, 2.0]), TypeError, "must be Tensor"),
    (lambda: F.fftfreq(4, dtype=autograd.int64), RuntimeError,
     "fftfreq requires a floating point or complex dtype"),
    (lambda: F.fftfreq(-1), RuntimeError, "negative dimension -1"),
    (lambda: F.fftfreq(4, dtype=autograd.cfloat), NotImplementedError, "arange_cpu"),
])
def test_errors(f, error, match):
    with pytest.raises(error, match=match):
        f()


# ------------------------------------------------------------------ gradients
GRAD = [  # name, function(input, norm), input maker, shape
    ("fft", lambda a, m: F.fft(a, norm=m), _c, (5,)),
    ("fft_real_in_padded", lambda a, m: F.fft(a, n=7, norm=m), _r, (2, 5)),
    ("fft_trimmed_dim0", lambda a, m: F.fft(a, n=3, dim=0, norm=m), _c, (5, 2)),
    ("ifft_padded", lambda a, m: F.ifft(a, n=6, norm=m), _c, (2, 4)),
    ("rfft_even", lambda a, m: F.rfft(a, norm=m), _r, (6,)),
    ("rfft_odd_trimmed", lambda a, m: F.rfft(a, n=5, norm=m), _r, (2, 6)),
    ("irfft_even", lambda a, m: F.irfft(a, norm=m), _c, (4,)),
    ("irfft_odd", lambda a, m: F.irfft(a, n=7, norm=m), _c, (2, 4)),
    ("irfft_padded_dim0", lambda a, m: F.irfft(a, n=12, dim=0, norm=m), _c, (4, 2)),
    ("irfft_trimmed", lambda a, m: F.irfft(a, n=4, norm=m), _c, (6,)),
    ("hfft", lambda a, m: F.hfft(a, n=5, norm=m), _c, (4,)),
    ("ihfft", lambda a, m: F.ihfft(a, norm=m), _r, (5,)),
    ("fft2_padded", lambda a, m: F.fft2(a, s=(3, 4), norm=m), _c, (2, 3)),
    ("ifftn", lambda a, m: F.ifftn(a, norm=m), _c, (2, 3)),
    ("rfft2", lambda a, m: F.rfft2(a, norm=m), _r, (3, 4)),
    ("rfftn_s", lambda a, m: F.rfftn(a, s=(2, 5), norm=m), _r, (3, 4)),
    ("irfft2", lambda a, m: F.irfft2(a, norm=m), _c, (3, 3)),
    ("irfftn_odd", lambda a, m: F.irfftn(a, s=(3, 5), norm=m), _c, (2, 3)),
    ("hfft2", lambda a, m: F.hfft2(a, norm=m), _c, (2, 3)),
    ("ihfftn", lambda a, m: F.ihfftn(a, norm=m), _r, (2, 3)),
    ("fftshift_of_fft", lambda a, m: F.fftshift(F.fft(a, norm=m)), _c, (2, 3)),
    ("ifftshift", lambda a, m: F.ifftshift(a * 1j, dim=0), _r, (3, 3)),
    ("rfft_then_irfft", lambda a, m: F.irfft(F.rfft(a, norm=m) * (1 + 2j), n=6, norm=m),
     _r, (6,)),
]


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
@pytest.mark.parametrize("name, f, make, shape", GRAD, ids=[g[0] for g in GRAD])
def test_gradcheck_and_gradgradcheck(name, f, make, shape, norm):
    x = make(shape, 3)
    assert gradcheck(lambda a: f(a, norm), (x,))
    assert gradgradcheck(lambda a: f(a, norm), (x,))


def test_rfft_gradient_by_hand():
    # L = sum(Re(rfft(x))) = sum_k sum_j x_j cos(2 pi jk/n): dL/dx_j = sum_k cos(2 pi jk/n)
    n = 6
    x = _r((n,))
    F.rfft(x).real.sum().backward()
    j, k = np.arange(n)[:, None], np.arange(n // 2 + 1)[None, :]
    np.testing.assert_allclose(x.grad.numpy(), np.cos(2 * np.pi * j * k / n).sum(1), atol=1e-12)


def test_irfft_ignores_the_imaginary_part_of_self_conjugate_bins():
    z = _c((4,))
    F.irfft(z, n=6).sum().backward()
    # bins 0 and 3 (Nyquist) are their own conjugates: their imaginary parts are ignored
    assert z.grad.numpy()[0].imag == 0 and z.grad.numpy()[3].imag == 0


def test_no_graph_without_grad():
    x = _r((4,), requires_grad=False)
    assert F.rfft(x).grad_fn is None
    with autograd.no_grad():
        assert F.fft(_c((4,))).grad_fn is None
