"""Fused layer norm and batch norm against torch: outputs, input and parameter
gradients, running statistics (momentum and momentum=None), training and eval, float32 and
float64, through the modules, nn.functional and the torch.* entries."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

TOL = {np.float32: (2e-5, 2e-5), np.float64: (1e-11, 1e-11)}


def pair(a):
    return (autograd.tensor(a.copy(), requires_grad=True),
            torch.tensor(a.copy(), requires_grad=True))


def close(ours, theirs, dtype, scale=1.0):
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                               rtol=rtol * scale, atol=atol * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,ns", [((16, 64, 128), (128,)), ((4, 3, 5, 6), (5, 6)),
                                      ((7, 9), (9,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(dtype, shape, ns, affine):
    rng = np.random.default_rng(len(shape))
    x, tx = pair((rng.standard_normal(shape) * 3 + 1).astype(dtype))
    if affine:
        (w, tw), (b, tb) = pair(rng.standard_normal(ns).astype(dtype)), \
            pair(rng.standard_normal(ns).astype(dtype))
    else:
        w = tw = b = tb = None
    y = autograd.layer_norm(x, ns, w, b, 1e-5)
    ty = torch.layer_norm(tx, ns, tw, tb, 1e-5)
    close(y, ty, dtype)
    g = rng.standard_normal(shape).astype(dtype)
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    close(x.grad, tx.grad, dtype, 10)
    if affine:
        close(w.grad, tw.grad, dtype, 50)
        close(b.grad, tb.grad, dtype, 50)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (16, 8)), ("BatchNorm1d", (8, 4, 12)),
                                       ("BatchNorm2d", (32, 32, 8, 8)),
                                       ("BatchNorm2d", (32, 64, 4, 4)),
                                       ("BatchNorm3d", (2, 3, 4, 3, 5))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_modules_match_torch_training_then_eval(dtype, cls, shape, momentum):
    rng = np.random.default_rng(shape[1] + len(shape))
    c = shape[1]
    ours = getattr(nn, cls)(c, momentum=momentum)
    theirs = getattr(torch.nn, cls)(c, momentum=momentum)
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    wa, ba = rng.standard_normal(c).astype(dtype), rng.standard_normal(c).astype(dtype)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(wa))
        theirs.bias.copy_(torch.tensor(ba))
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    for step in range(2):  # two training steps: running statistics accumulate
        x, tx = pair((rng.standard_normal(shape) * (step + 2) + 3).astype(dtype))
        y, ty = ours(x), theirs(tx)
        close(y, ty, dtype)
        g = rng.standard_normal(shape).astype(dtype)
        y.backward(autograd.tensor(g))
        ty.backward(torch.tensor(g))
        close(x.grad, tx.grad, dtype, 20)
        close(ours.weight.grad, theirs.weight.grad, dtype, 100)
        close(ours.bias.grad, theirs.bias.grad, dtype, 100)
        close(ours.running_mean, theirs.running_mean, dtype)
        close(ours.running_var, theirs.running_var, dtype)
    ours.eval()
    theirs.eval()
    x, tx = pair(rng.standard_normal(shape).astype(dtype))
    y, ty = ours(x), theirs(tx)
    close(y, ty, dtype)
    g = rng.standard_normal(shape).astype(dtype)
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    close(x.grad, tx.grad, dtype, 10)


@pytest.mark.parametrize("training", [True, False])
def test_torch_batch_norm_function_matches(training):
    rng = np.random.default_rng(5)
    x, tx = pair(rng.standard_normal((6, 3, 4)))
    (w, tw), (b, tb) = pair(rng.standard_normal(3)), pair(rng.standard_normal(3))
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    orm, orv = autograd.tensor(rm.copy()), autograd.tensor(rv.copy())
    trm, trv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    y = autograd.batch_norm(x, w, b, orm, orv, training, 0.2, 1e-3, True)
    ty = torch.batch_norm(tx, tw, tb, trm, trv, training, 0.2, 1e-3, True)
    close(y, ty, np.float64)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for a, t in ((x.grad, tx.grad), (w.grad, tw.grad), (b.grad, tb.grad), (orm, trm), (orv, trv)):
        close(a, t, np.float64, 10)


def test_double_backward_matches_torch():
    rng = np.random.default_rng(6)
    for fn, tfn in ((lambda x, w: F.layer_norm(x, (5,), w),
                     lambda x, w: torch.nn.functional.layer_norm(x, (5,), w)),
                    (lambda x, w: F.batch_norm(x.reshape(4, 5, 1), None, None, w, training=True),
                     lambda x, w: torch.nn.functional.batch_norm(x.reshape(4, 5, 1), None, None,
                                                                 w, training=True))):
        x, tx = pair(rng.standard_normal((4, 5)))
        w, tw = pair(rng.standard_normal(5))
        y, ty = fn(x, w), tfn(tx, tw)
        (gx,) = autograd.grad((y ** 3).sum(), x, create_graph=True)
        (tgx,) = torch.autograd.grad((ty ** 3).sum(), tx, create_graph=True)
        close(gx, tgx, np.float64, 10)
        (gx * gx).sum().backward()
        (tgx * tgx).sum().backward()
        close(x.grad, tx.grad, np.float64, 100)
        close(w.grad, tw.grad, np.float64, 100)
