"""``save(obj, f)`` / ``load(f)``: checkpoints in the safetensors format, never pickle.

A checkpoint is any nesting of dicts (``OrderedDict`` kept; other dict subclasses such
as ``Counter`` load as ``dict``), lists, tuples, Tensors, NumPy arrays, and plain
``int``/``float``/``bool``/``str``/``None`` (dict keys may be str, int, float, bool or
None), plus (format 3) NumPy scalars (``np.float32(1.5)`` loads back as
``np.float32(1.5)``: same type, exact value), ``argparse.Namespace`` (stored as a tagged
dict of its attributes, loaded back as a Namespace), ``torch.Size``, dtypes and devices:
enough for model + optimizer + scheduler + RNG state + the script's arguments. Objects
(an ``nn.Module``, an optimizer, a scheduler, any class instance) are refused with a
TypeError that says to save their ``state_dict()`` instead: nothing is ever pickled.
Every array goes into the safetensors tensor table (keys ``"0"``, ``"1"``, ...; an
array that appears twice is stored once and comes back as Tensors sharing storage).
The structure around them is JSON in the safetensors ``__metadata__`` under
``"numbagrad"``: a flat *node table* (format ``numbagrad-checkpoint-2``). Each node is a
JSON scalar or a one-tag object (``{"__list__": [i, ...]}``, ``{"__tuple__": [...]}``,
``{"__dict__": [k0, v0, k1, v1, ...]}``, ``{"__odict__": [...]}``,
``{"__tensor__": "3", "requires_grad": false}``, ``{"__ndarray__": "3"}``,
``{"__float__": "nan"}``) whose children are indices of *earlier* nodes, each used once;
the last node is the root. Format ``numbagrad-checkpoint-3`` adds ``{"__npscalar__": "4"}``
(a 0-d array in the tensor table), ``{"__namespace__": [k0, v0, ...]}``,
``{"__size__": [i, ...]}``, ``{"__dtype__": "float32"}`` and ``{"__device__": "cuda:0"}``;
``save`` writes format 2 whenever none of these is needed, so such files stay readable by
older versions, and format-2 files may not use the new tags. The JSON is therefore never
more than three levels deep, and both :func:`save` and :func:`load` walk the structure
with an explicit stack, never recursion. Files written in the older nested format
``numbagrad-checkpoint-1`` still load.
Loading only parses JSON and copies bytes: nothing from the file is ever executed.

Limits (a file beyond them raises :class:`CheckpointError`; ``save`` refuses to write
what ``load`` would refuse to read):

* nesting depth: at most ``MAX_DEPTH`` = 10 000 nested containers (dicts, lists, tuples);
* the safetensors JSON header: at most 100 MiB (safetensors' own limit);
* integers in the structure: at most 4 300 decimal digits (Python's default
  ``int``-from-string limit; ``save`` accepts ints of up to 14 000 bits);
* tensor shapes: at most 64 dimensions, every size and byte offset below 2**63, and the
  byte range of each tensor must match ``prod(shape) * itemsize``.

``load`` of a path refuses anything that is not a regular file (a directory, a FIFO, a
device such as ``/dev/zero``, or a symlink to one) before reading a byte, opens it
without blocking, and reads only the bytes the header accounts for, checked against the
file's size first. Tensors flagged ``requires_grad`` must be floating point.

A plain safetensors file (written by ``safetensors.torch.save_file``, say) loads as an
``OrderedDict`` of name -> Tensor, so PyTorch weights exported that way load directly.

Writes are atomic: the bytes go to a temporary file in the target directory, are
fsynced, and ``os.replace`` moves it over the target, so a crash never leaves a
half-written checkpoint under the real name.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import stat
import struct
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import IO, Any

import numpy as np

__all__ = ["save", "load", "CheckpointError", "MAX_DEPTH", "add_safe_globals",
           "get_safe_globals", "clear_safe_globals", "safe_globals"]

_FORMAT_V1 = "numbagrad-checkpoint-1"  # nested JSON structure; still readable
_FORMAT_V2 = "numbagrad-checkpoint-2"  # flat node table; written when no v3 tag is needed
_FORMAT = "numbagrad-checkpoint-3"  # format 2 plus the tags in _V3_KEYS
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header
MAX_DEPTH = 10_000  # nested containers in one checkpoint
_MAX_INT_DIGITS = 4300  # digits of an int literal in the structure JSON (load)
_MAX_INT_BITS = 14_000  # bits of an int that save accepts (< 4300 decimal digits)
_MAX_NDIM = 64
_MAX_INDEX = 2 ** 63  # shape sizes and byte offsets must stay below this
_CHUNK = 16 * 1024 * 1024  # read granularity, so a lying header never allocates up front
# safetensors dtypes NumPy can hold, with their item sizes (others are left to safetensors)
_ITEMSIZE = {"BOOL": 1, "U8": 1, "I8": 1, "U16": 2, "I16": 2, "F16": 2, "U32": 4, "I32": 4,
             "F32": 4, "U64": 8, "I64": 8, "F64": 8, "C64": 8, "C128": 16}
_V2_CONTAINER_TAGS = ("__list__", "__tuple__", "__dict__", "__odict__")
_CONTAINER_TAGS = _V2_CONTAINER_TAGS + ("__namespace__", "__size__")
_V2_KEYS = {"__list__": {"__list__"}, "__tuple__": {"__tuple__"},
            "__dict__": {"__dict__"}, "__odict__": {"__odict__"},
            "__tensor__": {"__tensor__", "requires_grad"},
            "__ndarray__": {"__ndarray__"}, "__float__": {"__float__"}}
_V3_KEYS = {"__namespace__": {"__namespace__"}, "__size__": {"__size__"},
            "__npscalar__": {"__npscalar__"}, "__dtype__": {"__dtype__"},
            "__device__": {"__device__"}}
_ALLOWED_KEYS = {**_V2_KEYS, **_V3_KEYS}
# the dtypes a checkpoint may name (``autograd.<name>``); bfloat16 can be named, not stored
_DTYPE_NAMES = ("float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64",
                "bool", "complex64", "complex128", "bfloat16")
_MAX_DEVICE_CHARS = 64


class CheckpointError(ValueError):
    """The file is not a readable checkpoint (truncated, corrupt, or hostile)."""


# --------------------------------------------------------------------------- save
_CONTAINER = object()  # _encode_leaf's answer for dicts, lists, tuples, Sizes, Namespaces
_SUPPORTED = ("dict (OrderedDict kept), list, tuple, argparse.Namespace, Tensor, ndarray, "
              "int, float, bool, str, None, NumPy scalars, torch.Size, dtypes and devices")


def _refusal(obj: object, path: str) -> TypeError:
    """The TypeError for an object ``save`` cannot store, saying what to save instead."""
    cls = type(obj)
    names = {c.__name__ for c in cls.__mro__}
    has_state = callable(getattr(obj, "state_dict", None))
    kind = ("nn.Module" if "Module" in names and has_state else
            "optimizer" if "Optimizer" in names and has_state else
            "learning-rate scheduler" if names & {"LRScheduler", "ReduceLROnPlateau"} else
            None)
    if kind is not None:
        var = {"nn.Module": "model", "optimizer": "optimizer"}.get(kind, "scheduler")
        return TypeError(
            f"save: cannot store the {cls.__name__} ({kind}) at {path}: numbagrad checkpoints "
            f"hold data, never pickled objects or code. Save its state instead: "
            f"torch.save({var}.state_dict(), path), then rebuild the {var} in code and call "
            f"{var}.load_state_dict(torch.load(path)).")
    hint = ("; save its .state_dict() instead" if has_state else
            "; store its fields instead (e.g. vars(obj) for a plain object)"
            if hasattr(obj, "__dict__") and not callable(obj) else "")
    return TypeError(f"save: cannot store an object of type {cls.__module__}.{cls.__qualname__}"
                     f" at {path} (supported: {_SUPPORTED}){hint}")


def _encode_leaf(obj: object, arrays: dict, memo: dict, path: str, tensor_cls: type) -> Any:
    from .dtypes import _UnsupportedDtype, device
    from .tensor import Size
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, np.generic):  # before int/float: np.float64 is a float subclass
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"save: cannot store a NumPy {obj.dtype} scalar at {path}")
        skey = str(len(arrays))
        arrays[skey] = np.asarray(obj)  # 0-d, a fresh array: never shared
        return {"__npscalar__": skey}
    if isinstance(obj, int):
        v = int(obj)
        if v.bit_length() > _MAX_INT_BITS:
            raise ValueError(f"save: the int at {path} has {v.bit_length()} bits; checkpoints "
                             f"hold ints of at most {_MAX_INT_BITS} bits")
        return v
    if isinstance(obj, float):
        f = float(obj)
        if f != f or f in (float("inf"), float("-inf")):
            return {"__float__": repr(f)}  # JSON has no nan/inf
        return f
    if isinstance(obj, (tensor_cls, np.ndarray)):
        arr: Any = obj._data if isinstance(obj, tensor_cls) else obj  # type: ignore[attr-defined]
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"save: cannot store an array of dtype {arr.dtype} at {path}")
        key = memo.get(id(arr))
        if key is None:
            key = str(len(arrays))
            arrays[key] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # keeps 0-d
            memo[id(arr)] = key
        if isinstance(obj, tensor_cls):
            return {"__tensor__": key, "requires_grad": bool(obj.requires_grad)}  # type: ignore[attr-defined]
        return {"__ndarray__": key}
    if isinstance(obj, device):
        return {"__device__": str(obj)}
    if isinstance(obj, _UnsupportedDtype):
        return {"__dtype__": repr(obj).removeprefix("torch.")}
    if isinstance(obj, np.dtype):
        if obj.name not in _DTYPE_NAMES or obj.byteorder not in "=|":
            raise TypeError(f"save: cannot store the dtype {obj} at {path} (only PyTorch's "
                            f"dtypes: {', '.join(_DTYPE_NAMES)})")
        return {"__dtype__": obj.name}
    if isinstance(obj, (dict, list, tuple, argparse.Namespace)):
        if isinstance(obj, Size) and not all(type(s) is int for s in obj):
            raise TypeError(f"save: the torch.Size at {path} holds a non-int")
        return _CONTAINER
    raise _refusal(obj, path)


def _encode(obj: object) -> tuple[list, dict, bool]:
    """The node table of ``obj`` (children before parents, root last), its arrays, and
    whether a format-3 tag was used.

    An explicit stack replaces recursion: ``("visit", obj, path, depth)`` emits a leaf
    node or schedules a container, ``("build", tag, n, id)`` turns the last ``n`` emitted
    node indices into the container's node once all its children are done."""
    from .tensor import Size, Tensor
    nodes: list = []
    arrays: dict = {}
    memo: dict = {}
    done: list[int] = []  # indices of finished nodes not yet claimed by a parent
    active: set[int] = set()  # ids of the containers on the current path (cycle check)
    v3 = False
    stack: list[tuple] = [("visit", obj, "obj", 0)]
    while stack:
        item = stack.pop()
        if item[0] == "build":
            _, tag, n, oid = item
            kids = done[len(done) - n:]
            del done[len(done) - n:]
            active.discard(oid)
            done.append(len(nodes))
            nodes.append({tag: kids})
            continue
        _, o, path, depth = item
        leaf = _encode_leaf(o, arrays, memo, path, Tensor)
        if leaf is not _CONTAINER:
            v3 = v3 or (isinstance(leaf, dict) and next(iter(leaf)) in _V3_KEYS)
            done.append(len(nodes))
            nodes.append(leaf)
            continue
        if depth >= MAX_DEPTH:
            raise ValueError(f"save: {path} is nested more than {MAX_DEPTH} containers deep "
                             f"(the checkpoint limit)")
        if id(o) in active:
            raise ValueError(f"save: {path} contains itself (a reference cycle)")
        children: list[tuple[object, str]] = []
        if isinstance(o, argparse.Namespace):
            for k, v in vars(o).items():
                if not isinstance(k, str):
                    raise TypeError(f"save: Namespace attribute names must be str, got "
                                    f"{type(k).__name__} at {path}")
                children.append((k, f"{path} attribute {k!r}"))
                children.append((v, f"{path}.{k}"))
            tag = "__namespace__"
        elif isinstance(o, dict):
            for k, v in o.items():
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise TypeError(f"save: dict keys must be str/int/float/bool/None, got "
                                    f"{type(k).__name__} at {path}")
                children.append((k, f"{path} key {k!r}"))
                children.append((v, f"{path}[{k!r}]"))
            tag = "__odict__" if isinstance(o, OrderedDict) else "__dict__"
        else:
            assert isinstance(o, (list, tuple))
            children = [(v, f"{path}[{i}]") for i, v in enumerate(o)]
            tag = ("__size__" if isinstance(o, Size) else
                   "__tuple__" if isinstance(o, tuple) else "__list__")
        v3 = v3 or tag in _V3_KEYS
        active.add(id(o))
        stack.append(("build", tag, len(children), id(o)))
        for child, child_path in reversed(children):
            stack.append(("visit", child, child_path, depth + 1))
    assert len(done) == 1
    return nodes, arrays, v3


def save(obj: object, f: str | os.PathLike[str] | IO[bytes], pickle_module: object = None,
         pickle_protocol: object = None, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Write ``obj`` to ``f`` (a path or a binary file object) in safetensors format.

    The file is ``numbagrad-checkpoint-2`` when ``obj`` needs nothing newer, else
    ``numbagrad-checkpoint-3`` (NumPy scalars, ``argparse.Namespace``, ``torch.Size``,
    dtypes, devices). ``pickle_module``, ``pickle_protocol`` and the underscored flags are
    accepted for PyTorch compatibility and ignored: nothing is ever pickled.

    Raises:
        TypeError: for objects outside the supported set (nothing is written then); an
            ``nn.Module``, optimizer or scheduler gets a message saying to save its
            ``state_dict()`` instead.
        ValueError: for structures :func:`load` would refuse: nesting deeper than
            ``MAX_DEPTH``, reference cycles, ints of more than 14 000 bits.
    """
    import safetensors.numpy as stn
    nodes, arrays, v3 = _encode(obj)
    data = stn.save(arrays, metadata={"format": _FORMAT if v3 else _FORMAT_V2,
                                      "numbagrad": json.dumps(nodes, separators=(",", ":"))})
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
def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise CheckpointError(f"an integer of {len(text.lstrip('-'))} digits (limit "
                              f"{_MAX_INT_DIGITS})")
    return int(text)


def _json(text: str | bytes, name: str, what: str) -> Any:
    """``json.loads`` whose every failure (syntax, absurd ints, nesting deep enough to
    exhaust the recursion limit) is a CheckpointError."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return json.loads(text, parse_int=_parse_int)
    except CheckpointError as exc:
        raise CheckpointError(f"load: {name} has a corrupt {what}: {exc}") from None
    except (UnicodeDecodeError, ValueError, TypeError) as exc:  # JSONDecodeError, int digits
        raise CheckpointError(f"load: {name} has a corrupt {what} (not JSON): {exc}") from None
    except RecursionError:
        raise CheckpointError(f"load: {name} has a {what} nested too deeply to parse") from None


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def _read_exact(read: Callable[[int], bytes], count: int, name: str, what: str) -> bytes:
    """Exactly ``count`` bytes from ``read``, in chunks, or a CheckpointError."""
    parts, got = [], 0
    while got < count:
        chunk = read(min(_CHUNK, count - got))
        if not chunk:
            raise CheckpointError(f"load: {name} is truncated: {what} needs {count} bytes but "
                                  f"only {got} follow")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _check_int(value: object, name: str, what: str) -> int:
    if type(value) is not int or not 0 <= value < _MAX_INDEX:
        raise CheckpointError(f"load: {name} is corrupt: {what} is {value!r:.60}, not an "
                              f"integer in [0, 2**63)")
    return value


def _check_header(header: object, name: str) -> int:
    """Validate the safetensors header; return the length of the data section it describes."""
    if not isinstance(header, dict):
        raise CheckpointError(f"load: {name} has a corrupt header (not a JSON object)")
    meta = header.get("__metadata__", {})
    if not (isinstance(meta, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())):
        raise CheckpointError(f"load: {name} has corrupt __metadata__ (must map str to str)")
    body = 0
    for key, info in header.items():
        if key == "__metadata__":
            continue
        if not isinstance(info, dict):
            raise CheckpointError(f"load: {name}: entry {key!r} is not a JSON object")
        offsets, shape, dtype = info.get("data_offsets"), info.get("shape"), info.get("dtype")
        if not (isinstance(offsets, list) and len(offsets) == 2):
            raise CheckpointError(f"load: {name}: entry {key!r} has no valid data_offsets")
        start = _check_int(offsets[0], name, f"the start offset of tensor {key!r}")
        end = _check_int(offsets[1], name, f"the end offset of tensor {key!r}")
        if start > end:
            raise CheckpointError(f"load: {name} is corrupt: tensor {key!r} spans bytes "
                                  f"[{start}, {end})")
        if not isinstance(dtype, str):
            raise CheckpointError(f"load: {name}: entry {key!r} has no valid dtype")
        if not (isinstance(shape, list) and len(shape) <= _MAX_NDIM):
            raise CheckpointError(f"load: {name}: entry {key!r} has no valid shape (a list of "
                                  f"at most {_MAX_NDIM} sizes)")
        sizes = [_check_int(s, name, f"a size in the shape of tensor {key!r}") for s in shape]
        if dtype in _ITEMSIZE and math.prod(sizes) * _ITEMSIZE[dtype] != end - start:
            raise CheckpointError(f"load: {name} is corrupt: tensor {key!r} of shape {sizes} "
                                  f"and dtype {dtype} cannot fill bytes [{start}, {end})")
        body = max(body, end)
    return body


def _read(f: str | os.PathLike[str] | IO[bytes]) -> tuple[bytes, dict, str]:
    """The whole checkpoint (exactly the bytes its header accounts for), its parsed
    header and a name for messages. Paths must be regular files (checked before opening
    and again on the open descriptor; opened non-blocking so a FIFO cannot hang)."""
    fh: Any
    if hasattr(f, "read"):
        fh, name, size = f, str(getattr(f, "name", "<file object>")), None
    else:
        name = os.fspath(f)
        st = os.stat(name)  # follows symlinks: a link to /dev/zero is a character device
        if not stat.S_ISREG(st.st_mode):
            raise CheckpointError(f"load: {name} is {_kind(st.st_mode)}, not a regular file")
        flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
        fd = os.open(name, flags)
        try:
            st = os.fstat(fd)
        except BaseException:
            os.close(fd)
            raise
        if not stat.S_ISREG(st.st_mode):  # replaced between stat and open
            os.close(fd)
            raise CheckpointError(f"load: {name} is {_kind(st.st_mode)}, not a regular file")
        fh, size = os.fdopen(fd, "rb"), st.st_size
    try:
        if size is not None and size < 8:
            raise CheckpointError(f"load: {name} is truncated or not a safetensors file "
                                  f"({size} bytes; a header needs at least 8)")
        prefix = _read_exact(fh.read, 8, name, "the header length")
        (n,) = struct.unpack("<Q", prefix)
        if n > _MAX_HEADER:
            raise CheckpointError(f"load: {name} claims a {n}-byte header (limit "
                                  f"{_MAX_HEADER}); the file is corrupt or hostile")
        if size is not None and 8 + n > size:
            raise CheckpointError(f"load: {name} is truncated: its header claims {n} bytes but "
                                  f"only {size - 8} follow")
        raw_header = _read_exact(fh.read, n, name, "the header")
        header = _json(raw_header, name, "header")
        body = _check_header(header, name)
        if size is not None and 8 + n + body > size:
            raise CheckpointError(f"load: {name} is truncated or corrupt: its tensor data "
                                  f"spans bytes [0, {body}) of a {size - 8 - n}-byte data section")
        if size is not None and 8 + n + body < size:
            raise CheckpointError(f"load: {name} is corrupt: {size - 8 - n - body} stray bytes "
                                  f"follow the last tensor")
        data = _read_exact(fh.read, body, name, "the tensor data")
    finally:
        if fh is not f:
            fh.close()
    return prefix + raw_header + data, header, name


def _flatten_v1(structure: object, name: str) -> list:
    """Turn a ``numbagrad-checkpoint-1`` nested structure into a node table (children
    first), iteratively; the node table is then validated like a format-2 one."""
    nodes: list = []
    done: list[int] = []
    stack: list[tuple] = [("visit", structure)]
    while stack:
        item = stack.pop()
        if item[0] == "build":
            _, tag, n = item
            children = done[len(done) - n:]
            del done[len(done) - n:]
            done.append(len(nodes))
            nodes.append({tag: children})
            continue
        node = item[1]
        if isinstance(node, list):
            tag, kids = "__list__", node
        elif isinstance(node, dict) and len(node) == 1 and next(iter(node)) in _V2_CONTAINER_TAGS:
            tag = next(iter(node))
            kids = node[tag]
            if not isinstance(kids, list):
                raise CheckpointError(f"load: {name}: {tag} holds {type(kids).__name__}, "
                                      f"not a list")
            if tag in ("__dict__", "__odict__"):
                if not all(isinstance(p, list) and len(p) == 2 for p in kids):
                    raise CheckpointError(f"load: {name} has a malformed dict entry (not a "
                                          f"[key, value] pair)")
                kids = [x for pair in kids for x in pair]
        else:  # a leaf: validated by _decode_nodes
            done.append(len(nodes))
            nodes.append(node)
            continue
        stack.append(("build", tag, len(kids)))
        for kid in reversed(kids):
            stack.append(("visit", kid))
    return nodes


def _decode_nodes(nodes: object, arrays: dict, name: str, allowed: dict) -> Any:
    """Build the object a node table describes, validating every node; ``allowed`` maps
    the tags this file's format may use to the keys each tag's node may have."""
    from . import dtypes
    from .tensor import Size, Tensor
    if not (isinstance(nodes, list) and nodes):
        raise CheckpointError(f"load: {name} has corrupt structure metadata (not a non-empty "
                              f"list of nodes)")
    values: list = [None] * len(nodes)
    depth = [0] * len(nodes)
    used = bytearray(len(nodes))
    for i, node in enumerate(nodes):
        where = f"load: {name}: structure node {i}"
        if node is None or isinstance(node, (bool, int, float, str)):
            values[i] = node
            continue
        if not isinstance(node, dict):
            raise CheckpointError(f"{where} is a malformed structure entry {node!r:.80}")
        tags = [k for k in node if k in allowed]
        if len(tags) != 1:
            what = "conflicting structure tags" if tags else "an unknown structure tag"
            raise CheckpointError(f"{where} has {what} {sorted(node)[:3]}")
        tag = tags[0]
        extra = set(node) - allowed[tag]
        if extra:
            raise CheckpointError(f"{where} ({tag}) has unexpected keys {sorted(extra)[:3]}")
        payload = node[tag]
        if tag in _CONTAINER_TAGS:
            if not isinstance(payload, list):
                raise CheckpointError(f"{where}: {tag} holds {type(payload).__name__} "
                                      f"{payload!r:.40}, not a list of node indices")
            d = 0
            for c in payload:
                if type(c) is not int or not 0 <= c < i:
                    raise CheckpointError(f"{where}: {tag} refers to {c!r:.40}, not the index "
                                          f"of an earlier node")
                if used[c]:
                    raise CheckpointError(f"{where}: {tag} reuses node {c}")
                used[c] = 1
                d = max(d, depth[c])
            if d + 1 > MAX_DEPTH:
                raise CheckpointError(f"{where}: the structure is nested more than {MAX_DEPTH} "
                                      f"containers deep")
            depth[i] = d + 1
            items = [values[c] for c in payload]
            if tag == "__list__":
                values[i] = items
            elif tag == "__tuple__":
                values[i] = tuple(items)
            elif tag == "__size__":
                if not all(type(s) is int for s in items):
                    raise CheckpointError(f"{where}: __size__ holds something other than "
                                          f"ints")
                values[i] = Size(items)
            else:
                if len(items) % 2:
                    raise CheckpointError(f"{where}: {tag} holds an odd number of nodes, not "
                                          f"key/value pairs")
                out: dict = OrderedDict() if tag == "__odict__" else {}
                for j in range(0, len(items), 2):
                    k = items[j]
                    if not (k is None or isinstance(k, (bool, int, float, str))):
                        raise CheckpointError(f"{where}: {tag} has an unhashable dict key "
                                              f"(a {type(k).__name__})")
                    if k in out:
                        raise CheckpointError(f"{where}: {tag} repeats the key {k!r:.40}")
                    if tag == "__namespace__" and not isinstance(k, str):
                        raise CheckpointError(f"{where}: __namespace__ has an attribute name "
                                              f"that is not a str ({k!r:.40})")
                    out[k] = items[j + 1]
                values[i] = argparse.Namespace(**out) if tag == "__namespace__" else out
        elif tag in ("__tensor__", "__ndarray__", "__npscalar__"):
            if not isinstance(payload, str):
                raise CheckpointError(f"{where}: {tag} holds {payload!r:.40}, not the name of "
                                      f"a tensor in the file")
            if payload not in arrays:
                raise CheckpointError(f"{where} refers to a missing tensor {payload!r:.40}")
            arr = arrays[payload]
            if tag == "__ndarray__":
                values[i] = arr
                continue
            if tag == "__npscalar__":
                if arr.ndim != 0 or arr.dtype.kind not in "biuf":
                    raise CheckpointError(f"{where}: __npscalar__ refers to tensor "
                                          f"{payload!r} of shape {list(arr.shape)} and dtype "
                                          f"{arr.dtype}, not a 0-d bool/int/float array")
                values[i] = arr[()]
                continue
            grad = node.get("requires_grad", False)
            if not isinstance(grad, bool):
                raise CheckpointError(f"{where}: requires_grad is {grad!r:.40}, not a bool")
            if grad and arr.dtype.kind != "f":
                raise CheckpointError(f"{where}: tensor {payload!r} of dtype {arr.dtype} is "
                                      f"marked requires_grad (only floating point tensors "
                                      f"can require gradients)")
            t = Tensor(arr)
            if grad:
                t.requires_grad_(True)
            values[i] = t
        elif tag == "__dtype__":
            if payload not in _DTYPE_NAMES:
                raise CheckpointError(f"{where} names an unknown dtype {payload!r:.40}")
            values[i] = getattr(dtypes, payload)
        elif tag == "__device__":
            if not (isinstance(payload, str) and len(payload) <= _MAX_DEVICE_CHARS):
                raise CheckpointError(f"{where}: __device__ holds {payload!r:.40}, not a "
                                      f"device string")
            try:
                values[i] = dtypes.device(payload)
            except (RuntimeError, TypeError, ValueError):  # includes DeviceUnavailableError
                raise CheckpointError(f"{where} has a malformed device {payload!r:.40}") from None
        else:  # __float__
            if payload not in ("nan", "inf", "-inf"):
                raise CheckpointError(f"{where} has a malformed float {payload!r:.40}")
            values[i] = float(payload)
    unused = [i for i in range(len(nodes) - 1) if not used[i]]
    if unused:
        raise CheckpointError(f"load: {name}: structure node {unused[0]} is never used "
                              f"({len(unused)} unused nodes)")
    return values[-1]


def load(f: str | os.PathLike[str] | IO[bytes], map_location: object = None,
         pickle_module: object = None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args: object) -> Any:
    """Read an object written by :func:`save` (or a plain safetensors file).

    Args:
        f: a path (which must be a regular file, or a symlink to one) or a binary file
            object (read up to the end of the data its header describes, no further).
        map_location, pickle_module, weights_only, mmap, pickle_load_args: accepted for
            PyTorch compatibility; everything loads on the CPU and only data is ever read.

    Returns:
        The saved object; Tensors come back as writable float/int Tensors, NumPy scalars
        as the same NumPy scalar type, an ``argparse.Namespace`` as a Namespace, a
        ``torch.Size`` as a Size, dtypes and devices as themselves.

    Raises:
        CheckpointError: for every malformed file: not a regular file, truncated, bad
            header length, offsets past the end, malformed JSON, malformed or
            too deeply nested structure, absurd sizes, references to missing tensors,
            ``requires_grad`` on a non-float tensor.
        OSError: when the path cannot be opened (e.g. FileNotFoundError).
    """
    import safetensors.numpy as stn
    data, header, name = _read(f)
    try:
        raw = stn.load(data)
    except Exception as exc:  # the library's own validation (dtype, sizes, overlaps)
        raise CheckpointError(f"load: {name} is not a valid safetensors file: {exc}") from None
    arrays = {k: (v if v.flags.writeable else v.copy()) for k, v in raw.items()}
    meta = header.get("__metadata__") or {}
    fmt = meta.get("format")
    if fmt not in (_FORMAT, _FORMAT_V2, _FORMAT_V1) or "numbagrad" not in meta:
        if isinstance(fmt, str) and fmt.startswith("numbagrad-checkpoint-"):
            raise CheckpointError(f"load: {name} has an unsupported checkpoint format {fmt!r}"
                                  f" (this version reads {_FORMAT_V1!r}, {_FORMAT_V2!r} and "
                                  f"{_FORMAT!r})")
        from .tensor import Tensor
        keys = [k for k in header if k != "__metadata__"]
        keys.sort(key=lambda k: header[k]["data_offsets"][0])
        return OrderedDict((k, Tensor(arrays[k])) for k in keys)
    structure = _json(meta["numbagrad"], name, "structure metadata")
    nodes = _flatten_v1(structure, name) if fmt == _FORMAT_V1 else structure
    return _decode_nodes(nodes, arrays, name, _ALLOWED_KEYS if fmt == _FORMAT else _V2_KEYS)


# --------------------------------------------------------------------------- safe globals
_SAFE_GLOBALS: list = []


def add_safe_globals(safe_globals: list) -> None:
    """Accepted for PyTorch compatibility (``torch.serialization.add_safe_globals``).

    PyTorch's ``weights_only`` unpickler needs classes allowlisted; :func:`load` never
    unpickles, so the list is only recorded (see :func:`get_safe_globals`). A checkpoint
    of a whole model still cannot exist here: :func:`save` refuses ``nn.Module`` objects.
    """
    _SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals() -> list:
    """The globals recorded by :func:`add_safe_globals` (unused by :func:`load`)."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Forget the globals recorded by :func:`add_safe_globals`."""
    _SAFE_GLOBALS.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list) -> Iterator[None]:
    """``with torch.serialization.safe_globals([...]):`` as in PyTorch: records the list
    for the duration of the block. A no-op for :func:`load`, which never unpickles."""
    n = len(_SAFE_GLOBALS)
    _SAFE_GLOBALS.extend(safe_globals)
    try:
        yield
    finally:
        del _SAFE_GLOBALS[n:]
