"""TransformerDecoderLayer, TransformerDecoder, Transformer and MultiheadAttention's
add_bias_kv / add_zero_attn / is_causal against torch: state_dict keys and shapes, repr,
forward and every input/parameter gradient in float64 (weights copied through state_dict
and NumPy, eval mode), over batch_first, norm_first, activation, bias, and masks of each
kind (bool/float, 2-D/3-D, key padding, causal hints); plus the word_language_model
TransformerModel trained from the same weights."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402

ATOL = 1e-10
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched")]


def copy_weights(ours, theirs):
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def check_structure(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (n, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), n
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def both(arr, grad=True):
    a = autograd.tensor(arr, requires_grad=grad and arr.dtype.kind == "f")
    t = torch.tensor(arr, requires_grad=grad and arr.dtype.kind == "f")
    return a, t


def close(a, b, atol=ATOL, msg=""):
    np.testing.assert_allclose(np.asarray(a.detach().numpy()), b.detach().numpy(), atol=atol,
                               rtol=atol, err_msg=msg)


def compare_grads(ours, theirs, pairs):
    for a, b in pairs:
        if b.grad is None:
            assert a.grad is None or np.allclose(a.grad.numpy(), 0)
        else:
            close(a.grad, b.grad)
    tg = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        if tg[n].grad is None:
            assert p.grad is None or np.allclose(p.grad.numpy(), 0), n
        else:
            close(p.grad, tg[n].grad, msg=n)


def run_and_compare(ours, theirs, args_a, args_t, kw_a, kw_t, pairs, seed=0):
    ya, yt = ours(*args_a, **kw_a), theirs(*args_t, **kw_t)
    close(ya, yt, msg="forward")
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape))
    (ya * autograd.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    compare_grads(ours, theirs, pairs)


def seq(rng, n, B, E, batch_first):
    return both(rng.standard_normal((B, n, E) if batch_first else (n, B, E)))


def bool_mask(rng, shape):
    m = rng.random(shape) > 0.6
    m[..., 0] = False  # every query keeps one key (no all -inf row)
    return m


def kpm(rng, B, n, kind):
    if kind == "bool":
        m = np.zeros((B, n), bool)
        m[0, -1] = True
        m[-1, -2:] = True
        return m
    return rng.standard_normal((B, n))


def masks(rng, kind, B, nh, T, S):
    """(ours, theirs) kwargs of Transformer.forward for one mask kind."""
    if kind is None:
        return {}, {}
    if kind == "bool":
        arrs = dict(src_mask=bool_mask(rng, (S, S)), tgt_mask=np.triu(np.ones((T, T), bool), 1),
                    memory_mask=bool_mask(rng, (T, S)), src_key_padding_mask=kpm(rng, B, S, "bool"),
                    tgt_key_padding_mask=kpm(rng, B, T, "bool"),
                    memory_key_padding_mask=kpm(rng, B, S, "bool"))
    elif kind == "float":
        causal = np.triu(np.full((T, T), -np.inf), 1)
        arrs = dict(src_mask=rng.standard_normal((S, S)), tgt_mask=causal,
                    memory_mask=rng.standard_normal((T, S)),
                    src_key_padding_mask=kpm(rng, B, S, "float"),
                    tgt_key_padding_mask=kpm(rng, B, T, "float"),
                    memory_key_padding_mask=kpm(rng, B, S, "float"))
    elif kind == "3d":
        arrs = dict(src_mask=rng.standard_normal((B * nh, S, S)),
                    tgt_mask=bool_mask(rng, (B * nh, T, T)),
                    memory_mask=rng.standard_normal((B * nh, T, S)))
    elif kind == "causal":  # the causal hints with generate_square_subsequent_mask's masks
        a = dict(src_mask=nn.Transformer.generate_square_subsequent_mask(S, dtype=autograd.float64),
                 tgt_mask=nn.Transformer.generate_square_subsequent_mask(T, dtype=autograd.float64),
                 src_is_causal=True, tgt_is_causal=True)
        t = dict(src_mask=torch.nn.Transformer.generate_square_subsequent_mask(S, dtype=torch.float64),
                 tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64),
                 src_is_causal=True, tgt_is_causal=True)
        return a, t
    else:
        raise AssertionError(kind)
    return ({k: autograd.tensor(v) for k, v in arrs.items()},
            {k: torch.tensor(v) for k, v in arrs.items()})


# ------------------------------------------------------------------ structure and init
@pytest.mark.parametrize("kw", [dict(), dict(bias=False), dict(norm_first=True, batch_first=True),
                                dict(activation="gelu", layer_norm_eps=1e-3)])
def test_transformer_structure_and_repr(kw):
    ours = nn.Transformer(8, 2, 2, 1, 16, **kw)
    theirs = torch.nn.Transformer(8, 2, 2, 1, 16, **kw)
    check_structure(ours, theirs)
    assert repr(ours) == repr(theirs)
    layer_a, layer_t = nn.TransformerDecoderLayer(8, 2, 12, **kw), \
        torch.nn.TransformerDecoderLayer(8, 2, 12, **kw)
    check_structure(layer_a, layer_t)
    assert repr(layer_a) == repr(layer_t)
    assert ours.d_model == 8 and ours.nhead == 2 and ours.batch_first == kw.get("batch_first", False)
    # _reset_parameters: every matrix xavier_uniform_, vectors left as the layers made them
    w = ours.decoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (8 + 16))
    assert np.abs(w).max() <= bound and w.std() > bound / 3
    if kw.get("bias", True):
        np.testing.assert_array_equal(ours.encoder.layers[0].self_attn.in_proj_bias.detach().numpy(), 0)
        np.testing.assert_array_equal(ours.encoder.norm.weight.detach().numpy(), 1)


@pytest.mark.parametrize("dtype", [None, "float64", "bool", "float32"])
def test_generate_square_subsequent_mask(dtype):
    ma = nn.Transformer.generate_square_subsequent_mask(5, dtype=dtype and getattr(autograd, dtype))
    mt = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=dtype and getattr(torch, dtype))
    assert str(ma.dtype).split(".")[-1] == str(mt.dtype).split(".")[-1]
    np.testing.assert_array_equal(ma.numpy(), mt.numpy())
    assert ma.requires_grad is False


# ------------------------------------------------------------------ decoder layer and stack
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mask_kind", [None, "bool", "float", "3d"])
def test_decoder_layer_matches_torch(norm_first, batch_first, mask_kind):
    E, nh, T, S, B = 8, 2, 4, 5, 3
    torch.manual_seed(0)
    theirs = torch.nn.TransformerDecoderLayer(E, nh, dim_feedforward=12, batch_first=batch_first,
                                              norm_first=norm_first).double().eval()
    ours = nn.TransformerDecoderLayer(E, nh, dim_feedforward=12, batch_first=batch_first,
                                      norm_first=norm_first).double().eval()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(1)
    (ta, tt), (ma, mt) = seq(rng, T, B, E, batch_first), seq(rng, S, B, E, batch_first)
    kw_a, kw_t = masks(rng, mask_kind, B, nh, T, S)
    for d in (kw_a, kw_t):
        d.pop("src_mask", None)
        d.pop("src_key_padding_mask", None)
    run_and_compare(ours, theirs, (ta, ma), (tt, mt), kw_a, kw_t, [(ta, tt), (ma, mt)])


@pytest.mark.parametrize("activation", ["gelu", "callable"])
def test_decoder_layer_activation_and_no_bias(activation):
    torch.manual_seed(0)
    act_t = torch.nn.functional.silu if activation == "callable" else activation
    act_a = nn.functional.silu if activation == "callable" else activation
    theirs = torch.nn.TransformerDecoderLayer(8, 4, 16, activation=act_t, bias=False,
                                              layer_norm_eps=1e-3).double().eval()
    ours = nn.TransformerDecoderLayer(8, 4, 16, activation=act_a, bias=False,
                                      layer_norm_eps=1e-3).double().eval()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(2)
    for batched in (True, False):  # unbatched [T, E] too
        pre = (2,) if batched else ()
        (ta, tt), (ma, mt) = (both(rng.standard_normal((3,) + pre + (8,))),
                              both(rng.standard_normal((6,) + pre + (8,))))
        ours.zero_grad()
        theirs.zero_grad()
        run_and_compare(ours, theirs, (ta, ma), (tt, mt), {}, {}, [(ta, tt), (ma, mt)])


@pytest.mark.parametrize("causal", [None, True, False])
def test_decoder_stack_matches_torch(causal):
    torch.manual_seed(0)
    lt = torch.nn.TransformerDecoderLayer(8, 2, 12, batch_first=True)
    theirs = torch.nn.TransformerDecoder(lt, 2, norm=torch.nn.LayerNorm(8)).double().eval()
    la = nn.TransformerDecoderLayer(8, 2, 12, batch_first=True)
    ours = nn.TransformerDecoder(la, 2, norm=nn.LayerNorm(8)).double().eval()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(3)
    (ta, tt), (ma, mt) = both(rng.standard_normal((2, 5, 8))), both(rng.standard_normal((2, 4, 8)))
    tm = np.triu(np.full((5, 5), -np.inf), 1)
    kw_a = dict(tgt_mask=autograd.tensor(tm), tgt_is_causal=causal,
                memory_key_padding_mask=autograd.tensor(kpm(rng, 2, 4, "bool")))
    kw_t = dict(tgt_mask=torch.tensor(tm), tgt_is_causal=causal,
                memory_key_padding_mask=torch.tensor(kw_a["memory_key_padding_mask"].numpy()))
    run_and_compare(ours, theirs, (ta, ma), (tt, mt), kw_a, kw_t, [(ta, tt), (ma, mt)])


# ------------------------------------------------------------------ the whole Transformer
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("mask_kind", [None, "bool", "float", "3d", "causal"])
def test_transformer_matches_torch(batch_first, norm_first, mask_kind):
    E, nh, S, T, B = 8, 2, 5, 4, 3
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(E, nh, 2, 2, 12, batch_first=batch_first,
                                  norm_first=norm_first).double().eval()
    ours = nn.Transformer(E, nh, 2, 2, 12, batch_first=batch_first,
                          norm_first=norm_first).double().eval()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(4)
    (sa, st), (ta, tt) = seq(rng, S, B, E, batch_first), seq(rng, T, B, E, batch_first)
    kw_a, kw_t = masks(rng, mask_kind, B, nh, T, S)
    run_and_compare(ours, theirs, (sa, ta), (st, tt), kw_a, kw_t, [(sa, st), (ta, tt)])


def test_transformer_unbatched_custom_parts_and_no_grad_path():
    torch.manual_seed(0)
    enc_t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 12), 1)
    dec_t = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 12), 1)
    theirs = torch.nn.Transformer(8, 2, custom_encoder=enc_t, custom_decoder=dec_t).double().eval()
    ours = nn.Transformer(8, 2, custom_encoder=nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 12), 1, enable_nested_tensor=False, mask_check=False),
        custom_decoder=nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 12), 1)).double().eval()
    check_structure(ours, theirs)
    assert ours.encoder.norm is None and ours.decoder.norm is None
    copy_weights(ours, theirs)
    rng = np.random.default_rng(5)
    (sa, st), (ta, tt) = both(rng.standard_normal((6, 8))), both(rng.standard_normal((3, 8)))
    run_and_compare(ours, theirs, (sa, ta), (st, tt), {}, {}, [(sa, st), (ta, tt)])
    with torch.no_grad():  # torch's inference fast paths must agree too
        close(ours(sa, ta), theirs(st, tt))


def test_transformer_errors_match_torch():
    ours, theirs = nn.Transformer(8, 2, 1, 1, 12), torch.nn.Transformer(8, 2, 1, 1, 12)
    cases = [((5, 2, 8), (4, 3, 8), "the batch number of src and tgt must be equal"),
             ((5, 2, 8), (4, 2, 6), "the feature number of src and tgt must be equal to d_model")]
    for s, t, msg in cases:
        for m, lib in ((ours, autograd), (theirs, torch)):
            with pytest.raises(RuntimeError, match=msg):
                m(lib.zeros(*s), lib.zeros(*t))
    for m, lib in ((ours, autograd), (theirs, torch)):  # a causal hint needs its mask
        with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
            m(lib.zeros(5, 2, 8), lib.zeros(4, 2, 8), tgt_is_causal=True)


# ------------------------------------------------------------------ MHA: add_bias_kv / zero_attn
@pytest.mark.parametrize("bias_kv,zero_attn", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("mask_kind", [None, "bool", "float3d", "kpm_float"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_bias_kv_zero_attn_matches_torch(bias_kv, zero_attn, mask_kind, batch_first,
                                             need_weights, average):
    E, nh, L, S, B = 8, 2, 4, 5, 3
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, nh, add_bias_kv=bias_kv, add_zero_attn=zero_attn,
                                         batch_first=batch_first).double().eval()
    ours = nn.MultiheadAttention(E, nh, add_bias_kv=bias_kv, add_zero_attn=zero_attn,
                                 batch_first=batch_first).double().eval()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(6)
    (qa, qt), (ka, kt), (va, vt) = (seq(rng, n, B, E, batch_first) for n in (L, S, S))
    arrs = {}
    if mask_kind == "bool":
        arrs = dict(attn_mask=bool_mask(rng, (L, S)), key_padding_mask=kpm(rng, B, S, "bool"))
    elif mask_kind == "float3d":
        arrs = dict(attn_mask=rng.standard_normal((B * nh, L, S)))
    elif mask_kind == "kpm_float":
        arrs = dict(key_padding_mask=kpm(rng, B, S, "float"))
    kw_a = {k: autograd.tensor(v) for k, v in arrs.items()}
    kw_t = {k: torch.tensor(v) for k, v in arrs.items()}
    oa, wa = ours(qa, ka, va, need_weights=need_weights, average_attn_weights=average, **kw_a)
    ot, wt = theirs(qt, kt, vt, need_weights=need_weights, average_attn_weights=average, **kw_t)
    close(oa, ot)
    la, lt = (oa * autograd.tensor(np.cos(np.arange(oa.numel())).reshape(oa.shape))).sum(), \
        (ot * torch.tensor(np.cos(np.arange(ot.numel())).reshape(ot.shape))).sum()
    if need_weights:
        assert tuple(wa.shape) == tuple(wt.shape)
        assert wt.shape[-1] == S + bias_kv + zero_attn
        close(wa, wt)
        la, lt = la + (wa * wa).sum(), lt + (wt * wt).sum()
    else:
        assert wa is None and wt is None
    la.backward()
    lt.backward()
    compare_grads(ours, theirs, [(qa, qt), (ka, kt), (va, vt)])


def test_mha_bias_kv_with_kdim_vdim_unbatched():
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 4, add_bias_kv=True, add_zero_attn=True, kdim=5,
                                         vdim=3).double()
    ours = nn.MultiheadAttention(8, 4, add_bias_kv=True, add_zero_attn=True, kdim=5,
                                 vdim=3).double()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(7)
    for batched in (True, False):
        pre = (2,) if batched else ()
        (qa, qt), (ka, kt), (va, vt) = (both(rng.standard_normal((4,) + pre + (8,))),
                                        both(rng.standard_normal((6,) + pre + (5,))),
                                        both(rng.standard_normal((6,) + pre + (3,))))
        m = bool_mask(rng, (4, 6))
        oa, wa = ours(qa, ka, va, attn_mask=autograd.tensor(m))
        ot, wt = theirs(qt, kt, vt, attn_mask=torch.tensor(m))
        close(oa, ot)
        close(wa, wt)
        ours.zero_grad()
        theirs.zero_grad()
        (oa.sum() + (wa * wa).sum()).backward()
        (ot.sum() + (wt * wt).sum()).backward()
        compare_grads(ours, theirs, [(qa, qt), (ka, kt), (va, vt)])


def test_mha_bias_kv_init():
    m = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    assert tuple(m.bias_k.shape) == (1, 1, 64) and tuple(m.bias_v.shape) == (1, 1, 64)
    std = np.sqrt(2.0 / (64 + 64))  # xavier_normal_ on [1, 1, E]: fan_in = fan_out = E
    for p in (m.bias_k, m.bias_v):
        s = p.detach().numpy().std()
        assert 0.6 * std < s < 1.4 * std
    assert repr(m) == repr(torch.nn.MultiheadAttention(64, 4, add_bias_kv=True))


@pytest.mark.parametrize("bias_kv", [False, True])
@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("with_kpm", [False, True])
def test_mha_is_causal_hint_as_torch(bias_kv, need_weights, with_kpm):
    """is_causal with a non-causal attn_mask: torch applies the causal mask (over all keys)
    when neither key_padding_mask nor the weights are asked for, else the given mask."""
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, add_bias_kv=bias_kv).double()
    ours = nn.MultiheadAttention(8, 2, add_bias_kv=bias_kv).double()
    copy_weights(ours, theirs)
    rng = np.random.default_rng(8)
    xa, xt = both(rng.standard_normal((4, 2, 8)))
    m = rng.standard_normal((4, 4))
    kw_a, kw_t = dict(attn_mask=autograd.tensor(m)), dict(attn_mask=torch.tensor(m))
    if with_kpm:
        p = kpm(rng, 2, 4, "bool")
        kw_a["key_padding_mask"], kw_t["key_padding_mask"] = autograd.tensor(p), torch.tensor(p)
    oa = ours(xa, xa, xa, is_causal=True, need_weights=need_weights, **kw_a)[0]
    ot = theirs(xt, xt, xt, is_causal=True, need_weights=need_weights, **kw_t)[0]
    close(oa, ot)
    oa.sum().backward()
    ot.sum().backward()
    compare_grads(ours, theirs, [(xa, xt)])


# ------------------------------------------------------------------ the real program
def test_word_language_model_transformer_matches_torch():
    """word_language_model's TransformerModel(nn.Transformer) under both libraries from the
    same weights and tokens: the NLL losses of four manual-SGD steps (main.py's update) agree
    (dropout off in both, as the layers' dropout masks come from each library's RNG)."""
    from tests.programs.test_programs import run_program
    ga = run_program("word_language_model_transformer")
    gt = run_program("word_language_model_transformer", engine="torch")
    ours = ga["TransformerModel"](20, 16, 2, 32, 2, 0.0)
    theirs = gt["TransformerModel"](20, 16, 2, 32, 2, 0.0)
    check_structure(ours, theirs)
    theirs.load_state_dict({k: torch.tensor(v.detach().numpy().copy())
                            for k, v in ours.state_dict().items()})
    for model in (ours, theirs):
        for mod in model.modules():
            if type(mod).__name__ == "Dropout":
                mod.p = 0.0
            if type(mod).__name__ == "MultiheadAttention":
                mod.dropout = 0.0
    data = np.random.default_rng(9).integers(0, 20, (9, 4))
    losses = {}
    for lib, model in ((autograd, ours), (torch, theirs)):
        d = lib.tensor(data)
        out = []
        for _ in range(4):
            model.zero_grad()
            output = model(d[:-1]).view(-1, 20)
            loss = lib.nn.NLLLoss()(output, d[1:].reshape(-1))
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-1.0)
            out.append(loss.item())
        losses[lib.__name__] = out
    np.testing.assert_allclose(losses["autograd"], losses["torch"], rtol=2e-5)
    assert losses["autograd"][-1] < losses["autograd"][0]
