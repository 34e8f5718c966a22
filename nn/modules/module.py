"""``Module``: the base class of every layer.

State is registered, not listed: ``__setattr__`` routes a ``Parameter`` into
``_parameters``, a ``Module`` into ``_modules`` and a value assigned to a registered
buffer name into ``_buffers`` (PyTorch's rules), so ``named_parameters()`` and
``state_dict()`` keys and order match PyTorch's for the same architecture.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, _inplace

from ..parameter import Parameter
from ..utils.summary import summary as _summary

__all__ = ["Module", "RemovableHandle"]

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class RemovableHandle:
    """Returned by ``register_forward_hook`` and friends; ``remove()`` unregisters.

    Also a context manager: the hook is removed on exit.
    """

    _next_id = itertools.count()

    def __init__(self, hooks_dict: dict) -> None:
        self.hooks_dict = hooks_dict
        self.id = next(RemovableHandle._next_id)

    def remove(self) -> None:
        """Unregister the hook (a no-op when already removed)."""
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _BackwardHookInputs(autograd.Function):
    """Identity on the hooked inputs; its backward receives the gradients with respect
    to them and runs the module's full backward hooks."""

    @staticmethod
    def forward(ctx, module, state, *tensors):
        ctx.module, ctx.state = module, state
        return tuple(t.clone() for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        positions = state["positions"]
        grad_input = [None] * state["n_inputs"]
        for pos, g in zip(positions, grads):
            grad_input[pos] = g
        grad_input = _run_backward_hooks(ctx.module, tuple(grad_input), state["grad_output"])
        return (None, None) + tuple(grad_input[pos] for pos in positions)


class _BackwardHookOutputs(autograd.Function):
    """Identity on the module's outputs; its backward records ``grad_output`` and runs
    the backward pre-hooks (and the full backward hooks when no input needs grad)."""

    @staticmethod
    def forward(ctx, module, state, *tensors):
        ctx.module, ctx.state = module, state
        return tuple(t.clone() for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        module, state = ctx.module, ctx.state
        for hook in list(module._backward_pre_hooks.values()):
            result = hook(module, grads)
            if result is not None:
                grads = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        state["grad_output"] = grads
        if not state["inputs_hooked"]:
            _run_backward_hooks(module, (None,) * state["n_inputs"], grads)
        return (None, None) + tuple(grads)


def _run_backward_hooks(module, grad_input, grad_output):
    for hook in list(module.__dict__.get("_backward_hooks", {}).values()):
        result = hook(module, grad_input, grad_output)
        if result is not None:
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(grad_input):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(result)}, but expected {len(grad_input)}")
            grad_input = result
    return grad_input


def _hook_inputs(module, state, args):
    tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    state["n_inputs"] = len(tensor_pos)
    hooked = [k for k, i in enumerate(tensor_pos) if args[i].requires_grad]
    state["positions"] = hooked
    if not hooked:
        return args
    state["inputs_hooked"] = True
    new = _BackwardHookInputs.apply(module, state, *(args[tensor_pos[k]] for k in hooked))
    args = list(args)
    for k, t in zip(hooked, new):
        args[tensor_pos[k]] = t
    return tuple(args)


def _hook_outputs(module, state, out):
    if isinstance(out, Tensor):
        if not out.requires_grad:
            return out
        return _BackwardHookOutputs.apply(module, state, out)[0]
    if isinstance(out, (tuple, list)):
        pos = [i for i, o in enumerate(out) if isinstance(o, Tensor) and o.requires_grad]
        if not pos:
            return out
        new = _BackwardHookOutputs.apply(module, state, *(out[i] for i in pos))
        items = list(out)
        for i, t in zip(pos, new):
            items[i] = t
        return type(out)(items) if isinstance(out, list) else tuple(items)
    return out


def _addindent(s: str, num_spaces: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(" " * num_spaces + line for line in lines)


class Module:
    """Base class for all neural-network modules (PyTorch's ``nn.Module``).

    Subclasses call ``super().__init__()`` first, assign Parameters / Modules as
    attributes and implement ``forward``. Call the module (``m(x)``), not ``forward``,
    so hooks run.
    """

    training: bool
    _version = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Create the empty parameter, buffer, module and hook stores (no arguments)."""
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments "
                            f"{args} {kwargs}")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()
        d["_backward_pre_hooks"] = OrderedDict()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Define the computation; every subclass overrides this."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------- calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` between the forward pre-hooks and the forward hooks (and, with
        full backward hooks registered, wire them into the graph around it)."""
        d = self.__dict__
        backward_hooks = d.get("_backward_hooks") or d.get("_backward_pre_hooks")
        if not (self._forward_pre_hooks or self._forward_hooks or backward_hooks):
            return self.forward(*args, **kwargs)  # hot path: no hook machinery
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        state = None
        if backward_hooks and autograd.is_grad_enabled():
            state = {"grad_output": None, "n_inputs": 0, "inputs_hooked": False}
            args = _hook_inputs(self, state, args)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        if state is not None:
            out = _hook_outputs(self, state, out)
        return out

    def register_full_backward_hook(self, hook: Callable[[Module, tuple, tuple], Any],
                                    prepend: bool = False) -> RemovableHandle:
        """Register ``hook(module, grad_input, grad_output) -> None | new_grad_input``,
        called when the gradients with respect to the module's inputs are computed.

        ``grad_input`` has one entry per positional Tensor argument (None for those that
        do not require grad, and all None when none does: then the hook runs as soon as
        ``grad_output`` is known); ``grad_output`` one per Tensor output (a Tensor output
        or a tuple/list of them). Limits: keyword arguments are not hooked; an unused
        output's gradient is zeros (PyTorch: None); the hook sees the gradients of one
        call of the module (a module called twice runs it twice).

        Returns:
            A ``RemovableHandle``.
        """
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook: Callable[[Module, tuple], Any],
                                        prepend: bool = False) -> RemovableHandle:
        """Register ``hook(module, grad_output) -> None | new_grad_output``, called when
        the gradients with respect to the module's outputs are known, before the
        gradients of its inputs are computed.

        Returns:
            A ``RemovableHandle``.
        """
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple], Any], *,
                                  prepend: bool = False) -> RemovableHandle:
        """Register ``hook(module, args) -> None | new_args`` run before ``forward``.

        Returns:
            A ``RemovableHandle``.
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], Any], *,
                              prepend: bool = False) -> RemovableHandle:
        """Register ``hook(module, args, output) -> None | new_output`` run after ``forward``.

        Returns:
            A ``RemovableHandle``.
        """
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    # ------------------------------------------------------- registration
    def _check_init(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a ``Parameter`` or None) under ``name``."""
        self._check_init("parameter")
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model "
                             f"parameters must be created explicitly.")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a non-learnable Tensor (or None) saved in ``state_dict`` when persistent."""
        self._check_init("buffer")
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a child module (or None) under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    @staticmethod
    def _check_name(name, what: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{what} name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{what} name can\'t be empty string ""')

    def __setattr__(self, name: str, value: Any) -> None:
        """Route Parameters, Modules and values of registered buffers into their stores."""
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._check_init("parameters")
            d.pop(name, None)
            self._buffers.pop(name, None)
            self._modules.pop(name, None)
            self._non_persistent_buffers_set.discard(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter "
                                f"'{name}' (nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._check_init("module")
            d.pop(name, None)
            params.pop(name, None)
            self._buffers.pop(name, None)
            self._non_persistent_buffers_set.discard(name)
            self._modules[name] = value
        elif params is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (nn.Module or None expected)")
            d["_modules"][name] = None
        elif params is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """Look ``name`` up among the parameters, buffers and child modules."""
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                return s[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        """Unregister a parameter, buffer or child module, or delete a plain attribute."""
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        """Attributes plus the names of parameters, buffers and child modules."""
        keys = list(object.__dir__(self))
        keys += list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    # ----------------------------------------------------------- traversal
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (module_prefix + ("." if module_prefix else "") + k, v)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, Parameter)`` in registration order, depth first."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every Parameter (shared ones once)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted_name, buffer)``."""
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield every buffer."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for direct children."""
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        """Yield direct children."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted_name, module)`` for self (name ``prefix``) and all descendants."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from m.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield self and all descendants."""
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> Module:
        """The descendant at dotted path ``target`` (``''`` is self)."""
        mod = self
        if target == "":
            return mod
        for item in target.split("."):
            if item not in mod._modules or mod._modules[item] is None:
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The Parameter at dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{mod._get_name()} has no parameter `{name}`")
        return mod._parameters[name]

    # --------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode on self and all descendants; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """``train(False)``: dropout off, batch norm uses running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad`` (to None by default, or to zeros)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:
                    p.grad = p.grad.detach()
                _inplace.set_storage(p.grad, np.zeros_like(_inplace.array(p.grad)))

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(module)`` on every descendant (children first) and self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to_empty(self, *, device: Any = None, recurse: bool = True) -> Module:
        """Give every parameter and buffer new uninitialised storage of the same shape and
        dtype (PyTorch's ``to_empty``; only ``device='cpu'`` or None). Returns self."""
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"Module.to_empty: numbagrad runs on the CPU only, got device "
                               f"{device!r}")
        for m in (self.modules() if recurse else (self,)):
            for store in (m._parameters, m._buffers):
                for t in store.values():
                    if t is not None:
                        _inplace.set_storage(t, np.empty_like(_inplace.array(t)))
        return self

    # ---------------------------------------------------------- dtype moves
    def _apply_to_floats(self, cast: Callable[[np.ndarray], np.ndarray]) -> Module:
        # Parameters keep their identity (optimizers hold them): swap the array inside.
        for m in self.modules():
            for store in (m._parameters, m._buffers):
                for t in store.values():
                    if t is None:
                        continue
                    old = _inplace.array(t)
                    if old.dtype.kind not in "fc":
                        continue
                    new = cast(old)
                    if new is not old:
                        _inplace.set_storage(t, new)
                    if t.grad is not None and _inplace.array(t.grad).dtype != new.dtype:
                        _inplace.set_storage(t.grad, cast(_inplace.array(t.grad)))
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Cast floating-point parameters and buffers: ``to(dtype)``, ``to(tensor)``,
        ``to('cpu')`` (devices other than cpu are rejected). Integer buffers are kept."""
        dtype = kwargs.get("dtype")
        device = kwargs.get("device")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, autograd.device)):
                device = a
            elif a is not None:
                dtype = a
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"Module.to: numbagrad runs on the CPU only, got device "
                               f"{device!r}")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, "
                            f"but got desired dtype={dtype}")
        return self._apply_to_floats(lambda a: a if a.dtype == dtype else a.astype(dtype))

    def float(self) -> Module:
        """Cast floating-point parameters and buffers to float32."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to float64."""
        return self.to(np.float64)

    def half(self) -> Module:
        """Cast floating-point parameters and buffers to float16."""
        return self.to(np.float16)

    def type(self, dst_type: Any) -> Module:
        """Cast floating-point parameters and buffers to ``dst_type``."""
        return self.to(dst_type)

    def cpu(self) -> Module:
        """No-op (everything lives on the CPU); returns self."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Always raises ``RuntimeError``: numbagrad has no CUDA device."""
        raise RuntimeError("numbagrad runs on the CPU only; there is no CUDA device")

    # ---------------------------------------------------------- state dict
    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args: Any, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Tensor]:
        """An ``OrderedDict`` of parameters then persistent buffers, per module, depth first.

        Values are detached Tensors sharing storage with the module's (``keep_vars=True``
        gives the Parameters themselves). Keys match PyTorch's for the same architecture.
        """
        if args:  # PyTorch's deprecated positional form (destination, prefix, keep_vars)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict, prefix, missing, errors) -> None:
        local = [(n, p) for n, p in self._parameters.items() if p is not None]
        local += [(n, b) for n, b in self._buffers.items()
                  if b is not None and n not in self._non_persistent_buffers_set]
        for name, target in local:
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, (Tensor, np.ndarray)) and not np.isscalar(value):
                errors.append(f'While copying the parameter named "{key}", expected '
                              f'Tensor or array-like from checkpoint but received '
                              f'{type(value).__name__}')
                continue
            arr = _inplace.array(value) if isinstance(value, Tensor) else np.asarray(value)
            shape = _inplace.array(target).shape
            if arr.shape != shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{autograd.Size(arr.shape)} from checkpoint, the shape in "
                              f"current model is {autograd.Size(shape)}.")
                continue
            _inplace.copy_into(target, arr)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> tuple[list[str], list[str]]:
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        Args:
            state_dict: mapping from dotted names to Tensors (NumPy arrays accepted too).
            strict: raise when keys are missing or unexpected.
            assign: accepted for compatibility; values are always copied in place.

        Returns:
            ``(missing_keys, unexpected_keys)`` (a namedtuple).

        Raises:
            RuntimeError: listing missing/unexpected keys (when strict) and every shape
                mismatch (always), PyTorch's message format.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, errors = [], []
        expected = set()
        for prefix, m in self.named_modules():
            p = prefix + "." if prefix else ""
            m._load_from_state_dict(state_dict, p, missing, errors)
            expected.update(p + n for n, v in m._parameters.items() if v is not None)
            expected.update(p + n for n, v in m._buffers.items()
                            if v is not None and n not in m._non_persistent_buffers_set)
        unexpected = [k for k in state_dict.keys() if k not in expected]
        msgs = []
        if strict:  # PyTorch's order: missing, then unexpected, then size mismatches
            if missing:
                msgs.append("Missing key(s) in state_dict: " +
                            ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                msgs.append("Unexpected key(s) in state_dict: " +
                            ", ".join(f'"{k}"' for k in unexpected) + ". ")
        msgs += errors
        if msgs:
            raise RuntimeError(f"Error(s) in loading state_dict for {self._get_name()}:\n\t" +
                               "\n\t".join(msgs))
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------- printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """Layer-specific text inside the parentheses of ``repr``; override in layers."""
        return ""

    def __repr__(self) -> str:
        """PyTorch's nested layout: ``Name(extra_repr)`` with one ``(child): ...`` line each."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(m), 2) for key, m in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def summary(self, input_shape: Any, dtype: Any = None,
                print_fn: Callable[[str], Any] | None = print) -> str:
        """Keras-style table of layers, output shapes and parameter counts: see
        ``nn.utils.summary.summary`` (this method calls it with ``self``)."""
        return _summary(self, input_shape, dtype, print_fn)
