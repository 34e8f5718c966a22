"""``save(obj, f)`` / ``load(f)``: checkpoints in the safetensors format, never pickle.

A checkpoint is any nesting of dicts (``OrderedDict`` kept), lists, tuples, Tensors,
NumPy arrays, and plain ``int``/``float``/``bool``/``str``/``None`` (dict keys may be
str, int, float, bool or None): enough for model + optimizer + scheduler + RNG state.
Every array goes into the safetensors tensor table (keys ``"0"``, ``"1"``, ...; an
array that appears twice is stored once and comes back as Tensors sharing storage);
the structure around them is JSON in the safetensors ``__metadata__`` under ``"numbagrad"``. Loading only
parses JSON and copies bytes: nothing from the file is ever executed.

A plain safetensors file (written by ``safetensors.torch.save_file``, say) loads as an
``OrderedDict`` of name -> Tensor, so PyTorch weights exported that way load directly.

Writes are atomic: the bytes go to a temporary file in the target directory, are
fsynced, and ``os.replace`` moves it over the target, so a crash never leaves a
half-written checkpoint under the real name.
"""
from __future__ import annotations

import json
import os
import struct
import tempfile
from collections import OrderedDict
from typing import IO, Any

import numpy as np

__all__ = ["save", "load", "CheckpointError"]

_FORMAT = "numbagrad-checkpoint-1"
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header


class CheckpointError(ValueError):
    """The file is not a readable checkpoint (truncated, corrupt, or hostile)."""


# --------------------------------------------------------------------------- save
def _encode(obj, arrays: dict, memo: dict, path: str):
    from .tensor import Tensor
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if f != f or f in (float("inf"), float("-inf")):
            return {"__float__": repr(f)}  # JSON has no nan/inf
        return f
    if isinstance(obj, (Tensor, np.ndarray)):
        arr = obj._data if isinstance(obj, Tensor) else obj
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"save: cannot store an array of dtype {arr.dtype} at {path}")
        key = memo.get(id(arr))
        if key is None:
            key = str(len(arrays))
            arrays[key] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # keeps 0-d
            memo[id(arr)] = key
        if isinstance(obj, Tensor):
            return {"__tensor__": key, "requires_grad": bool(obj.requires_grad)}
        return {"__ndarray__": key}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not (k is None or isinstance(k, (str, int, float, bool))):
                raise TypeError(f"save: dict keys must be str/int/float/bool/None, got "
                                f"{type(k).__name__} at {path}")
            items.append([_encode(k, arrays, memo, path), _encode(v, arrays, memo,
                                                                   f"{path}[{k!r}]")])
        return {"__odict__" if isinstance(obj, OrderedDict) else "__dict__": items}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, memo, f"{path}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, arrays, memo, f"{path}[{i}]") for i, v in enumerate(obj)]
    raise TypeError(f"save: cannot store an object of type {type(obj).__name__} at {path} "
                    f"(supported: dict, list, tuple, Tensor, ndarray, int, float, bool, str, "
                    f"None)")


def save(obj: object, f: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write ``obj`` to ``f`` (a path or a binary file object) in safetensors format.

    Raises:
        TypeError: for objects outside the supported set (nothing is written then).
    """
    import safetensors.numpy as stn
    arrays: dict = {}
    structure = _encode(obj, arrays, {}, "obj")
    data = stn.save(arrays, metadata={"format": _FORMAT, "numbagrad": json.dumps(structure)})
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # some filesystems cannot fsync a directory; the rename is still atomic
        return


# --------------------------------------------------------------------------- load
def _header(data: bytes, name: str) -> dict:
    if len(data) < 8:
        raise CheckpointError(f"load: {name} is truncated or not a safetensors file "
                              f"({len(data)} bytes; a header needs at least 8)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER:
        raise CheckpointError(f"load: {name} claims a {n}-byte header (limit {_MAX_HEADER}); "
                              f"the file is corrupt or hostile")
    if 8 + n > len(data):
        raise CheckpointError(f"load: {name} is truncated: its header claims {n} bytes but "
                              f"only {len(data) - 8} follow")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"load: {name} has a corrupt header (not JSON): {exc}") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"load: {name} has a corrupt header (not a JSON object)")
    body = len(data) - 8 - n
    for key, info in header.items():
        if key == "__metadata__":
            continue
        try:
            start, end = info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise CheckpointError(f"load: {name}: entry {key!r} has no valid data_offsets") \
                from None
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= body):
            raise CheckpointError(f"load: {name} is truncated or corrupt: tensor {key!r} "
                                  f"spans bytes [{start}, {end}) of a {body}-byte data section")
    return header


def _decode(node, arrays: dict, name: str):
    from .tensor import Tensor
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, name) for v in node]
    if not isinstance(node, dict) or len(node) == 0:
        raise CheckpointError(f"load: {name} has a malformed structure entry {node!r:.80}")
    if "__tensor__" in node or "__ndarray__" in node:
        key = node.get("__tensor__", node.get("__ndarray__"))
        if key not in arrays:
            raise CheckpointError(f"load: {name} refers to a missing tensor {key!r}")
        arr = arrays[key]
        if "__ndarray__" in node:
            return arr
        t = Tensor(arr)
        if node.get("requires_grad"):
            t.requires_grad_(True)
        return t
    if "__float__" in node:
        if node["__float__"] not in ("nan", "inf", "-inf"):
            raise CheckpointError(f"load: {name} has a malformed float {node['__float__']!r}")
        return float(node["__float__"])
    if "__tuple__" in node:
        return tuple(_decode(v, arrays, name) for v in node["__tuple__"])
    for tag, cls in (("__odict__", OrderedDict), ("__dict__", dict)):
        if tag in node:
            out = cls()
            for pair in node[tag]:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise CheckpointError(f"load: {name} has a malformed dict entry")
                k = _decode(pair[0], arrays, name)
                if isinstance(k, (list, dict, tuple)):
                    raise CheckpointError(f"load: {name} has an unhashable dict key")
                out[k] = _decode(pair[1], arrays, name)
            return out
    raise CheckpointError(f"load: {name} has an unknown structure tag {sorted(node)[:3]}")


def load(f: str | os.PathLike[str] | IO[bytes], map_location: object = None,
         weights_only: bool = True) -> Any:
    """Read an object written by :func:`save` (or a plain safetensors file).

    Args:
        f: a path or a binary file object.
        map_location, weights_only: accepted for PyTorch compatibility; everything loads
            on the CPU and only data is ever read.

    Returns:
        The saved object; Tensors come back as writable float/int Tensors.

    Raises:
        CheckpointError: truncated, corrupt or hostile files (bad header length,
            offsets past the end, malformed JSON or structure).
    """
    import safetensors.numpy as stn
    if hasattr(f, "read"):
        data, name = f.read(), getattr(f, "name", "<file object>")
    else:
        name = os.fspath(f)
        with open(name, "rb") as fh:
            data = fh.read()
    name = str(name)
    header = _header(data, name)
    try:
        raw = stn.load(data)
    except Exception as exc:  # the library's own validation (dtype, sizes, overlaps)
        raise CheckpointError(f"load: {name} is not a valid safetensors file: {exc}") from None
    arrays = {k: (v if v.flags.writeable else v.copy()) for k, v in raw.items()}
    meta = header.get("__metadata__") or {}
    if meta.get("format") != _FORMAT or "numbagrad" not in meta:
        from .tensor import Tensor
        keys = [k for k in header if k != "__metadata__"]
        keys.sort(key=lambda k: header[k]["data_offsets"][0])
        return OrderedDict((k, Tensor(arrays[k])) for k in keys)
    try:
        structure = json.loads(meta["numbagrad"])
    except (TypeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"load: {name} has corrupt structure metadata: {exc}") from None
    return _decode(structure, arrays, name)
