"""Optimizers against torch.optim: 20 steps on identical random gradients.

Every option combination of every optimizer, in float32 (rtol 1e-5) and float64
(rtol 1e-10); the final parameters and every state buffer are compared. The tiny
``atol`` only guards elements that pass through zero; see ``_assert_state_matches``
for the scale-relative comparison of buffers.
"""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import optim  # noqa: E402

SHAPES = [(6, 5), (5,), (3, 1, 2), ()]
STEPS = 20
TOL = {np.float32: dict(rtol=1e-5, atol=1e-7), np.float64: dict(rtol=1e-10, atol=1e-14)}


def _combos(**options):
    keys = list(options)
    for values in itertools.product(*(options[k] for k in keys)):
        yield dict(zip(keys, values))


def _sgd_cases():
    for kw in _combos(momentum=[0.0, 0.9], dampening=[0.0, 0.2], nesterov=[False, True],
                      weight_decay=[0.0, 0.05], maximize=[False, True]):
        if kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0):
            continue
        yield dict(lr=0.05, **kw)


CASES = (
    [("SGD", kw) for kw in _sgd_cases()]
    + [(name, dict(lr=0.01, **kw)) for name in ("Adam", "AdamW")
       for kw in _combos(betas=[(0.9, 0.999), (0.4, 0.8)], weight_decay=[0.0, 0.1],
                         amsgrad=[False, True], maximize=[False, True])]
    + [("RMSprop", dict(lr=0.01, **kw))
       for kw in _combos(alpha=[0.99, 0.3], centered=[False, True], momentum=[0.0, 0.8],
                         weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("Adagrad", dict(lr=0.05, **kw))
       for kw in _combos(lr_decay=[0.0, 0.1], initial_accumulator_value=[0.0, 0.5],
                         weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("Adadelta", kw)
       for kw in _combos(lr=[1.0, 0.3], rho=[0.9, 0.4], weight_decay=[0.0, 0.1],
                         maximize=[False, True])]
)


def _ids(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items() if k != "lr") + \
        f",lr={kw.get('lr')}"


def _make(name, kw, dtype, seed=0):
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ours = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    torch_kw = dict(kw)
    if name not in ("Adagrad",):
        torch_kw["foreach"] = False  # the single-tensor reference path
    opt = getattr(optim, name)(ours, **kw)
    topt = getattr(torch.optim, name)(theirs, **torch_kw)
    return rng, ours, theirs, opt, topt


def _run(rng, ours, theirs, opt, topt, dtype, steps=STEPS):
    for _ in range(steps):
        for p, tp in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(dtype)
            p.grad = autograd.Tensor(g.copy())
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()


def _assert_state_matches(opt, topt, ours, theirs, tol):
    for p, tp in zip(ours, theirs):
        s, ts = opt.state[p], topt.state[tp]
        assert set(s) == set(ts), (sorted(s), sorted(ts))
        for key, tv in ts.items():
            if key == "step":
                assert s[key] == float(tv)
            else:
                ref = tv.detach().numpy()
                # Buffers are compared relative to their own scale: RMSprop's centered
                # variance (square_avg - grad_avg**2) can cancel almost completely, and
                # PyTorch's vectorised CPU kernels round differently (FMA) from ours, so
                # a momentum buffer element near zero may differ by a few ulps of the
                # buffer's magnitude. Parameters are held to the plain tolerance.
                atol = max(tol["atol"], tol["rtol"] * float(np.abs(ref).max(initial=0)))
                np.testing.assert_allclose(s[key]._data, ref, rtol=tol["rtol"], atol=atol,
                                           err_msg=f"state[{key!r}]")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_matches_torch(case, dtype):
    name, kw = case
    rng, ours, theirs, opt, topt = _make(name, kw, dtype)
    _run(rng, ours, theirs, opt, topt, dtype)
    tol = TOL[dtype]
    for p, tp in zip(ours, theirs):
        assert p._data.dtype == dtype
        np.testing.assert_allclose(p._data, tp.detach().numpy(), **tol)
    _assert_state_matches(opt, topt, ours, theirs, tol)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_none_grads_and_param_groups_match_torch(name):
    """Two groups with their own hyper-parameters; some gradients missing on some steps."""
    dtype = np.float64
    rng = np.random.default_rng(1)
    inits = [rng.standard_normal(s) for s in SHAPES]
    ours = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    extra = dict(SGD=dict(momentum=0.9), RMSprop=dict(momentum=0.5, centered=True)).get(name, {})
    opt = getattr(optim, name)([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.003}],
                               lr=0.02, **extra)
    topt = getattr(torch.optim, name)([{"params": theirs[:2]}, {"params": theirs[2:],
                                                                "lr": 0.003}],
                                      lr=0.02, foreach=False, **extra)
    for step in range(STEPS):
        for i, (p, tp) in enumerate(zip(ours, theirs)):
            if (step + i) % 3 == 0:
                p.grad, tp.grad = None, None
                continue
            g = rng.standard_normal(p.shape)
            p.grad = autograd.Tensor(g.copy())
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
        if step == 10:  # a scheduler-style change of one group's lr mid-run
            opt.param_groups[0]["lr"] = topt.param_groups[0]["lr"] = 0.01
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), **TOL[dtype])
    _assert_state_matches(opt, topt, ours, theirs, TOL[dtype])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_state_dict_layout_and_torch_state_loads(name):
    """Same state_dict layout as torch; a torch state dict loads and continues identically."""
    dtype = np.float32
    extra = dict(SGD=dict(momentum=0.9), RMSprop=dict(momentum=0.5, centered=True),
                 Adam=dict(amsgrad=True)).get(name, {})
    rng, ours, theirs, opt, topt = _make(name, dict(lr=0.01, **extra), dtype, seed=3)
    _run(rng, ours, theirs, opt, topt, dtype, steps=5)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"][0].keys() == tsd["param_groups"][0].keys()
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    assert sd["state"].keys() == tsd["state"].keys()
    for k in tsd["state"]:
        assert sd["state"][k].keys() == tsd["state"][k].keys()
    # Load torch's state into a fresh optimizer of ours on torch's current parameters.
    fresh = [autograd.Tensor(tp.detach().numpy().copy(), requires_grad=True) for tp in theirs]
    opt2 = getattr(optim, name)(fresh, lr=0.5, **extra)
    opt2.load_state_dict(tsd)
    assert opt2.param_groups[0]["lr"] == 0.01
    _run(rng, fresh, theirs, opt2, topt, dtype, steps=5)
    for p, tp in zip(fresh, theirs):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), **TOL[dtype])
