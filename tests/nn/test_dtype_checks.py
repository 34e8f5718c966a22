"""Layers and functional ops check dtypes as PyTorch does: a float32 layer given an
integer or float64 input raises PyTorch's exception class (no silent float64 result)."""
import pytest

import autograd
import nn
import nn.functional as F

F32, F64, I64 = autograd.float32, autograd.float64, autograd.int64


def _x(shape, dtype):
    return autograd.ones(*shape, dtype=dtype)


@pytest.mark.parametrize("dtype", [F64, I64])
def test_linear(dtype):
    with pytest.raises(RuntimeError, match="same dtype"):
        nn.Linear(3, 4)(_x((2, 3), dtype))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(_x((2, 3), F32), _x((4, 3), F32), _x((4,), F64))


@pytest.mark.parametrize("dtype", [F64, I64])
@pytest.mark.parametrize("make,shape", [
    (lambda: nn.Conv1d(1, 1, 2), (1, 1, 4)),
    (lambda: nn.Conv2d(1, 1, 2), (1, 1, 4, 4)),
    (lambda: nn.Conv2d(1, 1, 2, bias=False), (1, 1, 4, 4)),
    (lambda: nn.ConvTranspose1d(1, 1, 2), (1, 1, 4)),
    (lambda: nn.ConvTranspose2d(1, 1, 2), (1, 1, 4, 4)),
])
def test_conv(make, shape, dtype):
    with pytest.raises(RuntimeError, match="type"):
        make()(_x(shape, dtype))


@pytest.mark.parametrize("dtype", [F64, I64])
@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
def test_rnn_input(cls, dtype):
    with pytest.raises(ValueError, match="does not match weight dtype"):
        cls(3, 4)(_x((2, 1, 3), dtype))


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU])
def test_rnn_initial_state(cls):
    with pytest.raises(RuntimeError, match="same dtype"):
        cls(3, 4)(_x((2, 1, 3), F32), _x((1, 1, 4), F64))


@pytest.mark.parametrize("dtype", [F64, I64])
@pytest.mark.parametrize("cls", [nn.RNNCell, nn.GRUCell, nn.LSTMCell])
def test_rnn_cells(cls, dtype):
    with pytest.raises(RuntimeError, match="same dtype"):
        cls(3, 4)(_x((2, 3), dtype))


@pytest.mark.parametrize("dtype", [F32, F64, autograd.int8, autograd.bool])
def test_embedding_indices_must_be_long_or_int(dtype):
    with pytest.raises(RuntimeError, match="indices"):
        nn.Embedding(5, 3)(_x((2,), dtype))
    assert nn.Embedding(5, 3)(_x((2,), autograd.int32)).dtype == F32


@pytest.mark.parametrize("dtype", [F64, I64])
def test_layer_norm(dtype):
    with pytest.raises(RuntimeError, match="mixed dtype"):
        nn.LayerNorm(3)(_x((2, 3), dtype))
    with pytest.raises(NotImplementedError):
        F.layer_norm(_x((2, 3), I64), (3,))
    assert F.layer_norm(_x((2, 3), F64), (3,)).dtype == F64


@pytest.mark.parametrize("train", [True, False])
def test_batch_norm(train):
    bn = nn.BatchNorm1d(3).train(train)
    with pytest.raises(RuntimeError, match="mixed dtype"):
        bn(_x((2, 3), F64))
    with pytest.raises(NotImplementedError):
        bn(_x((2, 3), I64))


def test_matching_dtypes_still_work():
    assert nn.Linear(3, 4).double()(_x((2, 3), F64)).dtype == F64
    assert nn.Conv1d(1, 1, 2)(_x((1, 1, 4), F32)).dtype == F32
    assert nn.GRU(3, 4)(_x((2, 1, 3), F32))[0].dtype == F32
