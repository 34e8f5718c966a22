"""RNN/LSTM/GRU and cells without torch: float64 gradcheck of the modules (through the
fused ops), gradgradcheck of the cells, the once-differentiable error of the fused layers,
shapes, user errors, version checks, save/load, and a tiny training run."""
import numpy as np
import pytest

import autograd
import nn
import optim
from autograd.ops import recurrent as R


def _params_fn(module, kind):
    """f(x, h0[, c0], *params) -> output and final states, for gradcheck."""
    names = [n for n, _ in module.named_parameters()]

    def f(x, *rest):
        states, params = (rest[:2], rest[2:]) if kind == "LSTM" else (rest[:1], rest[1:])
        for n, p in zip(names, params):
            module._parameters[n] = p
        hx = tuple(states) if kind == "LSTM" else states[0]
        out, hn = module(x, hx)
        finals = hn if kind == "LSTM" else (hn,)
        return (out,) + tuple(finals)
    return f, names


@pytest.mark.parametrize("kind,kw", [
    ("RNN", dict(nonlinearity="tanh")), ("RNN", dict(nonlinearity="relu")),
    ("GRU", {}), ("LSTM", {}), ("GRU", dict(bias=False)), ("LSTM", dict(batch_first=True)),
])
def test_module_gradcheck_float64(kind, kw):
    m = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, **kw).double()
    rng = np.random.default_rng(0)
    T, B = 3, 2
    x = autograd.tensor(rng.standard_normal((B, T, 3) if kw.get("batch_first") else (T, B, 3)),
                        requires_grad=True)
    states = [autograd.tensor(rng.standard_normal((4, B, 4)) * 0.5, requires_grad=True)
              for _ in range(2 if kind == "LSTM" else 1)]
    f, names = _params_fn(m, kind)
    params = [autograd.tensor(p.detach().numpy().copy(), requires_grad=True)
              for p in m.parameters()]
    assert autograd.gradcheck(f, (x, *states, *params), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("fn,gates", [(R.rnn_tanh_layer, 1), (R.gru_layer, 3)])
def test_double_backward_through_fused_layer_raises(fn, gates):
    rng = np.random.default_rng(0)
    t = lambda *s: autograd.tensor(rng.standard_normal(s), requires_grad=True)  # noqa: E731
    x, h0, wi, wh = t(3, 2, 4), t(2, 5), t(gates * 5, 4), t(gates * 5, 5)
    out, hn = fn(x, h0, wi, wh)
    # the upstream gradient 2*hn carries a graph, so the second differentiation reaches
    # the fused node (with a constant upstream gradient there is nothing to raise on,
    # as in PyTorch's once_differentiable)
    (g,) = autograd.grad((hn * hn).sum(), x, create_graph=True)  # first order works
    assert g.shape == x.shape
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


def test_lstm_double_backward_raises():
    m = nn.LSTM(3, 4).double()
    x = autograd.randn(2, 1, 3, dtype=autograd.float64, requires_grad=True)
    out, (h, c) = m(x)
    (g,) = autograd.grad((c * c).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


@pytest.mark.parametrize("cell", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cells_are_twice_differentiable(cell):
    m = getattr(nn, cell)(3, 4).double()
    rng = np.random.default_rng(1)
    x = autograd.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h = autograd.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    c = autograd.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    if cell == "LSTMCell":
        f = lambda x, h, c: m(x, (h, c))  # noqa: E731
        inputs = (x, h, c)
    else:
        f = lambda x, h: m(x, h)  # noqa: E731
        inputs = (x, h)
    assert autograd.gradcheck(f, inputs)
    assert autograd.gradgradcheck(f, inputs)


def test_shapes_batch_first_bidirectional_unbatched():
    m = nn.GRU(5, 7, num_layers=3, batch_first=True, bidirectional=True)
    out, h = m(autograd.randn(4, 6, 5))
    assert tuple(out.shape) == (4, 6, 14) and tuple(h.shape) == (6, 4, 7)
    out, h = m(autograd.randn(6, 5))  # unbatched [T, I]
    assert tuple(out.shape) == (6, 14) and tuple(h.shape) == (6, 7)
    lstm = nn.LSTM(5, 7, num_layers=2)
    out, (h, c) = lstm(autograd.randn(6, 4, 5))
    assert tuple(out.shape) == (6, 4, 7) and tuple(h.shape) == tuple(c.shape) == (2, 4, 7)
    assert out.dtype == autograd.float32
    # h_n of the last layer equals the last output step
    np.testing.assert_allclose(h[-1].detach().numpy(), out[-1].detach().numpy())


def test_parameter_names_and_shapes():
    m = nn.LSTM(3, 5, num_layers=2, bidirectional=True, bias=False)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == [
        ("weight_ih_l0", (20, 3)), ("weight_hh_l0", (20, 5)),
        ("weight_ih_l0_reverse", (20, 3)), ("weight_hh_l0_reverse", (20, 5)),
        ("weight_ih_l1", (20, 10)), ("weight_hh_l1", (20, 5)),
        ("weight_ih_l1_reverse", (20, 10)), ("weight_hh_l1_reverse", (20, 5))]
    assert len(m.all_weights) == 4


def test_user_errors_name_the_layer_and_shapes():
    m = nn.GRU(5, 7)
    with pytest.raises(RuntimeError, match=r"GRU: input.size\(-1\) must be equal to input_size"):
        m(autograd.randn(3, 2, 4))
    with pytest.raises(RuntimeError, match=r"GRU: Expected hidden size \(1, 2, 7\)"):
        m(autograd.randn(3, 2, 5), autograd.zeros(1, 3, 7))
    with pytest.raises(ValueError, match="2D or 3D"):
        m(autograd.randn(5))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError, match=r"LSTM: expected hx as a tuple"):
        nn.LSTM(5, 7)(autograd.randn(3, 2, 5), (autograd.zeros(1, 2, 7),))
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.RNN(3, 4, dropout=0.5)
    with pytest.raises(Exception, match=r"gru_layer: w_hh has shape \(9, 4\), expected \(12, 4\)"):
        R.gru_layer(autograd.randn(2, 1, 3), autograd.zeros(1, 4), autograd.randn(12, 3),
                    autograd.randn(9, 4))
    with pytest.raises(TypeError, match="rnn_tanh_layer: w_ih has dtype float64"):
        R.rnn_tanh_layer(autograd.randn(2, 1, 3), autograd.zeros(1, 4),
                         autograd.randn(4, 3, dtype=autograd.float64), autograd.randn(4, 4))


def test_inplace_change_of_output_is_detected():
    m = nn.RNN(3, 4)
    out, h = m(autograd.randn(5, 2, 3))
    out.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()


def test_no_graph_under_no_grad():
    m = nn.LSTM(3, 4)
    with autograd.no_grad():
        out, (h, c) = m(autograd.randn(5, 2, 3))
    assert out.grad_fn is None and not out.requires_grad


def test_save_load_round_trip(tmp_path):
    m = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    autograd.save(m.state_dict(), tmp_path / "gru.safetensors")
    m2 = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    m2.load_state_dict(autograd.load(tmp_path / "gru.safetensors"))
    x = autograd.randn(5, 2, 3)
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m2(x)[0].detach().numpy())


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_tiny_training_run_learns_sign_of_sum(kind):
    # classify whether the sum of a noisy sequence is positive; reaches loss < 0.25
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((128, 10, 1)).astype(np.float32)
    ys = (xs.sum(axis=(1, 2)) > 0).astype(np.int64)
    autograd.manual_seed(0)
    rnn = getattr(nn, kind)(1, 16, batch_first=True)
    head = nn.Linear(16, 2)
    opt = optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=0.02)
    x, y = autograd.tensor(xs), autograd.tensor(ys)
    for _ in range(120):
        opt.zero_grad()
        out, _ = rnn(x)
        loss = nn.functional.cross_entropy(head(out[:, -1]), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.25, loss.item()
