"""``torch.fft`` and complex tensors against PyTorch: values, dtypes and shapes of every
transform in every norm, the gradients a real loss sends back through them (PyTorch's
conjugate-Wirtinger convention), complex elementwise ops and their gradients, promotion,
optimizers on complex parameters, and error types/messages."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn as ours_nn  # noqa: E402
import optim as ours_optim  # noqa: E402

NORMS = [None, "ortho", "forward"]


def _data(shape, cplx, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if cplx else x


def _np(t):
    t = t.detach()
    return t.resolve_conj().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _same(ours, theirs, rtol=1e-10, atol=1e-10):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).replace("torch.", "") == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=rtol, atol=atol)


def _loss(lib, out, seed=7):
    """A real loss that reads every real coordinate of ``out`` (weights fixed by ``seed``)."""
    w = lib.tensor(np.random.default_rng(seed).standard_normal(tuple(out.shape) + (2,)))
    if out.is_complex():
        return (lib.view_as_real(out.resolve_conj()) * w).sum()
    return (out * w[..., 0]).sum()


def _grads(lib, f, inputs, dtype=None):
    ts = [lib.tensor(v, requires_grad=True) if dtype is None else
          lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True) for v in inputs]
    out = f(lib, *ts)
    _loss(lib, out).backward()
    return out, [t.grad for t in ts]


def _compare(f, inputs, rtol=1e-10, atol=1e-10, dtype=None):
    out_a, g_a = _grads(autograd, f, inputs, dtype)
    out_t, g_t = _grads(torch, f, inputs, dtype)
    _same(out_a, out_t, rtol, atol)
    for a, t in zip(g_a, g_t):
        _same(a, t, rtol, atol)


# ------------------------------------------------------------------ transforms
TRANSFORMS = [  # name, call(lib, x, norm), complex input?, shape
    ("fft", lambda m, x, nm: m.fft.fft(x, norm=nm), True, (3, 6)),
    ("fft_real_n_dim0", lambda m, x, nm: m.fft.fft(x, n=5, dim=0, norm=nm), False, (3, 6)),
    ("ifft_n", lambda m, x, nm: m.fft.ifft(x, n=4, norm=nm), True, (3, 6)),
    ("rfft", lambda m, x, nm: m.fft.rfft(x, norm=nm), False, (3, 6)),
    ("rfft_n_odd", lambda m, x, nm: m.fft.rfft(x, n=7, norm=nm), False, (3, 6)),
    ("irfft", lambda m, x, nm: m.fft.irfft(x, norm=nm), True, (3, 4)),
    ("irfft_n_odd", lambda m, x, nm: m.fft.irfft(x, n=7, norm=nm), True, (3, 4)),
    ("irfft_n_dim0", lambda m, x, nm: m.fft.irfft(x, n=3, dim=0, norm=nm), True, (3, 4)),
    ("hfft", lambda m, x, nm: m.fft.hfft(x, norm=nm), True, (3, 4)),
    ("hfft_n", lambda m, x, nm: m.fft.hfft(x, n=5, norm=nm), True, (3, 4)),
    ("ihfft", lambda m, x, nm: m.fft.ihfft(x, norm=nm), False, (3, 5)),
    ("ihfft_n", lambda m, x, nm: m.fft.ihfft(x, n=6, norm=nm), False, (3, 5)),
    ("fft2", lambda m, x, nm: m.fft.fft2(x, norm=nm), True, (2, 3, 4)),
    ("fft2_s", lambda m, x, nm: m.fft.fft2(x, s=(4, 3), norm=nm), False, (2, 3, 4)),
    ("ifft2", lambda m, x, nm: m.fft.ifft2(x, dim=(0, 2), norm=nm), True, (2, 3, 4)),
    ("rfft2", lambda m, x, nm: m.fft.rfft2(x, norm=nm), False, (2, 3, 4)),
    ("irfft2", lambda m, x, nm: m.fft.irfft2(x, norm=nm), True, (2, 3, 4)),
    ("irfft2_s", lambda m, x, nm: m.fft.irfft2(x, s=(2, 5), norm=nm), True, (2, 3, 4)),
    ("fftn", lambda m, x, nm: m.fft.fftn(x, norm=nm), True, (2, 3, 4)),
    ("fftn_s_minus1", lambda m, x, nm: m.fft.fftn(x, s=(-1, 5), norm=nm), False, (2, 3, 4)),
    ("ifftn_dim", lambda m, x, nm: m.fft.ifftn(x, dim=(1,), norm=nm), True, (2, 3, 4)),
    ("rfftn", lambda m, x, nm: m.fft.rfftn(x, norm=nm), False, (2, 3, 4)),
    ("rfftn_s", lambda m, x, nm: m.fft.rfftn(x, s=(2, 5), dim=(0, 2), norm=nm), False, (2, 3, 4)),
    ("irfftn", lambda m, x, nm: m.fft.irfftn(x, norm=nm), True, (2, 3, 4)),
    ("irfftn_s", lambda m, x, nm: m.fft.irfftn(x, s=(3, 7), norm=nm), True, (2, 3, 4)),
    ("hfft2", lambda m, x, nm: m.fft.hfft2(x, norm=nm), True, (2, 3, 4)),
    ("hfftn_s", lambda m, x, nm: m.fft.hfftn(x, s=(2, 3, 5), norm=nm), True, (2, 3, 4)),
    ("ihfft2", lambda m, x, nm: m.fft.ihfft2(x, norm=nm), False, (2, 3, 4)),
    ("ihfftn", lambda m, x, nm: m.fft.ihfftn(x, dim=(0, 1), norm=nm), False, (2, 3, 4)),
    ("fftshift", lambda m, x, nm: m.fft.fftshift(m.fft.fft(x, norm=nm), dim=(0, 2)), True, (3, 3, 4)),
    ("ifftshift", lambda m, x, nm: m.fft.ifftshift(m.fft.rfft(x, norm=nm)), False, (3, 5)),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name, f, cplx, shape", TRANSFORMS, ids=[t[0] for t in TRANSFORMS])
def test_transform_values_and_gradients_match_torch(name, f, cplx, shape, norm):
    _compare(lambda m, x: f(m, x, norm), [_data(shape, cplx, 1)])


@pytest.mark.parametrize("name, f, cplx, shape", TRANSFORMS, ids=[t[0] for t in TRANSFORMS])
def test_transform_single_precision_dtypes_match_torch(name, f, cplx, shape):
    dtype = "complex64" if cplx else "float32"
    _compare(lambda m, x: f(m, x, None), [_data(shape, cplx, 2)], rtol=1e-4, atol=1e-4,
             dtype=dtype)


@pytest.mark.parametrize("dtype", ["int64", "bool", "float64", "complex128"])
@pytest.mark.parametrize("fn", ["fft", "ifft", "fftn", "rfft", "irfft", "hfft", "ihfft"])
def test_input_dtypes_match_torch(fn, dtype):
    data = np.arange(1, 6) % 2 if dtype == "bool" else np.arange(1, 6)
    if fn in ("rfft", "ihfft") and dtype == "complex128":
        return  # an error, tested below
    a = getattr(autograd.fft, fn)(autograd.tensor(data, dtype=getattr(autograd, dtype)))
    t = getattr(torch.fft, fn)(torch.tensor(data, dtype=getattr(torch, dtype)))
    _same(a, t, rtol=1e-6, atol=1e-6)


def test_frequencies_and_shifts_match_torch():
    for n, d in ((5, 1.0), (8, 0.1), (1, 2.0), (0, 1.0)):
        _same(autograd.fft.fftfreq(n, d), torch.fft.fftfreq(n, d), rtol=1e-6)
        _same(autograd.fft.rfftfreq(n, d), torch.fft.rfftfreq(n, d), rtol=1e-6)
    _same(autograd.fft.fftfreq(6, dtype=autograd.float64), torch.fft.fftfreq(6, dtype=torch.float64))
    x = np.arange(24).reshape(2, 3, 4)
    for dim in (None, 0, (1, 2), -1):
        _same(autograd.fft.fftshift(autograd.tensor(x), dim), torch.fft.fftshift(torch.tensor(x), dim))
        _same(autograd.fft.ifftshift(autograd.tensor(x), dim),
              torch.fft.ifftshift(torch.tensor(x), dim))


ERRORS = [
    lambda m: m.fft.fft(m.ones(4), n=0),
    lambda m: m.fft.fft(m.ones(0)),
    lambda m: m.fft.irfft(m.ones(1, dtype=m.cfloat)),
    lambda m: m.fft.fft(m.ones(4), norm="bad"),
    lambda m: m.fft.fft(m.ones(4), dim=3),
    lambda m: m.fft.fft(m.tensor(1.0)),
    lambda m: m.fft.fft2(m.ones(4)),
    lambda m: m.fft.rfft(m.ones(4, dtype=m.cfloat)),
    lambda m: m.fft.ihfft(m.ones(4, dtype=m.cdouble)),
    lambda m: m.fft.fftn(m.ones(2, 3), s=(2, 3), dim=(0,)),
    lambda m: m.fft.fftn(m.ones(2, 3), s=(2, 3, 4)),
    lambda m: m.fft.fftn(m.ones(2, 3), dim=(0, 0)),
    lambda m: m.fft.fft(m.ones(4, dtype=m.float16)),
    lambda m: m.fft.fftfreq(4, dtype=m.int64),
    lambda m: m.fft.fftfreq(4, dtype=m.cfloat),
    lambda m: m.fft.fftfreq(-1),
]


def _error(f, lib):
    with pytest.raises(Exception) as info:
        f(lib)
    return info.value


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    ours, theirs = _error(ERRORS[i], autograd), _error(ERRORS[i], torch)
    assert isinstance(ours, type(theirs)), (ours, theirs)
    assert str(theirs).strip().split("\n")[0] in str(ours)


# ------------------------------------------------------------------ complex tensors
Z, W, X, Y = (_data((2, 3), True, 3), _data((2, 3), True, 4), _data((2, 3), False, 5),
              np.abs(_data((2, 3), False, 6)) + 0.5)
OPS = [  # name, f(lib, *inputs), inputs
    ("mul_div", lambda m, a, b: a * b / (b + 2) - a * (1 - 2j), (Z, W)),
    ("mixed_real_complex", lambda m, a, x: (a + x) * x / (a - 3), (Z, X)),
    ("python_complex", lambda m, x: (x * 1j + (2 + 1j)) / (1j - x), (X,)),
    ("exp_log_sqrt", lambda m, a: a.exp() + a.log() * a.sqrt(), (Z,)),
    ("pow", lambda m, a: a ** 2 + a ** 2.5 - a ** 3, (Z,)),
    ("abs_angle", lambda m, a: a.abs() * a.angle(), (Z,)),
    ("real_imag_conj", lambda m, a: a.real * a.imag + (a.conj() * a).real, (Z,)),
    ("sgn", lambda m, a: a.sgn() * a, (Z,)),
    ("view_as_real", lambda m, a: m.view_as_real(a * a), (Z,)),
    ("view_as_complex", lambda m, x: m.view_as_complex(x.reshape(3, 2)) ** 2, (X,)),
    ("complex", lambda m, x, y: m.complex(x, y) ** 2, (X, Y)),
    ("polar", lambda m, r, t: m.polar(r, t) * (1 + 1j), (Y, X)),
    ("sum_mean", lambda m, a: (a * a).sum(0) + a.mean(1, keepdim=True), (Z,)),
    ("var_norm", lambda m, a: a.var(1) + a.norm(dim=0).sum() + a.std(), (Z,)),
    ("matmul", lambda m, a, b: a @ b.mT, (Z, W)),
    ("einsum", lambda m, a, b: m.einsum("bi,bj->ij", a, b), (Z, W)),
    ("data_movement", lambda m, a, b: m.cat([a, b.flip(0)], 1)[:, 1:5].reshape(4, 2).t(), (Z, W)),
    ("where_setitem", lambda m, a, b: m.where(m.tensor([[True], [False]]), a, b), (Z, W)),
    ("setitem", lambda m, a, b: _setitem(m, a, b), (Z, W)),
    ("to_complex", lambda m, x: x.to(m.complex128) * (2 + 1j), (X,)),
    ("inplace", lambda m, a, b: _inplace(m, a, b), (Z, W)),
]


def _inplace(m, a, b):
    y = a * 1
    y.mul_(1j)
    y[0] = b[1] * (2 - 1j)
    y += 1j
    return y


def _setitem(m, a, b):
    out = m.zeros(2, 5, dtype=m.complex128)
    out[:, :3] = a * b
    return m.fft.irfft(out, n=8)


@pytest.mark.parametrize("name, f, inputs", OPS, ids=[o[0] for o in OPS])
def test_complex_ops_values_and_gradients_match_torch(name, f, inputs):
    _compare(f, list(inputs))


@pytest.mark.parametrize("a, b", [
    (("float32", (3,)), ("complex64", (3,))), (("float64", (3,)), ("complex64", (3,))),
    (("float32", (3,)), ("complex128", ())), (("int64", (3,)), ("complex128", ())),
    (("int64", (3,)), ("complex64", (3,))), (("bool", (3,)), ("complex64", ())),
    (("float64", ()), ("complex64", (3,))), (("complex64", (3,)), ("complex128", (3,))),
])
def test_promotion_matches_torch(a, b):
    xa, ya = (autograd.ones(s, dtype=getattr(autograd, d)) for d, s in (a, b))
    xt, yt = (torch.ones(s, dtype=getattr(torch, d)) for d, s in (a, b))
    assert str((xa + ya).dtype) == str((xt + yt).dtype).replace("torch.", "")
    assert str((ya * xa).dtype) == str((yt * xt).dtype).replace("torch.", "")


@pytest.mark.parametrize("scalar", [1j, 2 + 0j])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_python_complex_scalar_promotion_matches_torch(dtype, scalar):
    a = autograd.ones(2, dtype=getattr(autograd, dtype)) * scalar
    t = torch.ones(2, dtype=getattr(torch, dtype)) * scalar
    assert str(a.dtype) == str(t.dtype).replace("torch.", "")


def test_repr_matches_torch():
    # integral parts (NumPy's float formatting differs from PyTorch's in the decimals, for
    # real tensors as well): the layout and the dtype suffix (none for the default complex64)
    for data, dtype in (([1 + 2j, 3 - 1j], "complex64"), ([1 + 2j], "complex128"),
                        ([[2j, -2 + 0j]], "complex64")):
        a = autograd.tensor(data, dtype=getattr(autograd, dtype))
        t = torch.tensor(data, dtype=getattr(torch, dtype))
        assert repr(a) == repr(t)


REFUSED_BY_BOTH = [
    lambda m, z: z < 1, lambda m, z: z.relu(), lambda m, z: z.clamp(0, 1), lambda m, z: z.max(),
    lambda m, z: z.max(0), lambda m, z: z.amax(), lambda m, z: z.argmax(),
    lambda m, z: m.maximum(z, z), lambda m, z: z.sort(), lambda m, z: z.sign(),
    lambda m, z: z.floor(), lambda m, z: z % 2, lambda m, z: m.unique(z),
    lambda m, z: m.ones(2).add_(z), lambda m, z: z.imag.imag,
    lambda m, z: m.view_as_real(z.real), lambda m, z: z.sum().backward(),
]


@pytest.mark.parametrize("i", range(len(REFUSED_BY_BOTH)))
def test_refusals_raise_torchs_error_type(i):
    f = REFUSED_BY_BOTH[i]
    ours = _error(lambda m: f(m, m.tensor([1 + 2j, 3 - 1j], requires_grad=(i == 16))), autograd)
    theirs = _error(lambda m: f(m, m.tensor([1 + 2j, 3 - 1j], requires_grad=(i == 16))), torch)
    assert isinstance(ours, type(theirs)), (ours, theirs)


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1)), ("Adam", dict(lr=0.1, weight_decay=0.01)),
    ("AdamW", dict(lr=0.1)), ("RMSprop", dict(lr=0.01, centered=True)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)), ("Adadelta", dict()),
    ("Adamax", dict(lr=0.1)), ("NAdam", dict(lr=0.1)), ("RAdam", dict(lr=0.1)),
    ("Rprop", dict(lr=0.1)),
])
def test_optimizers_on_complex_parameters_match_torch(name, kwargs):
    w0 = np.array([1 + 2j, -0.5 + 0.1j, 0.3 - 0.7j], dtype=np.complex64)
    results = []
    for lib, nn, optim in ((autograd, ours_nn, ours_optim), (torch, torch.nn, torch.optim)):
        p = nn.Parameter(lib.tensor(w0))
        opt = getattr(optim, name)([p], **kwargs)
        for _ in range(4):
            opt.zero_grad()
            ((p * (2 - 1j) - 1j).abs() ** 2).sum().backward()
            opt.step()
        results.append(p.detach().numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)
