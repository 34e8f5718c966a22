"""MSE, MAE and R^2 against scikit-learn (arguments are (preds, target) as in torchmetrics)."""
import numpy as np
import pytest

import autograd as torch
from autograd.metrics import functional as MF

sk = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference")

RNG = np.random.default_rng(2)
TARGET = RNG.normal(size=(40, 3))
PREDS = TARGET + RNG.normal(scale=0.5, size=(40, 3))


def close(t, ref, rtol=1e-6):
    assert isinstance(t, torch.Tensor)
    np.testing.assert_allclose(t.numpy(), ref, rtol=rtol, atol=1e-9)


def test_mse_rmse_mae():
    p, t = torch.tensor(PREDS), torch.tensor(TARGET)
    close(MF.mean_squared_error(p, t), sk.mean_squared_error(TARGET, PREDS))
    close(MF.mean_squared_error(p, t, squared=False), np.sqrt(sk.mean_squared_error(TARGET, PREDS)))
    close(MF.mean_absolute_error(p, t), sk.mean_absolute_error(TARGET, PREDS))
    assert MF.mean_squared_error(p, t).dtype == torch.float64


def test_float32_inputs_give_float32():
    out = MF.mean_absolute_error(PREDS.astype(np.float32), TARGET.astype(np.float32))
    assert out.dtype == torch.float32
    close(out, sk.mean_absolute_error(TARGET, PREDS), rtol=1e-5)


@pytest.mark.parametrize("multioutput", ["uniform_average", "variance_weighted", "raw_values"])
def test_r2_multioutput(multioutput):
    close(MF.r2_score(PREDS, TARGET, multioutput=multioutput),
          sk.r2_score(TARGET, PREDS, multioutput=multioutput))


def test_r2_1d_and_adjusted():
    p, t = PREDS[:, 0], TARGET[:, 0]
    r2 = sk.r2_score(t, p)
    close(MF.r2_score(p, t), r2)
    n, k = len(t), 3
    close(MF.r2_score(p, t, adjusted=k), 1 - (1 - r2) * (n - 1) / (n - k - 1))


def test_r2_constant_target_like_sklearn():
    t = np.full(5, 2.0)
    close(MF.r2_score(t, t), sk.r2_score(t, t))                     # 1.0
    close(MF.r2_score(t + 0.1, t), sk.r2_score(t, t + 0.1))         # 0.0


def test_errors():
    with pytest.raises(ValueError, match="two samples"):
        MF.r2_score(PREDS[:1], TARGET[:1])
    with pytest.raises(ValueError, match="multioutput"):
        MF.r2_score(PREDS, TARGET, multioutput="mean")
    with pytest.raises(ValueError, match="same shape"):
        MF.mean_squared_error(PREDS, TARGET[:3])
