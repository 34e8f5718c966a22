"""Count-based classification metrics against scikit-learn (functional versions)."""
import warnings

import numpy as np
import pytest

import autograd as torch
from autograd.metrics import functional as MF

sk = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference")

RNG = np.random.default_rng(0)
N, C = 200, 5
LOGITS = RNG.normal(size=(N, C)).astype(np.float32)
LABELS = RNG.integers(0, C, N)
PRED = LOGITS.argmax(1)
PROB = RNG.random(N).astype(np.float32)
YBIN = RNG.integers(0, 2, N)

SK = {"precision": sk.precision_score, "recall": sk.recall_score, "f1_score": sk.f1_score}


def close(t, ref, atol=1e-6):
    assert isinstance(t, torch.Tensor)
    np.testing.assert_allclose(t.numpy(), ref, rtol=1e-5, atol=atol)


@pytest.mark.parametrize("name", ["precision", "recall", "f1_score"])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted"])
def test_multiclass_averages_match_sklearn(name, average):
    got = getattr(MF, name)(torch.tensor(LOGITS), torch.tensor(LABELS), task="multiclass",
                            num_classes=C, average=average)
    close(got, SK[name](LABELS, PRED, average=average, zero_division=0))
    assert got.dtype == torch.float32 and got.shape == ()


@pytest.mark.parametrize("name", ["precision", "recall", "f1_score"])
def test_multiclass_per_class_matches_sklearn(name):
    got = getattr(MF, name)(LOGITS, LABELS, task="multiclass", num_classes=C, average="none")
    close(got, SK[name](LABELS, PRED, average=None, labels=range(C), zero_division=0))
    assert got.shape == (C,)


@pytest.mark.parametrize("beta", [0.5, 2.0])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted", "none"])
def test_fbeta_matches_sklearn(beta, average):
    got = MF.fbeta_score(LOGITS, LABELS, task="multiclass", beta=beta, num_classes=C,
                         average=average)
    ref = sk.fbeta_score(LABELS, PRED, beta=beta, labels=range(C), zero_division=0,
                         average=None if average == "none" else average)
    close(got, ref)


def test_macro_skips_classes_absent_from_target_and_predictions():
    # class 3 and 4 never occur: sklearn's default labels leave them out of 'macro'
    y = np.array([0, 1, 2, 2, 1, 0, 0])
    p = np.array([0, 2, 2, 1, 1, 0, 1])
    for name in SK:
        got = getattr(MF, name)(p, y, task="multiclass", num_classes=5, average="macro")
        close(got, SK[name](y, p, average="macro", zero_division=0))


def test_class_only_predicted_counts_in_macro_like_sklearn():
    y = np.array([0, 0, 1, 1])
    p = np.array([0, 2, 1, 1])   # class 2 predicted, never true: precision 0, recall 0/0 -> 0
    for name in SK:
        got = getattr(MF, name)(p, y, task="multiclass", num_classes=3, average="macro")
        close(got, SK[name](y, p, average="macro", zero_division=0))


def test_accuracy_multiclass_micro_macro_weighted():
    lt, yt = torch.tensor(LOGITS), torch.tensor(LABELS)
    close(MF.accuracy(lt, yt, task="multiclass", num_classes=C), sk.accuracy_score(LABELS, PRED))
    close(MF.accuracy(lt, yt, task="multiclass", num_classes=C, average="macro"),
          sk.balanced_accuracy_score(LABELS, PRED))
    close(MF.accuracy(lt, yt, task="multiclass", num_classes=C, average="weighted"),
          sk.recall_score(LABELS, PRED, average="weighted"))
    close(MF.accuracy(lt, yt, task="multiclass", num_classes=C, average="none"),
          sk.recall_score(LABELS, PRED, average=None))


@pytest.mark.parametrize("k", [1, 2, 4])
def test_top_k_accuracy(k):
    got = MF.accuracy(torch.tensor(LOGITS), torch.tensor(LABELS), task="multiclass",
                      num_classes=C, top_k=k)
    close(got, sk.top_k_accuracy_score(LABELS, LOGITS, k=k, labels=range(C)))


def test_top_k_precision_and_recall_count_every_predicted_class():
    scores = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1]])
    y = np.array([1, 1, 0, 2])
    # top-2 sets: {0,1} {1,2} {2,1} {0,1}; hits: rows 0, 1 -> tp=2, 8 predictions, 4 positives
    close(MF.precision(scores, y, task="multiclass", num_classes=3, top_k=2), 2 / 8)
    close(MF.recall(scores, y, task="multiclass", num_classes=3, top_k=2), 2 / 4)
    close(MF.accuracy(scores, y, task="multiclass", num_classes=3, top_k=2), 2 / 4)


def test_num_classes_inferred_from_float_scores_and_required_for_labels():
    close(MF.accuracy(LOGITS, LABELS, task="multiclass"), sk.accuracy_score(LABELS, PRED))
    with pytest.raises(ValueError, match="num_classes"):
        MF.accuracy(PRED, LABELS, task="multiclass")


@pytest.mark.parametrize("form", ["prob", "logit", "label"])
def test_binary_matches_sklearn(form):
    hard = (PROB > 0.5).astype(np.int64)
    preds = {"prob": PROB, "logit": np.log(PROB / (1 - PROB)), "label": hard}[form]
    close(MF.accuracy(preds, YBIN, task="binary"), sk.accuracy_score(YBIN, hard))
    for name, fn in SK.items():
        close(getattr(MF, name)(torch.tensor(preds), torch.tensor(YBIN), task="binary"),
              fn(YBIN, hard), atol=1e-6)
    close(MF.fbeta_score(preds, YBIN, task="binary", beta=2.0), sk.fbeta_score(YBIN, hard, beta=2.0))


def test_binary_threshold():
    hard = (PROB > 0.8).astype(np.int64)
    close(MF.precision(PROB, YBIN, task="binary", threshold=0.8), sk.precision_score(YBIN, hard))


@pytest.mark.parametrize("average", ["micro", "macro", "weighted", "none"])
def test_multilabel_matches_sklearn(average):
    scores = RNG.random((60, 4))
    y = RNG.integers(0, 2, (60, 4))
    hard = (scores > 0.5).astype(int)
    avg = None if average == "none" else average
    for name, fn in SK.items():
        close(getattr(MF, name)(scores, y, task="multilabel", num_labels=4, average=average),
              fn(y, hard, average=avg, zero_division=0))
    acc = MF.accuracy(scores, y, task="multilabel", num_labels=4, average="micro")
    close(acc, np.mean(hard == y))


def test_zero_division_gives_zero_without_warning():
    y = np.array([0, 0, 0, 0])
    p = np.array([0.1, 0.2, 0.3, 0.4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in SK:
            assert getattr(MF, name)(p, y, task="binary").item() == 0.0
        assert MF.precision(np.ones(3, int), np.zeros(3, int), task="multiclass",
                            num_classes=3, average="macro").item() == 0.0


def test_ignore_index_drops_those_targets():
    y = LABELS.copy()
    y[::7] = -100
    keep = y != -100
    got = MF.f1_score(LOGITS, y, task="multiclass", num_classes=C, average="macro",
                      ignore_index=-100)
    close(got, sk.f1_score(LABELS[keep], PRED[keep], average="macro"))


def test_argument_errors():
    with pytest.raises(ValueError, match="task"):
        MF.accuracy(PRED, LABELS, task="multi")
    with pytest.raises(ValueError, match="average"):
        MF.precision(PRED, LABELS, task="multiclass", num_classes=C, average="samples")
    with pytest.raises(ValueError, match="target"):
        MF.recall(PRED, LABELS + 1, task="multiclass", num_classes=C)
    with pytest.raises(ValueError, match="top_k"):
        MF.accuracy(PRED, LABELS, task="multiclass", num_classes=C, top_k=2)
    with pytest.raises(ValueError, match="beta"):
        MF.fbeta_score(PRED, LABELS, task="multiclass", num_classes=C, beta=0)
    with pytest.raises(ValueError, match="same shape"):
        MF.accuracy(PROB[:5], YBIN, task="binary")


@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix_multiclass(normalize):
    got = MF.confusion_matrix(torch.tensor(LOGITS), torch.tensor(LABELS), task="multiclass",
                              num_classes=C, normalize=normalize)
    ref = sk.confusion_matrix(LABELS, PRED, labels=range(C), normalize=normalize)
    close(got, ref)
    assert got.dtype == (torch.int64 if normalize is None else torch.float32)


def test_confusion_matrix_binary_and_multilabel():
    close(MF.confusion_matrix(PROB, YBIN, task="binary"),
          sk.confusion_matrix(YBIN, (PROB > 0.5).astype(int)))
    scores, y = RNG.random((40, 3)), RNG.integers(0, 2, (40, 3))
    close(MF.confusion_matrix(scores, y, task="multilabel", num_labels=3),
          sk.multilabel_confusion_matrix(y, (scores > 0.5).astype(int)))
