"""The margin / embedding / NLL / CTC losses (issue 12) on their own: float64 gradcheck
and gradgradcheck (every loss but CTC is built from differentiable ops; inputs are kept
away from the hinge kinks), CTC's gradient through log_softmax and its double backward
error, the legacy size_average/reduce mapping, argument checks, module attributes."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

RNG = np.random.default_rng(5)


def t64(*shape, scale=1.0, shift=0.0, grad=True):
    return autograd.tensor(RNG.standard_normal(shape) * scale + shift, requires_grad=grad)


def const(a):
    return autograd.tensor(np.asarray(a))


def signs(*shape):
    return const(np.where(RNG.random(shape) < 0.5, -1.0, 1.0))


def away_from_kinks(x, kinks, gap=0.05):
    """Shift the entries of the (NumPy) array ``x`` that lie within ``gap`` of a kink."""
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + np.sign(x[near] - k + 1e-30) * gap * 2
    return x


def check_twice(fn, *inputs):
    assert autograd.gradcheck(fn, inputs)
    assert autograd.gradgradcheck(fn, inputs)


# (name, builder returning (fn, differentiable inputs)); every reduction below
CASES = {
    "cosine_embedding": lambda red: (
        lambda a, b: F.cosine_embedding_loss(a, b, const([1.0, -1.0, -1.0]), margin=-0.9,
                                             reduction=red),
        (t64(3, 4), t64(3, 4))),
    "margin_ranking": lambda red: (
        lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=10.0, reduction=red),
        (t64(5), t64(5), t64(5))),
    "triplet_margin": lambda red: (
        lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=20.0, swap=True, reduction=red),
        (t64(3, 4), t64(3, 4), t64(3, 4))),
    "triplet_margin_p1": lambda red: (
        lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=20.0, p=1, reduction=red),
        (t64(3, 4), t64(3, 4), t64(3, 4))),
    "triplet_with_distance": lambda red: (
        lambda a, p, n: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda x, y: ((x - y) ** 2).sum(-1), margin=50.0,
            swap=True, reduction=red),
        (t64(3, 4), t64(3, 4), t64(3, 4))),
    "hinge_embedding": lambda red: (
        lambda x: F.hinge_embedding_loss(x, const([[1.0, -1.0, -1.0, 0.0]] * 2), margin=5.0,
                                         reduction=red),
        (t64(2, 4),)),
    "soft_margin": lambda red: (
        lambda x, y: F.soft_margin_loss(x, y, reduction=red), (t64(3, 4), t64(3, 4))),
    "multilabel_soft_margin": lambda red: (
        lambda x, y, w: F.multilabel_soft_margin_loss(x, y, weight=w, reduction=red),
        (t64(3, 4), t64(3, 4), t64(4))),
    "multilabel_margin": lambda red: (
        lambda x: F.multilabel_margin_loss(x, const([[3, 0, -1, 1], [1, 2, 3, 0], [2, -1, 0, 0]]),
                                           reduction=red),
        (autograd.tensor(away_from_kinks(RNG.standard_normal((3, 4)) * 0.1, []),
                         requires_grad=True),)),
    "multi_margin_p1": lambda red: (
        lambda x, w: F.multi_margin_loss(x, const([0, 3, 1]), margin=5.0, weight=w,
                                         reduction=red),
        (t64(3, 4), t64(4))),
    "multi_margin_p2": lambda red: (
        lambda x, w: F.multi_margin_loss(x, const([0, 3, 1]), p=2, margin=5.0, weight=w,
                                         reduction=red),
        (t64(3, 4), t64(4))),
    "poisson_log": lambda red: (
        lambda x, y: F.poisson_nll_loss(x, y, full=True, reduction=red),
        (t64(3, 4), t64(3, 4, scale=0.5, shift=3.0))),
    "poisson_rate": lambda red: (
        lambda x, y: F.poisson_nll_loss(x, y, log_input=False, full=True, reduction=red),
        (t64(3, 4, scale=0.1, shift=2.0), t64(3, 4, scale=0.5, shift=3.0))),
    "gaussian": lambda red: (
        lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=True, reduction=red),
        (t64(3, 4), t64(3, 4), t64(3, 1, scale=0.1, shift=1.0))),
    "gaussian_homoscedastic": lambda red: (
        lambda x, y, v: F.gaussian_nll_loss(x, y, v, reduction=red),
        (t64(2, 3, 4), t64(2, 3, 4), t64(2, 3, scale=0.1, shift=1.0))),
}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_gradgradcheck(name, reduction):
    fn, inputs = CASES[name](reduction)
    check_twice(fn, *inputs)


def test_multilabel_and_multi_margin_hinges_active():
    """The gradcheck inputs above really sit on the linear / quadratic branch."""
    x = autograd.tensor(np.zeros((1, 3)))
    assert F.multi_margin_loss(x, const([0]), margin=5.0).item() == pytest.approx(10 / 3)
    assert F.multilabel_margin_loss(x, const([[0, -1, 0]])).item() == pytest.approx(2 / 3)


def test_gaussian_var_gradient_passes_the_clamp():
    var = autograd.tensor([1e-9, 0.5], requires_grad=True)
    x, y = autograd.tensor([0.1, 0.2]), autograd.tensor([0.0, 0.0])
    F.gaussian_nll_loss(x, y, var, reduction="sum").backward()
    v = np.array([1e-6, 0.5])  # the clamped value, differentiated as if unclamped
    np.testing.assert_allclose(var.grad.numpy(), 0.5 / v - 0.5 * np.array([0.01, 0.04]) / v ** 2)


# ----------------------------------------------------------------------------------- CTC
def ctc_inputs(t=7, n=2, c=5):
    x = autograd.tensor(RNG.standard_normal((t, n, c)), requires_grad=True)
    return x, const([[1, 2, 2], [3, 1, 0]]), (7, 5), (3, 2)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_gradcheck_through_log_softmax(reduction, zero_infinity):
    x, tg, il, tl = ctc_inputs()
    assert autograd.gradcheck(
        lambda a: F.ctc_loss(F.log_softmax(a, 2), tg, il, tl, reduction=reduction,
                             zero_infinity=zero_infinity), (x,))


def test_ctc_matches_brute_force_alignment_sum():
    """p(l|x) summed over every length-T path that collapses to l (T=4, C=3)."""
    import itertools
    lp = np.log(RNG.dirichlet(np.ones(3), (4, 1)))
    label = (1, 2)
    total = 0.0
    for path in itertools.product(range(3), repeat=4):
        collapsed = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
        if tuple(collapsed) == label:
            total += np.exp(sum(lp[t, 0, k] for t, k in enumerate(path)))
    loss = F.ctc_loss(autograd.tensor(lp), const([label]), (4,), (2,), reduction="sum")
    assert loss.item() == pytest.approx(-np.log(total), rel=1e-12)


def test_ctc_double_backward_raises():
    x, tg, il, tl = ctc_inputs()
    loss = F.ctc_loss(F.log_softmax(x, 2), tg, il, tl)
    (g,) = autograd.grad(loss, x, create_graph=True)
    with pytest.raises(RuntimeError, match="once differentiable"):
        g.sum().backward()
    # first order under create_graph=False is unaffected
    F.ctc_loss(F.log_softmax(x, 2), tg, il, tl).backward()
    assert x.grad is not None and np.isfinite(x.grad.numpy()).all()


def test_ctc_zero_infinity_and_no_warnings():
    x = autograd.tensor(np.log(np.full((3, 1, 3), 1 / 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inf = F.ctc_loss(x, const([[1, 1, 1]]), (3,), (3,), reduction="none")
        assert np.isinf(inf.item())
        loss = F.ctc_loss(x, const([[1, 1, 1]]), (3,), (3,), zero_infinity=True)
        loss.backward()
    assert loss.item() == 0.0
    assert not x.grad.numpy().any()


def test_ctc_checks():
    x, tg, il, tl = ctc_inputs()
    with pytest.raises(IndexError, match="out of bounds"):
        F.ctc_loss(x, const([[1, 2, 9], [3, 1, 0]]), il, tl)
    with pytest.raises(TypeError, match="blank"):
        F.ctc_loss(x, tg, il, tl, blank=1.0)
    with pytest.raises(TypeError, match="log_probs"):
        F.ctc_loss(x.detach().numpy(), tg, il, tl)
    with pytest.raises(TypeError, match="input_lengths"):
        F.ctc_loss(x, tg, (7.0, 5.0), tl)


# ------------------------------------------------------------------- legacy and arguments
@pytest.mark.parametrize("size_average,reduce,expected", [
    (None, None, "mean"), (False, None, "sum"), (True, None, "mean"), (None, False, "none"),
    (False, False, "none"), (False, True, "sum")])
def test_legacy_flags_in_modules(size_average, reduce, expected):
    for cls in ("CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss",
                "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
                "MultiLabelMarginLoss", "MultiMarginLoss", "PoissonNLLLoss"):
        m = getattr(nn, cls)(size_average=size_average, reduce=reduce)
        assert m.reduction == expected, cls


def test_legacy_flags_in_functions():
    x, y = t64(3, 4), signs(3, 4)
    assert F.soft_margin_loss(x, y, reduce=False).shape == (3, 4)
    np.testing.assert_allclose(F.soft_margin_loss(x, y, size_average=False).item(),
                               F.soft_margin_loss(x, y, reduction="sum").item())


def test_argument_types():
    x = t64(3, 4)
    with pytest.raises(TypeError, match="input1"):
        F.cosine_embedding_loss([1.0], x, signs(3))
    with pytest.raises(TypeError, match="target"):
        F.hinge_embedding_loss(x, 1.0)
    with pytest.raises(TypeError, match="margin"):
        F.margin_ranking_loss(x[0], x[1], signs(4), margin="1")
    with pytest.raises(TypeError, match="swap"):
        F.triplet_margin_loss(x, x, x, swap="yes")
    with pytest.raises(TypeError, match="var"):
        F.gaussian_nll_loss(x, x, "1")
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.poisson_nll_loss(x, x, reduction="avg")


def test_module_attributes_and_defaults():
    m = nn.TripletMarginWithDistanceLoss()
    assert m.margin == 1.0 and m.swap is False
    assert "PairwiseDistance()" in repr(m)
    a, p, n = t64(3, 4), t64(3, 4), t64(3, 4)
    np.testing.assert_allclose(m(a, p, n).item(), F.triplet_margin_loss(a, p, n).item())
    assert nn.PoissonNLLLoss().eps == 1e-8 and nn.GaussianNLLLoss().eps == 1e-6
    ctc = nn.CTCLoss(blank=2, zero_infinity=True)
    assert (ctc.blank, ctc.reduction, ctc.zero_infinity) == (2, "mean", True)
    mm = nn.MultiMarginLoss(p=2, margin=0.5, weight=autograd.ones(4))
    assert list(mm.state_dict()) == ["weight"] and (mm.p, mm.margin) == (2, 0.5)
