"""Ops exported whole or by static windows (issue 16's gaps): adaptive pooling to any size,
adaptive max pooling, SELU/CELU/shrinks, avg_pool's ceil_mode/count_include_pad/
divisor_override, cumsum, sort/argsort/topk, integer and float floor division; and
boolean-mask indexing refused with the reason. Each file runs in ONNX Runtime and matches
our forward pass at two batch sizes."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the [onnx] extra is not installed")
ort = pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")

import autograd as torch  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd.ops.pool import adaptive_max_pool1d  # noqa: E402

from ._helpers import export_bytes, ours, session  # noqa: E402


class Fn(nn.Module):
    """A function as a Module (the helpers call ``eval()``)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def _check(model, shape, other_batch=5, opset=None, rtol=1e-4, atol=1e-5, dtype=None):
    """Export with a dynamic batch dim, check the file, and compare every output with ours
    at the traced batch size and at ``other_batch``. Returns the model proto."""
    torch.manual_seed(0)
    x = torch.randn(*shape) if dtype is None else torch.randn(*shape, dtype=dtype)
    kw = {} if opset is None else {"opset_version": opset}
    n_out = len(ours(model, x))
    outs = ["output"] if n_out == 1 else [f"output_{i}" for i in range(n_out)]
    data = export_bytes(model, (x,), input_names=["x"],
                        dynamic_axes={"x": {0: "batch"}, **{o: {0: "batch"} for o in outs}},
                        **kw)
    proto = onnx.load_from_string(data)
    onnx.checker.check_model(proto, full_check=True)
    sess = session(data)
    y = torch.randn(other_batch, *shape[1:], dtype=x.dtype)
    for inp in (x, y):
        got = sess.run(None, {"x": inp.numpy()})
        want = ours(model, inp)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return proto


def _ops(proto):
    return {n.op_type for n in proto.graph.node}


# ------------------------------------------------------------------ adaptive pooling
@pytest.mark.parametrize("opset", [11, 17, 18])
def test_adaptive_avg_pool_to_sizes_that_do_not_divide(opset):
    proto = _check(nn.AdaptiveAvgPool2d((3, 5)), (2, 3, 7, 8), opset=opset)
    assert "ReduceMean" in _ops(proto) and "Concat" in _ops(proto)


def test_adaptive_avg_pool_1d_and_mixed_dims():
    _check(nn.AdaptiveAvgPool1d(3), (2, 4, 7))
    _check(nn.AdaptiveAvgPool2d((2, 3)), (3, 2, 6, 7))     # one dim divides, one does not
    _check(nn.AdaptiveAvgPool2d((None, 4)), (2, 2, 5, 9))  # None keeps the input size
    _check(nn.AdaptiveAvgPool1d(9), (2, 2, 5))             # output larger than the input


@pytest.mark.parametrize("opset", [11, 17, 18])
def test_adaptive_max_pool2d(opset):
    proto = _check(nn.AdaptiveMaxPool2d((3, 5)), (2, 3, 7, 8), opset=opset)
    assert "ReduceMax" in _ops(proto)


def test_adaptive_max_pool_divisible_global_and_1d():
    assert "MaxPool" in _ops(_check(nn.AdaptiveMaxPool2d((3, 2)), (2, 3, 6, 8)))
    assert "GlobalMaxPool" in _ops(_check(nn.AdaptiveMaxPool2d(1), (2, 3, 5, 4)))
    _check(Fn(lambda x: adaptive_max_pool1d(x, 4)), (2, 3, 10))


def test_adaptive_pooling_in_a_cnn():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveMaxPool2d((5, 3)),
                          nn.Conv2d(4, 4, 2), nn.AdaptiveAvgPool2d(3), nn.Flatten(),
                          nn.Linear(36, 2))
    _check(model, (2, 1, 13, 11))


# ------------------------------------------------------------------ activations
def test_selu_celu_shrinks_map_to_onnx_operators():
    model = nn.Sequential(nn.Linear(6, 8), nn.SELU(), nn.Linear(8, 8), nn.CELU(0.7),
                          nn.Linear(8, 8), nn.Softshrink(0.3), nn.Linear(8, 8),
                          nn.Hardshrink(0.2), nn.Linear(8, 3))
    proto = _check(model, (4, 6))
    assert {"Selu", "Celu", "Shrink"} <= _ops(proto)


@pytest.mark.parametrize("module", [nn.SELU(), nn.CELU(1.5), nn.Softshrink(0.5),
                                    nn.Hardshrink(0.5)])
def test_activation_in_float64(module):
    # ONNX Runtime's Selu/Celu are float32 only: float64 uses basic operators
    _check(module, (3, 7), dtype=torch.float64, rtol=1e-10, atol=1e-12)


def test_celu_before_opset_12_and_large_negative_inputs():
    _check(nn.CELU(0.5), (3, 9), opset=11)
    # exp of the branch not taken must not overflow into NaN
    _check(Fn(lambda x: F.selu(x * 100) + F.celu(x * 100, 0.5)), (3, 9))
    _check(Fn(lambda x: F.selu(x * 100)), (3, 9), dtype=torch.float64, rtol=1e-10)


# ------------------------------------------------------------------ avg_pool variants
@pytest.mark.parametrize("kw", [
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, divisor_override=4),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=-3),
])
def test_avg_pool2d_variants(kw):
    _check(nn.AvgPool2d(**kw), (2, 3, 8, 9))


@pytest.mark.parametrize("kw", [dict(ceil_mode=True), dict(padding=1, ceil_mode=True,
                                                            count_include_pad=False)])
def test_avg_pool1d_variants(kw):
    _check(nn.AvgPool1d(3, 2, **kw), (2, 3, 10))


# ------------------------------------------------------------------ cumsum, sort, division
def test_cumsum_float_int_and_along_the_batch_dim():
    assert "CumSum" in _ops(_check(Fn(lambda x: torch.cumsum(x, 1)), (2, 5)))
    _check(Fn(lambda x: x.cumsum(0) * 2), (3, 4))
    _check(Fn(lambda x: (x * 10).int().cumsum(-1)), (2, 6))  # int32 accumulates in int64


def test_sort_values_and_indices():
    proto = _check(Fn(lambda x: torch.sort(x, dim=1)), (3, 6))
    assert "TopK" in _ops(proto)
    _check(Fn(lambda x: x.sort(dim=-1, descending=True)), (2, 4, 5))
    _check(Fn(lambda x: torch.sort(x, 0)[0] + 1), (4, 3))  # along the dynamic batch dim
    _check(Fn(lambda x: torch.argsort(x, dim=1, descending=True)), (3, 7))
    _check(Fn(lambda x: torch.msort(x) * 2), (4, 3))


def test_topk_largest_and_smallest():
    _check(Fn(lambda x: torch.topk(x, 3)), (2, 8))
    _check(Fn(lambda x: x.topk(2, dim=1, largest=False).values * 3), (2, 5, 4))


def test_integer_floor_division_rounds_down():
    proto = _check(Fn(lambda x: (x * 10).long() // 3), (4, 5))
    assert "Mod" in _ops(proto)
    _check(Fn(lambda x: (x * 10).long() // -3), (4, 5))
    _check(Fn(lambda x: torch.floor_divide((x * 10).long(), (x.abs() * 3 + 1).long())),
           (4, 5))
    _check(Fn(lambda x: 17 // (x.abs() * 3 + 1).long()), (4, 5))


def test_float_floor_division_and_integer_rounding_modes():
    _check(Fn(lambda x: x // 0.3), (4, 5))
    _check(Fn(lambda x: torch.div(x, 0.7, rounding_mode="trunc")
              + torch.div(x, -0.4, rounding_mode="floor")), (4, 5))
    _check(Fn(lambda x: torch.div((x * 10).long(), 4, rounding_mode="trunc")), (4, 5))
    _check(Fn(lambda x: torch.div((x * 10).long(), 4, rounding_mode="floor")), (4, 5))


def test_float_rounding_ops():
    proto = _check(Fn(lambda x: torch.floor(x * 3) + torch.ceil(x * 2) + torch.trunc(x * 5)
                      + torch.sign(x)), (4, 5))
    assert {"Floor", "Ceil", "Sign"} <= _ops(proto)


# ------------------------------------------------------------------ still refused
def test_boolean_mask_indexing_is_refused_with_the_reason():
    with pytest.raises(torch.onnx.errors.UnsupportedOperatorError,
                       match="shape, depends on the input values") as info:
        export_bytes(Fn(lambda x: x[x > 0]), (torch.randn(3, 4),))
    assert "torch.where" in str(info.value)
