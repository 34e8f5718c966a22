"""``Function``: user-defined differentiable operations with PyTorch's API.

``forward`` receives Tensors and runs under no-grad; ``ctx.save_for_backward`` /
``ctx.saved_tensors`` / ``ctx.needs_input_grad`` behave as in PyTorch (the ctx is the
graph's :class:`~autograd.node.Node`). ``once_differentiable`` marks a backward that can
only be computed on arrays.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

from .grad_mode import _state
from .node import Node, Op, _OutputRef
from .tensor import Tensor, _wrap

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

FunctionCtx = Node
"""The ``ctx`` a Function's ``forward``/``backward`` receive (the graph node)."""


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
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        """The output(s), a Tensor or a tuple, computed from the inputs under no-grad."""
        raise NotImplementedError("Function subclasses must implement forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:  # pragma: no cover - abstract
        """One gradient per input of ``forward`` (None where not needed), from one gradient
        per output."""
        raise NotImplementedError("Function subclasses must implement backward(ctx, ...)")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:  # pragma: no cover
        """Optional: save what backward needs; then ``forward`` does not take ``ctx``."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
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
        non_diff: set[int] = getattr(node, "_non_diff", set())
        in_ids = {id(a) for a in args if isinstance(a, Tensor)}
        new_outs: list[Any] = []
        vboxes: list[Any] = []
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
            packed: list[Any] = []
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
        # None when output 0 is not a Tensor (then nothing reads ctx.output)
        node._out = new_outs[0]._data if isinstance(new_outs[0], Tensor) else None  # type: ignore[assignment]
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


def once_differentiable(backward_fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for a ``backward`` that can only be computed on arrays.

    The wrapped backward runs under no-grad. Under ``create_graph=True`` its results
    are connected to a node whose own backward raises a clear error, so first-order
    use works and only an actual second derivative fails (PyTorch's behaviour).
    """

    @functools.wraps(backward_fn)
    def wrapper(ctx: Any, *grads: Any) -> Any:
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
    def forward(ctx: Any, value: np.ndarray, *sources: Any, name: str) -> np.ndarray:
        """``value`` unchanged, connected to ``sources`` (the gradients it was computed from)."""
        ctx.op_name = name
        return value

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> NoReturn:
        """Raises: a once-differentiable backward cannot be differentiated again."""
        raise RuntimeError(
            f"{ctx.op_name}'s backward is marked once_differentiable: it cannot be "
            f"differentiated again (double backward / create_graph=True through it is "
            f"not supported).")
