"""The backward engine: ``backward``, ``grad`` and anomaly detection.

``run_backward`` counts dependencies with an explicit stack and then processes nodes in
Kahn order: linear time, no recursion, each gradient buffer released as soon as it has
been consumed. It runs every backward under ``set_grad_enabled(create_graph)``, so with
``create_graph=False`` the Tensor ops inside backward take the no-graph fast path.
Unbroadcasting happens in one place here (the differentiable ``sum_to``); op authors
return output-shaped gradients.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Literal, cast

import numpy as np

from . import dtypes as _dt
from .grad_mode import _state
from .kernels import _alloc
from .node import _FREED_MSG, Node, _OutputRef, _refresh_view
from .ops.complex import real as _real
from .ops.elementwise import _binary
from .ops.reduce import sum_to as _sum_to
from .tensor import Tensor, _wrap

__all__ = ["backward", "detect_anomaly", "grad", "is_anomaly_enabled", "queue_callback",
           "run_backward", "set_detect_anomaly"]


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

    def __enter__(self) -> detect_anomaly:
        """Turn anomaly detection on (or off, for ``check_nan=False``)."""
        self._prev = _anomaly[0]
        _anomaly[0] = self.check_nan
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        """Restore the previous setting; exceptions propagate."""
        _anomaly[0] = self._prev
        return False


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly detection on or off (also usable as a context manager)."""

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self.__enter__()


# ---------------------------------------------------------------------------
# Post-accumulate-grad hooks and end-of-backward callbacks (DistributedDataParallel)
# ---------------------------------------------------------------------------
# id(leaf) -> hooks; kept here rather than in a Tensor slot so that tensors without such a
# hook (all but DDP's parameters) pay nothing. A finalizer drops the entry with the leaf,
# before its id can be reused.
_post_acc_hooks: dict[int, list[Callable[[Tensor], None]]] = {}
_tasks = threading.local()  # .stack: one callback list per running backward (nesting)


def add_post_accumulate_grad_hook(t: Tensor, hook: Callable[[Tensor], None]) -> list:
    """Register ``hook(t)`` to run once per backward, after every gradient contribution
    of that backward has been accumulated into the leaf ``t``'s ``.grad``; returns the
    hook list (for a removable handle)."""
    hooks = _post_acc_hooks.get(id(t))
    if hooks is None:
        hooks = _post_acc_hooks[id(t)] = []
        weakref.finalize(t, _post_acc_hooks.pop, id(t), None)
    hooks.append(hook)
    return hooks


def queue_callback(callback: Callable[[], None]) -> None:
    """Run ``callback()`` when the backward pass that is running now has finished
    (PyTorch's ``Variable._execution_engine.queue_callback``): after its last node, before
    ``backward()`` returns. Callbacks run in the order queued; one may queue another.

    Raises:
        RuntimeError: when no backward pass is running in this thread.
    """
    stack = getattr(_tasks, "stack", None)
    if not stack:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    stack[-1].append(callback)


def _leaf_done(x, counts, received):
    """One edge into the hooked leaf ``x`` was processed; after its last, run the hooks."""
    entry = counts[id(x)]
    entry[0] -= 1
    entry[1] = entry[1] or received
    if entry[0] == 0 and entry[1]:
        for hook in list(_post_acc_hooks.get(id(x), ())):
            hook(x)


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------
def _edge(t):
    """(node, output_index) a gradient for tensor ``t`` flows to, or None for a leaf."""
    view = t._view
    if view is not None and view[2] != t._vbox[0]:
        _refresh_view(t)  # a view whose base was written since: its current history
    fn = t.grad_fn
    if fn is None:
        return None
    if fn.__class__ is _OutputRef:
        return fn.node, fn.index
    return fn, 0


def _collect_deps(root_nodes, leaf_counts=None):
    """Count, for each node reachable from the roots, the edges pointing into it (and into
    each leaf with post-accumulate hooks, in ``leaf_counts``, when given)."""
    deps = {}
    stack = list(root_nodes)
    seen = set(id(n) for n in root_nodes)
    for n in root_nodes:
        deps.setdefault(n, 0)
    while stack:
        node = stack.pop()
        if node._freed:
            raise RuntimeError(_FREED_MSG.format(name=node.name()))
        for fn in node._edges:  # recorded when the node was made (not x.grad_fn now)
            if fn is None:
                continue
            cls = fn.__class__
            if cls is _OutputRef:
                fn = fn.node
            elif cls is not Node:  # a leaf
                if leaf_counts is not None and id(fn) in _post_acc_hooks:
                    leaf_counts.setdefault(id(fn), [0, False])[0] += 1
                continue
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


def _add_into(buffers, owned, key, prev, g):
    """buffers[key] = prev + g (arrays of one shape and dtype): in place when the engine
    allocated prev's array itself, else into a new array that it then owns."""
    d = prev._data
    if owned.get(key) is d:
        d += g
        return
    # a new array, large ones on recycled memory as the Add op's (a fresh NumPy result faulted
    # in every page: W9's residual sums, 0.63 ms each); a 0-d sum comes back as a scalar
    t = _wrap(_binary(np.add, d, g))
    owned[key] = t._data
    buffers[key] = t


def _add_at_index(buffers, owned, key, node, index, g) -> bool:
    """The input gradient of an op with ``grad_index`` (zeros with ``g`` at ``index`` of
    the input) added straight into the input node's buffer: in place when the engine owns
    it, so slices of one tensor (``split``, ``chunk``, ``x[:, :n]``) never each fill a
    zero tensor and get summed. False (nothing done) when the dtypes differ."""
    x = node._inputs[0]._data
    if g.dtype != x.dtype:
        return False
    prev = buffers.get(key)
    d = None if prev is None else prev._data
    if d is not None and owned.get(key) is not d:
        d = d.copy()
    if d is None:
        d = _alloc.empty(x.shape, x.dtype)  # recycled memory: no page faults
        d.fill(0)
        d[index] = g
    else:
        d[index] += g
    owned[key] = d
    buffers[key] = _wrap(d)
    return True


def _fit_grad(g, x, node):
    """Reduce a gradient to its input's shape (the single unbroadcast site) and dtype."""
    gd, xd = g._data, x._data
    if gd.shape != xd.shape:
        try:
            g = _sum_to(g, xd.shape)
        except ValueError:
            raise RuntimeError(
                f"{node.name()} returned a gradient of shape {gd.shape} for an input of shape "
                f"{xd.shape}; expected a shape that broadcasts to the input's") from None
    if gd.dtype != xd.dtype:
        if gd.dtype.kind == "c" and xd.dtype.kind != "c":
            g = _real(g)  # a real input of a complex op gets the real part (PyTorch's rule)
        g = g.to(xd.dtype)
    return g


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], *, retain_graph: bool,
                 create_graph: bool, inputs: Sequence[Tensor] | None = None,
                 accumulate: bool = True) -> list[Tensor | None] | None:
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
    capture_leaf: dict[int, list[int]] | None
    capture_node: dict[tuple[int, int], list[int]] | None
    results: list[Tensor | None] | None
    fn: Any  # a Node or _OutputRef (told apart by __class__, which mypy does not narrow on)
    g: Any   # a root's seed, then each input gradient (a Tensor, or None, or array-like)
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
    handed: set[int] = set()  # ids of arrays already in some .grad (avoid aliasing two .grad's)
    buffers: dict[Node, Any] = {}
    # per buffer, the array this run allocated for it (no other reference exists while the
    # node waits): later gradients are added into it in place (create_graph=False only)
    owned: dict[Node, np.ndarray] = {}
    root_nodes: list[Node] = []
    root_leaves = []
    for t, g in zip(roots, root_grads):
        handed.add(id(g._data))
        e = _edge(t)
        if e is None:  # a leaf as root: its gradient is the seed itself
            root_leaves.append((t, g))
            continue
        node, idx = e
        _accumulate(buffers, node, idx, node.n_outputs, g)
        if node not in root_nodes:
            root_nodes.append(node)
    # post-accumulate hooks fire once per leaf, after its last incoming edge: count them
    leaf_counts: dict[int, list] | None = {} if _post_acc_hooks and accumulate else None
    deps = _collect_deps(root_nodes, leaf_counts)
    if leaf_counts is not None:
        for t, _ in root_leaves:
            if id(t) in _post_acc_hooks:
                leaf_counts.setdefault(id(t), [0, False])[0] += 1
    stack = getattr(_tasks, "stack", None)
    if stack is None:
        stack = _tasks.stack = []
    callbacks: list[Callable[[], None]] = []
    stack.append(callbacks)
    ready = [n for n in root_nodes if deps[n] == 0]
    anomaly = _anomaly[0]
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        for t, g in root_leaves:
            got = _deliver_leaf(t, g, accumulate, capture_leaf, results, handed, create_graph)
            if leaf_counts:
                if id(t) in leaf_counts:
                    _leaf_done(t, leaf_counts, got)
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            n_out = node.n_outputs
            owned.pop(node, None)  # its buffer goes to backward now: no more in-place adds
            if n_out == 1:
                if node._hooks or node._retain or capture_node:
                    grads = _node_extras(node, [grads], create_graph, handed, capture_node,
                                         results)[0]
                place = getattr(node.op, "grad_index", None)  # Functions have none
                if (place is not None and grads is not None and not create_graph
                        and not anomaly and not node._freed):
                    fn = node._edges[0]
                    index = place(node) if fn.__class__ is Node else None
                    if index is not None and _add_at_index(buffers, owned, fn, node, index,
                                                           grads._data):
                        grads = None  # delivered: the edges below only count down
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
            inputs = node._inputs
            for i, fn in enumerate(node._edges):
                if fn is None:
                    continue
                cls = fn.__class__
                g = in_grads[i] if in_grads is not None and i < len(in_grads) else None
                if g is not None:
                    if not isinstance(g, Tensor):
                        g = Tensor(g)
                    x = inputs[i]
                    gd, xd = g._data, x._data
                    if gd.shape != xd.shape or gd.dtype != xd.dtype:
                        g = _fit_grad(g, x, node)
                    if cls is Node:
                        prev = buffers.get(fn)
                        if prev is None:
                            buffers[fn] = g
                        elif create_graph:
                            buffers[fn] = prev + g
                        else:
                            _add_into(buffers, owned, fn, prev, g._data)
                    elif cls is _OutputRef:
                        _accumulate(buffers, fn.node, fn.index, fn.node.n_outputs, g)
                    else:  # a leaf Tensor
                        got = _deliver_leaf(fn, g, accumulate, capture_leaf, results, handed,
                                            create_graph)
                        if leaf_counts and id(fn) in leaf_counts:
                            _leaf_done(fn, leaf_counts, got)
                        continue
                elif cls is not Node and cls is not _OutputRef:
                    if leaf_counts and id(fn) in leaf_counts:
                        _leaf_done(fn, leaf_counts, False)
                    continue
                if cls is _OutputRef:
                    fn = fn.node
                d = deps[fn] - 1
                deps[fn] = d
                if d == 0:
                    ready.append(fn)
            if not retain_graph:
                node._free()
        # queue_callback: after the last node (a callback may queue another)
        i = 0
        while i < len(callbacks):
            callbacks[i]()
            i += 1
    finally:
        _state.enabled = prev_mode
        stack.pop()
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
    if id(d) in handed or not _alloc.owns_memory(d):  # a view would alias another array
        d = d.copy()
    handed.add(id(d))
    return _wrap(d)


def _deliver_leaf(x, g, accumulate, capture_leaf, results, handed, create_graph):
    """Run ``x``'s hooks on ``g``, then capture it or add it into ``x.grad``; True when
    it was added into ``x.grad``."""
    if x._hooks:
        for hook in x._hooks:
            r = hook(g)
            if r is not None:
                g = r
    if capture_leaf is not None:
        slots = capture_leaf.get(id(x))
        if slots is None:
            return False
        if not accumulate:
            for s in slots:
                results[s] = g if results[s] is None else results[s] + g
            return False
    if not accumulate:
        return False
    if not create_graph:
        if x.grad is None:
            x.grad = _detached(g, handed)
        else:
            x.grad = _wrap(x.grad._data + g._data)
    else:
        x.grad = g if x.grad is None else x.grad + g
    return True


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
            if t._data.dtype.kind == "c":
                raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                   f"outputs but got {_dt.type_name(t._data.dtype)}")
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


def backward(tensors: Tensor | Sequence[Tensor],
             grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
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


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
         retain_graph: bool | None = None, create_graph: bool = False, only_inputs: bool = True,
         allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple[Tensor, ...]:
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
        A tuple with one gradient Tensor (or None, when unused) per input; typed
        ``tuple[Tensor, ...]`` as in PyTorch.
    """
    single = isinstance(inputs, Tensor)
    inputs = cast("tuple[Tensor, ...]", (inputs,) if single else tuple(inputs))
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
    out: list[Any] = []
    for i, (t, g) in enumerate(zip(inputs, cast("list[Tensor | None]", results))):
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
