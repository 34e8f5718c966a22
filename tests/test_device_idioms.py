"""Device idioms and legacy PyTorch names that open real scripts (issue 12), without torch."""
import copy
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import autograd as torch
import nn
import optim
from autograd.dtypes import DeviceUnavailableError
from autograd.utils.data import (
    ChainDataset,
    DataLoader,
    DistributedSampler,
    IterableDataset,
    StackDataset,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)


# ------------------------------------------------------------------------------ devices
def test_device_objects():
    d = torch.device("cuda:1")
    assert (d.type, d.index, str(d), repr(d)) == ("cuda", 1, "cuda:1", "device(type='cuda', index=1)")
    assert torch.device("cuda", 1) == d and torch.device(d) == d
    assert repr(torch.device("cpu")) == "device(type='cpu')" and torch.device("cpu").index is None
    assert torch.device("cpu") != torch.device("cpu", 0)
    assert torch.device("cpu") == "cpu" and "cpu" == torch.device("cpu")
    assert {torch.device("cpu"): 1}[torch.device("cpu")] == 1
    assert pickle.loads(pickle.dumps(d)) == d and copy.deepcopy(d) == d
    assert torch.device("mps").type == "mps" and not isinstance(torch.device("cpu"), str)
    with pytest.raises(AttributeError):
        d.index = 2


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cuda:-1", "CPU", " cpu", "cuda:01"])
def test_device_bad_strings(bad):
    with pytest.raises(RuntimeError):
        torch.device(bad)


def test_tensor_device_properties():
    x = torch.zeros(2)
    assert x.device == "cpu" and str(x.device) == "cpu" and isinstance(x.device, torch.device)
    assert x.is_cpu and not x.is_cuda and not x.is_mps and not x.is_xpu and x.get_device() == -1
    assert x.to("cpu") is x and x.cpu() is x and x.to(torch.device("cpu")) is x
    assert x.to("cpu", non_blocking=True) is x and x.pin_memory() is x and not x.is_pinned()
    y = x.to("cpu", copy=True)
    assert y is not x and np.array_equal(y.numpy(), x.numpy())
    assert x.to(torch.device("cpu"), torch.float64).dtype == torch.float64
    assert x.copy_(torch.ones(2), non_blocking=True) is x


@pytest.mark.parametrize("move", [lambda x: x.cuda(), lambda x: x.to("cuda"), lambda x: x.to("mps"),
                                  lambda x: x.to(device="cuda:0"), lambda x: x.to(0),
                                  lambda x: x.to("cuda", torch.float64),
                                  lambda x: x.cuda(non_blocking=True)])
def test_accelerators_raise_clearly(move):
    with pytest.raises(RuntimeError, match="CPU only|accelerator") as info:
        move(torch.zeros(2))
    assert isinstance(info.value, (DeviceUnavailableError, RuntimeError))
    with pytest.raises(AssertionError):  # PyTorch's CPU build raises AssertionError for CUDA
        move(torch.zeros(2))


def test_module_to_cpu_and_device_context():
    m = nn.Linear(2, 2).to(torch.device("cpu"))
    assert m.weight.device == "cpu"
    with torch.device("cpu"):
        assert torch.zeros(1).device == torch.device("cpu")
    with pytest.raises(RuntimeError), torch.device("cuda"):
        pass


def test_cuda_module():
    assert torch.cuda.is_available() is False and torch.cuda.device_count() == 0
    assert torch.cuda.manual_seed(0) is None and torch.cuda.manual_seed_all(0) is None
    assert torch.cuda.seed() is None and torch.cuda.is_bf16_supported() is False
    assert torch.cuda.empty_cache() is None and torch.cuda.reset_peak_memory_stats() is None
    assert torch.cuda.memory_allocated() == 0 and torch.cuda.max_memory_allocated() == 0
    for f in (torch.cuda.current_device, torch.cuda.get_device_name, torch.cuda.synchronize):
        with pytest.raises(AssertionError, match="CPU only"):
            f()
    assert not isinstance(torch.zeros(1), torch.cuda.FloatTensor)
    with pytest.raises(RuntimeError):
        torch.cuda.FloatTensor(2)


def test_backends_accelerator_cpu_modules():
    import autograd.backends.cudnn as cudnn
    assert cudnn is torch.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
    old = cudnn.deterministic
    try:
        torch.backends.cudnn.deterministic = True
        assert cudnn.deterministic is True
    finally:
        torch.backends.cudnn.deterministic = old
    assert torch.backends.mps.is_available() is False and torch.backends.mps.is_built() is False
    assert torch.backends.cuda.matmul.allow_tf32 is False
    assert torch.accelerator.is_available() is False
    assert torch.accelerator.current_accelerator() is None
    assert torch.cpu.is_available() and torch.cpu.device_count() == 1


def test_autocast_runs_in_full_precision():
    x = torch.ones(2, 2)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        assert torch.is_autocast_enabled("cpu")
        assert (x @ x).dtype == torch.float32
    assert not torch.is_autocast_enabled("cpu")
    with torch.amp.autocast("cpu", enabled=False):
        assert not torch.is_autocast_enabled("cpu")
    with torch.cpu.amp.autocast():
        pass
    with pytest.warns(UserWarning, match="Disabling autocast"):
        ac = torch.autocast("cuda")
    with ac:
        assert not torch.is_autocast_enabled("cuda")
    assert torch.autocast("cpu")(lambda a: a + 1)(x).dtype == torch.float32
    with pytest.raises(RuntimeError):
        torch.autocast("tpu")


def test_grad_scaler_disabled_semantics():
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    ref = nn.Linear(3, 1)
    ref.load_state_dict(model.state_dict())
    ref_opt = optim.SGD(ref.parameters(), lr=0.1)
    x = torch.ones(4, 3)
    scaler = torch.amp.GradScaler("cpu")
    for _ in range(3):
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        assert scaler.scale(loss) is loss
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        ref_opt.zero_grad()
        ref(x).pow(2).mean().backward()
        ref_opt.step()
    np.testing.assert_array_equal(model.weight.detach().numpy(), ref.weight.detach().numpy())
    assert scaler.get_scale() == 1.0 and not scaler.is_enabled() and scaler.state_dict() == {}
    with pytest.warns(UserWarning, match="not available"):
        torch.cuda.amp.GradScaler()
    assert not torch.cuda.amp.GradScaler(enabled=False).is_enabled()


def test_compile_returns_the_model():
    m = nn.Linear(2, 2)
    assert torch.compile(m) is m
    f = torch.compile(mode="max-autotune")(abs)
    assert f is abs


def test_global_switches():
    assert torch.get_float32_matmul_precision() == "highest"
    try:
        torch.set_float32_matmul_precision("high")
        assert torch.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning):
            torch.set_float32_matmul_precision("bad")
        assert torch.get_float32_matmul_precision() == "high"
    finally:
        torch.set_float32_matmul_precision("highest")
    try:
        torch.use_deterministic_algorithms(True, warn_only=True)
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(False)
    assert not torch.are_deterministic_algorithms_enabled()
    assert torch.get_default_device() == "cpu"


# ------------------------------------------------------------------------ names, dtypes
def test_constants_and_dtype_type():
    assert torch.inf == float("inf") and np.isnan(torch.nan)
    assert torch.pi == np.pi and torch.e == np.e
    for d in (torch.float32, torch.float16, torch.half, torch.bfloat16, torch.uint8, torch.int8,
              torch.int16, torch.int32, torch.bool, torch.long, torch.float, torch.double):
        assert isinstance(d, torch.dtype)
    assert torch.float is torch.float32 and torch.long is torch.int64 and torch.int is torch.int32
    assert not isinstance("float32", torch.dtype)
    with pytest.raises(TypeError):
        torch.dtype()


def test_bfloat16_is_named_but_not_storable():
    assert repr(torch.bfloat16) == "torch.bfloat16" and torch.bfloat16 != torch.float16
    for make in (lambda: torch.zeros(2, dtype=torch.bfloat16), lambda: torch.ones(2).to(torch.bfloat16),
                 lambda: torch.tensor([1.0], dtype=torch.bfloat16),
                 lambda: torch.ones(1).type("torch.BFloat16Tensor"),
                 lambda: torch.BFloat16Tensor([1.0])):
        with pytest.raises(TypeError, match="bfloat16 is not supported"):
            make()


def test_finfo_iinfo():
    f = torch.finfo(torch.float32)
    assert f.eps == np.finfo(np.float32).eps and type(f.eps) is float and f.bits == 32
    assert f.tiny == f.smallest_normal and f.min == -f.max and f.resolution == 1e-6
    assert f.dtype == "float32" and torch.finfo() == f
    assert torch.finfo(torch.float16).resolution == 1e-3
    assert torch.finfo(torch.complex64) == f
    assert torch.iinfo(torch.uint8).max == 255 and torch.iinfo(torch.int32).min == -2 ** 31
    assert torch.iinfo(torch.int64).bits == 64
    with pytest.raises(TypeError):
        torch.finfo(torch.int32)
    with pytest.raises(TypeError):
        torch.iinfo(torch.bool)
    with pytest.raises(TypeError):
        torch.iinfo(torch.float32)


def test_legacy_tensor_constructor():
    assert torch.Tensor(2, 3).shape == (2, 3) and torch.Tensor(2, 3).dtype == torch.float32
    assert torch.Tensor(2).shape == (2,) and torch.Tensor().shape == (0,)
    assert torch.Tensor(torch.Size([2, 3])).shape == (2, 3)
    t = torch.Tensor([1, 2])
    assert t.dtype == torch.float32 and t.tolist() == [1.0, 2.0]
    assert torch.Tensor((2, 3)).tolist() == [2.0, 3.0]
    arr = np.arange(3)
    assert torch.Tensor(arr).dtype == np.int64 and torch.Tensor(arr)._data is arr  # engine path
    assert torch.Tensor(arr, torch.float64).dtype == torch.float64
    with pytest.raises(RuntimeError):
        torch.Tensor(2, device="cuda")


def test_legacy_tensor_types():
    assert torch.FloatTensor(2, 3).shape == (2, 3) and torch.FloatTensor(2).dtype == torch.float32
    assert torch.LongTensor([1.7, 2]).tolist() == [1, 2]
    assert torch.ByteTensor([1, 2]).dtype == torch.uint8
    assert torch.BoolTensor([1, 0]).tolist() == [True, False]
    assert torch.DoubleTensor([1]).dtype == torch.float64 and torch.IntTensor([1]).dtype == torch.int32
    assert torch.FloatTensor().shape == (0,)
    x = torch.zeros(2)
    assert isinstance(x, torch.FloatTensor) and not isinstance(x, torch.LongTensor)
    assert isinstance(x.long(), torch.LongTensor) and torch.FloatTensor(x) is x
    assert not issubclass(torch.FloatTensor, torch.Tensor)
    assert torch.FloatTensor.dtype == torch.float32
    assert repr(torch.FloatTensor) == "<class 'torch.FloatTensor'>"
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.zeros(2, dtype=torch.float64))


def test_tensor_type_and_type_as():
    x = torch.zeros(2)
    assert x.type() == "torch.FloatTensor" and x.long().type() == "torch.LongTensor"
    assert torch.zeros(1, dtype=torch.bool).type() == "torch.BoolTensor"
    assert torch.zeros(1, dtype=torch.uint8).type() == "torch.ByteTensor"
    assert x.type(torch.float64).dtype == torch.float64
    assert x.type("torch.DoubleTensor").dtype == torch.float64
    assert x.type(torch.LongTensor).dtype == torch.int64 and x.type(torch.float32) is x
    assert x.type_as(torch.zeros(1, dtype=torch.int32)).dtype == torch.int32
    with pytest.raises(ValueError, match="invalid type"):
        x.type("float64")
    with pytest.raises(RuntimeError):
        x.type("torch.cuda.FloatTensor")
    w = torch.ones(2, requires_grad=True)
    w.type(torch.float64).sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_variable():
    from autograd.autograd import Variable
    x = torch.zeros(2)
    v = Variable(x, requires_grad=True)
    assert v is not x and v.requires_grad and not x.requires_grad and v.is_leaf
    assert isinstance(x, Variable) and Variable(x).requires_grad is False
    with pytest.raises(TypeError, match="has to be a tensor"):
        Variable([1.0])


def test_new_methods():
    x = torch.zeros(2, dtype=torch.int32)
    assert x.new_zeros(3).dtype == torch.int32 and x.new_zeros((3, 2), dtype=torch.float64).shape == (3, 2)
    assert x.new_ones(2, 2).tolist() == [[1, 1], [1, 1]] and x.new_empty(2, 3).shape == (2, 3)
    f = torch.zeros(2)
    assert f.new_full((2,), 3).tolist() == [3.0, 3.0] and f.new_full((2,), 3).dtype == torch.float32
    assert f.new_ones(2, requires_grad=True).requires_grad
    assert f.new_tensor([1, 2]).dtype == torch.float32 and f.new_tensor([1, 2], requires_grad=True).is_leaf
    assert f.new_zeros(2, device="cpu").shape == (2,) and f.new_ones(()).shape == ()
    with pytest.raises(RuntimeError):
        f.new_zeros(2, device="cuda")


# -------------------------------------------------------------------------------- testing
def test_assert_close_defaults_and_messages():
    torch.testing.assert_close(torch.tensor([1.0]), torch.tensor([1.0 + 1e-6]))
    with pytest.raises(AssertionError, match="Tensor-likes are not close") as info:
        torch.testing.assert_close(torch.tensor([1.0]), torch.tensor([1.0 + 1e-4]))
    assert "Mismatched elements: 1 / 1 (100.0%)" in str(info.value)
    assert "(up to 1.3e-06 allowed)" in str(info.value)
    with pytest.raises(AssertionError, match="'dtype' do not match"):
        torch.testing.assert_close(torch.tensor([1]), torch.tensor([1.0]))
    torch.testing.assert_close(torch.ones(2), torch.ones(2, dtype=torch.float64), check_dtype=False)
    with pytest.raises(ValueError, match="no atol"):
        torch.testing.assert_close(torch.ones(1), torch.ones(1), rtol=1e-3)
    with pytest.raises(TypeError, match="No comparison pair"):
        torch.testing.assert_close(torch.ones(1), [1.0])
    torch.testing.assert_close({"a": [torch.ones(2)]}, {"a": [torch.ones(2)]})
    with pytest.raises(AssertionError, match=r"item \['a'\]\[0\]"):
        torch.testing.assert_close({"a": [torch.ones(2)]}, {"a": [torch.zeros(2)]})
    nan = torch.tensor([float("nan")])
    with pytest.raises(AssertionError):
        torch.testing.assert_close(nan, nan)
    torch.testing.assert_close(nan, nan, equal_nan=True)
    with pytest.raises(AssertionError, match="^custom$"):
        torch.testing.assert_close(torch.ones(1), torch.zeros(1), msg="custom")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.testing.assert_allclose(torch.ones(2), [1.0, 1.0 + 1e-5])


# ----------------------------------------------------------------------------------- data
class _Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_data_additions():
    a, b = TensorDataset(torch.arange(4.0)), TensorDataset(torch.arange(4) * 10)
    s = StackDataset(x=a, y=b)
    assert len(s) == 4 and s[1]["y"][0].item() == 10
    assert StackDataset(a, b)[2][1][0].item() == 20
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(a, TensorDataset(torch.arange(3)))
    assert list(ChainDataset([_Stream(2), _Stream(3)])) == [0, 1, 0, 1, 2]
    assert isinstance(_Stream(2) + _Stream(1), ChainDataset) and len(_Stream(2) + _Stream(1)) == 3
    assert [t.tolist() for t in DataLoader(_Stream(2) + _Stream(3), batch_size=2)] == [[0, 1], [0, 1], [2]]
    assert get_worker_info() is None
    conv = default_convert([np.array([1.0]), 3, "a"])
    assert isinstance(conv[0], torch.Tensor) and conv[1:] == [3, "a"]
    torch.manual_seed(0)
    assert list(WeightedRandomSampler([0.0, 1.0], 3)) == [1, 1, 1]
    assert sorted(WeightedRandomSampler([1.0, 1.0, 0.0], 2, replacement=False)) == [0, 1]
    with pytest.raises(ValueError, match="1d"):
        WeightedRandomSampler([[0.1, 0.9]], 5)
    assert list(DistributedSampler(a, num_replicas=3, rank=2, shuffle=False)) == [2, 1]
    with pytest.raises(ValueError, match="process group"):
        DistributedSampler(a)
    assert [len(x) for x in random_split(range(10), [0.3, 0.3, 0.4])] == [3, 3, 4]


def test_collate_gives_lists_and_pin_memory_is_accepted():
    ds = TensorDataset(torch.arange(4.0), torch.arange(4))
    with pytest.warns(UserWarning, match="pin_memory"):
        loader = DataLoader(ds, batch_size=2, pin_memory=True)
    batches = list(loader)
    assert all(type(b) is list for b in batches)
    assert type(default_collate([(1, 2), (3, 4)])) is list


def test_new_submodules_load_lazily():
    code = ("import sys, autograd; "
            "names = ('cuda', 'amp', 'testing', 'legacy', 'backends', 'accelerator'); "
            "print([n for n in names if 'autograd.' + n in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
