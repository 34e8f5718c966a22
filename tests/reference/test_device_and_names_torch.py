"""Device idioms and legacy names (issue 12) against PyTorch."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests compare against PyTorch")

import torch.utils.data as td  # noqa: E402

import autograd as ag  # noqa: E402
import autograd.utils.data as ad  # noqa: E402

_DT = {"float16": (ag.float16, torch.float16), "float32": (ag.float32, torch.float32),
       "float64": (ag.float64, torch.float64), "uint8": (ag.uint8, torch.uint8),
       "int8": (ag.int8, torch.int8), "int16": (ag.int16, torch.int16),
       "int32": (ag.int32, torch.int32), "int64": (ag.int64, torch.int64),
       "bool": (ag.bool, torch.bool), "complex64": (ag.complex64, torch.complex64)}


def _outcome(f):
    try:
        return ("ok", f())
    except Exception as e:  # noqa: BLE001 - comparing which exception
        return ("raise", type(e).__name__)


@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:0",), ("cuda", 1), ("cpu", 0),
                                  ("mps",), ("cpu:0",), ("meta",)])
def test_device_str_repr_fields(args):
    ours, theirs = ag.device(*args), torch.device(*args)
    assert (str(ours), repr(ours), ours.type, ours.index) == \
        (str(theirs), repr(theirs), theirs.type, theirs.index)


@pytest.mark.parametrize("args", [("gpu",), ("cuda:x",), ("cuda:-1",), ("cpu", -1), ("cuda:0", 1),
                                  ("CPU",), ("cuda:01",), (0,)])
def test_device_errors(args):
    with pytest.raises(RuntimeError) as theirs:
        torch.device(*args)
    with pytest.raises(RuntimeError) as ours:
        ag.device(*args)
    if not isinstance(args[0], int):
        assert str(ours.value) == str(theirs.value)


def test_device_equality_between_devices():
    pairs = [("cpu", "cpu"), ("cpu", ("cpu", 0)), ("cuda", ("cuda", 0)), ("cuda:1", ("cuda", 1))]
    for a, b in pairs:
        b = b if isinstance(b, tuple) else (b,)
        assert (ag.device(a) == ag.device(*b)) == (torch.device(a) == torch.device(*b))


def test_tensor_device_flags():
    x, t = ag.zeros(2), torch.zeros(2)
    for name in ("is_cpu", "is_cuda", "is_mps", "is_xpu", "is_meta"):
        assert getattr(x, name) == getattr(t, name), name
    assert x.get_device() == t.get_device() and str(x.device) == str(t.device)
    assert repr(x.device) == repr(t.device)


def test_moving_to_cuda_raises_the_same_class():
    for move in (lambda m: m.zeros(2).cuda(), lambda m: m.zeros(2).to("cuda"),
                 lambda m: m.zeros(2).to("cuda:0", m.float64)):
        with pytest.raises(AssertionError):
            move(torch)
        with pytest.raises(AssertionError):
            move(ag)
    with pytest.raises(RuntimeError):
        torch.zeros(2).to(0)
    with pytest.raises(RuntimeError):
        ag.zeros(2).to(0)


def test_cuda_backends_accelerator_answers():
    for name in ("is_available", "device_count", "is_bf16_supported", "memory_allocated",
                 "max_memory_allocated", "memory_reserved", "max_memory_reserved",
                 "is_initialized", "empty_cache", "seed"):
        assert getattr(ag.cuda, name)() == getattr(torch.cuda, name)(), name
    assert ag.cuda.manual_seed(0) == torch.cuda.manual_seed(0)
    for name in ("current_device", "get_device_name", "synchronize", "initial_seed"):
        assert _outcome(getattr(torch.cuda, name))[0] == "raise"
        with pytest.raises(AssertionError):
            getattr(ag.cuda, name)()
    for mod, name in [("cudnn", "enabled"), ("cudnn", "benchmark"), ("cudnn", "deterministic"),
                      ("cudnn", "allow_tf32")]:
        assert getattr(getattr(ag.backends, mod), name) == getattr(getattr(torch.backends, mod), name)
    assert ag.backends.cudnn.is_available() == torch.backends.cudnn.is_available()
    assert ag.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    assert ag.backends.cuda.is_built() == torch.backends.cuda.is_built()
    assert ag.backends.mps.is_available() == torch.backends.mps.is_available()
    assert ag.backends.mps.is_built() == torch.backends.mps.is_built()
    assert ag.accelerator.is_available() == torch.accelerator.is_available()
    assert ag.accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    assert ag.accelerator.device_count() == torch.accelerator.device_count()
    assert ag.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    assert ag.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()


def test_autocast_and_grad_scaler_surface():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mod in (torch, ag):
            assert mod.autocast("cpu").fast_dtype == mod.bfloat16
            assert mod.autocast("cpu", dtype=mod.float16).fast_dtype == mod.float16
        assert ag.get_autocast_dtype("cpu") == ag.bfloat16
        for ours, theirs in [(ag.amp.GradScaler(), torch.amp.GradScaler()),
                             (ag.cuda.amp.GradScaler(), torch.cuda.amp.GradScaler()),
                             (ag.amp.GradScaler("cpu", enabled=False),
                              torch.amp.GradScaler("cpu", enabled=False))]:
            assert ours.is_enabled() == theirs.is_enabled()
            assert ours.get_scale() == theirs.get_scale()
            assert ours.state_dict() == theirs.state_dict()
    with pytest.raises(RuntimeError):
        torch.autocast("tpu")
    with pytest.raises(RuntimeError):
        ag.autocast("tpu")


def test_training_with_scaler_and_autocast_matches_torch_without_amp():
    import nn
    import optim
    tm = torch.nn.Linear(3, 2)
    om = nn.Linear(3, 2)
    om.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    topt, oopt = torch.optim.SGD(tm.parameters(), lr=0.1), optim.SGD(om.parameters(), lr=0.1)
    tscaler = torch.amp.GradScaler("cpu", enabled=False)
    oscaler = ag.amp.GradScaler("cpu")
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    for _ in range(3):
        for mod, m, opt, sc in ((torch, tm, topt, tscaler), (ag, om, oopt, oscaler)):
            opt.zero_grad()
            with mod.autocast("cpu", enabled=mod is ag):  # ours runs full precision anyway
                loss = m(mod.tensor(x)).pow(2).mean()
            sc.scale(loss).backward()
            sc.step(opt)
            sc.update()
    np.testing.assert_allclose(om.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-6)


def test_constants_and_dtypes():
    for name in ("inf", "pi", "e"):
        assert getattr(ag, name) == getattr(torch, name)
    assert np.isnan(ag.nan)
    for name in ("float", "double", "half", "long", "int", "short", "bool", "uint8", "int8",
                 "cfloat", "cdouble"):
        assert repr(getattr(torch, name)).replace("torch.", "") in (
            str(getattr(ag, name)), "bool"), name
        assert isinstance(getattr(ag, name), ag.dtype)
    assert repr(ag.bfloat16) == repr(torch.bfloat16)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64"])
def test_finfo(name):
    ours, theirs = ag.finfo(_DT[name][0]), torch.finfo(_DT[name][1])
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert repr(ours) == repr(theirs)


def test_finfo_bfloat16_and_default():
    ours, theirs = ag.finfo(ag.bfloat16), torch.finfo(torch.bfloat16)
    for attr in ("bits", "eps", "max", "min", "tiny", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ag.finfo()) == repr(torch.finfo())


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    ours, theirs = ag.iinfo(_DT[name][0]), torch.iinfo(_DT[name][1])
    for attr in ("bits", "min", "max", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["int32", "bool", "float32"])
def test_info_errors(name):
    for f, g in ((ag.finfo, torch.finfo), (ag.iinfo, torch.iinfo)):
        t = _outcome(lambda: g(_DT[name][1]))
        o = _outcome(lambda: f(_DT[name][0]))
        assert o[0] == t[0] and (o[0] == "ok" or o[1] == t[1])


@pytest.mark.parametrize("name", list(_DT))
def test_type_names(name):
    o, t = _DT[name]
    assert ag.zeros(2, dtype=o).type() == torch.zeros(2, dtype=t).type()


@pytest.mark.parametrize("spec", ["torch.DoubleTensor", "torch.LongTensor", "torch.ByteTensor",
                                  "torch.BoolTensor", "float64", "torch.float64"])
def test_type_casts_by_name(spec):
    t = _outcome(lambda: torch.ones(2).type(spec).type())
    o = _outcome(lambda: ag.ones(2).type(spec).type())
    assert o == t


@pytest.mark.parametrize("cls", ["FloatTensor", "DoubleTensor", "HalfTensor", "ByteTensor",
                                 "CharTensor", "ShortTensor", "IntTensor", "LongTensor",
                                 "BoolTensor"])
def test_legacy_constructors(cls):
    for args in ([1.7, 2.0, 0.0],):
        t, o = getattr(torch, cls)(args), getattr(ag, cls)(args)
        assert o.tolist() == t.tolist() and o.type() == t.type()
    assert getattr(ag, cls)(2, 3).shape == getattr(torch, cls)(2, 3).shape
    assert getattr(ag, cls)().shape == getattr(torch, cls)().shape
    x, y = ag.zeros(2), torch.zeros(2)
    assert isinstance(x, getattr(ag, cls)) == isinstance(y, getattr(torch, cls))
    assert x.type(getattr(ag, cls)).type() == y.type(getattr(torch, cls)).type()
    assert repr(getattr(ag, cls)) == repr(getattr(torch, cls))


@pytest.mark.parametrize("args", [(2, 3), (2,), (), ([1, 2],), ([[1, 2], [3, 4]],), ((2, 3),)])
def test_legacy_tensor_constructor(args):
    t, o = torch.Tensor(*args), ag.Tensor(*args)
    assert tuple(o.shape) == tuple(t.shape) and o.type() == t.type()
    if args and isinstance(args[0], (list, tuple)):
        assert o.tolist() == t.tolist()
    assert tuple(ag.Tensor(ag.Size([2, 3])).shape) == tuple(torch.Tensor(torch.Size([2, 3])).shape)


def test_variable_and_new_methods():
    for mod in (torch, ag):
        x = mod.zeros(2)
        v = mod.autograd.Variable(x, requires_grad=True)
        assert v is not x and v.requires_grad and v.grad_fn is None
        assert isinstance(x, mod.autograd.Variable)
    cases = [lambda m: m.zeros(2, dtype=m.int32).new_zeros(3),
             lambda m: m.zeros(2, dtype=m.int32).new_zeros((3, 2), dtype=m.float64),
             lambda m: m.zeros(2).new_full((2,), 3),
             lambda m: m.zeros(2, dtype=m.int64).new_full((2,), 7),
             lambda m: m.zeros(2).new_ones(2, requires_grad=True),
             lambda m: m.zeros(2).new_tensor([1, 2]),
             lambda m: m.zeros(2, dtype=m.float64).new_tensor([1, 2]),
             lambda m: m.zeros(2).new_ones(()),
             lambda m: m.zeros(2).type_as(m.zeros(1, dtype=m.int32))]
    for make in cases:
        t, o = make(torch), make(ag)
        assert o.tolist() == t.tolist() and o.type() == t.type()
        assert o.requires_grad == t.requires_grad


def test_to_copy_and_identity():
    for mod in (torch, ag):
        x = mod.zeros(2)
        assert x.to("cpu") is x and x.cpu() is x and x.to(mod.float32) is x
        assert x.to("cpu", copy=True) is not x
        assert x.to(mod.device("cpu"), mod.float64, non_blocking=True).dtype == mod.float64
        assert x.to(mod.zeros(1, dtype=mod.int32), non_blocking=True).dtype == mod.int32


# ------------------------------------------------------------------ testing.assert_close
_CLOSE_CASES = [
    lambda m: m.testing.assert_close(m.tensor([1.0]), m.tensor([1.0 + 1e-6])),
    lambda m: m.testing.assert_close(m.tensor([1.0]), m.tensor([1.0 + 1e-4])),
    lambda m: m.testing.assert_close(m.tensor([1, 2, 3]), m.tensor([1, 2, 5])),
    lambda m: m.testing.assert_close(m.tensor([True]), m.tensor([False])),
    lambda m: m.testing.assert_close(m.tensor([1]), m.tensor([1.0])),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(3)),
    lambda m: m.testing.assert_close(m.ones(2, 3), m.zeros(2, 3)),
    lambda m: m.testing.assert_close(m.tensor([[1.0, 2.0], [3.0, 4.0]]), m.tensor([[1.0, 2.0], [3.0, 5.0]])),
    lambda m: m.testing.assert_close(m.tensor(1.0), m.tensor(2.0)),
    lambda m: m.testing.assert_close(1.0, 1.1),
    lambda m: m.testing.assert_close(1, 2),
    lambda m: m.testing.assert_close(True, False),
    lambda m: m.testing.assert_close(1, 1.0),
    lambda m: m.testing.assert_close(1.0, 1.0 + 1e-8),
    lambda m: m.testing.assert_close([1.0, 2.0], [1.0]),
    lambda m: m.testing.assert_close({"a": 1.0}, {"b": 1.0}),
    lambda m: m.testing.assert_close({"a": [m.ones(2)]}, {"a": [m.zeros(2)]}),
    lambda m: m.testing.assert_close(m.tensor([float("nan")]), m.tensor([float("nan")])),
    lambda m: m.testing.assert_close(m.tensor([float("nan")]), m.tensor([float("nan")]), equal_nan=True),
    lambda m: m.testing.assert_close(m.tensor([1.0, float("inf")]), m.tensor([1.0, float("inf")])),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(2, dtype=m.float64)),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(2, dtype=m.float64), check_dtype=False),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(2) + 1e-3, rtol=1e-2, atol=0),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(2) + 1e-3, rtol=1e-2),
    lambda m: m.testing.assert_close(m.ones(2, dtype=m.float16), m.ones(2, dtype=m.float16) * 1.01),
    lambda m: m.testing.assert_close(m.ones(2, dtype=m.float16), m.ones(2, dtype=m.float16) + 1e-3),
    lambda m: m.testing.assert_close(m.ones(2, dtype=m.float64), m.ones(2, dtype=m.float64) + 1e-6),
    lambda m: m.testing.assert_close(np.array([1.0]), np.array([1.1])),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2, 3, 4]), m.tensor([1, 2, 3.1, 4.2]), msg="custom"),
    lambda m: m.testing.assert_close(m.tensor([1.0]), m.tensor([1.1]), msg=lambda s: "X" + s[:10]),
    lambda m: m.testing.assert_close(m.ones(2, requires_grad=True), m.ones(2)),
    lambda m: m.testing.assert_close(m.tensor([0.0]), m.tensor([1e-6])),
    lambda m: m.testing.assert_allclose(m.ones(2), [1.0, 1.1]),
    lambda m: m.testing.assert_allclose(m.ones(2), [1.0, 1.00001]),
    lambda m: m.testing.assert_allclose(m.tensor([float("nan")]), [float("nan")]),
]


@pytest.mark.parametrize("case", range(len(_CLOSE_CASES)))
def test_assert_close_matches(case):
    def run(mod):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            try:
                _CLOSE_CASES[case](mod)
                return ("ok", "")
            except Exception as e:  # noqa: BLE001
                return (type(e).__name__, str(e))
    assert run(ag) == run(torch)


# ---------------------------------------------------------------------------- utils.data
def test_data_public_surface():
    skip = {"DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "_DatasetKind",
            "argument_validation", "functional_datapipe", "guaranteed_datapipes_determinism",
            "non_deterministic", "runtime_validation", "runtime_validation_disabled"}
    missing = [n for n in td.__all__ if n not in skip and not hasattr(ad, n)]
    assert missing == []


def _batches(mod, loader_kwargs, data):
    x = mod.arange(10.0).reshape(5, 2)
    y = mod.arange(5)
    ds = data(mod, x, y)
    dl = (td if mod is torch else ad).DataLoader(ds, **loader_kwargs)
    def plain(b):
        if isinstance(b, (list, tuple)):
            return (type(b).__name__, [plain(v) for v in b])
        if isinstance(b, dict):
            return {k: plain(v) for k, v in b.items()}
        return b.tolist()
    return [plain(b) for b in dl]


_DATA = {
    "tensor": lambda m, x, y: (td if m is torch else ad).TensorDataset(x, y),
    "stack": lambda m, x, y: (td if m is torch else ad).StackDataset(
        (td if m is torch else ad).TensorDataset(x), (td if m is torch else ad).TensorDataset(y)),
    "stack_kw": lambda m, x, y: (td if m is torch else ad).StackDataset(
        a=(td if m is torch else ad).TensorDataset(x), b=(td if m is torch else ad).TensorDataset(y)),
    "concat": lambda m, x, y: (td if m is torch else ad).ConcatDataset(
        [(td if m is torch else ad).TensorDataset(x), (td if m is torch else ad).TensorDataset(x * 2)]),
    "subset": lambda m, x, y: (td if m is torch else ad).Subset(
        (td if m is torch else ad).TensorDataset(x, y), [4, 0, 2]),
}


@pytest.mark.parametrize("data", list(_DATA))
@pytest.mark.parametrize("kw", [{"batch_size": 2}, {"batch_size": 2, "drop_last": True},
                                {"batch_size": None}, {"batch_size": 3}])
def test_deterministic_batches_match(data, kw):
    assert _batches(ag, kw, _DATA[data]) == _batches(torch, kw, _DATA[data])


def test_samplers_and_chain_match():
    for n, reps, rank, drop in [(4, 3, 0, False), (4, 3, 2, False), (4, 3, 2, True), (7, 2, 1, False),
                                (2, 5, 4, False)]:
        t = list(td.DistributedSampler(range(n), num_replicas=reps, rank=rank, shuffle=False, drop_last=drop))
        o = list(ad.DistributedSampler(range(n), num_replicas=reps, rank=rank, shuffle=False, drop_last=drop))
        assert o == t
        assert len(ad.DistributedSampler(range(n), num_replicas=reps, rank=rank, drop_last=drop)) == \
            len(td.DistributedSampler(range(n), num_replicas=reps, rank=rank, drop_last=drop))
    assert list(ad.BatchSampler(ad.SequentialSampler(range(7)), 3, False)) == \
        list(td.BatchSampler(td.SequentialSampler(range(7)), 3, False))
    assert list(ad.WeightedRandomSampler([0.0, 1.0, 0.0], 4)) == \
        list(td.WeightedRandomSampler([0.0, 1.0, 0.0], 4))
    for bad in [([[0.1, 0.9]], 5), ([0.1, 0.9], 0), ([0.1, 0.9], 5, 1)]:
        with pytest.raises(ValueError) as theirs:
            td.WeightedRandomSampler(*bad)
        with pytest.raises(ValueError) as ours:
            ad.WeightedRandomSampler(*bad)
        assert str(ours.value) == str(theirs.value)

    class TStream(td.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    class OStream(ad.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    assert list(ad.ChainDataset([OStream(), OStream()])) == list(td.ChainDataset([TStream(), TStream()]))
    assert [b.tolist() for b in ad.DataLoader(OStream() + OStream(), batch_size=4)] == \
        [b.tolist() for b in td.DataLoader(TStream() + TStream(), batch_size=4)]
    assert ad.get_worker_info() == td.get_worker_info()
    split = [len(s) for s in ad.random_split(range(10), [0.3, 0.3, 0.4])]
    assert split == [len(s) for s in td.random_split(range(10), [0.3, 0.3, 0.4])]


def test_default_convert_and_collate_structure():
    def plain(b):
        if isinstance(b, (list, tuple)):
            return (type(b).__name__, [plain(v) for v in b])
        if isinstance(b, dict):
            return {k: plain(v) for k, v in b.items()}
        if hasattr(b, "tolist") and not isinstance(b, np.ndarray):
            return ("tensor", b.tolist(), str(b.dtype).replace("torch.", ""))
        return b
    for data in ([np.array([1.0]), 3, "a"], (np.array([1, 2]), 2.5), {"a": np.float32(2)}):
        assert plain(ad.default_convert(data)) == plain(td.default_convert(data))
    # (Python floats are left out: ours collate to float32, PyTorch to float64; see README)
    for batch in ([(1, 2), (3, 4)], [[1, 2], [3, 4]], [{"a": np.float32(1.5)}, {"a": np.float32(2)}]):
        assert plain(ad.default_collate(batch)) == plain(td.default_collate(batch))


def test_allow_tf32_and_matmul_precision_are_one_switch():
    saved = (ag.get_float32_matmul_precision(), torch.get_float32_matmul_precision())
    try:
        for lib in (ag, torch):
            lib.backends.cuda.matmul.allow_tf32 = True
        assert ag.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        for lib in (ag, torch):
            lib.set_float32_matmul_precision("highest")
        assert ag.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    finally:
        ag.set_float32_matmul_precision(saved[0])
        torch.set_float32_matmul_precision(saved[1])
