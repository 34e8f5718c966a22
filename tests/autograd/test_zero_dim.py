"""0-d results are real 0-d Tensors: every reduction and every op on 0-d inputs gives a
Tensor over a writable 0-d ndarray (never a NumPy scalar, never a read-only view), so
``s = a.mean(); s += 1``, ``acc = 0; acc += (pred == y).sum()``, ``t.numpy()`` and
``autograd.save({'best': loss.detach()}, f)`` work as in PyTorch.

Values are compared with PyTorch when it is installed (the structural checks run without).
"""
import copy
import io
import pickle

import numpy as np
import pytest

import autograd

try:
    import torch
except ImportError:  # pragma: no cover - the reference comparisons are skipped then
    torch = None  # type: ignore[assignment]


def _check_0d(t):
    """``t`` is a Tensor over a writable 0-d ndarray, and numpy() shares its memory."""
    assert isinstance(t, autograd.Tensor)
    a = t.detach().numpy()
    assert type(a) is np.ndarray, type(a)
    assert a.ndim == 0 and t.shape == () and t.dim() == 0
    assert a.flags.writeable
    assert isinstance(t.item(), (bool, int, float))


def _torch(x):
    return torch.tensor(np.asarray(x))


def _iadd_matches_torch(ours, ref):
    """``t += 1`` on our result and on torch's: same outcome (value, dtype, or error type)."""
    ours = ours.detach()
    try:
        ref += 1
    except Exception as exc:  # torch refuses (bool += int): so must we, with its error type
        with pytest.raises(type(exc)):
            ours += 1
        return
    before = id(ours)
    ours += 1
    assert id(ours) == before  # in place, not rebound
    _check_0d(ours)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    assert str(ours.dtype) == str(ref.dtype).replace("torch.", "")


def _iadd_alone(ours):
    ours = ours.detach()
    if ours.dtype == np.bool_:
        with pytest.raises(RuntimeError):
            ours += 1
        return
    value = ours.item()
    ours += 1
    _check_0d(ours)
    np.testing.assert_allclose(ours.item(), value + 1, rtol=1e-6)


# --- the examples -----------------------------------------------------------
def test_mean_then_iadd():
    a = autograd.tensor([[1.0, 2.0], [3.0, 6.0]])
    s = a.mean()
    s += 1
    _check_0d(s)
    assert s.item() == 4.0
    s -= 0.5
    s *= 2
    s /= 7
    assert s.item() == pytest.approx(1.0)


def test_mean_iadd_in_graph_backward():
    w = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = (w * w).mean()
    s += 1
    s *= 3
    s.backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * w.detach().numpy(), rtol=1e-6)
    _check_0d(s)
    if torch is not None:
        tw = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        ts = (tw * tw).mean()
        ts += 1
        ts *= 3
        ts.backward()
        np.testing.assert_allclose(s.item(), ts.item(), rtol=1e-6)
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)


def test_accuracy_accumulator_from_python_int():
    pred = autograd.tensor([0, 1, 2, 1])
    y = autograd.tensor([0, 1, 1, 1])
    acc = 0
    for _ in range(3):
        acc += (pred == y).sum()
    assert isinstance(acc, autograd.Tensor) and acc.dtype == autograd.int64
    _check_0d(acc)
    assert acc.item() == 9
    if torch is not None:
        tacc = 0
        for _ in range(3):
            tacc += (torch.tensor([0, 1, 2, 1]) == torch.tensor([0, 1, 1, 1])).sum()
        assert acc.item() == tacc.item()


def test_float_accumulator_and_builtin_sum():
    losses = [autograd.tensor([1.0, 3.0]).mean(), autograd.tensor([2.0]).sum()]
    total = sum(losses)  # 0 + t, then t + t
    _check_0d(total)
    assert total.item() == 4.0
    run = 0.0
    for loss in losses:
        run += loss.detach()
    _check_0d(run)
    run += losses[0]
    assert run.item() == 6.0


def test_save_detached_loss_round_trips(tmp_path):
    x = autograd.randn(5, 3, requires_grad=True)
    loss = (x * x).mean()
    path = tmp_path / "best.safetensors"
    autograd.save({"best": loss.detach(), "acc": (x > 0).sum()}, path)
    back = autograd.load(path)
    _check_0d(back["best"])
    assert back["best"].item() == pytest.approx(loss.item())
    assert back["acc"].item() == int((x.detach().numpy() > 0).sum())
    buf = io.BytesIO()
    autograd.save({"best": loss.detach()}, buf)
    buf.seek(0)
    assert autograd.load(buf)["best"].item() == pytest.approx(loss.item())


def test_numpy_of_0d_is_writable_shared_ndarray():
    s = autograd.tensor([1.0, 2.0, 4.0]).sum()
    a = s.numpy()
    assert type(a) is np.ndarray and a.ndim == 0 and a.flags.writeable
    a[...] = 5.0
    assert s.item() == 5.0  # shares memory, as torch's numpy()
    m = autograd.tensor([1.0, 2.0, 4.0]).mean()
    m.numpy()[...] = 7.0
    assert m.item() == 7.0
    if torch is not None:
        r = torch.tensor([1.0, 2.0, 4.0]).mean().numpy()
        assert type(r) is type(m.numpy()) and r.ndim == m.numpy().ndim


def test_item_is_a_python_number():
    assert type(autograd.tensor([1.0, 2.0]).mean().item()) is float
    assert type((autograd.tensor([1, 2]) > 1).sum().item()) is int
    assert type(autograd.tensor([1.0]).sum().eq(1.0).item()) is bool


def test_detach_and_data_of_a_0d_result():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 3).mean()
    d = loss.detach()
    _check_0d(d)
    d += 1
    assert loss.item() == 5.5  # detach shares storage, as in PyTorch
    _check_0d(loss.data)
    _check_0d(copy.deepcopy(loss.detach()))
    _check_0d(pickle.loads(pickle.dumps(loss.detach())))


@pytest.mark.parametrize("make", [
    lambda: autograd.tensor(3.0),
    lambda: autograd.tensor(np.float32(3.0)),
    lambda: autograd.as_tensor(np.float32(1)),
    lambda: autograd.as_tensor(np.int64(1)),
    lambda: autograd.Tensor(np.float64(2.0)),
    lambda: autograd.scalar_tensor(2.0),
    lambda: autograd.full((), 2.0),
    lambda: autograd.zeros(()),
], ids=["tensor", "tensor_np", "as_tensor_f32", "as_tensor_i64", "Tensor_np", "scalar_tensor",
        "full", "zeros"])
def test_creation_of_0d(make):
    t = make()
    _check_0d(t)
    _iadd_alone(t)


def test_grad_of_0d_leaf_is_0d_tensor():
    w = autograd.tensor(2.0, requires_grad=True)
    (w * w * 3).backward()
    _check_0d(w.grad)
    assert w.grad.item() == 12.0
    (w.exp()).backward()  # accumulation: grad + grad
    _check_0d(w.grad)


def test_inplace_on_saved_0d_output_is_detected():
    w = autograd.tensor(0.5, requires_grad=True)
    y = w.exp()
    y += 1
    with pytest.raises(RuntimeError, match="inplace"):
        y.backward()
    if torch is not None:
        tw = torch.tensor(0.5, requires_grad=True)
        ty = tw.exp()
        ty += 1
        with pytest.raises(RuntimeError, match="inplace"):
            ty.backward()


def test_int_index_gives_0d_view_like_torch():
    v = autograd.arange(5.0)
    x = v[1]
    _check_0d(x)
    x += 10
    assert v.tolist() == [0.0, 11.0, 2.0, 3.0, 4.0]
    m = autograd.zeros(2, 3)
    e = m[1, 2]
    e += 1
    assert m.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    if torch is not None:
        tv = torch.arange(5.0)
        tx = tv[1]
        tx += 10
        assert tv.tolist() == v.tolist()


def test_int_index_gradient_unchanged():
    w = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (w[1, 0] * 5 + w[0][1]).backward()
    assert w.grad.tolist() == [[0.0, 1.0], [5.0, 0.0]]


def test_iadd_on_expanded_tensor_raises_like_torch():
    x = autograd.zeros(4)
    e = x.expand(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e += 1
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.add_(1)
    assert x.tolist() == [0.0] * 4
    if torch is not None:
        te = torch.zeros(4).expand(3, 4)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            te += 1


def test_expand_without_repetition_is_writable_view_like_torch():
    x = autograd.zeros(4)
    e = x.expand(1, 4)
    e += 1
    assert x.tolist() == [1.0] * 4
    z = autograd.tensor(2.0)
    e0 = z.expand(1, 1)
    e0 += 1
    assert z.item() == 3.0
    if torch is not None:
        tx = torch.zeros(4)
        te = tx.expand(1, 4)
        te += 1
        assert tx.tolist() == x.tolist()


def test_expand_backward_unchanged():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    (w.expand(1, 2) * autograd.tensor([[3.0, 4.0]])).sum().backward()
    assert w.grad.tolist() == [3.0, 4.0]
    w.grad = None
    (w.expand(3, 2)).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


# --- the sweep: reductions with dim=None on 1-D / 2-D / 0-d inputs ----------------------
def _all_dims(x):
    return tuple(range(x.dim()))


REDUCTIONS = {
    "sum": lambda lib, x: x.sum(),
    "mean": lambda lib, x: x.mean(),
    "prod": lambda lib, x: x.prod(),
    "max": lambda lib, x: x.max(),
    "min": lambda lib, x: x.min(),
    "amax": lambda lib, x: x.amax(),
    "amin": lambda lib, x: x.amin(),
    "var": lambda lib, x: x.var(correction=0),
    "std": lambda lib, x: x.std(correction=0),
    "var_unbiased": lambda lib, x: x.var(),
    "logsumexp": lambda lib, x: lib.logsumexp(x, _all_dims(x)),
    "norm": lambda lib, x: x.norm(),
    "argmax": lambda lib, x: x.argmax(),
    "argmin": lambda lib, x: x.argmin(),
    "all": lambda lib, x: x.all(),
    "any": lambda lib, x: x.any(),
    "count_nonzero": lambda lib, x: x.count_nonzero(),
    "sum_bool": lambda lib, x: (x > 0).sum(),
    "sum_int": lambda lib, x: x.long().sum(),
}
INPUTS = {
    "1d": np.array([0.5, -1.0, 2.0, 0.0], dtype=np.float32),
    "2d": np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]], dtype=np.float32),
    "0d": np.array(1.5, dtype=np.float32),
}


@pytest.mark.parametrize("shape", list(INPUTS))
@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction_gives_writable_0d(name, shape):
    if name == "var_unbiased" and shape == "0d":
        pytest.skip("unbiased variance of one element: nan with a warning in both")
    fn = REDUCTIONS[name]
    out = fn(autograd, autograd.tensor(INPUTS[shape]))
    _check_0d(out)
    if torch is None:
        _iadd_alone(out)
        return
    ref = fn(torch, _torch(INPUTS[shape]))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    _iadd_matches_torch(out, ref)


@pytest.mark.parametrize("name", ["sum", "mean", "var"])
def test_reduction_in_graph_then_iadd(name):
    fn = REDUCTIONS[name]
    x = autograd.tensor(INPUTS["2d"], requires_grad=True)
    out = fn(autograd, x * 1.0)
    _check_0d(out)
    out += 1
    out.backward()
    _check_0d(out)
    if torch is not None:
        tx = _torch(INPUTS["2d"]).requires_grad_()
        ref = fn(torch, tx * 1.0)
        ref += 1
        ref.backward()
        np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-5)
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["prod", "std", "norm"])
def test_reduction_saving_its_output_then_iadd_raises_like_torch(name):
    # these backwards read the op's output: an in-place change of it must be detected
    fn = REDUCTIONS[name]
    out = fn(autograd, autograd.tensor(INPUTS["2d"], requires_grad=True) * 1.0)
    out += 1
    _check_0d(out)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()
    if torch is not None:
        ref = fn(torch, _torch(INPUTS["2d"]).requires_grad_() * 1.0)
        ref += 1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            ref.backward()


# --- the sweep: elementwise and comparison ops on 0-d inputs -----------------------------
A0 = np.array(0.75, dtype=np.float32)
B0 = np.array(-1.25, dtype=np.float32)

ELEMENTWISE = {
    "add": lambda lib, a, b: a + b,
    "add_scalar": lambda lib, a, b: a + 1,
    "radd_int": lambda lib, a, b: 0 + a,
    "sub": lambda lib, a, b: a - b,
    "rsub": lambda lib, a, b: 1 - a,
    "mul": lambda lib, a, b: a * b,
    "rmul_np_scalar": lambda lib, a, b: np.float32(2) * a,
    "div": lambda lib, a, b: a / b,
    "rdiv": lambda lib, a, b: 2 / a,
    "pow": lambda lib, a, b: a ** 2,
    "rpow": lambda lib, a, b: 2 ** a,
    "neg": lambda lib, a, b: -a,
    "abs": lambda lib, a, b: abs(b),
    "exp": lambda lib, a, b: a.exp(),
    "log": lambda lib, a, b: a.log(),
    "sqrt": lambda lib, a, b: a.sqrt(),
    "sin": lambda lib, a, b: a.sin(),
    "cos": lambda lib, a, b: a.cos(),
    "tanh": lambda lib, a, b: a.tanh(),
    "sigmoid": lambda lib, a, b: a.sigmoid(),
    "relu": lambda lib, a, b: b.relu(),
    "clamp": lambda lib, a, b: b.clamp(-1.0, 1.0),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "floor": lambda lib, a, b: b.floor(),
    "ceil": lambda lib, a, b: b.ceil(),
    "round": lambda lib, a, b: b.round(),
    "trunc": lambda lib, a, b: b.trunc(),
    "sign": lambda lib, a, b: b.sign(),
    "reciprocal": lambda lib, a, b: a.reciprocal(),
    "floor_divide": lambda lib, a, b: b // a,
    "remainder": lambda lib, a, b: b % a,
    "lerp": lambda lib, a, b: a.lerp(b, 0.25),
    "where": lambda lib, a, b: lib.where(a > b, a, b),
    "square": lambda lib, a, b: a.square(),
    "clone": lambda lib, a, b: a.clone(),
    "double": lambda lib, a, b: a.double(),
    "long": lambda lib, a, b: b.long(),
    "reshape": lambda lib, a, b: a.reshape(1).reshape(()),
    "squeeze": lambda lib, a, b: a.reshape(1, 1).squeeze(),
    "getitem_1d": lambda lib, a, b: lib.stack([a, b])[1],
    "getitem_empty": lambda lib, a, b: a[()],
    "dot": lambda lib, a, b: lib.stack([a, b]).dot(lib.stack([b, a])),
    "matmul_1d": lambda lib, a, b: lib.stack([a, b]) @ lib.stack([a, b]),
    "softmax": lambda lib, a, b: a.softmax(0),
    "eq": lambda lib, a, b: a == b,
    "ne": lambda lib, a, b: a != b,
    "lt": lambda lib, a, b: a < b,
    "le": lambda lib, a, b: a <= 1,
    "gt": lambda lib, a, b: a > b,
    "ge": lambda lib, a, b: a >= b,
    "logical_not": lambda lib, a, b: ~(a > b),
    "logical_and": lambda lib, a, b: (a > b) & (a > 0),
    "isnan": lambda lib, a, b: a.isnan(),
    "isfinite": lambda lib, a, b: a.isfinite(),
    "isinf": lambda lib, a, b: a.isinf(),
}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_op_on_0d_gives_writable_0d(name):
    fn = ELEMENTWISE[name]
    out = fn(autograd, autograd.tensor(A0), autograd.tensor(B0))
    _check_0d(out)
    if torch is None:
        _iadd_alone(out)
        return
    ref = fn(torch, _torch(A0), _torch(B0))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    _iadd_matches_torch(out, ref)


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow", "exp", "tanh", "sigmoid",
                                  "clamp", "maximum", "lerp", "where", "dot", "matmul_1d",
                                  "getitem_1d"])
def test_op_on_0d_in_graph(name):
    fn = ELEMENTWISE[name]
    a = autograd.tensor(A0, requires_grad=True)
    b = autograd.tensor(B0, requires_grad=True)
    out = fn(autograd, a, b)
    _check_0d(out)
    (out * 2).backward()
    for g in (a.grad, b.grad):
        if g is not None:
            _check_0d(g)
    if torch is not None:
        ta = _torch(A0).requires_grad_()
        tb = _torch(B0).requires_grad_()
        (fn(torch, ta, tb) * 2).backward()
        for g, tg in ((a.grad, ta.grad), (b.grad, tb.grad)):
            if tg is None:
                assert g is None or not g.numpy().any()
            else:
                np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-5, atol=1e-6)


def test_loss_is_writable_0d():
    import nn.functional as F
    pred = autograd.tensor([[0.2, 0.8], [0.6, 0.4]])
    target = autograd.tensor([1, 0])
    for loss in (F.mse_loss(pred, pred * 0.5), F.cross_entropy(pred, target),
                 F.l1_loss(pred, pred * 0)):
        _check_0d(loss)
        loss += 1
