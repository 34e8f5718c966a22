"""Attention without torch: float64 gradcheck/gradgradcheck of scaled_dot_product_attention,
MultiheadAttention and TransformerEncoderLayer, mask semantics against a NumPy
reference, dropout behaviour, shapes, user errors, and a tiny training run."""
import numpy as np
import pytest

import autograd
import nn
import optim
from nn.modules.attention import scaled_dot_product_attention as sdpa


def _np_softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_sdpa_matches_numpy_with_masks_and_causal():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4, 3)), \
        rng.standard_normal((2, 4, 5))
    ref = _np_softmax(q @ k.transpose(0, 2, 1) / np.sqrt(3)) @ v
    T = autograd.tensor
    np.testing.assert_allclose(sdpa(T(q), T(k), T(v)).numpy(), ref, atol=1e-12)
    causal = np.tril(np.ones((4, 4), bool))
    s = q @ k.transpose(0, 2, 1) / np.sqrt(3)
    ref_c = _np_softmax(np.where(causal, s, -np.inf)) @ v
    np.testing.assert_allclose(sdpa(T(q), T(k), T(v), is_causal=True).numpy(), ref_c, atol=1e-12)
    # a bool mask is True where attention is allowed
    np.testing.assert_allclose(sdpa(T(q), T(k), T(v), attn_mask=T(causal)).numpy(), ref_c,
                               atol=1e-12)
    fm = rng.standard_normal((4, 4))
    np.testing.assert_allclose(sdpa(T(q), T(k), T(v), attn_mask=T(fm), scale=0.5).numpy(),
                               _np_softmax(q @ k.transpose(0, 2, 1) * 0.5 + fm) @ v, atol=1e-12)
    with pytest.raises(RuntimeError, match="should not be set when is_causal"):
        sdpa(T(q), T(k), T(v), attn_mask=T(causal), is_causal=True)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: query \(2, 4, 3\)"):
        sdpa(T(q), T(k[..., :2]), T(v))


def test_sdpa_twice_differentiable():
    rng = np.random.default_rng(1)
    ins = [autograd.tensor(rng.standard_normal(s), requires_grad=True)
           for s in [(2, 3, 4), (2, 5, 4), (2, 5, 2)]]
    fm = autograd.tensor(rng.standard_normal((3, 5)))
    f = lambda q, k, v: sdpa(q, k, v, attn_mask=fm)  # noqa: E731
    assert autograd.gradcheck(f, ins)
    assert autograd.gradgradcheck(f, ins)


def test_mha_gradcheck_and_gradgradcheck():
    m = nn.MultiheadAttention(4, 2, batch_first=True).double()
    rng = np.random.default_rng(2)
    q = autograd.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    kv = autograd.tensor(rng.standard_normal((2, 5, 4)), requires_grad=True)
    kpm = autograd.tensor(np.array([[False] * 4 + [True], [False] * 5]))
    f = lambda q, kv: m(q, kv, kv, key_padding_mask=kpm)[0]  # noqa: E731
    assert autograd.gradcheck(f, (q, kv))
    assert autograd.gradgradcheck(f, (q, kv))
    g = lambda q: m(q, q, q, average_attn_weights=False)[1]  # noqa: E731
    assert autograd.gradcheck(g, (q,))


def test_mha_masks_match_numpy_reference():
    E, nh, L, S, B = 6, 3, 4, 5, 2
    m = nn.MultiheadAttention(E, nh).double()
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal(s) for s in [(L, B, E), (S, B, E), (S, B, E)])
    am = rng.random((L, S)) > 0.6
    am[:, 0] = False
    kpm = np.zeros((B, S), bool)
    kpm[0, -2:] = True
    W = m.in_proj_weight.detach().numpy()
    bias = m.in_proj_bias.detach().numpy()
    Wo, bo = m.out_proj.weight.detach().numpy(), m.out_proj.bias.detach().numpy()
    hd = E // nh

    def heads(x, w, b):  # [N, B, E] -> [B, nh, N, hd]
        y = x @ w.T + b
        return y.reshape(x.shape[0], B, nh, hd).transpose(1, 2, 0, 3)

    qh, kh, vh = heads(q, W[:E], bias[:E]), heads(k, W[E:2 * E], bias[E:2 * E]), \
        heads(v, W[2 * E:], bias[2 * E:])
    s = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(hd)
    s = np.where(am | kpm[:, None, None, :], -np.inf, s)
    w = _np_softmax(s)
    o = (w @ vh).transpose(2, 0, 1, 3).reshape(L, B, E) @ Wo.T + bo
    T = autograd.tensor
    out, weights = m(T(q), T(k), T(v), attn_mask=T(am), key_padding_mask=T(kpm))
    np.testing.assert_allclose(out.detach().numpy(), o, atol=1e-12)
    np.testing.assert_allclose(weights.detach().numpy(), w.mean(1), atol=1e-12)


def test_mha_dropout_only_in_training_and_need_weights_false():
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = autograd.randn(4, 3, 8)
    m.eval()
    a, wa = m(x, x, x)
    b, wb = m(x, x, x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose(wa.detach().numpy().sum(-1), 1, rtol=1e-5)
    m.train()
    c, _ = m(x, x, x)
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    out, w = m(x, x, x, need_weights=False)
    assert w is None and tuple(out.shape) == (4, 3, 8)


def test_mha_user_errors():
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(8, 2)
    x = autograd.randn(4, 3, 8)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(4, 5\), but should be \(4, 4\)"):
        m(x, x, x, attn_mask=autograd.zeros(4, 5))
    with pytest.raises(RuntimeError, match=r"3D attn_mask is \(2, 4, 4\), but should be "
                                           r"\(6, 4, 4\)"):
        m(x, x, x, attn_mask=autograd.zeros(2, 4, 4))
    with pytest.raises(RuntimeError, match=r"key_padding_mask shape of \(3, 4\)"):
        m(x, x, x, key_padding_mask=autograd.zeros(4, 3, dtype=autograd.bool))
    with pytest.raises(RuntimeError, match="expecting embedding dimension of 8"):
        m(autograd.randn(4, 3, 6), x, x)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradcheck_and_names(norm_first):
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0,
                                       norm_first=norm_first, activation="gelu").double()
    assert [n for n, _ in layer.named_children()] == [
        "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"]
    x = autograd.tensor(np.random.default_rng(4).standard_normal((3, 2, 4)), requires_grad=True)
    mask = autograd.tensor(np.triu(np.ones((3, 3), bool), 1))
    assert autograd.gradcheck(lambda x: layer(x, src_mask=mask, is_causal=True), (x,))


def test_encoder_stack_and_unbatched_shapes():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    enc = nn.TransformerEncoder(layer, num_layers=3)
    assert len(enc.layers) == 3 and enc.layers[0].linear1.weight is not layer.linear1.weight
    assert tuple(enc(autograd.randn(2, 5, 8)).shape) == (2, 5, 8)
    assert tuple(layer(autograd.randn(5, 8)).shape) == (5, 8)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")


def test_tiny_training_run_attention_learns_to_pick_the_flagged_token():
    # each sequence has one flagged position; the target is that token's class
    rng = np.random.default_rng(0)
    B, L, C = 64, 6, 3
    cls = rng.integers(0, C, (B, L))
    flag = rng.integers(0, L, B)
    x = np.zeros((B, L, C + 1), np.float32)
    x[np.arange(B)[:, None], np.arange(L)[None], cls] = 1
    x[np.arange(B), flag, C] = 1
    y = cls[np.arange(B), flag]
    autograd.manual_seed(0)
    emb = nn.Linear(C + 1, 16)
    attn = nn.MultiheadAttention(16, 2, batch_first=True)
    query = nn.Parameter(autograd.randn(1, 1, 16))
    head = nn.Linear(16, C)
    params = list(emb.parameters()) + list(attn.parameters()) + [query] + list(head.parameters())
    opt = optim.Adam(params, lr=0.02)
    xt, yt = autograd.tensor(x), autograd.tensor(y)
    for _ in range(150):
        opt.zero_grad()
        h = emb(xt)
        o, _ = attn(query.expand(B, 1, 16), h, h, need_weights=False)
        loss = nn.functional.cross_entropy(head(o[:, 0]), yt)
        loss.backward()
        opt.step()
    assert loss.item() < 0.1, loss.item()


def test_sdpa_lives_in_functional():
    import nn.functional as F
    assert sdpa is F.scaled_dot_product_attention
    assert F.scaled_dot_product_attention.__module__ == "nn.functional"
