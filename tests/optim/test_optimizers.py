"""Optimizer behaviour without torch: convergence, state dicts, errors, bookkeeping."""
import copy
import pickle

import numpy as np
import pytest

import autograd
import optim

ALL = {
    "SGD": dict(lr=0.02, momentum=0.9),
    "Adam": dict(lr=0.05),
    "AdamW": dict(lr=0.05, weight_decay=1e-4),
    "RMSprop": dict(lr=0.01),
    "Adagrad": dict(lr=0.5),
    "Adadelta": dict(lr=1.0),
}


def _problem(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((30, 5)).astype(dtype)
    w_true = rng.standard_normal(5).astype(dtype)
    b = A @ w_true
    return A, b, w_true


def _lsq_grad(A, b, w):
    return A.T @ (A @ w - b) / len(b)


@pytest.mark.parametrize("name", list(ALL))
def test_converges_on_least_squares(name):
    A, b, w_true = _problem()
    w = autograd.Tensor(np.zeros(5), requires_grad=True)
    opt = getattr(optim, name)([w], **ALL[name])
    loss0 = 0.5 * np.mean((A @ w._data - b) ** 2)
    for _ in range(400):
        w.grad = autograd.Tensor(_lsq_grad(A, b, w._data))
        opt.step()
    loss = 0.5 * np.mean((A @ w._data - b) ** 2)
    assert loss < 1e-3 * loss0, (name, loss0, loss)


@pytest.mark.parametrize("name", list(ALL))
def test_closure_and_backward_end_to_end(name):
    """The usual PyTorch loop: zero_grad, backward in a closure, step."""
    A, b, _ = _problem(1, np.float32)
    At, bt = autograd.tensor(A), autograd.tensor(b)
    w = autograd.tensor(np.zeros(5, np.float32), requires_grad=True)
    opt = getattr(optim, name)([w], **ALL[name])

    def closure():
        opt.zero_grad()
        loss = ((At @ w - bt) ** 2).mean()
        loss.backward()
        return loss

    first = float(opt.step(closure).item())
    for _ in range(300):
        last = float(opt.step(closure).item())
    assert w._data.dtype == np.float32
    assert last < 0.05 * first


@pytest.mark.parametrize("name", list(ALL))
def test_state_dict_round_trip_continues_identically(name):
    rng = np.random.default_rng(2)
    inits = [rng.standard_normal(s) for s in [(4, 3), (3,)]]
    grads = [[rng.standard_normal(a.shape) for a in inits] for _ in range(12)]
    kw = dict(ALL[name], **({"amsgrad": True} if name == "Adam" else {}))

    def run(params, opt, steps):
        for gs in steps:
            for p, g in zip(params, gs):
                p.grad = autograd.Tensor(g.copy())
            opt.step()

    ref = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    ref_opt = getattr(optim, name)(ref, **kw)
    run(ref, ref_opt, grads)

    ps = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    opt = getattr(optim, name)(ps, **kw)
    run(ps, opt, grads[:5])
    sd = pickle.loads(pickle.dumps(opt.state_dict()))  # survives serialisation
    assert sorted(sd) == ["param_groups", "state"]
    assert sd["param_groups"][0]["params"] == [0, 1]
    resumed = [autograd.Tensor(p._data.copy(), requires_grad=True) for p in ps]
    opt2 = getattr(optim, name)(resumed, lr=123.0)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == ALL[name]["lr"]
    run(resumed, opt2, grads[5:])
    for p, r in zip(resumed, ref):
        np.testing.assert_array_equal(p._data, r._data)


def test_state_dict_is_a_snapshot_and_load_copies():
    p = autograd.Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([p])
    p.grad = autograd.Tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    before = sd["state"][0]["exp_avg"]._data.copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"]._data, before)
    opt.load_state_dict(sd)
    assert opt.state[p]["exp_avg"]._data is not sd["state"][0]["exp_avg"]._data
    assert opt.state[p]["step"] == 1.0 and isinstance(opt.state[p]["step"], float)


def test_load_state_dict_casts_to_param_dtype_and_accepts_tensor_step():
    p = autograd.Tensor(np.ones(3, np.float32), requires_grad=True)
    opt = optim.Adam([p])
    sd = {"state": {0: {"step": autograd.Tensor(np.array(4.0, np.float32)),
                        "exp_avg": autograd.Tensor(np.ones(3)),
                        "exp_avg_sq": np.ones(3)}},
          "param_groups": [dict(opt.param_groups[0], params=[0])]}
    opt.load_state_dict(sd)
    st = opt.state[p]
    assert st["step"] == 4.0 and isinstance(st["step"], float)
    assert st["exp_avg"]._data.dtype == np.float32
    assert isinstance(st["exp_avg_sq"], autograd.Tensor)


def test_load_state_dict_size_mismatch():
    a, b = (autograd.Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)


@pytest.mark.parametrize("name", list(ALL))
def test_none_grad_skipped_and_version_bumped(name):
    p = autograd.Tensor(np.ones(4), requires_grad=True)
    q = autograd.Tensor(np.ones(4), requires_grad=True)
    opt = getattr(optim, name)([p, q], **ALL[name])
    p.grad = autograd.Tensor(np.full(4, 0.5))
    v_p, v_q = p._version, q._version
    data_q = q._data
    opt.step()
    assert p._version == v_p + 1
    assert q._version == v_q
    np.testing.assert_array_equal(q._data, np.ones(4))
    assert q._data is data_q
    assert not np.array_equal(p._data, np.ones(4))
    if name != "Adagrad":  # Adagrad creates its state eagerly, like PyTorch
        assert q not in opt.state


def test_update_is_in_place_and_outside_the_graph():
    p = autograd.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    data = p._data
    opt = optim.SGD([p], lr=0.1)
    p.grad = autograd.Tensor(np.ones((2, 3), np.float32))
    opt.step()
    assert p._data is data and p.is_leaf and p.requires_grad
    np.testing.assert_allclose(data, 0.9)


def test_non_contiguous_parameter_is_updated():
    base = np.ones((4, 6))
    p = autograd.Tensor(base[:, ::2], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = autograd.Tensor(np.ones((4, 3)))
    opt.step()
    np.testing.assert_allclose(base[:, ::2], 0.9)
    np.testing.assert_array_equal(base[:, 1::2], 1.0)


def test_zero_grad():
    p = autograd.Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = autograd.Tensor(np.ones(3))
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g
    np.testing.assert_array_equal(g._data, 0.0)
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_and_add_param_group():
    a, b, c = (autograd.Tensor(np.ones(2), requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="Invalid learning rate"):
        opt.add_param_group({"params": [autograd.Tensor(np.ones(1), requires_grad=True)],
                             "lr": -1.0})
    assert "Parameter Group 2" in repr(opt)


def test_named_parameters_are_accepted():
    a = autograd.Tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([("w", a)])
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


@pytest.mark.parametrize("make, match", [
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD(p, lr=0.1), "iterable of Tensors"),
    (lambda p: optim.SGD([{"params": {p}}], lr=0.1), "ordered collections"),
    (lambda p: optim.SGD([np.ones(2)], lr=0.1), "can only optimize Tensors"),
    (lambda p: optim.SGD([p * 2], lr=0.1), "non-leaf"),
    (lambda p: optim.SGD([p], lr=-0.1), "Invalid learning rate"),
    (lambda p: optim.SGD([p], lr=0.1, momentum=-1), "Invalid momentum"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov"),
    (lambda p: optim.SGD([p], lr=0.1, weight_decay=-1), "Invalid weight_decay"),
    (lambda p: optim.Adam([p], lr=-1), "Invalid learning rate"),
    (lambda p: optim.Adam([p], betas=(1.0, 0.999)), "beta parameter at index 0"),
    (lambda p: optim.Adam([p], betas=(0.9, -0.1)), "beta parameter at index 1"),
    (lambda p: optim.AdamW([p], eps=-1e-8), "Invalid epsilon"),
    (lambda p: optim.Adam([p], weight_decay=-1), "Invalid weight_decay"),
    (lambda p: optim.RMSprop([p], alpha=-0.5), "Invalid alpha"),
    (lambda p: optim.RMSprop([p], eps=-1), "Invalid epsilon"),
    (lambda p: optim.Adagrad([p], lr_decay=-1), "Invalid lr_decay"),
    (lambda p: optim.Adagrad([p], initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda p: optim.Adadelta([p], rho=1.5), "Invalid rho"),
    (lambda p: optim.Adam([p], differentiable=True), "differentiable"),
])
def test_errors(make, match):
    p = autograd.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=match):
        make(p)


def test_gradient_shape_mismatch_is_named():
    p = autograd.Tensor(np.ones((2, 3)), requires_grad=True)
    opt = optim.Adam([p])
    p.grad = autograd.Tensor(np.ones(3))
    with pytest.raises(RuntimeError, match=r"Adam.step: gradient of shape \(3,\).*\(2, 3\)"):
        opt.step()


def test_optimizer_pickles_and_deepcopies():
    p = autograd.Tensor(np.ones(2), requires_grad=True)
    opt = optim.RMSprop([p], momentum=0.5)
    p.grad = autograd.Tensor(np.ones(2))
    opt.step()
    clone = copy.deepcopy(opt)
    assert clone.param_groups[0]["momentum"] == 0.5


def test_custom_optimizer_in_pytorch_style():
    """A user subclass that overrides step() the PyTorch way works on our base."""

    class PlainSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        @autograd.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p._data -= group["lr"] * p.grad._data
            return None

    p = autograd.Tensor(np.ones(2), requires_grad=True)
    opt = PlainSGD([p])
    p.grad = autograd.Tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(p._data, 0.9)
    assert isinstance(opt, optim.Optimizer)


def test_step_bumps_param_and_buffer_versions_once():
    """Every write of a step goes through autograd._inplace.writing: one bump each."""
    p = autograd.ones(3, requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = autograd.ones(3)
    v = p._version
    opt.step()
    m = opt.state[p]["exp_avg"]
    assert p._version == v + 1 and opt.state[p]["step"] == 1.0
    mv = m._version
    opt.step()
    assert p._version == v + 2 and m._version == mv + 1
