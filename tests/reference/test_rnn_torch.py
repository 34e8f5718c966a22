"""RNN / LSTM / GRU and the cells against torch.nn: parameter names, state_dict keys and
shapes; forward and every input/parameter gradient with weights copied through
state_dict and NumPy, over the option grid (num_layers 1/2, bidirectional, batch_first,
with/without initial state, bias False, unbatched input)."""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402

KINDS = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM),
         "GRU": (nn.GRU, torch.nn.GRU)}


def copy_weights(ours, theirs):
    """theirs -> ours through state_dict and NumPy."""
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def check_structure(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (n, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), n


def run_both(kind, dtype, *, num_layers, bidirectional, batch_first, with_h0, bias,
             unbatched=False, nonlinearity="tanh", T=5, B=3, I=4, H=6, seed=0):
    ours_cls, theirs_cls = KINDS[kind]
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
              bias=bias)
    if kind == "RNN":
        kw["nonlinearity"] = nonlinearity
    torch.manual_seed(seed)
    theirs = theirs_cls(I, H, **kw).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = ours_cls(I, H, **kw)
    if dtype == np.float64:
        ours.double()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(seed)
    D = 2 if bidirectional else 1
    xshape = (T, I) if unbatched else ((B, T, I) if batch_first else (T, B, I))
    hshape = (num_layers * D, H) if unbatched else (num_layers * D, B, H)
    x = rng.standard_normal(xshape).astype(dtype)
    states = [rng.standard_normal(hshape).astype(dtype) * 0.5
              for _ in range(2 if kind == "LSTM" else 1)] if with_h0 else []

    def call(lib, mod):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(s, requires_grad=True) for s in states]
        hx = None if not st else (tuple(st) if kind == "LSTM" else st[0])
        out, hn = mod(xt, hx)
        finals = list(hn) if kind == "LSTM" else [hn]
        return xt, st, out, finals

    xo, so, oo, fo = call(autograd, ours)
    xt, st, ot, ft = call(torch, theirs)
    return ours, theirs, (xo, so, oo, fo), (xt, st, ot, ft), rng


def compare(kind, dtype, atol, **kw):
    ours, theirs, (xo, so, oo, fo), (xt, st, ot, ft), rng = run_both(kind, dtype, **kw)
    np.testing.assert_allclose(oo.detach().numpy(), ot.detach().numpy(), atol=atol, rtol=atol)
    assert len(fo) == len(ft)
    for a, b in zip(fo, ft):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=atol, rtol=atol)
    # a loss touching the output and every final state, so all gradient paths are checked
    go = rng.standard_normal(tuple(ot.shape)).astype(dtype)
    gf = [rng.standard_normal(tuple(f.shape)).astype(dtype) for f in ft]
    lo = (oo * autograd.tensor(go)).sum() + sum((f * autograd.tensor(g)).sum()
                                                for f, g in zip(fo, gf))
    lt = (ot * torch.tensor(go)).sum() + sum((f * torch.tensor(g)).sum() for f, g in zip(ft, gf))
    lo.backward()
    lt.backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=atol, rtol=atol)
    for a, b in zip(so, st):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=atol)
    theirs_grads = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_grads[n].grad.numpy(), atol=atol,
                                   rtol=atol, err_msg=n)


GRID = list(itertools.product([1, 2], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,with_h0", GRID)
def test_matches_torch_float64(kind, num_layers, bidirectional, batch_first, with_h0):
    compare(kind, np.float64, 1e-10, num_layers=num_layers, bidirectional=bidirectional,
            batch_first=batch_first, with_h0=with_h0, bias=True)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_no_bias_and_unbatched(kind, bidirectional):
    compare(kind, np.float64, 1e-10, num_layers=2, bidirectional=bidirectional,
            batch_first=False, with_h0=True, bias=False)
    for batch_first, with_h0 in [(False, True), (True, False)]:
        compare(kind, np.float64, 1e-10, num_layers=2, bidirectional=bidirectional,
                batch_first=batch_first, with_h0=with_h0, bias=True, unbatched=True)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_rnn_relu(bidirectional):
    compare("RNN", np.float64, 1e-10, num_layers=2, bidirectional=bidirectional,
            batch_first=True, with_h0=True, bias=True, nonlinearity="relu")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_float32_w3_shapes(kind):
    # the fast float32 path (rational tanh/sigmoid) on W3-like sizes
    compare(kind, np.float32, 2e-4, num_layers=1, bidirectional=False, batch_first=True,
            with_h0=False, bias=True, T=20, B=8, I=16, H=32)


def test_dropout_between_layers_only_in_training():
    ours = nn.GRU(4, 5, num_layers=2, dropout=0.5)
    theirs = torch.nn.GRU(4, 5, num_layers=2, dropout=0.5).double()
    ours.double()
    copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((6, 2, 4))
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(autograd.tensor(x))[0].detach().numpy(),
                               theirs(torch.tensor(x))[0].detach().numpy(), atol=1e-12)
    ours.train()
    a = ours(autograd.tensor(x))[0].detach().numpy()
    b = ours(autograd.tensor(x))[0].detach().numpy()
    assert not np.allclose(a, b)  # fresh masks each call


def test_initialisation_range_and_repr():
    m = nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    bound = 1 / np.sqrt(16)
    for n, p in m.named_parameters():
        v = p.detach().numpy()
        assert v.min() >= -bound and v.max() <= bound, n
        assert v.std() > bound / 3, n
    t = torch.nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    assert repr(m) == repr(t)
    assert repr(nn.GRU(3, 4, batch_first=True, bias=False)) == \
        repr(torch.nn.GRU(3, 4, batch_first=True, bias=False))


CELLS = {"RNNCell": (nn.RNNCell, torch.nn.RNNCell), "LSTMCell": (nn.LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (nn.GRUCell, torch.nn.GRUCell)}


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_h", [True, False])
@pytest.mark.parametrize("unbatched", [False, True])
def test_cells_match_torch(kind, bias, with_h, unbatched):
    oc, tc = CELLS[kind]
    theirs = tc(4, 5, bias=bias).double()
    ours = oc(4, 5, bias=bias).double()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4,) if unbatched else (3, 4))
    hs = [rng.standard_normal((5,) if unbatched else (3, 5)) for _ in range(2)]

    def call(lib, mod):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(h, requires_grad=True) for h in hs]
        if kind == "LSTMCell":
            h, c = mod(xt, tuple(st) if with_h else None)
            loss = (h * 1.5).sum() + (c * c).sum()
            outs = [h, c]
        else:
            h = mod(xt, st[0] if with_h else None)
            loss = (h * h).sum()
            outs = [h]
        loss.backward()
        return xt, st, outs

    xo, so, oo = call(autograd, ours)
    xt, st, ot = call(torch, theirs)
    for a, b in zip(oo, ot):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    if with_h:
        for a, b in zip(so, st):
            if b.grad is not None:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)
    tg = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tg[n].grad.numpy(), atol=1e-12, err_msg=n)
