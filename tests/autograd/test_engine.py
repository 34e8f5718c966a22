"""The backward engine: backward()/grad() options, accumulation, hooks, retain_grad,
detach, higher order, freed graphs, version checks, long chains, anomaly detection."""

import numpy as np
import pytest

import autograd


def _x(values=(1.0, 2.0, 3.0)):
    return autograd.tensor(list(values), dtype=autograd.float64, requires_grad=True)


# --- backward(gradient, retain_graph, create_graph, inputs) -----------------------------
def test_backward_scalar_and_explicit_gradient():
    x = _x()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    x.grad = None
    (x * 3).backward(gradient=autograd.tensor([1.0, 0.5, -1.0], dtype=autograd.float64))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 1.5, -3.0])


def test_backward_of_non_scalar_without_gradient_is_a_clear_error():
    with pytest.raises(RuntimeError, match="scalar") as info:
        (_x() * 2).backward()
    assert "(3,)" in str(info.value)


def test_backward_gradient_of_wrong_shape_is_an_error():
    with pytest.raises((RuntimeError, ValueError), match="shape"):
        (_x() * 2).backward(autograd.ones(4, dtype=autograd.float64))


def test_retain_graph_allows_second_backward_and_accumulates():
    x = _x()
    y = (x ** 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.detach().numpy())


def test_second_backward_through_freed_graph_raises():
    x = _x()
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_inputs_restricts_accumulation():
    x, w = _x(), _x((0.5, -1.0, 2.0))
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), x.detach().numpy())


def test_backward_create_graph_gives_differentiable_grad():
    x = _x()
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.detach().numpy())


def test_backward_without_create_graph_records_nothing():
    x = _x()
    (x.sin() * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad


# --- autograd.grad -------------------------------------------------------------------
def test_grad_returns_tuple_and_does_not_touch_leaf_grad():
    x, w = _x(), _x((2.0, 2.0, 2.0))
    gx, gw = autograd.grad((x * w).sum(), [x, w])
    np.testing.assert_allclose(gx.numpy(), w.detach().numpy())
    np.testing.assert_allclose(gw.numpy(), x.detach().numpy())
    assert x.grad is None and w.grad is None


def test_grad_allow_unused():
    x, unused = _x(), _x()
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0, 2.0])


def test_grad_with_grad_outputs_and_multiple_outputs():
    x = _x()
    v = autograd.tensor([1.0, -1.0, 0.5], dtype=autograd.float64)
    (g,) = autograd.grad([x * 2, x.sum()], [x], grad_outputs=[v, None])
    np.testing.assert_allclose(g.numpy(), 2 * v.numpy() + 1)


def test_grad_of_intermediate():
    x = _x()
    h = x * 2
    (gh,) = autograd.grad((h * h).sum(), [h])
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())


# --- accumulation, retain_grad, hooks, detach ----------------------------------------
def test_gradients_accumulate_in_leaves_and_through_fanout():
    x = _x()
    y = x * 2
    (y + y * y).sum().backward()   # fan-out: y used twice
    np.testing.assert_allclose(x.grad.numpy(), 2 + 8 * x.detach().numpy())
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 + 8 * x.detach().numpy())


def test_retain_grad_on_non_leaf():
    x = _x()
    h = x * 3
    h.retain_grad()
    assert h.retains_grad
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy())
    other = x * 4
    (other * 1).sum().backward()
    assert other.grad is None  # non-leaf grads are not kept unless asked


def test_register_hook_on_leaf_and_non_leaf():
    x = _x()
    seen = []
    x.register_hook(lambda g: seen.append(("leaf", g.numpy().copy())))
    h = x * 2
    h.register_hook(lambda g: g * 10)  # replaces the gradient flowing on
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0, 20.0])
    assert seen[0][0] == "leaf"
    np.testing.assert_allclose(seen[0][1], [20.0, 20.0, 20.0])


def test_hook_handle_remove():
    x = _x()
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    x.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_detach_and_detach_():
    x = _x()
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), x.detach().numpy())
    h = x * 2
    h.detach_()
    assert h.grad_fn is None and not h.requires_grad and h.is_leaf
    y = (x * d).sum()   # d is a constant
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), d.numpy())


def test_requires_grad_():
    t = autograd.ones(3)
    assert not t.requires_grad
    assert t.requires_grad_() is t and t.requires_grad and t.is_leaf
    t.requires_grad_(False)
    assert not t.requires_grad
    h = _x() * 2
    with pytest.raises(RuntimeError):
        h.requires_grad_(False)  # non-leaf: as in PyTorch, use detach()


def test_no_node_when_no_input_requires_grad():
    a, b = autograd.ones(3), autograd.ones(3)
    c = (a * b).exp().sum()
    assert c.grad_fn is None and not c.requires_grad and c.is_leaf


def test_next_functions_link_the_graph():
    x = _x()
    y = (x * 2).sum()
    names = [type(f).__name__ if f is not None else None for f, _ in y.grad_fn.next_functions]
    assert y.grad_fn.name() == "SumBackward"
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward", names


# --- higher order -------------------------------------------------------------------
def test_second_and_third_derivative_of_cube():
    x = autograd.tensor(2.0, dtype=autograd.float64, requires_grad=True)
    (g,) = autograd.grad(x ** 3, [x], create_graph=True)
    (gg,) = autograd.grad(g, [x], create_graph=True)
    (ggg,) = autograd.grad(gg, [x])
    assert g.item() == pytest.approx(12.0)
    assert gg.item() == pytest.approx(12.0)
    assert ggg.item() == pytest.approx(6.0)


def test_hessian_vector_product_by_hand_and_via_functional():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    A = autograd.tensor(a)
    x0 = np.array([0.5, -1.0])
    v = autograd.tensor([1.0, 2.0], dtype=autograd.float64)

    def f(x):  # 0.5 x^T A x + sum(x^3): H = A + diag(6x)
        return 0.5 * (x @ (A @ x)) + (x ** 3).sum()
    x = autograd.tensor(x0, requires_grad=True)
    (g,) = autograd.grad(f(x), [x], create_graph=True)
    (hv,) = autograd.grad(g, [x], grad_outputs=v)
    expected = (a + np.diag(6 * x0)) @ v.numpy()
    np.testing.assert_allclose(hv.numpy(), expected)
    _, hv2 = autograd.functional.hvp(f, autograd.tensor(x0), v)
    np.testing.assert_allclose(hv2.numpy(), expected)


def test_gradient_penalty_trains_through_grad_norm():
    w = autograd.tensor([[0.5, -0.3], [0.2, 0.8]], dtype=autograd.float64, requires_grad=True)
    x = autograd.tensor([[1.0, 2.0]], dtype=autograd.float64, requires_grad=True)
    out = (x @ w).tanh().sum()
    (gx,) = autograd.grad(out, [x], create_graph=True)
    penalty = ((gx.norm() - 1) ** 2)
    penalty.backward()
    assert w.grad is not None and w.grad.shape == (2, 2)

    def pen(w_):
        o = (x.detach().requires_grad_() @ w_).tanh().sum()
        return o, None
    # the penalty's gradient wrt w agrees with finite differences
    def penalty_fn(w_):
        xx = autograd.tensor([[1.0, 2.0]], dtype=autograd.float64, requires_grad=True)
        (g,) = autograd.grad((xx @ w_).tanh().sum(), [xx], create_graph=True)
        return (g.norm() - 1) ** 2
    w2 = w.detach().clone().requires_grad_()
    assert autograd.gradcheck(penalty_fn, (w2,))


def test_double_backward_through_every_op_kind_in_a_small_net():
    autograd.manual_seed(0)
    w = autograd.randn(3, 4, dtype=autograd.float64, requires_grad=True)
    x = autograd.randn(2, 3, dtype=autograd.float64, requires_grad=True)

    def f(x, w):
        h = (x @ w).relu() + (x @ w).sigmoid()
        return h.softmax(-1).log().mean(0).sum() + h.max(dim=1)[0].sum()
    assert autograd.gradgradcheck(f, (x, w))


# --- in-place versions -------------------------------------------------------------
def test_in_place_modification_of_saved_tensor_raises_at_backward():
    x = _x()
    b = x * 1
    c = b * b           # saves b
    b.add_(1)
    with pytest.raises(RuntimeError) as info:
        c.sum().backward()
    msg = str(info.value)
    assert "MulBackward" in msg or "mul" in msg.lower()
    assert "version" in msg and "0" in msg and "1" in msg, msg


def test_in_place_on_tensor_not_needed_by_backward_is_fine():
    x = _x()
    b = x * 1
    c = b + 2           # add saves nothing
    b.add_(3)
    c.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_in_place_add_on_non_leaf_is_differentiated_and_versioned():
    x = _x()
    b = x * 2
    b.add_(1)
    b += 1
    b -= 0.5
    assert b._version == 3 and b.grad_fn is not None
    b.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])



@pytest.mark.parametrize("op", ["mul_", "imul", "div_", "setitem"])
def test_in_place_mul_div_setitem_on_non_leaf(op):
    x = _x()
    b = x * 2
    if op == "mul_":
        b.mul_(3)
    elif op == "imul":
        b *= 3
    elif op == "div_":
        b.div_(0.5)
    else:
        b[0] = 5.0
    b.sum().backward()
    expected = [0.0, 2.0, 2.0] if op == "setitem" else [6.0, 6.0, 6.0]
    if op == "div_":
        expected = [4.0, 4.0, 4.0]
    np.testing.assert_allclose(x.grad.numpy(), expected)


@pytest.mark.parametrize("op", ["zero_", "fill_", "copy_"])
def test_overwriting_in_place_on_non_leaf_keeps_graph(op):
    x = _x()
    b = x * 2
    getattr(b, op)(*{"zero_": (), "fill_": (2.0,), "copy_": (autograd.ones(3),)}[op])
    assert b.requires_grad
    (b * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), b.detach().numpy())


def test_in_place_on_leaf_requiring_grad_raises_outside_no_grad():
    x = _x()
    with pytest.raises(RuntimeError, match="in-place"):
        x.add_(1)
    with autograd.no_grad():
        x.add_(1)
        x.mul_(2)
    np.testing.assert_allclose(x.detach().numpy(), [4.0, 6.0, 8.0])


# --- long chains --------------------------------------------------------------------
def test_100k_op_chain_backprops_without_recursion_error_in_linear_time(monkeypatch):
    # Linear time, checked structurally rather than with a clock (no timing assertions in
    # tests): every node's backward runs exactly once.
    from autograd.ops.elementwise import Mul
    calls = []
    original = Mul.backward
    monkeypatch.setattr(Mul, "backward",
                        staticmethod(lambda ctx, grad: calls.append(1) or original(ctx, grad)))
    x = autograd.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    assert len(calls) == 100_000


def test_deleting_a_long_graph_does_not_overflow_the_stack():
    x = autograd.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    del y   # freeing a deep chain of nodes must not recurse


# --- anomaly detection ------------------------------------------------------------
def test_detect_anomaly_names_the_op_producing_nan():
    x = autograd.tensor([0.0, 1.0], dtype=autograd.float64, requires_grad=True)
    with autograd.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(RuntimeError, match="SqrtBackward"):
            x.sqrt().sum().backward()
    assert not autograd.is_anomaly_enabled()


def test_without_anomaly_mode_nan_gradients_pass_silently():
    x = autograd.tensor([0.0, 1.0], dtype=autograd.float64, requires_grad=True)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.numpy()[0])


# ---- gradients of slices added into the sliced tensor's buffer in place (grad_index)
def _sliced_grads(fn, shape=(4, 9), seed=0):
    """fn(y) on an intermediate y = 2x (a Node, so the fast path runs) vs the composed
    backward (create_graph=True scatters each slice through IndexBackward): our x.grad,
    the reference, and how often IndexBackward ran in our first-order backward."""
    from autograd.ops import index as index_ops
    rng = np.random.default_rng(seed)
    xa = rng.standard_normal(shape)
    x = autograd.tensor(xa, requires_grad=True)
    out = fn(x * 2)
    scattered = []
    real = index_ops.IndexBackward.__dict__["forward"]
    index_ops.IndexBackward.forward = staticmethod(
        lambda *a, **k: scattered.append(1) or real.__func__(*a, **k))
    try:
        out.backward()
    finally:
        index_ops.IndexBackward.forward = real
    ref_x = autograd.tensor(xa, requires_grad=True)
    (g,) = autograd.grad(fn(ref_x * 2), (ref_x,), create_graph=True)
    return x.grad.numpy(), g.detach().numpy(), len(scattered)


@pytest.mark.parametrize("fn", [
    lambda y: sum(((i + 1) * p).sum() for i, p in enumerate(y.split(3, dim=1))),
    lambda y: (y.chunk(3, dim=1)[0] * 5).sum() + y.chunk(3, dim=1)[2].sum(),  # one unused
    lambda y: (y[:, :5] * 3).sum() + (y[:, 2:7] ** 2).sum(),  # overlapping slices
    lambda y: y[1:, ::2].sum() + (y * y).sum() + y[0].sum(),  # slices and whole uses
    lambda y: (y * 1).sum() + y[..., None, 1:].sum() + y[2, 3] * 7,  # None, 0-d
    lambda y: y.split([2, 2, 5], dim=1)[2].sum(),  # a single slice
])
def test_slice_gradients_accumulate_like_the_composed_backward(fn):
    ours, ref, scattered = _sliced_grads(fn)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    assert scattered == 0  # every slice added in place, no zero tensor per slice


def test_slice_gradients_never_write_into_arrays_handed_out():
    # the buffer given to a hook / retain_grad is not written by later accumulation,
    # and a gradient passed through unchanged (y + y) is never added into in place
    x = autograd.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 1
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()) or None)
    z = y + y
    (z[:, :2].sum() * 3 + z[:, 1:].sum() + z.sum()).backward()
    want = np.array([[4.0, 5.0, 2.0], [4.0, 5.0, 2.0]]) * 2  # d(out)/dz, times 2 for y + y
    np.testing.assert_array_equal(y.grad.numpy(), want)
    np.testing.assert_array_equal(seen[0], want)
    np.testing.assert_array_equal(x.grad.numpy(), want)


def test_slice_gradients_with_retain_graph_twice_and_create_graph():
    x = autograd.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    y = x.exp()
    out = sum((p * p).sum() for p in y.split(1, dim=0)) + y[:, 1:3].sum()
    (g,) = autograd.grad(out, (x,), create_graph=True)  # keeps the graph
    assert g.requires_grad
    out.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    np.testing.assert_allclose(first, g.detach().numpy(), rtol=1e-12)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-12)
