"""The margin / embedding / NLL / CTC losses (issue 12) against torch.nn.functional and
torch.nn: values and float64 gradients (inputs, and targets / var / weights where they
are differentiable) for every reduction and the legacy size_average/reduce flags, the
loss options (p, eps, swap, margin, weight, log_input, full, blank, zero_infinity),
edge inputs (kinks, overflow, empty batches, unbatched inputs, impossible alignments),
and the exception classes of invalid arguments."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

TF = torch.nn.functional
RNG = np.random.default_rng(12)
REDUCTIONS = ("none", "mean", "sum")
pytestmark = pytest.mark.filterwarnings("ignore:size_average and reduce args:UserWarning")


class Const:
    """An argument passed as a tensor that does not require grad (targets, lengths)."""

    def __init__(self, value):
        self.value = np.asarray(value)


def _convert(a, lib):
    if isinstance(a, Const):
        return torch.tensor(a.value) if lib == "torch" else autograd.tensor(a.value)
    if isinstance(a, np.ndarray):
        grad = a.dtype.kind == "f"
        return (torch.tensor(a, requires_grad=grad) if lib == "torch"
                else autograd.tensor(a, requires_grad=grad))
    return a


def run_both(name, *args, atol=1e-10, rtol=1e-7, module=None, module_kw=None, **kw):
    """Run ``F.name`` (or the ``module`` class) and torch's on the same arrays; compare the
    value, dtype and the gradient of every float array argument."""
    results = []
    for lib in ("torch", "ours"):
        targs = [_convert(a, lib) for a in args]
        tkw = {k: _convert(v, lib) for k, v in kw.items()}
        if module is not None:
            mkw = {k: _convert(v, lib) for k, v in (module_kw or {}).items()}
            mod = getattr(torch.nn if lib == "torch" else nn, module)(**mkw)
            out = mod(*targs, **tkw)
        else:
            out = getattr(TF if lib == "torch" else F, name)(*targs, **tkw)
        g = np.random.default_rng(3).standard_normal(tuple(out.shape))
        if out.requires_grad:
            out.backward(torch.tensor(g).to(out.dtype) if lib == "torch"
                         else autograd.tensor(g).to(out.dtype))
        grads = [a.grad.numpy() if getattr(a, "grad", None) is not None else None for a in targs]
        results.append((out.detach().numpy(), str(out.dtype).split(".")[-1], grads))
    (vt, dt, gt), (vo, do, go) = results
    assert do == dt
    assert vo.shape == vt.shape
    np.testing.assert_allclose(vo, vt, atol=atol, rtol=rtol)
    for i, (a, b) in enumerate(zip(gt, go)):
        if a is None:
            assert b is None or not b.any(), f"grad of argument {i}"
        else:
            np.testing.assert_allclose(b, a, atol=atol, rtol=max(rtol, 1e-6),
                                       err_msg=f"grad of argument {i}")


def expect_same_error(name, *args, **kw):
    """torch and ours both raise, ours an instance of torch's exception class."""
    caught = []
    for lib, mod in (("torch", TF), ("ours", F)):
        with pytest.raises(Exception) as info:
            getattr(mod, name)(*[_convert(a, lib) for a in args],
                               **{k: _convert(v, lib) for k, v in kw.items()})
        caught.append(info.value)
    assert isinstance(caught[1], type(caught[0])), (caught[0], caught[1])
    return caught


def randn(*shape, scale=1.0):
    return RNG.standard_normal(shape) * scale


def signs(*shape):
    return np.where(RNG.random(shape) < 0.5, -1.0, 1.0)


LEGACY = [dict(size_average=False), dict(reduce=False), dict(size_average=True, reduce=True)]


# ----------------------------------------------------------------------- cosine embedding
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.4])
def test_cosine_embedding(reduction, margin):
    run_both("cosine_embedding_loss", randn(5, 4), randn(5, 4),
             Const([1.0, -1.0, 1.0, -1.0, 0.0]), margin=margin, reduction=reduction)


@pytest.mark.parametrize("legacy", LEGACY)
def test_cosine_embedding_legacy_flags(legacy):
    run_both("cosine_embedding_loss", randn(3, 4), randn(3, 4), Const(signs(3)), **legacy)


def test_cosine_embedding_edges():
    # unbatched, integer targets, zero vectors (the 1e-12 in the norms), empty batch
    run_both("cosine_embedding_loss", randn(4), randn(4), Const(-1.0), margin=-0.5)
    run_both("cosine_embedding_loss", randn(3, 4), randn(3, 4), Const([1, -1, 2]),
             reduction="none")
    run_both("cosine_embedding_loss", np.zeros((2, 3)), np.zeros((2, 3)), Const([1.0, -1.0]),
             reduction="none")
    run_both("cosine_embedding_loss", np.zeros((0, 3)), np.zeros((0, 3)), Const(np.zeros(0)))
    run_both("cosine_embedding_loss", randn(3, 4).astype(np.float32), randn(3, 4),
             Const(signs(3)), reduction="none")


@pytest.mark.parametrize("args", [
    (randn(4), randn(4), Const([1.0])),
    (randn(1, 3, 4), randn(1, 3, 4), Const(signs(3))),
    (randn(3, 4), randn(3, 4), Const(signs(1, 3))),
    (randn(3, 4), randn(3, 3), Const(signs(3))),
    (randn(3, 4), randn(3, 4), Const(signs(2))),
], ids=["1d-target-1d-input", "3d-input", "2d-target", "feature-mismatch", "target-size"])
def test_cosine_embedding_errors(args):
    expect_same_error("cosine_embedding_loss", *args)


# -------------------------------------------------------------------------- margin ranking
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking(reduction):
    x1, x2 = randn(6), randn(6)
    x2[0] = x1[0]  # a tie: the clamp's kink
    run_both("margin_ranking_loss", x1, x2, signs(6), margin=0.2, reduction=reduction)
    run_both("margin_ranking_loss", randn(3, 1), randn(1, 4), Const(signs(3, 4)),
             reduction=reduction)
    run_both("margin_ranking_loss", np.array(0.5), np.array(0.7), Const(1.0),
             reduction=reduction)


@pytest.mark.parametrize("legacy", LEGACY)
def test_margin_ranking_legacy_flags(legacy):
    run_both("margin_ranking_loss", randn(4), randn(4), Const(signs(4)), margin=0.5, **legacy)


def test_margin_ranking_errors():
    expect_same_error("margin_ranking_loss", randn(3, 4), randn(3), Const(signs(3)))
    expect_same_error("margin_ranking_loss", randn(3), randn(2), Const(signs(3)))
    expect_same_error("margin_ranking_loss", randn(3), randn(3), Const(signs(3)), reduction="x")


# ------------------------------------------------------------------------------ triplet
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [2, 1, 3, 1.5, 0, -1, float("inf")])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin(reduction, p, swap):
    run_both("triplet_margin_loss", randn(4, 5), randn(4, 5), randn(4, 5), margin=1.5, p=p,
             swap=swap, reduction=reduction)


def test_triplet_margin_shapes_eps_and_legacy():
    run_both("triplet_margin_loss", randn(5), randn(5), randn(5), eps=1e-3)
    run_both("triplet_margin_loss", randn(1, 3, 4), randn(1, 3, 4), randn(1, 3, 4),
             reduction="none")
    run_both("triplet_margin_loss", randn(1, 4), randn(3, 4), randn(3, 4), reduction="none")
    for legacy in LEGACY:
        run_both("triplet_margin_loss", randn(3, 4), randn(3, 4), randn(3, 4), **legacy)


def test_triplet_margin_errors():
    expect_same_error("triplet_margin_loss", randn(3, 4), randn(3, 4), randn(3, 4), margin=0)
    expect_same_error("triplet_margin_loss", randn(3, 4), randn(4), randn(3, 4))
    expect_same_error("triplet_margin_loss", randn(3, 4), randn(3, 4), randn(3, 4),
                      reduction="avg")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance(reduction, swap):
    a, p, n = randn(4, 5), randn(4, 5), randn(4, 5)
    run_both("triplet_margin_with_distance_loss", a, p, n, swap=swap, margin=2.0,
             reduction=reduction)

    def cosine_distance(lib):
        mod = TF if lib == "torch" else F
        return lambda x, y: 1.0 - mod.cosine_similarity(x, y)

    ours = F.triplet_margin_with_distance_loss(
        *(autograd.tensor(v) for v in (a, p, n)), distance_function=cosine_distance("ours"),
        swap=swap, margin=0.5, reduction=reduction)
    theirs = TF.triplet_margin_with_distance_loss(
        *(torch.tensor(v) for v in (a, p, n)), distance_function=cosine_distance("torch"),
        swap=swap, margin=0.5, reduction=reduction)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)


def test_triplet_margin_with_distance_errors():
    a = randn(3, 4)
    expect_same_error("triplet_margin_with_distance_loss", a, a, a, margin=0)
    expect_same_error("triplet_margin_with_distance_loss", a, a[0], a)
    expect_same_error("triplet_margin_with_distance_loss", a, a, a, reduction="x")


# ------------------------------------------------------------------ hinge and soft margin
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding(reduction):
    x = randn(3, 4, scale=2)
    x[0, 0] = 0.5  # at the margin's kink (margin=0.5, target -1)
    t = signs(3, 4)
    t[0, 0] = -1
    run_both("hinge_embedding_loss", x, Const(t), margin=0.5, reduction=reduction)
    run_both("hinge_embedding_loss", randn(3, 4), Const(signs(4)), reduction=reduction)
    # targets other than +-1 get both terms, as PyTorch
    run_both("hinge_embedding_loss", randn(4), Const([0.0, 1.0, -1.0, 2.0]), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin(reduction):
    run_both("soft_margin_loss", randn(3, 4, scale=3), Const(signs(3, 4)), reduction=reduction)
    run_both("soft_margin_loss", randn(3, 4), Const(signs(4)), reduction=reduction)


def test_soft_margin_overflow_is_inf_as_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        run_both("soft_margin_loss", np.array([-1000.0, 1000.0, 40.0, 0.0]),
                 Const([1.0, 1.0, -1.0, 1.0]), reduction="none")


@pytest.mark.parametrize("legacy", LEGACY)
def test_hinge_and_soft_margin_legacy_flags(legacy):
    run_both("hinge_embedding_loss", randn(3, 4), Const(signs(3, 4)), **legacy)
    run_both("soft_margin_loss", randn(3, 4), Const(signs(3, 4)), **legacy)


def test_hinge_and_soft_margin_errors():
    expect_same_error("hinge_embedding_loss", randn(3, 4), Const(signs(2, 4)))
    expect_same_error("soft_margin_loss", randn(4), Const(signs(3, 4)))
    expect_same_error("soft_margin_loss", randn(4), Const(signs(4)), reduction="x")


# ----------------------------------------------------------------- multilabel soft margin
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin(reduction, weighted):
    kw = dict(weight=RNG.random(4) + 0.2) if weighted else {}
    # probabilities as targets too: the target gradient exists in both
    run_both("multilabel_soft_margin_loss", randn(3, 4, scale=20), RNG.random((3, 4)),
             reduction=reduction, **kw)
    run_both("multilabel_soft_margin_loss", randn(4), Const((randn(4) > 0).astype(float)),
             reduction=reduction, **kw)
    run_both("multilabel_soft_margin_loss", randn(2, 3, 4), Const(np.ones((2, 3, 4))),
             reduction=reduction, **kw)


def test_multilabel_soft_margin_legacy_and_errors():
    for legacy in LEGACY:
        run_both("multilabel_soft_margin_loss", randn(3, 4), Const(np.ones((3, 4))), **legacy)
    expect_same_error("multilabel_soft_margin_loss", np.array(0.5), Const(1.0))
    expect_same_error("multilabel_soft_margin_loss", randn(3, 4), Const(randn(3, 4) > 0))
    expect_same_error("multilabel_soft_margin_loss", randn(3, 4), Const(np.ones((3, 4))),
                      reduction="x")


# ---------------------------------------------------------------------- multilabel margin
def _multilabel_targets(n, c):
    t = RNG.integers(0, c, (n, c))
    t[RNG.random((n, c)) < 0.3] = -1
    return t


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin(reduction):
    run_both("multilabel_margin_loss", randn(5, 6), Const(_multilabel_targets(5, 6)),
             reduction=reduction)
    # duplicated targets, targets after -1 ignored, a kink (1 - (x[y] - x[i]) == 0)
    run_both("multilabel_margin_loss", np.array([0.0, 1.0, 0.0, 2.0]), Const([1, 1, -1, 3]),
             reduction=reduction)
    run_both("multilabel_margin_loss", np.array(0.3), Const(0), reduction=reduction)
    run_both("multilabel_margin_loss", np.array(0.3), Const([-1]), reduction=reduction)
    if reduction in ("sum", "mean"):
        # PyTorch 2.13 returns uninitialised memory for the sum over an empty batch (2000
        # calls gave 112 different values, e.g. -1.09e29), and for the mean too (4.6e-310
        # in one of four calls); ours is the empty sum, and 0 for the mean
        out = F.multilabel_margin_loss(autograd.zeros((0, 4)),
                                       autograd.tensor(np.zeros((0, 4), np.int64)),
                                       reduction=reduction)
        assert out.shape == () and out.item() == 0.0
    else:
        run_both("multilabel_margin_loss", np.zeros((0, 4)), Const(np.zeros((0, 4), np.int64)),
                 reduction=reduction)


def test_multilabel_margin_legacy_flags():
    for legacy in LEGACY:
        run_both("multilabel_margin_loss", randn(3, 4), Const(_multilabel_targets(3, 4)),
                 **legacy)


@pytest.mark.parametrize("args", [
    (randn(4), Const([1, 4, -1, 0])),
    (randn(4), Const([1, -1, 7, 0])),
    (randn(4), Const([1, -2, -1, 0])),
    (np.array(0.1), Const(1)),
    (randn(3, 4), Const(np.zeros((2, 4), np.int64))),
    (randn(3, 4), Const(np.zeros((3, 4), np.int32))),
    (randn(3, 4), Const(np.zeros((3, 4)))),
    (randn(1, 3, 4), Const(np.zeros((1, 3, 4), np.int64))),
    (np.zeros((2, 0)), Const(np.zeros((2, 0), np.int64))),
], ids=["oob", "oob-after-end", "negative", "0d-oob", "shape", "int32", "float", "3d", "C0"])
def test_multilabel_margin_errors(args):
    expect_same_error("multilabel_margin_loss", *args)


# ---------------------------------------------------------------------------- multi margin
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [1.0, 0.3, -0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin(reduction, p, margin, weighted):
    kw = dict(weight=Const(RNG.random(4) + 0.2)) if weighted else {}
    run_both("multi_margin_loss", randn(5, 4), Const(RNG.integers(0, 4, 5)), p=p, margin=margin,
             reduction=reduction, **kw)


def test_multi_margin_shapes_and_edges():
    run_both("multi_margin_loss", randn(4), Const(2), reduction="none")
    run_both("multi_margin_loss", randn(4), Const([2]), reduction="none")
    run_both("multi_margin_loss", np.array(0.4), Const(0), reduction="none")
    run_both("multi_margin_loss", np.array([[0.0, 1.0, 2.0]]), Const([1]), reduction="none")
    # an empty batch: PyTorch 2.13's reduced value is uninitialised memory (0, 9e-277,
    # 5.9e-323 in three calls), so only the unreduced one is compared; ours reduces to 0
    run_both("multi_margin_loss", np.zeros((0, 4)), Const(np.zeros(0, np.int64)),
             reduction="none")
    empty = autograd.zeros((0, 4), dtype=autograd.float64)
    for reduction in ("mean", "sum"):
        out = F.multi_margin_loss(empty, autograd.zeros(0, dtype=autograd.int64),
                                  reduction=reduction)
        assert out.shape == () and float(out) == 0.0
    for legacy in LEGACY:
        run_both("multi_margin_loss", randn(3, 4), Const([0, 3, 1]), **legacy)


@pytest.mark.parametrize("args,kw", [
    ((randn(3, 4), Const([0, 3, 1])), dict(p=3)),
    ((randn(3, 4), Const([0, 3, 1])), dict(weight=Const(np.ones((1, 4))))),
    ((randn(3, 4), Const([0, 3, 1])), dict(weight=Const(np.ones(3)))),
    ((randn(3, 4), Const([0, 3, 1])), dict(weight=Const(np.ones(4, np.float32)))),
    ((randn(3, 4), Const([0, 4, 1])), {}),
    ((randn(3, 4), Const([0, -1, 1])), {}),
    ((randn(3, 4), Const([0, 1])), {}),
    ((randn(3, 4), Const([[0, 1, 1]])), {}),
    ((randn(1, 3, 4), Const([[0, 1, 1]])), {}),
    ((randn(3, 4), Const([0.0, 1.0, 1.0])), {}),
    ((np.zeros((2, 0)), Const([0, 0])), {}),
], ids=["p3", "weight-2d", "weight-size", "weight-dtype", "oob", "negative", "target-size",
        "target-2d", "3d", "float-target", "C0"])
def test_multi_margin_errors(args, kw):
    expect_same_error("multi_margin_loss", *args, **kw)


# ------------------------------------------------------------------------------- poisson
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll(reduction, log_input, full):
    x = randn(3, 4) if log_input else np.abs(randn(3, 4)) + 0.1
    counts = np.round(np.abs(randn(3, 4)) * 3)
    counts[0, :3] = [0.0, 1.0, 2.0]  # the Stirling term's mask at y <= 1
    run_both("poisson_nll_loss", x, Const(counts), log_input=log_input, full=full,
             reduction=reduction)
    # a differentiable target (rates above 1, where every term is finite)
    run_both("poisson_nll_loss", x, np.abs(randn(3, 4)) + 1.5, log_input=log_input, full=full,
             reduction=reduction)


def test_poisson_nll_eps_broadcast_and_legacy():
    run_both("poisson_nll_loss", np.array([0.0, 1.0, 2.0]), Const([0.0, 1.0, 2.0]),
             log_input=False, reduction="none")
    run_both("poisson_nll_loss", np.array([0.0, 1.0, 2.0]), Const([0.0, 1.0, 2.0]),
             log_input=False, eps=0.5, reduction="none")
    run_both("poisson_nll_loss", randn(3, 4), Const(np.abs(randn(4))), reduction="none")
    run_both("poisson_nll_loss", randn(4), Const(np.abs(randn(3, 4))), reduction="none")
    for legacy in LEGACY:
        run_both("poisson_nll_loss", randn(3, 4), Const(np.abs(randn(3, 4))), **legacy)
    expect_same_error("poisson_nll_loss", randn(3, 4), Const(randn(2, 4)))
    expect_same_error("poisson_nll_loss", randn(3, 4), Const(randn(3, 4)), reduction="x")


# ------------------------------------------------------------------------------ gaussian
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (3, 1), (1, 4)])
def test_gaussian_nll(reduction, full, var_shape):
    run_both("gaussian_nll_loss", randn(3, 4), randn(3, 4), RNG.random(var_shape) + 0.1,
             full=full, reduction=reduction)


def test_gaussian_nll_var_clamp_float_and_broadcasting():
    # var below eps is clamped, but its gradient flows as if it were not (PyTorch)
    var = np.array([[1e-9, 0.0, 0.5, 1e-6]] * 3)
    run_both("gaussian_nll_loss", randn(3, 4), randn(3, 4), var, reduction="none")
    run_both("gaussian_nll_loss", randn(3, 4), randn(3, 4), var, eps=1e-3, reduction="sum")
    run_both("gaussian_nll_loss", randn(3, 4), randn(3, 4), 0.5, reduction="none")
    run_both("gaussian_nll_loss", randn(3, 4), randn(4), RNG.random((3, 4)), reduction="none")
    run_both("gaussian_nll_loss", randn(4), randn(3, 4), RNG.random(4), reduction="none")
    run_both("gaussian_nll_loss", randn(2, 3, 4), randn(2, 3, 4), RNG.random((2, 3)))
    run_both("gaussian_nll_loss", randn(1), randn(1), np.array(0.5))
    # a float32 variance with float64 inputs: the libraries round where the float32 value
    # enters at different points (1.5e-8 of 0.04 on one draw of the module's RNG, whose
    # draws depend on the tests run before), so float32's tolerance
    run_both("gaussian_nll_loss", randn(3, 4), randn(3, 4), RNG.random((3, 4)).astype(np.float32),
             reduction="none", rtol=1e-6)


@pytest.mark.parametrize("var,kw", [
    (RNG.random(4), {}), (RNG.random((1, 1)), {}), (np.array(0.5), {}), (-RNG.random((3, 4)), {}),
    (-1.0, {}), (RNG.random((3, 4)), dict(reduction="x")),
], ids=["last-dim", "two-ones", "0d", "negative", "negative-float", "reduction"])
def test_gaussian_nll_errors(var, kw):
    expect_same_error("gaussian_nll_loss", randn(3, 4), randn(3, 4),
                      Const(var) if isinstance(var, np.ndarray) else var, **kw)
    expect_same_error("gaussian_nll_loss", np.zeros((3, 4, 2)), np.zeros((3, 4, 2)),
                      Const(RNG.random((3, 1, 1))))


# ----------------------------------------------------------------------------------- CTC
def log_softmax(a):
    return a - np.log(np.exp(a - a.max(-1, keepdims=True)).sum(-1, keepdims=True)) - \
        a.max(-1, keepdims=True)


def ctc_case(t=6, n=3, c=5, s=4, seed=0):
    rng = np.random.default_rng(seed)
    return log_softmax(rng.standard_normal((t, n, c))), rng.integers(1, c, (n, s))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc(reduction, zero_infinity):
    lp, tg = ctc_case()
    lengths = (Const([6, 5, 4]), Const([4, 2, 0]))
    run_both("ctc_loss", lp, Const(tg), *lengths, reduction=reduction,
             zero_infinity=zero_infinity)
    # concatenated targets, lengths as tuples
    run_both("ctc_loss", lp, Const(np.concatenate([tg[0], tg[1, :2]])), (6, 5, 4), (4, 2, 0),
             reduction=reduction, zero_infinity=zero_infinity)
    # repeated labels need a blank between them; an impossible alignment is inf (or 0)
    run_both("ctc_loss", lp, Const([[1, 1, 2, 2], [1, 1, 1, 1], [3, 3, 3, 0]]),
             Const([6, 6, 4]), Const([4, 4, 3]), reduction=reduction,
             zero_infinity=zero_infinity)
    # zero input lengths: -0 for an empty target, inf otherwise
    run_both("ctc_loss", lp, Const(tg), Const([6, 0, 0]), Const([4, 0, 1]), reduction=reduction,
             zero_infinity=zero_infinity)


@pytest.mark.parametrize("seed", range(6))
def test_ctc_random_sizes(seed):
    rng = np.random.default_rng(100 + seed)
    t, n, c = int(rng.integers(1, 30)), int(rng.integers(1, 6)), int(rng.integers(2, 10))
    lp = log_softmax(rng.standard_normal((t, n, c)) * 2)
    il = rng.integers(0, t + 1, n)
    tl = np.minimum(rng.integers(0, 8, n), il)
    tg = rng.integers(1, c, (n, int(tl.max()) + 2))
    for reduction in REDUCTIONS:
        for zi in (False, True):
            run_both("ctc_loss", lp, Const(tg), Const(il), Const(tl), reduction=reduction,
                     zero_infinity=zi)


def test_ctc_through_log_softmax_and_unnormalised():
    """The gradient w.r.t. logits through log_softmax, and PyTorch's gradient formula
    (exp(lp) - ...) on log_probs that are not normalised."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 2, 6))
    tg = rng.integers(1, 6, (2, 3))
    xt = torch.tensor(x, requires_grad=True)
    xo = autograd.tensor(x, requires_grad=True)
    TF.ctc_loss(xt.log_softmax(2), torch.tensor(tg), (8, 7), (3, 2)).backward()
    F.ctc_loss(F.log_softmax(xo, 2), autograd.tensor(tg), (8, 7), (3, 2)).backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    run_both("ctc_loss", x, Const(tg), (8, 7), (3, 2), reduction="none")


def test_ctc_unbatched_blank_and_dtypes():
    lp, tg = ctc_case()
    for reduction in REDUCTIONS:
        run_both("ctc_loss", lp[:, 0], Const(tg[0]), Const(6), Const(4), reduction=reduction)
        run_both("ctc_loss", lp[:, 0], Const(tg[:1]), (6,), (4,), reduction=reduction)
    run_both("ctc_loss", lp, Const(np.where(tg == 2, 0, tg)), Const([6, 5, 4]), Const([4, 2, 0]),
             blank=2, reduction="none")
    run_both("ctc_loss", lp, Const(tg - 1), Const([6, 5, 4]), Const([4, 2, 2]), blank=4)
    run_both("ctc_loss", lp, Const(tg.astype(np.int32)), Const(np.array([6, 5, 4], np.int32)),
             Const(np.array([4, 2, 0], np.int32)), reduction="none")
    run_both("ctc_loss", lp, Const(tg), Const([6, 5, 4]), Const([0, 0, 0]))
    # a target equal to blank (invalid, but PyTorch computes it): same numbers
    run_both("ctc_loss", lp, Const(np.zeros((3, 4), np.int64)), Const([6, 5, 4]),
             Const([4, 2, 0]), reduction="none")
    run_both("ctc_loss", lp.astype(np.float32), Const(tg), Const([6, 5, 4]), Const([4, 2, 0]),
             reduction="none", atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("args,kw", [
    ((Const([7, 5, 4]), Const([4, 2, 0])), {}),
    ((Const([6, 5, 4]), Const([5, 2, 0])), {}),
    ((Const([6, 5]), Const([4, 2, 0])), {}),
    ((Const([6, 5, 4]), Const([4, 2])), {}),
    ((Const([6, -1, 4]), Const([4, 2, 0])), {}),
    ((Const([6, 5, 4]), Const([4, -1, 0])), {}),
    ((Const([6, 5, 4]), Const([4, 2, 0])), dict(blank=5)),
    ((Const([6, 5, 4]), Const([4, 2, 0])), dict(blank=-1)),
    ((Const([6.0, 5.0, 4.0]), Const([4, 2, 0])), {}),
    ((Const([6, 5, 4]), Const([4, 2, 0])), dict(reduction="x")),
], ids=["il-too-big", "tl-too-big", "il-size", "tl-size", "il-negative", "tl-negative",
        "blank-high", "blank-negative", "il-float", "reduction"])
def test_ctc_errors(args, kw):
    lp, tg = ctc_case()
    expect_same_error("ctc_loss", lp, Const(tg), *args, **kw)


def test_ctc_target_errors():
    lp, tg = ctc_case()
    expect_same_error("ctc_loss", lp[None], Const(tg), Const([6, 5, 4]), Const([4, 2, 0]))
    expect_same_error("ctc_loss", lp, Const(tg[:2]), Const([6, 5, 4]), Const([4, 2, 0]))
    expect_same_error("ctc_loss", lp, Const(tg[0, :5]), Const([6, 5, 4]), Const([4, 2, 0]))
    expect_same_error("ctc_loss", lp[:0], Const(tg), Const([0, 0, 0]), Const([0, 0, 0]))
    expect_same_error("ctc_loss", lp.astype(np.int64), Const(tg), Const([6, 5, 4]),
                      Const([4, 2, 0]))


# ------------------------------------------------------------------------------- modules
MODULES = [
    ("CosineEmbeddingLoss", dict(margin=0.2), lambda: (randn(3, 4), randn(3, 4), Const(signs(3)))),
    ("MarginRankingLoss", dict(margin=0.1, reduction="sum"),
     lambda: (randn(4), randn(4), Const(signs(4)))),
    ("TripletMarginLoss", dict(p=1.0, swap=True), lambda: (randn(3, 4), randn(3, 4), randn(3, 4))),
    ("TripletMarginWithDistanceLoss", dict(margin=0.5, swap=True),
     lambda: (randn(3, 4), randn(3, 4), randn(3, 4))),
    ("HingeEmbeddingLoss", dict(margin=0.7), lambda: (randn(3, 4), Const(signs(3, 4)))),
    ("SoftMarginLoss", dict(reduce=False), lambda: (randn(3, 4), Const(signs(3, 4)))),
    ("MultiLabelSoftMarginLoss", dict(reduction="none"),
     lambda: (randn(3, 4), Const(np.ones((3, 4))))),
    ("MultiLabelMarginLoss", dict(size_average=False),
     lambda: (randn(3, 4), Const(_multilabel_targets(3, 4)))),
    ("MultiMarginLoss", dict(p=2, margin=0.5), lambda: (randn(3, 4), Const([0, 3, 1]))),
    ("PoissonNLLLoss", dict(log_input=False, full=True),
     lambda: (np.abs(randn(3, 4)) + 0.1, Const(np.round(np.abs(randn(3, 4)) * 4)))),
    ("GaussianNLLLoss", dict(full=True, eps=1e-3),
     lambda: (randn(3, 4), randn(3, 4), RNG.random((3, 1)))),
    ("CTCLoss", dict(blank=0, zero_infinity=True),
     lambda: (ctc_case()[0], Const(ctc_case()[1]), (6, 5, 4), (4, 2, 1))),
]


@pytest.mark.parametrize("cls,kw,data", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules(cls, kw, data):
    ours, theirs = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(ours) == repr(theirs)
    assert ours.reduction == theirs.reduction
    run_both(None, *data(), module=cls, module_kw=kw)


def test_weighted_modules_register_weight_buffers():
    w = RNG.random(4) + 0.1
    for cls in ("MultiLabelSoftMarginLoss", "MultiMarginLoss"):
        ours, theirs = getattr(nn, cls)(weight=autograd.tensor(w)), \
            getattr(torch.nn, cls)(weight=torch.tensor(w))
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    run_both(None, randn(3, 4), Const([0, 3, 1]), module="MultiMarginLoss",
             module_kw=dict(weight=Const(w)))


def test_module_constructor_errors():
    for cls, kw in (("TripletMarginLoss", dict(margin=0.0)),
                    ("TripletMarginWithDistanceLoss", dict(margin=-1.0)),
                    ("MultiMarginLoss", dict(p=3))):
        with pytest.raises(ValueError):
            getattr(torch.nn, cls)(**kw)
        with pytest.raises(ValueError):
            getattr(nn, cls)(**kw)
    with pytest.raises(ValueError, match="1D tensor"):
        nn.MultiMarginLoss(weight=autograd.ones(2, 2))
