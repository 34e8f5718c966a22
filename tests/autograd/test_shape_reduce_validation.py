"""Shape ops and reductions: PyTorch's exception classes with messages naming the op and
the shapes/dims involved, and PyTorch's results for the spellings it accepts (issue 11
part 4). Torch-free; tests/reference/test_validation_shape_reduce_torch.py compares the
same cases with PyTorch itself."""
import numpy as np
import pytest

import autograd
from autograd import gradcheck


def _x():
    return autograd.arange(6.).reshape(2, 3)


def _leaf(*shape):
    return autograd.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)


# ----------------------------------------------------------------------------- narrow

def test_narrow_negative_start_counts_from_the_end():
    x = autograd.arange(5.)
    assert x.narrow(0, -2, 2).tolist() == [3., 4.]
    assert autograd.narrow(x, 0, -5, 5).tolist() == [0., 1., 2., 3., 4.]
    assert x.narrow(0, autograd.tensor(1), 2).tolist() == [1., 2.]
    assert x.narrow(0, 5, 0).shape == (0,)


@pytest.mark.parametrize("start,length,cls,words", [
    (2, 4, RuntimeError, ["narrow", "start (2) + length (4) exceeds dimension size (5)"]),
    (0, -1, RuntimeError, ["narrow", "length must be non-negative"]),
    (-6, 1, IndexError, ["narrow", "[-5, 5]", "-6"]),
    (6, 0, IndexError, ["narrow", "[-5, 5]", "6"]),
    (1.0, 2, TypeError, ["narrow", "start", "float"]),
    (1, 2.0, TypeError, ["narrow", "length", "float"]),
])
def test_narrow_rejects(start, length, cls, words):
    with pytest.raises(cls) as err:
        autograd.arange(5.).narrow(0, start, length)
    for w in words:
        assert w in str(err.value)


def test_narrow_rejects_0d_and_non_integral_tensor_start():
    with pytest.raises(RuntimeError, match="narrow.*0-dim"):
        autograd.tensor(1.).narrow(0, 0, 1)
    with pytest.raises(RuntimeError, match="narrow.*0-dim integral Tensor"):
        autograd.arange(5.).narrow(0, autograd.tensor(1.), 2)
    with pytest.raises(TypeError, match="narrow.*dim.*NoneType"):
        autograd.arange(5.).narrow(None, 0, 1)


def test_narrow_negative_start_gradient():
    x = _leaf(3, 5)
    assert gradcheck(lambda t: t.narrow(1, -3, 2), (x,))


# ------------------------------------------------------------------------ split / chunk

def test_split_rejects_bad_sizes():
    x = autograd.arange(3.)
    with pytest.raises(RuntimeError, match=r"split.*non-negative.*\[4, -1\]"):
        x.split([4, -1])
    with pytest.raises(RuntimeError, match="split.*sum exactly to 3.*dimension 0"):
        x.split([1, 1])
    with pytest.raises(RuntimeError, match="split.*can only be 0 if dimension size is 0.*3"):
        x.split(0)
    with pytest.raises(RuntimeError, match="split.*non-negative.*-1"):
        x.split(-1)
    with pytest.raises(TypeError, match="split.*float"):
        x.split(2.0)
    with pytest.raises(TypeError, match="split.*float at pos 0"):
        x.split([2.0, 1])
    with pytest.raises(RuntimeError, match="split.*1-dimensional"):
        autograd.tensor(1.).split(1)


def test_split_of_an_empty_dim():
    assert [t.shape for t in autograd.zeros(0).split(0)] == [(0,)]
    assert [t.shape for t in autograd.zeros(0, 3).split(2)] == [(0, 3)]
    assert autograd.zeros(0).split([]) == ()


def test_chunk_rejects_and_accepts_like_torch():
    x = autograd.arange(5.)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match="got: -1"):
        x.chunk(-1)
    with pytest.raises(TypeError, match="chunk.*chunks.*float"):
        x.chunk(2.0)
    with pytest.raises(RuntimeError, match="chunk.*1-dimensional"):
        autograd.tensor(1.).chunk(1)
    assert [t.tolist() for t in x.chunk(3)] == [[0., 1.], [2., 3.], [4.]]
    assert [t.shape for t in autograd.zeros(0).chunk(3)] == [(0,), (0,), (0,)]


def test_unbind_of_0d_names_the_op():
    with pytest.raises(IndexError, match="unbind.*no dimensions"):
        autograd.tensor(1.).unbind(0)
    with pytest.raises(TypeError, match="unbind.*dim.*NoneType"):
        _x().unbind(None)


# ------------------------------------------------------------------- reductions, dim=()

@pytest.mark.parametrize("op,expected", [
    ("sum", 15.), ("mean", 2.5), ("amax", 5.), ("amin", 0.), ("var", 3.5),
    ("std", 3.5 ** 0.5), ("norm", 55. ** 0.5), ("count_nonzero", 5),
])
def test_empty_dim_tuple_reduces_all_dims(op, expected):
    for dim in ((), []):
        out = getattr(_x(), op)(dim=dim)
        assert out.shape == () and np.isclose(out.item(), expected), (op, dim, out)
    if op != "count_nonzero":
        assert getattr(_x(), op)(dim=(), keepdim=True).shape == (1, 1)


def test_empty_dim_tuple_of_any_all_reduces_nothing():
    assert _x().any(dim=()).shape == (2, 3)
    assert _x().all(dim=[]).tolist() == [[False, True, True], [True, True, True]]


def test_logsumexp_empty_dims_and_none():
    out = _x().logsumexp((), keepdim=True)
    assert out.shape == (1, 1)
    assert np.isclose(out.item(), np.log(np.exp(np.arange(6.)).sum()), rtol=1e-6)
    with pytest.raises(RuntimeError, match="logsumexp.*keepdim=True.*shape \\(2, 3\\)"):
        _x().logsumexp(())
    with pytest.raises(TypeError, match="logsumexp.*dim.*NoneType"):
        _x().logsumexp(None)


def test_sum_empty_dims_gradient():
    x = _leaf(2, 3)
    assert gradcheck(lambda t: t.sum(()), (x,))
    assert gradcheck(lambda t: t.var([], keepdim=True), (x,))


@pytest.mark.parametrize("call,cls,words", [
    (lambda x: x.sum(1.0), TypeError, ["sum", "dim", "float"]),
    (lambda x: x.sum((0, 1.0)), TypeError, ["sum", "float at pos 1"]),
    (lambda x: x.sum("a"), TypeError, ["sum", "str"]),
    (lambda x: x.sum(True), TypeError, ["sum", "bool"]),
    (lambda x: x.sum((0, 0)), RuntimeError, ["sum", "multiple times"]),
    (lambda x: x.mean(2), IndexError, ["mean", "[-2, 1]", "2"]),
    (lambda x: x.prod((0, 1)), TypeError, ["prod", "dim", "tuple"]),
    (lambda x: x.cumsum(None), TypeError, ["cumsum", "dim", "NoneType"]),
    (lambda x: x.cumprod(1.0), TypeError, ["cumprod", "dim", "float"]),
    (lambda x: x.argmax(1.0), TypeError, ["argmax", "dim", "float"]),
    (lambda x: x.max((0, 1)), TypeError, ["max", "dim", "tuple"]),
    (lambda x: x.any(1.0), TypeError, ["any", "float"]),
    (lambda x: x.amax((0, 0)), RuntimeError, ["amax", "multiple times"]),
])
def test_reduction_dim_checks(call, cls, words):
    with pytest.raises(cls) as err:
        call(_x())
    for w in words:
        assert w in str(err.value)


def test_reduction_accepts_numpy_and_0d_tensor_dims():
    assert _x().sum(np.int64(1)).tolist() == [3., 12.]
    assert _x().sum(autograd.tensor(1)).tolist() == [3., 12.]
    assert _x().cumsum(np.int64(0)).shape == (2, 3)


def test_integer_mean_var_still_rejected():
    x = autograd.arange(6)
    with pytest.raises(RuntimeError, match="mean.*Long"):
        x.mean()
    with pytest.raises(RuntimeError, match="std and var"):
        x.var()


# ------------------------------------------------------------ argmax / max on empty input

def test_argmax_keepdim_without_dim_keeps_every_dim():
    assert _x().argmax(keepdim=True).shape == (1, 1)
    assert _x().argmax(keepdim=True).item() == 5
    assert autograd.zeros(2, 3, 4).argmin(None, True).shape == (1, 1, 1)
    assert autograd.tensor(3.).argmax(keepdim=True).shape == ()


def test_extremes_of_empty_input():
    e = autograd.zeros(2, 0)
    with pytest.raises(IndexError, match=r"argmax\(\).*numel\(\) == 0"):
        e.argmax()
    with pytest.raises(IndexError, match=r"argmin\(\).*dim 1 to have non-zero size"):
        e.argmin(1)
    with pytest.raises(RuntimeError, match=r"max\(\).*numel\(\) == 0.*'dim'"):
        e.max()
    with pytest.raises(IndexError, match=r"amax\(\).*dim 1"):
        e.amax(1)
    with pytest.raises(RuntimeError, match="norm.*inf norm"):
        e.norm(p=float("inf"))
    assert e.argmax(0).shape == (0,)
    assert e.amax(0).shape == (0,)
    assert e.max(0).values.shape == (0,)


# ---------------------------------------------------------------- cat / stack / hstack

@pytest.mark.parametrize("op", ["cat", "stack", "hstack", "vstack", "concat"])
def test_stacking_ops_want_a_sequence_of_tensors(op):
    fn = getattr(autograd, op)
    with pytest.raises(TypeError, match="must be tuple of Tensors, not Tensor"):
        fn(_x())
    with pytest.raises(TypeError, match="element 1.*list"):
        fn([_x(), [1., 2.]])
    with pytest.raises(TypeError, match="element 1.*NoneType"):
        fn([_x(), None])
    with pytest.raises(TypeError, match="generator"):
        fn(t for t in [_x(), _x()])
    with pytest.raises(ValueError, match="non-empty"):
        fn([])
    with pytest.raises(RuntimeError, match="non-empty"):
        fn([])


def test_cat_messages():
    with pytest.raises(RuntimeError, match=r"cat: zero-dimensional tensor \(at position 1\)"):
        autograd.cat([autograd.zeros(0), autograd.tensor(1.)])
    with pytest.raises(RuntimeError, match="cat: Tensors must have same number of dimensions: "
                                           "got 2 and 1"):
        autograd.cat([_x(), autograd.ones(3)])
    with pytest.raises(RuntimeError, match=r"hstack: sizes.*\(2, 3\).*\(3, 3\)"):
        autograd.hstack([_x(), autograd.ones(3, 3)])
    with pytest.raises(TypeError, match="cat.*dim.*float"):
        autograd.cat([_x(), _x()], 1.0)


def test_stacks_of_0d_tensors():
    a, b = autograd.tensor(1.), autograd.tensor(2.)
    assert autograd.vstack([a, b]).shape == (2, 1)
    assert autograd.hstack([a, b]).tolist() == [1., 2.]
    assert autograd.hstack([a, autograd.arange(2.)]).tolist() == [1., 0., 1.]
    assert autograd.vstack([a, autograd.ones(1)]).shape == (2, 1)
    assert autograd.stack([a, b]).shape == (2,)


def test_stacks_of_0d_tensors_gradient():
    a, b = _leaf(), _leaf()
    assert gradcheck(lambda s, t: autograd.vstack([s, t]) * 2.0, (a, b))
    assert gradcheck(lambda s, t: autograd.hstack([s, t]) * 2.0, (a, b))


# ------------------------------------------------------- reshape / expand / repeat / ...

@pytest.mark.parametrize("call,cls,words", [
    (lambda x: x.reshape(-1, -1), RuntimeError, ["reshape", "only one dimension"]),
    (lambda x: x.view(3, -3), RuntimeError, ["reshape", "-3", "index 1"]),
    (lambda x: x.reshape(4, 2), RuntimeError, ["reshape", "[4, 2]", "size 6"]),
    (lambda x: x.reshape(2.0, 3), TypeError, ["reshape", "float"]),
    (lambda x: x.reshape(None), TypeError, ["reshape", "NoneType"]),
    (lambda x: x.view(2, 3.), TypeError, ["reshape", "float at pos 1"]),
    (lambda x: x.expand(-2, 3), RuntimeError, ["expand", "(-2)", "existing size (2)"]),
    (lambda x: x.expand(-1, 2, 3), RuntimeError, ["expand", "(-1)", "leading"]),
    (lambda x: x.expand(3), RuntimeError, ["expand", "number of sizes provided (1)"]),
    (lambda x: x.repeat(-1, 1), RuntimeError, ["repeat", "negative", "[-1, 1]"]),
    (lambda x: x.repeat(2), RuntimeError, ["repeat", "can not be smaller"]),
    (lambda x: x.tile((-1,)), RuntimeError, ["tile", "negative"]),
    (lambda x: x.permute(0, 1, 2), RuntimeError, ["permute", "(2, 3)"]),
    (lambda x: x.permute(0, 0), RuntimeError, ["permute", "repeated"]),
    (lambda x: x.transpose(0, 2), IndexError, ["transpose", "[-2, 1]"]),
    (lambda x: x.transpose(0, 1.0), TypeError, ["transpose", "dim1", "float"]),
    (lambda x: x.squeeze((0, 0)), RuntimeError, ["squeeze", "multiple times"]),
    (lambda x: x.unsqueeze(3), IndexError, ["unsqueeze", "[-3, 2]"]),
    (lambda x: x.unsqueeze(None), TypeError, ["unsqueeze", "NoneType"]),
    (lambda x: x.flatten(0, 2), IndexError, ["flatten", "[-2, 1]"]),
    (lambda x: x.unflatten(1, (2, 2)), RuntimeError, ["unflatten", "[2, 2]", "dim 1 (3)"]),
    (lambda x: x.unflatten(1, ()), RuntimeError, ["unflatten", "non-empty"]),
    (lambda x: x.unflatten(1, (-1, -1)), RuntimeError, ["unflatten", "only one"]),
    (lambda x: x.movedim((0, 1), (1,)), RuntimeError, ["movedim", "same number of dims"]),
    (lambda x: x.movedim((0, 1), (1, 1)), RuntimeError, ["movedim", "repeated", "destination"]),
    (lambda x: x.movedim(0.0, 1), TypeError, ["movedim", "source", "float"]),
    (lambda x: x.roll(1, 2), IndexError, ["roll", "[-2, 1]"]),
    (lambda x: x.roll((1, 2), 0), RuntimeError, ["roll", "shifts: 2, dims: 1"]),
    (lambda x: x.roll((1, 2)), RuntimeError, ["roll", "shifts: 2, dims: 0"]),
    (lambda x: x.roll((), ()), RuntimeError, ["roll", "`shifts` required"]),
    (lambda x: x.roll(1.0, 0), TypeError, ["roll", "shifts", "float"]),
    (lambda x: x.flip((0, 0)), RuntimeError, ["flip", "multiple times"]),
    (lambda x: x.flip(1.0), TypeError, ["flip", "dims", "float"]),
    (lambda x: x.broadcast_to((3, 3)), RuntimeError, ["broadcast_to", "existing size (2)"]),
    (lambda x: autograd.pad(x, (1.0, 1)), TypeError, ["pad", "float at pos 0"]),
    (lambda x: autograd.pad(x, (-2, -2)), RuntimeError, ["pad", "negative size"]),
])
def test_shape_op_checks(call, cls, words):
    with pytest.raises(cls) as err:
        call(_x())
    for w in words:
        assert w in str(err.value), (str(err.value), w)


def test_reshape_of_empty_with_inferred_dim_is_ambiguous():
    with pytest.raises(RuntimeError, match="reshape.*0 elements.*ambiguous"):
        autograd.zeros(0).reshape(0, -1)


def test_0d_inputs_with_a_dim():
    s = autograd.tensor(3.)
    with pytest.raises(IndexError, match="roll.*no dimensions"):
        s.roll(1, 0)
    with pytest.raises(IndexError, match="unflatten.*no dimensions"):
        s.unflatten(0, (1,))
    with pytest.raises(RuntimeError, match="unflatten.*no dimensions"):
        s.unflatten(0, (1,))
    with pytest.raises(IndexError, match="flatten.*\\[-1, 0\\]"):
        s.flatten(0, 1)
    assert s.flatten(-1, 0).shape == (1,)
    assert s.roll(1).item() == 3.


def test_accepted_spellings():
    x = _x()
    assert x.tile(2).shape == (2, 6)
    assert autograd.roll(x, 1, ()).tolist() == [[5., 0., 1.], [2., 3., 4.]]
    assert x.roll([1], None).tolist() == [[5., 0., 1.], [2., 3., 4.]]
    assert x.broadcast_to((2, -1)).shape == (2, 3)
    assert autograd.ones(2, 1).expand(-1, 5).shape == (2, 5)
    assert x.reshape(autograd.tensor(3), 2).shape == (3, 2)
    assert x.split(autograd.tensor(2), 1)[0].shape == (2, 2)
    assert x.squeeze(()).shape == (2, 3)
    assert x.flip([]).tolist() == x.tolist()


def test_broadcast_to_minus_one_gradient():
    x = _leaf(1, 3)
    assert gradcheck(lambda t: t.broadcast_to((4, -1)), (x,))
