"""In-place writes and graph history (the issue "PyTorch's semantics", part 3).

* A node's edges are fixed when the op runs: an in-place write after a tensor was used
  does not rewire the earlier consumer.
* In-place writes through a view (basic indexing, view/reshape, permute/transpose) rebase
  the base's history (PyTorch's CopySlices): gradients reach the written values and the
  rest of the base. A view shares its base's version counter.
* Version-counter errors name the op and the versions.

Values and gradients are compared with PyTorch (float64) where it is installed.
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd.node import Op

torch = pytest.importorskip("torch", reason="compared with PyTorch: needs torch==2.13.0 (./dev setup ref)")

X = np.array([[0.3, -1.2, 0.7, 2.0], [1.5, 0.1, -0.4, 0.9], [-0.8, 0.6, 1.1, -1.7]])
V = np.array([0.5, -2.0, 1.3])


def _x(values=(1.0, 2.0, 3.0)):
    return autograd.tensor(list(values), dtype=autograd.float64, requires_grad=True)


def _run(lib, fn):
    """Value of ``fn(lib, x, v)`` and the gradients of a weighted sum of it."""
    x = lib.tensor(X.copy(), dtype=lib.float64, requires_grad=True)
    v = lib.tensor(V.copy(), dtype=lib.float64, requires_grad=True)
    out = fn(lib, x, v)
    w = lib.tensor(np.arange(1.0, out.numel() + 1.0).reshape(tuple(out.shape)),
                   dtype=lib.float64)
    (out * w).sum().backward()
    grads = [None if t.grad is None else t.grad.detach().numpy() for t in (x, v)]
    return [out.detach().numpy(), *grads]


def _check(fn):
    want, got = _run(torch, fn), _run(autograd, fn)
    for name, a, b in zip(("value", "x.grad", "v.grad"), want, got):
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12, err_msg=name)


# --- edges are fixed when the op runs -----------------------------------------------
def test_in_place_write_after_use_does_not_rewire_the_earlier_consumer():
    x = _x()
    y = x * 2
    z = (y + 1).sum() + (x * x).sum()
    y[0] = 0
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 + 2 * x.detach().numpy())


def _consumers_before_and_after(lib, x, v):
    y = x * 2
    a = y + 1                 # does not save y
    b = -y                    # neither
    y.mul_(3)                 # y rebased
    c = y + v.unsqueeze(1)    # uses the new y
    y[:, 1] = v               # and again
    return a + c * b + y


def test_multiple_consumers_before_and_after_in_place_writes_match_torch():
    _check(_consumers_before_and_after)


def test_in_place_after_use_by_an_op_that_did_not_save_it_matches_torch():
    def fn(lib, x, v):
        y = x * 2
        z = y - 1
        y.add_(v.unsqueeze(1))
        return z + y
    _check(fn)


def test_in_place_after_use_by_an_op_that_saved_it_names_the_op_and_versions():
    x = _x()
    y = x * 2
    z = y * y               # Mul saves y (version 0)
    y.add_(1)               # version 1
    with pytest.raises(RuntimeError, match=r"MulBackward.*version 1; expected version 0"):
        z.sum().backward()


def test_in_place_on_an_output_saved_by_its_op_names_the_op_and_versions():
    x = _x()
    y = x.exp()
    y.mul_(2)
    with pytest.raises(RuntimeError, match=r"ExpBackward.*version 1; expected version 0"):
        y.sum().backward()


def test_next_functions_keep_the_recorded_edges():
    x = _x()
    y = x * 2
    mul_node = y.grad_fn
    z = y + 1
    y.add_(1)
    assert z.grad_fn.next_functions[0][0] is mul_node
    assert y.grad_fn is not mul_node
    z.sum().backward()
    assert z.grad_fn.next_functions[0][0] is mul_node     # also after the graph is freed


def test_retain_grad_is_the_gradient_of_the_newest_version():
    x = _x()
    y = x * 2
    y.retain_grad()
    z = (y + 1).sum()
    y.mul_(3)
    (z + y.sum()).backward()
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0, 1.0])       # as PyTorch
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 8.0, 8.0])


def test_hook_registered_before_an_in_place_write_sees_the_old_versions_gradient():
    x = _x()
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    z = (y + 1).sum()
    y.mul_(3)
    (z + 2 * y.sum()).backward()
    np.testing.assert_allclose(seen[0], [7.0, 7.0, 7.0])             # as PyTorch
    np.testing.assert_allclose(x.grad.numpy(), [14.0, 14.0, 14.0])


def test_grad_wrt_an_intermediate_rebased_later_uses_its_newest_version():
    x = _x()
    y = x * 2
    z = (y + 1).sum()
    y.add_(1)
    w = (y * 3).sum()
    (g,) = autograd.grad(w, y, retain_graph=True)
    np.testing.assert_allclose(g.numpy(), [3.0, 3.0, 3.0])
    # z used the old version only: PyTorch reports y as unused
    with pytest.raises(RuntimeError, match="not have been used"):
        autograd.grad(z, y)


# --- writes through views -------------------------------------------------------------
def _setitem_column(lib, x, v):
    y = x * 2
    y[:, 0] = v * 3
    return y


def _iadd_through_basic_index_view(lib, x, v):
    y = x * 2
    c = y[:, 0]
    c += v
    return y.exp()


def _iadd_through_view_then_index(lib, x, v):
    y = x * 2
    y.view(-1)[5] += v.sum()
    return y


def _copy_into_slice_of_output(lib, x, v):
    y = x * 2
    out = y * 1
    out[..., :3].copy_(v.unsqueeze(1).expand(3, 3))
    return out * y


def _copy_into_slice_of_plain_buffer(lib, x, v):
    out = lib.zeros(3, 4, dtype=lib.float64)
    out[:, 1:3].copy_(x[:, :2] * v.unsqueeze(1))
    return out


def _mul_through_permute_select(lib, x, v):
    y = x * 2
    y.permute(1, 0)[0].mul_(v)
    return y


def _mul_through_transpose(lib, x, v):
    y = x * 2
    y.t()[1:3, 0].mul_(v[:2])
    return y


def _mul_through_reshape_select(lib, x, v):
    y = x * 2
    r = y.reshape(4, 3)
    r[1].mul_(3)
    return y + r.sum()


def _two_views_of_one_base(lib, x, v):
    y = x * 2
    a = y[1]
    b = y[:, 2]
    b.mul_(v)
    return a * 1 + 0           # a was written through b: its history is regenerated


def _view_of_a_view(lib, x, v):
    y = x * 2
    y[0][1:3] *= v[:2]
    return y


def _base_written_after_a_view_was_taken(lib, x, v):
    y = x * 2
    s = y[1]
    y.mul_(3)
    return s * v[0]


def _select_fill_and_zero(lib, x, v):
    y = x + 0
    y[1].fill_(v[0])
    y[:, 3].zero_()
    return y * x


def _setitem_on_a_view(lib, x, v):
    y = x * 1
    row = y[2]
    row[1:] = v
    return y.sum(0)


def _repeated_writes_through_one_view(lib, x, v):
    y = x * 2
    c = y[:, 1]
    c.mul_(v)
    s = c - 1
    c.add_(1)
    return y * s.unsqueeze(1)


VIEW_CASES = [_setitem_column, _iadd_through_basic_index_view, _iadd_through_view_then_index,
              _copy_into_slice_of_output, _copy_into_slice_of_plain_buffer,
              _mul_through_permute_select, _mul_through_transpose, _mul_through_reshape_select,
              _two_views_of_one_base, _view_of_a_view, _base_written_after_a_view_was_taken,
              _select_fill_and_zero, _setitem_on_a_view, _repeated_writes_through_one_view]


@pytest.mark.parametrize("fn", VIEW_CASES, ids=lambda f: f.__name__.strip("_"))
def test_in_place_write_through_a_view_matches_torch(fn):
    _check(fn)


def test_write_through_a_view_rebases_the_base_onto_a_copy_slices_node():
    x = _x()
    y = x * 2
    y[1:].mul_(3)
    assert y.grad_fn.name() == "CopySlicesBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 6.0, 6.0])


def test_double_backward_through_a_write_through_a_view():
    def f(x):
        y = x * x
        y[1:].mul_(x[:2])
        return y
    x = autograd.tensor([0.5, -1.5, 2.0], dtype=autograd.float64, requires_grad=True)
    assert autograd.gradcheck(f, (x,))
    assert autograd.gradgradcheck(f, (x,))


# --- version counters -------------------------------------------------------------
def test_a_view_shares_its_bases_version_counter():
    x = _x()
    y = x * 1
    v = y.view(3)[1:]
    r = y.reshape(1, 3).permute(1, 0)
    assert y._version == v._version == r._version == 0
    v.add_(1)
    assert y._version == v._version == r._version == 1
    with autograd.no_grad():
        r.mul_(2)
    assert y._version == v._version == r._version == 2
    y.sub_(1)
    assert v._version == 3


def test_writing_through_a_view_invalidates_a_saved_base():
    x = _x()
    y = x.exp()                    # Exp saves its output y
    y[1:].mul_(2)                  # through a view: y's version is bumped
    with pytest.raises(RuntimeError, match=r"ExpBackward.*version 1; expected version 0"):
        y.sum().backward()


def test_writing_through_a_view_invalidates_a_base_saved_as_an_input():
    x = _x()
    y = x * 2
    z = y * y                      # Mul saves y
    y[0].add_(1)
    with pytest.raises(RuntimeError, match=r"MulBackward.*version 1; expected version 0"):
        z.sum().backward()


def test_in_place_through_a_view_of_a_leaf_that_requires_grad_is_an_error():
    x = _x()
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[1:].mul_(2)
    with autograd.no_grad():
        x[1:].mul_(2)              # allowed without recording, as in PyTorch
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 4.0, 6.0])


class _Reverse(Op):
    """A view op the engine does not know how to replay (out = a[::-1] as a NumPy view)."""

    @staticmethod
    def forward(ctx, a):
        return a[::-1]

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(0)


def test_in_place_through_an_unsupported_view_is_a_clear_error():
    x = _x()
    y = x * 2
    r = _Reverse.apply(y)
    assert r._version == y._version          # still shares the base's version counter
    with pytest.raises(RuntimeError, match="in-place operation on a view made by _reverse"):
        r.mul_(2)
    with autograd.no_grad():
        r.mul_(2)
    np.testing.assert_allclose(y.detach().numpy(), [4.0, 8.0, 12.0])


def test_backward_from_a_view_whose_base_was_written_since():
    x = _x()
    y = x * 2
    s = y[1:]
    y.mul_(3)                      # s's recorded history is stale: regenerated on use
    s.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 6.0, 6.0])
    x.grad = None
    y = x * 2
    s = y[1:]
    y.add_(x)
    (g,) = autograd.grad((s * s).sum(), x)
    np.testing.assert_allclose(g.numpy(), [0.0, 36.0, 54.0])  # d/dx sum((3x)^2) on x[1:]


@pytest.mark.parametrize("use", [
    lambda v: v.sum(), lambda v: v.reshape(-1).sum(), lambda v: v.permute(1, 0).sum(),
    lambda v: v.expand(2, 3, 2).sum(), lambda v: v.flip([0]).sum(), lambda v: v[0].sum(),
], ids=["sum", "reshape", "permute", "expand", "flip", "getitem"])
def test_shape_only_backward_survives_a_later_inplace_write(use):
    """Ops whose backward needs only shapes do not fail when their input is written in
    place afterwards (PyTorch saves only metadata for them)."""
    x = autograd.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    v = x * 1.0
    s = use(v)
    v.add_(1.0)
    (s + (v * v).sum()).backward()
    tx = torch.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    tv = tx * 1.0
    ts = use(tv)
    tv.add_(1.0)
    (ts + (tv * tv).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
