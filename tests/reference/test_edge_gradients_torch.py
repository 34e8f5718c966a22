"""Saturation and edge points against PyTorch: forward values and gradients, float64 and
float32 (the issue "PyTorch's semantics", part 5: finite gradients wherever PyTorch's
are finite; 0-d and empty-dim inputs PyTorch accepts; PyTorch's error classes).

Every case is written once as ``fn(lib, F, *xs)`` (``lib``/``F``: ``autograd`` and
``nn.functional``, or ``torch`` and ``torch.nn.functional``) and run on both; the
gradient is taken of a weighted sum of the first output, so every output position is
checked with a distinct upstream gradient.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="compared with PyTorch: needs torch==2.13.0 (./dev setup ref)")
import torch.nn.functional as TF  # noqa: E402

import autograd as ag  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd.ops import pool as ag_pool  # noqa: E402

NAN, INF = math.nan, math.inf
DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=1e-6)}


def _run(lib, fn, inputs, grads, dtype):
    """Outputs (as arrays) and the gradients of sum(w * first output) (as arrays)."""
    is_torch = lib is torch
    xs = []
    for v, g in zip(inputs, grads):
        a = np.asarray(v)
        if a.dtype.kind == "f":
            a = a.astype(dtype)
        t = torch.tensor(a) if is_torch else ag.tensor(a)
        if g:
            t.requires_grad_(True)
        xs.append(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(lib, TF if is_torch else F, *xs)
        outs = tuple(out) if isinstance(out, tuple) else (out,)
        arrays = [np.asarray(o.detach().numpy()) for o in outs]
        wanted = [x for x, g in zip(xs, grads) if g]
        gs = []
        if wanted:
            first = arrays[0]
            w = np.linspace(0.5, 1.5, first.size).reshape(first.shape).astype(first.dtype)
            wt = torch.tensor(w) if is_torch else ag.tensor(w)
            res = (torch if is_torch else ag).autograd.grad((outs[0] * wt).sum(), wanted,
                                                            allow_unused=True)
            gs = [None if r is None else np.asarray(r.numpy()) for r in res]
    return arrays, gs


def _compare(fn, inputs, grads, dtype):
    ours, ours_g = _run(ag, fn, inputs, grads, dtype)
    ref, ref_g = _run(torch, fn, inputs, grads, dtype)
    tol = TOL[dtype]
    assert len(ours) == len(ref)
    for o, r in zip(ours, ref):
        assert o.shape == r.shape, (o.shape, r.shape)
        assert o.dtype == r.dtype, (o.dtype, r.dtype)
        np.testing.assert_allclose(o, r, equal_nan=True, **tol)
    for i, (o, r) in enumerate(zip(ours_g, ref_g)):
        assert o is not None and r is not None, f"gradient {i}: ours {o}, torch {r}"
        assert o.shape == r.shape, (o.shape, r.shape)
        np.testing.assert_allclose(o, r, equal_nan=True, err_msg=f"gradient {i}", **tol)


def _i(v):
    return np.asarray(v, dtype=np.int64)


# (id, fn(lib, F, *xs), inputs, requires_grad per input)
CASES = [
    # --- activations at NaN and at their kinks: PyTorch passes the gradient through a NaN
    ("relu_nan_and_kink", lambda lib, F, x: F.relu(x),
     [[NAN, -1.0, 0.0, -0.0, 2.0, INF, -INF]], (True,)),
    ("relu6_nan_and_bounds", lambda lib, F, x: F.relu6(x),
     [[NAN, -1.0, 0.0, 6.0, 2.0, 7.0]], (True,)),
    ("hardtanh_nan_and_bounds", lambda lib, F, x: F.hardtanh(x),
     [[NAN, -1.0, 1.0, 0.5, -2.0, 3.0]], (True,)),
    ("leaky_relu_nan_and_kink", lambda lib, F, x: F.leaky_relu(x, 0.2),
     [[NAN, -1.0, 0.0, 2.0]], (True,)),
    ("relu_module_twice_differentiable_nan", lambda lib, F, x: lib.relu(x) * x,
     [[NAN, -1.0, 0.5]], (True,)),
    # --- binary_cross_entropy: logs clamped at -100, gradient (x - y) / max(x (1 - x), 1e-12)
    ("bce_saturated_right", lambda lib, F, x, t: F.binary_cross_entropy(x, t),
     [[0.0, 1.0], [0.0, 1.0]], (True, False)),
    ("bce_saturated_wrong", lambda lib, F, x, t: F.binary_cross_entropy(x, t),
     [[0.0, 1.0], [1.0, 0.0]], (True, False)),
    ("bce_saturated_soft_none", lambda lib, F, x, t: F.binary_cross_entropy(x, t, reduction="none"),
     [[0.0, 1.0, 0.5, 1e-30, 0.25], [0.3, 0.7, 0.2, 0.3, 0.9]], (True, False)),
    ("bce_saturated_sum_weight",
     lambda lib, F, x, t, w: F.binary_cross_entropy(x, t, weight=w, reduction="sum"),
     [[[0.0, 1.0], [0.5, 1.0]], [[0.0, 1.0], [1.0, 0.0]], [1.0, 2.0]], (True, False, False)),
    ("bce_target_grad", lambda lib, F, x, t: F.binary_cross_entropy(x, t, reduction="none"),
     [[0.0, 1.0, 0.5, 0.25], [0.3, 0.7, 0.2, 0.6]], (True, True)),
    # --- nll_loss with every target ignored: NaN forward (0 / 0), zero gradient
    ("nll_all_ignored_mean", lambda lib, F, x, t: F.nll_loss(x, t),
     [[[-0.1, -0.2, -0.3], [-0.3, -0.4, -0.5]], _i([-100, -100])], (True, False)),
    ("nll_all_ignored_custom_index", lambda lib, F, x, t: F.nll_loss(x, t, ignore_index=1),
     [[[-0.1, -0.2, -0.3], [-0.3, -0.4, -0.5]], _i([1, 1])], (True, False)),
    ("nll_all_ignored_weight", lambda lib, F, x, t, w: F.nll_loss(x, t, weight=w),
     [[[-0.1, -0.2], [-0.3, -0.4]], _i([-100, -100]), [1.0, 2.0]], (True, False, False)),
    ("nll_all_ignored_1d", lambda lib, F, x, t: F.nll_loss(x, t),
     [[-0.1, -0.2, -0.3], _i(-100)], (True, False)),
    ("nll_all_ignored_spatial", lambda lib, F, x, t: F.nll_loss(x, t),
     [np.full((1, 2, 2), -0.5), _i([[-100, -100]])], (True, False)),
    ("nll_all_ignored_sum", lambda lib, F, x, t: F.nll_loss(x, t, reduction="sum"),
     [[[-0.1, -0.2], [-0.3, -0.4]], _i([-100, -100])], (True, False)),
    ("nll_zero_total_weight", lambda lib, F, x, t, w: F.nll_loss(x, t, weight=w),
     [[[-0.1, -0.2], [-0.3, -0.4], [-0.5, -0.6]], _i([0, 0, -100]), [0.0, 2.0]],
     (True, False, False)),
    ("nll_some_ignored_mean", lambda lib, F, x, t: F.nll_loss(x, t),
     [[[-0.1, -0.2], [-0.3, -0.4], [-0.5, -0.6]], _i([1, -100, 0])], (True, False)),
    ("cross_entropy_all_ignored", lambda lib, F, x, t: F.cross_entropy(x, t),
     [[[0.1, 0.2], [0.3, 0.4]], _i([-100, -100])], (True, False)),
    # --- std / var of a constant input: 0, gradient 0 (not 0 * inf)
    ("std_constant", lambda lib, F, x: x.std(), [[2.0, 2.0, 2.0]], (True,)),
    ("std_constant_row", lambda lib, F, x: x.std(dim=1), [[[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]], (True,)),
    ("std_constant_keepdim_c0", lambda lib, F, x: x.std(dim=0, keepdim=True, correction=0),
     [[[0.5, 1.0], [0.5, 3.0]]], (True,)),
    ("std_constant_fn", lambda lib, F, x: lib.std(x, (0, 1)), [np.full((2, 3), -1.5)], (True,)),
    ("std_one_element_c0", lambda lib, F, x: x.std(correction=0), [[2.0]], (True,)),
    ("std_one_element_nan", lambda lib, F, x: x.std(), [[2.0]], (True,)),
    ("var_constant", lambda lib, F, x: x.var(dim=1), [[[2.0, 2.0], [1.0, 3.0]]], (True,)),
    # --- cumprod with zeros: PyTorch's finite gradient
    ("cumprod_one_zero", lambda lib, F, x: lib.cumprod(x, 0), [[2.0, 0.0, 3.0, 4.0]], (True,)),
    ("cumprod_two_zeros", lambda lib, F, x: lib.cumprod(x, 0), [[2.0, 0.0, 3.0, 0.0, 5.0]], (True,)),
    ("cumprod_zero_first", lambda lib, F, x: lib.cumprod(x, 0), [[0.0, 2.0, 3.0]], (True,)),
    ("cumprod_zero_last", lambda lib, F, x: lib.cumprod(x, -1), [[1.5, -2.0, 0.0]], (True,)),
    ("cumprod_all_zeros", lambda lib, F, x: lib.cumprod(x, 0), [[0.0, 0.0, 0.0]], (True,)),
    ("cumprod_2d_dim1", lambda lib, F, x: lib.cumprod(x, 1),
     [[[0.0, 2.0, 3.0], [1.0, -2.0, 0.0], [1.5, 2.0, -3.0]]], (True,)),
    ("cumprod_2d_dim0", lambda lib, F, x: x.cumprod(0),
     [[[1.0, 0.0], [0.0, 2.0], [3.0, 4.0], [0.0, -1.0]]], (True,)),
    ("cumprod_negative_no_zero", lambda lib, F, x: lib.cumprod(x, 0), [[-2.0, 0.5, -3.0]], (True,)),
    ("cumprod_0d_zero", lambda lib, F, x: lib.cumprod(x, 0), [0.0], (True,)),
    # --- pow: 0 ** 0 with a tensor exponent, zero bases
    ("pow_0_0_tensor_exponent", lambda lib, F, a, b: a ** b, [0.0, 0.0], (False, True)),
    ("pow_0_0_both", lambda lib, F, a, b: a ** b, [0.0, 0.0], (True, True)),
    ("pow_zero_base_mixed", lambda lib, F, a, b: lib.pow(a, b),
     [[0.0, 0.0, 0.0, 2.0, 0.0, 0.0], [0.0, 1.0, -1.0, 0.0, -0.5, 2.5]], (True, True)),
    ("pow_scalar_zero_base", lambda lib, F, b: 0.0 ** b, [[0.0, 1.0, -1.0, 2.5]], (True,)),
    ("pow_zero_exponent_0d_tensor", lambda lib, F, a, b: a ** b, [[0.0, 1.0], 0.0], (True, True)),
    ("pow_scalar_zero_exponent", lambda lib, F, a: a ** 0.0, [[0.0, 1.0]], (True,)),
    # --- max / amax with NaN
    ("amax_nan", lambda lib, F, x: x.amax(), [[1.0, NAN, 3.0, NAN]], (True,)),
    ("amax_nan_dim", lambda lib, F, x: lib.amax(x, 1), [[[1.0, NAN, 3.0], [1.0, 3.0, 3.0]]], (True,)),
    ("amin_nan_dim", lambda lib, F, x: lib.amin(x, 0), [[[1.0, NAN], [0.0, 3.0]]], (True,)),
    ("max_nan", lambda lib, F, x: x.max(), [[1.0, NAN, 3.0, NAN]], (True,)),
    ("min_nan", lambda lib, F, x: lib.min(x), [[[1.0, NAN], [NAN, -3.0]]], (True,)),
    ("max_ties", lambda lib, F, x: x.max(), [[3.0, 1.0, 3.0]], (True,)),
    ("max_nan_dim", lambda lib, F, x: lib.max(x, 1),
     [[[1.0, NAN, 3.0, NAN], [1.0, 3.0, 3.0, 0.0]]], (True,)),
    ("min_nan_dim", lambda lib, F, x: x.min(1), [[[1.0, NAN, 3.0, NAN], [1.0, 3.0, 3.0, 0.0]]], (True,)),
    ("maximum_nan", lambda lib, F, a, b: lib.maximum(a, b),
     [[NAN, 1.0, NAN, 2.0, 2.0], [1.0, NAN, NAN, 2.0, 3.0]], (True, True)),
    ("minimum_nan", lambda lib, F, a, b: lib.minimum(a, b),
     [[NAN, 1.0, NAN, 2.0, 2.0], [1.0, NAN, NAN, 2.0, 3.0]], (True, True)),
    # --- hardtanh / relu6: gradient 0 at the bounds (clamp keeps 1 there)
    ("hardtanh_bounds", lambda lib, F, x: F.hardtanh(x), [[-1.0, 1.0, 0.5, -2.0, 2.0]], (True,)),
    ("hardtanh_custom_bounds", lambda lib, F, x: F.hardtanh(x, -0.5, 0.25),
     [[-0.5, 0.25, 0.0, 0.3]], (True,)),
    ("relu6_bounds", lambda lib, F, x: F.relu6(x), [[0.0, 6.0, 3.0, -1.0, 7.0]], (True,)),
    ("clamp_bounds", lambda lib, F, x: lib.clamp(x, -1.0, 1.0), [[-1.0, 1.0, 0.5, 2.0]], (True,)),
    # --- norm at the zero vector: subgradient 0
    ("norm2_zero", lambda lib, F, x: x.norm(), [[0.0, 0.0]], (True,)),
    ("norm2_zero_row", lambda lib, F, x: x.norm(dim=1), [[[0.0, 0.0], [3.0, 4.0]]], (True,)),
    ("norm_fro_zero", lambda lib, F, x: lib.norm(x, "fro"), [np.zeros((2, 2))], (True,)),
    *[(f"norm_p{p}_{name}", (lambda p: lambda lib, F, x: x.norm(p=p))(p), [v], (True,))
      for p in (1, 3, 0.5, 1.5, INF, -INF)
      for name, v in (("zero", [0.0, 0.0]), ("partial", [0.0, 2.0]))],
    ("norm_p3_zero_row_keepdim", lambda lib, F, x: x.norm(p=3, dim=1, keepdim=True),
     [[[0.0, 0.0], [1.0, -2.0]]], (True,)),
    # --- 0-d inputs
    ("logsumexp_0d_dim0", lambda lib, F, x: lib.logsumexp(x, 0), [1.5], (True,)),
    ("logsumexp_0d_dim_neg1_keepdim", lambda lib, F, x: x.logsumexp(-1, keepdim=True), [1.5], (True,)),
    ("logsumexp_empty_dim", lambda lib, F, x: lib.logsumexp(x, 1), [np.zeros((2, 0))], (True,)),
    ("amax_0d", lambda lib, F, x: lib.amax(x), [1.5], (True,)),
    ("amax_0d_dim0", lambda lib, F, x: lib.amax(x, 0), [1.5], (True,)),
    ("amax_0d_dim_neg1_keepdim", lambda lib, F, x: x.amax(-1, keepdim=True), [1.5], (True,)),
    ("amin_0d_dim0", lambda lib, F, x: lib.amin(x, 0), [1.5], (True,)),
    ("max_0d_dim0", lambda lib, F, x: lib.max(x, 0), [1.5], (True,)),
    ("sum_0d_dim0", lambda lib, F, x: x.sum(0), [1.5], (True,)),
    ("mean_0d_dim0", lambda lib, F, x: lib.mean(x, 0), [1.5], (True,)),
    ("std_0d_dim0_c0", lambda lib, F, x: x.std(0, correction=0), [1.5], (True,)),
    ("flip_0d_empty_dims", lambda lib, F, x: lib.flip(x, ()), [1.5], (True,)),
    # --- softmax over an empty dim, and 0-d
    ("softmax_empty_dim", lambda lib, F, x: F.softmax(x, 1), [np.zeros((2, 0))], (True,)),
    ("log_softmax_empty_dim", lambda lib, F, x: F.log_softmax(x, 1), [np.zeros((2, 0))], (True,)),
    ("softmin_empty_dim", lambda lib, F, x: F.softmin(x, 1), [np.zeros((2, 0))], (True,)),
    ("softmax_empty_1d", lambda lib, F, x: lib.softmax(x, 0), [np.zeros((0,))], (True,)),
    ("softmax_empty_other_dim", lambda lib, F, x: F.softmax(x, 1), [np.zeros((0, 3))], (True,)),
    ("softmax_0d", lambda lib, F, x: F.softmax(x, 0), [1.5], (True,)),
    ("log_softmax_0d", lambda lib, F, x: F.log_softmax(x, -1), [1.5], (True,)),
    # --- adaptive pooling with an empty batch (the gradient is empty too)
    ("adaptive_avg_pool2d_empty_batch", lambda lib, F, x: F.adaptive_avg_pool2d(x, (2, 2)),
     [np.zeros((0, 1, 3, 3))], (True,)),
    ("adaptive_max_pool2d_empty_batch", lambda lib, F, x: F.adaptive_max_pool2d(x, (2, 2)),
     [np.zeros((0, 1, 3, 3))], (True,)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name,fn,inputs,grads", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, inputs, grads, dtype):
    _compare(fn, inputs, grads, dtype)


def test_bce_issue_example_finite():
    """The issue's example: a saturated sigmoid output has a finite (zero) gradient."""
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    F.binary_cross_entropy(x, ag.tensor([0.0, 1.0])).backward()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("dims", [(0,), (-1,)])
def test_flip_0d(dims):
    """``flip`` of a 0-d tensor along dim 0 / -1: the tensor itself, gradient 1."""
    _compare(lambda lib, F, x: lib.flip(x, dims), [1.5], (True,), np.float64)


# ------------------------------------------------------------- second order at edges
@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, 4.0], [2.0, 0.0, 3.0, 0.0, 5.0],
                                    [0.0, 2.0, -3.0]], ids=str)
def test_cumprod_double_backward_at_zeros(values):
    """Second derivatives of cumprod at zeros, against PyTorch (float64)."""
    def second(lib):
        x = (torch.tensor if lib is torch else ag.tensor)(np.array(values)).requires_grad_(True)
        w = np.linspace(0.5, 1.5, len(values))
        w = torch.tensor(w) if lib is torch else ag.tensor(w)
        (g,) = lib.autograd.grad((lib.cumprod(x, 0) * w).sum(), [x], create_graph=True)
        (h,) = lib.autograd.grad((g * w).sum(), [x])
        return g.detach().numpy(), h.numpy()
    for o, r in zip(second(ag), second(torch)):
        np.testing.assert_allclose(o, r, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------- adaptive pooling to size 0
POOL_ZERO = [
    ("avg2d_0x0", lambda F, x: F.adaptive_avg_pool2d(x, (0, 0)), (2, 3, 4, 5)),
    ("avg2d_int0", lambda F, x: F.adaptive_avg_pool2d(x, 0), (2, 3, 4, 5)),
    ("avg2d_0x2", lambda F, x: F.adaptive_avg_pool2d(x, (0, 2)), (2, 3, 4, 5)),
    ("avg2d_3d_2x0", lambda F, x: F.adaptive_avg_pool2d(x, (2, 0)), (3, 4, 5)),
    ("max2d_0x0", lambda F, x: F.adaptive_max_pool2d(x, (0, 0)), (2, 3, 4, 5)),
    ("max2d_2x0_indices", lambda F, x: F.adaptive_max_pool2d(x, (2, 0), return_indices=True),
     (2, 3, 4, 5)),
    ("avg1d_0", lambda F, x: F.adaptive_avg_pool1d(x, 0), (3, 4, 5)),
    ("max1d_0", lambda F, x: F.adaptive_max_pool1d(x, 0), (3, 4, 5)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name,fn,shape", POOL_ZERO, ids=[c[0] for c in POOL_ZERO])
def test_adaptive_pool_to_size_zero(name, fn, shape, dtype):
    """Forward as PyTorch (an empty output of the right shape and dtype). PyTorch's
    backward then raises ("Expected grad_output to have non-zero size"); ours gives the
    mathematically right zero gradient."""
    a = np.arange(math.prod(shape), dtype=dtype).reshape(shape) / 10
    ours_f = ag_pool if name.startswith("max1d") else F
    ref_f = torch.nn.functional
    ours = fn(ours_f, ag.tensor(a, requires_grad=True))
    ref = fn(ref_f, torch.tensor(a))
    ours_t = ours if isinstance(ours, tuple) else (ours,)
    ref_t = ref if isinstance(ref, tuple) else (ref,)
    for o, r in zip(ours_t, ref_t):
        assert tuple(o.shape) == tuple(r.shape)
        assert o.detach().numpy().dtype == r.detach().numpy().dtype
    x = ag.tensor(a, requires_grad=True)
    (g,) = ag.autograd.grad(fn(ours_f, x)[0].sum() if isinstance(ours, tuple) else
                            fn(ours_f, x).sum(), [x])
    np.testing.assert_array_equal(g.numpy(), np.zeros(shape, dtype))


# ------------------------------------------------------------------------- errors
def _same_error(call):
    """Run ``call(lib, F)`` on both libraries: ours must raise the class PyTorch raises."""
    with pytest.raises(Exception) as ref:
        call(torch, torch.nn.functional)
    with pytest.raises(type(ref.value)) as ours:
        call(ag, F)
    return str(ref.value), str(ours.value)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_], ids=str)
@pytest.mark.parametrize("spelling", ["operator", "pow", "method", "inplace"])
def test_integer_tensor_to_negative_integer_power(dtype, spelling):
    calls = {
        "operator": lambda lib, F: lib.tensor(np.array([2, 1], dtype)) ** -1,
        "pow": lambda lib, F: lib.pow(lib.tensor(np.array([2, 1], dtype)), -2),
        "method": lambda lib, F: lib.tensor(np.array([2, 1], dtype)).pow(-1),
        "inplace": lambda lib, F: lib.tensor(np.array([2, 1], dtype)).pow_(-3),
    }
    ref_msg, msg = _same_error(calls[spelling])
    assert ref_msg in msg and "pow" in msg
    assert "incompatible" not in msg  # not reported as a shape error


def test_integer_tensor_exponent_negative_values():
    """A negative integer *tensor* exponent is no error in PyTorch: C's integer rule."""
    for base, exp in [([0, 1, -1, 2, -2, 0, 3], [-1, -3, -3, -2, -1, 0, 2]),
                      ([2, 3], -1), (2, [-1, 1, 3]), (-1, [-1, -2, 2])]:
        def wrap(lib, v):
            return lib.tensor(np.array(v, np.int64)) if isinstance(v, list) else v
        e_ours = wrap(ag, exp) if isinstance(exp, list) else ag.tensor(np.int64(exp))
        e_ref = wrap(torch, exp) if isinstance(exp, list) else torch.tensor(np.int64(exp))
        ours = (wrap(ag, base) ** e_ours).numpy()
        ref = (wrap(torch, base) ** e_ref).numpy()
        np.testing.assert_array_equal(ours, ref)
        assert ours.dtype == ref.dtype


def test_integer_tensor_to_non_negative_power_still_works():
    np.testing.assert_array_equal((ag.tensor(np.array([2, 3])) ** 2).numpy(), [4, 9])
    np.testing.assert_array_equal((ag.tensor(np.array([2, 3])) ** 0).numpy(), [1, 1])


@pytest.mark.parametrize("call", [
    lambda lib, F: F.adaptive_avg_pool2d(lib.zeros(1, 1, 4, 4), (-1, 2)),
    lambda lib, F: F.adaptive_max_pool2d(lib.zeros(1, 1, 4, 4), (2, -3)),
    lambda lib, F: F.adaptive_avg_pool2d(lib.zeros(1, 1, 0, 3), (2, 2)),
    lambda lib, F: lib.amax(lib.tensor(1.5), 1),
    lambda lib, F: lib.logsumexp(lib.tensor(1.5), 1),
    lambda lib, F: F.softmax(lib.tensor(1.5), 1),
], ids=["avg_negative_size", "max_negative_size", "avg_empty_spatial", "amax_0d_dim1",
        "logsumexp_0d_dim1", "softmax_0d_dim1"])
def test_error_classes_match_torch(call):
    _same_error(call)
