"""Complex tensors without torch: values against NumPy, dtypes and promotion, gradients in
PyTorch's convention (``z.grad = dL/dx + i dL/dy`` for a real loss) checked by complex
gradcheck/gradgradcheck and by hand, printing, and the clear refusals of ops that do not
support complex input."""
import numpy as np
import pytest

import autograd
from autograd import gradcheck, gradgradcheck
from autograd.gradcheck import GradcheckError


def _c(shape, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return autograd.tensor(data, dtype=autograd.complex128, requires_grad=requires_grad)


def _r(shape, seed=0, lo=-2.0, hi=2.0):
    rng = np.random.default_rng(seed)
    return autograd.tensor(rng.uniform(lo, hi, shape), requires_grad=True)


# ------------------------------------------------------------------ creation, dtypes, printing
def test_tensor_from_python_complex_is_complex64_and_prints_like_torch():
    z = autograd.tensor([1 + 2j, 3 - 1j])
    assert z.dtype == autograd.complex64 == autograd.cfloat
    assert z.is_complex() and not z.is_floating_point()
    assert repr(z) == "tensor([1.+2.j, 3.-1.j])"
    d = z.to(autograd.cdouble)
    assert repr(d) == "tensor([1.+2.j, 3.-1.j], dtype=torch.complex128)"
    np.testing.assert_array_equal(z.numpy(), np.array([1 + 2j, 3 - 1j], np.complex64))
    assert z[0].item() == 1 + 2j and complex(z[1]) == 3 - 1j
    assert z.tolist() == [1 + 2j, 3 - 1j]


def test_complex_creation_helpers():
    assert autograd.zeros(2, dtype=autograd.cfloat).dtype == np.complex64
    assert autograd.full((2,), 1 + 1j).dtype == np.complex64
    assert autograd.ones(2).cfloat().dtype == np.complex64
    assert autograd.ones(2).cdouble().dtype == np.complex128
    assert autograd.tensor([1j], dtype=autograd.cdouble).dtype == np.complex128


@pytest.mark.parametrize("a, b, expected", [
    (("float32", (3,)), ("complex64", (3,)), "complex64"),
    (("float64", (3,)), ("complex64", (3,)), "complex128"),
    (("float32", (3,)), ("complex128", ()), "complex64"),     # a 0-d complex keeps float32's size
    (("float64", (3,)), ("complex64", ()), "complex128"),
    (("int64", (3,)), ("complex128", ()), "complex128"),      # integers take the complex dtype
    (("int64", (3,)), ("complex64", (3,)), "complex64"),
    (("float16", (3,)), ("complex64", (3,)), "complex64"),
])
def test_promotion_with_complex(a, b, expected):
    x = autograd.ones(a[1], dtype=getattr(autograd, a[0]))
    y = autograd.ones(b[1], dtype=getattr(autograd, b[0]))
    assert (x + y).dtype == np.dtype(expected)
    assert (y * x).dtype == np.dtype(expected)


def test_python_complex_scalars_are_weak():
    assert (autograd.ones(2) * 1j).dtype == np.complex64
    assert (autograd.ones(2, dtype=autograd.float64) * 1j).dtype == np.complex128
    assert (autograd.tensor([1, 2]) * 1j).dtype == np.complex64
    assert autograd.promote_types(autograd.int64, autograd.complex64) == np.complex64
    assert autograd.promote_types(autograd.float64, autograd.complex64) == np.complex128


# ------------------------------------------------------------------ forward values
def test_arithmetic_and_functions_match_numpy():
    z, w = _c((2, 3), 1, False), _c((3,), 2, False)
    a, b = z.numpy(), w.numpy()
    pairs = [(z + w, a + b), (z - w, a - b), (z * w, a * b), (z / w, a / b), (-z, -a),
             (z * 2.5, a * 2.5), (z + (1 - 2j), a + (1 - 2j)), (2 / z, 2 / a),
             (z.exp(), np.exp(a)), (z.log(), np.log(a)), (z.sqrt(), np.sqrt(a)),
             (z ** 3, a ** 3), (z ** 0.5, a ** 0.5), (2 ** z, 2 ** a), (z.abs(), np.abs(a)),
             (z.angle(), np.angle(a)), (z.real, a.real), (z.imag, a.imag), (z.conj(), a.conj()),
             (z.sgn(), a / np.abs(a)), (z.sum(), a.sum()), (z.mean(1), a.mean(1)),
             (z @ w, a @ b), (autograd.cat([z, z]), np.concatenate([a, a])),
             (z[1, ::2], a[1, ::2]), (z.var(), a.var(ddof=1)), (z.norm(), np.linalg.norm(a))]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
        assert got.dtype == (np.complex128 if np.iscomplexobj(want) else np.float64)


def test_real_valued_results_have_the_real_dtype():
    z = autograd.tensor([3 + 4j, -1j])
    for out in (z.abs(), z.angle(), z.real, z.imag, z.var(), z.norm()):
        assert out.dtype == np.float32


def test_view_as_real_and_back_share_memory_like_torch_views():
    z = autograd.tensor([[1 + 2j, 3 - 4j]])
    r = autograd.view_as_real(z)
    assert r.shape == (1, 2, 2) and r.dtype == np.float32
    np.testing.assert_array_equal(r.numpy(), [[[1, 2], [3, -4]]])
    back = autograd.view_as_complex(r)
    np.testing.assert_array_equal(back.numpy(), z.numpy())
    with autograd.no_grad():
        z.real.mul_(10)                       # a view: writes through, as in PyTorch
    np.testing.assert_array_equal(z.numpy(), [[10 + 2j, 30 - 4j]])


def test_in_place_write_through_a_real_view_under_grad_mode_raises():
    y = _c((2,)) * 1
    with pytest.raises(RuntimeError, match="view made by real"):
        y.real.mul_(2)


def test_complex_and_polar():
    re, im = autograd.tensor([1.0, 2.0]), autograd.tensor([3.0])
    np.testing.assert_array_equal(autograd.complex(re, im).numpy(), [1 + 3j, 2 + 3j])
    p = autograd.polar(autograd.tensor([2.0]), autograd.tensor([np.pi / 2]))
    np.testing.assert_allclose(p.numpy(), [2j], atol=1e-6)
    inf = autograd.complex(autograd.tensor([np.inf]), autograd.tensor([np.inf]))
    assert inf.numpy()[0] == complex(np.inf, np.inf)  # not nan from inf * 1j


def test_angle_of_real_input():
    x = autograd.tensor([-2.0, 0.0, 3.0, float("nan")])
    np.testing.assert_array_equal(x.angle().numpy()[:3], np.float32([np.pi, 0, 0]))
    assert np.isnan(x.angle().numpy()[3])
    assert autograd.tensor([-1, 2]).angle().dtype == np.float32


def test_real_conj_of_real_tensor_are_the_tensor():
    x = autograd.ones(2)
    assert x.real is x and x.conj() is x and autograd.resolve_conj(x) is x
    assert not x.is_conj()


# ------------------------------------------------------------------ gradients
def test_gradient_convention_by_hand():
    # L = |z|^2 = x^2 + y^2: dL/dx + i dL/dy = 2x + 2iy = 2z
    z = _c((3,))
    (z * z.conj()).real.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 2 * z.detach().numpy())
    # L = Re(c z) = Re(c) x - Im(c) y: grad = conj(c)
    z2 = _c((2,), 3)
    c = 2 - 3j
    (z2 * c).real.sum().backward()
    np.testing.assert_allclose(z2.grad.numpy(), [np.conj(c)] * 2)
    # L = Im(z): grad = i
    z3 = _c((2,), 4)
    z3.imag.sum().backward()
    np.testing.assert_allclose(z3.grad.numpy(), [1j, 1j])


def test_real_input_of_complex_op_gets_the_real_part():
    x = _r((3,))
    ((x * (2 + 1j)).abs() ** 2).sum().backward()   # |x (2+i)|^2 = 5 x^2
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), 10 * x.detach().numpy())


GRAD_CASES = {
    "mul": (lambda a, b: a * b, 2),
    "div": (lambda a, b: a / b, 2),
    "add_sub_scalars": (lambda a, b: a + b - (2 - 1j) * a + 1j, 2),
    "exp_log_sqrt": (lambda a: a.exp() + a.log() + a.sqrt(), 1),
    "pow_int_float_complex": (lambda a: a ** 3 + a ** 2.5 + a ** (1 + 1j), 1),
    "rpow": (lambda a: 2 ** a, 1),
    "pow_tensor": (lambda a, b: a ** b, 2),
    "abs": (lambda a: a.abs(), 1),
    "angle": (lambda a: a.angle(), 1),
    "sgn": (lambda a: a.sgn(), 1),
    "real_imag_conj": (lambda a: a.real * a.imag + a.conj() * a, 1),
    "view_as_real": (lambda a: autograd.view_as_real(a * a), 1),
    "sum_mean": (lambda a: (a * a).sum(0) + a.mean(), 1),
    "var_norm": (lambda a: a.var() + a.norm(), 1),
    "matmul": (lambda a, b: a @ b.T, 2),
    "einsum": (lambda a, b: autograd.einsum("ij,kj->ik", a, b), 2),
    "move_data": (lambda a, b: autograd.cat([a, b]).flip(0)[1:].reshape(-1).roll(1), 2),
    "where": (lambda a, b: autograd.where(autograd.tensor([True, False, True]), a, b), 2),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_complex_gradcheck_and_gradgradcheck(name):
    f, n = GRAD_CASES[name]
    shape = (2, 3) if name in ("matmul", "einsum", "sum_mean", "var_norm") else (3,)
    inputs = [_c(shape, seed) for seed in range(n)]
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


@pytest.mark.parametrize("name, f", [
    ("complex", lambda a, b: autograd.complex(a, b) ** 2),
    ("polar", lambda a, b: autograd.polar(a, b) * (1 + 2j)),
    ("mixed_mul_div", lambda a, b: (a * 1j + b) / (a + 3j)),
    ("to_complex", lambda a, b: a.to(autograd.complex128) * b),
])
def test_real_inputs_through_complex_ops_gradcheck(name, f):
    a, b = _r((3,), 1, 0.5, 2.0), _r((3,), 2, 0.5, 2.0)
    assert gradcheck(f, (a, b))
    assert gradgradcheck(f, (a, b))


def test_view_as_complex_gradcheck():
    x = _r((3, 2))
    assert gradcheck(lambda a: autograd.view_as_complex(a) ** 2, (x,))
    assert gradgradcheck(lambda a: autograd.view_as_complex(a) ** 2, (x,))


def test_abs_and_angle_gradient_is_zero_at_zero():
    z = autograd.tensor([0j, 1 + 1j], dtype=autograd.complex128, requires_grad=True)
    (z.abs() + z.angle()).sum().backward()
    assert z.grad.numpy()[0] == 0
    np.testing.assert_allclose(z.grad.numpy()[1], (1 + 1j) / np.sqrt(2) + 1j * (1 + 1j) / 2)


class _WrongExp(autograd.Function):
    """exp whose backward forgets the conjugate: right for real input, wrong for complex."""

    @staticmethod
    def forward(ctx, z):
        out = z.exp()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


def test_gradcheck_catches_a_missing_conjugate():
    z = _c((2,))
    with pytest.raises(GradcheckError, match=r"input\[\d\]\.(real|imag)"):
        gradcheck(_WrongExp.apply, (z,))
    assert not gradcheck(_WrongExp.apply, (z,), raise_exception=False)
    x = _r((2,))
    assert gradcheck(_WrongExp.apply, (x,))  # for real input the same backward is right


def test_backward_of_a_complex_scalar_needs_a_gradient():
    z = _c((2,))
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        z.sum().backward()
    z.sum().backward(autograd.tensor(1 + 0j, dtype=autograd.complex128))
    np.testing.assert_allclose(z.grad.numpy(), [1, 1])


def test_cast_complex_to_real_warns_and_keeps_the_real_part():
    z = autograd.tensor([1 + 2j], dtype=autograd.complex128, requires_grad=True)
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        x = z.double()
    np.testing.assert_array_equal(x.detach().numpy(), [1.0])
    x.sum().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [1 + 0j])


# ------------------------------------------------------------------ refusals and errors
@pytest.mark.parametrize("name, f, error, match", [
    ("lt", lambda z: z < 1, NotImplementedError, "lt_cpu"),
    ("ge", lambda z: z >= z, NotImplementedError, "ge_cpu"),
    ("relu", lambda z: z.relu(), NotImplementedError, "relu"),
    ("clamp", lambda z: z.clamp(0, 1), NotImplementedError, "clamp"),
    ("max", lambda z: z.max(), NotImplementedError, "max_all"),
    ("max_dim", lambda z: z.max(0), RuntimeError, r"max\(\): does not support complex"),
    ("amax", lambda z: z.amax(), NotImplementedError, "amax"),
    ("argmax", lambda z: z.argmax(), RuntimeError, "argmax"),
    ("maximum", lambda z: autograd.maximum(z, z), RuntimeError, "maximum not implemented"),
    ("sort", lambda z: z.sort(), RuntimeError, "complex"),
    ("sign", lambda z: z.sign(), NotImplementedError, "torch.sgn"),
    ("floor", lambda z: z.floor(), NotImplementedError, "floor"),
    ("remainder", lambda z: z % 2, NotImplementedError, "remainder_cpu"),
    ("unique", lambda z: autograd.unique(z), NotImplementedError, "unique"),
    ("sigmoid", lambda z: z.sigmoid(), NotImplementedError, "sigmoid: complex tensors"),
    ("sin", lambda z: z.sin(), NotImplementedError, "sin: complex tensors"),
    ("prod", lambda z: z.prod(), NotImplementedError, "prod: complex tensors"),
])
def test_unsupported_ops_refuse_complex_with_a_named_error(name, f, error, match):
    z = autograd.tensor([1 + 2j, 3 - 1j])
    with pytest.raises(error, match=match):
        f(z)


def test_refusal_also_under_grad_mode():
    z = _c((2,))
    with pytest.raises(NotImplementedError, match="tanh"):
        z.tanh()


@pytest.mark.parametrize("f, error, match", [
    (lambda: autograd.ones(2).imag, RuntimeError, "non-complex"),
    (lambda: autograd.view_as_real(autograd.ones(2)), RuntimeError, "only supported for complex"),
    (lambda: autograd.view_as_complex(autograd.ones(3)), RuntimeError, "last dimension of size 2"),
    (lambda: autograd.view_as_complex(autograd.ones(3, 2, dtype=autograd.int64)), RuntimeError,
     "float and double"),
    (lambda: autograd.complex(autograd.ones(2), autograd.ones(2, dtype=autograd.float64)),
     RuntimeError, "scalar type Float but got scalar type Double"),
    (lambda: autograd.complex(autograd.tensor([1]), autograd.tensor([1])), RuntimeError,
     "Half, Float or Double"),
    (lambda: autograd.polar(autograd.tensor([1]), autograd.ones(1)), RuntimeError,
     "Half, Float or Double"),
    (lambda: autograd.ones(2).add_(1j), RuntimeError, "can't be cast"),
])
def test_argument_errors(f, error, match):
    with pytest.raises(error, match=match):
        f()


def test_real_dtype_results_unchanged():
    # complex support must not touch real arithmetic: float32 stays float32, grads real
    x = _r((3,))
    y = (x * 2.0 / (x + 5.0)).exp().sum()
    y.backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float64
    assert (autograd.ones(2) * 2.5).dtype == np.float32
