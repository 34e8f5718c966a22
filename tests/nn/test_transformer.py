"""TransformerDecoderLayer, TransformerDecoder, Transformer and MultiheadAttention's
add_bias_kv / add_zero_attn without torch: a NumPy reference for the appended keys,
float64 gradcheck/gradgradcheck, train-mode dropout, the causal mask helper and hints,
shapes, user errors, and a tiny training run."""
import numpy as np
import pytest

import autograd
import nn
import optim

T = autograd.tensor


def _np_softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("bias_kv,zero_attn", [(True, False), (False, True), (True, True)])
def test_mha_appended_keys_match_numpy_reference(bias_kv, zero_attn):
    E, nh, L, S, B = 6, 3, 4, 5, 2
    m = nn.MultiheadAttention(E, nh, add_bias_kv=bias_kv, add_zero_attn=zero_attn,
                              batch_first=True).double()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["in_proj_weight", "in_proj_bias"] + (["bias_k", "bias_v"] if bias_kv else []) \
        + ["out_proj.weight", "out_proj.bias"]
    rng = np.random.default_rng(0)
    with autograd.no_grad():
        m.in_proj_bias.copy_(T(rng.standard_normal(3 * E)))
    q, k, v = (rng.standard_normal(s) for s in [(B, L, E), (B, S, E), (B, S, E)])
    am = rng.random((L, S)) > 0.6
    am[:, 0] = False
    W, b = m.in_proj_weight.detach().numpy(), m.in_proj_bias.detach().numpy()
    Wo, bo = m.out_proj.weight.detach().numpy(), m.out_proj.bias.detach().numpy()
    kp, vp = k @ W[E:2 * E].T + b[E:2 * E], v @ W[2 * E:].T + b[2 * E:]
    mask = am
    if bias_kv:
        kp = np.concatenate([kp, np.broadcast_to(m.bias_k.detach().numpy(), (B, 1, E))], 1)
        vp = np.concatenate([vp, np.broadcast_to(m.bias_v.detach().numpy(), (B, 1, E))], 1)
        mask = np.concatenate([mask, np.zeros((L, 1), bool)], 1)
    hd = E // nh

    def heads(x):
        return x.reshape(B, x.shape[1], nh, hd).transpose(0, 2, 1, 3)

    qh, kh, vh = heads(q @ W[:E].T + b[:E]), heads(kp), heads(vp)
    if zero_attn:
        kh = np.concatenate([kh, np.zeros((B, nh, 1, hd))], 2)
        vh = np.concatenate([vh, np.zeros((B, nh, 1, hd))], 2)
        mask = np.concatenate([mask, np.zeros((L, 1), bool)], 1)
    w = _np_softmax(np.where(mask, -np.inf, qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(hd)))
    o = (w @ vh).transpose(0, 2, 1, 3).reshape(B, L, E) @ Wo.T + bo
    out, weights = m(T(q), T(k), T(v), attn_mask=T(am), average_attn_weights=False)
    np.testing.assert_allclose(out.detach().numpy(), o, atol=1e-12)
    np.testing.assert_allclose(weights.detach().numpy(), w, atol=1e-12)
    assert weights.shape[-1] == S + bias_kv + zero_attn


def test_mha_bias_kv_gradcheck_and_gradgradcheck():
    m = nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True).double()
    rng = np.random.default_rng(1)
    q = T(rng.standard_normal((3, 2, 4)), requires_grad=True)
    kv = T(rng.standard_normal((5, 2, 4)), requires_grad=True)
    kpm = T(np.array([[False] * 4 + [True], [False] * 5]))
    f = lambda q, kv: m(q, kv, kv, key_padding_mask=kpm)[0]  # noqa: E731
    assert autograd.gradcheck(f, (q, kv))
    assert autograd.gradgradcheck(f, (q, kv))
    m(q, kv, kv)[0].sum().backward()
    assert m.bias_k.grad is not None and np.abs(m.bias_k.grad.numpy()).sum() > 0
    assert m.bias_v.grad is not None and np.abs(m.bias_v.grad.numpy()).sum() > 0


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_gradcheck_and_names(norm_first):
    layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0,
                                       norm_first=norm_first, activation="gelu").double()
    assert [n for n, _ in layer.named_children()] == [
        "self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2",
        "norm3", "dropout1", "dropout2", "dropout3"]
    rng = np.random.default_rng(2)
    tgt = T(rng.standard_normal((3, 2, 4)), requires_grad=True)
    mem = T(rng.standard_normal((5, 2, 4)), requires_grad=True)
    tm = nn.Transformer.generate_square_subsequent_mask(3, dtype=autograd.float64)
    mkpm = T(np.array([[False] * 4 + [True], [False] * 5]))
    f = lambda t, m: layer(t, m, tgt_mask=tm, tgt_is_causal=True,  # noqa: E731
                           memory_key_padding_mask=mkpm)
    assert autograd.gradcheck(f, (tgt, mem))
    assert autograd.gradgradcheck(f, (tgt, mem))


def test_generate_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(4)
    assert m.dtype == autograd.float32 and tuple(m.shape) == (4, 4)
    want = np.where(np.triu(np.ones((4, 4), bool), 1), -np.inf, 0.0)
    np.testing.assert_array_equal(m.numpy(), want)
    b = nn.Transformer.generate_square_subsequent_mask(3, device="cpu", dtype=autograd.bool)
    np.testing.assert_array_equal(b.numpy(), np.triu(np.ones((3, 3), bool), 1))


def test_causal_hint_detection_gives_the_same_numbers():
    autograd.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2).double()
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2).double()
    x = autograd.randn(5, 2, 8, dtype=autograd.float64)
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=autograd.float64)
    a = enc(x, mask=mask)                       # detected causal
    b = enc(x, mask=mask, is_causal=False)      # the mask itself
    c = enc(x, mask=mask != 0, is_causal=True)   # a bool causal mask, hinted
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(a.detach().numpy(), c.detach().numpy(), atol=1e-12)
    d1 = dec(x, a, tgt_mask=mask)
    d2 = dec(x, a, tgt_mask=mask, tgt_is_causal=False)
    np.testing.assert_allclose(d1.detach().numpy(), d2.detach().numpy(), atol=1e-12)
    assert not np.allclose(enc(x).detach().numpy(), a.detach().numpy())


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_shapes_dropout_and_state_dict(batch_first):
    autograd.manual_seed(0)
    model = nn.Transformer(8, 2, 2, 1, 16, dropout=0.3, batch_first=batch_first)
    src = autograd.randn(*((2, 6, 8) if batch_first else (6, 2, 8)))
    tgt = autograd.randn(*((2, 3, 8) if batch_first else (3, 2, 8)))
    model.train()
    a, b = model(src, tgt), model(src, tgt)
    assert tuple(a.shape) == tuple(tgt.shape)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # dropout is on
    a.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.eval()
    c, d = model(src, tgt), model(src, tgt)
    np.testing.assert_array_equal(c.detach().numpy(), d.detach().numpy())
    other = nn.Transformer(8, 2, 2, 1, 16, dropout=0.3, batch_first=batch_first).eval()
    other.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(other(src, tgt).detach().numpy(), c.detach().numpy())
    assert tuple(model(src[0] if batch_first else src[:, 0],
                       tgt[0] if batch_first else tgt[:, 0]).shape) == (3, 8)  # unbatched
    assert len(model.encoder.layers) == 2 and len(model.decoder.layers) == 1
    assert model.encoder.layers[0].linear1.weight is not model.encoder.layers[1].linear1.weight


def test_transformer_user_errors():
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(autograd.zeros(5, 2, 8), autograd.zeros(4, 3, 8))
    with pytest.raises(RuntimeError, match="feature number of src and tgt must be equal"):
        model(autograd.zeros(5, 2, 8), autograd.zeros(4, 2, 6))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        model(autograd.zeros(5, 2, 8), autograd.zeros(4, 2, 8), src_is_causal=True)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        nn.TransformerDecoderLayer(8, 2, activation="tanh")
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(4, 4\), but should be \(4, 5\)"):
        model(autograd.zeros(5, 2, 8), autograd.zeros(4, 2, 8), memory_mask=autograd.zeros(4, 4))


def test_tiny_transformer_learns_to_copy():
    autograd.manual_seed(0)
    rng = np.random.default_rng(0)
    V, L, B, E = 5, 4, 32, 16
    emb, pos = nn.Embedding(V, E), nn.Parameter(autograd.randn(L, E) * 0.1)
    model = nn.Transformer(E, 2, 1, 1, 32, dropout=0.0, batch_first=True)
    head = nn.Linear(E, V)
    params = list(emb.parameters()) + [pos] + list(model.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=0.01)
    x = T(rng.integers(0, V, (B, L)))
    mask = nn.Transformer.generate_square_subsequent_mask(L)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        h = emb(x) + pos
        out = model(h, h, tgt_mask=mask)
        loss = nn.functional.cross_entropy(head(out).reshape(-1, V), x.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0], losses
