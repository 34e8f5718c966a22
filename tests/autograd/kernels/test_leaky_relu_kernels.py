"""The fused leaky-ReLU kernels give NumPy's three-pass results bit for bit."""
import numpy as np
import pytest

from autograd.kernels import elementwise as K
from autograd.runtime import CHUNKED_MIN_SIZE_STREAMING

RNG = np.random.default_rng(0)
SPECIAL = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 3.0, -3.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", [0.01, 0.2, -0.5, 0.0, 1.5])
@pytest.mark.parametrize("size", [0, 1, 7, CHUNKED_MIN_SIZE_STREAMING * 2 + 5])  # last: threads
def test_forward_and_backward_match_numpy(dtype, slope, size):
    a = RNG.standard_normal(size).astype(dtype)
    a[:min(size, len(SPECIAL))] = SPECIAL[:min(size, len(SPECIAL))]
    g = RNG.standard_normal(size).astype(dtype)
    out, positive = K.leaky_relu(a, slope)
    want_pos = a > 0
    np.testing.assert_array_equal(positive, want_pos)
    with np.errstate(invalid="ignore"):  # inf * 0
        want = np.where(want_pos, a, a * slope)
    assert out.dtype == a.dtype
    np.testing.assert_array_equal(out.view(np.uint8), want.view(np.uint8))  # -0.0, NaN bits
    gx = K.leaky_relu_backward(g, positive, slope)
    np.testing.assert_array_equal(gx, np.where(want_pos, g, g * g.dtype.type(slope)))


def test_shapes_and_strided_inputs_are_kept():
    a = RNG.standard_normal((4, 6, 5)).astype(np.float32).transpose(2, 0, 1)
    out, positive = K.leaky_relu(a, 0.2)
    assert out.shape == positive.shape == a.shape
    np.testing.assert_array_equal(out, np.where(a > 0, a, a * np.float32(0.2)))
    zero_d = np.array(-2.0)
    out0, pos0 = K.leaky_relu(zero_d, 0.5)
    assert out0.shape == () and out0 == -1.0 and not pos0
    assert K.leaky_relu_backward(np.array(4.0), pos0, 0.5).shape == ()
