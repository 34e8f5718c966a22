"""Stateful metrics: update over several batches equals the one-shot functional value."""
import numpy as np
import pytest

import autograd as torch
from autograd import metrics
from autograd.metrics import functional as MF

RNG = np.random.default_rng(3)
N, C = 120, 4
LOGITS = RNG.normal(size=(N, C)).astype(np.float32)
LABELS = RNG.integers(0, C, N)
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
PBIN = RNG.random(N).astype(np.float32)
YBIN = RNG.integers(0, 2, N)
REG_T = RNG.normal(size=(N, 2))
REG_P = REG_T + RNG.normal(scale=0.3, size=(N, 2))
SPLITS = [0, 17, 50, 91, N]   # uneven batches

CASES = [
    (metrics.Accuracy, MF.accuracy, dict(task="multiclass", num_classes=C), LOGITS, LABELS),
    (metrics.Accuracy, MF.accuracy, dict(task="multiclass", num_classes=C, top_k=2),
     LOGITS, LABELS),
    (metrics.Accuracy, MF.accuracy, dict(task="binary"), PBIN, YBIN),
    (metrics.Precision, MF.precision, dict(task="multiclass", num_classes=C, average="macro"),
     LOGITS, LABELS),
    (metrics.Recall, MF.recall, dict(task="multiclass", num_classes=C, average="none"),
     LOGITS, LABELS),
    (metrics.F1Score, MF.f1_score, dict(task="multiclass", num_classes=C, average="weighted"),
     LOGITS, LABELS),
    (metrics.F1Score, MF.f1_score, dict(task="binary"), PBIN, YBIN),
    (metrics.FBetaScore, MF.fbeta_score, dict(task="multiclass", beta=2.0, num_classes=C,
                                              average="macro"), LOGITS, LABELS),
    (metrics.ConfusionMatrix, MF.confusion_matrix, dict(task="multiclass", num_classes=C),
     LOGITS, LABELS),
    (metrics.ConfusionMatrix, MF.confusion_matrix, dict(task="binary", normalize="true"),
     PBIN, YBIN),
    (metrics.AUROC, MF.auroc, dict(task="multiclass", num_classes=C), PROBS, LABELS),
    (metrics.AUROC, MF.auroc, dict(task="binary"), PBIN, YBIN),
    (metrics.AveragePrecision, MF.average_precision, dict(task="multiclass", num_classes=C,
                                                          average="weighted"), PROBS, LABELS),
    (metrics.MeanSquaredError, MF.mean_squared_error, {}, REG_P, REG_T),
    (metrics.MeanSquaredError, MF.mean_squared_error, dict(squared=False), REG_P, REG_T),
    (metrics.MeanAbsoluteError, MF.mean_absolute_error, {}, REG_P, REG_T),
    (metrics.R2Score, MF.r2_score, dict(multioutput="raw_values"), REG_P, REG_T),
    (metrics.R2Score, MF.r2_score, {}, REG_P[:, 0], REG_T[:, 0]),
]
IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]


def batches(preds, target):
    for a, b in zip(SPLITS[:-1], SPLITS[1:]):
        yield torch.tensor(preds[a:b]), torch.tensor(target[a:b])


@pytest.mark.parametrize(("cls", "fn", "kwargs", "preds", "target"), CASES, ids=IDS)
def test_accumulated_equals_one_shot(cls, fn, kwargs, preds, target):
    m = cls(**kwargs)
    for p, t in batches(preds, target):
        m.update(p, t)
    assert m.update_count == len(SPLITS) - 1
    want = fn(torch.tensor(preds), torch.tensor(target), **kwargs)
    got = m.compute()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("cls", "fn", "kwargs", "preds", "target"), CASES, ids=IDS)
def test_call_returns_batch_value_and_accumulates(cls, fn, kwargs, preds, target):
    m = cls(**kwargs)
    for p, t in batches(preds, target):
        np.testing.assert_allclose(m(p, t).numpy(), fn(p, t, **kwargs).numpy(), rtol=1e-5,
                                   atol=1e-6)
    np.testing.assert_allclose(m.compute().numpy(), fn(preds, target, **kwargs).numpy(),
                               rtol=1e-5, atol=1e-6)
    m.reset()
    p, t = next(batches(preds, target))
    m.update(p, t)
    np.testing.assert_allclose(m.compute().numpy(), fn(p, t, **kwargs).numpy(), rtol=1e-5,
                               atol=1e-6)


def test_num_classes_inferred_at_first_update_and_checked_after():
    m = metrics.Accuracy(task="multiclass")
    m.update(LOGITS[:10], LABELS[:10])
    m.update(LOGITS[10:], LABELS[10:])
    assert m.compute().item() == pytest.approx(float(np.mean(LOGITS.argmax(1) == LABELS)))
    with pytest.raises(ValueError, match="changed shape"):
        m.update(LOGITS[:, :3], np.minimum(LABELS, 2))


def test_compute_before_update_is_zero_and_metrics_reach_from_autograd():
    assert torch.metrics.F1Score(task="multiclass", num_classes=3).compute().item() == 0.0
    assert torch.metrics.Recall(task="binary").compute().item() == 0.0
    assert metrics.Accuracy.higher_is_better and not metrics.MeanSquaredError.higher_is_better


def test_constructor_checks_arguments():
    with pytest.raises(ValueError, match="task"):
        metrics.Precision(task="bin")
    with pytest.raises(ValueError, match="average"):
        metrics.Recall(task="multiclass", num_classes=3, average="samples")
    with pytest.raises(ValueError, match="num_labels"):
        metrics.F1Score(task="multilabel")
    with pytest.raises(ValueError, match="normalize"):
        metrics.ConfusionMatrix(task="binary", normalize="rows")


def test_multilabel_and_r2_constant_target_accumulate():
    scores, y = RNG.random((50, 3)), RNG.integers(0, 2, (50, 3))
    m = metrics.Precision(task="multilabel", num_labels=3, average="macro")
    m.update(scores[:20], y[:20])
    m.update(scores[20:], y[20:])
    want = MF.precision(scores, y, task="multilabel", num_labels=3, average="macro")
    assert m.compute().item() == pytest.approx(want.item())
    r2 = metrics.R2Score()
    t = np.full(12, 3.0)
    r2.update(t[:5], t[:5])
    r2.update(t[5:], t[5:])
    assert r2.compute().item() == 1.0       # scikit-learn: a constant target predicted exactly
    r2.update(t[:2] + 1, t[:2])
    assert r2.compute().item() == 0.0


def test_outputs_that_require_grad_are_read_without_tracking():
    w = torch.tensor(LOGITS, requires_grad=True)
    out = metrics.Accuracy(task="multiclass")(w * 2, torch.tensor(LABELS))
    assert not out.requires_grad
    assert out.item() == pytest.approx(float(np.mean(LOGITS.argmax(1) == LABELS)))
