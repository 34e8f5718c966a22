"""autograd.save / autograd.load: round trips of nested checkpoints, atomic writes,
interop with plain safetensors files, and clear errors on truncated, corrupt or hostile
files (never pickle, never executes anything)."""
import json
import os
import struct
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd.serialization import CheckpointError


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_round_trip_nested_structure(tmp_path):
    t = autograd.randn(2, 3)
    obj = {
        "model": _model().state_dict(),
        "ints": [1, 2, (3, "x", None)],
        "scalar": autograd.tensor(3.5, dtype=autograd.float64),
        "int_tensor": autograd.tensor([1, 2, 3]),
        "empty": autograd.zeros(0, 4),
        "flag": True, "nan": float("nan"), "inf": float("-inf"), "big": 2 ** 100,
        5: "int key", None: 0.25,
        "shared": [t, t],
        "grad": autograd.ones(2, requires_grad=True),
        "array": np.arange(4, dtype=np.int32),
    }
    path = tmp_path / "ck.safetensors"
    autograd.save(obj, path)
    back = autograd.load(path)
    assert isinstance(back["model"], OrderedDict)
    assert list(back["model"]) == list(obj["model"])
    for k, v in obj["model"].items():
        np.testing.assert_array_equal(back["model"][k].numpy(), v.numpy())
        assert back["model"][k].dtype == v.dtype and back["model"][k].shape == v.shape
    assert back["ints"] == [1, 2, (3, "x", None)]
    assert back["scalar"].shape == () and back["scalar"].item() == 3.5
    assert back["int_tensor"].dtype == autograd.int64
    assert back["empty"].shape == (0, 4)
    assert back["flag"] is True and np.isnan(back["nan"]) and back["inf"] == float("-inf")
    assert back["big"] == 2 ** 100 and back[5] == "int key" and back[None] == 0.25
    assert np.shares_memory(back["shared"][0].numpy(), back["shared"][1].numpy())
    assert back["grad"].requires_grad
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == np.int32
    back["model"]["0.weight"].numpy()[...] = 0  # writable


def test_file_objects_and_plain_safetensors(tmp_path):
    import io

    import safetensors.numpy as stn
    buf = io.BytesIO()
    autograd.save({"a": autograd.ones(2)}, buf)
    buf.seek(0)
    assert autograd.load(buf)["a"].tolist() == [1.0, 1.0]
    p = tmp_path / "plain.safetensors"
    stn.save_file({"w": np.ones((2, 2), np.float32), "b": np.zeros(2, np.float32)}, str(p))
    back = autograd.load(p)
    assert set(back) == {"w", "b"} and isinstance(back["w"], autograd.Tensor)


def test_unsupported_objects_are_rejected(tmp_path):
    path = tmp_path / "x"
    with pytest.raises(TypeError, match=r"object at obj\['f'\]"):
        autograd.save({"f": object()}, path)
    with pytest.raises(TypeError, match="dict keys"):
        autograd.save({(1, 2): 3}, path)
    assert not path.exists()


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "ck"
    autograd.save({"v": 1}, path)

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        autograd.save({"v": 2}, path)
    monkeypatch.undo()
    assert autograd.load(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["ck"]  # no temp file left behind


def _saved_bytes(tmp_path):
    path = tmp_path / "good"
    autograd.save({"w": autograd.randn(10, 10), "n": 3}, path)
    return path.read_bytes()


def test_truncated_file(tmp_path):
    data = _saved_bytes(tmp_path)
    bad = tmp_path / "bad"
    for cut in (0, 5, 30, len(data) - 7):
        bad.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="truncated|corrupt"):
            autograd.load(bad)


def test_garbage_and_hostile_headers(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(CheckpointError):
        autograd.load(bad)
    bad.write_bytes(struct.pack("<Q", 2 ** 62) + b"{}")  # claims an enormous header
    with pytest.raises(CheckpointError, match="header"):
        autograd.load(bad)
    bad.write_bytes(struct.pack("<Q", 5) + b"nope!")
    with pytest.raises(CheckpointError, match="not JSON"):
        autograd.load(bad)
    header = json.dumps({"w": {"dtype": "F32", "shape": [1000000], "data_offsets": [0, 4000000]}})
    bad.write_bytes(struct.pack("<Q", len(header)) + header.encode() + b"\0" * 16)
    with pytest.raises(CheckpointError, match="spans bytes"):
        autograd.load(bad)
    # structure metadata that tries to smuggle in something that is not data
    meta = {"__metadata__": {"format": "numbagrad-checkpoint-1",
                             "numbagrad": json.dumps({"__class__": "os.system"})}}
    header = json.dumps(meta)
    bad.write_bytes(struct.pack("<Q", len(header)) + header.encode())
    with pytest.raises(CheckpointError, match="unknown structure tag"):
        autograd.load(bad)


def test_checkpoint_resume_is_bit_exact(tmp_path):
    autograd.manual_seed(0)
    x, y = autograd.randn(16, 3), autograd.randint(0, 2, (16,))
    model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.2), nn.Linear(8, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    autograd.save({"model": model.state_dict(), "opt": opt.state_dict(),
                   "rng": autograd.get_rng_state()}, tmp_path / "ck")
    for _ in range(3):
        step()
    expected = [p.detach().numpy().copy() for p in model.parameters()]
    ck = autograd.load(tmp_path / "ck")
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["opt"])
    autograd.set_rng_state(ck["rng"])
    for _ in range(3):
        step()
    for a, b in zip(model.parameters(), expected):
        np.testing.assert_array_equal(a.detach().numpy(), b)
