"""The optimizers and schedulers of issue 12 against torch.optim.

NAdam, RAdam, Adamax, ASGD, Rprop and SparseAdam: 20 steps on identical random
gradients, every option combination, float32 (rtol 1e-5) and float64 (rtol 1e-10); final
parameters and every state entry compared. LBFGS: closure-driven runs on the Rosenbrock
function and a least-squares problem, with and without the strong-Wolfe line search,
compared after every ``step`` (parameters and state). Schedulers: identical lr (and
momentum/beta1) sequences, compared exactly.
"""
import itertools
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import optim  # noqa: E402
from optim import lr_scheduler as ours_ls  # noqa: E402

theirs_ls = torch.optim.lr_scheduler
SHAPES = [(6, 5), (5,), (3, 1, 2), ()]
STEPS = 20
TOL = {np.float32: dict(rtol=1e-5, atol=1e-7), np.float64: dict(rtol=1e-10, atol=1e-14)}


def _combos(**options):
    keys = list(options)
    for values in itertools.product(*(options[k] for k in keys)):
        yield dict(zip(keys, values))


CASES = (
    [("NAdam", dict(lr=0.01, **kw))
     for kw in _combos(betas=[(0.9, 0.999), (0.5, 0.8)], weight_decay=[0.0, 0.1],
                       momentum_decay=[4e-3, 0.05], decoupled_weight_decay=[False, True],
                       maximize=[False, True])
     if kw["weight_decay"] or not kw["decoupled_weight_decay"]]
    + [("RAdam", dict(lr=0.01, **kw))
       for kw in _combos(betas=[(0.9, 0.999), (0.5, 0.8)], weight_decay=[0.0, 0.1],
                         decoupled_weight_decay=[False, True], maximize=[False, True])
       if kw["weight_decay"] or not kw["decoupled_weight_decay"]]
    + [("Adamax", dict(lr=0.01, **kw))
       for kw in _combos(betas=[(0.9, 0.999), (0.3, 0.7)], eps=[1e-8, 0.1],
                         weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("ASGD", dict(lr=0.05, **kw))
       for kw in _combos(lambd=[1e-4, 0.3], alpha=[0.75, 0.4], t0=[1e6, 5.0],
                         weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("Rprop", dict(lr=0.01, **kw))
       for kw in _combos(etas=[(0.5, 1.2), (0.3, 1.7)], step_sizes=[(1e-6, 50), (5e-3, 0.03)],
                         maximize=[False, True])]
)


def _ids(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def _make(name, kw, dtype, seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    torch_kw = dict(kw)
    if name != "SparseAdam":
        torch_kw["foreach"] = False  # the single-tensor reference path
    opt = getattr(optim, name)(ours, **kw)
    topt = getattr(torch.optim, name)(theirs, **torch_kw)
    return rng, ours, theirs, opt, topt


def _grad(rng, shape, dtype, sparse_rows=False):
    g = rng.standard_normal(shape).astype(dtype)
    if sparse_rows and len(shape) >= 1:
        g[rng.random(shape[0]) < 0.4] = 0  # whole rows without gradient
    return g


def _torch_grad(g, sparse_rows=False):
    t = torch.from_numpy(g.copy())
    if sparse_rows:
        return t.to_sparse(sparse_dim=1) if t.dim() else t.reshape(1).to_sparse(1)
    return t


def _run(rng, ours, theirs, opt, topt, dtype, steps=STEPS, sparse_rows=False):
    for _ in range(steps):
        for p, tp in zip(ours, theirs):
            g = _grad(rng, p.shape, dtype, sparse_rows)
            p.grad = autograd.Tensor(g.copy())
            tp.grad = _torch_grad(g, sparse_rows)
        opt.step()
        topt.step()


def _value(v):
    if isinstance(v, autograd.Tensor):
        return v._data
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    return np.asarray(v)


def _assert_state_matches(opt, topt, ours, theirs, tol):
    for p, tp in zip(ours, theirs):
        s, ts = opt.state[p], topt.state[tp]
        assert set(s) == set(ts), (sorted(s), sorted(ts))
        for key, tv in ts.items():
            ref = _value(tv)
            atol = max(tol["atol"], tol["rtol"] * float(np.abs(ref).max(initial=0)))
            np.testing.assert_allclose(_value(s[key]).reshape(ref.shape), ref,
                                       rtol=tol["rtol"], atol=atol, err_msg=f"state[{key!r}]")


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kw", [dict(lr=0.01), dict(lr=0.05, betas=(0.5, 0.7), eps=1e-3),
                                dict(lr=0.02, maximize=True)], ids=str)
def test_sparse_adam_dense_rows_match_torch_sparse_grads(kw, dtype):
    """Our SparseAdam on a dense gradient == torch's on the same gradient as row-sparse."""
    shapes = [(6, 5), (7,), (4, 1, 2)]
    rng, ours, theirs, opt, topt = _make("SparseAdam", kw, dtype, shapes=shapes)
    _run(rng, ours, theirs, opt, topt, dtype, sparse_rows=True)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), **TOL[dtype])
    _assert_state_matches(opt, topt, ours, theirs, TOL[dtype])
    assert all(isinstance(opt.state[p]["step"], int) for p in ours)


def test_sparse_adam_rejects_dense_in_torch():
    """The documented difference: torch raises on dense gradients, ours accepts them."""
    tp = torch.zeros(3, requires_grad=True)
    tp.grad = torch.ones(3)
    with pytest.raises(RuntimeError, match="dense gradients"):
        torch.optim.SparseAdam([tp]).step()
    p = autograd.Tensor(np.zeros(3, np.float32), requires_grad=True)
    p.grad = autograd.Tensor(np.ones(3, np.float32))
    optim.SparseAdam([p]).step()
    assert np.all(p._data < 0)


NAMES = ["NAdam", "RAdam", "Adamax", "ASGD", "Rprop"]
EXTRA = dict(NAdam=dict(weight_decay=0.01, decoupled_weight_decay=True),
             RAdam=dict(weight_decay=0.01), ASGD=dict(t0=3.0, lambd=0.01))


@pytest.mark.parametrize("name", NAMES)
def test_none_grads_and_param_groups_match_torch(name):
    dtype = np.float64
    rng = np.random.default_rng(1)
    inits = [rng.standard_normal(s) for s in SHAPES]
    ours = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    extra = EXTRA.get(name, {})
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
        if step == 10:
            opt.param_groups[0]["lr"] = topt.param_groups[0]["lr"] = 0.01
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), **TOL[dtype])
    _assert_state_matches(opt, topt, ours, theirs, TOL[dtype])


@pytest.mark.parametrize("name", NAMES + ["SparseAdam"])
def test_state_dict_layout_and_torch_state_loads(name):
    """Same state_dict layout as torch; a torch state dict loads and continues identically."""
    dtype = np.float64
    sparse = name == "SparseAdam"
    shapes = [(6, 5), (5,)] if sparse else SHAPES
    extra = EXTRA.get(name, {})
    rng, ours, theirs, opt, topt = _make(name, dict(lr=0.01, **extra), dtype, seed=3,
                                         shapes=shapes)
    _run(rng, ours, theirs, opt, topt, dtype, steps=5, sparse_rows=sparse)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"][0].keys() == tsd["param_groups"][0].keys()
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    assert sd["state"].keys() == tsd["state"].keys()
    for k in tsd["state"]:
        assert sd["state"][k].keys() == tsd["state"][k].keys()
    fresh = [autograd.Tensor(tp.detach().numpy().copy(), requires_grad=True) for tp in theirs]
    opt2 = getattr(optim, name)(fresh, lr=0.5, **extra)
    opt2.load_state_dict(tsd)
    assert opt2.param_groups[0]["lr"] == 0.01
    _run(rng, fresh, theirs, opt2, topt, dtype, steps=5, sparse_rows=sparse)
    for p, tp in zip(fresh, theirs):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), **TOL[dtype])
    # ... and our own state dict round-trips the same way
    again = [autograd.Tensor(p._data.copy(), requires_grad=True) for p in fresh]
    opt3 = getattr(optim, name)(again, lr=0.5, **extra)
    opt3.load_state_dict(opt2.state_dict())
    _run(rng, again, theirs, opt3, topt, dtype, steps=3, sparse_rows=sparse)
    for p, tp in zip(again, theirs):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), **TOL[dtype])


# ---------------------------------------------------------------------------- LBFGS
def _rosenbrock(lib, x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _lsq_data(dtype):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((20, 4)).astype(dtype)
    Y = (X @ rng.standard_normal((4, 3)) + 0.1 * rng.standard_normal((20, 3))).astype(dtype)
    return X, Y


def _problem(kind, dtype):
    """(initial arrays, loss(lib, params))."""
    if kind == "rosenbrock":
        return [np.array([-1.5, 2.0], dtype)], lambda lib, ps: _rosenbrock(lib, ps[0])
    X, Y = _lsq_data(dtype)

    def loss(lib, ps):
        W, b = ps
        Xt, Yt = (lib.tensor(X), lib.tensor(Y))
        return ((Xt @ W.T + b - Yt) ** 2).mean()
    rng = np.random.default_rng(3)
    return [rng.standard_normal((3, 4)).astype(dtype), np.zeros(3, dtype)], loss


def _closure(lib, opt, ps, loss_fn):
    def closure():
        opt.zero_grad()
        loss = loss_fn(lib, ps)
        loss.backward()
        return loss
    return closure


def _assert_lbfgs_state(opt, topt, p, tp, rtol):
    s, ts = opt.state[p], topt.state[tp]
    assert set(s) == set(ts), (sorted(s), sorted(ts))
    assert (s["func_evals"], s["n_iter"]) == (ts["func_evals"], ts["n_iter"])
    for key in ("d", "t", "H_diag", "prev_flat_grad", "prev_loss"):
        np.testing.assert_allclose(_value(s[key]), _value(ts[key]), rtol=rtol, atol=1e-12,
                                   err_msg=key)
    for key in ("old_dirs", "old_stps", "ro"):
        assert len(s[key]) == len(ts[key]), key
        for a, b in zip(s[key], ts[key]):
            np.testing.assert_allclose(_value(a), _value(b), rtol=rtol, atol=1e-12,
                                       err_msg=key)


LBFGS_CASES = [
    ("rosenbrock", dict(lr=1, max_iter=20, line_search_fn=None, history_size=10), 1e-3),
    ("rosenbrock", dict(line_search_fn="strong_wolfe"), 1.0),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", history_size=3, max_iter=7), 1.0),
    ("lsq", dict(lr=0.5, max_iter=5), 1.0),
    ("lsq", dict(lr=1, line_search_fn="strong_wolfe", max_iter=10, history_size=4), 1.0),
    ("lsq", dict(line_search_fn="strong_wolfe", max_eval=6, tolerance_change=1e-6), 1.0),
]


@pytest.mark.parametrize("kind,kw,scale", LBFGS_CASES,
                         ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(LBFGS_CASES)])
def test_lbfgs_matches_torch(kind, kw, scale):
    dtype = np.float64
    inits, loss_fn = _problem(kind, dtype)
    if kind == "rosenbrock":
        inits = [a * scale if scale != 1 else a for a in inits]
    ours = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    opt, topt = optim.LBFGS(ours, **kw), torch.optim.LBFGS(theirs, **kw)
    c, tc = _closure(autograd, opt, ours, loss_fn), _closure(torch, topt, theirs, loss_fn)
    for _ in range(6):
        loss, tloss = opt.step(c), topt.step(tc)
        assert float(loss) == pytest.approx(float(tloss.detach()), rel=1e-10, abs=1e-300)
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-9, atol=1e-12)
        _assert_lbfgs_state(opt, topt, ours[0], theirs[0], 1e-8)


def test_lbfgs_rosenbrock_converges_like_torch():
    inits, loss_fn = _problem("rosenbrock", np.float64)
    x = autograd.Tensor(inits[0].copy(), requires_grad=True)
    tx = torch.tensor(inits[0].copy(), requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=100)
    topt = torch.optim.LBFGS([tx], line_search_fn="strong_wolfe", max_iter=100)
    opt.step(_closure(autograd, opt, [x], loss_fn))
    topt.step(_closure(torch, topt, [tx], loss_fn))
    np.testing.assert_allclose(x._data, [1.0, 1.0], atol=1e-5)
    np.testing.assert_allclose(x._data, tx.detach().numpy(), rtol=1e-8)
    assert opt.state[x]["func_evals"] == topt.state[tx]["func_evals"]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_state_dict_round_trip_matches_torch(line_search_fn):
    """Two steps, then: ours from our state dict, and ours from torch's state dict, both
    continue exactly as torch's optimizer does."""
    inits, loss_fn = _problem("lsq", np.float64)
    kw = dict(lr=0.7, max_iter=4, line_search_fn=line_search_fn, history_size=5)
    ours = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    opt, topt = optim.LBFGS(ours, **kw), torch.optim.LBFGS(theirs, **kw)
    for _ in range(2):
        opt.step(_closure(autograd, opt, ours, loss_fn))
        topt.step(_closure(torch, topt, theirs, loss_fn))
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == [{k: v for k, v in tsd["param_groups"][0].items()}]
    assert sd["state"].keys() == tsd["state"].keys() == {0}
    assert sd["state"][0].keys() == tsd["state"][0].keys()
    runs = []
    for source in (sd, tsd):
        ps = [autograd.Tensor(p._data.copy(), requires_grad=True) for p in ours]
        o = optim.LBFGS(ps, lr=0.1)
        o.load_state_dict(source)
        assert o.param_groups[0]["lr"] == 0.7
        runs.append((o, ps))
    for _ in range(3):
        topt.step(_closure(torch, topt, theirs, loss_fn))
        for o, ps in runs:
            o.step(_closure(autograd, o, ps, loss_fn))
            for p, tp in zip(ps, theirs):
                np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-9,
                                           atol=1e-12)
            _assert_lbfgs_state(o, topt, ps[0], theirs[0], 1e-8)


def test_lbfgs_float32_close_to_torch():
    inits, loss_fn = _problem("lsq", np.float32)
    ours = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    kw = dict(line_search_fn="strong_wolfe", max_iter=10)
    opt, topt = optim.LBFGS(ours, **kw), torch.optim.LBFGS(theirs, **kw)
    for _ in range(2):
        opt.step(_closure(autograd, opt, ours, loss_fn))
        topt.step(_closure(torch, topt, theirs, loss_fn))
    for p, tp in zip(ours, theirs):
        assert p._data.dtype == np.float32
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- schedulers
EPOCHS = 40


def _opts(kind="SGD", **kw):
    a = [np.ones((2, 2), np.float32), np.ones(3, np.float32)]
    ours = [autograd.Tensor(x.copy(), requires_grad=True) for x in a]
    theirs = [torch.tensor(x.copy(), requires_grad=True) for x in a]
    o = getattr(optim, kind)([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.05}],
                             lr=0.1, **kw)
    t = getattr(torch.optim, kind)([{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.05}],
                                   lr=0.1, **kw)
    return o, t


class _Scale:
    """A callable object (its ``__dict__`` is saved by state_dict)."""

    def __init__(self, base):
        self.base = base

    def __call__(self, x):
        return self.base ** x


SCHEDULERS = {
    "MultiplicativeLR": lambda ls, o: ls.MultiplicativeLR(o, lr_lambda=lambda e: 0.95),
    "MultiplicativeLR-per-group": lambda ls, o: ls.MultiplicativeLR(
        o, lr_lambda=[lambda e: 0.9 if e % 2 else 1.0, _Scale(0.999)]),
    "PolynomialLR": lambda ls, o: ls.PolynomialLR(o, total_iters=15, power=2.0),
    "PolynomialLR-linear": lambda ls, o: ls.PolynomialLR(o),
    "CyclicLR-triangular": lambda ls, o: ls.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2],
                                                     step_size_up=4, step_size_down=6),
    "CyclicLR-triangular2": lambda ls, o: ls.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                      step_size_up=3, mode="triangular2",
                                                      base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-exp_range": lambda ls, o: ls.CyclicLR(o, base_lr=0.001, max_lr=0.1,
                                                    step_size_up=5, mode="exp_range",
                                                    gamma=0.97),
    "CyclicLR-no-momentum": lambda ls, o: ls.CyclicLR(o, base_lr=0.001, max_lr=0.1,
                                                      step_size_up=5, cycle_momentum=False),
    "CyclicLR-scale_fn": lambda ls, o: ls.CyclicLR(o, base_lr=0.001, max_lr=0.1,
                                                   step_size_up=3, scale_fn=_Scale(0.8),
                                                   scale_mode="iterations"),
    "ChainedScheduler": lambda ls, o: ls.ChainedScheduler(
        [ls.ConstantLR(o, factor=0.5, total_iters=4), ls.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-3": lambda ls, o: ls.ChainedScheduler(
        [ls.LinearLR(o, start_factor=0.2, total_iters=6), ls.StepLR(o, step_size=5, gamma=0.5),
         ls.MultiplicativeLR(o, lr_lambda=_Scale(0.99))], optimizer=o),
    "SequentialLR-Polynomial": lambda ls, o: ls.SequentialLR(
        o, [ls.LinearLR(o, start_factor=0.1, total_iters=5),
            ls.PolynomialLR(o, total_iters=20, power=0.5)], milestones=[5]),
}


def _groups(opt):
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def _needs_momentum(name, kind):
    return name.startswith("CyclicLR") and "no-momentum" not in name


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_sequence_matches_torch(name, kind):
    kw = dict(momentum=0.9) if kind == "SGD" else {}
    o, t = _opts(kind, **kw)
    s, ts = SCHEDULERS[name](ours_ls, o), SCHEDULERS[name](theirs_ls, t)
    assert s.get_last_lr() == ts.get_last_lr()
    assert _groups(o) == _groups(t)
    for _ in range(EPOCHS):
        o.step()
        t.step()
        s.step()
        ts.step()
        assert s.get_last_lr() == ts.get_last_lr()
        assert _groups(o) == _groups(t)
        assert getattr(s, "last_epoch", None) == getattr(ts, "last_epoch", None)


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_resume_matches_torch(name):
    o, t = _opts(momentum=0.9)
    s, ts = SCHEDULERS[name](ours_ls, o), SCHEDULERS[name](theirs_ls, t)
    for _ in range(13):
        o.step(), t.step(), s.step(), ts.step()
    sd = s.state_dict()
    osd = o.state_dict()
    o2, _ = _opts(momentum=0.9)
    o2.load_state_dict(osd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s2 = SCHEDULERS[name](ours_ls, o2)
    s2.load_state_dict(sd)
    for group, tgroup in zip(o2.param_groups, t.param_groups):
        group["lr"] = tgroup["lr"]
        if "momentum" in tgroup:
            group["momentum"] = tgroup["momentum"]
    for _ in range(EPOCHS - 14):
        o2.step(), t.step(), s2.step(), ts.step()
        assert s2.get_last_lr() == ts.get_last_lr()
        assert _groups(o2) == _groups(t)


def test_state_dict_keys_match_torch():
    for name in SCHEDULERS:
        o, t = _opts(momentum=0.9)
        s, ts = SCHEDULERS[name](ours_ls, o), SCHEDULERS[name](theirs_ls, t)
        ours_keys = set(s.state_dict()) - {"_get_lr_called_within_step", "_is_initial"}
        theirs_keys = set(ts.state_dict()) - {"_get_lr_called_within_step", "_is_initial"}
        assert ours_keys == theirs_keys, name
        if "_schedulers" in ts.state_dict():
            assert len(s.state_dict()["_schedulers"]) == len(ts.state_dict()["_schedulers"])


@pytest.mark.parametrize("name", ["PolynomialLR"])
def test_explicit_epoch_closed_form_matches_torch(name):
    o, t = _opts()
    s, ts = SCHEDULERS[name](ours_ls, o), SCHEDULERS[name](theirs_ls, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 7, 8, 15, 2, 30]:
            o.step(), t.step()
            s.step(epoch)
            ts.step(epoch)
            assert s.get_last_lr() == ts.get_last_lr()


def test_scheduler_with_new_optimizers_matches_torch():
    """A scheduler driving NAdam/RAdam/Rprop changes the trajectory identically."""
    for name in ("NAdam", "RAdam", "Adamax", "Rprop", "ASGD"):
        rng, ours, theirs, opt, topt = _make(name, dict(lr=0.02), np.float64, seed=5)
        s = ours_ls.CosineAnnealingLR(opt, T_max=7)
        ts = theirs_ls.CosineAnnealingLR(topt, T_max=7)
        for _ in range(12):
            _run(rng, ours, theirs, opt, topt, np.float64, steps=1)
            s.step()
            ts.step()
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p._data, tp.detach().numpy(), **TOL[np.float64])


def test_step_hooks_match_torch_call_order():
    calls, tcalls = [], []
    o, t = _opts()
    for opt, log in ((o, calls), (t, tcalls)):
        opt.register_step_pre_hook(lambda opt, args, kwargs, log=log: log.append("pre"))
        h = opt.register_step_post_hook(lambda opt, args, kwargs, log=log: log.append("post"))
        opt.step()
        h.remove()
        opt.step()
    assert calls == tcalls == ["pre", "post", "pre"]
