"""Every layer against torch.nn: same parameter names / state_dict keys / shapes, and
(with weights copied through state_dict and NumPy) the same forward, input gradients,
parameter gradients and buffers, in float64."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402

TNN = torch.nn


def copy_weights(ours, theirs):
    """ours -> theirs through state_dict and NumPy."""
    sd = {k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(sd)


def assert_same_structure(ours, theirs):
    assert list(ours.state_dict().keys()) == list(theirs.state_dict().keys())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    for (n, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), n


def compare(ours, theirs, *inputs, atol=1e-10, steps=1):
    """Forward + backward with a random upstream gradient; compare everything."""
    ours.double()
    theirs.double()
    assert_same_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        xo = [autograd.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
        xt = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
        yo, yt = ours(*xo), theirs(*xt)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
        g = rng.standard_normal(tuple(yt.shape))
        yo.backward(autograd.tensor(g))
        yt.backward(torch.tensor(g))
        for a, b in zip(xo, xt):
            if b.requires_grad:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=1e-7)
        tp = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=atol,
                                       rtol=1e-7, err_msg=name)
            p.grad = None
            tp[name].grad = None
        tb = dict(theirs.named_buffers())
        for name, b in ours.named_buffers():
            np.testing.assert_allclose(b.numpy(), tb[name].numpy(), atol=atol, err_msg=name)


def randn(*shape):
    return np.random.default_rng(0).standard_normal(shape)


LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), [(4, 5)]),
    ("Linear-nobias-3d", lambda m: m.Linear(5, 3, bias=False), [(2, 4, 5)]),
    ("Bilinear", lambda m: m.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
    ("Conv1d", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    ("Conv1d-same", lambda m: m.Conv1d(2, 2, 4, padding="same", bias=False), [(2, 2, 7)]),
    ("Conv2d", lambda m: m.Conv2d(3, 4, 3, padding=1), [(2, 3, 6, 6)]),
    ("Conv2d-groups", lambda m: m.Conv2d(4, 6, (3, 2), stride=(2, 1), groups=2, dilation=(1, 2)),
     [(2, 4, 7, 7)]),
    ("ConvTranspose1d", lambda m: m.ConvTranspose1d(3, 2, 3, stride=2, padding=1, output_padding=1),
     [(2, 3, 5)]),
    ("ConvTranspose2d", lambda m: m.ConvTranspose2d(2, 4, 3, stride=2), [(2, 2, 4, 5)]),
    ("MaxPool1d", lambda m: m.MaxPool1d(2), [(2, 3, 8)]),
    ("MaxPool2d", lambda m: m.MaxPool2d(3, stride=2, padding=1), [(2, 3, 7, 7)]),
    ("AvgPool1d", lambda m: m.AvgPool1d(3, 2, 1), [(2, 3, 8)]),
    ("AvgPool2d", lambda m: m.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
     [(2, 3, 7, 7)]),
    ("AdaptiveAvgPool1d", lambda m: m.AdaptiveAvgPool1d(3), [(2, 3, 8)]),
    ("AdaptiveAvgPool2d", lambda m: m.AdaptiveAvgPool2d((2, 3)), [(2, 3, 7, 8)]),
    ("AdaptiveMaxPool2d", lambda m: m.AdaptiveMaxPool2d(2), [(2, 3, 6, 5)]),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(3), [(4, 3)]),
    ("BatchNorm1d-3d", lambda m: m.BatchNorm1d(3, momentum=None), [(4, 3, 5)]),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3, momentum=0.3), [(2, 3, 4, 4)]),
    ("BatchNorm2d-noaffine", lambda m: m.BatchNorm2d(3, affine=False), [(2, 3, 4, 4)]),
    ("BatchNorm2d-nostats", lambda m: m.BatchNorm2d(3, track_running_stats=False), [(2, 3, 4, 4)]),
    ("LayerNorm", lambda m: m.LayerNorm((4, 5)), [(2, 3, 4, 5)]),
    ("LayerNorm-noaffine", lambda m: m.LayerNorm(5, elementwise_affine=False), [(3, 5)]),
    ("GroupNorm", lambda m: m.GroupNorm(2, 4), [(2, 4, 3, 3)]),
    ("Flatten", lambda m: m.Flatten(), [(2, 3, 4)]),
    ("Unflatten", lambda m: m.Unflatten(1, (2, 3)), [(4, 6)]),
    ("Identity", lambda m: m.Identity(3, k=1), [(4, 6)]),
    ("ReLU", lambda m: m.ReLU(), [(3, 4)]),
    ("ReLU6", lambda m: m.Sequential(m.ReLU6()), [(3, 40)]),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), [(3, 4)]),
    ("ELU", lambda m: m.ELU(0.5), [(3, 4)]),
    ("GELU", lambda m: m.GELU(), [(3, 4)]),
    ("GELU-tanh", lambda m: m.GELU("tanh"), [(3, 4)]),
    ("SiLU", lambda m: m.SiLU(), [(3, 4)]),
    ("Sigmoid", lambda m: m.Sigmoid(), [(3, 4)]),
    ("Tanh", lambda m: m.Tanh(), [(3, 4)]),
    ("Softplus", lambda m: m.Softplus(beta=2, threshold=1), [(3, 4)]),
    ("Softmax", lambda m: m.Softmax(dim=1), [(3, 4)]),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1), [(3, 4)]),
    ("Hardtanh", lambda m: m.Hardtanh(-0.5, 0.7), [(3, 4)]),
    ("Dropout-eval", lambda m: m.Dropout(0.3).eval(), [(3, 4)]),
]


@pytest.mark.parametrize("name,make,shapes", LAYERS, ids=[l[0] for l in LAYERS])
def test_layer_matches_torch(name, make, shapes):
    inputs = [randn(*s) * (8 if name == "ReLU6" else 1) for s in shapes]
    compare(make(nn), make(TNN), *inputs, steps=2 if "BatchNorm" in name else 1)


def test_batchnorm_eval_uses_running_stats():
    ours, theirs = nn.BatchNorm2d(3), TNN.BatchNorm2d(3)
    compare(ours, theirs, randn(2, 3, 4, 4) * 3 + 1, steps=3)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, randn(2, 3, 4, 4))
    assert int(ours.num_batches_tracked.item()) == 3


def test_embedding_padding_idx():
    ours = nn.Embedding(10, 4, padding_idx=1)
    theirs = TNN.Embedding(10, 4, padding_idx=1)
    assert np.all(ours.weight.detach().numpy()[1] == 0)
    ours.double()
    theirs.double()
    copy_weights(ours, theirs)
    idx = np.array([[1, 2, 3, 1], [9, 0, 1, 2]])
    yo = ours(autograd.tensor(idx))
    yt = theirs(torch.tensor(idx))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy())
    g = randn(2, 4, 4)
    yo.backward(autograd.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    assert np.all(ours.weight.grad.numpy()[1] == 0)


def test_embedding_from_pretrained_and_max_norm():
    w = randn(5, 3)
    ours = nn.Embedding.from_pretrained(autograd.tensor(w), max_norm=1.0)
    theirs = TNN.Embedding.from_pretrained(torch.tensor(w), max_norm=1.0)
    assert not ours.weight.requires_grad
    idx = np.array([0, 2, 2, 4])
    np.testing.assert_allclose(ours(autograd.tensor(idx)).numpy(),
                               theirs(torch.tensor(idx)).numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-6)


def test_conv_transpose_output_size():
    ours, theirs = nn.ConvTranspose2d(2, 3, 3, stride=2), TNN.ConvTranspose2d(2, 3, 3, stride=2)
    ours.double()
    theirs.double()
    copy_weights(ours, theirs)
    x = randn(1, 2, 4, 4)
    yo = ours(autograd.tensor(x), output_size=[10, 10])
    yt = theirs(torch.tensor(x), output_size=[10, 10])
    assert tuple(yo.shape) == tuple(yt.shape) == (1, 3, 10, 10)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), atol=1e-12)


def test_reprs_match_torch():
    for name, make, _ in LAYERS:
        assert repr(make(nn)) == repr(make(TNN)), name
    for make in (lambda m: m.Embedding(10, 4, padding_idx=1), lambda m: m.CrossEntropyLoss(),
                 lambda m: m.Dropout2d(0.2), lambda m: m.MaxPool2d(2),
                 lambda m: m.ModuleList([m.Linear(2, 2) for _ in range(3)] + [m.ReLU()]),
                 lambda m: m.Conv2d(1, 2, 3, padding="same", bias=False)):
        assert repr(make(nn)) == repr(make(TNN))


def _cnn(m):
    return m.Sequential(
        m.Conv2d(1, 4, 3), m.BatchNorm2d(4), m.ReLU(), m.MaxPool2d(2),
        m.Sequential(m.Conv2d(4, 6, 3, padding=1), m.GroupNorm(2, 6)),
        m.Flatten(), m.Linear(6 * 3 * 3, 5), m.LayerNorm(5), m.Dropout(0.5))


def test_composite_model_names_keys_and_gradients():
    ours, theirs = _cnn(nn), _cnn(TNN)
    ours[-1].p = theirs[-1].p = 0.0  # deterministic
    compare(ours, theirs, randn(3, 1, 8, 8), steps=2)


def test_default_init_statistics_match_torch():
    """Same distributions as PyTorch's default init: every parameter U(-b, b) with
    b = 1/sqrt(fan_in) (kaiming_uniform_(a=sqrt(5)) and the bias rule)."""
    from torch.nn.init import _calculate_fan_in_and_fan_out
    for make in (lambda m: m.Linear(400, 300), lambda m: m.Conv2d(16, 32, 5),
                 lambda m: m.ConvTranspose2d(16, 8, 3), lambda m: m.Bilinear(30, 20, 10)):
        o, t = make(nn), make(TNN)
        fan_in = t.weight.shape[1] if isinstance(t, TNN.Bilinear) else \
            _calculate_fan_in_and_fan_out(t.weight)[0]
        bound = 1 / np.sqrt(fan_in)
        for (n, a), (_, b) in zip(o.named_parameters(), t.named_parameters()):
            a, b = a.detach().numpy(), b.detach().numpy()
            for arr in (a, b):
                assert np.abs(arr).max() <= bound * (1 + 1e-6), n
                if arr.size > 1000:
                    assert np.abs(arr).max() >= 0.99 * bound, n
                    assert abs(arr.std() - bound / np.sqrt(3)) < 0.05 * bound, n
