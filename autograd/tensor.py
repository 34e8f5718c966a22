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

import numpy as np

from . import dtypes as _dt
from .grad_mode import _state
from .random import rng as _rng

__all__ = ["Tensor"]

_new = object.__new__


class _Later:
    """Stands for a module of this package that imports ``tensor``; replaced by the module
    itself (in this module's globals) on first attribute access."""

    __slots__ = ("_alias", "_module")

    def __init__(self, alias: str, module: str) -> None:
        self._alias, self._module = alias, module

    def __getattr__(self, attr: str):
        module = importlib.import_module(self._module, __package__)
        globals()[self._alias] = module
        return getattr(module, attr)


_ops = _Later("_ops", ".ops")
_creation = _Later("_creation", ".creation")
_node = _Later("_node", ".node")
_engine = _Later("_engine", ".engine")


def _wrap(data) -> "Tensor":
    """Cheapest Tensor construction: no checks, no copy (the engine's hot path)."""
    t = _new(Tensor)
    t._data = data
    t.grad = None
    t._rg = False
    t.grad_fn = None
    t._vbox = [0]
    t._hooks = None
    return t


def _to_array(data, dtype=None) -> np.ndarray:
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


def _contains_tensor(seq) -> bool:
    return builtins.any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
                        for x in seq)


def _tensors_to_nested(seq):
    return [x._data if isinstance(x, Tensor) else
            (_tensors_to_nested(x) if isinstance(x, (list, tuple)) else x) for x in seq]


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Args:
        data: array-like (nested lists, NumPy array, scalar, or another Tensor).
        dtype: NumPy dtype or one of ``autograd.float32`` etc. Python floats default to
            ``autograd.get_default_dtype()`` (float32), Python ints to int64.
        requires_grad: record operations on this tensor for backward.

    Shape: any. ``Tensor(data)`` copies nothing when ``data`` is already an array of the
    requested dtype (``from_numpy`` semantics); use ``autograd.tensor`` for a copy.
    """

    __slots__ = ("_data", "grad", "_rg", "grad_fn", "_vbox", "_hooks", "__weakref__")
    __array_priority__ = 1000  # make ndarray <op> Tensor defer to Tensor's reflected ops

    def __init__(self, data=None, dtype=None, requires_grad: bool = False):
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
        if requires_grad:
            self.requires_grad = True

    # ------------------------------------------------------------------ graph
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for backward."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
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

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created or detached)."""
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return self._vbox[0]

    def _bump(self) -> None:
        self._vbox[0] += 1

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
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
        fn = self.grad_fn
        if fn is None:
            return
        import weakref
        node, idx = (fn.node, fn.index) if isinstance(fn, _node._OutputRef) else (fn, 0)
        if node._retain is None:
            node._retain = []
        node._retain.append((idx, weakref.ref(self)))

    @property
    def retains_grad(self) -> bool:
        """True after ``retain_grad()`` on a non-leaf."""
        fn = self.grad_fn
        if fn is None or getattr(fn, "_retain", None) is None:
            return False
        return builtins.any(ref() is self for _, ref in fn._retain)

    def register_hook(self, hook):
        """Register ``hook(grad) -> Tensor or None``, called with this tensor's gradient.

        Returns:
            A handle with ``remove()``.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            fn = self.grad_fn
            node, idx = (fn.node, fn.index) if isinstance(fn, _node._OutputRef) else (fn, 0)
            _node._add_node_hook(node, idx, hook)
            hooks = node._hooks[idx]
        if hook not in hooks:
            hooks.append(hook)
        return _HookHandle(hooks, hook)

    def detach(self) -> "Tensor":
        """A new leaf sharing storage (and version counter) with self, outside the graph."""
        t = _wrap(self._data)
        t._vbox = self._vbox
        return t

    def detach_(self) -> "Tensor":
        """Detach self from the graph in place, making it a leaf."""
        self.grad_fn = None
        self._rg = False
        return self

    @property
    def data(self) -> "Tensor":
        """A detached Tensor sharing storage with self; in-place changes to it bypass autograd.

        ``p.data += -lr * p.grad`` updates ``p`` and does not count as an in-place op for
        version checks, exactly as in PyTorch.
        """
        return _wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        arr = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._data = arr

    # ------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple:
        """Tuple of dimension sizes (PyTorch's ``torch.Size`` is a tuple too)."""
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_ops.normalize_dim(dim, self._data.ndim, "size")]

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def ndimension(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    def nelement(self) -> int:
        """Number of elements."""
        return self._data.size

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def dtype(self):
        """The NumPy dtype (compares equal to ``autograd.float32`` and friends)."""
        return self._data.dtype

    @property
    def device(self) -> str:
        """Always ``'cpu'``."""
        return _dt.cpu

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def T(self) -> "Tensor":
        """All dimensions reversed (a transpose for 2-D)."""
        return _ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        """The last two dimensions swapped (batched matrix transpose)."""
        return _ops.transpose(self, -2, -1)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def contiguous(self) -> "Tensor":
        """Self when already C-contiguous, else a contiguous copy (differentiable)."""
        if self._data.flags.c_contiguous:
            return self
        return _ops.contiguous(self)

    def stride(self, dim=None):
        """Strides in elements."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[dim]

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    # ---------------------------------------------------------------- values
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"item: a Tensor with {self._data.size} elements cannot be "
                               f"converted to a Python scalar (shape {self._data.shape})")
        return self._data.item()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared storage, like PyTorch)."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def tolist(self):
        """Nested Python lists (a Python number for 0-d)."""
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None:
            return self._data.astype(dtype)
        return self._data

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} elements is "
                               f"ambiguous (shape {self._data.shape})")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return _format(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self._data.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        # deepcopy/copy support; saving weights uses safetensors, never pickle.
        return (_rebuild, (self._data.copy(), self._rg, type(self)))

    def __deepcopy__(self, memo):
        t = _rebuild(self._data.copy(), self._rg, type(self))
        if self.grad is not None:
            t.grad = _wrap(self.grad._data.copy())
        memo[id(self)] = t
        return t

    # ----------------------------------------------------------------- dtype
    def to(self, *args, **kwargs) -> "Tensor":
        """Cast to a dtype (``to(dtype)``, ``to(other_tensor)``); devices other than cpu
        are rejected, ``'cpu'`` is accepted and ignored."""
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) or isinstance(a, _dt.device):
                _dt.check_device(a)
            elif a is not None:
                dtype = a
        if "device" in kwargs:
            _dt.check_device(kwargs["device"])
        if dtype is None:
            return self
        dtype = _dt.as_dtype(dtype)
        if dtype == self._data.dtype:
            return self
        return _ops.cast(self, dtype)

    def type(self, dtype=None):
        if dtype is None:
            return _dt.type_name(self._data.dtype)
        return self.to(dtype)

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def half(self) -> "Tensor":
        return self.to(np.float16)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def int(self) -> "Tensor":
        return self.to(np.int32)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)

    def cpu(self) -> "Tensor":
        return self

    def cuda(self, *args, **kwargs):
        raise RuntimeError("numbagrad runs on the CPU only; there is no CUDA device")

    def clone(self) -> "Tensor":
        """A copy that stays in the graph (gradient flows back to self)."""
        return _ops.clone(self)

    def new_tensor(self, data, dtype=None, requires_grad=False) -> "Tensor":
        return Tensor(np.array(_to_array(data), dtype=dtype or self.dtype), requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None) -> "Tensor":
        return _wrap(np.zeros(_ops.size_args(size), dtype=dtype or self.dtype))

    def new_ones(self, *size, dtype=None) -> "Tensor":
        return _wrap(np.ones(_ops.size_args(size), dtype=dtype or self.dtype))

    def new_full(self, size, fill_value, dtype=None) -> "Tensor":
        return _wrap(np.full(_ops.size_args((size,)), fill_value, dtype=dtype or self.dtype))

    def new_empty(self, *size, dtype=None) -> "Tensor":
        return _wrap(np.empty(_ops.size_args(size), dtype=dtype or self.dtype))

    # --------------------------------------------------------------- operators
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        return _ops.logical_not(self)

    def __and__(self, other):
        return _ops.logical_and(self, other)

    def __or__(self, other):
        return _ops.logical_or(self, other)

    def __xor__(self, other):
        return _ops.logical_xor(self, other)

    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem_(self, index, value)

    # in-place arithmetic (version-counted; see ops.inplace)
    def __iadd__(self, other):
        return _ops.inplace(self, _ops.add, other)

    def __isub__(self, other):
        return _ops.inplace(self, _ops.sub, other)

    def __imul__(self, other):
        return _ops.inplace(self, _ops.mul, other)

    def __itruediv__(self, other):
        return _ops.inplace(self, _ops.div, other)

    def __ipow__(self, other):
        return _ops.inplace(self, _ops.pow, other)

    # ------------------------------------------------------ op methods (see autograd.ops)
    def add(self, other, *, alpha=1): return _ops.add(self, other, alpha=alpha)
    def sub(self, other, *, alpha=1): return _ops.sub(self, other, alpha=alpha)
    def mul(self, other): return _ops.mul(self, other)
    def div(self, other, *, rounding_mode=None): return _ops.div(self, other, rounding_mode=rounding_mode)
    def true_divide(self, other): return _ops.div(self, other)
    def neg(self): return _ops.neg(self)
    def pow(self, exponent): return _ops.pow(self, exponent)
    def square(self): return _ops.square(self)
    def exp(self): return _ops.exp(self)
    def expm1(self): return _ops.expm1(self)
    def log(self): return _ops.log(self)
    def log1p(self): return _ops.log1p(self)
    def log2(self): return _ops.log2(self)
    def log10(self): return _ops.log10(self)
    def sqrt(self): return _ops.sqrt(self)
    def rsqrt(self): return _ops.rsqrt(self)
    def abs(self): return _ops.abs(self)
    def sign(self): return _ops.sign(self)
    def sin(self): return _ops.sin(self)
    def cos(self): return _ops.cos(self)
    def tanh(self): return _ops.tanh(self)
    def sigmoid(self): return _ops.sigmoid(self)
    def relu(self): return _ops.relu(self)
    def erf(self): return _ops.erf(self)
    def reciprocal(self): return _ops.reciprocal(self)
    def floor(self): return _ops.floor(self)
    def ceil(self): return _ops.ceil(self)
    def round(self, *, decimals=0): return _ops.round(self, decimals=decimals)
    def trunc(self): return _ops.trunc(self)
    def clamp(self, min=None, max=None): return _ops.clamp(self, min, max)
    clip = clamp
    def maximum(self, other): return _ops.maximum(self, other)
    def minimum(self, other): return _ops.minimum(self, other)
    def where(self, condition, other): return _ops.where(condition, self, other)
    def lerp(self, end, weight): return _ops.lerp(self, end, weight)
    def addcmul(self, t1, t2, *, value=1): return _ops.addcmul(self, t1, t2, value=value)
    def addcdiv(self, t1, t2, *, value=1): return _ops.addcdiv(self, t1, t2, value=value)
    def eq(self, other): return _ops.eq(self, other)
    def ne(self, other): return _ops.ne(self, other)
    def lt(self, other): return _ops.lt(self, other)
    def le(self, other): return _ops.le(self, other)
    def gt(self, other): return _ops.gt(self, other)
    def ge(self, other): return _ops.ge(self, other)
    def equal(self, other): return _ops.equal(self, other)
    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False): return _ops.allclose(self, other, rtol, atol, equal_nan)
    def isnan(self): return _ops.isnan(self)
    def isinf(self): return _ops.isinf(self)
    def isfinite(self): return _ops.isfinite(self)
    def logical_not(self): return _ops.logical_not(self)
    def logical_and(self, other): return _ops.logical_and(self, other)
    def logical_or(self, other): return _ops.logical_or(self, other)

    def sum(self, dim=None, keepdim=False, *, dtype=None): return _ops.sum(self, dim, keepdim, dtype=dtype)
    def mean(self, dim=None, keepdim=False, *, dtype=None): return _ops.mean(self, dim, keepdim, dtype=dtype)
    def prod(self, dim=None, keepdim=False, *, dtype=None): return _ops.prod(self, dim, keepdim, dtype=dtype)
    def max(self, dim=None, keepdim=False): return _ops.max(self, dim, keepdim)
    def min(self, dim=None, keepdim=False): return _ops.min(self, dim, keepdim)
    def amax(self, dim=(), keepdim=False): return _ops.amax(self, dim, keepdim)
    def amin(self, dim=(), keepdim=False): return _ops.amin(self, dim, keepdim)
    def argmax(self, dim=None, keepdim=False): return _ops.argmax(self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return _ops.argmin(self, dim, keepdim)
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None): return _ops.var(self, dim, unbiased, keepdim, correction=correction)
    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None): return _ops.std(self, dim, unbiased, keepdim, correction=correction)
    def logsumexp(self, dim, keepdim=False): return _ops.logsumexp(self, dim, keepdim)
    def norm(self, p="fro", dim=None, keepdim=False, dtype=None): return _ops.norm(self, p, dim, keepdim, dtype)
    def cumsum(self, dim, *, dtype=None): return _ops.cumsum(self, dim, dtype=dtype)
    def cumprod(self, dim, *, dtype=None): return _ops.cumprod(self, dim, dtype=dtype)
    def all(self, dim=None, keepdim=False): return _ops.all(self, dim, keepdim)
    def any(self, dim=None, keepdim=False): return _ops.any(self, dim, keepdim)
    def count_nonzero(self, dim=None): return _ops.count_nonzero(self, dim)

    def reshape(self, *shape): return _ops.reshape(self, *shape)
    def view(self, *shape): return _ops.view(self, *shape)
    def view_as(self, other): return _ops.view_as(self, other)
    def reshape_as(self, other): return _ops.view_as(self, other)
    def flatten(self, start_dim=0, end_dim=-1): return _ops.flatten(self, start_dim, end_dim)
    def ravel(self): return _ops.ravel(self)
    def unflatten(self, dim, sizes): return _ops.unflatten(self, dim, sizes)
    def transpose(self, dim0, dim1): return _ops.transpose(self, dim0, dim1)
    swapaxes = transpose
    def t(self): return _ops.transpose(self, 0, -1) if self._data.ndim == 2 else self
    def permute(self, *dims): return _ops.permute(self, *dims)
    def movedim(self, source, destination): return _ops.movedim(self, source, destination)
    def squeeze(self, dim=None): return _ops.squeeze(self, dim)
    def unsqueeze(self, dim): return _ops.unsqueeze(self, dim)
    def expand(self, *sizes): return _ops.expand(self, *sizes)
    def expand_as(self, other): return _ops.expand_as(self, other)
    def broadcast_to(self, shape): return _ops.broadcast_to(self, shape)
    def repeat(self, *repeats): return _ops.repeat(self, *repeats)
    def tile(self, dims): return _ops.tile(self, dims)
    def split(self, split_size, dim=0): return _ops.split(self, split_size, dim)
    def chunk(self, chunks, dim=0): return _ops.chunk(self, chunks, dim)
    def unbind(self, dim=0): return _ops.unbind(self, dim)
    def narrow(self, dim, start, length): return _ops.narrow(self, dim, start, length)
    def flip(self, *dims): return _ops.flip(self, dims[0] if len(dims) == 1 else dims)
    def roll(self, shifts, dims=None): return _ops.roll(self, shifts, dims)

    def gather(self, dim, index): return _ops.gather(self, dim, index)
    def scatter_add(self, dim, index, src): return _ops.scatter_add(self, dim, index, src)
    def scatter(self, dim, index, src=None, value=None, reduce=None): return _ops.scatter(self, dim, index, src, value, reduce)
    def index_select(self, dim, index): return _ops.index_select(self, dim, index)
    def masked_fill(self, mask, value): return _ops.masked_fill(self, mask, value)
    def masked_select(self, mask): return _ops.masked_select(self, mask)
    def take_along_dim(self, indices, dim): return _ops.take_along_dim(self, indices, dim)
    def nonzero(self, *, as_tuple=False): return _ops.nonzero(self, as_tuple=as_tuple)

    def tril(self, diagonal=0): return _creation.tril(self, diagonal)
    def triu(self, diagonal=0): return _creation.triu(self, diagonal)
    def matmul(self, other): return _ops.matmul(self, other)
    def mm(self, mat2): return _ops.mm(self, mat2)
    def bmm(self, mat2): return _ops.bmm(self, mat2)
    def mv(self, vec): return _ops.mv(self, vec)
    def dot(self, other): return _ops.dot(self, other)
    def outer(self, other): return _ops.outer(self, other)
    def softmax(self, dim, dtype=None): return _ops.softmax(self, dim, dtype)
    def log_softmax(self, dim, dtype=None): return _ops.log_softmax(self, dim, dtype)

    # in-place forms: version-counted (see autograd/ops/inplace.py)
    def add_(self, other, *, alpha=1): return _ops.inplace(self, _ops.add, other, alpha=alpha)
    def sub_(self, other, *, alpha=1): return _ops.inplace(self, _ops.sub, other, alpha=alpha)
    def mul_(self, other): return _ops.inplace(self, _ops.mul, other)
    def div_(self, other): return _ops.inplace(self, _ops.div, other)
    def pow_(self, exponent): return _ops.inplace(self, _ops.pow, exponent)
    def neg_(self): return _ops.inplace(self, _ops.neg)
    def exp_(self): return _ops.inplace(self, _ops.exp)
    def log_(self): return _ops.inplace(self, _ops.log)
    def sqrt_(self): return _ops.inplace(self, _ops.sqrt)
    def abs_(self): return _ops.inplace(self, _ops.abs)
    def tanh_(self): return _ops.inplace(self, _ops.tanh)
    def sigmoid_(self): return _ops.inplace(self, _ops.sigmoid)
    def relu_(self): return _ops.inplace(self, _ops.relu)
    def clamp_(self, min=None, max=None): return _ops.inplace(self, _ops.clamp, min, max)
    clip_ = clamp_
    def lerp_(self, end, weight): return _ops.inplace(self, _ops.lerp, end, weight)
    def addcmul_(self, t1, t2, *, value=1): return _ops.inplace(self, _ops.addcmul, t1, t2, value=value)
    def addcdiv_(self, t1, t2, *, value=1): return _ops.inplace(self, _ops.addcdiv, t1, t2, value=value)
    def masked_fill_(self, mask, value): return _ops.inplace(self, _ops.masked_fill, mask, value)
    def scatter_add_(self, dim, index, src): return _ops.inplace(self, _ops.scatter_add, dim, index, src)
    def scatter_(self, dim, index, src=None, value=None, reduce=None): return _ops.inplace(self, _ops.scatter, dim, index, src, value, reduce)

    def zero_(self) -> "Tensor":
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value) -> "Tensor":
        """Fill with ``value`` (a number or 0-d Tensor) in place."""
        return _ops.inplace(self, _fill, value)

    def copy_(self, src, non_blocking=False) -> "Tensor":
        """Copy ``src`` (broadcast, cast) into self in place; gradient flows to ``src``."""
        return _ops.inplace(self, _copy_from, src)

    def uniform_(self, a=0.0, b=1.0, generator=None) -> "Tensor":
        """Fill with U(a, b) samples in place."""
        return _fill_random(self, _rng(generator).uniform(a, b, self._data.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None) -> "Tensor":
        """Fill with N(mean, std^2) samples in place."""
        return _fill_random(self, _rng(generator).normal(mean, std, self._data.shape))

    def bernoulli_(self, p=0.5, generator=None) -> "Tensor":
        """Fill with Bernoulli(p) samples in place."""
        return _fill_random(self, _rng(generator).random(self._data.shape) < p)


def _fill(t, value):
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


def _fill_random(t, values) -> "Tensor":
    if t._rg and t.grad_fn is None and _state.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation (random fill); wrap it in 'with autograd.no_grad():'")
    t._data[...] = values
    t._vbox[0] += 1
    return t


class Size(tuple):
    """The shape of a Tensor: a tuple with ``numel()``, like ``torch.Size``."""

    __slots__ = ()

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _rebuild(data, requires_grad, cls):
    t = _new(cls)
    t._data = data
    t.grad = None
    t._rg = requires_grad
    t.grad_fn = None
    t._vbox = [0]
    t._hooks = None
    return t


def _format(t: Tensor) -> str:
    d = t._data
    default = _dt.get_default_dtype()
    with np.printoptions(precision=4, suppress=False, threshold=1000, edgeitems=3,
                         linewidth=80):
        body = np.array2string(d, separator=", ", prefix="tensor(",
                               formatter=None) if d.size or d.ndim == 0 else "[]"
    extras = []
    if d.dtype != default and not (d.dtype == np.int64 and d.size) and not \
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

