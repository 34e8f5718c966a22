"""Issue 12 against torch: ``nn.utils.rnn`` packing/padding, RNN/LSTM/GRU on a
``PackedSequence``, ``LSTM(proj_size=...)``, ``Embedding(scale_grad_by_freq=True)`` and
``EmbeddingBag`` / ``F.embedding_bag`` — values, h_n/c_n and float64 gradients, with
weights copied through state_dict and NumPy."""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from nn.utils import rnn as R  # noqa: E402

TR = torch.nn.utils.rnn
TF = torch.nn.functional
ATOL = 1e-10


def copy_weights(ours, theirs):
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def close(a, b, atol=ATOL, msg=""):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape, (msg, a.shape, b.shape)
    np.testing.assert_allclose(a, b, atol=atol, rtol=atol, err_msg=msg)


def ints(t):
    return None if t is None else np.asarray(t.numpy() if hasattr(t, "numpy") else t).tolist()


def same_packed(a, b):
    close(a.data, b.data)
    assert ints(a.batch_sizes) == ints(b.batch_sizes)
    assert ints(a.sorted_indices) == ints(b.sorted_indices)
    assert ints(a.unsorted_indices) == ints(b.unsorted_indices)


# --------------------------------------------------------------------- utilities
LENGTHS = [[4, 4, 2, 1], [2, 4, 1, 4, 3], [3], [1, 1, 1]]


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_pad_roundtrip_and_gradients(lengths, batch_first, as_tensor):
    rng = np.random.default_rng(len(lengths))
    T, B = max(lengths) + 1, len(lengths)
    x = rng.standard_normal((B, T, 3) if batch_first else (T, B, 3))
    sorted_ = lengths == sorted(lengths, reverse=True)
    res = []
    for lib, mod in ((autograd, R), (torch, TR)):
        xt = lib.tensor(x, requires_grad=True)
        lens = lib.tensor(lengths) if as_tensor else lengths
        p = mod.pack_padded_sequence(xt, lens, batch_first=batch_first, enforce_sorted=sorted_)
        padded, out_lens = mod.pad_packed_sequence(p, batch_first=batch_first,
                                                   padding_value=-2.5, total_length=T + 1)
        g = lib.tensor(np.cos(np.arange(padded.numel())).reshape(tuple(padded.shape)))
        ((padded * g).sum() + (p.data ** 2).sum()).backward()
        res.append((p, padded, out_lens, xt.grad))
    (po, pado, lo, go), (pt, padt, lt, gt) = res
    same_packed(po, pt)
    close(pado, padt)
    assert ints(lo) == ints(lt) and lo.dtype == autograd.int64
    close(go, gt)  # padding positions: zero gradient in both


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_and_unpad(batch_first, side):
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 2, 3)) for n in (3, 5, 1, 5)]
    res = []
    for lib, mod in ((autograd, R), (torch, TR)):
        ts = [lib.tensor(s, requires_grad=True) for s in seqs]
        out = mod.pad_sequence(ts, batch_first=batch_first, padding_value=7.0, padding_side=side)
        (out * lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape)))).sum().backward()
        res.append((out, [t.grad for t in ts]))
    close(res[0][0], res[1][0])
    for a, b in zip(res[0][1], res[1][1]):
        close(a, b)
    if side == "right":
        un_o = R.unpad_sequence(res[0][0], autograd.tensor([3, 5, 1, 5]), batch_first)
        un_t = TR.unpad_sequence(res[1][0], torch.tensor([3, 5, 1, 5]), batch_first)
        for a, b in zip(un_o, un_t):
            close(a, b)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_and_unpack_sequence(enforce_sorted):
    rng = np.random.default_rng(1)
    ns = (5, 3, 3, 1) if enforce_sorted else (2, 5, 1, 3)
    seqs = [rng.standard_normal((n, 4)) for n in ns]
    po = R.pack_sequence([autograd.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    pt = TR.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    same_packed(po, pt)
    for a, b in zip(R.unpack_sequence(po), TR.unpack_sequence(pt)):
        close(a, b)


@pytest.mark.parametrize("call", [
    lambda m, x: m.pack_padded_sequence(x, [1, 2]),
    lambda m, x: m.pack_padded_sequence(x, [2, 0]),
    lambda m, x: m.pack_padded_sequence(x, [2, 1, 1]),
    lambda m, x: m.pad_sequence([]),
    lambda m, x: m.pad_sequence([x], padding_side="up"),
    lambda m, x: m.pad_packed_sequence(m.pack_padded_sequence(x, [3, 2]), total_length=2),
])
def test_utility_errors_match_torch_types(call):
    with pytest.raises(Exception) as ours:
        call(R, autograd.zeros(3, 2, 1))
    with pytest.raises(Exception) as theirs:
        call(TR, torch.zeros(3, 2, 1))
    assert isinstance(ours.value, type(theirs.value))


# --------------------------------------------------------------------- packed RNNs
KINDS = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM),
         "GRU": (nn.GRU, torch.nn.GRU)}


def run_packed(kind, *, lengths, num_layers=1, bidirectional=False, with_h0=True,
               enforce_sorted=False, batch_first=False, proj_size=0, bias=True,
               nonlinearity="tanh", I=3, H=5, seed=0):
    ours_cls, theirs_cls = KINDS[kind]
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
              bias=bias)
    if proj_size:
        kw["proj_size"] = proj_size
    if kind == "RNN":
        kw["nonlinearity"] = nonlinearity
    torch.manual_seed(seed)
    theirs = theirs_cls(I, H, **kw).double()
    ours = ours_cls(I, H, **kw).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    rng = np.random.default_rng(seed)
    T, B = max(lengths), len(lengths)
    D = 2 if bidirectional else 1
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    shapes = [(num_layers * D, B, proj_size or H), (num_layers * D, B, H)]
    states = [rng.standard_normal(s) * 0.5 for s in shapes[:2 if kind == "LSTM" else 1]]
    res = []
    for lib, mod, m in ((autograd, R, ours), (torch, TR, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(s, requires_grad=True) for s in states] if with_h0 else []
        hx = None if not st else (tuple(st) if kind == "LSTM" else st[0])
        packed = mod.pack_padded_sequence(xt, lengths, batch_first=batch_first,
                                          enforce_sorted=enforce_sorted)
        out, hn = m(packed, hx)
        finals = list(hn) if kind == "LSTM" else [hn]
        padded, _ = mod.pad_packed_sequence(out, batch_first=batch_first)
        g = lib.tensor(np.cos(np.arange(padded.numel()) * 0.7).reshape(tuple(padded.shape)))
        loss = (padded * g).sum() + sum((f * f * (k + 1)).sum() for k, f in enumerate(finals))
        loss.backward()
        res.append(dict(out=out, padded=padded, finals=finals, x=xt, states=st, mod=m))
    return res


def compare_packed(res):
    o, t = res
    same_packed(o["out"], t["out"])
    close(o["padded"], t["padded"])
    assert len(o["finals"]) == len(t["finals"])
    for a, b in zip(o["finals"], t["finals"]):
        close(a, b)
    close(o["x"].grad, t["x"].grad)
    for a, b in zip(o["states"], t["states"]):
        close(a.grad, b.grad)
    tg = dict(t["mod"].named_parameters())
    for n, p in o["mod"].named_parameters():
        close(p.grad, tg[n].grad, msg=n)


PACK_GRID = list(itertools.product([1, 2], [False, True], [False, True]))


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("num_layers,bidirectional,with_h0", PACK_GRID)
def test_packed_matches_torch_float64(kind, num_layers, bidirectional, with_h0):
    compare_packed(run_packed(kind, lengths=[3, 5, 1, 5, 2], num_layers=num_layers,
                              bidirectional=bidirectional, with_h0=with_h0))


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("lengths", [[4, 4, 2, 1], [3, 3], [1], [2, 6, 6, 1, 3, 6]])
def test_packed_sorted_batch_first_and_lengths(kind, lengths):
    sorted_ = lengths == sorted(lengths, reverse=True)
    compare_packed(run_packed(kind, lengths=lengths, bidirectional=True, batch_first=True,
                              enforce_sorted=sorted_))


def test_packed_relu_rnn_and_no_bias():
    compare_packed(run_packed("RNN", lengths=[2, 4, 3], nonlinearity="relu", num_layers=2,
                              bidirectional=True))
    compare_packed(run_packed("GRU", lengths=[2, 4, 3], bias=False, bidirectional=True))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_float32(bidirectional):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(4, 8, bidirectional=bidirectional)
    ours = nn.LSTM(4, 8, bidirectional=bidirectional)
    copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((6, 3, 4)).astype(np.float32)
    po, (ho, co) = ours(R.pack_padded_sequence(autograd.tensor(x), [6, 2, 4],
                                               enforce_sorted=False))
    pt, (ht, ct) = theirs(TR.pack_padded_sequence(torch.tensor(x), [6, 2, 4],
                                                  enforce_sorted=False))
    assert po.data.dtype == autograd.float32
    for a, b in ((po.data, pt.data), (ho, ht), (co, ct)):
        close(a, b, atol=2e-5)


# --------------------------------------------------------------------- proj_size
def test_proj_structure_init_and_repr():
    t = torch.nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    o = nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    assert repr(o) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in o.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert len(o.all_weights) == len(t.all_weights) == 4
    assert [len(w) for w in o.all_weights] == [len(w) for w in t.all_weights]
    bound = 1 / np.sqrt(6)
    for n, p in o.named_parameters():
        v = p.detach().numpy()
        assert v.min() >= -bound and v.max() <= bound, n
    with pytest.raises(ValueError):
        nn.LSTM(3, 6, proj_size=6)
    with pytest.raises(ValueError):
        nn.modules.rnn.RNNBase("GRU", 3, 6, proj_size=2)


PROJ_GRID = list(itertools.product([1, 2], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,with_h0", PROJ_GRID)
def test_proj_lstm_matches_torch_float64(num_layers, bidirectional, batch_first, with_h0):
    torch.manual_seed(1)
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
              proj_size=3)
    theirs = torch.nn.LSTM(4, 5, **kw).double()
    ours = nn.LSTM(4, 5, **kw).double()
    copy_weights(ours, theirs)
    rng = np.random.default_rng(2)
    D = 2 if bidirectional else 1
    x = rng.standard_normal((2, 6, 4) if batch_first else (6, 2, 4))
    h0 = rng.standard_normal((num_layers * D, 2, 3))
    c0 = rng.standard_normal((num_layers * D, 2, 5))
    res = []
    for lib, m in ((autograd, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(h0, requires_grad=True), lib.tensor(c0, requires_grad=True)]
        out, (h, c) = m(xt, tuple(st) if with_h0 else None)
        g = lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape)))
        ((out * g).sum() + (h * h).sum() + (c * 2).sum()).backward()
        res.append((out, h, c, xt.grad, [s.grad for s in st] if with_h0 else [], m))
    o, t = res
    for a, b in zip(o[:4], t[:4]):
        close(a, b)
    assert tuple(o[1].shape) == (num_layers * D, 2, 3) and tuple(o[2].shape) == (num_layers * D, 2, 5)
    for a, b in zip(o[4], t[4]):
        close(a, b)
    tg = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        close(p.grad, tg[n].grad, msg=n)


def test_proj_lstm_unbatched_no_bias_and_packed():
    torch.manual_seed(3)
    theirs = torch.nn.LSTM(4, 5, proj_size=2, bias=False, num_layers=2).double()
    ours = nn.LSTM(4, 5, proj_size=2, bias=False, num_layers=2).double()
    copy_weights(ours, theirs)
    x = np.random.default_rng(3).standard_normal((5, 4))
    oo, (ho, co) = ours(autograd.tensor(x))
    ot, (ht, ct) = theirs(torch.tensor(x))
    for a, b in ((oo, ot), (ho, ht), (co, ct)):
        close(a, b)
    compare_packed(run_packed("LSTM", lengths=[3, 5, 1, 4], proj_size=2, num_layers=2,
                              bidirectional=True))


def test_proj_hidden_size_errors():
    m = nn.LSTM(3, 5, proj_size=2)
    with pytest.raises(RuntimeError, match="hidden"):
        m(autograd.zeros(4, 1, 3), (autograd.zeros(1, 1, 5), autograd.zeros(1, 1, 5)))
    with pytest.raises(RuntimeError, match="hidden"):
        m(autograd.zeros(4, 1, 3), (autograd.zeros(1, 1, 2), autograd.zeros(1, 1, 2)))


# --------------------------------------------------------------------- embeddings
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_scale_grad_by_freq(padding_idx):
    w = np.random.default_rng(0).standard_normal((6, 3))
    idx = np.array([[1, 2, 1, 5], [2, 2, 0, 1]])
    res = []
    for lib, mod in ((autograd, nn), (torch, torch.nn)):
        e = mod.Embedding(6, 3, padding_idx=padding_idx, scale_grad_by_freq=True,
                          _weight=lib.tensor(w.copy()))
        out = e(lib.tensor(idx))
        (out * lib.tensor(np.arange(out.numel()).reshape(tuple(out.shape)) * 1.0)).sum().backward()
        res.append((out, e.weight.grad, repr(e)))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])
    assert res[0][2] == res[1][2]


BAG_CASES = list(itertools.product(["sum", "mean", "max"], [False, True], [None, 3]))


@pytest.mark.parametrize("mode,include_last_offset,padding_idx", BAG_CASES)
@pytest.mark.parametrize("psw", [False, True])
@pytest.mark.parametrize("scale", [False, True])
def test_embedding_bag_1d_matches_torch(mode, include_last_offset, padding_idx, psw, scale):
    if psw and mode != "sum" or scale and mode == "max":
        pytest.skip("combination PyTorch rejects (checked in test_embedding_bag_errors)")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((7, 4))
    idx = np.array([1, 3, 3, 0, 6, 2, 3, 1, 5, 3])
    offs = np.array([0, 3, 3, 5, 9] + ([10] if include_last_offset else []))
    weights = rng.standard_normal(idx.shape)
    res = []
    for lib, f in ((autograd, F.embedding_bag), (torch, TF.embedding_bag)):
        wt = lib.tensor(w, requires_grad=True)
        pt = lib.tensor(weights, requires_grad=True) if psw else None
        # torch 2.13's CPU embedding_bag divides by the wrong count for mixed counts
        # (pytorch/pytorch#190063): compare with its unscaled gradient / each row's count
        out = f(lib.tensor(idx), wt, lib.tensor(offs), mode=mode,
                include_last_offset=include_last_offset, padding_idx=padding_idx,
                per_sample_weights=pt, scale_grad_by_freq=scale and lib is autograd)
        (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))).sum().backward()
        res.append((out, wt.grad, None if pt is None else pt.grad))
    close(res[0][0], res[1][0])
    counts = np.maximum(np.bincount(idx, minlength=7), 1)[:, None] if scale else 1
    close(res[0][1], res[1][1].numpy() / counts)
    if psw:
        close(res[0][2], res[1][2])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_embedding_bag_module_2d_matches_torch(mode, padding_idx):
    torch.manual_seed(0)
    theirs = torch.nn.EmbeddingBag(6, 3, mode=mode, padding_idx=padding_idx).double()
    ours = nn.EmbeddingBag(6, 3, mode=mode, padding_idx=padding_idx).double()
    copy_weights(ours, theirs)
    assert repr(ours) == repr(theirs)
    idx = np.array([[1, 0, 4], [0, 0, 0], [5, 5, 2]])
    outs = []
    for lib, m in ((autograd, ours), (torch, theirs)):
        out = m(lib.tensor(idx))
        (out * lib.tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
        outs.append((out, m.weight.grad))
    close(outs[0][0], outs[1][0])
    close(outs[0][1], outs[1][1])


def test_embedding_bag_max_norm_and_from_pretrained():
    w = np.random.default_rng(4).standard_normal((5, 3)) * 3
    o = nn.EmbeddingBag.from_pretrained(autograd.tensor(w.copy()), max_norm=1.0, mode="sum")
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w.copy()), max_norm=1.0, mode="sum")
    assert not o.weight.requires_grad and repr(o) == repr(t)
    close(o(autograd.tensor([1, 2, 4]), autograd.tensor([0, 1])),
          t(torch.tensor([1, 2, 4]), torch.tensor([0, 1])))
    close(o.weight, t.weight)


@pytest.mark.parametrize("call", [
    lambda m, w: m(torch_or(m, [[1, 2]]), w, torch_or(m, [0])),
    lambda m, w: m(torch_or(m, [1, 2]), w),
    lambda m, w: m(torch_or(m, [1, 2]), w, torch_or(m, [1])),
    lambda m, w: m(torch_or(m, [1, 2]), w, torch_or(m, [0, 3])),
    lambda m, w: m(torch_or(m, [1, 2]), w, torch_or(m, [0]), mode="foo"),
    lambda m, w: m(torch_or(m, [1, 2]), w, torch_or(m, [0]), mode="max",
                   scale_grad_by_freq=True),
    lambda m, w: m(torch_or(m, [1, 2]), w, torch_or(m, [0]), mode="mean",
                   per_sample_weights=torch_or(m, [1.0, 1.0])),
    lambda m, w: m(torch_or(m, [1, 2]), w, torch_or(m, [0]), mode="sum",
                   per_sample_weights=torch_or(m, [1.0])),
    lambda m, w: m(torch_or(m, [1, 9]), w, torch_or(m, [0])),
    lambda m, w: m(torch_or(m, [[[1]]]), w),
    lambda m, w: m(torch_or(m, [1.0]), w, torch_or(m, [0])),
])
def test_embedding_bag_errors(call):
    with pytest.raises(Exception) as ours:
        call(F.embedding_bag, autograd.zeros(5, 3))
    with pytest.raises(Exception) as theirs:
        call(TF.embedding_bag, torch.zeros(5, 3))
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
    assert str(theirs.value).split(" ")[0] in str(ours.value)


def torch_or(f, v):
    return torch.tensor(v) if f is TF.embedding_bag else autograd.tensor(v)
