"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoderLayer and
TransformerEncoder against torch: names/state_dict keys/shapes, forward, returned
attention weights, and every input/parameter gradient (float64, weights copied through
state_dict and NumPy), over batch_first, masks (bool/float, 2-D/3-D, key padding),
need_weights/average_attn_weights, kdim/vdim, norm_first and activation."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
from nn.modules.attention import scaled_dot_product_attention  # noqa: E402

ATOL = 1e-10


def copy_weights(ours, theirs):
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def check_structure(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (n, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), n


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
        close(p.grad, tg[n].grad, msg=n)


@pytest.mark.parametrize("mask_kind", [None, "bool", "float", "causal"])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_matches_torch(mask_kind, scale):
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s) for s in [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)])
    if mask_kind == "causal":
        q = rng.standard_normal((2, 3, 6, 5))
    (qa, qt), (ka, kt), (va, vt) = both(q), both(k), both(v)
    kw = dict(scale=scale)
    ma = mt = None
    if mask_kind == "bool":
        m = rng.random((4, 6)) > 0.3
        m[:, 0] = True
        ma, mt = both(m)
    elif mask_kind == "float":
        ma, mt = both(rng.standard_normal((2, 1, 4, 6)), grad=False)
    if mask_kind == "causal":
        kw["is_causal"] = True
    else:
        kw["attn_mask"] = None
    oa = scaled_dot_product_attention(qa, ka, va, attn_mask=ma, **{k_: v_ for k_, v_ in kw.items()
                                                                     if k_ != "attn_mask"})
    ot = torch.nn.functional.scaled_dot_product_attention(
        qt, kt, vt, attn_mask=mt, **{k_: v_ for k_, v_ in kw.items() if k_ != "attn_mask"})
    close(oa, ot)
    g = rng.standard_normal(tuple(ot.shape))
    (oa * autograd.tensor(g)).sum().backward()
    (ot * torch.tensor(g)).sum().backward()
    for a, b in [(qa, qt), (ka, kt), (va, vt)]:
        close(a.grad, b.grad)


def make_mha(E=8, nh=2, bias=True, batch_first=False, kdim=None, vdim=None):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, nh, bias=bias, batch_first=batch_first, kdim=kdim,
                                         vdim=vdim).double()
    ours = nn.MultiheadAttention(E, nh, bias=bias, batch_first=batch_first, kdim=kdim,
                                 vdim=vdim).double()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    return ours, theirs


MASKS = [(None, None), ("bool2d", None), ("float2d", None), ("bool3d", None),
         ("float3d", None), (None, "bool"), (None, "float"), ("bool2d", "bool"),
         ("float3d", "bool")]


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("attn,kpm", MASKS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_matches_torch(attn, kpm, batch_first, need_weights, average):
    E, nh, L, S, B = 8, 2, 4, 5, 3
    ours, theirs = make_mha(E, nh, batch_first=batch_first)
    ours.train(False)
    theirs.train(False)
    rng = np.random.default_rng(1)
    shp = lambda n: (B, n, E) if batch_first else (n, B, E)  # noqa: E731
    (qa, qt), (ka, kt), (va, vt) = (both(rng.standard_normal(shp(n))) for n in (L, S, S))
    kw_a, kw_t = {}, {}
    if attn is not None:
        shape = (L, S) if attn.endswith("2d") else (B * nh, L, S)
        if attn.startswith("bool"):
            m = rng.random(shape) > 0.6
            m[..., 0] = False  # every query keeps one key (no all -inf row)
        else:
            m = rng.standard_normal(shape)
        kw_a["attn_mask"], kw_t["attn_mask"] = both(m, grad=False)
    if kpm is not None:
        if kpm == "bool":
            m = rng.random((B, S)) > 0.6
            m[:, 0] = False
        else:
            m = rng.standard_normal((B, S))
        kw_a["key_padding_mask"], kw_t["key_padding_mask"] = both(m, grad=False)
    oa, wa = ours(qa, ka, va, need_weights=need_weights, average_attn_weights=average, **kw_a)
    ot, wt = theirs(qt, kt, vt, need_weights=need_weights, average_attn_weights=average, **kw_t)
    close(oa, ot)
    if need_weights:
        assert tuple(wa.shape) == tuple(wt.shape)
        close(wa, wt)
    else:
        assert wa is None and wt is None
    g = rng.standard_normal(tuple(ot.shape))
    la = (oa * autograd.tensor(g)).sum()
    lt = (ot * torch.tensor(g)).sum()
    if need_weights:
        la = la + (wa * wa).sum()
        lt = lt + (wt * wt).sum()
    la.backward()
    lt.backward()
    compare_grads(ours, theirs, [(qa, qt), (ka, kt), (va, vt)])


@pytest.mark.parametrize("bias", [True, False])
def test_mha_kdim_vdim_unbatched_and_no_bias(bias):
    ours, theirs = make_mha(8, 4, bias=bias, kdim=5, vdim=3)
    rng = np.random.default_rng(2)
    for batched in (True, False):
        pre = (2,) if batched else ()
        (qa, qt), (ka, kt), (va, vt) = (both(rng.standard_normal((4,) + pre + (8,))),
                                        both(rng.standard_normal((6,) + pre + (5,))),
                                        both(rng.standard_normal((6,) + pre + (3,))))
        oa, wa = ours(qa, ka, va)
        ot, wt = theirs(qt, kt, vt)
        close(oa, ot)
        close(wa, wt)
        ours.zero_grad()
        theirs.zero_grad()
        (oa.sum() + wa.sum()).backward()
        (ot.sum() + wt.sum()).backward()
        compare_grads(ours, theirs, [(qa, qt), (ka, kt), (va, vt)])


def test_mha_init_and_repr():
    m = nn.MultiheadAttention(16, 4)
    t = torch.nn.MultiheadAttention(16, 4)
    assert repr(m) == repr(t)
    np.testing.assert_array_equal(m.in_proj_bias.detach().numpy(), 0)
    np.testing.assert_array_equal(m.out_proj.bias.detach().numpy(), 0)
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform_ on [3E, E]
    w = m.in_proj_weight.detach().numpy()
    assert w.min() >= -bound and w.max() <= bound and w.std() > bound / 3


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", [False, True])
def test_encoder_layer_matches_torch(norm_first, activation, batch_first, masks):
    E, nh, L, B = 8, 2, 5, 3
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(E, nh, dim_feedforward=16, dropout=0.1,
                                              activation=activation, batch_first=batch_first,
                                              norm_first=norm_first).double().eval()
    ours = nn.TransformerEncoderLayer(E, nh, dim_feedforward=16, dropout=0.1,
                                      activation=activation, batch_first=batch_first,
                                      norm_first=norm_first).double().eval()
    check_structure(ours, theirs)
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    copy_weights(ours, theirs)
    rng = np.random.default_rng(3)
    xa, xt = both(rng.standard_normal((B, L, E) if batch_first else (L, B, E)))
    kw_a, kw_t = {}, {}
    if masks:
        am = rng.random((L, L)) > 0.7
        np.fill_diagonal(am, False)
        kp = np.zeros((B, L), bool)
        kp[:, -1] = True
        kw_a = dict(src_mask=autograd.tensor(am), src_key_padding_mask=autograd.tensor(kp))
        kw_t = dict(src_mask=torch.tensor(am), src_key_padding_mask=torch.tensor(kp))
    with torch.no_grad():  # torch's inference fast path must agree as well
        close(ours(xa, **kw_a), theirs(xt, **kw_t), msg="fast path")
    ya, yt = ours(xa, **kw_a), theirs(xt, **kw_t)
    if masks:  # torch's fast path zeroes padded positions; compare the rest
        keep = ~kp.T[..., None] if not batch_first else ~kp[..., None]
        close(ya * autograd.tensor(keep.astype(float)), yt * torch.tensor(keep.astype(float)))
    else:
        close(ya, yt)
    g = rng.standard_normal(tuple(yt.shape))
    (ya * autograd.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    compare_grads(ours, theirs, [(xa, xt)])


def test_transformer_encoder_stack_matches_torch():
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, batch_first=True)
    theirs = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8),
                                         enable_nested_tensor=False).double().eval()
    ol = nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, batch_first=True)
    ours = nn.TransformerEncoder(ol, 2, norm=nn.LayerNorm(8)).double().eval()
    check_structure(ours, theirs)
    copy_weights(ours, theirs)
    xa, xt = both(np.random.default_rng(4).standard_normal((2, 5, 8)))
    ya, yt = ours(xa), theirs(xt)
    close(ya, yt)
    ya.sum().backward()
    yt.sum().backward()
    compare_grads(ours, theirs, [(xa, xt)])
