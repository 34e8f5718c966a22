"""Graph nodes and the engine's internal op front door.

One node type, ``Node``, which doubles as the ``ctx`` an op sees. ``Op`` (internal) is
the fast front door: ``forward(ctx, *arrays, **attrs) -> ndarray`` works on NumPy arrays,
and ``backward(ctx, grad) -> tuple`` is written with differentiable Tensor ops, so
``create_graph=True`` gives higher-order gradients for free. The public, PyTorch-style
front door is :mod:`autograd.function`; the engine that walks the nodes is
:mod:`autograd.engine`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from .grad_mode import _state
from .tensor import Tensor, _wrap

if TYPE_CHECKING:
    import weakref

    from .function import Function

__all__ = ["AccumulateGrad", "Node", "Op", "ShapeError"]

_Hook: TypeAlias = "Callable[[Tensor], Tensor | None]"
"""A gradient hook: ``hook(grad) -> new grad or None``."""
_NextFunctions: TypeAlias = "tuple[tuple[Node | AccumulateGrad | None, int], ...]"
"""``((node_or_None, output_index), ...)``, one pair per input."""


class _Scratch:
    """Throw-away ctx for the no-graph fast path: forward may write to it, nobody reads."""


_SCRATCH = _Scratch()

_FREED_MSG = ("Trying to backward through the graph a second time (or to read saved "
              "values of {name} after they have been freed). Saved intermediate values of "
              "the graph are freed when you call .backward() or autograd.grad(). Specify "
              "retain_graph=True if you need to backward through the graph a second time.")


class Node:
    """A recorded op application; also the ``ctx`` its forward/backward receive.

    Attributes:
        op: the ``Op`` or ``Function`` subclass that made this node.
        needs_input_grad: tuple of bools, one per positional input.
    Ops may set any further attribute on it in forward (strides, masks, ...).
    ``ctx.inputs`` checks that no input was modified in place since the op ran; a backward
    that reads only its inputs' shapes and constant arguments (sum, reshape, permute,
    broadcast, indexing, ...) reads ``ctx._inputs`` instead, as PyTorch saves only the
    metadata for such ops, so a later in-place write does not make it fail.
    """

    __slots__ = ("op", "_inputs", "_edges", "_versions", "_out", "_out_vbox", "needs_input_grad",
                 "_hooks", "_retain", "n_outputs", "_saved", "_freed", "_name", "__dict__",
                 "__weakref__")

    op: type[Op] | type[Function]
    _inputs: Sequence[Any]          # the op's positional args; after _free, the graph edges
    _edges: list[Any]               # per input, fixed at creation: None (no gradient), the
                                    # leaf Tensor, or its grad_fn (Node / _OutputRef) then
    _versions: list[int | None]
    _out: np.ndarray                # set by apply before any read (None until then / freed)
    _out_vbox: list[int]            # set by apply before any read (None until then)
    needs_input_grad: tuple[bool, ...]
    _hooks: dict[int, list[_Hook]] | None
    _retain: list[tuple[int, weakref.ref[Tensor]]] | None
    n_outputs: int
    _saved: tuple[Any, ...] | None
    _freed: bool
    _name: str | None               # a composed public op's name for its last node (_named)
    # set later (in __dict__) by apply / Function.apply / the ctx API:
    _out_version: int
    _saved_out_vboxes: list[Any]    # per output: its version box (None: not a Tensor)
    _out_meta: list[tuple[tuple[int, ...], np.dtype | None]]
    _materialize: bool
    _non_diff: set[int]

    def __init__(self, op: type[Op] | type[Function], inputs: Sequence[Any]) -> None:
        self.op = op
        self._inputs = inputs
        versions: list[int | None]
        needs: list[bool]
        edges: list[Any]
        versions, needs, edges = [], [], []
        for x in inputs:
            if isinstance(x, Tensor):
                if x._rg:
                    view = x._view
                    if view is not None and view[2] != x._vbox[0]:
                        _refresh_view(x)  # its base was written since: regenerate history
                    versions.append(x._vbox[0])
                    needs.append(True)
                    fn = x.grad_fn
                    # the edge is fixed now: a later in-place write that rebases x's
                    # history must not rewire this node (PyTorch's semantics)
                    edges.append(x if fn is None else fn)
                else:
                    versions.append(x._vbox[0])
                    needs.append(False)
                    edges.append(None)
            else:
                versions.append(None)
                needs.append(False)
                edges.append(None)
        self._versions = versions
        self._edges = edges
        self.needs_input_grad = tuple(needs)
        self._out = None  # type: ignore[assignment]  # placeholder until apply sets it
        self._out_vbox = None  # type: ignore[assignment]  # placeholder until apply sets it
        self._hooks = None
        self._retain = None
        self.n_outputs = 1
        self._saved = None
        self._freed = False
        self._name = None

    # -- what backward reads ------------------------------------------------
    @property
    def inputs(self) -> Sequence[Any]:
        """The op's inputs (Tensors, or the constants it was given), version-checked."""
        if self._freed:
            raise RuntimeError(_FREED_MSG.format(name=self.name()))
        for x, v in zip(self._inputs, self._versions):
            if v is not None and x._vbox[0] != v:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: input of {self.name()} with shape "
                    f"{tuple(x.shape)} is at version {x._vbox[0]}; expected version {v} instead.")
        return self._inputs

    @property
    def output(self) -> Tensor:
        """The op's output, rebuilt as a graph-connected Tensor (no reference cycle)."""
        if self._freed:
            raise RuntimeError(_FREED_MSG.format(name=self.name()))
        if self._out_vbox[0] != self._out_version:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by "
                f"an inplace operation: the output of {self.name()} with shape "
                f"{self._out.shape} is at version {self._out_vbox[0]}; expected version "
                f"{self._out_version} instead.")
        t = _wrap(self._out)
        t._rg = True
        t.grad_fn = self
        t._vbox = self._out_vbox
        return t

    # -- introspection (PyTorch-like) ----------------------------------------
    def name(self) -> str:
        """``'MulBackward'`` for a node made by ``Mul``: PyTorch's grad_fn class name
        without its trailing digit. An op whose class name differs from PyTorch's sets
        ``grad_fn_name``; the last node of a public op composed of others (``mean`` is a
        sum times 1/n) carries that op's name (see ``_named``)."""
        name = self._name
        if name is None:
            name = getattr(self.op, "grad_fn_name", None) or self.op.__name__
        return name + "Backward"

    @property
    def next_functions(self) -> _NextFunctions:
        """``((node_or_None, 0), ...)`` for each input, as PyTorch's ``grad_fn.next_functions``."""
        out: list[tuple[Node | AccumulateGrad | None, int]] = []
        for e in self._edges:
            if e is None:
                out.append((None, 0))
            elif isinstance(e, Tensor):
                out.append((AccumulateGrad(e), 0))
            elif isinstance(e, _OutputRef):
                out.append((e.node, e.index))
            else:
                out.append((e, 0))
        return tuple(out)

    def register_hook(self, hook: _Hook) -> None:
        """Register ``hook(grad) -> grad or None`` on this node's (first) output gradient."""
        _add_node_hook(self, 0, hook)

    def __repr__(self) -> str:
        """``<MulBackward object>``."""
        return f"<{self.name()} object>"

    # -- PyTorch Function ctx API -------------------------------------------
    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Save Tensors (or None) for backward; read them back with ``saved_tensors``."""
        self._saved = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Accepted for compatibility; integer outputs are never differentiable anyway."""
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Accepted for compatibility: in-place Functions are treated as out-of-place."""

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``None`` output gradients are replaced by zeros (default True)."""
        self._materialize = bool(value)

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """The Tensors given to ``save_for_backward`` (None where None was saved),
        version-checked."""
        if self._freed:
            raise RuntimeError(_FREED_MSG.format(name=self.name()))
        out: list[Any] = []
        for item in self._saved or ():
            if item is None:
                out.append(None)
                continue
            kind, a, b, version = item
            if kind == "out":  # an output of this node: rebuilt, as ctx.output is
                t = _wrap(a)
                t._rg = True
                t.grad_fn = self if self.n_outputs == 1 else _OutputRef(self, b)
                t._vbox = self._saved_out_vboxes[b]
                if t._vbox[0] != version:
                    raise RuntimeError(
                        f"one of the variables needed for gradient computation has been "
                        f"modified by an inplace operation: saved output {b} of {self.name()} "
                        f"is at version {t._vbox[0]}; expected version {version} instead.")
                out.append(t)
            else:
                if a._vbox[0] != version:
                    raise RuntimeError(
                        f"one of the variables needed for gradient computation has been "
                        f"modified by an inplace operation: a tensor of shape {tuple(a.shape)} "
                        f"saved by {self.name()} is at version {a._vbox[0]}; expected version "
                        f"{version} instead.")
                out.append(a)
        return tuple(out)

    def _free(self) -> None:
        # Keep the graph's shape (for next_functions / visualisation) but drop the
        # activations: the inputs are replaced by the recorded edges.
        self._freed = True
        self._inputs = self._edges
        self._out = None  # type: ignore[assignment]  # freed: no reader gets past _freed
        self._saved = None
        self.__dict__.clear()



def _named(out: Tensor, name: str, *inputs: Tensor) -> Tensor:
    """Name ``out``'s node after the public op that made it (``"Mean"`` -> ``MeanBackward``).

    For ops composed of others: the user wrote ``x.mean()``, so ``grad_fn`` should read
    ``MeanBackward`` (as PyTorch's ``MeanBackward0``), not the ``MulBackward`` it is made
    of. ``out`` is left alone when it is one of ``inputs`` returned unchanged (a no-op
    reshape, say): its node belongs to whatever made that input. Returns ``out``.
    """
    fn = out.grad_fn
    if isinstance(fn, Node) and not any(out is x for x in inputs):
        fn._name = name
    return out


class _OutputRef:
    """grad_fn of output ``index`` of a multi-output Function node."""

    __slots__ = ("node", "index")

    def __init__(self, node: Node, index: int) -> None:
        self.node, self.index = node, index

    def name(self) -> str:
        """The owning node's name."""
        return self.node.name()

    @property
    def next_functions(self) -> _NextFunctions:
        """The owning node's ``next_functions``."""
        return self.node.next_functions

    def register_hook(self, hook: _Hook) -> None:
        """Register ``hook(grad) -> grad or None`` on this output's gradient."""
        _add_node_hook(self.node, self.index, hook)

    def __repr__(self) -> str:
        """``<MulBackward object>`` (the owning node's name)."""
        return f"<{self.node.name()} object>"


class AccumulateGrad:
    """Stand-in shown in ``next_functions`` for a leaf that requires grad."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        """``'AccumulateGrad'``."""
        return "AccumulateGrad"

    @property
    def next_functions(self) -> _NextFunctions:
        """A leaf's accumulator has no inputs (as in PyTorch)."""
        return ()

    def __repr__(self) -> str:
        """``<AccumulateGrad object>``."""
        return "<AccumulateGrad object>"


def _add_node_hook(node: Node, index: int, hook: _Hook) -> None:
    if node._hooks is None:
        node._hooks = {}
    node._hooks.setdefault(index, []).append(hook)


# ---------------------------------------------------------------------------
# Internal ops: forward on arrays, backward on Tensors
# ---------------------------------------------------------------------------
class Op:
    """Base of the engine's own differentiable ops.

    Subclasses define two static methods:

    * ``forward(ctx, *arrays, **attrs) -> ndarray``: gets NumPy arrays (and any
      non-Tensor positional constants unchanged), may *write* side data to ``ctx``.
    * ``backward(ctx, grad) -> Tensor | tuple``: gets the output-shaped gradient
      Tensor and returns one gradient per positional input (``None`` where
      ``not ctx.needs_input_grad[i]``), built only with differentiable ops and
      read from ``ctx.inputs`` / ``ctx.output``.
    """

    grad_fn_name: str | None = None
    """PyTorch's grad_fn name for this op when it differs from the class name (``"Relu"``
    for ``ReLU``: ``ReluBackward``); None: the class name."""

    grad_index: Callable[[Node], Any] | None = None
    """Optional backward fast path for ops whose input gradient is zeros with the output
    gradient at some basic index of input 0 (slicing): ``grad_index(node)`` returns that
    index, or None to run :meth:`backward`. The engine then adds the gradient into the
    input's buffer in place instead of materialising zeros per slice (first-order
    backward only)."""

    complex_ok: bool = False
    """Whether forward and backward are right for complex tensors (PyTorch's Wirtinger
    convention: backward returns ``grad * conj(df/dz)`` for a holomorphic ``f``). An op
    without it that would produce a complex result raises NotImplementedError naming the
    op, instead of a complex value with a wrong gradient."""

    @classmethod
    def apply(cls, *args: Any, **attrs: Any) -> Tensor:
        """Run the op on Tensors (or constants); record a node only when needed."""
        record = False
        arrays: list[Any] = []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._rg:
                    record = True
            elif isinstance(a, np.generic):
                # NumPy scalars are "strong" in NumPy 2 (float32 * np.float64(2) -> float64);
                # PyTorch treats every non-Tensor number as weak: pass a Python number.
                arrays.append(a.item())
            else:
                arrays.append(a)
        node: Node | None = None
        try:
            if record and _state.enabled:
                node = Node(cls, args)
                out = cls.forward(node, *arrays, **attrs)
            else:
                out = cls.forward(_SCRATCH, *arrays, **attrs)
        except ValueError as exc:  # NumPy's broadcasting/shape errors: name the op and shapes
            raise _shape_error(cls, arrays, exc) from None
        kind = out.dtype.kind
        if kind == "c" and not cls.complex_ok:
            raise _complex_refused(cls, arrays)
        t = _wrap(out)
        ob = out.base
        if ob is not None and args:  # maybe a view of the input (indexing, reshape, ...)
            a = args[0]
            if isinstance(a, Tensor):
                src = a._data
                if ob is src or ob is src.base:
                    # a view: t._view = [input, op, version, args, attrs, made_in_no_grad]
                    # (see Tensor._view); it shares the input's (so its root base's) version
                    # counter. A view of a view made under no_grad counts as made there too.
                    vbox = t._vbox = a._vbox
                    pv = a._view
                    t._view = [a, cls, vbox[0], args, attrs,
                               not _state.enabled or (pv is not None and pv[5])]
        if node is None or kind not in "fc":  # integer/bool results: no graph
            return t
        node._out = t._data  # not ``out``: _wrap turns a NumPy scalar into a 0-d array
        node._out_vbox = vbox = t._vbox
        node._out_version = vbox[0]
        t._rg = True
        t.grad_fn = node
        return t

    @staticmethod
    def forward(ctx: Any, *arrays: Any, **attrs: Any) -> np.ndarray:  # pragma: no cover - abstract
        """Compute the output array from input arrays; ``ctx`` is the node, or a throw-away
        object when no graph is recorded."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor | tuple[Tensor | None, ...]:  # pragma: no cover
        """One gradient per positional input (None where not needed), from the
        output-shaped ``grad``."""
        raise NotImplementedError

    @classmethod
    def _run_backward(cls, node, grads):
        return cls.backward(node, grads[0])


# ---------------------------------------------------------------------------
# Views: a Tensor made by a view op (basic indexing, reshape/view, permute) that shares
# memory with its input remembers its root base and the ops that recompute it from the
# base, and shares the base's version counter (PyTorch's semantics). An in-place op on the
# view rebases the base's history (``autograd.ops.inplace``); a view whose base was
# written since its history was recorded gets its history regenerated from the base's
# current one when it is next used.
# ---------------------------------------------------------------------------
def _refresh_view(t: Tensor) -> None:
    """Regenerate a stale view's history (see ``autograd.ops.inplace.refresh_view``)."""
    from .ops.inplace import refresh_view
    refresh_view(t)


def _complex_refused(cls: type[Op], arrays: Sequence[Any]) -> NotImplementedError:
    """The error for an op that is not ``complex_ok`` meeting complex input."""
    name = getattr(cls, "op_name", cls.__name__.lower())
    dtypes = ", ".join(str(a.dtype) for a in arrays if isinstance(a, np.ndarray))
    return NotImplementedError(
        f"{name}: complex tensors are not supported by numbagrad for this op (got {dtypes}); "
        f"complex support covers the torch.fft transforms, +, -, *, /, neg, abs, angle, exp, "
        f"log, sqrt, pow, sum, mean, matmul and the ops that move data")


class ShapeError(ValueError, RuntimeError):
    """A user error about shapes; the message names the op and the shapes involved."""


def _shape_error(cls, arrays, exc):
    if isinstance(exc, ShapeError):
        return exc
    shapes = ", ".join(str(tuple(a.shape)) if isinstance(a, np.ndarray) else repr(a)
                       for a in arrays)
    name = getattr(cls, "op_name", cls.__name__.lower())
    return ShapeError(f"{name}: inputs of shapes {shapes} are incompatible: {exc}")
