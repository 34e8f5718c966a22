"""Every op spec against PyTorch CPU: forward values and gradients (random upstream
gradient) on identical float64 data, plus second derivatives for a representative subset.

Each spec's ``call(lib, ...)`` runs once with ``lib=autograd`` and once with a thin torch
shim (tinygrad's one-lambda idea); the shim only maps names whose torch spelling differs.
"""
import types

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
from tests.autograd.ops._harness import as_tuple, leaves  # noqa: E402
from tests.autograd.ops.specs import SPECS, make_arrays  # noqa: E402

F = torch.nn.functional


def _sum_to(x, shape):
    return x.sum_to_size(shape) if shape else x.sum()


# torch spellings of the ops whose name or calling convention differs from torch.<name>
_SHIM = dict(
    view=lambda x, *shape: x.view(*shape), expand=lambda x, *s: x.expand(*s),
    expand_as=lambda x, y: x.expand_as(y), repeat=lambda x, *r: x.repeat(*r),
    view_as=lambda x, y: x.view_as(y), reshape_as=lambda x, y: x.reshape_as(y),
    contiguous=lambda x: x.contiguous(), cast=lambda x, dtype: x.to(dtype),
    getitem=lambda x, index: x[index], sum_to=_sum_to,
    index_put=lambda x, index, v: torch.index_put(x, index, v),
    relu6=F.relu6, leaky_relu=F.leaky_relu, elu=F.elu, gelu=F.gelu, silu=F.silu,
    softplus=F.softplus, hardtanh=F.hardtanh, pad=F.pad, one_hot=F.one_hot,
    tensor=torch.tensor, float32=torch.float32, float64=torch.float64,
)
TL = types.SimpleNamespace(**{n: getattr(torch, n) for n in dir(torch) if not n.startswith("__")})
TL.__dict__.update(_SHIM)
# conv/pool family: the torch.nn.functional spellings (torch.<name> variants differ, e.g.
# torch.adaptive_max_pool1d returns indices too)
TL.__dict__.update({n: getattr(F, n) for n in (
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold", "max_pool1d",
    "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool2d")})

def _torch_leaves(arrays, requires_grad):
    out = []
    for a in arrays:
        t = torch.from_numpy(a)      # same strides: non-contiguous stays non-contiguous
        out.append(t.requires_grad_(requires_grad))
    return out


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t._data)


def _float_outs(out, is_torch):
    res = []
    for o in as_tuple(out):
        if is_torch and isinstance(o, torch.Tensor) and o.is_floating_point():
            res.append(o)
        elif not is_torch and isinstance(o, autograd.Tensor) and o.dtype.kind == "f":
            res.append(o)
    return res


def _cases():
    params, seen = [], {}
    for spec in SPECS:
        k = seen.get(spec.name, 0)
        seen[spec.name] = k + 1
        tag = spec.name if k == 0 else f"{spec.name}#{k}"
        for case in spec.cases:
            marks = []
            if spec.name == "sum_to" and case.kwargs.get("shape") == ():
                # our sum_to((), ...) is a full sum; the NumPy spec checks it
                marks.append(pytest.mark.skip(reason="torch's sum_to_size has no 0-d target"))
            params.append(pytest.param(spec, case, id=f"{tag}[{case.id}]", marks=marks))
    return params


def _run(spec, case, lib_is_torch, requires_grad):
    arrays = make_arrays(spec, case)
    if lib_is_torch:
        xs = _torch_leaves([a.copy() if a.flags.c_contiguous else a for a in arrays],
                           requires_grad)
        return xs, spec.call(TL, *xs, **case.kwargs)
    xs = leaves(arrays, requires_grad)
    return xs, spec.call(autograd, *xs, **case.kwargs)


@pytest.mark.parametrize("spec,case", _cases())
def test_forward_and_gradient_match_torch(spec, case):
    diff = spec.differentiable
    txs, tout = _run(spec, case, True, diff)
    oxs, oout = _run(spec, case, False, diff)
    touts, oouts = as_tuple(tout), as_tuple(oout)
    assert len(touts) == len(oouts)
    for t, o in zip(touts, oouts):
        if isinstance(t, bool):
            assert o == t
            continue
        np.testing.assert_allclose(_np(o), _np(t), rtol=1e-10, atol=1e-12)
        assert tuple(_np(o).shape) == tuple(t.shape)
    if not diff:
        return
    rng = np.random.default_rng(7)
    tf, of = _float_outs(tout, True), _float_outs(oout, False)
    rs = [rng.standard_normal(tuple(t.shape)) for t in tf]
    tl = sum((t * torch.from_numpy(r)).sum() for t, r in zip(tf, rs))
    ol = sum((o * autograd.tensor(r)).sum() for o, r in zip(of, rs))
    tg = torch.autograd.grad(tl, txs, allow_unused=True)
    og = autograd.grad(ol, oxs, allow_unused=True)
    for t, o, x in zip(tg, og, oxs):
        if t is None:
            assert o is None or np.allclose(o.numpy(), 0)
            continue
        assert o is not None
        assert o.shape == x.shape
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-9, atol=1e-12)


SECOND_ORDER = ["mul", "div", "pow", "exp", "log", "sqrt", "tanh", "sigmoid", "gelu", "silu",
                "softplus", "erf", "sum", "mean", "prod", "var", "std", "logsumexp", "norm",
                "amax", "max", "cumprod", "matmul", "einsum", "softmax", "log_softmax",
                "gather", "getitem", "cat", "pad", "maximum", "where", "elu", "lerp"]


def _second_order_cases():
    params, done = [], set()
    for spec in SPECS:
        if spec.name in SECOND_ORDER and spec.name not in done and spec.differentiable:
            done.add(spec.name)
            params.append(pytest.param(spec, spec.cases[0], id=spec.name))
    assert done == set(SECOND_ORDER), set(SECOND_ORDER) - done
    return params


@pytest.mark.parametrize("spec,case", _second_order_cases())
def test_second_derivative_matches_torch(spec, case):
    rng = np.random.default_rng(11)
    res = []
    for is_torch in (True, False):
        xs, out = _run(spec, case, is_torch, True)
        outs = _float_outs(out, is_torch)
        rs = [rng.standard_normal(tuple(o.shape)) for o in outs] if not res else res[0][1]
        wrap = torch.from_numpy if is_torch else autograd.tensor
        grad = torch.autograd.grad if is_torch else autograd.grad
        loss = sum((o * wrap(r)).sum() for o, r in zip(outs, rs))
        gs = grad(loss, xs, create_graph=True, allow_unused=True)
        v = [np.random.default_rng(3 + i).standard_normal(tuple(x.shape)) for i, x in enumerate(xs)]
        pairs = [(g, wrap(vi)) for g, vi in zip(gs, v) if g is not None and g.requires_grad]
        if not pairs:
            res.append((None, rs))
            continue
        total = sum((g * vi).sum() for g, vi in pairs)
        hv = grad(total, xs, allow_unused=True)
        res.append(([None if h is None else _np(h) for h in hv], rs))
    (t_hv, _), (o_hv, _) = res
    assert (t_hv is None) == (o_hv is None)
    for t, o in zip(t_hv or [], o_hv or []):
        if t is None or o is None:
            assert t is None and (o is None or np.allclose(o, 0)) or o is None and np.allclose(t, 0)
            continue
        np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-12)
