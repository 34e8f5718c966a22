"""LR schedulers without torch: known sequences, what they write, state dicts, errors."""
import math
import warnings

import numpy as np
import pytest

import autograd
import optim
from optim import lr_scheduler as ls


def _opt(lr=0.1, **kw):
    p = autograd.Tensor(np.ones(2), requires_grad=True)
    return optim.SGD([p], lr=lr, **kw)


def _run(opt, sched, n):
    out = []
    for _ in range(n):
        out.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return out


def test_step_lr_sequence():
    opt = _opt()
    lrs = _run(opt, ls.StepLR(opt, step_size=2, gamma=0.5), 6)
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_cosine_follows_closed_form_within_half_period():
    opt = _opt(1.0)
    s = ls.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    lrs = _run(opt, s, 11)
    expect = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose(lrs, expect, rtol=1e-12)


def test_one_cycle_peaks_at_max_lr_and_ends_low():
    opt = _opt(momentum=0.9)
    s = ls.OneCycleLR(opt, max_lr=1.0, total_steps=20)
    lrs = _run(opt, s, 20)
    assert lrs[0] == pytest.approx(1.0 / 25)
    assert max(lrs) == pytest.approx(1.0)
    assert lrs[-1] < 1e-3
    assert opt.param_groups[0]["momentum"] > 0.9 - 1e-9


@pytest.mark.parametrize("make", [
    lambda o: ls.StepLR(o, 3), lambda o: ls.MultiStepLR(o, [2, 4]),
    lambda o: ls.ExponentialLR(o, 0.9), lambda o: ls.CosineAnnealingLR(o, 5),
    lambda o: ls.CosineAnnealingWarmRestarts(o, 3), lambda o: ls.LambdaLR(o, lambda e: 0.9 ** e),
    lambda o: ls.LinearLR(o), lambda o: ls.ConstantLR(o),
    lambda o: ls.SequentialLR(o, [ls.LinearLR(o), ls.ExponentialLR(o, 0.9)], [3]),
])
def test_schedulers_only_write_lr(make):
    opt = _opt(momentum=0.5, weight_decay=0.01)
    before = {k: v for k, v in opt.param_groups[0].items() if k != "lr"}
    sched = make(opt)
    for _ in range(7):
        opt.step()
        sched.step()
    after = {k: v for k, v in opt.param_groups[0].items() if k not in ("lr", "initial_lr")}
    assert after == before
    assert opt.param_groups[0]["initial_lr"] == 0.1
    assert sched.get_last_lr() == [opt.param_groups[0]["lr"]]


def test_state_dict_round_trip_resumes():
    opt = _opt()
    s = ls.MultiStepLR(opt, [3, 6], gamma=0.5)
    _run(opt, s, 4)
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 4
    rest = _run(opt, s, 5)
    opt2 = _opt()
    opt2.param_groups[0]["lr"] = 0.05
    s2 = ls.MultiStepLR(opt2, [1], gamma=0.1)
    s2.load_state_dict(sd)
    opt2.param_groups[0]["lr"] = sd["_last_lr"][0]
    assert _run(opt2, s2, 5) == rest


def test_plateau_reduces_after_patience():
    opt = _opt()
    s = ls.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    for m in [1.0, 1.0, 1.0]:
        s.step(m)
    assert s.get_last_lr() == [0.1]
    s.step(1.0)
    assert s.get_last_lr() == [0.05]


def test_warns_when_scheduler_steps_before_optimizer():
    opt = _opt()
    s = ls.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    opt2 = _opt()
    s2 = ls.StepLR(opt2, 2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()


@pytest.mark.parametrize("make, exc", [
    (lambda o: ls.StepLR(object(), 2), TypeError),
    (lambda o: ls.StepLR(o, 2, last_epoch=3), KeyError),
    (lambda o: ls.LinearLR(o, start_factor=0), ValueError),
    (lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=0), ValueError),
    (lambda o: ls.OneCycleLR(o, max_lr=1.0), ValueError),
    (lambda o: ls.OneCycleLR(optim.Adagrad(o.param_groups[0]["params"]), 1.0, 10), ValueError),
    (lambda o: ls.ReduceLROnPlateau(o, factor=1.0), ValueError),
    (lambda o: ls.ReduceLROnPlateau(o, mode="best"), ValueError),
    (lambda o: ls.SequentialLR(o, [ls.StepLR(o, 2)], milestones=[3]), ValueError),
    (lambda o: ls.LambdaLR(o, [lambda e: 1.0, lambda e: 1.0]), ValueError),
])
def test_errors(make, exc):
    with pytest.raises(exc):
        make(_opt())


def test_one_cycle_raises_past_total_steps():
    opt = _opt()
    s = ls.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        s.step()
