"""Type promotion against PyTorch: every pair of bool/uint8/int8/int32/int64/float16/
float32/float64 tensors (with dimensions and 0-d) and Python bool/int/float scalars, for
add/mul/div/where/comparisons/maximum, compared with ``torch.result_type`` and the dtype
torch's op actually returns; float ops on integer/bool tensors; the default dtype."""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


def np_dtype(torch_dtype):
    return torch.empty(0, dtype=torch_dtype).numpy().dtype


def make(spec, lib):
    """An operand from a spec: ('t', dtype, dim?) tensor of ones, or ('s', value)."""
    if spec[0] == "s":
        return spec[1]
    _, name, dim = spec
    shape = (3,) if dim else ()
    return lib.ones(shape, dtype=getattr(lib, name))


TENSORS = [("t", d, dim) for d in DTYPES for dim in (True, False)]
SCALARS = [("s", True), ("s", 2), ("s", 2.5)]
OPERANDS = TENSORS + SCALARS
PAIRS = [(a, b) for a, b in itertools.product(OPERANDS, OPERANDS)
         if a[0] == "t" or b[0] == "t"]


def ident(spec):
    return f"{spec[1]}{'' if spec[0] == 's' or spec[2] else '_0d'}" if spec[0] == "t" \
        else repr(spec[1])


def torch_dtype_or_error(fn):
    try:
        return np_dtype(fn().dtype)
    except (RuntimeError, TypeError):
        return None


@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{ident(a)}-{ident(b)}" for a, b in PAIRS])
def test_binary_promotion_table(a, b):
    ta, tb = make(a, torch), make(b, torch)
    oa, ob = make(a, autograd), make(b, autograd)
    expected = np_dtype(torch.result_type(ta, tb))
    assert autograd.result_type(oa, ob) == expected
    cond_t, cond_o = torch.tensor([True, False, True]), autograd.tensor([True, False, True])
    ops = {
        "add": (lambda x, y: x + y),
        "mul": (lambda x, y: x * y),
        "div": (lambda x, y: x / y),
        "eq": (lambda x, y: x == y),
        "lt": (lambda x, y: x < y),
        "ge": (lambda x, y: x >= y),
    }
    for name, fn in ops.items():
        want = torch_dtype_or_error(lambda: fn(ta, tb))
        if want is None:
            continue
        got = fn(oa, ob)
        assert got.dtype == want, (name, got.dtype, want)
        np.testing.assert_array_equal(got.numpy(), fn(ta, tb).numpy(), err_msg=name)
    want = np_dtype(torch.where(cond_t, ta, tb).dtype)
    got = autograd.where(cond_o, oa, ob)
    assert got.dtype == want, ("where", got.dtype, want)
    if a[0] == "t" and b[0] == "t":
        want = torch_dtype_or_error(lambda: torch.maximum(ta, tb))
        if want is not None:
            assert autograd.maximum(oa, ob).dtype == want


@pytest.mark.parametrize("t1,t2", list(itertools.product(DTYPES, DTYPES)))
def test_promote_types_and_can_cast(t1, t2):
    d1, d2 = getattr(torch, t1), getattr(torch, t2)
    assert autograd.promote_types(getattr(autograd, t1), getattr(autograd, t2)) == \
        np_dtype(torch.promote_types(d1, d2))
    assert autograd.can_cast(getattr(autograd, t1), getattr(autograd, t2)) == \
        torch.can_cast(d1, d2)


UNARY = ["exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "sin", "cos",
         "tanh", "sigmoid", "erf", "reciprocal"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64"])
def test_float_ops_on_integer_tensors(name, dtype):
    vals = [1, 1, 1] if dtype == "bool" else [1, 2, 3]
    t = torch.tensor(vals, dtype=getattr(torch, dtype))
    o = autograd.tensor(vals, dtype=getattr(autograd, dtype))
    want = getattr(torch, name)(t)
    got = getattr(autograd, name)(o)
    assert got.dtype == np_dtype(want.dtype)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_issue_examples():
    d = 8
    assert (autograd.arange(0, d, 2) / d).dtype == autograd.float32
    assert (autograd.linspace(0, 1, 3) + autograd.arange(3)).dtype == autograd.float32
    c = autograd.tensor([True, False])
    assert autograd.where(c, 1.0, -1.0).dtype == autograd.float32
    assert autograd.where(c, 1, 0).dtype == autograd.int64
    assert autograd.exp(autograd.ones(2, dtype=autograd.bool)).dtype == autograd.float32
    assert autograd.sigmoid(autograd.ones(2, dtype=autograd.int8)).dtype == autograd.float32
    e = autograd.erf(autograd.tensor([0, 1, 2]))
    np.testing.assert_allclose(e.numpy(), torch.erf(torch.tensor([0, 1, 2])).numpy(), rtol=1e-6)
    # 0-d tensors are weaker than dimensioned ones within a category
    assert autograd.result_type(autograd.tensor(1., dtype=autograd.float64),
                                autograd.ones(2)) == autograd.float32
    assert (autograd.ones(2) * autograd.tensor(2., dtype=autograd.float64)).dtype == autograd.float32


def test_gradient_keeps_the_operand_dtype():
    x = autograd.ones(3, requires_grad=True)
    y = autograd.tensor(2., dtype=autograd.float64, requires_grad=True)
    out = x * y
    assert out.dtype == autograd.float32
    out.sum().backward()
    assert x.grad.dtype == autograd.float32 and y.grad.dtype == autograd.float64
    assert float(y.grad) == 3.0


@pytest.mark.parametrize("case", [
    lambda m: m.pow(m.arange(3), 2.5),
    lambda m: m.pow(2, m.arange(3, dtype=m.int32)),
    lambda m: m.pow(2.0, m.arange(3)),
    lambda m: m.clamp(m.arange(3), 0.5),
    lambda m: m.clamp(m.arange(3), max=2),
    lambda m: m.maximum(m.arange(3), m.ones(3)),
    lambda m: m.arange(3) // 2.0,
    lambda m: m.arange(3) % 1.5,
    lambda m: m.div(m.arange(5) - 2, 2, rounding_mode="trunc"),
    lambda m: m.div(m.arange(5) - 2, 2, rounding_mode="floor"),
    lambda m: m.div(m.arange(5) - 2, 2.0, rounding_mode="floor"),
    lambda m: m.floor(m.arange(3)),
    lambda m: m.logsumexp(m.arange(3), 0),
    lambda m: m.arange(0, 1, 0.25),
    lambda m: m.full((2,), 1.5),
    lambda m: m.full((2,), 3),
    lambda m: m.tensor([1, 2]) + m.tensor([1.5], dtype=m.float16),
    lambda m: m.tensor([16777217]) == m.tensor(16777216.0),
])
def test_op_results_match_torch(case):
    want, got = case(torch), case(autograd)
    assert got.dtype == np_dtype(want.dtype)
    np.testing.assert_allclose(got.numpy(), want.numpy())


@pytest.mark.parametrize("case", [
    lambda m: m.ones(2, 3) @ m.ones(3, 2, dtype=m.float64),
    lambda m: m.mm(m.ones(2, 3, dtype=m.int64), m.ones(3, 2)),
    lambda m: m.bmm(m.ones(1, 2, 3), m.ones(1, 3, 2, dtype=m.float64)),
    lambda m: m.dot(m.ones(3), m.ones(3, dtype=m.float64)),
    lambda m: m.ones(2, dtype=m.int64).mean(),
    lambda m: m.ones(2, dtype=m.int64).var(),
    lambda m: m.lerp(m.ones(2), m.ones(2, dtype=m.float64), 0.5),
    lambda m: m.add(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64), alpha=1.5),
])
def test_dtype_errors_match_torch(case):
    with pytest.raises(RuntimeError) as theirs:
        case(torch)
    with pytest.raises(type(theirs.value)):
        case(autograd)


@pytest.mark.parametrize("data", [[2 ** 63], 2 ** 63, [[1], [-2 ** 63 - 1]], [2 ** 64]])
def test_integer_overflow_raises(data):
    with pytest.raises(Exception) as theirs:
        torch.tensor(data)
    with pytest.raises(type(theirs.value), match="Overflow"):
        autograd.tensor(data)
    assert autograd.tensor([2 ** 63 - 1]).item() == 2 ** 63 - 1


@pytest.mark.parametrize("name", ["gelu", "silu", "softplus", "elu", "leaky_relu"])
def test_float_only_activations_reject_integers(name):
    import nn.functional as F
    with pytest.raises(NotImplementedError):
        getattr(torch.nn.functional, name)(torch.ones(2, dtype=torch.int64))
    with pytest.raises(NotImplementedError):
        getattr(F, name)(autograd.ones(2, dtype=autograd.int64))


@pytest.fixture
def float64_default():
    torch.set_default_dtype(torch.float64)
    autograd.set_default_dtype(autograd.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(torch.float32)
        autograd.set_default_dtype(autograd.float32)


@pytest.mark.parametrize("case", [
    lambda m: m.tensor([1.5]),
    lambda m: m.arange(3) / 2,
    lambda m: m.arange(3) * 2.5,
    lambda m: m.exp(m.arange(3)),
    lambda m: m.where(m.tensor([True]), 1.0, 0.0),
    lambda m: m.arange(0.0, 1.0, 0.5),
    lambda m: m.linspace(0, 1, 3),
    lambda m: m.ones(2, dtype=m.float32) * 2.5,
    lambda m: m.ones(2, dtype=m.float16) + m.arange(2),
    lambda m: m.full((1,), 2.5),
])
def test_default_dtype_float64(float64_default, case):
    want, got = case(torch), case(autograd)
    assert got.dtype == np_dtype(want.dtype)
    assert autograd.result_type(autograd.arange(2), 1.0) == autograd.float64


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)), ids=str)
def test_cat_and_stack_promote_as_torch(a, b):
    """``cat``/``stack`` of mixed dtypes give ``torch.promote_types`` (not NumPy's rule)."""
    xs = [np.ones(2, dtype=a), np.zeros(3, dtype=b)]
    ours = autograd.cat([autograd.tensor(x) for x in xs])
    theirs = torch.cat([torch.from_numpy(x) for x in xs])
    assert str(theirs.dtype) == f"torch.{ours.dtype}"
    ys = [np.ones(2, dtype=a), np.zeros(2, dtype=b)]
    ours = autograd.stack([autograd.tensor(y) for y in ys])
    theirs = torch.stack([torch.from_numpy(y) for y in ys])
    assert str(theirs.dtype) == f"torch.{ours.dtype}"
