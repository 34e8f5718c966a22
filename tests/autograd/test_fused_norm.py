"""Fused layer norm and batch norm (autograd/kernels/norm.py, autograd/ops/normalization.py):
the kernels against plain NumPy formulas, the ops' first-order gradients (fused kernels)
and second-order gradients (composed fallback under create_graph=True) by float64
gradcheck / gradgradcheck, running-statistics updates, and the public torch.* entries."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import gradcheck, gradgradcheck
from autograd.kernels import norm as K


# ---------------------------------------------------------------- NumPy references
def ref_layer_norm(x, w, b, eps):
    x = x.astype(np.float64)
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    r = 1 / np.sqrt(var + eps)
    return (x - mu) * r * w + b, mu[:, 0], r[:, 0]


def ref_layer_norm_backward(g, x, w, eps):
    x, g = x.astype(np.float64), g.astype(np.float64)
    mu = x.mean(-1, keepdims=True)
    r = 1 / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps)
    xh = (x - mu) * r
    gw = g * w
    dx = r * (gw - gw.mean(-1, keepdims=True) - xh * (gw * xh).mean(-1, keepdims=True))
    return dx, (g * xh).sum(0), g.sum(0)


def ref_batch_norm_backward(g, x, w, eps):
    """Training-mode gradients for x (N, C, L)."""
    x, g = x.astype(np.float64), g.astype(np.float64)
    mu = x.mean((0, 2), keepdims=True)
    r = 1 / np.sqrt(((x - mu) ** 2).mean((0, 2), keepdims=True) + eps)
    xh = (x - mu) * r
    gw = g * w[None, :, None]
    dx = r * (gw - gw.mean((0, 2), keepdims=True) - xh * (gw * xh).mean((0, 2), keepdims=True))
    return dx, (g * xh).sum((0, 2)), g.sum((0, 2))


TOL = {np.float32: 2e-5, np.float64: 1e-12}


# ------------------------------------------------------------------- the kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,d", [(1, 1), (7, 5), (64, 128), (3, 300), (1023, 128)])
def test_layer_norm_kernels_match_numpy(dtype, m, d):
    rng = np.random.default_rng(m * 1000 + d)
    x = (rng.standard_normal((m, d)) * 3 + 2).astype(dtype)
    w = rng.standard_normal(d).astype(dtype)
    b = rng.standard_normal(d).astype(dtype)
    g = rng.standard_normal((m, d)).astype(dtype)
    out, mean, rstd = K.layer_norm_forward(x, w, b, 1e-5)
    ro, rm, rr = ref_layer_norm(x, w, b, 1e-5)
    tol = TOL[dtype]
    assert out.dtype == dtype and mean.dtype == np.float64
    np.testing.assert_allclose(out, ro, rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(mean, rm, rtol=tol, atol=tol)
    np.testing.assert_allclose(rstd, rr, rtol=tol)
    dx, dw, db = K.layer_norm_backward(g, x, mean, rstd, w, True, True)
    rdx, rdw, rdb = ref_layer_norm_backward(g, x, w, 1e-5)
    np.testing.assert_allclose(dx, rdx, rtol=tol * 10, atol=tol * 10)
    np.testing.assert_allclose(dw, rdw, rtol=tol * 10, atol=tol * 10)
    np.testing.assert_allclose(db, rdb, rtol=tol * 10, atol=tol * 10)
    dx2, dw2, db2 = K.layer_norm_backward(g, x, mean, rstd, w, True, False)
    np.testing.assert_allclose(dx2, dx, rtol=tol, atol=tol)
    assert not dw2.any() and not db2.any()
    dx3, dw3, db3 = K.layer_norm_backward(g, x, mean, rstd, w, False, True)
    assert dx3.shape == (0, d)
    np.testing.assert_allclose(dw3, dw, rtol=tol, atol=tol)


def test_layer_norm_forward_gives_the_same_bits_on_any_thread_count():
    # chunked over rows (from CHUNKED_MIN_SIZE elements): each row on one thread
    import autograd
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1023, 128)).astype(np.float32)
    w, b = rng.standard_normal(128).astype(np.float32), rng.standard_normal(128).astype(np.float32)
    old = autograd.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            autograd.set_num_threads(min(threads, old))
            results.append(K.layer_norm_forward(x, w, b, 1e-5))
    finally:
        autograd.set_num_threads(old)
    for r in results[1:]:
        for a, c in zip(r, results[0]):
            np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(8, 3, 1), (4, 5, 9), (2, 16, 64)])
def test_batch_norm_kernels_match_numpy(dtype, shape):
    # eval mode's affine map and the sums grad-weight / grad-bias take without dx
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 2 - 1).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    tol = TOL[dtype]
    mean = x.astype(np.float64).mean((0, 2))
    scale = rng.standard_normal(shape[1]).astype(dtype)
    shift = rng.standard_normal(shape[1]).astype(dtype)
    out = K.channel_affine(x, scale, shift)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, x * scale[None, :, None] + shift[None, :, None],
                               rtol=tol, atol=tol * 10)
    sum_g, sum_gx = K.batch_norm_backward_reduce(g, x, mean)
    np.testing.assert_allclose(sum_g, g.astype(np.float64).sum((0, 2)), rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(sum_gx, (g * (x - mean[None, :, None])).sum((0, 2)),
                               rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(8, 3, 1), (4, 5, 9), (2, 16, 64)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_one_call_training_kernels_match_numpy(dtype, shape, affine):
    # batch_norm_train / batch_norm_train_backward: the statistics and the affine map, the
    # sums and dx, each in one kernel call
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 2 - 1).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(shape[1]).astype(dtype) if affine else None
    b = rng.standard_normal(shape[1]).astype(dtype) if affine else None
    tol = TOL[dtype]
    out, mean, var, rstd = K.batch_norm_train(x, w, b, 1e-5)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean((0, 2)), rtol=tol, atol=tol)
    np.testing.assert_allclose(var, x64.var((0, 2)), rtol=tol * 10)
    np.testing.assert_allclose(rstd, 1 / np.sqrt(x64.var((0, 2)) + 1e-5), rtol=tol * 10)
    ref = (x64 - x64.mean((0, 2))[None, :, None]) / np.sqrt(x64.var((0, 2)) + 1e-5)[None, :, None]
    if affine:
        ref = ref * w[None, :, None] + b[None, :, None]
    assert out.dtype == dtype
    np.testing.assert_allclose(out, ref, rtol=tol * 10, atol=tol * 10)
    dx, sum_g, sum_gx = K.batch_norm_train_backward(g, x, mean, rstd, w)
    rdx, rdw, rdb = ref_batch_norm_backward(g, x, np.ones(shape[1]) if w is None else w, 1e-5)
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, rdx, rtol=tol * 20, atol=tol * 20)
    np.testing.assert_allclose(sum_gx * rstd, rdw, rtol=tol * 10, atol=tol * 10)
    np.testing.assert_allclose(sum_g, rdb, rtol=tol * 10, atol=tol * 10)


def test_batch_norm_one_call_kernels_same_bits_on_any_thread_count():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 24, 40)).astype(np.float32)
    g = rng.standard_normal((16, 24, 40)).astype(np.float32)
    w = rng.standard_normal(24).astype(np.float32)
    old = autograd.get_num_threads()
    results = []
    try:
        for n in (1, old):
            autograd.set_num_threads(n)
            out, mean, var, rstd = K.batch_norm_train(x, w, w, 1e-5)
            results.append((out, mean, var, rstd) + K.batch_norm_train_backward(g, x, mean, rstd, w))
    finally:
        autograd.set_num_threads(old)
    for a, c in zip(results[0], results[-1]):
        np.testing.assert_array_equal(a, c)


# ------------------------------------------------------------- layer norm op
def _t(a, grad=True):
    return autograd.tensor(a, requires_grad=grad)


@pytest.mark.parametrize("shape,ns", [((6, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)),
                                      ((2, 2, 3, 2), (2, 3, 2)), ((4,), (4,))])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm_gradcheck(shape, ns, affine):
    rng = np.random.default_rng(len(shape) * 10 + len(ns))
    x = _t(rng.standard_normal(shape) * 2 + 1)
    w = _t(rng.standard_normal(ns)) if affine != "none" else None
    b = _t(rng.standard_normal(ns)) if affine == "both" else None
    args = tuple(a for a in (x, w, b) if a is not None)

    def f(*a):
        return autograd.layer_norm(a[0], ns, *a[1:])

    assert f(*args).grad_fn.name() == "NativeLayerNormBackward"
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


def test_layer_norm_matches_composed_values_float32():
    rng = np.random.default_rng(1)
    xa = (rng.standard_normal((16, 64, 128)) * 4 + 3).astype(np.float32)
    wa, ba = rng.standard_normal(128).astype(np.float32), rng.standard_normal(128).astype(np.float32)
    x, w, b = _t(xa), _t(wa), _t(ba)
    y = F.layer_norm(x, (128,), w, b)
    assert y.dtype == autograd.float32
    ro, _, _ = ref_layer_norm(xa.reshape(-1, 128), wa, ba, 1e-5)
    np.testing.assert_allclose(y.detach().numpy().reshape(-1, 128), ro, rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(autograd.tensor(g))
    rdx, rdw, rdb = ref_layer_norm_backward(g.reshape(-1, 128), xa.reshape(-1, 128), wa, 1e-5)
    np.testing.assert_allclose(x.grad.numpy().reshape(-1, 128), rdx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(w.grad.numpy(), rdw, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(b.grad.numpy(), rdb, rtol=1e-4, atol=1e-3)
    assert x.grad.dtype == w.grad.dtype == autograd.float32


def test_layer_norm_only_parameter_grads_and_noncontiguous_input():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((5, 4))
    x = autograd.tensor(base).t()  # (4, 5), not contiguous, no grad
    w = _t(rng.standard_normal(5))
    y = F.layer_norm(x, (5,), w)
    y.sum().backward()
    xh = ref_layer_norm(base.T.copy(), 1.0, 0.0, 1e-5)[0]
    np.testing.assert_allclose(w.grad.numpy(), xh.sum(0), atol=1e-12)


def test_layer_norm_float16_runs_in_float32():
    x = autograd.randn(3, 8, dtype=autograd.float16)
    y = F.layer_norm(x, (8,))
    assert y.dtype == autograd.float16
    ro = ref_layer_norm(x.numpy().astype(np.float32), 1.0, 0.0, 1e-5)[0]
    np.testing.assert_allclose(y.numpy().astype(np.float64), ro, atol=5e-3)


def test_layer_norm_module_in_transformer_shape_backward_twice_with_graph():
    ln = nn.LayerNorm(6).double()
    x = autograd.randn(2, 3, 6, dtype=autograd.float64, requires_grad=True)
    y = ln(x)
    (gx,) = autograd.grad((y * y.detach() * 3).sum(), x, create_graph=True)
    gx.sum().backward()  # a second derivative through the composed backward
    assert x.grad is not None and x.grad.shape == x.shape


def test_public_layer_norm_checks():
    x = autograd.randn(2, 3)
    with pytest.raises(TypeError, match="normalized_shape"):
        autograd.layer_norm(x, "3")
    with pytest.raises(RuntimeError, match="at least 1-dimensional"):
        autograd.layer_norm(x, ())
    with pytest.raises(RuntimeError, match="expected input with shape"):
        autograd.layer_norm(x, (4,))
    with pytest.raises(RuntimeError, match="weight to be of same shape"):
        autograd.layer_norm(x, (3,), autograd.ones(2))
    with pytest.raises(RuntimeError, match="mixed dtype"):
        autograd.layer_norm(x, (3,), autograd.ones(3, dtype=autograd.float64))
    with pytest.raises(NotImplementedError, match="LayerNormKernelImpl"):
        autograd.layer_norm(autograd.ones(2, 3, dtype=autograd.int64), (3,))
    with pytest.raises(NotImplementedError, match="LayerNormKernelImpl"):
        F.layer_norm(autograd.ones(2, 3, dtype=autograd.complex64), (3,))
    assert autograd.layer_norm(x, 3, cudnn_enable=False).shape == x.shape


# ------------------------------------------------------------- batch norm op
BN_SHAPES = [(6, 3), (4, 3, 5), (3, 2, 3, 4), (2, 3, 2, 2, 3)]


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_gradcheck(shape, training, affine):
    rng = np.random.default_rng(len(shape) + 7 * training)
    c = shape[1]
    x = _t(rng.standard_normal(shape) * 2 - 1)
    rm = autograd.tensor(rng.standard_normal(c))
    rv = autograd.tensor(rng.random(c) + 0.5)
    params = (_t(rng.standard_normal(c)), _t(rng.standard_normal(c))) if affine else ()

    def f(x, *wb):
        # running stats are cloned so every gradcheck evaluation sees the same ones
        return F.batch_norm(x, rm.clone(), rv.clone(), *wb, training=training)

    assert f(x, *params).grad_fn.name() == "NativeBatchNormBackward"
    assert gradcheck(f, (x,) + params)
    assert gradgradcheck(f, (x,) + params)


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64])
@pytest.mark.parametrize("shape", [(32, 32, 8, 8), (16, 8), (4, 6, 10)])
def test_batch_norm_training_values_grads_and_running_stats(dtype, shape):
    rng = np.random.default_rng(shape[1])
    c = shape[1]
    xa = (rng.standard_normal(shape) * 3 + 5).astype(dtype)
    wa, ba = rng.standard_normal(c).astype(dtype), rng.standard_normal(c).astype(dtype)
    x, w, b = _t(xa), _t(wa), _t(ba)
    rm, rv = autograd.zeros(c, dtype=dtype), autograd.ones(c, dtype=dtype)
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)
    x3 = xa.astype(np.float64).reshape(shape[0], c, -1)
    mu, var = x3.mean((0, 2)), x3.var((0, 2))
    ref = (x3 - mu[:, None]) / np.sqrt(var[:, None] + 1e-5) * wa[:, None] + ba[:, None]
    tol = 2e-5 if dtype == autograd.float32 else 1e-12
    assert y.dtype == dtype
    np.testing.assert_allclose(y.detach().numpy().reshape(x3.shape), ref, rtol=tol, atol=tol * 10)
    count = x3.shape[0] * x3.shape[2]
    np.testing.assert_allclose(rm.numpy(), 0.3 * mu, rtol=tol)
    np.testing.assert_allclose(rv.numpy(), 0.7 + 0.3 * var * count / (count - 1), rtol=tol)
    g = rng.standard_normal(shape).astype(dtype)
    y.backward(autograd.tensor(g))
    rdx, rdw, rdb = ref_batch_norm_backward(g.reshape(x3.shape), x3, wa.astype(np.float64), 1e-5)
    np.testing.assert_allclose(x.grad.numpy().reshape(x3.shape), rdx, rtol=tol * 50, atol=tol * 50)
    np.testing.assert_allclose(w.grad.numpy(), rdw, rtol=tol * 50, atol=tol * 100)
    np.testing.assert_allclose(b.grad.numpy(), rdb, rtol=tol * 50, atol=tol * 100)


def test_batch_norm_eval_is_per_channel_affine_of_running_stats():
    rng = np.random.default_rng(3)
    xa = rng.standard_normal((4, 3, 5, 5)).astype(np.float32)
    rma, rva = rng.standard_normal(3).astype(np.float32), (rng.random(3) + 0.1).astype(np.float32)
    w, b = _t(rng.standard_normal(3).astype(np.float32)), _t(rng.standard_normal(3).astype(np.float32))
    x = _t(xa)
    y = F.batch_norm(x, autograd.tensor(rma), autograd.tensor(rva), w, b, training=False)
    sh = (1, 3, 1, 1)
    r = 1 / np.sqrt(rva.astype(np.float64) + 1e-5)
    ref = (xa - rma.reshape(sh)) * r.reshape(sh) * w.detach().numpy().reshape(sh) \
        + b.detach().numpy().reshape(sh)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-5, atol=1e-5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(
        (r * w.detach().numpy()).reshape(sh), xa.shape), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), np.full(3, 100.0))


def test_batchnorm_module_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    xs = [autograd.randn(8, 2) * (i + 1) + i for i in range(3)]
    for x in xs:
        bn(x)
    means = np.stack([x.numpy().mean(0) for x in xs])
    vars_ = np.stack([x.numpy().var(0, ddof=1) for x in xs])
    # factor 1/n for the n-th batch: the plain average of the batches' statistics
    np.testing.assert_allclose(bn.running_mean.numpy(), means.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), vars_.mean(0), rtol=1e-5)
    assert int(bn.num_batches_tracked.item()) == 3


def test_functional_batch_norm_momentum_none_leaves_running_stats():
    rm, rv = autograd.zeros(3), autograd.ones(3)
    F.batch_norm(autograd.randn(4, 3), rm, rv, training=True, momentum=None)
    assert not rm.numpy().any() and (rv.numpy() == 1).all()


def test_running_stat_update_bumps_version():
    rm, rv = autograd.zeros(3), autograd.ones(3)
    v0 = rm._version
    F.batch_norm(autograd.randn(4, 3), rm, rv, training=True)
    assert rm._version == v0 + 1


def test_public_batch_norm_torch_argument_order_and_checks():
    x = autograd.randn(4, 3, 2)
    w, b = autograd.ones(3), autograd.zeros(3)
    rm, rv = autograd.zeros(3), autograd.ones(3)
    y = autograd.batch_norm(x, w, b, rm, rv, True, 0.5, 1e-5, True)
    np.testing.assert_allclose(rm.numpy(), 0.5 * x.numpy().mean((0, 2)), rtol=1e-5, atol=1e-7)
    assert y.shape == x.shape
    with pytest.raises(TypeError, match="position 2"):
        autograd.batch_norm(x, [1.0], b, rm, rv, True, 0.1, 1e-5, True)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        autograd.batch_norm(autograd.randn(1, 3), None, None, None, None, True, 0.1, 1e-5, True)
    with pytest.raises(RuntimeError, match="must be defined in evaluation mode"):
        autograd.batch_norm(x, None, None, None, rv, False, 0.1, 1e-5, True)
    with pytest.raises(RuntimeError, match="should contain 3 elements"):
        autograd.batch_norm(x, autograd.ones(2), None, None, None, True, 0.1, 1e-5, True)
    with pytest.raises(NotImplementedError, match="batch_norm"):
        F.batch_norm(autograd.ones(4, 3, dtype=autograd.complex64), None, None, training=True)


def test_kernels_are_plain_python_compatible():
    # NUMBA_DISABLE_JIT runs the kernels' Python source: call it directly once
    x = np.arange(12, dtype=np.float64).reshape(2, 3, 2)
    out, mean, var, rstd = K.batch_norm_train(x, None, None, 1e-5)
    np.testing.assert_allclose(mean, x.mean((0, 2)))
    np.testing.assert_allclose(var, x.var((0, 2)))
    out, mu, r = (K.layer_norm_forward.py_func if hasattr(K.layer_norm_forward, "py_func")
                  else K.layer_norm_forward)(x.reshape(3, 4), np.ones(4), np.zeros(4), 1e-5)
    np.testing.assert_allclose(out, ref_layer_norm(x.reshape(3, 4), 1.0, 0.0, 1e-5)[0])


# ------------------------------------------------------------------------ ONNX
@pytest.mark.parametrize("opset", [11, 17])
def test_onnx_export_of_fused_norms(opset):
    ort = pytest.importorskip("onnxruntime", reason="ONNX export checks need onnxruntime")
    import io
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4),
                          nn.BatchNorm2d(4, affine=False, track_running_stats=False),
                          nn.Flatten(), nn.LayerNorm(64), nn.Linear(64, 5),
                          nn.LayerNorm(5, elementwise_affine=False), nn.BatchNorm1d(5))
    for _ in range(2):
        model(autograd.randn(8, 3, 6, 6))  # running statistics away from (0, 1)
    model.eval()
    x = autograd.randn(3, 3, 6, 6)
    buf = io.BytesIO()
    autograd.onnx.export(model, (x,), buf, opset_version=opset)
    sess = ort.InferenceSession(buf.getvalue())
    out = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
    np.testing.assert_allclose(out, model(x).detach().numpy(), rtol=1e-4, atol=1e-5)
