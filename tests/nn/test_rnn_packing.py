"""Issue 12 without torch: ``nn.utils.rnn`` (PackedSequence and the pack/pad helpers),
RNN/LSTM/GRU on packed input (each sequence as if run alone), ``LSTM(proj_size=...)``
(gradcheck and double backward), ``Embedding(scale_grad_by_freq=True)`` and
``EmbeddingBag`` / ``F.embedding_bag`` against their definitions."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from nn.utils import rnn as R


def t(a, **kw):
    return autograd.tensor(np.asarray(a, dtype=np.float64), **kw)


# --------------------------------------------------------------------- PackedSequence
def test_packed_sequence_is_a_namedtuple_with_conversions():
    p = R.pack_sequence([t(np.ones((3, 2))), t(np.ones((1, 2)))])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert batch_sizes.tolist() == [2, 1, 1] and batch_sizes.dtype == autograd.int64
    assert sorted_indices is None and unsorted_indices is None
    f = p.float()
    assert isinstance(f, R.PackedSequence) and f.data.dtype == autograd.float32
    assert f.double().data.dtype == autograd.float64
    assert p.to(autograd.float32).data.dtype == autograd.float32
    assert p.to("cpu") is p and not p.is_cuda and not p.is_pinned()
    q = R.PackedSequence(data, [2, 1, 1], autograd.tensor([1, 0]))
    assert q.unsorted_indices.tolist() == [1, 0]
    assert R.PackedSequence((data, batch_sizes)).batch_sizes.tolist() == [2, 1, 1]
    assert R.invert_permutation(autograd.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_roundtrips_and_padding_gradients():
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 3)) for n in (2, 5, 1, 3)]
    ts = [t(s, requires_grad=True) for s in seqs]
    p = R.pack_sequence(ts, enforce_sorted=False)
    assert p.batch_sizes.tolist() == [4, 3, 2, 1, 1]
    assert p.sorted_indices.tolist() == [1, 3, 0, 2]
    for a, s in zip(R.unpack_sequence(p), seqs):
        np.testing.assert_array_equal(a.detach().numpy(), s)
    padded, lengths = R.pad_packed_sequence(p, batch_first=True, padding_value=9.0)
    assert lengths.tolist() == [2, 5, 1, 3] and tuple(padded.shape) == (4, 5, 3)
    assert np.all(padded.detach().numpy()[2, 1:] == 9.0)
    padded.sum().backward()
    for x in ts:
        np.testing.assert_array_equal(x.grad.numpy(), np.ones(x.shape))
    # from a padded batch: the padding positions get exactly zero gradient
    x = t(rng.standard_normal((5, 4, 3)), requires_grad=True)
    q = R.pack_padded_sequence(x, autograd.tensor([2, 5, 1, 3]), enforce_sorted=False)
    (q.data * 2).sum().backward()
    g = x.grad.numpy()
    for b, n in enumerate([2, 5, 1, 3]):
        assert np.all(g[:n, b] == 2) and np.all(g[n:, b] == 0)


def test_pad_sequence_left_and_unpad():
    a, b = t([1.0, 2.0, 3.0]), t([4.0])
    np.testing.assert_array_equal(
        R.pad_sequence([a, b], batch_first=True, padding_side="left").numpy(),
        [[1, 2, 3], [0, 0, 4]])
    padded = R.pad_sequence([a, b], padding_value=-1.0)
    assert padded.numpy().tolist() == [[1, 4], [2, -1], [3, -1]]
    out = R.unpad_sequence(padded, [3, 1])
    assert [o.numpy().tolist() for o in out] == [[1, 2, 3], [4]]


def test_packing_errors():
    x = autograd.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        R.pack_padded_sequence(x, [1, 2])
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_padded_sequence(x, [2, 0])
    with pytest.raises(RuntimeError, match="exceeds the padded length"):
        R.pack_padded_sequence(x, [4, 1])
    with pytest.raises(RuntimeError, match="batch_size"):
        R.pack_padded_sequence(x, [2, 1, 1])
    with pytest.raises(ValueError, match="total_length"):
        R.pad_packed_sequence(R.pack_padded_sequence(x, [3, 1]), total_length=2)
    with pytest.raises(RuntimeError, match="padding_side"):
        R.pad_sequence([x], padding_side="middle")
    with pytest.raises(TypeError, match="PackedSequence"):
        R.pad_packed_sequence(x)


# --------------------------------------------------------------------- packed RNNs
@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("proj", [0, 2])
def test_packed_equals_each_sequence_alone(cls, bidirectional, proj):
    if proj and cls is not nn.LSTM:
        pytest.skip("proj_size is LSTM only")
    autograd.manual_seed(0)
    kw = dict(num_layers=2, bidirectional=bidirectional)
    if proj:
        kw["proj_size"] = proj
    m = cls(3, 4, **kw).double()
    rng = np.random.default_rng(1)
    lengths = [3, 6, 1, 4]
    seqs = [rng.standard_normal((n, 3)) for n in lengths]
    packed = R.pack_sequence([t(s) for s in seqs], enforce_sorted=False)
    out, hn = m(packed)
    assert isinstance(out, R.PackedSequence)
    assert out.batch_sizes.tolist() == packed.batch_sizes.tolist()
    padded, _ = R.pad_packed_sequence(out)
    finals = list(hn) if cls is nn.LSTM else [hn]
    for b, s in enumerate(seqs):
        o, h = m(t(s))  # unbatched: this sequence alone
        hs = list(h) if cls is nn.LSTM else [h]
        np.testing.assert_allclose(padded.detach().numpy()[:lengths[b], b], o.detach().numpy(),
                                   atol=1e-12)
        assert np.all(padded.detach().numpy()[lengths[b]:, b] == 0)
        for f, g in zip(finals, hs):
            np.testing.assert_allclose(f.detach().numpy()[:, b], g.detach().numpy(), atol=1e-12)


def test_packed_input_checks():
    m = nn.GRU(3, 4)
    p = R.pack_sequence([autograd.zeros(2, 3), autograd.zeros(1, 3)])
    with pytest.raises(RuntimeError, match="hidden size"):
        m(p, autograd.zeros(1, 3, 4))
    with pytest.raises(ValueError, match="dtype"):
        m(p.double())
    with pytest.raises(RuntimeError, match="input_size"):
        nn.GRU(5, 4)(p)


def test_proj_lstm_gradcheck_and_double_backward():
    autograd.manual_seed(0)
    m = nn.LSTM(2, 3, proj_size=2, bidirectional=True).double()
    x = t(np.random.default_rng(0).standard_normal((3, 2, 2)), requires_grad=True)
    params = list(m.parameters())
    assert autograd.gradcheck(lambda x_: m(x_)[0], (x,), eps=1e-6, atol=1e-6)
    out, (h, c) = m(x)
    (gx,) = autograd.grad((out * out).sum() + c.sum(), (x,), create_graph=True)
    gg = autograd.grad((gx * gx).sum(), params[:1])
    assert tuple(gg[0].shape) == tuple(params[0].shape)


# --------------------------------------------------------------------- embeddings
def test_embedding_scale_grad_by_freq_divides_by_count():
    e = nn.Embedding(5, 2, scale_grad_by_freq=True).double()
    idx = autograd.tensor([[0, 3, 3], [3, 1, 0]])
    e(idx).sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy()[:, 0], [1, 1, 0, 1, 0])
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(5, 2, sparse=True)(idx)


def test_embedding_bag_definitions():
    rng = np.random.default_rng(0)
    w = t(rng.standard_normal((6, 3)), requires_grad=True)
    idx = autograd.tensor([1, 2, 2, 5, 0, 4])
    offs = autograd.tensor([0, 3, 3])
    W = w.detach().numpy()
    s = F.embedding_bag(idx, w, offs, mode="sum").detach().numpy()
    np.testing.assert_allclose(s, [W[1] + 2 * W[2], np.zeros(3), W[5] + W[0] + W[4]])
    mean = F.embedding_bag(idx, w, offs, mode="mean", padding_idx=2).detach().numpy()
    np.testing.assert_allclose(mean, [W[1], np.zeros(3), (W[5] + W[0] + W[4]) / 3])
    mx = F.embedding_bag(idx, w, offs, mode="max")
    np.testing.assert_allclose(mx.detach().numpy()[2], np.max(W[[5, 0, 4]], 0))
    mx.sum().backward()
    g = w.grad.numpy()
    assert g.sum() == 6 and np.all(g[3] == 0)  # one row per bag and feature (bag 1 empty)
    psw = t(rng.standard_normal(6), requires_grad=True)
    out = F.embedding_bag(idx, w, autograd.tensor([0, 3, 6]), mode="sum", per_sample_weights=psw,
                          include_last_offset=True)
    assert tuple(out.shape) == (2, 3)
    out.sum().backward()
    np.testing.assert_allclose(psw.grad.numpy(), W[[1, 2, 2, 5, 0, 4]].sum(1))
    bag = nn.EmbeddingBag(6, 3, mode="sum")
    assert tuple(bag(autograd.tensor([[1, 2], [3, 4]])).shape) == (2, 3)
    assert repr(bag) == "EmbeddingBag(6, 3, mode='sum')"
