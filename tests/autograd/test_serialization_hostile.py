"""autograd.load on hostile input: every malformed file is a CheckpointError (never a
RecursionError, TypeError or a hang), deep but legal nesting round-trips, and nothing
that is not a regular file is ever read. The files are built by hand: the safetensors
layout is an 8-byte little-endian header length, the JSON header, then the data."""
import io
import json
import os
import struct
import subprocess
import sys
import textwrap
from collections import OrderedDict

import numpy as np
import pytest

import autograd
from autograd import serialization as ser
from autograd.serialization import CheckpointError

V1, V2 = "numbagrad-checkpoint-1", "numbagrad-checkpoint-2"
_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64",
           np.dtype(np.int32): "I32", np.dtype(np.bool_): "BOOL"}


def _raw(header: dict | str | bytes, data: bytes = b"") -> bytes:
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode()
    return struct.pack("<Q", len(header)) + header + data


def _ckpt(structure, tensors: dict | None = None, fmt: str = V2) -> bytes:
    """A checkpoint with ``structure`` (node table for V2, nested tree for V1) as
    metadata and ``tensors`` (name -> ndarray) in the tensor table."""
    header: dict = {"__metadata__": {"format": fmt, "numbagrad": json.dumps(structure)}}
    data = b""
    for k, a in (tensors or {}).items():
        b = np.ascontiguousarray(a).tobytes()
        header[k] = {"dtype": _DTYPES[a.dtype], "shape": list(a.shape),
                     "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    return _raw(header, data)


def _load_bytes(tmp_path, blob: bytes, name: str = "bad"):
    path = tmp_path / name
    path.write_bytes(blob)
    return autograd.load(path)


# ------------------------------------------------------------------ deep nesting
def _nest(levels: int):
    """``levels`` nested containers cycling dict -> list -> tuple, a tensor at the bottom."""
    obj: object = {"leaf": autograd.arange(3.0), "n": levels}
    for i in range(levels - 1):
        obj = ({"d": obj, "i": i}, [i, obj], (obj, str(i)))[i % 3]
    return obj


def _depth_and_leaf(obj):
    depth = 0
    while True:
        depth += 1
        if isinstance(obj, dict):
            if "leaf" in obj:
                return depth, obj
            obj = obj["d"]
        elif isinstance(obj, list):
            obj = obj[1]
        else:
            obj = obj[0]


def test_1000_level_nesting_round_trips(tmp_path):
    autograd.save(_nest(1000), tmp_path / "deep")
    depth, leaf = _depth_and_leaf(autograd.load(tmp_path / "deep"))
    assert depth == 1000 and leaf["n"] == 1000
    assert leaf["leaf"].tolist() == [0.0, 1.0, 2.0]


def test_max_depth_round_trips_and_deeper_is_refused_on_save(tmp_path):
    deep: list = []
    for _ in range(ser.MAX_DEPTH - 1):
        deep = [deep]
    autograd.save(deep, tmp_path / "max")
    back, depth = autograd.load(tmp_path / "max"), 1
    while back:
        back, depth = back[0], depth + 1
    assert depth == ser.MAX_DEPTH
    with pytest.raises(ValueError, match="nested more than"):
        autograd.save([deep], tmp_path / "deeper")
    assert not (tmp_path / "deeper").exists()


def test_reference_cycle_is_refused_on_save(tmp_path):
    cyc: list = [1]
    cyc.append({"again": cyc})
    with pytest.raises(ValueError, match="reference cycle"):
        autograd.save(cyc, tmp_path / "cyc")


def test_hostile_deep_node_table_is_a_checkpoint_error(tmp_path):
    levels = ser.MAX_DEPTH + 1
    nodes = [{"__list__": []}] + [{"__list__": [i]} for i in range(levels - 1)]
    with pytest.raises(CheckpointError, match="nested more than"):
        _load_bytes(tmp_path, _ckpt(nodes))


def test_hostile_deep_nested_json_is_a_checkpoint_error(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    meta = {"__metadata__": {"format": V1, "numbagrad": deep}}
    with pytest.raises(CheckpointError, match="nested too deeply"):
        _load_bytes(tmp_path, _raw(meta))
    meta = {"__metadata__": {"format": V2, "numbagrad": deep}}
    with pytest.raises(CheckpointError, match="nested too deeply"):
        _load_bytes(tmp_path, _raw(meta))
    with pytest.raises(CheckpointError, match="nested too deeply"):  # the header itself
        _load_bytes(tmp_path, _raw('{"a":' + deep + "}"))


# ------------------------------------------------------------------ malformed metadata
@pytest.mark.parametrize("nodes, match", [
    ([{"__tensor__": [1]}], "not the name of a tensor"),
    ([{"__ndarray__": 0}], "not the name of a tensor"),
    ([{"__tuple__": 5}], "not a list of node indices"),
    ([{"__dict__": {"a": 1}}], "not a list of node indices"),
    ([{"__frobnicate__": [1]}], "unknown structure tag"),
    ([{"__tuple__": [], "__list__": []}], "conflicting structure tags"),
    ([{"__list__": [], "extra": 1}], "unexpected keys"),
    ([{"__tensor__": "7", "requires_grad": False}], "missing tensor '7'"),
    ([{"__list__": [0]}], "not the index of an earlier node"),  # refers to itself
    ([1, {"__list__": [10 ** 30]}], "not the index of an earlier node"),
    ([1, {"__list__": [-1]}], "not the index of an earlier node"),
    ([1, {"__list__": [True]}], "not the index of an earlier node"),
    ([1, {"__list__": [0, 0]}], "reuses node 0"),
    ([1, 2], "never used"),
    ([1, {"__dict__": [0]}], "odd number"),
    ([{"__list__": []}, 1, {"__dict__": [0, 1]}], "unhashable dict key"),
    (["k", 1, "k", 2, {"__dict__": [0, 1, 2, 3]}], "repeats the key"),
    ([{"__float__": "1e5"}], "malformed float"),
    ([[1, 2]], "malformed structure entry"),
    ([], "not a non-empty list"),
    ({"__list__": []}, "not a non-empty list"),
])
def test_malformed_node_table_entries(tmp_path, nodes, match):
    with pytest.raises(CheckpointError, match=match):
        _load_bytes(tmp_path, _ckpt(nodes))


@pytest.mark.parametrize("structure, match", [
    ({"__tensor__": [1]}, "not the name of a tensor"),
    ({"__tuple__": 5}, "not a list"),
    ({"__dict__": 5}, "not a list"),
    ({"__dict__": [[1, 2, 3]]}, "malformed dict entry"),
    ({"__dict__": [[[1], 2]]}, "unhashable dict key"),
    ([1, {"__tensor__": "0", "requires_grad": True}], "missing tensor"),
    ({"__class__": "os.system"}, "unknown structure tag"),
])
def test_malformed_legacy_structure_entries(tmp_path, structure, match):
    with pytest.raises(CheckpointError, match=match):
        _load_bytes(tmp_path, _ckpt(structure, fmt=V1))


def test_requires_grad_on_an_integer_tensor(tmp_path):
    ints = {"0": np.arange(3, dtype=np.int64)}
    with pytest.raises(CheckpointError, match="only floating point"):
        _load_bytes(tmp_path, _ckpt([{"__tensor__": "0", "requires_grad": True}], ints))
    with pytest.raises(CheckpointError, match="only floating point"):
        _load_bytes(tmp_path, _ckpt({"__tensor__": "0", "requires_grad": True}, ints, V1))
    with pytest.raises(CheckpointError, match="not a bool"):
        _load_bytes(tmp_path, _ckpt([{"__tensor__": "0", "requires_grad": "yes"}], ints))
    back = _load_bytes(tmp_path, _ckpt([{"__tensor__": "0", "requires_grad": False}], ints))
    assert back.dtype == autograd.int64 and not back.requires_grad


def test_absurd_integer_in_metadata(tmp_path):
    meta = {"__metadata__": {"format": V2, "numbagrad": "[" + "9" * 100_000 + "]"}}
    with pytest.raises(CheckpointError, match="digits"):
        _load_bytes(tmp_path, _raw(meta))
    with pytest.raises(ValueError, match="bits"):
        autograd.save({"n": 1 << 20_000}, tmp_path / "big")
    autograd.save({"n": -(1 << 10_000)}, tmp_path / "ok")  # big but sane ints round-trip
    assert autograd.load(tmp_path / "ok") == {"n": -(1 << 10_000)}


@pytest.mark.parametrize("entry, match", [
    ({"dtype": "F32", "shape": [2 ** 64], "data_offsets": [0, 4]}, r"integer in \[0, 2\*\*63\)"),
    ({"dtype": "F32", "shape": [10 ** 30, 10 ** 30], "data_offsets": [0, 4]}, "integer in"),
    ({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}, "integer in"),
    ({"dtype": "F32", "shape": [1] * 65, "data_offsets": [0, 4]}, "no valid shape"),
    ({"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 4]}, "cannot fill"),
    ({"dtype": "F32", "shape": [1], "data_offsets": [0, 2 ** 70]}, "integer in"),
    ({"dtype": "F32", "shape": [1], "data_offsets": [True, 4]}, "integer in"),
    ({"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}, "spans bytes"),
    ({"dtype": "F32", "shape": [1], "data_offsets": "0-4"}, "no valid data_offsets"),
    ({"dtype": 5, "shape": [1], "data_offsets": [0, 4]}, "no valid dtype"),
    ({"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}, "no valid shape"),
    ("not an object", "not a JSON object"),
])
def test_absurd_tensor_table_entries(tmp_path, entry, match):
    with pytest.raises(CheckpointError, match=match):
        _load_bytes(tmp_path, _raw({"w": entry}, b"\0" * 4))


def test_malformed_safetensors_metadata(tmp_path):
    with pytest.raises(CheckpointError, match="must map str to str"):
        _load_bytes(tmp_path, _raw({"__metadata__": {"format": 5}}))
    with pytest.raises(CheckpointError, match="must map str to str"):
        _load_bytes(tmp_path, _raw({"__metadata__": [1]}))
    with pytest.raises(CheckpointError, match="unsupported checkpoint format"):
        _load_bytes(tmp_path, _raw({"__metadata__": {"format": "numbagrad-checkpoint-9",
                                                     "numbagrad": "[1]"}}))
    with pytest.raises(CheckpointError, match="not JSON"):
        _load_bytes(tmp_path, _raw(b'{"a": "\xff\xfe"}'))


# ------------------------------------------------------------------ truncation, sizes
def test_every_truncation_is_a_checkpoint_error(tmp_path):
    buf = io.BytesIO()
    autograd.save({"w": autograd.randn(3, 3), "b": [1, (2.5, None)]}, buf)
    data = buf.getvalue()
    for cut in range(len(data)):
        with pytest.raises(CheckpointError):
            _load_bytes(tmp_path, data[:cut])
        with pytest.raises(CheckpointError):
            autograd.load(io.BytesIO(data[:cut]))


def test_header_length_larger_than_the_file(tmp_path):
    with pytest.raises(CheckpointError, match="header claims 1000 bytes but only 2 follow"):
        _load_bytes(tmp_path, struct.pack("<Q", 1000) + b"{}")
    with pytest.raises(CheckpointError, match="truncated"):
        autograd.load(io.BytesIO(struct.pack("<Q", 1000) + b"{}"))


def test_stray_bytes_after_the_data(tmp_path):
    buf = io.BytesIO()
    autograd.save({"a": autograd.ones(2)}, buf)
    with pytest.raises(CheckpointError, match="stray bytes"):
        _load_bytes(tmp_path, buf.getvalue() + b"junk")


def test_file_objects_are_read_only_as_far_as_the_header_says(tmp_path):
    buf = io.BytesIO()
    autograd.save({"a": autograd.ones(2)}, buf)
    size = buf.tell()
    buf.write(b"next record" * 1000)
    buf.seek(0)
    assert autograd.load(buf)["a"].tolist() == [1.0, 1.0]
    assert buf.tell() == size
    # a header that claims a huge (but shape-consistent) tensor: read up to EOF, no further
    hostile = _raw({"w": {"dtype": "U8", "shape": [2 ** 50], "data_offsets": [0, 2 ** 50]}},
                   b"\0" * 10)
    with pytest.raises(CheckpointError, match="truncated"):
        autograd.load(io.BytesIO(hostile))
    with pytest.raises(CheckpointError, match="truncated"):
        _load_bytes(tmp_path, hostile)


# ------------------------------------------------------------------ not regular files
_NOT_REGULAR = textwrap.dedent("""
    import os, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a regression must not eat RAM
    import autograd
    from autograd.serialization import CheckpointError
    for path in sys.argv[1:]:
        t0 = time.perf_counter()
        try:
            autograd.load(path)
            print(path, "LOADED")
        except CheckpointError as exc:
            print(path, "CheckpointError", round(time.perf_counter() - t0, 3), exc)
        except BaseException as exc:
            print(path, "OTHER", type(exc).__name__, str(exc)[:200])
        sys.stdout.flush()
""")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                    reason="needs POSIX FIFOs and /dev/zero")
def test_fifo_device_symlink_and_directory_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    zero = tmp_path / "zero"
    os.symlink("/dev/zero", zero)
    directory = tmp_path / "dir"
    directory.mkdir()
    paths = [str(fifo), str(zero), str(directory)]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", _NOT_REGULAR, *paths], capture_output=True,
                         text=True, timeout=60, cwd=root)  # a blocking open fails, not hangs
    lines = out.stdout.splitlines()
    assert len(lines) == 3, (out.stdout, out.stderr[-2000:])
    for line, kind in zip(lines, ("a FIFO", "a character device", "a directory")):
        assert " CheckpointError " in line and f"is {kind}, not a regular file" in line, line
        assert float(line.split()[2]) < 5.0, line


def test_symlink_to_a_regular_checkpoint_loads(tmp_path):
    autograd.save({"a": [1, 2]}, tmp_path / "real")
    os.symlink(tmp_path / "real", tmp_path / "link")
    assert autograd.load(tmp_path / "link") == {"a": [1, 2]}
    with pytest.raises(FileNotFoundError):
        autograd.load(tmp_path / "missing")


# ------------------------------------------------------------------ compatibility
def test_legacy_nested_format_still_loads(tmp_path):
    structure = {"__odict__": [
        ["w", {"__tensor__": "0", "requires_grad": True}],
        ["again", {"__ndarray__": "0"}],
        [7, [1, {"__tuple__": [2.5, None, {"__float__": "nan"}]}, {"__dict__": [[None, "x"]]}]],
    ]}
    back = _load_bytes(tmp_path, _ckpt(structure, {"0": np.ones(2, np.float32)}, V1))
    assert isinstance(back, OrderedDict) and list(back) == ["w", "again", 7]
    assert back["w"].requires_grad and back["w"].tolist() == [1.0, 1.0]
    assert isinstance(back["again"], np.ndarray)
    assert back[7][0] == 1 and back[7][1][:2] == (2.5, None) and np.isnan(back[7][1][2])
    assert back[7][2] == {None: "x"}


def test_new_files_use_a_flat_shallow_node_table(tmp_path):
    autograd.save({"a": [[[1]]], "t": autograd.zeros(1)}, tmp_path / "ck")
    blob = (tmp_path / "ck").read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    meta = json.loads(blob[8:8 + n])["__metadata__"]
    assert meta["format"] == V2
    assert json.loads(meta["numbagrad"]) == [
        "a", 1, {"__list__": [1]}, {"__list__": [2]}, {"__list__": [3]}, "t",
        {"__tensor__": "0", "requires_grad": False}, {"__dict__": [0, 4, 5, 6]}]
