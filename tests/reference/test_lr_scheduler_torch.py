"""LR schedulers against torch.optim.lr_scheduler: identical lr sequences.

Both sides run the same Python float arithmetic, so the sequences are compared for
exact equality (a closed-form vs recursive mix-up would show at the first step).
"""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import optim  # noqa: E402
from optim import lr_scheduler as ours_ls  # noqa: E402

theirs_ls = torch.optim.lr_scheduler
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


def _half_cycle_lambda(epoch):
    return 0.5 ** (epoch // 3)


SCHEDULERS = {
    "StepLR": lambda ls, o: ls.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda ls, o: ls.MultiStepLR(o, milestones=[3, 10, 10, 25], gamma=0.3),
    "ExponentialLR": lambda ls, o: ls.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda ls, o: ls.CosineAnnealingLR(o, T_max=12, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda ls, o: ls.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=1, eta_min=0.002),
    "CosineAnnealingWarmRestarts-Tmult2": lambda ls, o: ls.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2),
    "LambdaLR": lambda ls, o: ls.LambdaLR(o, lr_lambda=_half_cycle_lambda),
    "LambdaLR-per-group": lambda ls, o: ls.LambdaLR(
        o, lr_lambda=[_half_cycle_lambda, lambda e: 1.0 / (1 + e)]),
    "LinearLR": lambda ls, o: ls.LinearLR(o, start_factor=0.25, end_factor=0.9,
                                          total_iters=10),
    "ConstantLR": lambda ls, o: ls.ConstantLR(o, factor=0.5, total_iters=6),
    "OneCycleLR": lambda ls, o: ls.OneCycleLR(o, max_lr=[1.0, 0.4], total_steps=EPOCHS + 1),
    "OneCycleLR-linear-3phase": lambda ls, o: ls.OneCycleLR(
        o, max_lr=0.7, epochs=4, steps_per_epoch=11, anneal_strategy="linear",
        three_phase=True, pct_start=0.25),
    "SequentialLR": lambda ls, o: ls.SequentialLR(
        o, [ls.LinearLR(o, start_factor=0.1, total_iters=5),
            ls.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    "SequentialLR-3": lambda ls, o: ls.SequentialLR(
        o, [ls.ConstantLR(o, factor=0.2, total_iters=4),
            ls.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
            ls.StepLR(o, step_size=4, gamma=0.5)], milestones=[6, 20]),
}


def _groups(opt):
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


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
        assert s.last_epoch == ts.last_epoch


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_resume_matches_torch(name):
    o, t = _opts(momentum=0.9)
    s, ts = SCHEDULERS[name](ours_ls, o), SCHEDULERS[name](theirs_ls, t)
    for _ in range(13):
        o.step(), t.step(), s.step(), ts.step()
    sd = s.state_dict()
    osd = o.state_dict()
    # A fresh optimizer + scheduler, restored, continues exactly like torch's original.
    o2, _ = _opts(momentum=0.9)
    o2.load_state_dict(osd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s2 = SCHEDULERS[name](ours_ls, o2)
    s2.load_state_dict(sd)
    for group, tgroup in zip(o2.param_groups, t.param_groups):
        group["lr"] = tgroup["lr"]  # the scheduler's construction wrote lr; restore it
    for _ in range(EPOCHS - 14):
        o2.step(), t.step(), s2.step(), ts.step()
        assert s2.get_last_lr() == ts.get_last_lr()
        assert _groups(o2) == _groups(t)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "LinearLR", "ConstantLR"])
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


def test_warm_restarts_fractional_epochs_match_torch():
    o, t = _opts()
    s = ours_ls.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=0.01)
    ts = theirs_ls.CosineAnnealingWarmRestarts(t, T_0=4, T_mult=2, eta_min=0.01)
    for epoch in np.arange(0, 30, 0.37):
        s.step(float(epoch))
        ts.step(float(epoch))
        assert s.get_last_lr() == ts.get_last_lr()
        assert (s.T_cur, s.T_i) == (ts.T_cur, ts.T_i)


@pytest.mark.parametrize("kw", [
    dict(),
    dict(mode="max", patience=2, threshold=0.1, cooldown=2),
    dict(patience=1, threshold_mode="abs", threshold=0.05, min_lr=[0.02, 0.001], factor=0.5),
    dict(patience=0, factor=0.9, eps=0.002),
])
def test_reduce_on_plateau_matches_torch(kw):
    o, t = _opts()
    s, ts = ours_ls.ReduceLROnPlateau(o, **kw), theirs_ls.ReduceLROnPlateau(t, **kw)
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1, 0.5, 8), np.full(10, 0.5),
                              0.5 + 0.01 * rng.standard_normal(30), [math.inf]])
    for m in metrics:
        o.step(), t.step()
        s.step(m)
        ts.step(m)
        assert s.get_last_lr() == ts.get_last_lr()
        assert (s.best, s.num_bad_epochs, s.cooldown_counter, s.last_epoch) == \
            (ts.best, ts.num_bad_epochs, ts.cooldown_counter, ts.last_epoch)
    s2 = ours_ls.ReduceLROnPlateau(o, **kw)
    s2.load_state_dict(s.state_dict())
    assert s2.state_dict() == s.state_dict()


def test_state_dict_keys_match_torch():
    for name in SCHEDULERS:
        o, t = _opts(momentum=0.9)
        s, ts = SCHEDULERS[name](ours_ls, o), SCHEDULERS[name](theirs_ls, t)
        ours_keys = set(s.state_dict()) - {"_get_lr_called_within_step", "_is_initial"}
        theirs_keys = set(ts.state_dict()) - {"_get_lr_called_within_step", "_is_initial"}
        assert ours_keys == theirs_keys, name
