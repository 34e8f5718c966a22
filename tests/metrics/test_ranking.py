"""AUROC and average precision against scikit-learn (binary, one-vs-rest, multilabel)."""
import numpy as np
import pytest

import autograd as torch
from autograd.metrics import functional as MF

sk = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference")
from sklearn.preprocessing import label_binarize  # noqa: E402

RNG = np.random.default_rng(1)
N, C = 150, 4
# rounded scores: many ties, which both metrics must treat as one threshold
SCORES = np.round(RNG.random(N), 1)
YBIN = (RNG.random(N) < SCORES * 0.8 + 0.1).astype(np.int64)
LOGITS = RNG.normal(size=(N, C))
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
LABELS = RNG.integers(0, C, N)


def close(t, ref):
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32
    np.testing.assert_allclose(t.numpy(), ref, rtol=1e-5, atol=1e-6)


def test_binary_with_ties():
    p, y = torch.tensor(SCORES), torch.tensor(YBIN)
    close(MF.auroc(p, y, task="binary"), sk.roc_auc_score(YBIN, SCORES))
    close(MF.average_precision(p, y, task="binary"), sk.average_precision_score(YBIN, SCORES))


def test_binary_accepts_logits_unchanged_ranking():
    logits = np.log(SCORES + 0.01) - np.log(1.01 - SCORES)
    close(MF.auroc(logits, YBIN, task="binary"), sk.roc_auc_score(YBIN, SCORES))


@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_multiclass_auroc_one_vs_rest(average):
    got = MF.auroc(torch.tensor(PROBS), torch.tensor(LABELS), task="multiclass",
                   num_classes=C, average=average)
    close(got, sk.roc_auc_score(LABELS, PROBS, multi_class="ovr", average=average))
    # logits get a softmax first, so they give the same numbers
    close(MF.auroc(LOGITS, LABELS, task="multiclass", num_classes=C, average=average), got.numpy())


@pytest.mark.parametrize("average", ["micro", "macro", "weighted", "none"])
def test_multiclass_average_precision_one_vs_rest(average):
    onehot = label_binarize(LABELS, classes=range(C))
    got = MF.average_precision(PROBS, LABELS, task="multiclass", num_classes=C, average=average)
    close(got, sk.average_precision_score(onehot, PROBS,
                                          average=None if average == "none" else average))


def test_multiclass_auroc_per_class_and_micro():
    onehot = label_binarize(LABELS, classes=range(C))
    close(MF.auroc(PROBS, LABELS, task="multiclass", average="none"),
          [sk.roc_auc_score(onehot[:, c], PROBS[:, c]) for c in range(C)])
    close(MF.auroc(PROBS, LABELS, task="multiclass", average="micro"),
          sk.roc_auc_score(onehot, PROBS, average="micro"))


@pytest.mark.parametrize("average", ["micro", "macro", "weighted", "none"])
def test_multilabel(average):
    scores = np.round(RNG.random((80, 3)), 2)
    y = (RNG.random((80, 3)) < scores).astype(np.int64)
    avg = None if average == "none" else average
    close(MF.auroc(scores, y, task="multilabel", num_labels=3, average=average),
          sk.roc_auc_score(y, scores, average=avg))
    close(MF.average_precision(scores, y, task="multilabel", num_labels=3, average=average),
          sk.average_precision_score(y, scores, average=avg))


def test_no_positives_scores_zero():
    y = np.zeros(10, np.int64)
    assert MF.auroc(SCORES[:10], y, task="binary").item() == 0.0
    assert MF.average_precision(SCORES[:10], y, task="binary").item() == 0.0
    # class 3 never occurs: 0 for that class, and it counts in 'macro'
    labels = LABELS % 3
    per = MF.average_precision(PROBS, labels, task="multiclass", num_classes=C, average="none")
    assert per.numpy()[3] == 0.0
    close(MF.average_precision(PROBS, labels, task="multiclass", num_classes=C),
          per.numpy().mean())


def test_ignore_index():
    y = YBIN.copy()
    y[::5] = -1
    keep = y != -1
    close(MF.auroc(SCORES, y, task="binary", ignore_index=-1),
          sk.roc_auc_score(YBIN[keep], SCORES[keep]))


def test_errors():
    with pytest.raises(ValueError, match="floating point"):
        MF.auroc(YBIN, YBIN, task="binary")
    with pytest.raises(ValueError, match="average"):
        MF.auroc(PROBS, LABELS, task="multiclass", average="samples")
    with pytest.raises(ValueError, match="shape"):
        MF.average_precision(PROBS[:, :3], LABELS, task="multiclass", num_classes=C)
