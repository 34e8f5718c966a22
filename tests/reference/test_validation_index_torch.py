"""Index ops and tensor indexing against PyTorch (issue 11 part 4): a bad call raises an
instance of PyTorch's exception class with a message naming the op; a good one gives
PyTorch's values, dtypes and (float64) gradients. Covers index_add/index_add_ (new),
scatter/scatter_add/gather size rules, index_select, one_hot, masked_fill/masked_select,
``__getitem__``/``__setitem__`` and the int/float/complex conversions."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn.functional as NF  # noqa: E402


def _F(m):
    return torch.nn.functional if m is torch else NF


def _set(shape, index, value):
    def run(m):
        x = m.zeros(*shape)
        x[index(m) if callable(index) else index] = value(m)
        return x
    return run


def _set_grad(shape, index, value):
    def run(m):
        x = m.zeros(*shape, dtype=m.float64, requires_grad=True) * 1.0
        x[index] = value(m)
        return x
    return run


L = lambda m, *v: m.tensor(list(v))  # noqa: E731  a long (or float) 1-D tensor

# name -> (call(m), text our message must contain)
ERRORS = {
    # index_add / index_add_
    "index_add_neg": (lambda m: m.zeros(3, 4).index_add(0, L(m, -1, 1), m.ones(2, 4)), "index_add"),
    "index_add_oob": (lambda m: m.zeros(3, 4).index_add(0, L(m, 3, 1), m.ones(2, 4)), "index_add"),
    "index_add_oob_dim1": (lambda m: m.zeros(3, 4).index_add(1, L(m, 4), m.ones(3, 1)), "index_add"),
    "index_add_0d_self_oob": (lambda m: m.tensor(1.).index_add(0, L(m, 1), m.tensor(2.)), "index_add"),
    "index_add_0d_self_two_idx": (lambda m: m.tensor(1.).index_add(0, L(m, 0, 0), m.tensor(2.)),
                                  "index_add"),
    "index_add_float_index": (lambda m: m.zeros(3).index_add(0, L(m, 0.), m.ones(1)), "index_add"),
    "index_add_int16_index": (lambda m: m.zeros(3).index_add(0, m.tensor([0], dtype=m.int16),
                                                             m.ones(1)), "index_add"),
    "index_add_bool_index": (lambda m: m.zeros(3).index_add(0, m.tensor([True]), m.ones(1)),
                             "index_add"),
    "index_add_2d_index": (lambda m: m.zeros(3, 4).index_add(0, m.tensor([[0, 2]]), m.ones(2, 4)),
                           "index_add"),
    "index_add_numel": (lambda m: m.zeros(3, 4).index_add(0, L(m, 0, 1, 2), m.ones(2, 4)),
                        "index_add"),
    "index_add_0d_index_numel": (lambda m: m.zeros(3, 4).index_add(0, m.tensor(1), m.ones(4)),
                                 "index_add"),
    "index_add_other_dim": (lambda m: m.zeros(3, 4).index_add(0, L(m, 0, 1), m.ones(2, 3)),
                            "index_add"),
    "index_add_src_ndim": (lambda m: m.zeros(3, 4).index_add(0, L(m, 0, 1), m.ones(2, 4, 1)),
                           "index_add"),
    "index_add_src_fewer_dims": (lambda m: m.zeros(2, 3).index_add(1, L(m, 1), m.ones(1)),
                                 "index_add"),
    "index_add_0d_self_1d_src": (lambda m: m.tensor(1.).index_add(0, L(m, 0), m.ones(1)),
                                 "index_add"),
    "index_add_dtype": (lambda m: m.zeros(3, 4).index_add(0, L(m, 0, 1),
                                                           m.ones(2, 4, dtype=m.float64)),
                        "index_add"),
    "index_add_int_self_float_src": (lambda m: m.zeros(3, dtype=m.int64).index_add(
        0, L(m, 0), m.ones(1)), "index_add"),
    "index_add_dim": (lambda m: m.zeros(3, 4).index_add(2, L(m, 0), m.ones(1, 4)), "index_add"),
    "index_add_list_index": (lambda m: m.index_add(m.zeros(3), 0, [0], m.ones(1)), "index_add"),
    "index_add_number_source": (lambda m: m.zeros(3).index_add(0, L(m, 0), 1.0), "index_add"),
    "index_add_alpha_positional": (lambda m: m.zeros(3).index_add(0, L(m, 0), m.ones(1), 2),
                                   "index_add"),
    "index_add__oob": (lambda m: m.zeros(3).index_add_(0, L(m, 5), m.ones(1)), "index_add"),
    "index_add__dtype": (lambda m: m.zeros(3).index_add_(0, L(m, 0), m.ones(1, dtype=m.float64)),
                         "index_add"),
    "index_add__leaf": (lambda m: m.zeros(3, requires_grad=True).index_add_(0, L(m, 0), m.ones(1)),
                        "index_add"),
    "index_add__expanded": (lambda m: m.zeros(1, 4).expand(3, 4).index_add_(0, L(m, 0),
                                                                            m.ones(1, 4)),
                            "index_add"),
    # scatter / scatter_add / gather size rules
    "scatter_src_smaller": (lambda m: m.zeros(3, 3).scatter(0, m.tensor([[0, 1, 2]]),
                                                            m.ones(1, 1)), "scatter"),
    "scatter_src_smaller_1d": (lambda m: m.zeros(3).scatter(0, L(m, 0, 1), m.ones(1)), "scatter"),
    "scatter_src_0d_two_idx": (lambda m: m.zeros(3).scatter(0, L(m, 0, 1), m.tensor(4.)),
                               "scatter"),
    "scatter_src_0d_2d_index": (lambda m: m.zeros(3, 2).scatter(0, m.tensor([[2]]), m.tensor(4.)),
                                "scatter"),
    "scatter_idx_larger_than_self": (lambda m: m.zeros(3, 3).scatter(
        0, m.tensor([[0, 1, 2, 0]]), m.ones(2, 4)), "scatter"),
    "scatter_value_idx_larger": (lambda m: m.zeros(3, 3).scatter(0, m.tensor([[0, 1, 2, 0]]),
                                                                 value=2.0), "scatter"),
    "scatter_src_fewer_dims": (lambda m: m.zeros(3, 3).scatter(0, m.tensor([[0, 1]]), m.ones(3)),
                               "scatter"),
    "scatter_src_more_dims": (lambda m: m.zeros(3).scatter(0, L(m, 0, 1), m.ones(2, 2)),
                              "scatter"),
    "scatter_dtype": (lambda m: m.zeros(3, 3).scatter(0, m.tensor([[0, 1]]),
                                                      m.ones(2, 3, dtype=m.float64)), "scatter"),
    "scatter__dtype": (lambda m: m.zeros(3, 3).scatter_(0, m.tensor([[0, 1]]),
                                                        m.ones(2, 3, dtype=m.float64)), "scatter"),
    "scatter_reduce_add_src_smaller": (lambda m: m.zeros(3, 3).scatter(
        0, m.tensor([[0, 1, 2]]), m.ones(1, 1), reduce="add"), "scatter"),
    "scatter_bad_reduce": (lambda m: m.ones(3).scatter(0, L(m, 0), m.ones(1), reduce="mean"),
                           "scatter"),
    "scatter_int16_index": (lambda m: m.zeros(3).scatter(0, m.tensor([0], dtype=m.int16),
                                                         m.ones(1)), "scatter"),
    "scatter_add_src_smaller": (lambda m: m.zeros(3, 3).scatter_add(0, m.tensor([[0, 1, 2]]),
                                                                    m.ones(1, 1)), "scatter_add"),
    "scatter_add_src_smaller_1d": (lambda m: m.zeros(3).scatter_add(0, L(m, 0, 1), m.ones(1)),
                                   "scatter_add"),
    "scatter_add_idx_larger_than_self": (lambda m: m.zeros(3, 3).scatter_add(
        0, m.tensor([[0, 1, 2, 0]]), m.ones(2, 4)), "scatter_add"),
    "scatter_add_dtype": (lambda m: m.zeros(3, 3).scatter_add(0, m.tensor([[0, 1]]),
                                                              m.ones(2, 3, dtype=m.float64)),
                          "scatter_add"),
    "scatter_add__src_smaller": (lambda m: m.zeros(3).scatter_add_(0, L(m, 0, 1), m.ones(1)),
                                 "scatter_add"),
    "gather_idx_larger_than_self": (lambda m: m.zeros(3, 3).gather(0, m.tensor([[0, 1, 2, 0]])),
                                    "gather"),
    "gather_int16_index": (lambda m: m.zeros(3, 3).gather(0, m.tensor([[0]], dtype=m.int16)),
                           "gather"),
    "gather_uint8_index": (lambda m: m.zeros(3, 3).gather(0, m.tensor([[0]], dtype=m.uint8)),
                           "gather"),
    "gather_float_index": (lambda m: m.zeros(3, 3).gather(0, m.tensor([[0.]])), "gather"),
    "gather_ndim": (lambda m: m.zeros(3, 3).gather(0, L(m, 0)), "gather"),
    # index_select
    "index_select_float_index": (lambda m: m.zeros(3, 3).index_select(0, L(m, 0.)),
                                 "index_select"),
    "index_select_int16_index": (lambda m: m.zeros(3, 3).index_select(
        0, m.tensor([0], dtype=m.int16)), "index_select"),
    "index_select_0d_self_oob": (lambda m: m.tensor(3.).index_select(0, L(m, 1)), "index_select"),
    "index_select_0d_self_empty": (lambda m: m.tensor(3.).index_select(
        0, m.tensor([], dtype=m.int64)), "index_select"),
    # one_hot
    "one_hot_negative": (lambda m: _F(m).one_hot(L(m, 0, -1)), "one_hot"),
    "one_hot_negative_nc": (lambda m: _F(m).one_hot(L(m, 0, -1), 3), "one_hot"),
    "one_hot_too_big": (lambda m: _F(m).one_hot(L(m, 0, 3), 3), "one_hot"),
    "one_hot_nc_zero": (lambda m: _F(m).one_hot(L(m, 0, 1), 0), "one_hot"),
    "one_hot_float": (lambda m: _F(m).one_hot(L(m, 0., 1.)), "one_hot"),
    "one_hot_int32": (lambda m: _F(m).one_hot(m.tensor([0, 1], dtype=m.int32)), "one_hot"),
    "one_hot_bool": (lambda m: _F(m).one_hot(m.tensor([True, False])), "one_hot"),
    "one_hot_empty_infer": (lambda m: _F(m).one_hot(m.zeros(0, dtype=m.int64)), "one_hot"),
    "one_hot_list": (lambda m: _F(m).one_hot([0, 1], 3), "one_hot"),
    "one_hot_float_nc": (lambda m: _F(m).one_hot(L(m, 0), 2.0), "one_hot"),
    # masked_fill / masked_select
    "masked_fill_shape": (lambda m: m.zeros(3).masked_fill(m.tensor([True, False]), 1.),
                          "masked_fill"),
    "masked_fill_shape_2d": (lambda m: m.zeros(3, 2).masked_fill(m.tensor([[True, False, True]]),
                                                                 1.), "masked_fill"),
    "masked_fill__shape": (lambda m: m.zeros(3).masked_fill_(m.tensor([True, False]), 1.),
                           "masked_fill"),
    "masked_fill__mask_bigger": (lambda m: m.zeros(3).masked_fill_(
        m.tensor([[True, False, True]] * 2), 1.), "masked_fill"),
    "masked_fill_int_mask": (lambda m: m.zeros(3).masked_fill(L(m, 1, 0, 1), 1.), "masked_fill"),
    "masked_fill_1d_value": (lambda m: m.zeros(3).masked_fill(m.tensor([True, False, True]),
                                                              m.tensor([1.])), "masked_fill"),
    "masked_select_shape": (lambda m: m.zeros(3).masked_select(m.tensor([True, False])),
                            "masked_select"),
    "masked_select_int_mask": (lambda m: m.zeros(3).masked_select(L(m, 1, 0, 1)),
                               "masked_select"),
    # __setitem__
    "setitem_shape": (_set((2, 3), slice(None), lambda m: m.ones(2)), "setitem"),
    "setitem_shape_row": (_set((2, 3), 0, lambda m: m.ones(2)), "setitem"),
    "setitem_shape_advanced": (_set((3, 3), lambda m: L(m, 0, 1), lambda m: m.ones(3, 3)),
                               "setitem"),
    "setitem_shape_mask": (_set((3,), lambda m: m.tensor([True, False, True]),
                                lambda m: m.ones(3)), "setitem"),
    "setitem_value_more_dims": (_set((3,), slice(None), lambda m: m.ones(2, 3)), "setitem"),
    "setitem_shape_recorded": (_set_grad((2, 3), slice(None), lambda m: m.ones(2, dtype=m.float64)),
                               "setitem"),
    "setitem_oob": (_set((3,), 5, lambda m: 1.0), "setitem"),
    "setitem_float_index": (_set((3,), lambda m: m.tensor([0., 1.]), lambda m: 1.0), "indexing"),
    # __getitem__
    "getitem_oob": (lambda m: m.zeros(3)[5], "getitem"),
    "getitem_oob_negative": (lambda m: m.zeros(3)[-4], "getitem"),
    "getitem_oob_dim1": (lambda m: m.zeros(2, 3)[:, 3], "getitem"),
    "getitem_oob_tensor": (lambda m: m.zeros(3)[L(m, 0, 5)], "getitem"),
    "getitem_oob_0d_tensor": (lambda m: m.zeros(3)[m.tensor(5)], "getitem"),
    "getitem_float_tensor": (lambda m: m.zeros(3)[L(m, 0., 1.)], "indexing"),
    "getitem_float_0d_tensor": (lambda m: m.zeros(3)[m.tensor(1.)], "indexing"),
    "getitem_float_0d_tensor_in_tuple": (lambda m: m.zeros(2, 3)[0, m.tensor(1.)], "indexing"),
    "getitem_int16_tensor": (lambda m: m.zeros(3)[m.tensor([0], dtype=m.int16)], "indexing"),
    "getitem_int8_tensor": (lambda m: m.zeros(3)[m.tensor([0], dtype=m.int8)], "indexing"),
    "getitem_float": (lambda m: m.zeros(3)[1.0], "getitem"),
    "getitem_too_many": (lambda m: m.zeros(3)[0, 0], "getitem"),
    "getitem_too_many_2d": (lambda m: m.zeros(2, 3)[0, 0, 0], "getitem"),
    "getitem_too_many_ellipsis": (lambda m: m.zeros(3)[..., 0, 0], "getitem"),
    "getitem_mask_shape": (lambda m: m.zeros(3)[m.tensor([True, False])], "getitem"),
    "getitem_broadcast": (lambda m: m.zeros(3, 3)[L(m, 0, 1), L(m, 0, 1, 2)], "getitem"),
    # conversions
    "int_many": (lambda m: int(m.ones(2)), "int"),
    "int_empty": (lambda m: int(m.ones(0)), "int"),
    "float_many": (lambda m: float(m.ones(2)), "float"),
    "complex_many": (lambda m: complex(m.ones(2)), "complex"),
    "int_complex": (lambda m: int(m.tensor(2 + 1j)), "int"),
    "float_complex": (lambda m: float(m.tensor(2 + 1j)), "float"),
    "item_many": (lambda m: m.ones(2).item(), "item"),
    "item_empty": (lambda m: m.ones(0).item(), "item"),
    "index_many": (lambda m: [1, 2, 3][m.ones(2, dtype=m.int64)], "index"),
    "index_float": (lambda m: [1, 2, 3][m.tensor(1.)], "index"),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_class_matches_torch(name):
    call, op = ERRORS[name]
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(autograd)
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)
    assert op in str(ours.value), str(ours.value)


def test_messages_name_the_facts():
    """The details PyTorch gives (and a few it does not): bad index, range, shapes."""
    def msg(call):
        with pytest.raises(Exception) as e:
            call(autograd)
        return str(e.value)

    m = msg(ERRORS["index_add_oob"][0])
    assert "index 3" in m and "dimension 0" in m and "size 3" in m
    m = msg(ERRORS["scatter_src_smaller"][0])
    assert "(1, 3)" in m and "(3, 3)" in m and "src (1, 1)" in m
    m = msg(ERRORS["setitem_shape"][0])
    assert "(2,)" in m and "(2, 3)" in m
    m = msg(ERRORS["getitem_oob"][0])
    assert "index 5 is out of bounds for dimension 0 with size 3" in m and "axis" not in m
    assert "too many indices for tensor of dimension 1" in msg(ERRORS["getitem_too_many"][0])
    assert "long, int, byte or bool" in msg(ERRORS["getitem_float_tensor"][0])
    assert "must be non-negative" in msg(ERRORS["one_hot_negative"][0])
    assert "smaller than num_classes" in msg(ERRORS["one_hot_too_big"][0])
    assert "LongTensor" in msg(ERRORS["one_hot_float"][0])
    m = msg(ERRORS["masked_fill_shape"][0])
    assert "(2)" in m and "(3)" in m and "dimension 0" in m
    assert "only one element tensors" in msg(ERRORS["int_many"][0])


def _same(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, autograd.Tensor)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype,
                                                                            theirs.dtype)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    else:
        assert type(ours) is type(theirs) and ours == theirs, (ours, theirs)


# calls PyTorch accepts (several were rejected or wrong before): same values and dtypes
OK = {
    "index_add": lambda m: m.zeros(3, 4).index_add(0, L(m, 0, 2), m.ones(2, 4)),
    "index_add_dup_alpha": lambda m: m.zeros(3, 4).index_add(0, L(m, 0, 0), m.ones(2, 4), alpha=2),
    "index_add_int32_index": lambda m: m.zeros(3).index_add(0, m.tensor([2, 2], dtype=m.int32),
                                                            m.ones(2)),
    "index_add_0d_index": lambda m: m.zeros(3, 4).index_add(0, m.tensor(1), m.ones(1, 4)),
    "index_add_dim_neg": lambda m: m.zeros(3, 4).index_add(-1, L(m, 3, 0), m.ones(3, 2)),
    "index_add_empty": lambda m: m.zeros(3, 4).index_add(0, m.tensor([], dtype=m.int64),
                                                         m.ones(0, 4)),
    "index_add_0d_self": lambda m: m.tensor(1.).index_add(0, L(m, 0), m.tensor(2.)),
    "index_add_0d_self_0d_index": lambda m: m.tensor(1.).index_add(-1, m.tensor(0), m.tensor(2.)),
    "index_add_int_alpha_float": lambda m: m.zeros(3, dtype=m.int64).index_add(
        0, L(m, 0), m.full((1,), 3, dtype=m.int64), alpha=1.5),
    "index_add_int_alpha_neg": lambda m: m.zeros(3, dtype=m.int64).index_add(
        0, L(m, 0), m.full((1,), 2, dtype=m.int64), alpha=-1.5),
    "index_add_bool": lambda m: m.zeros(3, dtype=m.bool).index_add(0, L(m, 0, 0),
                                                                   m.ones(2, dtype=m.bool)),
    "index_add_kwargs": lambda m: m.index_add(m.zeros(3), dim=0, index=L(m, 1), source=m.ones(1),
                                              alpha=2),
    "index_add_alpha_tensor": lambda m: m.zeros(3).index_add(0, L(m, 1), m.ones(1),
                                                             alpha=m.tensor(2.)),
    "index_add_": lambda m: m.zeros(3).index_add_(0, L(m, 0, 0), m.ones(2)),
    "index_add_float64": lambda m: m.zeros(2, 3, dtype=m.float64).index_add(
        1, L(m, 2, 0), m.ones(2, 2, dtype=m.float64), alpha=0.25),
    "scatter_src_bigger": lambda m: m.zeros(3, 3).scatter(0, m.tensor([[0, 1]]), m.ones(2, 3)),
    "scatter_idx_longer_at_dim": lambda m: m.zeros(3, 3).scatter(0, m.tensor([[0], [1], [2], [0]]),
                                                                 m.ones(4, 1)),
    "scatter_empty_index_small_src": lambda m: m.zeros(3, 3).scatter(
        0, m.zeros(0, 3, dtype=m.int64), m.ones(1, 1)),
    "scatter_src_0d": lambda m: m.zeros(3).scatter(0, L(m, 0), m.tensor(4.)),
    "scatter_add_src_0d": lambda m: m.zeros(3).scatter_add(0, L(m, 0), m.tensor(4.)),
    "scatter_0d": lambda m: m.tensor(2.).scatter(0, m.tensor(0), m.tensor(5.)),
    "scatter_add_0d": lambda m: m.tensor(2.).scatter_add(0, m.tensor(0), m.tensor(5.)),
    "scatter_value_positional": lambda m: m.zeros(3, 2).scatter(0, m.tensor([[2], [0]]), 4.0),
    "scatter_value_reduce_add": lambda m: m.zeros(3, 2).scatter(0, m.tensor([[2], [2]]), 4.,
                                                                reduce="add"),
    "scatter_reduce_multiply": lambda m: m.full((3,), 3.).scatter(0, L(m, 0, 0), L(m, 2., 5.),
                                                                  reduce="multiply"),
    "scatter_int32_index": lambda m: m.zeros(3, 3).scatter(0, m.tensor([[0]], dtype=m.int32),
                                                           m.ones(1, 1)),
    "gather_idx_longer_at_dim": lambda m: m.arange(9.).reshape(3, 3).gather(
        0, m.tensor([[0], [1], [2], [0], [1]])),
    "gather_int32_index": lambda m: m.arange(9.).reshape(3, 3).gather(
        1, m.tensor([[2]], dtype=m.int32)),
    "gather_0d": lambda m: m.tensor(2.).gather(0, m.tensor(0)),
    "gather_0d_self_1d_index": lambda m: m.tensor(2.).gather(0, L(m, 0)),
    "gather_1d_self_0d_index": lambda m: L(m, 2., 3.).gather(0, m.tensor(1)),
    "index_select_0d_self": lambda m: m.tensor(3.).index_select(0, L(m, 0)),
    "index_select_0d_self_0d_index": lambda m: m.tensor(3.).index_select(0, m.tensor(0)),
    "index_select_int32": lambda m: m.arange(6.).reshape(2, 3).index_select(
        1, m.tensor([2, 0], dtype=m.int32)),
    "one_hot_empty_nc": lambda m: _F(m).one_hot(m.zeros(0, dtype=m.int64), 3),
    "one_hot_0d": lambda m: _F(m).one_hot(m.tensor(1), 3),
    "masked_fill_mask_bigger": lambda m: m.arange(3.).masked_fill(
        m.tensor([[True, False, True], [False, False, True]]), 1.),
    "masked_fill_broadcast": lambda m: m.arange(6.).reshape(2, 3).masked_fill(
        m.tensor([True, False, True]), -1.),
    "masked_select_mask_bigger": lambda m: m.arange(3.).masked_select(
        m.tensor([[True, False, True], [False, False, True]])),
    "getitem_uint8_mask": lambda m: m.arange(3.)[m.tensor([1, 0, 1], dtype=m.uint8)],
    "getitem_uint8_mask_2d": lambda m: m.arange(6.).reshape(2, 3)[
        m.tensor([[1, 0, 1], [0, 0, 1]], dtype=m.uint8)],
    "getitem_int32_tensor": lambda m: m.arange(3.)[m.tensor([2, 0], dtype=m.int32)],
    "getitem_0d_int32_tensor": lambda m: m.arange(3.)[m.tensor(2, dtype=m.int32)],
    "getitem_0d_bool": lambda m: m.arange(3.)[m.tensor(True)],
    "setitem_broadcast_row": _set((2, 3), slice(None), lambda m: m.ones(3)),
    "setitem_leading_one": _set((3,), slice(None), lambda m: m.ones(1, 3)),
    "int_one_element": lambda m: int(m.tensor([[2.7]])),
    "float_one_element": lambda m: float(m.tensor([3])),
    "complex_one_element": lambda m: complex(m.tensor([[3]])),
    "complex_bool": lambda m: complex(m.tensor(True)),
    "int_complex_real": lambda m: int(m.tensor(2.5 + 0j)),
    "float_complex_real": lambda m: float(m.tensor(2.5 + 0j)),
    "index_one_element": lambda m: [1, 2, 3][m.tensor([1])],
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(OK))
def test_valid_calls_match_torch(name):
    _same(OK[name](autograd), OK[name](torch))


def _grads(m, fn, shapes, seed=0):
    rng = np.random.default_rng(seed)
    xs = [m.tensor(rng.standard_normal(s), dtype=m.float64, requires_grad=True) for s in shapes]
    out = fn(m, *xs)
    w = m.tensor(rng.standard_normal(tuple(out.shape)), dtype=m.float64)
    (out * w).sum().backward()
    return [out.detach().numpy()] + [x.grad.numpy() for x in xs]


GRADS = {
    "index_add": (lambda m, x, s: x.index_add(0, L(m, 2, 0, 2), s, alpha=-1.5), [(3, 4), (3, 4)]),
    "index_add_dim1": (lambda m, x, s: m.index_add(x, 1, L(m, 3, 3), s), [(2, 5), (2, 2)]),
    "index_add_0d": (lambda m, x, s: x.index_add(0, m.tensor(0), s, alpha=2), [(), ()]),
    "index_add_inplace": (lambda m, x, s: (x * 2).index_add_(0, L(m, 1, 1), s.exp()),
                          [(3, 2), (2, 2)]),
    "index_add_inplace_view": (lambda m, x, s: _inplace_view(m, x, s), [(3, 4), (2, 2)]),
    "scatter_src_0d": (lambda m, x, s: x.scatter(0, L(m, 1), s), [(3,), ()]),
    "scatter_add_src_0d": (lambda m, x, s: x.scatter_add(0, L(m, 1), s), [(3,), ()]),
    "gather_0d": (lambda m, x: x.gather(0, L(m, 0, 0)), [()]),
    "index_select_0d": (lambda m, x: x.index_select(0, L(m, 0)) * 3, [()]),
    "masked_fill_mask_bigger": (lambda m, x: x.masked_fill(m.tensor([[True, False, True],
                                                                     [False, False, True]]), 1.),
                                [(3,)]),
}


def _inplace_view(m, x, s):
    y = x * 1.0
    y[1:].index_add_(1, L(m, 3, 0), s)
    return y


@pytest.mark.parametrize("name", sorted(GRADS))
def test_float64_gradients_match_torch(name):
    fn, shapes = GRADS[name]
    ours, theirs = _grads(autograd, fn, shapes), _grads(torch, fn, shapes)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_index_add_second_derivative_matches_torch():
    def run(m):
        x = m.tensor([[0.3, -1.2], [0.5, 2.0], [1.1, -0.7]], dtype=m.float64, requires_grad=True)
        s = m.tensor([[0.4, 0.9], [-1.3, 0.2]], dtype=m.float64, requires_grad=True)
        out = (x.index_add(0, L(m, 2, 2), s * s, alpha=0.5) ** 2).sum()
        gx, gs = m.autograd.grad(out, (x, s), create_graph=True) if m is torch else \
            autograd.grad(out, (x, s), create_graph=True)
        (gx.sum() + (gs * gs).sum()).backward()
        return x.grad.numpy(), s.grad.numpy()

    for a, b in zip(run(autograd), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-10)
