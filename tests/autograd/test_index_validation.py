"""Index ops and tensor indexing (issue 11 part 4), without PyTorch: index_add /
index_add_ values, gradients and in-place history; the errors of scatter/gather/index_add,
one_hot, masked_fill/masked_select, ``__getitem__``/``__setitem__`` and the scalar
conversions (class and the facts the message names). The PyTorch comparison of the same
cases is tests/reference/test_validation_index_torch.py."""
from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import ShapeError


def _t(values, dtype=None, rg=False):
    return autograd.tensor(values, dtype=dtype, requires_grad=rg)


def _raises(exc, *words):
    """Context manager: ``exc`` raised, its message containing each of ``words``."""
    class _Ctx:
        def __enter__(self):
            self._cm = pytest.raises(exc)
            self.info = self._cm.__enter__()
            return self.info

        def __exit__(self, *a):
            out = self._cm.__exit__(*a)
            msg = str(self.info.value)
            for w in words:
                assert w in msg, (w, msg)
            return out
    return _Ctx()


# ----------------------------------------------------------------------------- index_add
def test_index_add_values_match_numpy():
    rng = np.random.default_rng(0)
    x, s = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    idx = np.array([3, 0, 3, 1, 3])
    want = x.copy()
    np.add.at(want, idx, -0.5 * s)
    out = autograd.index_add(_t(x), 0, _t(idx), _t(s), alpha=-0.5)
    np.testing.assert_allclose(out.numpy(), want)
    out = _t(x.T.copy()).index_add(1, _t(idx), _t(s.T.copy()), alpha=-0.5)
    np.testing.assert_allclose(out.numpy(), want.T)
    assert out.dtype == np.float64


def test_index_add_int_alpha_is_cast_like_torch():
    x = autograd.zeros(3, dtype=autograd.int64)
    out = x.index_add(0, _t([0, 2]), _t([3, 3]), alpha=1.5)
    assert out.tolist() == [3, 0, 3] and out.dtype == np.int64
    b = autograd.zeros(3, dtype=autograd.bool).index_add(0, _t([1, 1]), _t([True, True]))
    assert b.tolist() == [False, True, False]


def test_index_add_zero_dim_and_empty():
    assert autograd.tensor(1.).index_add(0, _t([0]), autograd.tensor(2.), alpha=3).item() == 7.0
    assert autograd.tensor(1.).index_add(-1, autograd.tensor(0), autograd.tensor(2.)).item() == 3.0
    out = autograd.ones(2, 3).index_add(0, autograd.zeros(0, dtype=autograd.int64),
                                        autograd.ones(0, 3))
    np.testing.assert_array_equal(out.numpy(), np.ones((2, 3)))


def test_index_add_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(1)
    x = _t(rng.standard_normal((3, 4)), autograd.float64, rg=True)
    s = _t(rng.standard_normal((3, 2)), autograd.float64, rg=True)
    idx = _t([3, 0])

    def f(x, s):
        return autograd.index_add(x, 1, idx, s * s, alpha=0.7)

    assert autograd.gradcheck(f, (x, s))
    assert autograd.gradgradcheck(f, (x, s))


def test_index_add_inplace_bumps_version_and_rebases_history():
    x = _t([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], autograd.float64, rg=True)
    s = _t([[1.0, -1.0]], autograd.float64, rg=True)
    y = x * 2
    v = y._version
    r = y.index_add_(0, _t([2]), s, alpha=3)
    assert r is y and y._version == v + 1
    np.testing.assert_allclose(y.detach().numpy(), [[2, 4], [6, 8], [13, 9]])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 2), 2.0))
    np.testing.assert_allclose(s.grad.numpy(), [[3.0, 3.0]])


def test_index_add_inplace_through_a_view_reaches_the_base():
    x = _t(np.arange(12.0).reshape(3, 4), autograd.float64, rg=True)
    s = _t(np.ones((2, 2)), autograd.float64, rg=True)
    y = x * 1.0
    y[1:].index_add_(1, _t([3, 0]), s)
    np.testing.assert_allclose(y.detach().numpy()[1:, [0, 3]], np.arange(12.0).reshape(3, 4)[1:, [0, 3]] + 1)
    (y * _t(np.arange(12.0).reshape(3, 4), autograd.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.arange(12.0).reshape(3, 4))
    np.testing.assert_allclose(s.grad.numpy(), [[7.0, 4.0], [11.0, 8.0]])


def test_index_add_inplace_on_a_leaf_or_an_expanded_tensor_raises():
    with _raises(RuntimeError, "index_add", "leaf"):
        autograd.zeros(3, requires_grad=True).index_add_(0, _t([0]), autograd.ones(1))
    with _raises(RuntimeError, "index_add", "clone()"):
        autograd.zeros(1, 4).expand(3, 4).index_add_(0, _t([0]), autograd.ones(1, 4))


@pytest.mark.parametrize("i", [-1, 3, 7])
def test_index_add_out_of_range(i):
    with _raises(IndexError, "index_add", f"index {i}", "dimension 0", "size 3") as e:
        autograd.zeros(3, 2).index_add(0, _t([0, i]), autograd.ones(2, 2))
    assert isinstance(e.value, RuntimeError)  # PyTorch raises RuntimeError here


@pytest.mark.parametrize("call, exc, words", [
    (lambda: autograd.zeros(3).index_add(0, _t([0.0]), autograd.ones(1)), RuntimeError,
     ("index_add", "int32/int64", "float32")),
    (lambda: autograd.zeros(3).index_add(0, _t([0], autograd.int16), autograd.ones(1)),
     RuntimeError, ("index_add", "int16")),
    (lambda: autograd.zeros(3, 4).index_add(0, _t([[0, 1]]), autograd.ones(2, 4)), IndexError,
     ("index_add", "vector", "(1, 2)")),
    (lambda: autograd.zeros(3, 4).index_add(0, _t([0, 1, 2]), autograd.ones(2, 4)), ShapeError,
     ("index_add", "Number of indices (3)", "(2)")),
    (lambda: autograd.zeros(3, 4).index_add(0, _t([0, 1]), autograd.ones(2, 3)), ShapeError,
     ("index_add", "(3, 4)", "(2, 3)")),
    (lambda: autograd.zeros(3, 4).index_add(0, _t([0, 1]), autograd.ones(2, 4, 1)), ShapeError,
     ("index_add", "(2, 4, 1)")),
    (lambda: autograd.zeros(3).index_add(0, _t([0]), autograd.ones(1, dtype=autograd.float64)),
     RuntimeError, ("index_add", "float32", "float64")),
    (lambda: autograd.zeros(3).index_add(1, _t([0]), autograd.ones(1)), IndexError,
     ("index_add", "dimension out of range")),
    (lambda: autograd.zeros(3).index_add(0, [0], autograd.ones(1)), TypeError,
     ("index_add", "index", "list")),
    (lambda: autograd.zeros(3).index_add(0, _t([0]), 1.0), TypeError,
     ("index_add", "source", "float")),
    (lambda: autograd.tensor(1.).index_add(0, _t([0, 0]), autograd.tensor(2.)), IndexError,
     ("index_add", "0-d")),
    (lambda: autograd.tensor(1.).index_add(0, _t([0]), autograd.ones(1)), ShapeError,
     ("index_add", "0-d", "(1,)")),
])
def test_index_add_bad_arguments(call, exc, words):
    with _raises(exc, *words):
        call()


def test_index_add_alpha_is_keyword_only():
    with pytest.raises(TypeError):
        autograd.zeros(3).index_add(0, _t([0]), autograd.ones(1), 2)  # type: ignore[misc]


# ---------------------------------------------------------------- scatter / gather rules
@pytest.mark.parametrize("call, words", [
    (lambda: autograd.zeros(3, 3).scatter(0, _t([[0, 1, 2]]), autograd.ones(1, 1)),
     ("scatter", "(1, 3)", "(3, 3)", "src (1, 1)")),
    (lambda: autograd.zeros(3).scatter(0, _t([0, 1]), autograd.ones(1)),
     ("scatter", "(2,)", "src (1,)")),
    (lambda: autograd.zeros(3).scatter_add(0, _t([0, 1]), autograd.ones(1)),
     ("scatter_add", "(2,)", "src (1,)")),
    (lambda: autograd.zeros(3, 3).scatter(0, _t([[0, 1, 2]]), autograd.ones(1, 1), reduce="add"),
     ("scatter", "src (1, 1)")),
    (lambda: autograd.zeros(3, 3).scatter(0, _t([[0, 1, 2, 0]]), value=1.0),
     ("scatter", "(1, 4)", "self (3, 3)", "dimension 1")),
    (lambda: autograd.zeros(3, 3).gather(0, _t([[0, 1, 2, 0]])),
     ("gather", "(1, 4)", "self (3, 3)")),
    (lambda: autograd.zeros(3).scatter(0, _t([0, 1]), autograd.ones(2, 2)),
     ("scatter", "dimensions", "src")),
])
def test_scatter_gather_size_rules(call, words):
    with _raises(RuntimeError, *words) as e:
        call()
    assert isinstance(e.value, ShapeError)


def test_scatter_src_must_match_dtype_and_index_dtype():
    with _raises(RuntimeError, "scatter", "float32", "float64"):
        autograd.zeros(3).scatter(0, _t([0]), autograd.ones(1, dtype=autograd.float64))
    with _raises(RuntimeError, "scatter_add", "float32", "float64"):
        autograd.zeros(3).scatter_add_(0, _t([0]), autograd.ones(1, dtype=autograd.float64))
    with _raises(RuntimeError, "gather", "int32/int64", "uint8"):
        autograd.zeros(3).gather(0, _t([0], autograd.uint8))
    with _raises(RuntimeError, "index_select", "int32/int64", "float32"):
        autograd.zeros(3).index_select(0, _t([0.0]))


def test_scatter_valid_calls_unchanged():
    x = autograd.zeros(3, 3)
    out = x.scatter(0, _t([[0, 1]]), autograd.ones(2, 3))  # src larger than index: fine
    assert out.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]
    out = x.scatter(0, autograd.zeros(0, 3, dtype=autograd.int64), autograd.ones(1, 1))
    assert out.tolist() == [[0.0] * 3] * 3  # an empty index skips the size rules
    assert autograd.zeros(3).scatter(0, _t([1]), autograd.tensor(4.)).tolist() == [0, 4, 0]
    assert autograd.tensor(2.).gather(0, autograd.tensor(0)).item() == 2.0
    out = autograd.full((3,), 3.).scatter(0, _t([0, 0]), _t([2., 5.]), reduce="multiply")
    assert out.tolist() == [30.0, 3.0, 3.0]
    with _raises(RuntimeError, "scatter", "add or multiply"):
        x.scatter(0, _t([[0]]), autograd.ones(1, 1), reduce="mean")


# -------------------------------------------------------------------------------- one_hot
@pytest.mark.parametrize("call, words", [
    (lambda: F.one_hot(_t([0, -1])), ("one_hot", "non-negative", "-1")),
    (lambda: F.one_hot(_t([0, 3]), 3), ("one_hot", "smaller than num_classes", "3")),
    (lambda: F.one_hot(_t([0.0, 1.0])), ("one_hot", "LongTensor", "float32")),
    (lambda: F.one_hot(_t([0, 1], autograd.int32)), ("one_hot", "LongTensor", "int32")),
    (lambda: F.one_hot(autograd.zeros(0, dtype=autograd.int64)), ("one_hot", "empty")),
])
def test_one_hot_errors(call, words):
    with _raises(RuntimeError, *words):
        call()


def test_one_hot_type_errors_and_valid_calls():
    with _raises(TypeError, "one_hot", "list"):
        F.one_hot([0, 1], 3)
    with _raises(TypeError, "one_hot", "num_classes"):
        F.one_hot(_t([0]), 2.0)
    assert F.one_hot(_t([0, 2, 1])).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(autograd.zeros(0, dtype=autograd.int64), 3).shape == (0, 3)


# ---------------------------------------------------------------- masked_fill / select
def test_masked_fill_shape_errors_name_both_sizes():
    with _raises(ShapeError, "masked_fill", "(2)", "(3)", "dimension 0") as e:
        autograd.zeros(3).masked_fill(_t([True, False]), 1.0)
    assert isinstance(e.value, RuntimeError) and "broadcast" not in str(e.value).lower()
    with _raises(RuntimeError, "masked_fill", "dimension 1"):
        autograd.zeros(3, 2).masked_fill_(_t([[True, False, True]]), 1.0)
    with _raises(RuntimeError, "masked_fill", "(3,)", "(2, 3)"):
        autograd.zeros(3).masked_fill_(_t([[True, False, True]] * 2), 1.0)
    with _raises(ShapeError, "masked_select", "(2)", "(3)"):
        autograd.zeros(3).masked_select(_t([True, False]))
    with _raises(RuntimeError, "masked_select", "bool", "int64"):
        autograd.zeros(3).masked_select(_t([1, 0, 1]))


def test_masked_fill_broadcasts_input_out_of_place():
    out = autograd.arange(3.).masked_fill(_t([[True, False, False], [False, False, True]]), -1.)
    assert out.tolist() == [[-1.0, 1.0, 2.0], [0.0, 1.0, -1.0]]


# ----------------------------------------------------------------- setitem / getitem
@pytest.mark.parametrize("rg", [False, True])
def test_setitem_wrong_shape_is_a_shape_error(rg):
    x = autograd.zeros(2, 3, dtype=autograd.float64, requires_grad=rg) * 1.0
    v = x._version
    with _raises(ShapeError, "setitem", "(2,)", "(2, 3)") as e:
        x[:] = autograd.ones(2, dtype=autograd.float64)
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, ValueError)
    assert "could not broadcast input array" not in str(e.value)
    assert x._version == v and x.tolist() == [[0.0] * 3] * 2  # nothing written
    with _raises(ShapeError, "setitem", "(3,)", "(2,)"):
        autograd.zeros(3)[_t([True, False, True])] = autograd.ones(3)
    with _raises(ShapeError, "setitem", "(3, 3)", "(2, 3)"):
        autograd.zeros(3, 3)[_t([0, 1])] = autograd.ones(3, 3)


def test_setitem_other_value_errors_pass_through():
    x = autograd.zeros(2, 3)
    with pytest.raises(ValueError) as e:
        x[0] = [[1.0, 2.0], [3.0]]  # ragged: not a shape mismatch of a value
    assert not isinstance(e.value, ShapeError)
    x[:] = autograd.ones(1, 3)  # leading size-1 dims may be dropped, as in PyTorch
    assert x.tolist() == [[1.0] * 3] * 2


@pytest.mark.parametrize("call, exc, words", [
    (lambda x: x[5], IndexError, ("getitem", "index 5 is out of bounds for dimension 0 with size 3")),
    (lambda x: x[-4], IndexError, ("getitem", "index -4", "dimension 0")),
    (lambda x: x[_t([0, 5])], IndexError, ("getitem", "index 5", "dimension 0")),
    (lambda x: x[0, 0], IndexError, ("getitem", "too many indices for tensor of dimension 1")),
    (lambda x: x[_t([0.0, 1.0])], IndexError, ("long, int, byte or bool", "float32")),
    (lambda x: x[autograd.tensor(1.0)], IndexError, ("long, int, byte or bool",)),
    (lambda x: x[_t([0], autograd.int16)], IndexError, ("long, int, byte or bool", "int16")),
    (lambda x: x[_t([True, False])], IndexError, ("getitem", "mask", "size 2", "size 3")),
])
def test_getitem_errors(call, exc, words):
    with _raises(exc, *words) as e:
        call(autograd.zeros(3))
    assert "axis" not in str(e.value)


def test_getitem_byte_tensor_is_a_mask():
    x = autograd.arange(3.)
    assert x[_t([1, 0, 1], autograd.uint8)].tolist() == [0.0, 2.0]
    assert x[_t([2, 0], autograd.int32)].tolist() == [2.0, 0.0]


def test_setitem_out_of_range_names_setitem():
    with _raises(IndexError, "setitem", "index 5", "dimension 0", "size 3") as e:
        autograd.zeros(3)[5] = 1.0
    assert "axis" not in str(e.value)


# -------------------------------------------------------------------------- conversions
@pytest.mark.parametrize("conv", [int, float, complex])
@pytest.mark.parametrize("n", [0, 2])
def test_scalar_conversions_of_many_elements_raise_value_error(conv, n):
    with _raises(ValueError, conv.__name__, "only one element tensors", f"{n} elements"):
        conv(autograd.ones(n))


def test_item_stays_runtime_error_and_conversions_work():
    with pytest.raises(RuntimeError):
        autograd.ones(2).item()
    assert int(_t([[2.7]])) == 2 and float(_t([3])) == 3.0
    assert complex(_t([[3]])) == 3 + 0j and complex(autograd.tensor(True)) == 1 + 0j
    assert int(autograd.tensor(2.5 + 0j)) == 2
    with _raises(RuntimeError, "int", "imaginary"):
        int(autograd.tensor(2 + 1j))
    with _raises(TypeError, "integer tensors of a single element"):
        [1, 2, 3][autograd.tensor(1.0)]
