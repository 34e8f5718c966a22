"""Losses against torch.nn.functional: value and input gradient (and target gradient
where it exists), every reduction; the fused cross-entropy over all option
combinations, both target kinds, 1-D / 2-D / N-D inputs, float32 and float64."""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

TF = torch.nn.functional
RNG = np.random.default_rng(0)


def run_both(fo, ft, arrays, grad_idx, atol=1e-10, kw_o=None, kw_t=None):
    to = [autograd.tensor(a, requires_grad=i in grad_idx) for i, a in enumerate(arrays)]
    tt = [torch.tensor(a, requires_grad=i in grad_idx) for i, a in enumerate(arrays)]
    lo = fo(*to, **(kw_o or {}))
    lt = ft(*tt, **(kw_t or kw_o or {}))
    np.testing.assert_allclose(lo.detach().numpy(), lt.detach().numpy(), atol=atol, rtol=1e-6)
    if not grad_idx:
        return
    g = RNG.standard_normal(tuple(lt.shape))
    lo.backward(autograd.tensor(g).to(lo.dtype))
    lt.backward(torch.tensor(g).to(lt.dtype))
    for i in grad_idx:
        np.testing.assert_allclose(to[i].grad.numpy(), tt[i].grad.numpy(), atol=atol, rtol=1e-5,
                                   err_msg=f"grad of argument {i}")


CE_SHAPES = [((6, 5), (6,)), ((3, 4, 2, 3), (3, 2, 3)), ((5,), ())]


@pytest.mark.parametrize("shapes", CE_SHAPES, ids=["2d", "4d", "1d"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_class_indices(shapes, weighted, ignore_index, label_smoothing, reduction):
    xs, ts = shapes
    c = xs[1] if len(xs) > 1 else xs[0]
    x = RNG.standard_normal(xs) * 3
    t = RNG.integers(0, c, ts)
    if ts and t.size > 2:
        t.flat[1] = ignore_index if ignore_index >= 0 else -100  # one ignored target
    w = RNG.random(c) + 0.5 if weighted else None
    kw = dict(weight=None, ignore_index=ignore_index, label_smoothing=label_smoothing,
              reduction=reduction)
    arrays = [x, t] + ([w] if weighted else [])

    def ours(x, t, *w):
        return F.cross_entropy(x, t, **dict(kw, weight=w[0] if w else None))

    def theirs(x, t, *w):
        return TF.cross_entropy(x, t, **dict(kw, weight=w[0] if w else None))

    run_both(ours, theirs, arrays, grad_idx=[0])


@pytest.mark.parametrize("shapes", [(6, 5), (2, 4, 3)], ids=["2d", "3d"])
@pytest.mark.parametrize("weighted,label_smoothing,reduction",
                         list(itertools.product([False, True], [0.0, 0.2], ["mean", "sum", "none"])))
def test_cross_entropy_probabilities(shapes, weighted, label_smoothing, reduction):
    x = RNG.standard_normal(shapes)
    p = RNG.random(shapes)
    p /= p.sum(1, keepdims=True)
    w = RNG.random(shapes[1]) + 0.5 if weighted else None

    def ours(x, p):
        return F.cross_entropy(x, p, None if w is None else autograd.tensor(w),
                               reduction=reduction, label_smoothing=label_smoothing)

    def theirs(x, p):
        return TF.cross_entropy(x, p, None if w is None else torch.tensor(w),
                                reduction=reduction, label_smoothing=label_smoothing)

    run_both(ours, theirs, [x, p], grad_idx=[0, 1])


def test_cross_entropy_float32_and_extreme_logits():
    x = (RNG.standard_normal((16, 7)) * 200).astype(np.float32)  # naive softmax overflows
    t = RNG.integers(0, 7, 16)
    run_both(F.cross_entropy, TF.cross_entropy, [x, t], grad_idx=[0], atol=1e-3)
    xo = autograd.tensor(x, requires_grad=True)
    loss = F.cross_entropy(xo, autograd.tensor(t))
    assert np.isfinite(loss.item())
    assert loss.dtype == autograd.float32


def test_cross_entropy_module_with_weight_buffer():
    w = RNG.random(4) + 0.1
    ours = nn.CrossEntropyLoss(weight=autograd.tensor(w), label_smoothing=0.1, ignore_index=0)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1, ignore_index=0)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    run_both(ours, theirs, [RNG.standard_normal((5, 4)), np.array([0, 1, 2, 3, 1])], [0])


def test_nll_loss_matches_torch():
    for reduction in ("mean", "sum", "none"):
        for weighted in (False, True):
            x = RNG.standard_normal((3, 4, 5))
            t = RNG.integers(0, 4, (3, 5))
            t[0, 0] = -100
            w = autograd.tensor(RNG.random(4)) if weighted else None
            wt = torch.tensor(w.numpy()) if weighted else None
            run_both(lambda a, b: F.nll_loss(a, b, w, reduction=reduction),
                     lambda a, b: TF.nll_loss(a, b, wt, reduction=reduction), [x, t], [0])


POINTWISE = [
    ("mse_loss", {}, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))),
    ("l1_loss", {}, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))),
    ("smooth_l1_loss", {"beta": 0.7}, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))),
    ("smooth_l1_loss", {"beta": 0.0}, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))),
    ("huber_loss", {"delta": 0.6}, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))),
    ("binary_cross_entropy", {}, lambda: (RNG.uniform(0.05, 0.95, (3, 4)), RNG.random((3, 4)))),
    ("binary_cross_entropy_with_logits", {}, lambda: (RNG.standard_normal((3, 4)) * 5, RNG.random((3, 4)))),
    ("kl_div", {}, lambda: (np.log(RNG.dirichlet(np.ones(4), 3)), RNG.dirichlet(np.ones(4), 3))),
    ("kl_div", {"log_target": True}, lambda: (np.log(RNG.dirichlet(np.ones(4), 3)),
                                              np.log(RNG.dirichlet(np.ones(4), 3)))),
]


POINTWISE_CASES = [(name, kw, data, red) for name, kw, data in POINTWISE
                   for red in ("mean", "sum", "none") + (("batchmean",) if name == "kl_div" else ())]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name,kw,data,reduction", POINTWISE_CASES,
                         ids=[f"{c[0]}{c[1]}-{c[3]}" for c in POINTWISE_CASES])
def test_pointwise_losses(name, kw, data, reduction):
    x, y = data()
    run_both(getattr(F, name), getattr(TF, name), [x, y], grad_idx=[0, 1],
             kw_o=dict(kw, reduction=reduction))


def test_bce_weight_and_pos_weight():
    x, y = RNG.standard_normal((4, 3)) * 4, RNG.random((4, 3))
    w, pw = RNG.random((4, 3)), RNG.random(3) * 3
    run_both(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, autograd.tensor(w), pos_weight=autograd.tensor(pw)),
        lambda a, b: TF.binary_cross_entropy_with_logits(
            a, b, torch.tensor(w), pos_weight=torch.tensor(pw)), [x, y], [0, 1])
    p = RNG.uniform(0.01, 0.99, (4, 3))
    run_both(lambda a, b: F.binary_cross_entropy(a, b, autograd.tensor(w), reduction="sum"),
             lambda a, b: TF.binary_cross_entropy(a, b, torch.tensor(w), reduction="sum"),
             [p, y], [0, 1])


def test_bce_clamps_log_at_minus_100():
    """Forward only: at x in {0, 1} PyTorch's hand-written backward divides by
    max(x (1 - x), 1e-12) while ours differentiates the clamp (gradient 0 there)."""
    x, y = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    run_both(F.binary_cross_entropy, TF.binary_cross_entropy, [x, y], [], atol=1e-8)


@pytest.mark.parametrize("cls,kw", [("MSELoss", {}), ("L1Loss", {"reduction": "sum"}),
                                    ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 2.0}),
                                    ("KLDivLoss", {"reduction": "batchmean"}),
                                    ("BCEWithLogitsLoss", {})])
def test_loss_modules(cls, kw):
    x, y = RNG.standard_normal((3, 4)), RNG.random((3, 4))
    ours, theirs = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(ours) == repr(theirs)
    run_both(ours, theirs, [x, y], [0])


def test_other_functionals():
    x1, x2 = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    run_both(F.cosine_similarity, TF.cosine_similarity, [x1, x2], [0, 1])
    run_both(lambda a: F.normalize(a, p=2.0, dim=1), lambda a: TF.normalize(a, p=2.0, dim=1),
             [x1], [0])
    run_both(lambda a: F.normalize(a, p=1.0, dim=0), lambda a: TF.normalize(a, p=1.0, dim=0),
             [x1], [0])
    run_both(lambda a: F.logsigmoid(a), lambda a: TF.logsigmoid(a), [x1 * 10], [0])
    run_both(lambda a: F.softmin(a, 1), lambda a: TF.softmin(a, 1), [x1], [0])
    run_both(lambda a: F.pad(a, (1, 2)), lambda a: TF.pad(a, (1, 2)), [x1], [0])
    t = np.array([0, 2, 1])
    np.testing.assert_array_equal(F.one_hot(autograd.tensor(t), 4).numpy(),
                                  TF.one_hot(torch.tensor(t), 4).numpy())
