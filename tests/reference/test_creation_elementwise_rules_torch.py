"""Creation checks, integer wrap-around, bool-tensor arithmetic and dtype agreement in
comparisons, checked against PyTorch: both raise (ours an instance of PyTorch's class,
with the op named) or both give the same values and dtype."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch", reason="these rules are checked against PyTorch")


def _cases(lib):
    t = lib.tensor
    u8 = lib.uint8
    return {
        # Python ints wrap into small integer dtypes in arithmetic, as PyTorch
        "uint8 + 300": lambda: t([1, 2], dtype=u8) + 300,
        "int8 * 1000": lambda: t([1, 2], dtype=lib.int8) * 1000,
        "300 - uint8": lambda: 300 - t([1, 2], dtype=u8),
        "uint8 // 300": lambda: t([1, 2], dtype=u8) // 300,
        "uint8 % 300": lambda: t([1, 2], dtype=u8) % 300,
        "int64 + 2**63": lambda: t([1]) + 2**63,
        "uint8 / 300": lambda: t([1, 2], dtype=u8) / 300,
        # ... but a value that must be stored in the dtype is checked
        "uint8 ** 300": lambda: t([1, 2], dtype=u8) ** 300,
        "clamp(uint8, 0, 300)": lambda: lib.clamp(t([1, 2], dtype=u8), 0, 300),
        "where(c, uint8, 300)": lambda: lib.where(t([True, False]), t([1, 2], dtype=u8), 300),
        "tensor([300], uint8)": lambda: t([300], dtype=u8),
        "tensor([-1], uint8)": lambda: t([-1], dtype=u8),
        "tensor([-300], uint8)": lambda: t([-300], dtype=u8),
        "tensor([128], int8)": lambda: t([128], dtype=lib.int8),
        "tensor([2**63])": lambda: t([2**63]),
        "as_tensor([2**63])": lambda: lib.as_tensor([2**63]),
        "as_tensor([300], uint8)": lambda: lib.as_tensor([300], dtype=u8),
        "tensor(None)": lambda: t(None),
        "tensor(ragged)": lambda: t([[1, 2], [3]]),
        "tensor(complex) dtype": lambda: t(1.0) * t(1j),
        # creation arguments
        "zeros(-1)": lambda: lib.zeros(-1),
        "ones(2, -3)": lambda: lib.ones(2, -3),
        "empty(-1)": lambda: lib.empty(-1),
        "rand(-1)": lambda: lib.rand(-1),
        "randn(2, -1)": lambda: lib.randn(2, -1),
        "randint(0, 5, (-1,))": lambda: lib.randint(0, 5, (-1,)),
        "randint(5, 5, (2,))": lambda: lib.randint(5, 5, (2,)),
        "zeros(2.5)": lambda: lib.zeros(2.5),
        "zeros(None)": lambda: lib.zeros(None),
        "zeros(0)": lambda: lib.zeros(0),
        "full((2,), None)": lambda: lib.full((2,), None),
        "full((2,), 'a')": lambda: lib.full((2,), "a"),
        "full((2,), 300, uint8)": lambda: lib.full((2,), 300, dtype=u8),
        "eye(-1)": lambda: lib.eye(-1),
        "arange(0, 3, 0)": lambda: lib.arange(0, 3, 0),
        "arange(0, 3, -1)": lambda: lib.arange(0, 3, -1),
        "arange(3, 0, -1)": lambda: lib.arange(3, 0, -1),
        "arange(0, 0, -1)": lambda: lib.arange(0, 0, -1),
        "linspace(0, 1, -1)": lambda: lib.linspace(0, 1, -1),
        "linspace(0, 1, 0)": lambda: lib.linspace(0, 1, 0),
        "zeros_like(list)": lambda: lib.zeros_like([1.0, 2.0]),
        "tril(1-D)": lambda: lib.tril(lib.ones(3)),
        "triu(1-D)": lambda: lib.ones(3).triu(),
        "tril(inf)": lambda: lib.tril(t([[1.0, float("inf")], [2.0, 3.0]], requires_grad=True)),
        "triu(inf, -1)": lambda: lib.triu(t([[1.0, 2.0], [float("-inf"), 3.0]],
                                            requires_grad=True), 1),
        # bool tensors: PyTorch has no kernel, or forbids the operator
        "abs(bool)": lambda: lib.abs(t([True])),
        "-bool": lambda: -t([True]),
        "bool - bool": lambda: t([True]) - t([False]),
        "bool - True": lambda: t([True]) - True,
        "int - bool": lambda: t([1]) - t([True]),
        "bool // bool": lambda: t([True]) // t([True]),
        "bool % bool": lambda: t([True]) % t([True]),
        "square(bool)": lambda: lib.square(t([True, False])),
        "bool + bool": lambda: t([True]) + t([True]),
        "bool * 2": lambda: t([True]) * 2,
        "lerp(int)": lambda: lib.lerp(t([1]), t([2]), 0.5),
        "where(int64 cond)": lambda: lib.where(t([1, 0]), t([1.0]), t([2.0])),
        # comparisons that need one dtype
        "isclose(f32, f64)": lambda: lib.isclose(t([1.0]), t([1.0], dtype=lib.float64)),
        "isclose(int, float)": lambda: lib.isclose(t([1]), t([1.0])),
        "allclose(f32, f64)": lambda: lib.allclose(t([1.0]), t([1.0], dtype=lib.float64)),
        "einsum(int, float)": lambda: lib.einsum("i,i->", t([1]), t([1.0])),
        "einsum(f32, f64)": lambda: lib.einsum("i,i->", t([1.0]), t([1.0], dtype=lib.float64)),
    }


NAMES = list(_cases(torch))


def _outcome(fn):
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome compared
        return exc
    return out


@pytest.mark.parametrize("name", NAMES)
def test_same_outcome_as_torch(name):
    want = _outcome(_cases(torch)[name])
    got = _outcome(_cases(ag)[name])
    if isinstance(want, Exception):
        assert isinstance(got, type(want)), f"{name}: torch raised {want!r}, we gave {got!r}"
        return
    assert not isinstance(got, Exception), f"{name}: torch gave {want!r}, we raised {got!r}"
    if isinstance(want, bool):
        assert got == want
        return
    assert str(got.dtype).replace("autograd.", "") == str(want.dtype).replace("torch.", ""), name
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())


# The word each error must contain: the op (or, for int64 overflow, PyTorch's own text).
ERROR_WORD = {
    "uint8 ** 300": "pow", "clamp(uint8, 0, 300)": "clamp", "where(c, uint8, 300)": "where",
    "tensor([300], uint8)": "300", "tensor([-300], uint8)": "-300", "tensor([128], int8)": "128",
    "tensor([2**63])": "Overflow", "as_tensor([2**63])": "Overflow",
    "as_tensor([300], uint8)": "300", "tensor(None)": "tensor", "tensor(ragged)": "tensor",
    "zeros(-1)": "zeros", "ones(2, -3)": "ones", "empty(-1)": "empty", "rand(-1)": "rand",
    "randn(2, -1)": "randn", "randint(0, 5, (-1,))": "randint", "randint(5, 5, (2,))": "randint",
    "zeros(2.5)": "zeros", "zeros(None)": "zeros", "full((2,), None)": "full",
    "full((2,), 'a')": "full", "full((2,), 300, uint8)": "300", "eye(-1)": "eye",
    "arange(0, 3, 0)": "arange", "arange(0, 3, -1)": "arange", "linspace(0, 1, -1)": "linspace",
    "zeros_like(list)": "zeros_like", "tril(1-D)": "tril", "triu(1-D)": "triu",
    "abs(bool)": "abs", "-bool": "neg", "bool - bool": "sub", "bool - True": "sub",
    "int - bool": "sub", "bool // bool": "div_floor", "bool % bool": "remainder",
    "lerp(int)": "lerp", "where(int64 cond)": "where", "isclose(f32, f64)": "isclose",
    "isclose(int, float)": "isclose", "allclose(f32, f64)": "allclose",
}


@pytest.mark.parametrize("name", sorted(ERROR_WORD))
def test_error_names_the_op(name):
    got = _outcome(_cases(ag)[name])
    assert isinstance(got, Exception), f"{name}: expected an error, got {got!r}"
    assert ERROR_WORD[name] in str(got), f"{name}: {got!r} does not name {ERROR_WORD[name]!r}"


def test_every_torch_error_case_has_a_word():
    errors = {n for n in NAMES if isinstance(_outcome(_cases(torch)[n]), Exception)}
    assert errors == set(ERROR_WORD)


def test_tril_gradient_is_zero_in_the_removed_triangle():
    x = ag.tensor([[1.0, float("inf")], [2.0, 3.0]], requires_grad=True)
    ag.tril(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0], [1.0, 1.0]])


def test_view_made_under_no_grad_is_not_written_under_grad():
    for lib in (torch, ag):
        x = lib.ones(3, requires_grad=True)
        with lib.no_grad():
            v = x[:2]
        with pytest.raises(RuntimeError, match="no_grad"):
            v.mul_(2)
        y, w = lib.ones(3), lib.ones(2, requires_grad=True)
        with lib.no_grad():
            v = y[:2].view(2)
        with pytest.raises(RuntimeError, match="no_grad"):
            v[:1].copy_(w[:1])
        with lib.no_grad():
            v = y[:2]
        v.mul_(2)  # nothing requires grad: allowed
        v = y[:2]
        v.copy_(w)  # made under grad mode: tracked
        y.sum().backward()
        np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])


def _inplace_cases(lib):
    t = lib.tensor
    return {
        "f32 += f64": lambda: t([1.0, 2.0]).add_(t([1e-9, 0.1], dtype=lib.float64)),
        "f16 += f32": lambda: t([1.0], dtype=lib.float16).add_(t([1e-4])),
        "i32 += i64 (wraps)": lambda: t([1], dtype=lib.int32).add_(t([2**40 + 5])),
        "u8 *= i64 (wraps)": lambda: t([200], dtype=lib.uint8).mul_(t([3])),
        "f32 *= int": lambda: t([1.5]).mul_(t([3])),
        "i64 += True": lambda: t([1]).add_(True),
        "i64 += 0.5": lambda: t([1, 2]).add_(0.5),
        "bool += 1": lambda: t([True]).add_(1),
        "f32.div_(f64)": lambda: t([1.0]).div_(t([3.0], dtype=lib.float64)),
        "i64.div_(2)": lambda: t([1, 2]).div_(2),
        "f32.copy_(f64)": lambda: t([0.0]).copy_(t([1 / 3], dtype=lib.float64)),
        "i64.copy_(float)": lambda: t([0]).copy_(t([2.7])),
        "f32.pow_(f64)": lambda: t([2.0]).pow_(t([0.5], dtype=lib.float64)),
        "f32.clamp_(0, 1)": lambda: t([2.5]).clamp_(0, 1),
        "i64.clamp_(0.5, 1.5)": lambda: t([2]).clamp_(0.5, 1.5),
        "f32.addcmul_(f64)": lambda: t([1.0]).addcmul_(t([2.0], dtype=lib.float64), t([3.0])),
        "i64.sqrt_()": lambda: t([4]).sqrt_(),
        "i64.exp_()": lambda: t([1]).exp_(),
        "i64.zero_()": lambda: t([3]).zero_(),
    }


@pytest.mark.parametrize("name", list(_inplace_cases(torch)))
def test_inplace_result_dtype_and_casting_as_torch(name):
    """In-place ops compute in the promoted dtype and cast back when PyTorch's can_cast
    allows it (integer narrowing wraps), else raise PyTorch's RuntimeError."""
    want = _outcome(_inplace_cases(torch)[name])
    got = _outcome(_inplace_cases(ag)[name])
    if isinstance(want, Exception):
        assert isinstance(got, type(want)) and "can't be cast" in str(got), (name, got)
        return
    assert str(got.dtype).replace("autograd.", "") == str(want.dtype).replace("torch.", ""), name
    np.testing.assert_array_equal(got.numpy(), want.numpy())
