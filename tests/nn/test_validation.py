"""Bad arguments to layers, losses and hyper-parameters raise PyTorch's exception class
with a message naming the layer/op (torch-free; the comparison with PyTorch itself is
tests/reference/test_validation_nn_torch.py)."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd.ops import recurrent as R


def X(*shape):
    return autograd.tensor(np.linspace(-1.5, 1.5, int(np.prod(shape))).reshape(shape)
                           .astype(np.float32))


def P(*shape):
    return autograd.tensor(np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape)
                           .astype(np.float32))


def L(values, dtype=autograd.int64):
    return autograd.tensor(values, dtype=dtype)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: nn.LayerNorm(())(X(2, 3)), RuntimeError, "at least 1-dimensional"),
    (lambda: F.layer_norm(X(2, 3), (3,), weight=autograd.ones(4)), RuntimeError,
     "layer_norm: Expected weight"),
    (lambda: F.group_norm(X(2, 3, 4), 2), RuntimeError, "group_norm: .*divisible"),
    (lambda: nn.GroupNorm(0, 3), ValueError, "GroupNorm: num_groups"),
    (lambda: nn.BatchNorm2d(3)(X(2, 4, 5, 5)), RuntimeError,
     "BatchNorm2d: running_mean should contain 4 elements not 3"),
    (lambda: nn.BatchNorm1d(3, eps=-1.0)(X(4, 3)), ValueError, "eps must be positive"),
    (lambda: F.batch_norm(X(2, 3), None, None), RuntimeError, "running_mean must be defined"),
    (lambda: F.binary_cross_entropy(P(3), autograd.tensor([0., 2., 1.])), RuntimeError,
     "binary_cross_entropy: all elements of target"),
    (lambda: F.binary_cross_entropy(P(3), P(3), weight=autograd.ones(2)), RuntimeError,
     "binary_cross_entropy: weight"),
    (lambda: F.binary_cross_entropy_with_logits(X(2, 3), P(2, 3), pos_weight=autograd.ones(2)),
     RuntimeError, "pos_weight"),
    (lambda: F.cross_entropy(X(4, 3), autograd.tensor([0., 1., 2., 1.])), RuntimeError,
     "cross_entropy: expected target dtype to be Long or Byte, but got Float"),
    (lambda: F.nll_loss(X(4, 3), L([0, 1, 2, 1]), weight=autograd.ones(2)), RuntimeError,
     "nll_loss: weight tensor should be defined"),
    (lambda: F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), label_smoothing=1.5), RuntimeError,
     "label_smoothing"),
    (lambda: F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), ignore_index=None), TypeError,
     "ignore_index"),
    (lambda: F.smooth_l1_loss(X(3), P(3), beta=-1.0), RuntimeError, "smooth_l1_loss.*beta"),
    (lambda: F.huber_loss(X(3), P(3), delta=0.0), RuntimeError, "huber_loss.*delta"),
    (lambda: F.mse_loss(X(2), [1., 2.]), TypeError, r"mse_loss\(\): argument 'target'"),
    (lambda: F.l1_loss(None, X(2)), TypeError, r"l1_loss\(\): argument 'input'"),
    (lambda: F.mse_loss(X(3), X(3), reduction="bogus"), ValueError,
     "bogus is not a valid value for reduction"),
    (lambda: F.kl_div(X(3), P(4)), RuntimeError, "kl_div"),
    (lambda: F.leaky_relu(X(3), None), TypeError, "leaky_relu.*negative_slope.*NoneType"),
    (lambda: F.elu(X(3), alpha=None), TypeError, "elu.*alpha"),
    (lambda: F.softplus(X(3), beta=None), TypeError, "softplus.*beta"),
    (lambda: F.hardtanh(X(3), min_val=None), TypeError, "hardtanh.*min_val"),
    (lambda: nn.Dropout(None), TypeError, "Dropout.*'p'"),
    (lambda: F.dropout(X(3), 1.5), ValueError, "dropout probability"),
    (lambda: nn.Linear(None, 3), TypeError, "Linear.*in_features"),
    (lambda: nn.Linear(3, 4)(None), TypeError, r"linear\(\): argument 'input'"),
    (lambda: nn.Embedding(3, 4, padding_idx=5), AssertionError, "Padding_idx"),
    (lambda: nn.Embedding(3, 4, max_norm="a"), TypeError, "max_norm"),
    (lambda: nn.MultiheadAttention(5, 2), AssertionError, "divisible"),
    (lambda: nn.GRU(2, 3)(X(4, 1, 2), (autograd.zeros(1, 1, 3),) * 2), TypeError,
     r"GRU: expected hx to be a Tensor of shape \(num_layers \* num_directions, batch, "
     r"hidden_size\) = \(1, 1, 3\), got tuple"),
    (lambda: nn.LSTM(2, 3)(X(4, 1, 2), autograd.zeros(1, 1, 3)), TypeError,
     r"LSTM: expected hx to be a tuple \(h_0, c_0\)"),
    (lambda: nn.GRU(2, 3)(X(4, 1, 2), autograd.zeros(2, 1, 3)), RuntimeError,
     r"GRU: Expected hidden size \(1, 1, 3\), got \(2, 1, 3\)"),
    (lambda: nn.GRU(2, 3)(X(0, 1, 2)), RuntimeError, "GRU: Expected sequence length"),
    (lambda: nn.GRU(None, 3), TypeError, "GRU: input_size should be of type int"),
    (lambda: nn.LSTMCell(2, 3)(X(4, 2), (autograd.zeros(4, 3),)), RuntimeError,
     "LSTMCell.*two hidden states"),
    (lambda: nn.GRUCell(2, 3)(X(4, 2), autograd.zeros(5, 3)), RuntimeError,
     r"GRUCell: Expected hx of shape \(4, 3\)"),
    (lambda: R.gru_cell(X(4, 2), autograd.zeros(5, 3), X(9, 2), X(9, 3)), RuntimeError,
     r"gru_cell: hx has shape \(5, 3\), expected \(4, 3\)"),
    (lambda: R.lstm_cell(X(4, 2), autograd.zeros(4, 3), None, X(12, 2), X(12, 3)), TypeError,
     "lstm_cell"),
])
def test_rejects_with_pytorch_class(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_valid_calls_still_work():
    """Edge cases PyTorch accepts (and their values where they are simple)."""
    out = F.linear(X(2, 3), X(3))  # 1-D weight: a matrix-vector product
    np.testing.assert_allclose(out.numpy(), X(2, 3).numpy() @ X(3).numpy(), rtol=1e-6)
    out = F.linear(X(2, 3), X(4, 3), X(2, 4))  # bias broadcasting to the output
    np.testing.assert_allclose(out.numpy(), X(2, 3).numpy() @ X(4, 3).numpy().T +
                               X(2, 4).numpy(), rtol=1e-6)
    base = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]))
    neg = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), label_smoothing=-0.1)  # ignored
    assert neg.item() == pytest.approx(base.item())
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert bn(X(2, 4)).shape == (2, 4)  # nothing holds the channel count
    out, h = nn.GRU(2, 3)(X(4, 0, 2))  # empty batch: empty results
    assert out.shape == (4, 0, 3) and h.shape == (1, 0, 3)
    out, (h, c) = nn.LSTM(2, 3, bidirectional=True)(X(4, 0, 2))
    assert out.shape == (4, 0, 6) and c.shape == (2, 0, 3)
    assert nn.Dropout(True).p is True
    assert F.leaky_relu(X(3), autograd.tensor(0.2)).shape == (3,)


def test_nan_results_without_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = X(4, 3).requires_grad_()
        y = nn.LayerNorm(3, eps=-1.0)(x)
        assert np.isnan(y.detach().numpy()).any()
        y.sum().backward()
        F.softplus(x, beta=0)
