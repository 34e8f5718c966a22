"""torch.save / torch.load on what training scripts really save (issue 12).

Round trips of nested containers with NumPy scalars, ``argparse.Namespace``, ``torch.Size``,
dtypes and devices; the state dicts of every optimizer and scheduler in ``optim``,
including resuming bit-exactly from them; and the TypeError for objects that cannot be
stored (a whole model, an optimizer, a scheduler, any other object), which must say what
to save instead. Hostile files using the format-3 tags are CheckpointErrors."""
import argparse
import io
import json
import math
import struct
from collections import Counter, OrderedDict

import numpy as np
import pytest

import autograd as torch
import nn
import optim
from autograd.serialization import CheckpointError
from optim import lr_scheduler as S

V2, V3 = "numbagrad-checkpoint-2", "numbagrad-checkpoint-3"


def _roundtrip(obj, tmp_path):
    torch.save(obj, tmp_path / "ck.pt")
    return torch.load(tmp_path / "ck.pt")


def _format(path) -> str:
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n])["__metadata__"]["format"]


# ------------------------------------------------------------------ values scripts save
def test_nested_script_checkpoint_round_trips(tmp_path):
    """What nanoGPT's train.py and pytorch/examples' imagenet save, in one checkpoint."""
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    args = argparse.Namespace(lr=0.1, epochs=3, arch="resnet18", resume="", gpu=None,
                              betas=(0.9, 0.95), milestones=[1, 2], flag=True)
    ck = {
        "model": model.state_dict(), "epoch": 4, "arch": "resnet18",
        "best_acc1": torch.tensor(71.5), "best_val_loss": np.float32(1.5),
        "iter_num": np.int64(2000), "seen": np.bool_(True), "ratio": np.float64(0.25),
        "half": np.float16(0.1), "u8": np.uint8(255),
        "config": {"dtype": "bfloat16", "compile": False, "nan": math.nan, "inf": -math.inf,
                   "big": 2 ** 70, "none": None},
        "args": args, "shape": torch.Size([4, 3]), "dtype": torch.float32,
        "half_dtype": torch.bfloat16, "device": torch.device("cuda:1"), "cpu": torch.device("cpu"),
        "odict": OrderedDict([("b", 1), ("a", (1, [2.5, "x"]))]), "empty": ([], (), {}),
        "rng": np.random.default_rng(0).bit_generator.state["state"],
    }
    back = _roundtrip(ck, tmp_path)
    assert _format(tmp_path / "ck.pt") == V3
    assert list(back) == list(ck)
    assert all(np.array_equal(back["model"][k].numpy(), v.numpy()) for k, v in ck["model"].items())
    assert back["best_acc1"].item() == 71.5
    for k in ("best_val_loss", "iter_num", "seen", "ratio", "half", "u8"):
        assert type(back[k]) is type(ck[k]) and back[k] == ck[k], k  # same NumPy type, exact
    assert back["config"]["big"] == 2 ** 70 and math.isnan(back["config"]["nan"])
    assert back["config"]["inf"] == -math.inf and back["config"]["none"] is None
    assert isinstance(back["args"], argparse.Namespace) and back["args"] == args
    assert back["args"].betas == (0.9, 0.95)
    assert type(back["shape"]) is torch.Size and back["shape"] == (4, 3)
    assert back["shape"].numel() == 12
    assert back["dtype"] == torch.float32 and back["half_dtype"] is torch.bfloat16
    assert back["device"] == torch.device("cuda", 1) and back["cpu"] == "cpu"
    assert isinstance(back["device"], torch.device)
    assert type(back["odict"]) is OrderedDict and back["odict"] == ck["odict"]
    assert back["empty"] == ([], (), {})
    assert back["rng"] == ck["rng"]


def test_every_dtype_and_numpy_scalar_type(tmp_path):
    dtypes = [torch.float16, torch.float32, torch.float64, torch.int8, torch.uint8, torch.int16,
              torch.int32, torch.int64, torch.bool, torch.complex64, torch.complex128]
    assert _roundtrip(dtypes, tmp_path) == dtypes
    scalars = [np.float16(-0.5), np.float32(1.5), np.float64(1 / 3), np.int8(-3), np.int16(7),
               np.int32(-9), np.int64(2 ** 62), np.uint16(9), np.uint32(2 ** 31),
               np.uint64(2 ** 63 + 1), np.bool_(False), np.float32("nan")]
    back = _roundtrip(scalars, tmp_path)
    assert [type(b) for b in back] == [type(s) for s in scalars]
    assert all(b == s for b, s in zip(back[:-1], scalars[:-1])) and np.isnan(back[-1])


def test_plain_checkpoints_still_write_format_2(tmp_path):
    """Nothing new in it: the file stays readable by the previous version."""
    torch.save({"w": torch.ones(2), "step": 3, "lr": 0.1, "t": (1, "a")}, tmp_path / "ck.pt")
    assert _format(tmp_path / "ck.pt") == V2


def test_dict_subclasses_load_as_dict(tmp_path):
    back = _roundtrip({"c": Counter([1, 1, 2])}, tmp_path)
    assert back == {"c": {1: 2, 2: 1}} and type(back["c"]) is dict


def test_file_objects_and_pytorch_keywords(tmp_path):
    buf = io.BytesIO()
    torch.save({"x": np.float32(2.0)}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    back = torch.load(buf, map_location="cpu", weights_only=False)
    assert type(back["x"]) is np.float32
    with torch.serialization.safe_globals([nn.Linear]):
        assert torch.serialization.get_safe_globals() == [nn.Linear]
    assert torch.serialization.get_safe_globals() == []


# ------------------------------------------------------------------ objects that cannot be stored
@pytest.mark.parametrize("make, what, advice", [
    (lambda: nn.Linear(2, 2), "Linear (nn.Module)", "torch.save(model.state_dict(), path)"),
    (lambda: nn.Sequential(nn.Linear(2, 2)), "Sequential (nn.Module)", "model.state_dict()"),
    (lambda: optim.Adam(nn.Linear(2, 2).parameters()), "Adam (optimizer)",
     "torch.save(optimizer.state_dict(), path)"),
    (lambda: optim.LBFGS(nn.Linear(2, 2).parameters()), "LBFGS (optimizer)",
     "optimizer.state_dict()"),
    (lambda: S.StepLR(optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), 2),
     "StepLR (learning-rate scheduler)", "torch.save(scheduler.state_dict(), path)"),
    (lambda: S.ReduceLROnPlateau(optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)),
     "ReduceLROnPlateau (learning-rate scheduler)", "scheduler.state_dict()"),
])
def test_saving_an_object_says_save_its_state_dict(tmp_path, make, what, advice):
    obj = make()
    for payload, where in ((obj, "at obj:"), ({"model": [obj]}, "at obj['model'][0]:")):
        with pytest.raises(TypeError) as info:
            torch.save(payload, tmp_path / "ck.pt")
        msg = str(info.value)
        assert what in msg and advice in msg and where in msg and "load_state_dict" in msg
    assert not (tmp_path / "ck.pt").exists() and list(tmp_path.iterdir()) == []


def test_other_objects_name_their_type(tmp_path):
    class Config:
        def __init__(self):
            self.lr = 0.1

    for obj, words in ((Config(), ["Config", "vars(obj)"]), (lambda e: e, ["function"]),
                       ({1, 2}, ["builtins.set", "supported:"]), (b"xy", ["builtins.bytes"]),
                       (np.complex64(1j), ["complex64"]),
                       (np.dtype(">f4"), ["dtype >f4"]), (object(), ["builtins.object"])):
        with pytest.raises(TypeError) as info:
            torch.save({"k": obj}, tmp_path / "ck.pt")
        assert all(w in str(info.value) for w in words), (obj, str(info.value))
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_the_previous_file(tmp_path):
    torch.save({"epoch": 1}, tmp_path / "ck.pt")
    with pytest.raises(TypeError):
        torch.save({"epoch": 2, "model": nn.Linear(1, 1)}, tmp_path / "ck.pt")
    assert torch.load(tmp_path / "ck.pt") == {"epoch": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ck.pt"]


# ------------------------------------------------------------------ optimizers and schedulers
_X = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
_OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
    "AdamW": lambda p: optim.AdamW(p, lr=0.01),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.1),
    "Adadelta": lambda p: optim.Adadelta(p),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "Adamax": lambda p: optim.Adamax(p),
    "NAdam": lambda p: optim.NAdam(p),
    "RAdam": lambda p: optim.RAdam(p),
    "ASGD": lambda p: optim.ASGD(p, lr=0.05, t0=2),
    "Rprop": lambda p: optim.Rprop(p),
    "SparseAdam": lambda p: optim.SparseAdam(list(p)),
    "LBFGS": lambda p: optim.LBFGS(p, lr=0.5, history_size=3, max_iter=4,
                                   line_search_fn="strong_wolfe"),
}


def _train(model, opt, steps):
    x = torch.tensor(_X)

    def closure():
        opt.zero_grad()
        loss = model(x).tanh().pow(2).mean()
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)


@pytest.mark.parametrize("name", sorted(_OPTIMIZERS))
def test_optimizer_state_dict_round_trips_and_resumes_bit_exactly(tmp_path, name):
    make = _OPTIMIZERS[name]
    torch.manual_seed(0)
    ref = nn.Linear(3, 2)
    init = {k: v.clone() for k, v in ref.state_dict().items()}
    ref_opt = make(ref.parameters())
    _train(ref, ref_opt, 6)

    model = nn.Linear(3, 2)
    model.load_state_dict(init)
    opt = make(model.parameters())
    _train(model, opt, 3)
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ck")
    sd = opt.state_dict()
    back = torch.load(tmp_path / "ck")
    assert back["optimizer"]["param_groups"] == sd["param_groups"]
    for i, st in sd["state"].items():
        assert sorted(back["optimizer"]["state"][i]) == sorted(st)
        for k, v in st.items():
            got = back["optimizer"]["state"][i][k]
            if isinstance(v, torch.Tensor):
                assert np.array_equal(got.numpy(), v.numpy()), k
            elif isinstance(v, list):  # LBFGS history
                assert len(got) == len(v) and all(
                    np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(got, v)), k
            else:
                assert got == v or (v != v and got != got), k

    model2 = nn.Linear(3, 2)
    model2.load_state_dict(back["model"])
    opt2 = make(model2.parameters())
    opt2.load_state_dict(back["optimizer"])
    _train(model2, opt2, 3)
    for k, v in ref.state_dict().items():
        assert np.array_equal(model2.state_dict()[k].numpy(), v.numpy()), k


_SCHEDULERS = {
    "StepLR": lambda o: S.StepLR(o, 2, gamma=0.5),
    "MultiStepLR": lambda o: S.MultiStepLR(o, [1, 3, 3], gamma=0.5),
    "ConstantLR": lambda o: S.ConstantLR(o, factor=0.5, total_iters=3),
    "LinearLR": lambda o: S.LinearLR(o, start_factor=0.2, total_iters=4),
    "ExponentialLR": lambda o: S.ExponentialLR(o, 0.9),
    "CosineAnnealingLR": lambda o: S.CosineAnnealingLR(o, 5, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, 2, T_mult=2),
    "OneCycleLR": lambda o: S.OneCycleLR(o, 1.0, total_steps=12),
    "SequentialLR": lambda o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, 0.9)], milestones=[2]),
    "ReduceLROnPlateau": lambda o: S.ReduceLROnPlateau(o, patience=0, factor=0.5),
    "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, lambda e: 0.95),
    "LambdaLR": lambda o: S.LambdaLR(o, lambda e: 0.9 ** e),
    "PolynomialLR": lambda o: S.PolynomialLR(o, total_iters=8, power=2.0),
    "ChainedScheduler": lambda o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, 0.9)]),
    "CyclicLR": lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="exp_range",
                                     gamma=0.9),
}


def _run(model, opt, sched, start, stop):
    x = torch.tensor(_X)
    lrs = []
    for epoch in range(start, stop):
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        opt.step()
        if isinstance(sched, S.ReduceLROnPlateau):
            sched.step(1.0 + (epoch % 3 == 0))  # plateaus, so the lr drops
        else:
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


@pytest.mark.parametrize("name", sorted(_SCHEDULERS))
def test_scheduler_state_dict_round_trips_and_resumes_exactly(tmp_path, name):
    make = _SCHEDULERS[name]

    def fresh():
        torch.manual_seed(0)
        model = nn.Linear(3, 2)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return model, opt, make(opt)

    model, opt, sched = fresh()
    ref_lrs = _run(model, opt, sched, 0, 8)

    model, opt, sched = fresh()
    lrs = _run(model, opt, sched, 0, 4)
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "epoch": 4}, tmp_path / "ck")
    back = torch.load(tmp_path / "ck")
    model2, opt2, sched2 = fresh()
    model2.load_state_dict(back["model"])
    opt2.load_state_dict(back["optimizer"])
    sched2.load_state_dict(back["scheduler"])
    lrs += _run(model2, opt2, sched2, back["epoch"], 8)
    assert lrs == ref_lrs


# ------------------------------------------------------------------ hostile format-3 files
def _file(structure, tensors=None, fmt=V3) -> bytes:
    header: dict = {"__metadata__": {"format": fmt, "numbagrad": json.dumps(structure)}}
    data = b""
    codes = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}
    for k, a in (tensors or {}).items():
        b = np.ascontiguousarray(a).tobytes()
        header[k] = {"dtype": codes[a.dtype], "shape": list(a.shape),
                     "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


@pytest.mark.parametrize("structure, tensors, fmt, match", [
    ([{"__npscalar__": "0"}], {"0": np.ones(2, np.float32)}, V3, "not a 0-d"),
    ([{"__npscalar__": "1"}], {"0": np.float32(1).reshape(())}, V3, "missing tensor"),
    ([{"__npscalar__": 0}], None, V3, "not the name"),
    ([{"__dtype__": "object"}], None, V3, "unknown dtype"),
    ([{"__dtype__": ["float32"]}], None, V3, "unknown dtype"),
    ([{"__device__": "gpu:0"}], None, V3, "malformed device"),
    ([{"__device__": "cpu:-1"}], None, V3, "malformed device"),
    ([{"__device__": 3}], None, V3, "not a device string"),
    ([{"__device__": "cuda:" + "9" * 100}], None, V3, "not a device string"),
    ([1.5, {"__size__": [0]}], None, V3, "other than ints"),
    ([True, {"__size__": [0]}], None, V3, "other than ints"),
    ([1, "x", {"__namespace__": [0, 1]}], None, V3, "not a str"),
    (["a", 1, "a", 2, {"__namespace__": [0, 1, 2, 3]}], None, V3, "repeats the key"),
    (["a", {"__namespace__": [0]}], None, V3, "odd number"),
    ([{"__namespace__": {"a": 1}}], None, V3, "not a list"),
    ([{"__dtype__": "float32", "x": 1}], None, V3, "unexpected keys"),
    ([{"__dtype__": "float32"}], None, V2, "unknown structure tag"),
    ([{"__namespace__": []}], None, V2, "unknown structure tag"),
    ({"__dtype__": "float32"}, None, "numbagrad-checkpoint-1", "unknown structure tag"),
])
def test_malformed_format_3_nodes_are_checkpoint_errors(tmp_path, structure, tensors, fmt,
                                                        match):
    (tmp_path / "bad").write_bytes(_file(structure, tensors, fmt))
    with pytest.raises(CheckpointError, match=match):
        torch.load(tmp_path / "bad")


def test_hand_built_format_3_file_loads(tmp_path):
    structure = ["a", 1, "s", 2, 3, {"__size__": [3, 4]}, {"__namespace__": [0, 1, 2, 5]},
                 {"__npscalar__": "0"}, {"__device__": "mps"}, {"__list__": [6, 7, 8]}]
    (tmp_path / "ok").write_bytes(_file(structure, {"0": np.int64(5).reshape(())}))
    ns, scalar, dev = torch.load(tmp_path / "ok")
    assert ns == argparse.Namespace(a=1, s=torch.Size([2, 3]))
    assert type(scalar) is np.int64 and scalar == 5 and dev == torch.device("mps")
