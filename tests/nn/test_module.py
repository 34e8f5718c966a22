"""Module system: registration, traversal order, state_dict/load_state_dict (and their
errors), modes, hooks, dtype moves, containers, repr and summary."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.scale = nn.Parameter(autograd.ones(1))
        self.register_buffer("steps", autograd.zeros(1))
        self.register_buffer("cache", autograd.zeros(2), persistent=False)
        self.block = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
        self.plain = 5

    def forward(self, x):
        return self.block(self.fc1(x)) * self.scale


def test_registration_and_order():
    m = Net()
    assert [n for n, _ in m.named_parameters()] == [
        "scale", "fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias"]
    assert [n for n, _ in m.named_buffers()] == ["steps", "cache"]
    assert list(m.state_dict()) == ["scale", "steps", "fc1.weight", "fc1.bias",
                                    "block.0.weight", "block.0.bias"]
    assert [n for n, _ in m.named_children()] == ["fc1", "block"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "block", "block.0", "block.1"]
    assert len(list(m.modules())) == 5 and len(list(m.children())) == 2
    assert m.plain == 5 and "plain" not in m._parameters
    assert {"fc1", "scale", "steps", "block"} <= set(dir(m))
    assert [n for n, _ in m.named_parameters(prefix="net", recurse=False)] == ["net.scale"]


def test_shared_parameters_listed_once_and_reassignment_rules():
    m = nn.Module()
    lin = nn.Linear(2, 2)
    m.a, m.b = lin, lin
    assert len(list(m.parameters())) == 2
    assert len(list(m.named_parameters(remove_duplicate=False))) == 4
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = autograd.zeros(2, 2)
    lin.weight = None
    assert [n for n, _ in lin.named_parameters()] == ["bias"]
    with pytest.raises(TypeError, match="child module 'a'"):
        m.a = 3
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("x.y", autograd.zeros(1))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        m.nope
    del m.a
    assert [n for n, _ in m.named_children()] == ["b"]


def test_assign_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(autograd.ones(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_state_dict_shares_storage_and_is_detached():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["weight"].requires_grad and sd["weight"].is_leaf
    sd["weight"].numpy()[0, 0] = 42.0
    assert m.weight.detach().numpy()[0, 0] == 42.0
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_load_state_dict_roundtrip_and_errors():
    a, b = Net(), Net()
    res = b.load_state_dict(a.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    sd = a.state_dict()
    del sd["fc1.bias"]
    sd["extra.weight"] = autograd.zeros(1)
    sd["block.0.weight"] = autograd.zeros(5, 3)
    with pytest.raises(RuntimeError) as info:
        b.load_state_dict(sd)
    msg = str(info.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert 'Missing key(s) in state_dict: "fc1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert "size mismatch for block.0.weight: copying a param with shape torch.Size([5, 3])" in msg
    sd["block.0.weight"] = autograd.zeros(3, 3)
    res = b.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["extra.weight"]
    # numpy arrays are accepted too
    b.load_state_dict({k: v.numpy() for k, v in a.state_dict().items()})


def test_load_state_dict_keeps_parameter_identity():
    m = nn.Linear(3, 2)
    w = m.weight
    m.load_state_dict({"weight": autograd.ones(2, 3), "bias": autograd.zeros(2)})
    assert m.weight is w and np.all(w.detach().numpy() == 1)


def test_train_eval_zero_grad_requires_grad_apply():
    m = Net()
    assert m.training and m.block[1].training
    m.eval()
    assert not m.training and not m.block[1].training
    m.train()
    assert m.block[0].training
    with pytest.raises(ValueError):
        m.train("yes")
    m(autograd.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Linear", "ReLU", "Sequential", "Net"]


def test_to_double_float_keeps_identity_and_int_buffers():
    bn = nn.BatchNorm1d(3)
    w = bn.weight
    bn.double()
    assert bn.weight is w and w.dtype == autograd.float64
    assert bn.running_mean.dtype == autograd.float64
    assert bn.num_batches_tracked.dtype == autograd.int64
    bn.to(autograd.float32)
    assert w.dtype == autograd.float32
    assert bn.to("cpu") is bn and bn.cpu() is bn
    with pytest.raises(RuntimeError, match="CPU only"):
        bn.to("cuda")
    with pytest.raises(TypeError):
        bn.to(autograd.int64)


def test_forward_hooks_and_handles():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    y = m(autograd.ones(1, 2))
    np.testing.assert_allclose(y.detach().numpy(), m.bias.detach().numpy()[None] + 1, rtol=1e-6)
    assert calls == [(1, 2)]
    h1.remove()
    h2.remove()
    h2.remove()
    y = m(autograd.ones(1, 2))
    assert len(calls) == 1
    with m.register_forward_hook(lambda *a: calls.append(1)):
        m(autograd.ones(1, 2))
    m(autograd.ones(1, 2))
    assert len(calls) == 2


def test_sequential_containers():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear)
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[1] is s[2]
    assert [n for n, _ in sub.named_children()] == ["1", "2"]
    s.append(nn.Sigmoid())
    assert list(s._modules) == ["0", "1", "2", "3"]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and isinstance(s[1], nn.Linear)
    s.insert(1, nn.Tanh())
    assert isinstance(s[1], nn.Tanh) and len(s) == 4
    s[0] = nn.Identity()
    assert isinstance(s[0], nn.Identity)
    assert s(autograd.randn(4, 3)).shape == (4, 1)
    with pytest.raises(IndexError):
        s[10]
    named = nn.Sequential(OrderedDict([("conv", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["conv.weight", "conv.bias"]
    assert named.conv is named[0]
    assert [type(m).__name__ for m in named] == ["Linear", "ReLU"]


def test_modulelist_moduledict_parameterlist():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml += [nn.Sigmoid()]
    assert len(ml) == 6 and isinstance(ml[-1], nn.Sigmoid)
    assert isinstance(ml[:2], nn.ModuleList)
    del ml[0]
    assert list(ml._modules) == [str(i) for i in range(5)]
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and len(ml) == 6
    assert "(1-2): 2 x Linear(in_features=2, out_features=2, bias=True)" in repr(ml)
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    assert list(md) == ["a", "b", "c"] and "a" in md and len(md) == 3
    assert list(md.keys()) == ["a", "b", "c"]
    md.pop("b")
    assert list(dict(md.items())) == ["a", "c"]
    pl = nn.ParameterList([autograd.ones(2), nn.Parameter(autograd.zeros(3))])
    pl.append(autograd.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert all(isinstance(p, nn.Parameter) for p in pl)


def test_parameter_basics():
    t = autograd.ones(2)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and isinstance(p, autograd.Tensor)
    assert repr(p).startswith("Parameter containing:\ntensor(")
    p.detach().numpy()[0] = 7
    assert t.numpy()[0] == 7  # shares storage
    assert not nn.Parameter(autograd.ones(1), requires_grad=False).requires_grad
    assert type(p * 2) is autograd.Tensor
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    with pytest.raises(AttributeError):
        p.some_attr = 1  # __slots__ = ()


def test_deepcopy_module():
    m = Net()
    c = copy.deepcopy(m)
    c.fc1.weight.detach().numpy()[...] = 0
    assert not np.all(m.fc1.weight.detach().numpy() == 0)
    assert list(c.state_dict()) == list(m.state_dict())


def test_repr_nested():
    m = Net()
    text = repr(m)
    assert text.startswith("Net(\n  (fc1): Linear(in_features=4, out_features=3, bias=True)\n"
                           "  (block): Sequential(\n    (0): Linear(")
    assert text.endswith("    (1): ReLU()\n  )\n)")


def test_summary_table():
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 2)),
                      nn.BatchNorm1d(2))
    m.train()
    m[3].weight.requires_grad_(False)
    text = m.summary((5, 4), print_fn=None)
    assert "0 (Linear)" in text and "[5, 8]" in text and "2.0 (Linear)" in text
    assert "Total params: 62" in text
    assert "Trainable params: 60" in text and "Non-trainable params: 2" in text
    assert m.training and int(m[3].num_batches_tracked.item()) == 0  # stats untouched
    assert not m[0]._forward_hooks  # hooks removed
    lines = [ln for ln in text.splitlines() if ln.split() and ln.split()[-1].replace(",", "").isdigit()
             and ":" not in ln]
    assert sum(int(ln.split()[-1].replace(",", "")) for ln in lines) == 62


def test_summary_embedding_dtype_and_tuple_output():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 3)

        def forward(self, x):
            e = self.emb(x)
            return e, e.sum(-1)

    text = Two().summary((2, 5), dtype=autograd.int64, print_fn=None)
    assert "emb (Embedding)" in text and "[2, 5, 3]" in text and "Total params: 30" in text


def test_summary_function_is_the_method():
    from nn.utils.summary import summary
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    printed = []
    text = summary(m, (3, 4), print_fn=printed.append)
    assert printed == [text] and text == m.summary((3, 4), print_fn=None)
    assert nn.utils.summary is summary


def test_writes_bump_the_version():
    """load_state_dict, to(dtype), zero_grad(set_to_none=False) write through
    autograd._inplace, so a graph that saved the old value notices."""
    m = nn.Linear(3, 2)
    w = m.weight
    v = w._version
    m.load_state_dict(m.state_dict())
    assert w._version == v + 1
    m.double()
    assert w._version == v + 2 and w.dtype == autograd.float64
    m(autograd.ones(1, 3, dtype=autograd.float64)).sum().backward()
    g = w.grad
    m.zero_grad(set_to_none=False)
    assert w.grad is g and not g.numpy().any()


def test_missing_forward():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_get_submodule_parameter_and_register_module():
    m = Net()
    assert m.get_submodule("block.0") is m.block[0]
    assert m.get_submodule("") is m
    assert m.get_parameter("block.0.bias") is m.block[0].bias
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        m.get_submodule("block.nope")
    m.register_module("head", nn.Linear(3, 1))
    assert [n for n, _ in m.named_children()][-1] == "head"
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("plain", autograd.zeros(1))
