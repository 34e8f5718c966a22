"""The one-pass ReLU forward and backward kernels against ``np.where(a < 0, 0, a)`` bit for bit:
-0.0 and NaN pass through as in PyTorch's relu (NumPy's ``maximum(a, 0)`` gives +0.0)."""
import numpy as np
import pytest

import autograd
from autograd.kernels import elementwise as K

RNG = np.random.default_rng(0)
SPECIAL = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 3.0, -3.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [0, 1, 7, 10, 100_003, 2_500_001])  # the last: both threads
def test_relu_matches_where_bit_for_bit(dtype, size):
    a = RNG.standard_normal(size).astype(dtype)
    a[:min(size, len(SPECIAL))] = SPECIAL[:min(size, len(SPECIAL))]
    out = K.relu(a)
    want = np.where(a < 0, a.dtype.type(0), a)
    assert out.dtype == a.dtype and out.shape == a.shape
    np.testing.assert_array_equal(out.view(np.uint8), want.view(np.uint8))


def test_relu_shapes_strides_and_0d():
    a = RNG.standard_normal((4, 6, 5)).astype(np.float32).transpose(2, 0, 1)
    out = K.relu(a)
    assert out.shape == a.shape and out.flags.c_contiguous
    np.testing.assert_array_equal(out, np.where(a < 0, 0, a))
    assert K.relu(np.array(-2.0)).shape == () and K.relu(np.array(-2.0)) == 0
    assert np.signbit(K.relu(np.array(-0.0)))


def test_relu_op_keeps_negative_zero_and_int_dtypes():
    x = autograd.tensor([-0.0, 0.0, -1.0, 2.0, float("nan")], requires_grad=True)
    y = autograd.relu(x)
    assert list(np.signbit(y.detach().numpy())) == [True, False, False, False, False]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 1.0, 1.0])  # NaN: as PyTorch
    i = autograd.relu(autograd.tensor([-3, 0, 4]))
    assert i.dtype == autograd.int64 and i.tolist() == [0, 0, 4]


def test_relu_backward_keeps_0d():
    assert K.relu_backward(np.array(2.0), np.array(1.0)).shape == ()
    assert K.relu_backward(np.array(2.0), np.array(-0.0)) == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [10, 2_500_001])  # the larger one splits over the threads
def test_relu_backward_matches_where_bit_for_bit(dtype, size):
    g = RNG.standard_normal(size).astype(dtype)
    y = K.relu(RNG.standard_normal(size).astype(dtype))
    y[:len(SPECIAL)] = SPECIAL
    want = np.where(y <= 0, g.dtype.type(0), g)  # NaN passes the gradient (PyTorch's rule)
    np.testing.assert_array_equal(K.relu_backward(g, y).view(np.uint8), want.view(np.uint8))


def test_relu_op_backward_in_float16():
    # float16 has no Numba kernel: the forward used NumPy, the backward crashed inside Numba
    x = autograd.tensor([-1.0, 0.0, 2.0, 0.5], dtype=autograd.float16, requires_grad=True)
    autograd.relu(x).backward(autograd.tensor([3.0, 3.0, 3.0, float("nan")], dtype=autograd.float16))
    assert x.grad.dtype == autograd.float16
    np.testing.assert_array_equal(x.grad.numpy(), np.array([0.0, 0.0, 3.0, np.nan], np.float16))
