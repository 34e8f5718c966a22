"""``Tensor``: one NumPy array plus what the graph needs (grad, requires_grad, grad_fn,
version counter). No math lives here: every method is a one-liner into ``autograd.ops``.

The ops, the graph nodes and the engine all build on ``Tensor``, so this module cannot
import them at the top. It reaches them through :class:`_Later`, one lazy accessor: the
first use imports the module and puts it in the accessor's place, so afterwards every
method call is a plain module-attribute lookup.
"""
from __future__ import annotations

import builtins
import importlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, SupportsIndex, TypeAlias, overload

import numpy as np
import numpy.typing as npt

from . import dtypes as _dt
from . import random as _random
from ._unset import UNSET, Unset
from .grad_mode import _state

if TYPE_CHECKING:
    from .node import Node, _OutputRef
    from .random import Generator

__all__ = ["Tensor"]

# Builtin names for annotations inside ``Tensor``, whose methods ``int``/``float``/``bool``
# shadow them there (the spelling of PyTorch's own stubs).
_int: TypeAlias = int
_float: TypeAlias = float
_bool: TypeAlias = bool

Number: TypeAlias = int | float | bool
"""A Python number where a Tensor method also takes a tensor (PyTorch's ``Number``)."""
_Dims: TypeAlias = int | Sequence[int]
"""One dimension or several."""
_Hook: TypeAlias = "Callable[[Tensor], Tensor | None]"
"""A gradient hook: ``hook(grad) -> new grad or None``."""

_new = object.__new__
_ndarray = np.ndarray


class _Later:
    """Stands for a module of this package that imports ``tensor``; replaced by the module
    itself (in this module's globals) on first attribute access."""

    __slots__ = ("_alias", "_module")

    def __init__(self, alias: str, module: str) -> None:
        self._alias, self._module = alias, module

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self._module, __package__)
        globals()[self._alias] = module
        return getattr(module, attr)


_ops = _Later("_ops", ".ops")
_creation = _Later("_creation", ".creation")
_node = _Later("_node", ".node")
_engine = _Later("_engine", ".engine")
_linalg = _Later("_linalg", ".linalg")
_special = _Later("_special", ".ops.special")


def _wrap(data: np.ndarray) -> Tensor:
    """Cheapest Tensor construction: no checks, no copy (the engine's hot path).

    The one exception: a NumPy scalar (``np.mean`` over all axes, ``1-D @ 1-D``, a 0-d
    ufunc result, ...) becomes a writable 0-d array, so a Tensor never wraps an immutable
    ``np.generic`` (``s = a.mean(); s += 1`` and ``s.numpy()`` work as in PyTorch). The
    test is one class-identity check on the common ndarray path.
    """
    if data.__class__ is not _ndarray:
        data = _as_ndarray(data)
    t = _new(Tensor)
    t._data = data
    t.grad = None
    t._rg = False
    t.grad_fn = None
    t._vbox = [0]
    t._hooks = None
    t._view = None
    return t


def _as_ndarray(data: Any) -> np.ndarray:
    """``data`` as an ndarray: NumPy scalars become writable 0-d arrays (a copy, as the
    scalar is immutable); arrays (subclasses included) are returned unchanged."""
    if isinstance(data, np.generic):
        return np.asarray(data)
    return data


def _to_array(data: Any, dtype: npt.DTypeLike | None = None) -> np.ndarray:
    """Convert Python/NumPy data to an array with PyTorch's default-dtype rules."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        if isinstance(data, (list, tuple)) and _contains_tensor(data):
            data = _tensors_to_nested(data)
        arr = np.asarray(data)
        if dtype is not None:
            pass  # cast once, below: no detour through the default dtype (keeps float64 exact)
        elif arr.dtype == np.float64 and not isinstance(data, np.generic):
            arr = arr.astype(_dt.get_default_dtype())  # Python floats -> default dtype
        elif arr.dtype.kind == "c":
            pass
        elif arr.dtype.kind in "iu" and arr.dtype != np.int64 and not isinstance(data, np.generic):
            arr = arr.astype(np.int64)
        elif arr.dtype.kind not in "biufc":
            raise TypeError(f"tensor: cannot make a tensor from data of type "
                            f"{type(data).__name__} (numpy dtype {arr.dtype})")
    if dtype is not None:
        dtype = _dt.as_dtype(dtype)
        if arr.dtype != dtype:
            arr = arr.astype(dtype)
    return arr


def _contains_tensor(seq: Sequence[Any]) -> bool:
    return builtins.any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
                        for x in seq)


def _tensors_to_nested(seq: Sequence[Any]) -> list[Any]:
    return [x._data if isinstance(x, Tensor) else
            (_tensors_to_nested(x) if isinstance(x, (list, tuple)) else x) for x in seq]


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Args:
        data: array-like (nested lists, NumPy array, scalar, or another Tensor). Python
            data becomes ``autograd.get_default_dtype()`` (float32), as ``torch.Tensor``.
            Legacy sizes make an uninitialised default-dtype tensor of that shape:
            ``Tensor(2, 3)``, ``Tensor(Size([2, 3]))``; ``Tensor()`` is empty.
        dtype: NumPy dtype or one of ``autograd.float32`` etc.
        requires_grad: record operations on this tensor for backward.
        device: accepted if it is the CPU.

    Shape: any. ``Tensor(data)`` copies nothing when ``data`` is already an array of the
    requested dtype (``from_numpy`` semantics; the engine relies on it); use
    ``autograd.tensor`` for a copy. **Differs:** ``Tensor(ndarray)`` keeps the array's dtype
    (PyTorch converts to float32), and ``dtype``/``requires_grad`` are accepted.
    """

    __slots__ = ("_data", "grad", "_rg", "grad_fn", "_vbox", "_hooks", "_view", "__weakref__")
    __array_priority__ = 1000  # make ndarray <op> Tensor defer to Tensor's reflected ops

    _data: np.ndarray
    grad: Tensor | None
    _rg: _bool
    grad_fn: Node | _OutputRef | None
    _vbox: list[_int]
    _hooks: list[_Hook] | None
    _view: list[Any] | None
    """For a view (an op output sharing memory with its first input: basic indexing,
    view/reshape, permute, ...): ``[input, op, version, args, attrs, made_in_no_grad]``,
    the (shared) version being the one at which ``grad_fn`` was last made current. None
    otherwise. See ``autograd.ops.inplace``."""

    def __init__(self, data: Tensor | npt.ArrayLike | None = None, *args: Any,
                 dtype: npt.DTypeLike | None = None, requires_grad: _bool = False,
                 device: str | _dt.device | None = None) -> None:
        if device is not None:
            _dt.check_device(device)
        if isinstance(data, _int) and not isinstance(data, _bool) or (
                isinstance(data, Size) and not args):
            # legacy torch.Tensor(2, 3) / torch.Tensor(torch.Size([2, 3])): uninitialised
            data = np.empty(_creation._shape("Tensor", (data, *args)),
                            dtype=_dt.get_default_dtype() if dtype is None else dtype)
        elif args:  # Tensor(data, dtype[, requires_grad]) positionally
            if len(args) > 2:
                raise TypeError(f"Tensor() takes at most 3 positional arguments "
                                f"({len(args) + 1} given)")
            dtype = args[0]
            requires_grad = args[1] if len(args) > 1 else requires_grad
        if data is None:
            data = np.empty((0,), dtype=_dt.get_default_dtype())
        if dtype is None and not isinstance(data, (np.ndarray, Tensor)):
            dtype = _dt.get_default_dtype()  # torch.Tensor([1, 2]) is a float tensor
        arr = _to_array(data, dtype)
        self._data = arr
        self.grad = None
        self._rg = False
        self.grad_fn = None
        self._vbox = [0]
        self._hooks = None
        self._view = None
        if requires_grad:
            self.requires_grad = True

    # ------------------------------------------------------------------ graph
    @property
    def requires_grad(self) -> _bool:
        """Whether operations on this tensor are recorded for backward."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: _bool) -> None:
        value = bool(value)
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients; this tensor "
                f"has dtype {self._data.dtype} (shape {self._data.shape})")
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        self._rg = value

    def requires_grad_(self, requires_grad: _bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> _bool:
        """True for tensors not produced by a recorded op (user-created or detached)."""
        return self.grad_fn is None

    @property
    def _version(self) -> _int:
        return self._vbox[0]

    def _bump(self) -> None:
        self._vbox[0] += 1

    def backward(self, gradient: Tensor | None = None, retain_graph: _bool | None = None,
                 create_graph: _bool = False,
                 inputs: Tensor | Sequence[Tensor] | None = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Args:
            gradient: d(loss)/d(self), same shape as self; optional for one-element tensors.
            retain_graph: keep the graph for another backward (default: ``create_graph``).
            create_graph: record the backward pass, for higher-order derivatives.
            inputs: accumulate only into these tensors.
        """
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Populate ``.grad`` for this non-leaf tensor during backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        self._fresh_view()
        fn: Any = self.grad_fn  # Node or _OutputRef
        if fn is None:
            return
        import weakref
        node, idx = (fn.node, fn.index) if isinstance(fn, _node._OutputRef) else (fn, 0)
        if node._retain is None:
            node._retain = []
        node._retain.append((idx, weakref.ref(self)))

    @property
    def retains_grad(self) -> _bool:
        """True after ``retain_grad()`` on a non-leaf."""
        fn: Any = self.grad_fn  # Node or _OutputRef
        if fn is None or getattr(fn, "_retain", None) is None:
            return False
        return builtins.any(ref() is self for _, ref in fn._retain)

    def register_hook(self, hook: _Hook) -> _HookHandle:
        """Register ``hook(grad) -> Tensor or None``, called with this tensor's gradient.

        Returns:
            A handle with ``remove()``.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        self._fresh_view()
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            fn: Any = self.grad_fn  # Node or _OutputRef
            node, idx = (fn.node, fn.index) if isinstance(fn, _node._OutputRef) else (fn, 0)
            _node._add_node_hook(node, idx, hook)
            hooks = node._hooks[idx]
        if hook not in hooks:
            hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> _HookHandle:
        """Register ``hook(tensor) -> None`` on a leaf: called once per ``backward()``, after
        all of that pass's gradient for this leaf has been added into ``.grad`` (not by
        ``autograd.grad``, which accumulates nothing).

        Returns:
            A handle with ``remove()``.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        hooks = _engine.add_post_accumulate_grad_hook(self, hook)
        return _HookHandle(hooks, hook)

    def _fresh_view(self) -> None:
        """A view whose base was written since its history was recorded gets it regenerated
        (the base's current history, then the view ops)."""
        view = self._view
        if view is not None and view[2] != self._vbox[0]:
            _node._refresh_view(self)

    def detach(self) -> Tensor:
        """A new leaf sharing storage (and version counter) with self, outside the graph."""
        t = _wrap(self._data)
        t._vbox = self._vbox
        return t

    def detach_(self) -> Tensor:
        """Detach self from the graph in place, making it a leaf."""
        self.grad_fn = None
        self._rg = False
        return self

    @property
    def data(self) -> Tensor:
        """A detached Tensor sharing storage with self; in-place changes to it bypass autograd.

        ``p.data += -lr * p.grad`` updates ``p`` and does not count as an in-place op for
        version checks, exactly as in PyTorch.
        """
        return _wrap(self._data)

    @data.setter
    def data(self, value: Tensor | npt.ArrayLike) -> None:
        arr = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._data = arr

    # ------------------------------------------------------------- properties
    @property
    def shape(self) -> Size:
        """Tuple of dimension sizes (PyTorch's ``torch.Size`` is a tuple too)."""
        return Size(self._data.shape)

    @overload
    def size(self, dim: None = None) -> Size: ...
    @overload
    def size(self, dim: _int) -> _int: ...

    def size(self, dim: _int | None = None) -> Size | _int:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_ops.normalize_dim(dim, self._data.ndim, "size")]

    def dim(self) -> _int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def ndim(self) -> _int:
        """Number of dimensions."""
        return self._data.ndim

    def ndimension(self) -> _int:
        """Number of dimensions."""
        return self._data.ndim

    def numel(self) -> _int:
        """Number of elements."""
        return self._data.size

    def nelement(self) -> _int:
        """Number of elements."""
        return self._data.size

    def element_size(self) -> _int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (compares equal to ``autograd.float32`` and friends)."""
        return self._data.dtype

    @property
    def device(self) -> _dt.device:
        """Always ``device('cpu')`` (which prints ``cpu`` and also equals ``'cpu'``)."""
        return _dt.cpu

    @property
    def is_cuda(self) -> _bool:
        """Always False (CPU only)."""
        return False

    @property
    def is_cpu(self) -> _bool:
        """Always True (every tensor lives on the CPU)."""
        return True

    @property
    def is_xpu(self) -> _bool:
        """Always False (CPU only)."""
        return False

    @property
    def is_mps(self) -> _bool:
        """Always False (CPU only)."""
        return False

    @property
    def is_meta(self) -> _bool:
        """Always False (no meta tensors)."""
        return False

    def get_device(self) -> _int:
        """-1, PyTorch's answer for a CPU tensor."""
        return -1

    def pin_memory(self, device: str | _dt.device | None = None) -> Tensor:
        """Self: there is no accelerator to pin memory for. **Differs:** PyTorch's CPU-only
        build raises here; accepting it lets GPU-minded scripts run unchanged."""
        return self

    def is_pinned(self, device: str | _dt.device | None = None) -> _bool:
        """Always False."""
        return False

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (a transpose for 2-D)."""
        return _ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (batched matrix transpose)."""
        return _ops.transpose(self, -2, -1)

    def is_floating_point(self) -> _bool:
        """True for float16/32/64 tensors."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> _bool:
        """True for complex64/complex128 tensors."""
        return self._data.dtype.kind == "c"

    @property
    def real(self) -> Tensor:
        """The real part (a float tensor for a complex one; ``self`` for a real one)."""
        return _ops.real(self)

    @property
    def imag(self) -> Tensor:
        """The imaginary part of a complex tensor (RuntimeError for a real one)."""
        return _ops.imag(self)

    def conj(self) -> Tensor:
        """The complex conjugate (``self`` for a real tensor)."""
        return _ops.conj(self)

    def conj_physical(self) -> Tensor:
        """The complex conjugate, computed at once (as ``conj`` here)."""
        return _ops.conj_physical(self)

    def resolve_conj(self) -> Tensor:
        """``self``: conjugation is never lazy here."""
        return self

    def resolve_neg(self) -> Tensor:
        """``self``: negation is never lazy here."""
        return self

    def is_conj(self) -> _bool:
        """False: there is no lazy conjugate bit."""
        return False

    def angle(self) -> Tensor:
        """Elementwise argument (phase) in radians."""
        return _ops.angle(self)

    def sgn(self) -> Tensor:
        """``z / |z|`` for complex tensors (0 at 0), ``sign`` for real ones."""
        return _ops.sgn(self)

    def cfloat(self) -> Tensor:
        """Cast to complex64."""
        return self.to(np.complex64)

    def cdouble(self) -> Tensor:
        """Cast to complex128."""
        return self.to(np.complex128)

    def is_contiguous(self) -> _bool:
        """True when the array is C-contiguous."""
        return bool(self._data.flags.c_contiguous)

    def contiguous(self) -> Tensor:
        """Self when already C-contiguous, else a contiguous copy (differentiable)."""
        if self._data.flags.c_contiguous:
            return self
        return _ops.contiguous(self)

    @overload
    def stride(self, dim: None = None) -> tuple[_int, ...]: ...
    @overload
    def stride(self, dim: _int) -> _int: ...

    def stride(self, dim: _int | None = None) -> tuple[_int, ...] | _int:
        """Strides in elements (all of them, or that of dimension ``dim``)."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[dim]

    def data_ptr(self) -> _int:
        """Address of the first element."""
        return self._data.__array_interface__["data"][0]

    # ---------------------------------------------------------------- values
    def item(self) -> Number:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"item: a Tensor with {self._data.size} elements cannot be "
                               f"converted to a Python scalar (shape {self._data.shape})")
        return self._data.item()

    def numpy(self, *, force: _bool = False) -> np.ndarray:
        """The underlying array (shared storage, like PyTorch)."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def tolist(self) -> Any:
        """Nested Python lists (a Python number for 0-d)."""
        return self._data.tolist()

    def __array__(self, dtype: npt.DTypeLike | None = None,
                  copy: _bool | None = None) -> np.ndarray:
        """NumPy protocol: the underlying array (cast to ``dtype`` if given)."""
        if dtype is not None:
            return self._data.astype(dtype)
        return self._data

    def __len__(self) -> _int:
        """Size of the first dimension."""
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        """Iterate over the first dimension (each item: shape ``self.shape[1:]``)."""
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> _bool:
        """Truth value of a one-element tensor."""
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} elements is "
                               f"ambiguous (shape {self._data.shape})")
        return bool(self._data)

    def _scalar(self, kind: str) -> Number | complex:
        """The value of a one-element tensor for ``int()``/``float()``/``complex()``:
        PyTorch raises ValueError for other sizes (``item()`` raises RuntimeError)."""
        if self._data.size != 1:
            raise ValueError(f"{kind}(): only one element tensors can be converted to Python "
                             f"scalars, got a Tensor with {self._data.size} elements (shape "
                             f"{tuple(self._data.shape)})")
        return self._data.item()

    def _real_scalar(self, kind: str) -> Number:
        """``_scalar`` for ``int()``/``float()``: a complex value only when its imaginary
        part is zero (PyTorch's RuntimeError otherwise)."""
        v = self._scalar(kind)
        if isinstance(v, complex):
            if v.imag:
                raise RuntimeError(f"{kind}(): value {v} cannot be converted to a real Python "
                                   f"number without losing its imaginary part")
            return v.real
        return v

    def __float__(self) -> _float:
        """Value of a one-element tensor as a Python float."""
        return float(self._real_scalar("float"))

    def __int__(self) -> _int:
        """Value of a one-element tensor as a Python int."""
        return int(self._real_scalar("int"))

    def __complex__(self) -> complex:
        """Value of a one-element tensor as a Python complex."""
        return complex(self._scalar("complex"))

    def __index__(self) -> _int:
        """A one-element integer tensor used as an index."""
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __hash__(self) -> _int:
        """Identity hash (``==`` is elementwise, as in PyTorch)."""
        return id(self)

    def __repr__(self) -> str:
        """``tensor([...], dtype=..., grad_fn=<...>)``."""
        return _format(self)

    def __format__(self, spec: str) -> str:
        """Format specs apply to 0-d tensors' value; otherwise ``repr``."""
        if self._data.ndim == 0 and spec:
            return format(self._data.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        """Copy/deepcopy support (data copied, graph not)."""
        # deepcopy/copy support; saving weights uses safetensors, never pickle.
        return (_rebuild, (self._data.copy(), self._rg, type(self)))

    def __deepcopy__(self, memo: dict[_int, Any]) -> Tensor:
        """A copy of data, ``requires_grad`` and ``.grad`` (not the graph)."""
        t = _rebuild(self._data.copy(), self._rg, type(self))
        if self.grad is not None:
            t.grad = _wrap(self.grad._data.copy())
        memo[id(self)] = t
        return t

    # ----------------------------------------------------------------- dtype
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Cast and/or move, as ``torch.Tensor.to``: ``to(dtype)``, ``to(device)``,
        ``to(device, dtype)``, ``to(other_tensor)``, keywords ``device``, ``dtype``,
        ``non_blocking``, ``copy``, ``memory_format`` (positional ``non_blocking, copy``
        after the dtype/device too).

        The CPU (``'cpu'``, ``device('cpu')``) is accepted and changes nothing; any other
        device raises :class:`autograd.dtypes.DeviceUnavailableError` (a RuntimeError).
        ``non_blocking`` and ``memory_format`` are accepted and ignored. Returns self when
        nothing changes and ``copy`` is False; otherwise a new tensor in the graph.
        """
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        copy = kwargs.pop("copy", False)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument {next(iter(kwargs))!r}")
        flags = []
        for a in args:
            if isinstance(a, _bool):
                flags.append(a)  # non_blocking, copy
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, _dt.device, _int)):
                dev = a
            elif a is not None:
                dtype = a
        if len(flags) > 1:
            copy = flags[1]
        _dt.check_device(dev)
        if dtype is not None:
            dtype = _dt.as_dtype(dtype)
        if dtype is None or dtype == self._data.dtype:
            return _ops.clone(self) if copy else self
        return _ops.cast(self, dtype)

    @overload
    def type(self, dtype: None = None, non_blocking: _bool = False) -> str: ...
    @overload
    def type(self, dtype: npt.DTypeLike | str | builtins.type,
             non_blocking: _bool = False) -> Tensor: ...
    def type(self, dtype: npt.DTypeLike | str | builtins.type | None = None,
             non_blocking: _bool = False, **kwargs: Any) -> str | Tensor:
        """Without ``dtype``, PyTorch's legacy type name (``'torch.FloatTensor'``,
        ``'torch.LongTensor'``); with one, a cast to it: a dtype (``torch.float64``), a
        legacy name (``'torch.DoubleTensor'``) or class (``torch.DoubleTensor``). CUDA names
        raise (CPU only); other strings raise ValueError (as PyTorch)."""
        if dtype is None:
            return _dt.legacy_type_name(self._data.dtype)
        if isinstance(dtype, str):
            dtype = _dt.parse_legacy_type(dtype)
        elif isinstance(dtype, type) and isinstance(legacy := getattr(dtype, "dtype", None),
                                                     np.dtype):
            dtype = legacy  # torch.FloatTensor and friends
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype (self when it already has it)."""
        return self.to(other.dtype)

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.to(np.float64)

    def half(self) -> Tensor:
        """Cast to float16."""
        return self.to(np.float16)

    def long(self) -> Tensor:
        """Cast to int64."""
        return self.to(np.int64)

    def int(self) -> Tensor:
        """Cast to int32."""
        return self.to(np.int32)

    def bool(self) -> Tensor:
        """Cast to bool."""
        return self.to(np.bool_)

    def cpu(self, memory_format: Any = None) -> Tensor:
        """Self (everything lives on the CPU)."""
        return self

    def cuda(self, device: Any = None, non_blocking: _bool = False,
             memory_format: Any = None) -> Tensor:
        """Always raises :class:`autograd.dtypes.DeviceUnavailableError` (a RuntimeError
        and an AssertionError, like PyTorch's CPU build): there is no CUDA device."""
        _dt.no_accelerator("CUDA")

    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradient flows back to self)."""
        return _ops.clone(self)

    def new_tensor(self, data: Tensor | npt.ArrayLike, dtype: npt.DTypeLike | None = None,
                   device: str | _dt.device | None = None, requires_grad: _bool = False,
                   **kwargs: Any) -> Tensor:
        """A new leaf copy of ``data``, by default of self's dtype (``layout``,
        ``pin_memory`` accepted)."""
        _dt.check_device(device)
        dtype = self.dtype if dtype is None else _dt.as_dtype(dtype)
        return Tensor(np.array(_to_array(data), dtype=dtype), requires_grad=requires_grad)

    def _new(self, fill: Callable[..., np.ndarray], size: tuple[Any, ...], dtype: npt.DTypeLike | None,
             device: str | _dt.device | None, requires_grad: _bool) -> Tensor:
        _dt.check_device(device)
        dtype = self.dtype if dtype is None else _dt.as_dtype(dtype)
        return _creation._finish(fill(_ops.size_args(size), dtype=dtype), requires_grad)

    def new_zeros(self, *size: _int | Sequence[_int], dtype: npt.DTypeLike | None = None,
                  device: str | _dt.device | None = None, requires_grad: _bool = False,
                  **kwargs: Any) -> Tensor:
        """A new tensor of shape ``size`` filled with zeros, by default of self's dtype
        (``layout``, ``pin_memory`` accepted)."""
        return self._new(np.zeros, size, dtype, device, requires_grad)

    def new_ones(self, *size: _int | Sequence[_int], dtype: npt.DTypeLike | None = None,
                 device: str | _dt.device | None = None, requires_grad: _bool = False,
                 **kwargs: Any) -> Tensor:
        """A new tensor of shape ``size`` filled with ones, by default of self's dtype."""
        return self._new(np.ones, size, dtype, device, requires_grad)

    def new_full(self, size: _int | Sequence[_int], fill_value: Number,
                 dtype: npt.DTypeLike | None = None, device: str | _dt.device | None = None,
                 requires_grad: _bool = False, **kwargs: Any) -> Tensor:
        """A new tensor of shape ``size`` filled with ``fill_value``, by default of self's
        dtype (the value is checked to fit it, as ``torch.full``)."""
        _dt.check_device(device)
        dtype = self.dtype if dtype is None else _dt.as_dtype(dtype)
        return _creation.full(_ops.size_args((size,)), fill_value, dtype=dtype,
                              requires_grad=requires_grad)

    def new_empty(self, *size: _int | Sequence[_int], dtype: npt.DTypeLike | None = None,
                  device: str | _dt.device | None = None, requires_grad: _bool = False,
                  **kwargs: Any) -> Tensor:
        """A new uninitialised tensor of shape ``size``, by default of self's dtype."""
        return self._new(np.empty, size, dtype, device, requires_grad)

    # --------------------------------------------------------------- operators
    def __add__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self + other`` (broadcasting)."""
        return _ops.add(self, other)

    def __radd__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``other + self``."""
        return _ops.add(other, self)

    def __sub__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self - other``."""
        return _ops.sub(self, other)

    def __rsub__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``other - self``."""
        return _ops.sub(other, self)

    def __mul__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self * other`` (elementwise)."""
        return _ops.mul(self, other)

    def __rmul__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``other * self``."""
        return _ops.mul(other, self)

    def __truediv__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self / other``."""
        return _ops.div(self, other)

    def __rtruediv__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``other / self``."""
        return _ops.div(other, self)

    def __floordiv__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self // other`` (no gradient)."""
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``other // self`` (no gradient)."""
        return _ops.floor_divide(other, self)

    def __mod__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self % other`` (Python's sign convention)."""
        return _ops.remainder(self, other)

    def __rmod__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``other % self``."""
        return _ops.remainder(other, self)

    def __pow__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self ** other``."""
        return _ops.pow(self, other)

    def __rpow__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``other ** self``."""
        return _ops.pow(other, self)

    def __matmul__(self, other: Tensor) -> Tensor:
        """``self @ other`` (see ``matmul``)."""
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Tensor) -> Tensor:
        """``other @ self``."""
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        """``-self``."""
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        """``+self``: self."""
        return self

    def __abs__(self) -> Tensor:
        """``abs(self)``."""
        return _ops.abs(self)

    def __invert__(self) -> Tensor:
        """``~self``: bitwise not of an integer tensor, logical not of a bool tensor."""
        return _ops.bitwise_not(self)

    def __and__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self & other``: bitwise and of integer tensors, logical and of bool
        tensors (PyTorch's promotion; float tensors raise NotImplementedError)."""
        return _ops.bitwise_and(self, other)

    def __or__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self | other``: bitwise or of integer tensors, logical or of bool
        tensors (PyTorch's promotion; float tensors raise NotImplementedError)."""
        return _ops.bitwise_or(self, other)

    def __xor__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self ^ other``: bitwise xor of integer tensors, logical xor of bool
        tensors (PyTorch's promotion; float tensors raise NotImplementedError)."""
        return _ops.bitwise_xor(self, other)

    # elementwise comparison returns a bool Tensor, not a bool (as PyTorch's stubs)
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        """``self == other``, elementwise (bool Tensor); ``False`` for ``None`` and strings
        (Python's fallback, as in PyTorch)."""
        if other is None or isinstance(other, str):
            return NotImplemented
        return _ops.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        """``self != other``, elementwise (bool Tensor); ``True`` for ``None`` and strings."""
        if other is None or isinstance(other, str):
            return NotImplemented
        return _ops.ne(self, other)

    def __lt__(self, other: Tensor | Number) -> Tensor:
        """``self < other``, elementwise (bool Tensor)."""
        return _ops.lt(self, other)

    def __le__(self, other: Tensor | Number) -> Tensor:
        """``self <= other``, elementwise (bool Tensor)."""
        return _ops.le(self, other)

    def __gt__(self, other: Tensor | Number) -> Tensor:
        """``self > other``, elementwise (bool Tensor)."""
        return _ops.gt(self, other)

    def __ge__(self, other: Tensor | Number) -> Tensor:
        """``self >= other``, elementwise (bool Tensor)."""
        return _ops.ge(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        """NumPy-style indexing (ints, slices, None, Ellipsis, bool/int tensors)."""
        return _ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Tensor | npt.ArrayLike) -> None:
        """``self[index] = value`` in place (version-counted, recorded when needed)."""
        try:
            _ops.setitem_(self, index, value)
        except ValueError as exc:  # NumPy's "could not broadcast": name setitem and the shapes
            raise _ops.index.setitem_shape_error(self._data, index, value, exc) from None
        except IndexError as exc:  # NumPy's wording (axis, array) restated in PyTorch's terms
            marker = f" is out of range for a tensor of shape {tuple(self._data.shape)}: "
            msg = str(exc)
            if not msg.startswith("setitem: index ") or marker not in msg:
                raise
            raise _ops.index._index_error("setitem", self._data.shape, index,
                                          msg.split(marker, 1)[1]) from None

    # in-place arithmetic (version-counted; see ops.inplace)
    def __iadd__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self += other`` in place."""
        return _ops.inplace(self, _ops.add, other)

    def __isub__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self -= other`` in place."""
        return _ops.inplace(self, _ops.sub, other)

    def __imul__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self *= other`` in place."""
        return _ops.inplace(self, _ops.mul, other)

    def __itruediv__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self /= other`` in place."""
        return _ops.inplace(self, _ops.div, other)

    def __ipow__(self, other: Tensor | Number | np.ndarray) -> Tensor:
        """``self **= other`` in place."""
        return _ops.inplace(self, _ops.pow, other)

    # ------------------------------------------------------ op methods (see autograd.ops)
    # Each is ``autograd.<name>(self, ...)``; shapes broadcast as in PyTorch.
    def add(self, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
        """``self + alpha * other``."""
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
        """``self - alpha * other``."""
        return _ops.sub(self, other, alpha=alpha)

    def mul(self, other: Tensor | Number) -> Tensor:
        """``self * other``."""
        return _ops.mul(self, other)

    def div(self, other: Tensor | Number, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode`` ``'trunc'`` or ``'floor'`` rounds the result."""
        return _ops.div(self, other, rounding_mode=rounding_mode)

    def true_divide(self, other: Tensor | Number) -> Tensor:
        """``self / other``."""
        return _ops.div(self, other)

    def neg(self) -> Tensor:
        """``-self``."""
        return _ops.neg(self)

    def pow(self, exponent: Tensor | Number) -> Tensor:
        """``self ** exponent``."""
        return _ops.pow(self, exponent)

    def square(self) -> Tensor:
        """``self ** 2``."""
        return _ops.square(self)

    def exp(self) -> Tensor:
        """Elementwise ``e ** self``."""
        return _ops.exp(self)

    def expm1(self) -> Tensor:
        """Elementwise ``exp(self) - 1``, accurate near 0."""
        return _ops.expm1(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return _ops.log(self)

    def log1p(self) -> Tensor:
        """Elementwise ``log(1 + self)``, accurate near 0."""
        return _ops.log1p(self)

    def log2(self) -> Tensor:
        """Elementwise base-2 logarithm."""
        return _ops.log2(self)

    def log10(self) -> Tensor:
        """Elementwise base-10 logarithm."""
        return _ops.log10(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return _ops.sqrt(self)

    def rsqrt(self) -> Tensor:
        """Elementwise ``1 / sqrt(self)``."""
        return _ops.rsqrt(self)

    def abs(self) -> Tensor:
        """Elementwise absolute value."""
        return _ops.abs(self)

    def sign(self) -> Tensor:
        """Elementwise sign (-1, 0 or 1)."""
        return _ops.sign(self)

    def sin(self) -> Tensor:
        """Elementwise sine."""
        return _ops.sin(self)

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return _ops.cos(self)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic sigmoid ``1 / (1 + exp(-self))``."""
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise ``max(self, 0)``."""
        return _ops.relu(self)

    def erf(self) -> Tensor:
        """Elementwise error function."""
        return _ops.erf(self)

    # special functions (issue 13: torch.distributions)
    def lgamma(self) -> Tensor:
        """Elementwise log|Gamma(x)|."""
        return _special.lgamma(self)

    def digamma(self) -> Tensor:
        """Elementwise digamma psi(x)."""
        return _special.digamma(self)

    def polygamma(self, n: _int) -> Tensor:
        """Elementwise n-th derivative of digamma."""
        return _special.polygamma(n, self)

    def mvlgamma(self, p: _int) -> Tensor:
        """Multivariate log-gamma of dimension ``p``."""
        return _special.mvlgamma(self, p)

    def erfinv(self) -> Tensor:
        """Elementwise inverse error function."""
        return _special.erfinv(self)

    def reciprocal(self) -> Tensor:
        """Elementwise ``1 / self``."""
        return _ops.reciprocal(self)

    def floor(self) -> Tensor:
        """Elementwise floor (zero gradient)."""
        return _ops.floor(self)

    def ceil(self) -> Tensor:
        """Elementwise ceiling (zero gradient)."""
        return _ops.ceil(self)

    def round(self, *, decimals: _int | None = None) -> Tensor:
        """Round half to even to ``decimals`` places (zero gradient; see ``round``)."""
        return _ops.round(self, decimals=decimals)

    def trunc(self) -> Tensor:
        """Elementwise rounding toward zero (zero gradient)."""
        return _ops.trunc(self)

    def clamp(self, min: Tensor | Number | None = None, max: Tensor | Number | None = None) -> Tensor:
        """Limit to ``[min, max]`` (either bound optional)."""
        return _ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Tensor | Number) -> Tensor:
        """Elementwise maximum of self and ``other``."""
        return _ops.maximum(self, other)

    def minimum(self, other: Tensor | Number) -> Tensor:
        """Elementwise minimum of self and ``other``."""
        return _ops.minimum(self, other)

    def where(self, condition: Tensor | npt.ArrayLike, other: Tensor | Number) -> Tensor:
        """Self where ``condition`` holds, ``other`` elsewhere."""
        return _ops.where(condition, self, other)

    def lerp(self, end: Tensor, weight: Tensor | _float) -> Tensor:
        """``self + weight * (end - self)``."""
        return _ops.lerp(self, end, weight)

    def addcmul(self, t1: Tensor, t2: Tensor, *, value: Number = 1) -> Tensor:
        """``self + value * t1 * t2``."""
        return _ops.addcmul(self, t1, t2, value=value)

    def addcdiv(self, t1: Tensor, t2: Tensor, *, value: Number = 1) -> Tensor:
        """``self + value * t1 / t2``."""
        return _ops.addcdiv(self, t1, t2, value=value)

    def eq(self, other: Tensor | Number) -> Tensor:
        """``self == other``, elementwise (bool Tensor)."""
        return _ops.eq(self, other)

    def ne(self, other: Tensor | Number) -> Tensor:
        """``self != other``, elementwise (bool Tensor)."""
        return _ops.ne(self, other)

    def lt(self, other: Tensor | Number) -> Tensor:
        """``self < other``, elementwise (bool Tensor)."""
        return _ops.lt(self, other)

    def le(self, other: Tensor | Number) -> Tensor:
        """``self <= other``, elementwise (bool Tensor)."""
        return _ops.le(self, other)

    def gt(self, other: Tensor | Number) -> Tensor:
        """``self > other``, elementwise (bool Tensor)."""
        return _ops.gt(self, other)

    def ge(self, other: Tensor | Number) -> Tensor:
        """``self >= other``, elementwise (bool Tensor)."""
        return _ops.ge(self, other)

    def equal(self, other: Tensor) -> _bool:
        """True when ``other`` has self's shape and the same values."""
        return _ops.equal(self, other)

    def allclose(self, other: Tensor, rtol: _float = 1e-05, atol: _float = 1e-08,
                 equal_nan: _bool = False) -> _bool:
        """True when ``|self - other| <= atol + rtol * |other|`` everywhere."""
        return _ops.allclose(self, other, rtol, atol, equal_nan)

    def isnan(self) -> Tensor:
        """Elementwise NaN test (bool Tensor)."""
        return _ops.isnan(self)

    def isinf(self) -> Tensor:
        """Elementwise infinity test (bool Tensor)."""
        return _ops.isinf(self)

    def isfinite(self) -> Tensor:
        """Elementwise finiteness test (bool Tensor)."""
        return _ops.isfinite(self)

    def logical_not(self) -> Tensor:
        """Elementwise logical not (bool Tensor)."""
        return _ops.logical_not(self)

    def logical_and(self, other: Tensor | Number) -> Tensor:
        """Elementwise logical and (bool Tensor)."""
        return _ops.logical_and(self, other)

    def logical_or(self, other: Tensor | Number) -> Tensor:
        """Elementwise logical or (bool Tensor)."""
        return _ops.logical_or(self, other)

    def sum(self, dim: _Dims | None | Unset = UNSET, keepdim: _bool | Unset = UNSET, *,
            dtype: npt.DTypeLike | None = None) -> Tensor:
        """Sum over ``dim`` (all dimensions when None or not given)."""
        return _ops.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim: _Dims | None | Unset = UNSET, keepdim: _bool | Unset = UNSET, *,
             dtype: npt.DTypeLike | None = None) -> Tensor:
        """Mean over ``dim`` (all dimensions when None or not given)."""
        return _ops.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim: _int | Unset = UNSET, keepdim: _bool | Unset = UNSET, *,
             dtype: npt.DTypeLike | None = None) -> Tensor:
        """Product over ``dim`` (all elements when not given)."""
        return _ops.prod(self, dim, keepdim, dtype=dtype)

    @overload
    def max(self, dim: Unset = UNSET, keepdim: Unset = UNSET) -> Tensor: ...
    @overload
    def max(self, dim: Tensor, keepdim: _bool | Unset = UNSET) -> Tensor: ...
    @overload
    def max(self, dim: _int, keepdim: _bool | Unset = UNSET) -> tuple[Tensor, Tensor]: ...

    def max(self, dim: _int | Tensor | Unset = UNSET,
            keepdim: _bool | Unset = UNSET) -> Tensor | tuple[Tensor, Tensor]:
        """The maximum (0-d); with ``dim``, ``(values, indices)``; with a Tensor, the
        elementwise maximum."""
        return _ops.max(self, dim, keepdim)

    @overload
    def min(self, dim: Unset = UNSET, keepdim: Unset = UNSET) -> Tensor: ...
    @overload
    def min(self, dim: Tensor, keepdim: _bool | Unset = UNSET) -> Tensor: ...
    @overload
    def min(self, dim: _int, keepdim: _bool | Unset = UNSET) -> tuple[Tensor, Tensor]: ...

    def min(self, dim: _int | Tensor | Unset = UNSET,
            keepdim: _bool | Unset = UNSET) -> Tensor | tuple[Tensor, Tensor]:
        """The minimum (0-d); with ``dim``, ``(values, indices)``; with a Tensor, the
        elementwise minimum."""
        return _ops.min(self, dim, keepdim)

    def amax(self, dim: _Dims = (), keepdim: _bool = False) -> Tensor:
        """Maximum over ``dim`` (all dimensions when empty); gradient split among ties."""
        return _ops.amax(self, dim, keepdim)

    def amin(self, dim: _Dims = (), keepdim: _bool = False) -> Tensor:
        """Minimum over ``dim`` (all dimensions when empty); gradient split among ties."""
        return _ops.amin(self, dim, keepdim)

    def argmax(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        """Index of the maximum along ``dim`` (of the flattened tensor when None); int64."""
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        """Index of the minimum along ``dim`` (of the flattened tensor when None); int64."""
        return _ops.argmin(self, dim, keepdim)

    def var(self, dim: _Dims | None = None, unbiased: _bool | None = None, keepdim: _bool = False,
            *, correction: _float | None = None) -> Tensor:
        """Variance over ``dim`` (Bessel-corrected unless ``correction``/``unbiased`` say not)."""
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: _Dims | None = None, unbiased: _bool | None = None, keepdim: _bool = False,
            *, correction: _float | None = None) -> Tensor:
        """Standard deviation over ``dim`` (see ``var``)."""
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: _Dims, keepdim: _bool = False) -> Tensor:
        """``log(sum(exp(self), dim))``, computed stably."""
        return _ops.logsumexp(self, dim, keepdim)

    def norm(self, p: _float | str = "fro", dim: _Dims | None = None, keepdim: _bool = False,
             dtype: npt.DTypeLike | None = None) -> Tensor:
        """Vector p-norm over ``dim`` (all elements when None); ``p='nuc'`` is the
        nuclear matrix norm (``torch.norm``)."""
        return _linalg.norm_classic(self, p, dim, keepdim, dtype=dtype)

    def cumsum(self, dim: _int, *, dtype: npt.DTypeLike | None = None) -> Tensor:
        """Cumulative sum along ``dim`` (same shape)."""
        return _ops.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: _int, *, dtype: npt.DTypeLike | None = None) -> Tensor:
        """Cumulative product along ``dim`` (same shape)."""
        return _ops.cumprod(self, dim, dtype=dtype)

    def all(self, dim: _Dims | None = None, keepdim: _bool = False) -> Tensor:
        """True where all elements over ``dim`` are non-zero (bool Tensor)."""
        return _ops.all(self, dim, keepdim)

    def any(self, dim: _Dims | None = None, keepdim: _bool = False) -> Tensor:
        """True where any element over ``dim`` is non-zero (bool Tensor)."""
        return _ops.any(self, dim, keepdim)

    def count_nonzero(self, dim: _Dims | None = None) -> Tensor:
        """Number of non-zero elements over ``dim`` (int64)."""
        return _ops.count_nonzero(self, dim)

    # sorting family (autograd/ops/sorting.py)
    def sort(self, dim: _int = -1, descending: _bool = False, *,
             stable: _bool | None = False) -> tuple[Tensor, Tensor]:
        """``(values, indices)`` sorted along ``dim`` (stable)."""
        return _ops.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: _int = -1, descending: _bool = False, *, stable: _bool = False) -> Tensor:
        """Indices that sort along ``dim`` (stable; int64)."""
        return _ops.argsort(self, dim, descending, stable=stable)

    def msort(self) -> Tensor:
        """Sorted along dim 0."""
        return _ops.msort(self)

    def topk(self, k: _int, dim: _int = -1, largest: _bool = True,
             sorted: _bool = True) -> tuple[Tensor, Tensor]:
        """``(values, indices)`` of the ``k`` largest (smallest) entries along ``dim``."""
        return _ops.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: _int, dim: _int = -1, keepdim: _bool = False) -> tuple[Tensor, Tensor]:
        """``(values, indices)`` of the ``k``-th smallest entry along ``dim``."""
        return _ops.kthvalue(self, k, dim, keepdim)

    def median(self, dim: _int | None = None, keepdim: _bool = False) -> Any:
        """Lower median (0-d); with ``dim``, ``(values, indices)``."""
        return _ops.median(self, dim, keepdim)

    def nanmedian(self, dim: _int | None = None, keepdim: _bool = False) -> Any:
        """``median`` ignoring NaNs."""
        return _ops.nanmedian(self, dim, keepdim)

    def mode(self, dim: _int = -1, keepdim: _bool = False) -> tuple[Tensor, Tensor]:
        """``(values, indices)`` of the most frequent value along ``dim``."""
        return _ops.mode(self, dim, keepdim)

    def unique(self, sorted: _bool = True, return_inverse: _bool = False,
               return_counts: _bool = False, dim: _int | None = None) -> Any:
        """Distinct values (sorted); optionally inverse indices and counts."""
        return _ops.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse: _bool = False, return_counts: _bool = False,
                           dim: _int | None = None) -> Any:
        """Runs of equal consecutive values collapsed to one."""
        return _ops.unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights: Tensor | None = None, minlength: _int = 0) -> Tensor:
        """Counts (or summed ``weights``) of each non-negative integer value."""
        return _ops.bincount(self, weights, minlength)

    def histc(self, bins: _int = 100, min: Number = 0, max: Number = 0) -> Tensor:
        """Histogram with ``bins`` equal bins over ``[min, max]``."""
        return _ops.histc(self, bins, min, max)

    def multinomial(self, num_samples: _int, replacement: _bool = False, *,
                    generator: Generator | None = None) -> Tensor:
        """Category indices sampled with weights ``self`` (engine generator)."""
        return _ops.multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self, p: _float | None = None, *, generator: Generator | None = None) -> Tensor:
        """0/1 samples with probabilities ``self`` (or ``p``)."""
        return _ops.bernoulli(self, p, generator=generator)

    def nansum(self, dim: _Dims | None = None, keepdim: _bool = False, *,
               dtype: npt.DTypeLike | None = None) -> Tensor:
        """Sum over ``dim`` treating NaN as zero."""
        return _ops.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim: _Dims | None = None, keepdim: _bool = False, *,
                dtype: npt.DTypeLike | None = None) -> Tensor:
        """Mean over the non-NaN entries along ``dim``."""
        return _ops.nanmean(self, dim, keepdim, dtype=dtype)

    def repeat_interleave(self, repeats: Tensor | _int | None = None, dim: _int | None = None, *,
                          output_size: _int | None = None) -> Tensor:
        """Each entry (slice along ``dim``) repeated ``repeats`` times."""
        if repeats is None:
            return _ops.repeat_interleave(self)
        return _ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def reshape(self, *shape: _int | Sequence[_int]) -> Tensor:
        """Same data in shape ``shape`` (one entry may be -1); a view when possible."""
        return _ops.reshape(self, *shape)

    def view(self, *shape: _int | Sequence[_int]) -> Tensor:
        """A view of shape ``shape`` (one entry may be -1)."""
        return _ops.view(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        """``view(other.shape)``."""
        return _ops.view_as(self, other)

    def reshape_as(self, other: Tensor) -> Tensor:
        """``reshape(other.shape)``."""
        return _ops.view_as(self, other)

    def flatten(self, start_dim: _int = 0, end_dim: _int = -1) -> Tensor:
        """Dimensions ``start_dim..end_dim`` merged into one."""
        return _ops.flatten(self, start_dim, end_dim)

    def ravel(self) -> Tensor:
        """All elements as a 1-D tensor."""
        return _ops.ravel(self)

    def unflatten(self, dim: _int, sizes: Sequence[_int]) -> Tensor:
        """Dimension ``dim`` split into ``sizes``."""
        return _ops.unflatten(self, dim, sizes)

    def transpose(self, dim0: _int, dim1: _int) -> Tensor:
        """Dimensions ``dim0`` and ``dim1`` swapped (a view)."""
        return _ops.transpose(self, dim0, dim1)

    swapaxes = transpose

    def t(self) -> Tensor:
        """Transpose of a 2-D tensor; 0-D and 1-D tensors unchanged; RuntimeError for more
        dims (as PyTorch: use ``transpose`` or ``mT``)."""
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self._data.ndim}D (shape {tuple(self._data.shape)})")
        return _ops.t(self)  # its grad_fn reads TBackward, as PyTorch's

    def permute(self, *dims: _int | Sequence[_int]) -> Tensor:
        """Dimensions reordered as ``dims`` (a view)."""
        return _ops.permute(self, *dims)

    def movedim(self, source: _Dims, destination: _Dims) -> Tensor:
        """Dimension(s) ``source`` moved to position(s) ``destination``."""
        return _ops.movedim(self, source, destination)

    def squeeze(self, dim: _Dims | None = None) -> Tensor:
        """Size-1 dimensions (all, or those in ``dim``) removed."""
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: _int) -> Tensor:
        """A size-1 dimension inserted at ``dim``."""
        return _ops.unsqueeze(self, dim)

    def expand(self, *sizes: _int | Sequence[_int]) -> Tensor:
        """Size-1 dimensions broadcast to ``sizes`` (-1 keeps a size); a read-only view."""
        return _ops.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        """``expand(other.shape)``."""
        return _ops.expand_as(self, other)

    def broadcast_to(self, shape: Sequence[_int]) -> Tensor:
        """Self broadcast to ``shape``."""
        return _ops.broadcast_to(self, shape)

    def repeat(self, *repeats: _int | Sequence[_int]) -> Tensor:
        """Tiled ``repeats[i]`` times along dimension ``i`` (a copy)."""
        return _ops.repeat(self, *repeats)

    def tile(self, dims: Sequence[_int]) -> Tensor:
        """Like ``repeat``, padding ``dims`` with leading 1s."""
        return _ops.tile(self, dims)

    def split(self, split_size: _int | Sequence[_int], dim: _int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along ``dim`` (or of the listed sizes)."""
        return _ops.split(self, split_size, dim)

    def chunk(self, chunks: _int, dim: _int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` near-equal pieces along ``dim``."""
        return _ops.chunk(self, chunks, dim)

    def unbind(self, dim: _int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, that dimension removed."""
        return _ops.unbind(self, dim)

    def narrow(self, dim: _int, start: _int, length: _int) -> Tensor:
        """Elements ``start:start + length`` along ``dim`` (a view)."""
        return _ops.narrow(self, dim, start, length)

    def flip(self, *dims: _int | Sequence[_int]) -> Tensor:
        """Order reversed along ``dims`` (required, as in PyTorch)."""
        if not dims:
            raise TypeError("flip() missing required argument 'dims' (the dims to reverse)")
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            return _ops.flip(self, tuple(dims[0]))
        return _ops.flip(self, dims)  # x.flip(0) and x.flip(0, 1): the dims as a tuple

    def roll(self, shifts: _Dims, dims: _Dims | None = None) -> Tensor:
        """Elements shifted cyclically by ``shifts`` along ``dims`` (flattened when None)."""
        return _ops.roll(self, shifts, dims)

    def gather(self, dim: _int, index: Tensor | npt.ArrayLike) -> Tensor:
        """``out[i][j] = self[index[i][j]][j]`` (for ``dim=0``); ``out`` has index's shape."""
        return _ops.gather(self, dim, index)

    def scatter_add(self, dim: _int, index: Tensor | npt.ArrayLike, src: Tensor) -> Tensor:
        """A copy of self with ``src`` added at ``index`` along ``dim``."""
        return _ops.scatter_add(self, dim, index, src)

    def scatter(self, dim: _int, index: Tensor | npt.ArrayLike, src: Tensor | None = None,
                value: Number | None = None, reduce: str | None = None) -> Tensor:
        """A copy of self with ``src`` (or ``value``) written at ``index`` along ``dim``."""
        return _ops.scatter(self, dim, index, src, value, reduce)

    def index_select(self, dim: _int, index: Tensor | npt.ArrayLike) -> Tensor:
        """The entries ``index`` (1-D) along ``dim``."""
        return _ops.index_select(self, dim, index)

    def index_add(self, dim: _int, index: Tensor, source: Tensor, *,
                  alpha: Number = 1) -> Tensor:
        """A copy of self with ``alpha * source`` added at ``index`` (1-D) along ``dim``."""
        return _ops.index_add(self, dim, index, source, alpha=alpha)

    def masked_fill(self, mask: Tensor | npt.ArrayLike, value: Tensor | Number) -> Tensor:
        """A copy with ``value`` where ``mask`` (broadcast) is True."""
        return _ops.masked_fill(self, mask, value)

    def masked_select(self, mask: Tensor | npt.ArrayLike) -> Tensor:
        """The elements where ``mask`` is True, as a 1-D tensor."""
        return _ops.masked_select(self, mask)

    def take_along_dim(self, indices: Tensor | npt.ArrayLike, dim: _int) -> Tensor:
        """Values at ``indices`` along ``dim`` (as ``np.take_along_axis``)."""
        return _ops.take_along_dim(self, indices, dim)

    @overload
    def nonzero(self, *, as_tuple: Literal[False] = False) -> Tensor: ...
    @overload
    def nonzero(self, *, as_tuple: Literal[True]) -> tuple[Tensor, ...]: ...

    def nonzero(self, *, as_tuple: _bool = False) -> Tensor | tuple[Tensor, ...]:
        """Indices of non-zero elements: shape ``(n, ndim)``, or one 1-D tensor per dim."""
        return _ops.nonzero(self, as_tuple=as_tuple)

    def tril(self, diagonal: _int = 0) -> Tensor:
        """Lower triangle of the last two dimensions; the rest zeroed."""
        return _creation.tril(self, diagonal)

    def triu(self, diagonal: _int = 0) -> Tensor:
        """Upper triangle of the last two dimensions; the rest zeroed."""
        return _creation.triu(self, diagonal)

    def matmul(self, other: Tensor) -> Tensor:
        """Matrix product with NumPy's broadcasting rules (1-D, 2-D and batched)."""
        return _ops.matmul(self, other)

    def mm(self, mat2: Tensor) -> Tensor:
        """``(n, m) @ (m, p) -> (n, p)``."""
        return _ops.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """``(b, n, m) @ (b, m, p) -> (b, n, p)``."""
        return _ops.bmm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        """``(n, m) @ (m,) -> (n,)``."""
        return _ops.mv(self, vec)

    def dot(self, other: Tensor) -> Tensor:
        """Inner product of two 1-D tensors (0-d)."""
        return _ops.dot(self, other)

    def outer(self, other: Tensor) -> Tensor:
        """``(n,)`` outer ``(m,) -> (n, m)``."""
        return _ops.outer(self, other)

    # ------------------------------------------------ issue 13: linear algebra (autograd.linalg)
    def det(self) -> Tensor:
        """Determinant of (..., n, n) -> (...)."""
        return _linalg.det(self)

    def logdet(self) -> Tensor:
        """``log(det(self))``: NaN for a negative determinant."""
        return _linalg.logdet(self)

    def slogdet(self) -> Any:
        """``(sign, logabsdet)`` of the determinant."""
        return _linalg.slogdet_classic(self)

    def inverse(self) -> Tensor:
        """Matrix inverse of (..., n, n)."""
        return _linalg.inverse(self)

    def cholesky(self, upper: _bool = False) -> Tensor:
        """Cholesky factor (lower, or upper with ``upper=True``)."""
        return _linalg.cholesky_classic(self, upper)

    def cholesky_solve(self, input2: Tensor, upper: _bool = False) -> Tensor:
        """``(L L^T)^{-1} self`` with ``L = input2`` a Cholesky factor."""
        return _linalg.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: _bool = False) -> Tensor:
        """``(L L^T)^{-1}`` with ``L = self`` a Cholesky factor."""
        return _linalg.cholesky_inverse(self, upper)

    def triangular_solve(self, A: Tensor, upper: _bool = True, transpose: _bool = False,
                         unitriangular: _bool = False) -> Any:
        """``(X, A.clone())`` with ``A X = self`` (deprecated ``torch.triangular_solve``)."""
        return _linalg.triangular_solve(self, A, upper, transpose, unitriangular)

    def svd(self, some: _bool = True, compute_uv: _bool = True) -> Any:
        """``(U, S, V)`` with ``self = U diag(S) V^T`` (``torch.svd``)."""
        return _linalg.svd_classic(self, some, compute_uv)

    def qr(self, some: _bool = True) -> Any:
        """``(Q, R)`` (``torch.qr``)."""
        return _linalg.qr_classic(self, some)

    def pinverse(self, rcond: _float = 1e-15) -> Tensor:
        """Moore-Penrose pseudo-inverse (..., m, n) -> (..., n, m)."""
        return _linalg.pinverse(self, rcond)

    def matrix_power(self, n: _int) -> Tensor:
        """``self^n`` for square (..., m, m) (negative ``n``: powers of the inverse)."""
        return _linalg.matrix_power(self, n)

    def matrix_exp(self) -> Tensor:
        """Matrix exponential of (..., n, n)."""
        return _linalg.matrix_exp(self)

    def cross(self, other: Tensor, dim: _int | None = None) -> Tensor:
        """Cross product of 3-vectors along ``dim`` (``torch.cross``)."""
        return _linalg.cross_classic(self, other, dim)

    def softmax(self, dim: _int, dtype: npt.DTypeLike | None = None) -> Tensor:
        """Softmax along ``dim``."""
        return _ops.softmax(self, dim, dtype)

    def log_softmax(self, dim: _int, dtype: npt.DTypeLike | None = None) -> Tensor:
        """``log(softmax(self, dim))``, computed stably."""
        return _ops.log_softmax(self, dim, dtype)

    # in-place forms: version-counted (see autograd/ops/inplace.py); each returns self
    def add_(self, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
        """In-place ``add``."""
        return _ops.inplace(self, _ops.add, other, alpha=alpha)

    def sub_(self, other: Tensor | Number, *, alpha: Number = 1) -> Tensor:
        """In-place ``sub``."""
        return _ops.inplace(self, _ops.sub, other, alpha=alpha)

    def mul_(self, other: Tensor | Number) -> Tensor:
        """In-place ``mul``."""
        return _ops.inplace(self, _ops.mul, other)

    def div_(self, other: Tensor | Number, *, rounding_mode: str | None = None) -> Tensor:
        """In-place ``div`` (``rounding_mode`` as in ``div``)."""
        return _ops.inplace(self, _ops.div, other, rounding_mode=rounding_mode)

    def pow_(self, exponent: Tensor | Number) -> Tensor:
        """In-place ``pow``."""
        return _ops.inplace(self, _ops.pow, exponent)

    def neg_(self) -> Tensor:
        """In-place ``neg``."""
        return _ops.inplace(self, _ops.neg)

    def exp_(self) -> Tensor:
        """In-place ``exp``."""
        return _ops.inplace(self, _ops.exp)

    def log_(self) -> Tensor:
        """In-place ``log``."""
        return _ops.inplace(self, _ops.log)

    def sqrt_(self) -> Tensor:
        """In-place ``sqrt``."""
        return _ops.inplace(self, _ops.sqrt)

    def abs_(self) -> Tensor:
        """In-place ``abs``."""
        return _ops.inplace(self, _ops.abs)

    def tanh_(self) -> Tensor:
        """In-place ``tanh``."""
        return _ops.inplace(self, _ops.tanh)

    def sigmoid_(self) -> Tensor:
        """In-place ``sigmoid``."""
        return _ops.inplace(self, _ops.sigmoid)

    def relu_(self) -> Tensor:
        """In-place ``relu``."""
        return _ops.inplace(self, _ops.relu)

    def clamp_(self, min: Tensor | Number | None = None, max: Tensor | Number | None = None) -> Tensor:
        """In-place ``clamp``."""
        return _ops.inplace(self, _ops.clamp, min, max)

    clip_ = clamp_

    def lerp_(self, end: Tensor, weight: Tensor | _float) -> Tensor:
        """In-place ``lerp``."""
        return _ops.inplace(self, _ops.lerp, end, weight)

    def addcmul_(self, t1: Tensor, t2: Tensor, *, value: Number = 1) -> Tensor:
        """In-place ``addcmul``."""
        return _ops.inplace(self, _ops.addcmul, t1, t2, value=value)

    def addcdiv_(self, t1: Tensor, t2: Tensor, *, value: Number = 1) -> Tensor:
        """In-place ``addcdiv``."""
        return _ops.inplace(self, _ops.addcdiv, t1, t2, value=value)

    def masked_fill_(self, mask: Tensor | npt.ArrayLike, value: Tensor | Number) -> Tensor:
        """In-place ``masked_fill``."""
        return _ops.inplace(self, _ops.masked_fill, mask, value)

    def index_add_(self, dim: _int, index: Tensor, source: Tensor, *,
                   alpha: Number = 1) -> Tensor:
        """In-place ``index_add``."""
        return _ops.inplace(self, _ops.index_add, dim, index, source, alpha=alpha)

    def scatter_add_(self, dim: _int, index: Tensor | npt.ArrayLike, src: Tensor) -> Tensor:
        """In-place ``scatter_add``."""
        return _ops.inplace(self, _ops.scatter_add, dim, index, src)

    def scatter_(self, dim: _int, index: Tensor | npt.ArrayLike, src: Tensor | None = None,
                 value: Number | None = None, reduce: str | None = None) -> Tensor:
        """In-place ``scatter``."""
        return _ops.inplace(self, _ops.scatter, dim, index, src, value, reduce)

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: Tensor | Number) -> Tensor:
        """Fill with ``value`` (a number or 0-d Tensor) in place."""
        return _ops.inplace(self, _fill, value)

    def copy_(self, src: Tensor | npt.ArrayLike, non_blocking: _bool = False) -> Tensor:
        """Copy ``src`` (broadcast, cast) into self in place; gradient flows to ``src``."""
        return _ops.inplace(self, _copy_from, src)

    def uniform_(self, a: _float = 0.0, b: _float = 1.0,
                 generator: Generator | None = None) -> Tensor:
        """Fill with U(a, b) samples in place (PyTorch's numbers after the same seed)."""
        _random_float_only(self, "uniform_kernel_cpu", "uniform_")
        if not a <= b:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                               f"from={a} > to={b}")
        return _fill_random(self, _random.fill_uniform, a, b, generator)

    def normal_(self, mean: _float = 0.0, std: _float = 1.0,
                generator: Generator | None = None) -> Tensor:
        """Fill with N(mean, std^2) samples in place (PyTorch's numbers after the same
        seed)."""
        _random_float_only(self, "normal_kernel_cpu", "normal_")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return _fill_random(self, _random.fill_normal, mean, std, generator)

    def bernoulli_(self, p: _float | Tensor = 0.5, *,
                   generator: Generator | None = None) -> Tensor:
        """Fill with Bernoulli(p) samples in place (``p`` a number or a tensor of
        probabilities broadcastable to self)."""
        values = _ops.sorting.bernoulli_fill(self, p, generator)
        return _fill_random(self, _copy_values, values)

    # ------------------------------------------------ issue 12: math, index, linalg methods
    def sinh(self) -> Tensor:
        """Hyperbolic sine."""
        return _ops.sinh(self)

    def cosh(self) -> Tensor:
        """Hyperbolic cosine."""
        return _ops.cosh(self)

    def tan(self) -> Tensor:
        """Tangent."""
        return _ops.tan(self)

    def asin(self) -> Tensor:
        """Inverse sine."""
        return _ops.asin(self)

    def acos(self) -> Tensor:
        """Inverse cosine."""
        return _ops.acos(self)

    def atan(self) -> Tensor:
        """Inverse tangent."""
        return _ops.atan(self)

    def asinh(self) -> Tensor:
        """Inverse hyperbolic sine."""
        return _ops.asinh(self)

    def acosh(self) -> Tensor:
        """Inverse hyperbolic cosine."""
        return _ops.acosh(self)

    def atanh(self) -> Tensor:
        """Inverse hyperbolic tangent."""
        return _ops.atanh(self)

    arcsin, arccos, arctan = asin, acos, atan
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def logaddexp(self, other: Tensor) -> Tensor:
        """``log(exp(self) + exp(other))``."""
        return _ops.logaddexp(self, other)

    def logaddexp2(self, other: Tensor) -> Tensor:
        """``log2(2**self + 2**other)``."""
        return _ops.logaddexp2(self, other)

    def hypot(self, other: Tensor) -> Tensor:
        """``sqrt(self**2 + other**2)``."""
        return _ops.hypot(self, other)

    def atan2(self, other: Tensor) -> Tensor:
        """``atan2(self, other)``."""
        return _ops.atan2(self, other)

    arctan2 = atan2

    def fmod(self, other: Tensor | Number) -> Tensor:
        """C-style remainder (the sign of self)."""
        return _ops.fmod(self, other)

    def nan_to_num(self, nan: _float = 0.0, posinf: _float | None = None,
                   neginf: _float | None = None) -> Tensor:
        """NaN and infinities replaced by finite numbers."""
        return _ops.nan_to_num(self, nan, posinf, neginf)

    def xlogy(self, other: Tensor | Number) -> Tensor:
        """``self * log(other)``, 0 where self is 0."""
        return _ops.xlogy(self, other)

    def copysign(self, other: Tensor | Number) -> Tensor:
        """``|self|`` with the sign of ``other``."""
        return _ops.copysign(self, other)

    def frac(self) -> Tensor:
        """``self - trunc(self)``."""
        return _ops.frac(self)

    def deg2rad(self) -> Tensor:
        """Degrees to radians."""
        return _ops.deg2rad(self)

    def rad2deg(self) -> Tensor:
        """Radians to degrees."""
        return _ops.rad2deg(self)

    def float_power(self, exponent: Tensor | Number) -> Tensor:
        """``pow`` in double precision (float64 result)."""
        return _ops.float_power(self, exponent)

    def logit(self, eps: _float | None = None) -> Tensor:
        """``log(p / (1 - p))``, ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
        return _ops.logit(self, eps)

    def sinh_(self) -> Tensor:
        """In-place ``sinh``."""
        return _ops.inplace(self, _ops.sinh)

    def cosh_(self) -> Tensor:
        """In-place ``cosh``."""
        return _ops.inplace(self, _ops.cosh)

    def tan_(self) -> Tensor:
        """In-place ``tan``."""
        return _ops.inplace(self, _ops.tan)

    def asin_(self) -> Tensor:
        """In-place ``asin``."""
        return _ops.inplace(self, _ops.asin)

    def acos_(self) -> Tensor:
        """In-place ``acos``."""
        return _ops.inplace(self, _ops.acos)

    def atan_(self) -> Tensor:
        """In-place ``atan``."""
        return _ops.inplace(self, _ops.atan)

    def asinh_(self) -> Tensor:
        """In-place ``asinh``."""
        return _ops.inplace(self, _ops.asinh)

    def acosh_(self) -> Tensor:
        """In-place ``acosh``."""
        return _ops.inplace(self, _ops.acosh)

    def atanh_(self) -> Tensor:
        """In-place ``atanh``."""
        return _ops.inplace(self, _ops.atanh)

    arcsin_, arccos_, arctan_ = asin_, acos_, atan_
    arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_

    def hypot_(self, other: Tensor) -> Tensor:
        """In-place ``hypot``."""
        return _ops.inplace(self, _ops.hypot, other)

    def atan2_(self, other: Tensor) -> Tensor:
        """In-place ``atan2``."""
        return _ops.inplace(self, _ops.atan2, other)

    arctan2_ = atan2_

    def fmod_(self, other: Tensor | Number) -> Tensor:
        """In-place ``fmod``."""
        return _ops.inplace(self, _ops.fmod, other)

    def nan_to_num_(self, nan: _float = 0.0, posinf: _float | None = None,
                    neginf: _float | None = None) -> Tensor:
        """In-place ``nan_to_num``."""
        return _ops.inplace(self, _ops.nan_to_num, nan, posinf, neginf)

    def xlogy_(self, other: Tensor | Number) -> Tensor:
        """In-place ``xlogy``."""
        return _ops.inplace(self, _ops.xlogy, other)

    def copysign_(self, other: Tensor | Number) -> Tensor:
        """In-place ``copysign``."""
        return _ops.inplace(self, _ops.copysign, other)

    def frac_(self) -> Tensor:
        """In-place ``frac``."""
        return _ops.inplace(self, _ops.frac)

    def deg2rad_(self) -> Tensor:
        """In-place ``deg2rad``."""
        return _ops.inplace(self, _ops.deg2rad)

    def rad2deg_(self) -> Tensor:
        """In-place ``rad2deg``."""
        return _ops.inplace(self, _ops.rad2deg)

    def float_power_(self, exponent: Tensor | Number) -> Tensor:
        """In-place ``float_power``: self must be float64 (complex128), as in PyTorch."""
        if self._data.dtype.kind not in "fc" or self._data.dtype.itemsize != (
                8 if self._data.dtype.kind == "f" else 16):
            raise RuntimeError(f"the base given to float_power_ has dtype {_dt.c_name(self.dtype)} "
                               f"but the operation's result requires dtype Double")
        return _ops.inplace(self, _ops.float_power, exponent)

    def logit_(self, eps: _float | None = None) -> Tensor:
        """In-place ``logit``."""
        return _ops.inplace(self, _ops.logit, eps)

    def index_copy(self, dim: _int, index: Tensor, source: Tensor) -> Tensor:
        """Copy ``source``'s slices into ``index`` along ``dim``."""
        return _ops.index_copy(self, dim, index, source)

    def index_copy_(self, dim: _int, index: Tensor, source: Tensor) -> Tensor:
        """In-place ``index_copy``."""
        return _ops.inplace(self, _ops.index_copy, dim, index, source)

    def index_fill(self, dim: _int, index: Tensor, value: Tensor | Number) -> Tensor:
        """Fill the slices ``index`` along ``dim`` with ``value``."""
        return _ops.index_fill(self, dim, index, value)

    def index_fill_(self, dim: _int, index: Tensor, value: Tensor | Number) -> Tensor:
        """In-place ``index_fill``."""
        return _ops.inplace(self, _ops.index_fill, dim, index, value)

    def scatter_reduce(self, dim: _int, index: Tensor | npt.ArrayLike, src: Tensor, reduce: str,
                       *, include_self: _bool = True) -> Tensor:
        """Reduce ``src`` into ``index`` along ``dim`` (sum, prod, mean, amax, amin)."""
        return _ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim: _int, index: Tensor | npt.ArrayLike, src: Tensor, reduce: str,
                        *, include_self: _bool = True) -> Tensor:
        """In-place ``scatter_reduce``."""
        return _ops.inplace(self, _ops.scatter_reduce, dim, index, src, reduce,
                            include_self=include_self)

    def take(self, index: Tensor) -> Tensor:
        """``self.flatten()[index]``."""
        return _ops.take(self, index)

    def masked_scatter(self, mask: Tensor | npt.ArrayLike, source: Tensor) -> Tensor:
        """Consecutive ``source`` elements where ``mask`` is True."""
        return _ops.masked_scatter(self, mask, source)

    def masked_scatter_(self, mask: Tensor | npt.ArrayLike, source: Tensor) -> Tensor:
        """In-place ``masked_scatter``."""
        return _ops.inplace(self, _ops.masked_scatter, mask, source)

    def swapdims(self, dim0: _int, dim1: _int) -> Tensor:
        """Alias of ``transpose``."""
        return _ops.swapdims(self, dim0, dim1)

    def moveaxis(self, source: _Dims, destination: _Dims) -> Tensor:
        """Alias of ``movedim``."""
        return _ops.moveaxis(self, source, destination)

    def diag(self, diagonal: _int = 0) -> Tensor:
        """1-D -> diagonal matrix; 2-D -> its diagonal."""
        return _ops.diag(self, diagonal)

    def diagonal(self, offset: _int = 0, dim1: _int = 0, dim2: _int = 1) -> Tensor:
        """The ``offset`` diagonal over ``dim1, dim2`` (a copy, not a view as in PyTorch)."""
        return _ops.diagonal(self, offset, dim1, dim2)

    def diag_embed(self, offset: _int = 0, dim1: _int = -2, dim2: _int = -1) -> Tensor:
        """The last dim placed on diagonals of new dims ``dim1, dim2``."""
        return _ops.diag_embed(self, offset, dim1, dim2)

    def trace(self) -> Tensor:
        """Sum of the main diagonal (2-D)."""
        return _ops.trace(self)

    def kron(self, other: Tensor) -> Tensor:
        """Kronecker product."""
        return _ops.kron(self, other)

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
        """``beta * self + alpha * mat1 @ mat2``."""
        return _ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Number = 1,
                alpha: Number = 1) -> Tensor:
        """``beta * self + alpha * bmm(batch1, batch2)``."""
        return _ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Number = 1,
               alpha: Number = 1) -> Tensor:
        """``beta * self + alpha * sum_b batch1[b] @ batch2[b]``."""
        return _ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
        """``beta * self + alpha * mat @ vec``."""
        return _ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1: Tensor, vec2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
        """``beta * self + alpha * outer(vec1, vec2)``."""
        return _ops.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addmm_(self, mat1: Tensor, mat2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
        """In-place ``addmm``."""
        return _ops.inplace(self, _ops.addmm, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: Number = 1,
                 alpha: Number = 1) -> Tensor:
        """In-place ``baddbmm``."""
        return _ops.inplace(self, _ops.baddbmm, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: Number = 1,
                alpha: Number = 1) -> Tensor:
        """In-place ``addbmm``."""
        return _ops.inplace(self, _ops.addbmm, batch1, batch2, beta=beta, alpha=alpha)

    def addmv_(self, mat: Tensor, vec: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
        """In-place ``addmv``."""
        return _ops.inplace(self, _ops.addmv, mat, vec, beta=beta, alpha=alpha)

    def addr_(self, vec1: Tensor, vec2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
        """In-place ``addr``."""
        return _ops.inplace(self, _ops.addr, vec1, vec2, beta=beta, alpha=alpha)

    def unfold(self, dimension: _int, size: _int, step: _int) -> Tensor:
        """All windows of ``size`` elements, ``step`` apart, along ``dimension``: that dim
        becomes the window count and a last dim of ``size`` is added. Differentiable
        (overlapping windows accumulate); a copy, not a view as in PyTorch."""
        nd = self._data.ndim
        d = _ops.normalize_dim(dimension, nd, "unfold")
        n = self._data.shape[d] if nd else 1
        if size < 0 or size > n:
            raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but "
                               f"size is {size}")
        if step <= 0:
            raise RuntimeError(f"unfold: step is {step} but must be > 0")
        x = self.reshape(1) if nd == 0 else self
        idx = np.arange((n - size) // step + 1)[:, None] * step + np.arange(size)
        out = _ops.movedim(_ops.getitem(x, (slice(None),) * d + (idx,)), d + 1, -1)
        return out.reshape(-1) if nd == 0 else out

    def as_strided(self, size: Sequence[_int], stride: Sequence[_int],
                   storage_offset: _int = 0) -> Tensor:
        """Elements at ``storage_offset + sum(i_k * stride_k)`` of the flattened tensor.
        PyTorch returns a view of the storage; this returns a differentiable copy (writes
        do not reach self), reading self's elements in row-major order (the storage of a
        contiguous tensor)."""
        size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
        if len(size) != len(stride):
            raise RuntimeError(f"as_strided: mismatch in length of strides and shape "
                               f"({len(stride)} != {len(size)})")
        if any(s < 0 for s in size) or any(s < 0 for s in stride):
            raise RuntimeError(f"as_strided: negative sizes or strides are not supported, got "
                               f"size {list(size)} and stride {list(stride)}")
        idx = np.full(size, int(storage_offset), dtype=np.int64)
        for k, (n, st) in enumerate(zip(size, stride)):
            shape = [1] * len(size)
            shape[k] = n
            idx = idx + np.arange(n, dtype=np.int64).reshape(shape) * st
        numel = self._data.size
        if idx.size and int(idx.max()) >= numel:
            raise RuntimeError(f"as_strided: setStorage: sizes {list(size)}, strides "
                               f"{list(stride)}, storage offset {storage_offset} require a "
                               f"storage of {int(idx.max()) + 1} elements, out of bounds for "
                               f"storage of size {numel}")
        return _ops.getitem(self.reshape(-1), idx)

    def resize_(self, *sizes: _int | Sequence[_int]) -> Tensor:
        """Reshape in place to ``sizes``, keeping the first elements (row-major) and filling
        new ones with zeros (PyTorch leaves them uninitialised). Not recorded by autograd:
        a tensor that requires grad cannot be resized, as in PyTorch."""
        shape = _ops.size_args(sizes)
        if self._rg:
            raise RuntimeError("cannot resize variables that require grad")
        if any(s < 0 for s in shape):
            raise RuntimeError(f"resize_: Trying to create tensor with negative dimension, got "
                               f"{list(shape)}")
        if tuple(self._data.shape) == shape:
            return self
        n = int(np.prod(shape, dtype=np.int64))
        flat = np.zeros(n, dtype=self._data.dtype)
        old = self._data.reshape(-1)
        k = min(n, old.size)
        flat[:k] = old[:k]
        self._data = flat.reshape(shape)
        self._vbox[0] += 1
        return self

    def random_(self, *args: _int | None, generator: Generator | None = None) -> Tensor:
        """Fill with integers uniform in ``[from, to)`` (``random_(to)``: ``[0, to)``;
        ``random_()``: ``[0, 2**mantissa]`` for floats, the dtype's range for integers).
        PyTorch's numbers after the same seed."""
        if len(args) > 2:
            raise TypeError(f"random_() takes at most 2 arguments ({len(args)} given)")
        dt = self._data.dtype
        if len(args) == 0:
            return _fill_random(self, _random.fill_random, generator)
        if len(args) == 2 and args[1] is None:
            lo = int(args[0] or 0)
            top = _random.random_upper(dt)
            if dt == np.int64 and lo == -(2 ** 63):
                return _fill_random(self, _random.fill_random_full, generator)
            return _fill_random(self, _random.fill_random_from_to, lo, top + 1, generator)
        lo_arg, hi_arg = (0, args[0]) if len(args) == 1 else args
        lo, hi = int(lo_arg or 0), int(hi_arg or 0)
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={lo} >= to={hi}")
        return _fill_random(self, _random.fill_random_from_to, lo, hi, generator)

    def exponential_(self, lambd: _float = 1.0, *, generator: Generator | None = None) -> Tensor:
        """Fill with Exponential(``lambd``) samples in place (PyTorch's numbers after the
        same seed)."""
        _random_float_only(self, "exponential_cpu", "exponential_")
        if lambd <= 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        return _fill_random(self, _random.fill_exponential, lambd, generator)

    def geometric_(self, p: _float, *, generator: Generator | None = None) -> Tensor:
        """Fill with Geometric(``p``) samples (trials to the first success, >= 1) in place
        (PyTorch's numbers after the same seed)."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        return _fill_random(self, _random.fill_geometric, p, generator)

    def cauchy_(self, median: _float = 0.0, sigma: _float = 1.0, *,
                generator: Generator | None = None) -> Tensor:
        """Fill with Cauchy(``median``, ``sigma``) samples in place (PyTorch's numbers)."""
        _random_float_only(self, "cauchy_cpu", "cauchy_")
        if sigma <= 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        return _fill_random(self, _random.fill_cauchy, median, sigma, generator)

    def log_normal_(self, mean: _float = 1.0, std: _float = 2.0, *,
                    generator: Generator | None = None) -> Tensor:
        """Fill with samples whose log is N(``mean``, ``std``**2), in place (PyTorch's
        numbers)."""
        _random_float_only(self, "log_normal_cpu", "log_normal_")
        if std <= 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        return _fill_random(self, _random.fill_log_normal, mean, std, generator)


def _fill(t, value):
    _ops.check_int_fits("fill_", value, t._data.dtype)
    v = value if isinstance(value, Tensor) else _wrap(np.asarray(value, dtype=t._data.dtype))
    if v._data.dtype != t._data.dtype:
        v = v.to(t._data.dtype)
    if t._rg or v._rg:
        # stay in the graph (as PyTorch): zero gradient to the old value, v's to v
        return _ops.where(_TRUE, _ops.expand(v, *t._data.shape), t)
    return _wrap(np.full(t._data.shape, v._data, dtype=t._data.dtype))


def _copy_from(t, src):
    src = src if isinstance(src, Tensor) else _wrap(np.asarray(src))
    if src._data.dtype != t._data.dtype:
        src = src.to(t._data.dtype)
    if tuple(src._data.shape) != tuple(t._data.shape):
        src = _ops.expand(src, *t._data.shape)
    if t._rg or src._rg:
        return _ops.where(_TRUE, src, t)
    return src


_TRUE = np.ones((), dtype=bool)


def _fill_random(t: Tensor, fill: Any, *args: Any) -> Tensor:
    """Run ``fill(t's array, *args)`` (an ``autograd.random.fill_*``) in place."""
    if t._rg and t.grad_fn is None and _state.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation (random fill); wrap it in 'with autograd.no_grad():'")
    if t._data.dtype == np.float16 and fill is not _copy_values:
        # float16 draws in float32 (PyTorch uses 11-bit recipes here: not its numbers)
        wide = t._data.astype(np.float32)
        fill(wide, *args)
        t._data[...] = wide
    else:
        fill(t._data, *args)
    t._vbox[0] += 1
    return t


def _copy_values(arr: np.ndarray, values: np.ndarray) -> np.ndarray:
    arr[...] = values
    return arr


def _random_float_only(t: Tensor, kernel: str, op: str) -> None:
    if t._data.dtype.kind != "f":
        raise _dt.no_kernel(kernel, t._data.dtype, op)


class Size(tuple[int, ...]):
    """The shape of a Tensor: a tuple with ``numel()``, like ``torch.Size``."""

    __slots__ = ()

    def numel(self) -> int:
        """Number of elements of a tensor of this shape (the product of the sizes)."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        """``torch.Size([2, 3])``, as PyTorch prints it."""
        return f"torch.Size({list(self)})"


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[_Hook], hook: _Hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Unregister the hook (no-op if already removed)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _rebuild(data, requires_grad, cls):
    t = _new(cls)
    t._data = _as_ndarray(data)
    t.grad = None
    t._rg = requires_grad
    t.grad_fn = None
    t._vbox = [0]
    t._hooks = None
    t._view = None
    return t


def _format(t: Tensor) -> str:
    d = t._data
    default = _dt.get_default_dtype()
    with np.printoptions(precision=4, suppress=False, threshold=1000, edgeitems=3,
                         linewidth=80):
        body = np.array2string(d, separator=", ", prefix="tensor(",
                               formatter=None) if d.size or d.ndim == 0 else "[]"
    extras = []
    if d.dtype != default and d.dtype != _dt.default_complex_dtype() and not \
            (d.dtype == np.int64 and d.size) and not \
            (d.dtype == np.bool_ and d.size):
        extras.append(f"dtype={_dt.type_name(d.dtype)}")
    if d.size == 0 and d.ndim != 1:
        extras.append(f"size={tuple(d.shape)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        extras.append("requires_grad=True")
    inner = body if not extras else body + ", " + ", ".join(extras)
    return f"tensor({inner})"

