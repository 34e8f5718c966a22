"""Tensor: attributes, repr, storage sharing, conversions, creation, seeding, in-place
ops and setitem, and the user-error messages of issue 2."""
import numpy as np
import pytest

import autograd


# --- attributes and repr ------------------------------------------------------------
def test_repr_like_pytorch():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr(autograd.tensor([1, 2])) == "tensor([1, 2])"
    assert repr((x * 2).sum()) == "tensor(6., grad_fn=<SumBackward>)"


def test_basic_attributes():
    x = autograd.zeros(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.dim() == 2 and x.ndim == 2 and x.numel() == 6 and len(x) == 2
    assert x.dtype == autograd.float32 == np.float32
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert x.is_leaf and x.grad is None and x.grad_fn is None and not x.requires_grad


def test_default_dtype_and_set_default_dtype():
    assert autograd.tensor([1.0]).dtype == np.float32
    assert autograd.tensor([1]).dtype == np.int64
    assert autograd.tensor([True]).dtype == np.bool_
    try:
        autograd.set_default_dtype(autograd.float64)
        assert autograd.zeros(2).dtype == np.float64 and autograd.tensor([1.5]).dtype == np.float64
    finally:
        autograd.set_default_dtype(autograd.float32)
    assert autograd.get_default_dtype() == np.float32


def test_data_shares_storage_and_is_detached():
    p = autograd.tensor([1.0, 2.0], requires_grad=True)
    d = p.data
    assert not d.requires_grad and d.grad_fn is None
    p.data += 1                      # the SGD idiom updates p
    np.testing.assert_allclose(p.detach().numpy(), [2.0, 3.0])
    p.grad = autograd.tensor([0.5, 0.5])
    p.data += -0.1 * p.grad
    np.testing.assert_allclose(p.detach().numpy(), [1.95, 2.95], rtol=1e-6)
    p.data = autograd.tensor([7.0, 8.0])   # assignment replaces the storage
    np.testing.assert_allclose(p.detach().numpy(), [7.0, 8.0])
    assert p.requires_grad


def test_item_tolist_numpy_len_iter():
    x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert autograd.tensor(3.5).item() == 3.5 and isinstance(autograd.tensor(3).item(), int)
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert isinstance(x.numpy(), np.ndarray) and np.shares_memory(x.numpy(), x.numpy())
    assert len(x) == 2
    rows = list(x)
    assert len(rows) == 2 and rows[1].tolist() == [3.0, 4.0]
    with pytest.raises(RuntimeError):
        x.item()
    with pytest.raises(TypeError):
        len(autograd.tensor(1.0))
    with pytest.raises(RuntimeError, match="detach"):
        autograd.tensor([1.0], requires_grad=True).numpy()


def test_iteration_is_differentiable():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    sum(v * v for v in x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_dtype_conversions():
    x = autograd.tensor([1.5, -2.5], requires_grad=True)
    assert x.double().dtype == np.float64 and x.float().dtype == np.float32
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2]
    assert x.to(autograd.float64).dtype == np.float64
    assert x.to(dtype=autograd.int64).dtype == np.int64
    y = x.double()
    assert y.requires_grad and y.grad_fn is not None
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    assert float(autograd.tensor(2.5)) == 2.5 and int(autograd.tensor(3)) == 3


def test_integer_and_bool_tensors_cannot_require_grad():
    for t in (autograd.tensor([1, 2]), autograd.tensor([True])):
        with pytest.raises(RuntimeError, match="floating point") as info:
            t.requires_grad_()
        assert str(t.dtype) in str(info.value)
    with pytest.raises(RuntimeError, match="floating point"):
        autograd.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        autograd.arange(3, requires_grad=True)


def test_integer_results_never_carry_a_graph():
    x = autograd.tensor([1.0, 3.0, 2.0], requires_grad=True)
    assert not x.argmax().requires_grad and not (x > 1).requires_grad
    assert (x > 1).dtype == np.bool_


# --- creation ------------------------------------------------------------------------
def test_creation_functions():
    assert autograd.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert autograd.ones((2,)).tolist() == [1.0, 1.0]
    assert autograd.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert autograd.empty(2, 0).shape == (2, 0)
    assert autograd.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert autograd.arange(4).tolist() == [0, 1, 2, 3] and autograd.arange(4).dtype == np.int64
    assert autograd.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    np.testing.assert_allclose(autograd.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5))
    assert autograd.rand(3, 2).shape == (3, 2) and autograd.randn(4).dtype == np.float32
    r = autograd.randint(0, 5, (100,))
    assert r.dtype == np.int64 and 0 <= r.numpy().min() and r.numpy().max() < 5
    x = autograd.randn(2, 3, dtype=autograd.float64)
    for f, v in [(autograd.zeros_like, 0.0), (autograd.ones_like, 1.0)]:
        y = f(x)
        assert y.shape == x.shape and y.dtype == x.dtype and np.all(y.numpy() == v)
    assert autograd.full_like(x, 2.0).tolist() == [[2.0] * 3] * 2
    assert autograd.rand_like(x).shape == x.shape and autograd.randn_like(x).dtype == x.dtype
    assert autograd.empty_like(x).shape == x.shape
    a = np.arange(3.0)
    t = autograd.from_numpy(a)
    a[0] = 9
    assert t.tolist()[0] == 9 and t.dtype == np.float64
    assert autograd.zeros(2, requires_grad=True).requires_grad


def test_manual_seed_reproducibility():
    autograd.manual_seed(123)
    a = (autograd.randn(5), autograd.rand(3), autograd.randint(0, 10, (4,)))
    autograd.manual_seed(123)
    b = (autograd.randn(5), autograd.rand(3), autograd.randint(0, 10, (4,)))
    for u, v in zip(a, b):
        assert u.tolist() == v.tolist()
    autograd.manual_seed(124)
    assert autograd.randn(5).tolist() != a[0].tolist()


# --- in-place ops --------------------------------------------------------------------
def test_in_place_ops_on_leaf_under_no_grad_bump_version():
    x = autograd.tensor([1.0, -2.0, 3.0], requires_grad=True)
    v0 = x._version
    with autograd.no_grad():
        x += 1
        x -= 0.5
        x *= 2
        x /= 4
        x.add_(1).mul_(2)
        x.clamp_(-1.0, 3.0)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    assert x._version == v0 + 7
    np.testing.assert_allclose(x.detach().numpy(), [3.0, 0.5, 3.0])
    with autograd.no_grad():
        x.zero_()
        assert x.tolist() == [0.0, 0.0, 0.0]
        x.fill_(2.5)
        assert x.tolist() == [2.5, 2.5, 2.5]
        x.copy_(autograd.tensor([1.0, 2.0, 3.0]))
        assert x.tolist() == [1.0, 2.0, 3.0]


def test_in_place_ops_write_into_shared_storage():
    a = np.zeros(3, dtype=np.float32)
    t = autograd.from_numpy(a)
    t.add_(1)
    t[1] = 5.0
    np.testing.assert_allclose(a, [1.0, 5.0, 1.0])


def test_setitem_on_plain_and_recording_tensors():
    t = autograd.zeros(3, 4)
    t[0] = 1.0
    t[1, 1:3] = autograd.tensor([2.0, 3.0])
    t[t > 2.5] = -1.0
    t[:, 3] = autograd.tensor([7.0, 8.0, 9.0])
    np.testing.assert_allclose(t.numpy(), [[1, 1, 1, 7], [0, 2, -1, 8], [0, 0, 0, 9]])


def test_setitem_of_a_value_requiring_grad():
    # a value requiring grad written into a plain tensor: gradient flows to the value
    v = autograd.tensor([1.0, 2.0], requires_grad=True)
    buf = autograd.zeros(4)
    buf[1:3] = v
    assert buf.requires_grad and buf.grad_fn is not None
    (buf * autograd.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 3.0])


def test_setitem_on_leaf_requiring_grad_raises():
    x = autograd.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        x[0] = 1.0


# --- user errors (issue 2, "Errors") --------------------------------------------------
def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError) as info:
        autograd.zeros(2, 3) + autograd.zeros(4)
    msg = str(info.value)
    assert "add" in msg and "(2, 3)" in msg and "(4,)" in msg
    with pytest.raises(ValueError, match=r"mul.*\(2, 3\).*\(3, 2\)"):
        autograd.zeros(2, 3) * autograd.zeros(3, 2)


def test_matmul_mismatch_names_shapes():
    with pytest.raises(ValueError) as info:
        autograd.zeros(2, 3) @ autograd.zeros(2, 3)
    msg = str(info.value)
    assert "matmul" in msg and "(2, 3)" in msg


def test_backward_of_non_scalar_without_gradient():
    with pytest.raises(RuntimeError, match="scalar"):
        (autograd.ones(2, requires_grad=True) * 2).backward()


def test_reshape_to_incompatible_size():
    with pytest.raises((ValueError, RuntimeError)) as info:
        autograd.zeros(2, 3).reshape(4, 2)
    msg = str(info.value)
    assert "reshape" in msg and "(2, 3)" in msg and "6" in msg


def test_index_out_of_range():
    x = autograd.zeros(2, 3)
    with pytest.raises(IndexError) as info:
        x[5]
    assert "5" in str(info.value) and "(2, 3)" in str(info.value)
    with pytest.raises(IndexError):
        x[:, autograd.tensor([0, 3])]
    with pytest.raises(IndexError):
        x.gather(1, autograd.tensor([[0, 3], [1, 1]]))


def test_unsafe_in_place_dtype_cast_is_refused():
    i = autograd.tensor([1, 2])
    with pytest.raises(RuntimeError) as info:
        i += 0.5
    assert "Float" in str(info.value) and "Long" in str(info.value)
    with pytest.raises(RuntimeError):
        i.mul_(autograd.tensor([1.5, 2.0]))
    assert i.tolist() == [1, 2]
    f = autograd.zeros(2)
    f += autograd.tensor([1, 2])   # int into float is a safe cast
    assert f.tolist() == [1.0, 2.0]


def test_in_place_broadcast_into_smaller_tensor_is_refused():
    with pytest.raises(RuntimeError, match="shape"):
        autograd.zeros(3).add_(autograd.ones(2, 3))


def test_user_errors_do_not_leak_numpy_tracebacks():
    # the engine re-raises with its own message (`from None`): no chained NumPy error
    with pytest.raises(ValueError) as info:
        autograd.zeros(2, 3) - autograd.zeros(4)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_python_float_with_explicit_float64_dtype_is_exact():
    # no detour through the float32 default dtype
    v = 4.291493904950496
    assert autograd.tensor(v, dtype=autograd.float64).item() == v
    assert autograd.tensor([v], dtype=autograd.float64).numpy()[0] == v


def test_tril_triu_methods_are_differentiable():
    x = autograd.ones(3, 3, requires_grad=True)
    (x.tril() * 2 + x.triu(1)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tril(np.full((3, 3), 2.0)) + np.triu(np.ones((3, 3)), 1))
