"""Graph nodes, the two op front doors (internal ``Op``, public ``Function``) and the
backward engine.

One node type (``Node``, which doubles as the ``ctx`` an op sees) and one engine:

* ``Op`` (internal): ``forward(ctx, *arrays, **attrs) -> ndarray`` works on NumPy
  arrays; ``backward(ctx, grad) -> tuple`` is written with differentiable Tensor
  ops, so ``create_graph=True`` gives higher-order gradients for free.
* ``Function`` (public, PyTorch semantics): ``forward`` receives Tensors and runs
  under no-grad; ``ctx.save_for_backward`` / ``ctx.saved_tensors`` /
  ``ctx.needs_input_grad`` behave as in PyTorch.

The engine (``run_backward``) counts dependencies with an explicit stack and then
processes nodes in Kahn order: linear time, no recursion, each gradient buffer
released as soon as it has been consumed. It runs every backward under
``set_grad_enabled(create_graph)``, so with ``create_graph=False`` the Tensor ops
inside backward take the no-graph fast path. Unbroadcasting happens in one place
here (the differentiable ``sum_to``); op authors return output-shaped gradients.
"""
from __future__ import annotations

import functools

import numpy as np

from . import grad_mode
from .grad_mode import _state

__all__ = ["ShapeError", "Node", "Op", "Function", "FunctionCtx", "once_differentiable", "backward", "grad",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]

Tensor = None  # bound by tensor.py at import time (tensor.py imports this module)
_wrap = None
_sum_to = None  # bound lazily: ops.reduce.sum_to


def _bind_tensor(tensor_cls, wrap) -> None:
    global Tensor, _wrap
    Tensor, _wrap = tensor_cls, wrap


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
    """

    __slots__ = ("op", "_inputs", "_versions", "_out", "_out_vbox", "needs_input_grad",
                 "_hooks", "_retain", "n_outputs", "_saved", "_freed", "__dict__", "__weakref__")

    def __init__(self, op, inputs):
        self.op = op
        self._inputs = inputs
        versions, needs = [], []
        for x in inputs:
            if isinstance(x, Tensor):
                versions.append(x._vbox[0])
                needs.append(x._rg)
            else:
                versions.append(None)
                needs.append(False)
        self._versions = versions
        self.needs_input_grad = tuple(needs)
        self._out = None
        self._out_vbox = None
        self._hooks = None
        self._retain = None
        self.n_outputs = 1
        self._saved = None
        self._freed = False

    # -- what backward reads ------------------------------------------------
    @property
    def inputs(self) -> tuple:
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
    def output(self):
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
        """``'MulBackward'`` for a node made by ``Mul``."""
        return self.op.__name__ + "Backward"

    @property
    def next_functions(self) -> tuple:
        """``((node_or_None, 0), ...)`` for each input, as PyTorch's ``grad_fn.next_functions``."""
        out = []
        for x in self._inputs:
            if self._freed:
                if x is None:
                    out.append((None, 0))
                elif isinstance(x, Tensor):
                    out.append((AccumulateGrad(x), 0))
                elif isinstance(x, _OutputRef):
                    out.append((x.node, x.index))
                else:
                    out.append((x, 0))
            elif isinstance(x, Tensor) and x._rg:
                fn = x.grad_fn
                if fn is None:
                    out.append((AccumulateGrad(x), 0))
                elif isinstance(fn, _OutputRef):
                    out.append((fn.node, fn.index))
                else:
                    out.append((fn, 0))
            else:
                out.append((None, 0))
        return tuple(out)

    def register_hook(self, hook) -> None:
        """Register ``hook(grad) -> grad or None`` on this node's (first) output gradient."""
        _add_node_hook(self, 0, hook)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"

    # -- PyTorch Function ctx API -------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Save Tensors (or None) for backward; read them back with ``saved_tensors``."""
        self._saved = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Accepted for compatibility; integer outputs are never differentiable anyway."""
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors) -> None:
        """Accepted for compatibility: in-place Functions are treated as out-of-place."""

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``None`` output gradients are replaced by zeros (default True)."""
        self._materialize = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        """The Tensors given to ``save_for_backward``, version-checked."""
        if self._freed:
            raise RuntimeError(_FREED_MSG.format(name=self.name()))
        out = []
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
        # activations: non-leaf inputs are replaced by their grad_fn, leaves kept as-is.
        edges = []
        for x in self._inputs:
            if isinstance(x, Tensor) and x._rg:
                edges.append(x if x.grad_fn is None else x.grad_fn)
            else:
                edges.append(None)
        self._freed = True
        self._inputs = edges
        self._out = None
        self._saved = None
        self.__dict__.clear()


FunctionCtx = Node


class _OutputRef:
    """grad_fn of output ``index`` of a multi-output Function node."""

    __slots__ = ("node", "index")

    def __init__(self, node, index):
        self.node, self.index = node, index

    def name(self) -> str:
        return self.node.name()

    @property
    def next_functions(self):
        return self.node.next_functions

    def register_hook(self, hook) -> None:
        _add_node_hook(self.node, self.index, hook)

    def __repr__(self) -> str:
        return f"<{self.node.name()} object>"


class AccumulateGrad:
    """Stand-in shown in ``next_functions`` for a leaf that requires grad."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        """A leaf's accumulator has no inputs (as in PyTorch)."""
        return ()

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


def _add_node_hook(node, index, hook) -> None:
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

    @classmethod
    def apply(cls, *args, **attrs):
        """Run the op on Tensors (or constants); record a node only when needed."""
        record = False
        arrays = []
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
        try:
            if not (record and _state.enabled):
                return _wrap(cls.forward(_SCRATCH, *arrays, **attrs))
            node = Node(cls, args)
            out = cls.forward(node, *arrays, **attrs)
        except ValueError as exc:  # NumPy's broadcasting/shape errors: name the op and shapes
            raise _shape_error(cls, arrays, exc) from None
        t = _wrap(out)
        if out.dtype.kind not in "fc":  # integer/bool results never carry a graph
            return t
        node._out = out
        node._out_vbox = t._vbox
        node._out_version = 0
        t._rg = True
        t.grad_fn = node
        return t

    @staticmethod
    def forward(ctx, *arrays, **attrs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def _run_backward(cls, node, grads):
        return cls.backward(node, grads[0])


class ShapeError(ValueError, RuntimeError):
    """A user error about shapes; the message names the op and the shapes involved."""


def _shape_error(cls, arrays, exc):
    if isinstance(exc, ShapeError):
        return exc
    shapes = ", ".join(str(tuple(a.shape)) if isinstance(a, np.ndarray) else repr(a)
                       for a in arrays)
    name = getattr(cls, "op_name", cls.__name__.lower())
    return ShapeError(f"{name}: inputs of shapes {shapes} are incompatible: {exc}")


# ---------------------------------------------------------------------------
# Public Function: PyTorch semantics (Tensors in forward)
# ---------------------------------------------------------------------------
class Function:
    """Base class for user-defined differentiable operations (PyTorch's API).

    Example:
        >>> class Exp(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         y = x.exp()
        ...         ctx.save_for_backward(y)
        ...         return y
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (y,) = ctx.saved_tensors
        ...         return grad_output * y
        >>> Exp.apply(x)

    ``forward`` receives Tensors and runs under no-grad; it may return one Tensor or a
    tuple. ``backward`` receives one gradient per output and returns one per input
    (``None`` for non-differentiable ones). Backward is written with Tensor ops, so it is
    differentiable again under ``create_graph=True`` unless it is decorated with
    ``once_differentiable``.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError("Function subclasses must implement forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):  # pragma: no cover - abstract
        raise NotImplementedError("Function subclasses must implement backward(ctx, ...)")

    @staticmethod
    def setup_context(ctx, inputs, output):  # pragma: no cover - optional
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when any input requires grad, record a node for backward."""
        record = _state.enabled and any(isinstance(a, Tensor) and a._rg for a in args)
        node = Node(cls, args)
        node._materialize = True
        uses_setup = "setup_context" in _own_attrs(cls)
        prev = _state.enabled
        _state.enabled = False
        try:
            if uses_setup:
                result = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, result)
            else:
                result = cls.forward(node, *args, **kwargs)
        finally:
            _state.enabled = prev
        is_tuple = isinstance(result, tuple)
        outs = result if is_tuple else (result,)
        if not record:
            return result
        node.n_outputs = len(outs)
        non_diff = getattr(node, "_non_diff", set())
        in_ids = {id(a) for a in args if isinstance(a, Tensor)}
        new_outs = []
        vboxes = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                new_outs.append(o)
                vboxes.append(None)
                continue
            if id(o) in in_ids:  # an input returned as-is: the output is a new Tensor
                o = _wrap(o._data)
            if o._data.dtype.kind in "fc" and id(outs[i]) not in non_diff:
                o._rg = True
                o.grad_fn = node if len(outs) == 1 else _OutputRef(node, i)
            new_outs.append(o)
            vboxes.append(o._vbox)
        node._saved_out_vboxes = vboxes
        node._out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), None)
                          for o in new_outs]
        out_index = {id(o): i for i, o in enumerate(outs) if isinstance(o, Tensor)}
        if node._saved is not None:
            packed = []
            for t in node._saved:
                if t is None:
                    packed.append(None)
                elif id(t) in out_index:
                    i = out_index[id(t)]
                    packed.append(("out", new_outs[i]._data, i, new_outs[i]._vbox[0]))
                else:
                    packed.append(("in", t, None, t._vbox[0]))
            node._saved = tuple(packed)
        node._out_vbox = vboxes[0]
        node._out = new_outs[0]._data if isinstance(new_outs[0], Tensor) else None
        node._out_version = 0
        return tuple(new_outs) if is_tuple else new_outs[0]

    @classmethod
    def _run_backward(cls, node, grads):
        if getattr(node, "_materialize", True):
            grads = tuple(
                g if g is not None else _zeros_for(node, i) for i, g in enumerate(grads))
        result = cls.backward(node, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_in = len(node._inputs)
        if len(result) < n_in:
            raise RuntimeError(
                f"function {cls.__name__}Backward returned an incorrect number of gradients "
                f"(expected {n_in}, got {len(result)})")
        return result[:n_in]


def _own_attrs(cls) -> set:
    names = set()
    for klass in cls.__mro__:
        if klass is Function:
            break
        names.update(vars(klass))
    return names


def _zeros_for(node, index):
    shape, dtype = node._out_meta[index]
    return _wrap(np.zeros(shape, dtype=dtype))


def once_differentiable(backward_fn):
    """Decorator for a ``backward`` that can only be computed on arrays.

    The wrapped backward runs under no-grad. Under ``create_graph=True`` its results
    are connected to a node whose own backward raises a clear error, so first-order
    use works and only an actual second derivative fails (PyTorch's behaviour).
    """

    @functools.wraps(backward_fn)
    def wrapper(ctx, *grads):
        create = _state.enabled
        _state.enabled = False
        try:
            result = backward_fn(ctx, *grads)
        finally:
            _state.enabled = create
        if not create:
            return result
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        sources = tuple(g for g in grads if isinstance(g, Tensor) and g._rg)
        if not sources:
            return result
        name = ctx.name() if isinstance(ctx, Node) else "the op"
        wrapped = tuple(None if o is None else _OnceDifferentiableError.apply(o, *sources, name=name)
                        for o in outs)
        return wrapped[0] if single else wrapped

    return wrapper


class _OnceDifferentiableError(Op):
    @staticmethod
    def forward(ctx, value, *sources, name):
        ctx.op_name = name
        return value

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(
            f"{ctx.op_name}'s backward is marked once_differentiable: it cannot be "
            f"differentiated again (double backward / create_graph=True through it is "
            f"not supported).")


# ---------------------------------------------------------------------------
# Anomaly detection
# ---------------------------------------------------------------------------
_anomaly = [False]


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return _anomaly[0]


class detect_anomaly:
    """Context manager: during backward, raise naming the forward op whose backward
    produced NaN or Inf."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _anomaly[0]
        _anomaly[0] = self.check_nan
        return self

    def __exit__(self, *exc):
        _anomaly[0] = self._prev
        return False


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly detection on or off (also usable as a context manager)."""

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self.__enter__()


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------
def _edge(t):
    """(node, output_index) a gradient for tensor ``t`` flows to, or None for a leaf."""
    fn = t.grad_fn
    if fn is None:
        return None
    if fn.__class__ is _OutputRef:
        return fn.node, fn.index
    return fn, 0


def _collect_deps(root_nodes):
    """Count, for each node reachable from the roots, the edges pointing into it."""
    deps = {}
    stack = list(root_nodes)
    seen = set(id(n) for n in root_nodes)
    for n in root_nodes:
        deps.setdefault(n, 0)
    while stack:
        node = stack.pop()
        if node._freed:
            raise RuntimeError(_FREED_MSG.format(name=node.name()))
        for x in node._inputs:
            if isinstance(x, Tensor) and x._rg:
                fn = x.grad_fn
                if fn is None:
                    continue
                if fn.__class__ is _OutputRef:
                    fn = fn.node
                deps[fn] = deps.get(fn, 0) + 1
                if id(fn) not in seen:
                    seen.add(id(fn))
                    stack.append(fn)
    return deps


def _accumulate(buffers, key, index, n_outputs, g):
    if n_outputs == 1:
        prev = buffers.get(key)
        buffers[key] = g if prev is None else prev + g
    else:
        slot = buffers.get(key)
        if slot is None:
            slot = buffers[key] = [None] * n_outputs
        slot[index] = g if slot[index] is None else slot[index] + g


def _fit_grad(g, x, node):
    """Reduce a gradient to its input's shape (the single unbroadcast site) and dtype."""
    gd, xd = g._data, x._data
    if gd.shape != xd.shape:
        global _sum_to
        if _sum_to is None:
            from .ops.reduce import sum_to as _st
            _sum_to = _st
        try:
            g = _sum_to(g, xd.shape)
        except ValueError:
            raise RuntimeError(
                f"{node.name()} returned a gradient of shape {gd.shape} for an input of shape "
                f"{xd.shape}; expected a shape that broadcasts to the input's") from None
    if gd.dtype != xd.dtype:
        g = g.to(xd.dtype)
    return g


def run_backward(roots, root_grads, *, retain_graph, create_graph, inputs=None,
                 accumulate=True):
    """Backpropagate ``root_grads`` from ``roots``.

    Args:
        roots: output Tensors.
        root_grads: one gradient Tensor per root, of the root's shape.
        retain_graph: keep nodes' saved values for another backward.
        create_graph: record the backward computation itself (higher order).
        inputs: when given, gradients are delivered only to these Tensors.
        accumulate: True: add into leaves' ``.grad`` (``Tensor.backward``);
            False: return the gradients for ``inputs`` (``autograd.grad``).

    Returns:
        With ``accumulate=False``, a list of gradients (or None) aligned with ``inputs``.
    """
    capture_leaf = capture_node = None
    results = None
    if inputs is not None:
        results = [None] * len(inputs)
        capture_leaf, capture_node = {}, {}
        for i, t in enumerate(inputs):
            e = _edge(t)
            if e is None:
                capture_leaf.setdefault(id(t), []).append(i)
            else:
                capture_node.setdefault((id(e[0]), e[1]), []).append(i)
    handed = set()  # ids of arrays already stored in some .grad (avoid aliasing two .grad's)
    buffers = {}
    root_nodes = []
    for t, g in zip(roots, root_grads):
        handed.add(id(g._data))
        e = _edge(t)
        if e is None:  # a leaf as root: its gradient is the seed itself
            _deliver_leaf(t, g, accumulate, capture_leaf, results, handed, create_graph)
            continue
        node, idx = e
        _accumulate(buffers, node, idx, node.n_outputs, g)
        if node not in root_nodes:
            root_nodes.append(node)
    deps = _collect_deps(root_nodes)
    ready = [n for n in root_nodes if deps[n] == 0]
    anomaly = _anomaly[0]
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            n_out = node.n_outputs
            if n_out == 1:
                if node._hooks or node._retain or capture_node:
                    grads = _node_extras(node, [grads], create_graph, handed, capture_node,
                                         results)[0]
                in_grads = None if grads is None else node.op._run_backward(node, (grads,))
            else:
                grads = _node_extras(node, grads or [None] * n_out, create_graph, handed,
                                     capture_node, results)
                in_grads = None if all(g is None for g in grads) else \
                    node.op._run_backward(node, grads)
            if in_grads is not None and not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if anomaly and in_grads is not None:
                _check_anomaly(node, in_grads)
            for i, x in enumerate(node._inputs):
                if not isinstance(x, Tensor) or not x._rg:
                    continue
                fn = x.grad_fn
                g = in_grads[i] if in_grads is not None and i < len(in_grads) else None
                if g is not None:
                    if not isinstance(g, Tensor):
                        g = Tensor(g)
                    gd, xd = g._data, x._data
                    if gd.shape != xd.shape or gd.dtype != xd.dtype:
                        g = _fit_grad(g, x, node)
                    if fn is None:
                        _deliver_leaf(x, g, accumulate, capture_leaf, results, handed,
                                      create_graph)
                        continue
                    if fn.__class__ is _OutputRef:
                        _accumulate(buffers, fn.node, fn.index, fn.node.n_outputs, g)
                    else:
                        prev = buffers.get(fn)
                        buffers[fn] = g if prev is None else prev + g
                elif fn is None:
                    continue
                if fn.__class__ is _OutputRef:
                    fn = fn.node
                d = deps[fn] - 1
                deps[fn] = d
                if d == 0:
                    ready.append(fn)
            if not retain_graph:
                node._free()
    finally:
        _state.enabled = prev_mode
    return results


def _node_extras(node, grads, create_graph, handed, capture_node, results):
    """Tensor hooks, retain_grad and grad() capture for one node's output gradients."""
    grads = list(grads)
    if node._hooks:
        for idx, hooks in node._hooks.items():
            for hook in hooks:
                if grads[idx] is not None:
                    r = hook(grads[idx])
                    if r is not None:
                        grads[idx] = r
    if node._retain:
        for idx, ref in node._retain:
            t = ref()
            if t is not None and grads[idx] is not None:
                g = grads[idx]
                t.grad = g if create_graph else _detached(g, handed)
    if capture_node:
        for idx in range(len(grads)):
            for slot in capture_node.get((id(node), idx), ()):
                results[slot] = grads[idx]
    return grads


def _detached(g, handed):
    d = g._data
    if id(d) in handed or d.base is not None:
        d = d.copy()
    handed.add(id(d))
    return _wrap(d)


def _deliver_leaf(x, g, accumulate, capture_leaf, results, handed, create_graph):
    if x._hooks:
        for hook in x._hooks:
            r = hook(g)
            if r is not None:
                g = r
    if capture_leaf is not None:
        slots = capture_leaf.get(id(x))
        if slots is None:
            return
        if not accumulate:
            for s in slots:
                results[s] = g if results[s] is None else results[s] + g
            return
    if not accumulate:
        return
    if not create_graph:
        if x.grad is None:
            x.grad = _detached(g, handed)
        else:
            x.grad = _wrap(x.grad._data + g._data)
    else:
        x.grad = g if x.grad is None else x.grad + g


def _check_anomaly(node, in_grads):
    for i, g in enumerate(in_grads):
        if isinstance(g, Tensor) and g._data.dtype.kind in "fc":
            if not np.all(np.isfinite(g._data)):
                raise RuntimeError(
                    f"Function '{node.name()}' returned nan or inf values in its "
                    f"{i}th output (gradient for input {i}, shape {g._data.shape}).")


def _as_grad_list(outputs, grad_outputs, op):
    if isinstance(outputs, Tensor):
        outputs = (outputs,)
    outputs = tuple(outputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    grad_outputs = tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}: got {len(outputs)} outputs but {len(grad_outputs)} "
                           f"grad_outputs")
    roots, seeds = [], []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: outputs must be Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(f"{op}: element {i} of tensors does not require grad and "
                               f"does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs; got an "
                    f"output of shape {t._data.shape}. Pass gradient= (or grad_outputs=) of "
                    f"that shape.")
            g = _wrap(np.ones_like(t._data))
        else:
            if not isinstance(g, Tensor):
                g = Tensor(g, dtype=t.dtype)
            if g._data.shape != t._data.shape:
                raise RuntimeError(
                    f"{op}: mismatch in shape: grad_output[{i}] has shape {g._data.shape} "
                    f"and output[{i}] has shape {t._data.shape}")
        roots.append(t)
        seeds.append(g)
    return roots, seeds


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the graph's leaves.

    Args:
        tensors: Tensor or sequence of Tensors to differentiate.
        grad_tensors: matching gradients (required for non-scalar outputs).
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: record the backward pass, for higher-order gradients.
        inputs: restrict accumulation to these Tensors.
    """
    roots, seeds = _as_grad_list(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    run_backward(roots, seeds, retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (no ``.grad`` written).

    Args:
        outputs: Tensor or sequence of Tensors.
        inputs: Tensor or sequence of Tensors to differentiate with respect to.
        grad_outputs: vector(s) for the vector-Jacobian product (None for scalars).
        retain_graph: keep the graph (default: ``create_graph``).
        create_graph: make the returned gradients differentiable.
        allow_unused: return None for inputs not reached instead of raising.
        materialize_grads: return zeros instead of None for unused inputs.

    Returns:
        A tuple with one gradient Tensor (or None) per input.
    """
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t._rg:
            raise RuntimeError(f"grad: input {i} does not require grad")
    roots, seeds = _as_grad_list(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    results = run_backward(roots, seeds, retain_graph=retain_graph, create_graph=create_graph,
                           inputs=inputs, accumulate=False)
    out = []
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None:
            if materialize_grads:
                g = _wrap(np.zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(
                    f"grad: one of the differentiated Tensors (input {i}, shape "
                    f"{t._data.shape}) appears to not have been used in the graph. Set "
                    f"allow_unused=True if this is the desired behavior.")
        elif not create_graph and g._rg:
            g = _wrap(g._data)
        out.append(g)
    return tuple(out)

