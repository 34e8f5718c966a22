"""Module-level parity with torch.nn: the same architecture gives the same parameter
names, state_dict keys and shapes; torch weights load into ours (and ours into torch)
through NumPy; load_state_dict errors read alike; nn.utils and nn.init match."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402


def arch(m):
    class Block(m.Module):
        def __init__(self):
            super().__init__()
            self.conv = m.Conv2d(2, 4, 3, padding=1)
            self.bn = m.BatchNorm2d(4)
            self.heads = m.ModuleList([m.Linear(4, 3), m.Linear(4, 3, bias=False)])
            self.table = m.ModuleDict({"emb": m.Embedding(7, 4), "ln": m.LayerNorm(4)})
            self.rnn = m.GRU(4, 5, num_layers=2, batch_first=True)
            self.att = m.MultiheadAttention(4, 2, batch_first=True)
            self.register_buffer("scale", torch.ones(1) if m is torch.nn else autograd.ones(1))

    return m.Sequential(Block(), m.Flatten())


def test_names_keys_shapes_identical():
    ours, theirs = arch(nn), arch(torch.nn)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), k
        assert np.dtype(a.dtype) == b.numpy().dtype, k


def test_torch_weights_load_into_ours_and_back():
    ours, theirs = arch(nn), arch(torch.nn)
    res = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert res.missing_keys == [] and res.unexpected_keys == []
    for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    theirs2 = arch(torch.nn)
    theirs2.load_state_dict({k: torch.from_numpy(np.array(v.numpy()))
                             for k, v in ours.state_dict().items()})


def test_load_state_dict_error_message_format_matches_torch():
    def message(m, lib):
        sd = m.state_dict()
        del sd["0.bias"]
        sd["0.extra"] = sd["0.weight"]
        sd["1.weight"] = sd["0.weight"]
        with pytest.raises(RuntimeError) as info:
            m.load_state_dict(sd)
        return str(info.value)

    def model(m):
        return m.Sequential(m.Linear(2, 3), m.Linear(3, 3))

    ours, theirs = message(model(nn), nn), message(model(torch.nn), torch.nn)
    assert ours == theirs


def test_clip_grad_and_vector_utils_match_torch():
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    grads = [rng.standard_normal(s) for s in shapes]
    for norm_type in (2.0, 1.0, 3.0, float("inf")):
        ours = [nn.Parameter(autograd.zeros(*s, dtype=autograd.float64)) for s in shapes]
        theirs = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = autograd.tensor(g), torch.tensor(g)
        a = nn.utils.clip_grad_norm_(ours, 0.7, norm_type=norm_type)
        b = torch.nn.utils.clip_grad_norm_(theirs, 0.7, norm_type=norm_type)
        assert a.item() == pytest.approx(b.item(), rel=1e-10)
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10)
    ours = [nn.Parameter(autograd.zeros(*s, dtype=autograd.float64)) for s in shapes]
    theirs = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = autograd.tensor(g), torch.tensor(g)
    nn.utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    v = np.arange(sum(int(np.prod(s)) for s in shapes), dtype=np.float64)
    nn.utils.vector_to_parameters(autograd.tensor(v), ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(v), theirs)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    np.testing.assert_array_equal(nn.utils.parameters_to_vector(ours).detach().numpy(),
                                  torch.nn.utils.parameters_to_vector(theirs).detach().numpy())


def test_init_gains_and_fans_match_torch():
    for args in [("linear",), ("relu",), ("tanh",), ("leaky_relu", 0.3), ("selu",), ("sigmoid",)]:
        assert nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    for shape in [(3, 4), (8, 4, 3, 3), (2, 5, 7)]:
        assert nn.init._calculate_fan_in_and_fan_out(autograd.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_functional_surface():
    """Every name nn.functional promises exists in torch.nn.functional with the same
    leading positional parameters."""
    import inspect
    for name in F.__all__:
        assert hasattr(torch.nn.functional, name), name
        ours = getattr(F, name)
        try:
            theirs_params = list(inspect.signature(getattr(torch.nn.functional, name)).parameters)
        except (TypeError, ValueError):
            continue
        ours_params = list(inspect.signature(ours).parameters)
        if theirs_params == ["args", "kwargs"]:  # torch's boolean_dispatch wrappers
            continue
        n = min(3, len(theirs_params))
        assert ours_params[:n] == theirs_params[:n], name


def test_full_pytorch_spellings():
    import nn.functional
    assert autograd.nn is nn and autograd.nn.functional is F
    assert autograd.nn.Linear is nn.Linear and autograd.nn.init is nn.init
    assert autograd.nn.utils.clip_grad_norm_ is nn.utils.clip_grad_norm_
