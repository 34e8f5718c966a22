"""``Optimizer``: the base of every update rule (``torch.optim.Optimizer`` semantics).

An optimizer holds ``param_groups`` (a list of dicts: ``"params"`` plus that group's
hyper-parameters, filled from ``defaults``) and ``state`` (a dict keyed by the
parameter object, holding that parameter's buffers under PyTorch's key names).
Schedulers change ``group["lr"]``; every ``step`` re-reads the group, so changes apply
at once.

Design choices (deviations from PyTorch are deliberate and listed here):

* ``state[p]["step"]`` is a Python ``float`` (PyTorch keeps a 0-d float32 tensor on
  CPU and reads it back with ``.item()`` for the bias corrections, so both give the
  same numbers). ``load_state_dict`` accepts either form.
* ``state_dict()`` returns a *snapshot*: buffers are copied, so the dict does not
  keep changing as training continues (PyTorch returns references). ``load_state_dict``
  copies too, so two optimizers never share buffers.
* ``foreach``, ``fused``, ``capturable`` and ``differentiable`` are accepted (and kept
  in ``param_groups`` so state dicts line up with PyTorch's) but have no effect: every
  optimizer runs one fused Numba pass per parameter (``autograd/kernels/optim.py``).
  ``differentiable=True`` raises ``NotImplementedError``.
* A learning rate given as a one-element Tensor is converted to a float.
* Scalar state that PyTorch keeps as 0-d float32 tensors (NAdam's ``mu_product``,
  ASGD's ``eta``/``mu``) is kept as a Python float holding the same float32-rounded
  value, so the trajectories agree; a loaded 0-d tensor is read back as a float.
* Step hooks (``register_step_pre_hook``/``register_step_post_hook``, and the global
  ``register_optimizer_step_pre_hook``/``..._post_hook``) and the ``state_dict``/
  ``load_state_dict`` pre/post hooks behave as PyTorch's; every subclass's ``step`` is
  wrapped once (``__init_subclass__``) so the hooks run around it.
"""
from __future__ import annotations

import copy
import functools
import itertools
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, _inplace

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Marker for a hyper-parameter that every param group must specify."""

    def __repr__(self) -> str:
        return "<required parameter>"


#: Default value meaning "each param group must give this hyper-parameter".
required = _RequiredParameter()

_EMPTY: dict = {}
_NO_HOOKS: dict = {}


def _empty(dtype) -> np.ndarray:
    """A cached empty 1-D array of ``dtype`` for kernel arguments that are unused."""
    arr = _EMPTY.get(dtype)
    if arr is None:
        arr = _EMPTY[dtype] = np.empty(0, dtype=dtype)
    return arr


def _as_float(value, name: str):
    """Hyper-parameters given as one-element tensors/arrays become Python numbers."""
    if isinstance(value, (Tensor, np.ndarray)):
        arr = _inplace.array(value) if isinstance(value, Tensor) else value
        if np.size(arr) != 1:
            raise ValueError(f"Tensor {name} must be 1-element")
        return float(arr)
    return value


def _check_nonnegative(hparams: dict, *keys: str) -> None:
    """Raise ``ValueError("Invalid <key> value: ...")`` (``epsilon`` for ``eps``) for the
    first of ``keys`` whose value is not >= 0 (NaN included), in the order given."""
    for key in keys:
        if not 0.0 <= hparams[key]:
            name = "epsilon" if key == "eps" else key
            raise ValueError(f"Invalid {name} value: {hparams[key]}")


def _scalar(value) -> float:
    """A scalar state value (Python number, 0-d Tensor/array, or a torch tensor) as a
    Python float."""
    if isinstance(value, Tensor):
        return float(_inplace.array(value))
    return float(np.asarray(value)) if hasattr(value, "__array__") else float(value)


def _round32(value: float) -> float:
    """``value`` rounded to float32 (PyTorch's 0-d float32 scalar state), as a float."""
    return float(np.float32(value))


def _lerp_(m: np.ndarray, g: np.ndarray, weight: float) -> None:
    """``m.lerp_(g, weight)`` in place with PyTorch's two-sided formula."""
    w = m.dtype.type(weight)
    if abs(w) < 0.5:
        m += w * (g - m)
    else:
        np.subtract(g, (g - m) * (m.dtype.type(1) - w), out=m)


class _RemovableHandle:
    """Handle returned by the hook registrations: ``remove()`` unregisters the hook."""

    _next_id = itertools.count()

    def __init__(self, *hook_dicts: dict) -> None:
        self._dicts = hook_dicts
        self.id = next(_RemovableHandle._next_id)

    def remove(self) -> None:
        """Unregister the hook (idempotent)."""
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self) -> _RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


_global_step_pre_hooks: OrderedDict = OrderedDict()
_global_step_post_hooks: OrderedDict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> _RemovableHandle:
    """Register ``hook(optimizer, args, kwargs)`` to run before every optimizer's step;
    it may return ``(new_args, new_kwargs)``. Returns a handle with ``remove()``."""
    handle = _RemovableHandle(_global_step_pre_hooks)
    _global_step_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable) -> _RemovableHandle:
    """Register ``hook(optimizer, args, kwargs)`` to run after every optimizer's step."""
    handle = _RemovableHandle(_global_step_post_hooks)
    _global_step_post_hooks[handle.id] = hook
    return handle


def _with_step_hooks(func: Callable) -> Callable:
    """Wrap an optimizer's ``step`` so the global and per-instance hooks run around it."""
    if getattr(func, "_numbagrad_step_hooked", False):
        return func

    @functools.wraps(func)
    def step(self, *args, **kwargs):
        pre = chain(_global_step_pre_hooks.values(),
                    getattr(self, "_optimizer_step_pre_hooks", _NO_HOOKS).values())
        for hook in list(pre):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError("an optimizer step pre-hook must return None or a "
                                       f"tuple of (new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        out = func(self, *args, **kwargs)
        post = chain(getattr(self, "_optimizer_step_post_hooks", _NO_HOOKS).values(),
                     _global_step_post_hooks.values())
        for hook in list(post):
            hook(self, args, kwargs)
        return out

    step._numbagrad_step_hooked = True
    return step


def _as_real(flat: np.ndarray) -> np.ndarray:
    """A flat complex array as the flat real array of its (re, im) pairs (a view): the
    update rules then treat a complex parameter as PyTorch's optimizers do (through
    ``view_as_real``); real arrays are returned as they are."""
    return flat.view(flat.real.dtype) if flat.dtype.kind == "c" else flat


def _state_buffer(state: dict, key: str, param: Tensor, fill: float = 0.0) -> Tensor:
    """State buffer ``key`` of ``param``: created (zeros, or ``fill``) when absent, recast
    to the parameter's dtype and C-contiguous shape when a loaded one differs."""
    like = _inplace.array(param)
    t = state.get(key)
    if t is None:
        if fill and like.dtype.kind == "c":  # both parts, as PyTorch fills complex state
            fill = complex(fill, fill)
        arr = np.full(like.shape, fill, dtype=like.dtype) if fill else \
            np.zeros(like.shape, dtype=like.dtype)
        t = state[key] = Tensor(arr)
        return t
    arr = _inplace.array(t)
    if arr.dtype != like.dtype or not arr.flags.c_contiguous or arr.shape != like.shape:
        if arr.size != like.size:
            raise RuntimeError(f"optimizer state {key!r} has shape {arr.shape} but its "
                               f"parameter has shape {like.shape}")
        _inplace.set_storage(t, np.array(arr, dtype=like.dtype, order="C").reshape(like.shape))
    return t


class _ParamUpdate:
    """One parameter's step, as ``Optimizer._updates`` yields it.

    ``param`` and ``grad`` are the flat arrays a fused kernel reads and writes (``param``
    is the parameter's own storage, or a staged contiguous copy that is written back);
    ``buffer(key)`` gives a state buffer's flat array. The parameter and every buffer
    taken are write scopes (``autograd._inplace.writing``): each version is bumped once
    when the step ends.
    """

    __slots__ = ("tensor", "param", "grad", "_states", "_state", "_scope")

    def __init__(self, tensor: Tensor, param: np.ndarray, grad: np.ndarray, states: dict,
                 scope: _inplace.writing) -> None:
        self.tensor, self.param, self.grad = tensor, param, grad
        self._states, self._scope = states, scope
        self._state: dict | None = None

    @property
    def state(self) -> dict:
        """``optimizer.state[tensor]`` (created on first access)."""
        state = self._state
        if state is None:
            state = self._state = self._states[self.tensor]
        return state

    def buffer(self, key: str, fill: float = 0.0) -> np.ndarray:
        """The flat array of state buffer ``key``, created (zeros or ``fill``) if absent,
        open for writing until the step ends."""
        t = _state_buffer(self.state, key, self.tensor, fill)
        return _as_real(self._scope.open(t).reshape(-1))

    def count_step(self) -> float:
        """Advance ``state["step"]`` by one (as a float) and return it."""
        state = self.state
        state["step"] = step = float(state["step"]) + 1.0
        return step


class Optimizer:
    """Base class for all optimizers.

    Args:
        params: an iterable of Tensors (``model.parameters()``), of ``(name, Tensor)``
            pairs (``model.named_parameters()``), or of dicts, each a param group with
            a ``"params"`` entry and optional per-group hyper-parameters.
        defaults: hyper-parameter defaults used by groups that do not set them.

    Raises:
        TypeError: ``params`` is a single Tensor, or holds something other than Tensors.
        ValueError: the parameter list is empty, a parameter is not a leaf, or a
            parameter appears in more than one group.

    Subclasses implement ``_update_group(group)`` (called under ``no_grad`` by
    ``step``), usually as one loop over ``self._updates(group)`` calling a fused kernel,
    and may override ``_validate(hparams)`` to reject bad hyper-parameters.
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def _init_hooks(self) -> None:
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self._init_hooks()
        self.defaults = dict(defaults)
        if self.defaults.get("differentiable"):
            raise NotImplementedError(
                f"{type(self).__name__}: differentiable=True is not supported by numbagrad "
                "(updates run as fused in-place kernels outside the graph)")
        if "lr" in self.defaults:
            self.defaults["lr"] = _as_float(self.defaults["lr"], "lr")
        self._validate(self.defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors "
                f"or dicts, but got {type(params).__name__}")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def _validate(self, hparams: dict) -> None:
        """Raise ``ValueError`` for invalid hyper-parameters (subclasses extend this)."""
        lr = hparams.get("lr", 0.0)
        if lr is not required and not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")

    def add_param_group(self, param_group: dict) -> None:
        """Add a param group to ``param_groups`` (e.g. to unfreeze layers mid-training).

        Args:
            param_group: dict with ``"params"`` (a Tensor or an iterable of Tensors or
                ``(name, Tensor)`` pairs) and optional hyper-parameters; missing ones
                are taken from ``defaults``.

        Raises:
            TypeError, ValueError: as for the constructor; also a missing required
                hyper-parameter or an invalid value.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        param_group = dict(param_group)
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list "
                "instead.")
        else:
            params = list(params)
        names, tensors = [], []
        for item in params:
            if isinstance(item, tuple):
                names.append(item[0])
                tensors.append(item[1])
            else:
                tensors.append(item)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params "
                                f"is {type(p).__module__}.{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf Tensor (shape {tuple(p.shape)}, produced "
                    f"by {type(p.grad_fn).__name__}); optimize the leaf it was computed "
                    "from, or pass .detach().requires_grad_()")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if "lr" in param_group:
            param_group["lr"] = _as_float(param_group["lr"], "lr")
        self._validate(param_group)
        if len(tensors) != len(set(tensors)):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        if not seen.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
        self._init_group_state(param_group)

    def _init_group_state(self, group: dict) -> None:
        """Hook for optimizers that create state eagerly (Adagrad)."""

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters.

        Args:
            set_to_none: set ``.grad`` to None (the default, cheaper, and what lets
                ``step`` skip parameters that got no gradient) instead of zeroing it.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g = p.grad = g.detach()
                    else:
                        g.requires_grad_(False)
                    _inplace.copy_into(g, 0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step over every parameter that has a gradient.

        Args:
            closure: optional callable that re-evaluates the model and returns the loss
                (run with gradients enabled, before the update).

        Returns:
            The closure's return value, or None.
        """
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        with autograd.no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    step = _with_step_hooks(step)

    def _update_group(self, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement step")

    # Helpers shared by the update rules ------------------------------------
    def _grad(self, p: Tensor) -> np.ndarray:
        """``p``'s gradient as a flat contiguous array of ``p``'s dtype (checked)."""
        a = _inplace.array(p)
        g = _inplace.array(p.grad) if isinstance(p.grad, Tensor) else np.asarray(p.grad)
        if a.dtype.kind not in "fc":
            raise TypeError(f"{type(self).__name__}.step: parameters must be floating point "
                            f"or complex, got dtype {a.dtype} (shape {a.shape})")
        if g.shape != a.shape:
            raise RuntimeError(f"{type(self).__name__}.step: gradient of shape {g.shape} does "
                               f"not match its parameter of shape {a.shape}")
        if g.dtype != a.dtype:
            g = g.astype(a.dtype)
        return _as_real(np.ascontiguousarray(g).reshape(-1))

    def _updates(self, group: dict, counted: bool = False) -> Iterator[_ParamUpdate]:
        """Yield a ``_ParamUpdate`` for each parameter of ``group`` that has a gradient.

        The per-parameter setup every update rule shares: the checked flat gradient, the
        parameter's flat array (a strided or read-only one is staged in a contiguous copy
        and copied back after the step), one write scope per parameter that its buffers join,
        and,
        when ``counted``, ``state["step"] = 0.0`` for a parameter without state (advance
        it with ``count_step``).
        """
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._grad(p)
            scope = _inplace.writing(p)
            with scope as a:
                staged = not (a.flags.c_contiguous and a.flags.writeable)
                flat = np.array(a, order="C", copy=True).reshape(-1) if staged else a.reshape(-1)
                work = _as_real(flat)
                if counted:
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0.0
                yield _ParamUpdate(p, work, g, self.state, scope)
                if staged:
                    np.copyto(a, flat.reshape(a.shape))

    # ------------------------------------------------------------------ hooks
    def _register(self, hooks: OrderedDict, hook: Callable, prepend: bool = False):
        handle = _RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook: Callable) -> _RemovableHandle:
        """Run ``hook(optimizer, args, kwargs)`` before each ``step``; returning
        ``(new_args, new_kwargs)`` replaces the step's arguments.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return self._register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _RemovableHandle:
        """Run ``hook(optimizer, args, kwargs)`` after each ``step``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return self._register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable,
                                     prepend: bool = False) -> _RemovableHandle:
        """Run ``hook(optimizer)`` before ``state_dict`` builds its dict."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable,
                                      prepend: bool = False) -> _RemovableHandle:
        """Run ``hook(optimizer, state_dict)`` on the finished dict; a non-None return
        value replaces it."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable,
                                          prepend: bool = False) -> _RemovableHandle:
        """Run ``hook(optimizer, state_dict)`` before loading; a non-None return value is
        loaded instead."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable,
                                           prepend: bool = False) -> _RemovableHandle:
        """Run ``hook(optimizer)`` after ``load_state_dict``."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> dict:
        """Return the optimizer's state as a dict (a snapshot; buffers are copied).

        Returns:
            ``{"state": {index: {key: Tensor or number}}, "param_groups": [group with
            "params" as integer indices]}``; indices count parameters across groups in
            order, as in PyTorch.
        """
        for hook in list(getattr(self, "_optimizer_state_dict_pre_hooks", _NO_HOOKS).values()):
            hook(self)
        mapping: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {}
        for k, v in self.state.items():
            key = mapping[id(k)] if isinstance(k, Tensor) else k
            state[key] = {n: _snapshot(x) for n, x in v.items()} if isinstance(v, dict) else \
                _snapshot(v)
        out = {"state": state, "param_groups": groups}
        for hook in list(getattr(self, "_optimizer_state_dict_post_hooks", _NO_HOOKS).values()):
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        """Load state produced by ``state_dict()`` (ours, or PyTorch's in the same layout).

        Buffers are copied and cast to each parameter's dtype; ``step`` becomes a float.

        Args:
            state_dict: the dict to load.

        Raises:
            ValueError: the number of groups or of parameters per group differs.
        """
        for hook in list(getattr(self, "_optimizer_load_state_dict_pre_hooks",
                                 _NO_HOOKS).values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)} vs {len(groups)} in this optimizer)")
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the "
                    f"size of optimizer's group (group {i}: {len(s['params'])} saved, "
                    f"{len(g['params'])} here)")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {n: _cast(param, x, n) for n, x in v.items()}
            else:
                state[k] = copy.deepcopy(v)
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            for name, default in self.defaults.items():
                s.setdefault(name, default)
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups
        self._after_load()
        for hook in list(getattr(self, "_optimizer_load_state_dict_post_hooks",
                                 _NO_HOOKS).values()):
            hook(self)

    def _after_load(self) -> None:
        """Hook run after ``load_state_dict`` (AdamW re-asserts decoupled decay)."""

    # ------------------------------------------------------------------ misc
    def __getstate__(self) -> dict:
        """Pickle ``defaults``, ``state`` and ``param_groups`` only."""
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        """Restore from ``__getstate__``'s dict (hooks are not pickled)."""
        self._init_hooks()
        self.__dict__.update(state)

    def __repr__(self) -> str:
        """The class name and every param group's hyper-parameters."""
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _snapshot(value):
    """A copy of one state value for ``state_dict`` (Tensors and arrays copied)."""
    if isinstance(value, Tensor):
        return Tensor(_inplace.array(value).copy())
    if isinstance(value, np.ndarray):
        return value.copy()
    return copy.deepcopy(value)


def _cast(param, value, key):
    """Copy one loaded state value: buffers to ``param``'s dtype, ``step`` to a float."""
    if key == "step":
        if isinstance(value, Tensor):
            return float(_inplace.array(value))
        return float(value) if value is not None else value
    if isinstance(value, Tensor):
        arr = _inplace.array(value)
    elif isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        arr = np.asarray(value)  # also takes a torch.Tensor from a PyTorch state dict
    else:
        return copy.deepcopy(value)
    dtype = _inplace.array(param).dtype if arr.dtype.kind == "f" else arr.dtype
    return Tensor(np.array(arr, dtype=dtype, order="C", copy=True))
