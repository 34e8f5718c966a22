"""The optimizers and schedulers of issue 12 without torch: convergence, state dict
round trips, hooks, errors."""
import copy
import pickle

import numpy as np
import pytest

import autograd
import optim
from optim import lr_scheduler as ls

STEPPERS = {
    "NAdam": dict(lr=0.05),
    "RAdam": dict(lr=0.05),
    "Adamax": dict(lr=0.05),
    "ASGD": dict(lr=0.05),
    "Rprop": dict(lr=0.01),
    "SparseAdam": dict(lr=0.05),
}


def _quadratic(seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((30, 5))
    w_true = rng.standard_normal(5)
    return A, A @ w_true


def _loss(A, b, w):
    return 0.5 * np.mean((A @ w - b) ** 2)


@pytest.mark.parametrize("name", list(STEPPERS))
def test_converges_on_least_squares(name):
    A, b = _quadratic()
    w = autograd.Tensor(np.zeros(5), requires_grad=True)
    opt = getattr(optim, name)([w], **STEPPERS[name])
    loss0 = _loss(A, b, w._data)
    for _ in range(600):
        w.grad = autograd.Tensor(A.T @ (A @ w._data - b) / len(b))
        opt.step()
    assert _loss(A, b, w._data) < 1e-2 * loss0


@pytest.mark.parametrize("name", list(STEPPERS))
def test_state_dict_round_trip_continues_identically(name):
    rng = np.random.default_rng(1)
    init = rng.standard_normal((4, 3))
    a = autograd.Tensor(init.copy(), requires_grad=True)
    opt = getattr(optim, name)([a], **STEPPERS[name])
    grads = [rng.standard_normal((4, 3)) for _ in range(8)]
    for g in grads[:4]:
        a.grad = autograd.Tensor(g)
        opt.step()
    sd = pickle.loads(pickle.dumps(opt.state_dict()))
    assert list(sd["state"]) == [0] and sd["param_groups"][0]["params"] == [0]
    b = autograd.Tensor(a._data.copy(), requires_grad=True)
    opt2 = getattr(optim, name)([b], lr=123.0)
    opt2.load_state_dict(sd)
    for g in grads[4:]:
        a.grad, b.grad = autograd.Tensor(g), autograd.Tensor(g.copy())
        opt.step()
        opt2.step()
    np.testing.assert_array_equal(a._data, b._data)


def test_sparse_adam_skips_zero_rows():
    p = autograd.Tensor(np.ones((4, 2)), requires_grad=True)
    opt = optim.SparseAdam([p], lr=0.1)
    g = np.zeros((4, 2))
    g[1] = [1.0, 0.0]  # row 1 has a gradient (its zero element is updated too)
    p.grad = autograd.Tensor(g)
    opt.step()
    assert np.all(p._data[[0, 2, 3]] == 1) and p._data[1, 0] < 1
    assert opt.state[p]["step"] == 1
    assert np.all(opt.state[p]["exp_avg"]._data[[0, 2, 3]] == 0)


def _lbfgs_lsq(line_search_fn):
    A, b = _quadratic(2)
    At, bt = autograd.tensor(A), autograd.tensor(b)
    w = autograd.Tensor(np.zeros(5), requires_grad=True)
    opt = optim.LBFGS([w], line_search_fn=line_search_fn, max_iter=50, history_size=5)

    def closure():
        opt.zero_grad()
        loss = ((At @ w - bt) ** 2).mean()
        loss.backward()
        return loss
    return A, b, w, opt, closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_solves_least_squares(line_search_fn):
    A, b, w, opt, closure = _lbfgs_lsq(line_search_fn)
    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(w._data, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-5)
    state = opt.state[w]
    assert state["n_iter"] > 0 and state["func_evals"] >= state["n_iter"]


def test_lbfgs_rosenbrock_strong_wolfe():
    x = autograd.Tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=200, max_eval=400)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss
    opt.step(closure)
    np.testing.assert_allclose(x._data, [1.0, 1.0], atol=1e-4)


def test_lbfgs_state_dict_round_trip():
    _, _, w, opt, closure = _lbfgs_lsq("strong_wolfe")
    opt.param_groups[0]["max_iter"] = 2
    opt.step(closure)
    sd = copy.deepcopy(opt.state_dict())
    w2 = autograd.Tensor(w._data.copy(), requires_grad=True)
    opt2 = optim.LBFGS([w2])
    opt2.load_state_dict(sd)
    A, b = _quadratic(2)
    At, bt = autograd.tensor(A), autograd.tensor(b)

    def closure2():
        opt2.zero_grad()
        loss = ((At @ w2 - bt) ** 2).mean()
        loss.backward()
        return loss
    opt.step(closure)
    opt2.step(closure2)
    np.testing.assert_array_equal(w._data, w2._data)
    assert opt.state[w]["func_evals"] == opt2.state[w2]["func_evals"]


def test_lbfgs_errors():
    a = autograd.Tensor(np.zeros(2), requires_grad=True)
    b = autograd.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([a]).step(None)


def test_invalid_hyper_parameters():
    p = autograd.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="eta values"):
        optim.Rprop([p], etas=(1.5, 1.2))
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.NAdam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="momentum_decay"):
        optim.NAdam([p], momentum_decay=-1)
    with pytest.raises(ValueError, match="learning rate"):
        optim.SparseAdam([p], lr=0.0)
    with pytest.raises(NotImplementedError):
        optim.RAdam([p], differentiable=True)
    optim.Adamax([p], foreach=True, capturable=True)  # accepted, no effect


def test_step_hooks_and_state_dict_hooks():
    p = autograd.Tensor(np.zeros(2), requires_grad=True)
    opt = optim.NAdam([p], lr=0.1)
    log = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", a, k)))
    h2 = opt.register_step_post_hook(lambda o, a, k: log.append(("post", a, k)))
    g1 = optim.optimizer.register_optimizer_step_pre_hook(lambda o, a, k: log.append("gpre"))
    p.grad = autograd.Tensor(np.ones(2))
    opt.step()
    assert log == ["gpre", ("pre", (), {}), ("post", (), {})]
    for h in (h1, h2, g1):
        h.remove()
    opt.step()
    assert len(log) == 3
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1
    seen = []
    opt.register_load_state_dict_post_hook(lambda o: seen.append(o))
    opt.load_state_dict(opt.state_dict())
    assert seen == [opt]
    assert pickle.loads(pickle.dumps(opt)).state_dict()["param_groups"]


def test_add_param_group_and_zero_grad():
    a = autograd.Tensor(np.zeros(2), requires_grad=True)
    b = autograd.Tensor(np.zeros(3), requires_grad=True)
    opt = optim.Rprop([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.5})
    assert opt.param_groups[1]["etas"] == (0.5, 1.2) and opt.param_groups[1]["lr"] == 0.5
    b.grad = autograd.Tensor(np.ones(3))
    opt.step()
    np.testing.assert_allclose(b._data, -0.5)
    opt.zero_grad(set_to_none=True)
    assert b.grad is None


def _sgd(**kw):
    p = autograd.Tensor(np.zeros(2), requires_grad=True)
    return optim.SGD([p], lr=0.1, momentum=0.9, **kw)


def test_schedulers_closed_forms():
    opt = _sgd()
    s = ls.PolynomialLR(opt, total_iters=4, power=2.0)
    lrs = [s.get_last_lr()[0]]
    for _ in range(6):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
    np.testing.assert_allclose(lrs, [0.1 * (1 - min(e, 4) / 4) ** 2 for e in range(7)],
                               atol=1e-15)
    opt = _sgd()
    s = ls.MultiplicativeLR(opt, lr_lambda=lambda e: 0.5)
    for _ in range(3):
        opt.step()
        s.step()
    assert s.get_last_lr() == [0.1 * 0.5 ** 3]


def test_cyclic_lr_triangular_shape_and_momentum():
    opt = _sgd()
    s = ls.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2)
    seen = [(s.get_last_lr()[0], opt.param_groups[0]["momentum"])]
    for _ in range(4):
        opt.step()
        s.step()
        seen.append((s.get_last_lr()[0], opt.param_groups[0]["momentum"]))
    np.testing.assert_allclose([lr for lr, _ in seen], [0, 0.5, 1, 0.5, 0])
    np.testing.assert_allclose([m for _, m in seen], [0.9, 0.85, 0.8, 0.85, 0.9])
    sd = s.state_dict()
    assert "_scale_fn_ref" not in sd and sd["_scale_fn_custom"] is None
    s2 = ls.CyclicLR(_sgd(), base_lr=0.0, max_lr=1.0, step_size_up=2)
    s2.load_state_dict(sd)
    assert s2.last_epoch == s.last_epoch and s2.scale_fn(1) == 1.0


def test_chained_scheduler_composes():
    opt = _sgd()
    s = ls.ChainedScheduler([ls.ExponentialLR(opt, gamma=0.5),
                             ls.MultiplicativeLR(opt, lr_lambda=lambda e: 0.1)])
    opt.step()
    s.step()
    assert s.get_last_lr()[0] == pytest.approx(0.1 * 0.5 * 0.1)
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        ls.ChainedScheduler([ls.ReduceLROnPlateau(opt)])


def test_all_torch_scheduler_names_exist():
    for name in ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
                 "LinearLR", "ExponentialLR", "SequentialLR", "PolynomialLR",
                 "CosineAnnealingLR", "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
                 "CosineAnnealingWarmRestarts", "OneCycleLR", "LRScheduler"]:
        assert hasattr(ls, name), name
