"""Automatic mixed precision, spelled as ``torch.amp``: ``autocast`` and ``GradScaler``,
so that mixed-precision training scripts run unchanged, in full precision.

``autocast`` is a context manager (and decorator) that changes no dtype here: every op
runs in the dtype of its inputs (float32 by default). PyTorch's CPU autocast would run
matmuls and convolutions in bfloat16; ours keeps them exact, so results agree with a
PyTorch run *without* autocast. It validates its arguments as PyTorch does, and reports
itself through :func:`is_autocast_enabled` inside the block.

``GradScaler`` always behaves as PyTorch's disabled scaler (``enabled=False``): gradients
in float32 do not underflow, so loss scaling would change nothing. ``scale(loss)`` returns
the loss, ``step(optimizer)`` calls ``optimizer.step()``, ``unscale_`` and ``update`` do
nothing, ``get_scale()`` is 1.0. A training loop therefore gives the same parameters as
PyTorch's (whose real CPU scaler only differs when it skips a step for inf/NaN gradients).
"""
from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from . import dtypes as _dt

__all__ = ["autocast", "GradScaler", "is_autocast_available", "is_autocast_enabled",
           "get_autocast_dtype", "custom_fwd", "custom_bwd"]

_F = TypeVar("_F", bound=Callable[..., Any])

_DEFAULT_DTYPE = {"cpu": _dt.bfloat16, "cuda": _dt.float16, "mps": _dt.float16}
_local = threading.local()


def _enabled_stack() -> dict[str, list[bool]]:
    stack: dict[str, list[bool]] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = {}
    return stack


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can be enabled for ``device_type``: only ``'cpu'`` here."""
    return _dt.device(device_type).type == "cpu"


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether an enabled ``autocast`` block for ``device_type`` is active in this thread
    (PyTorch's default asks about CUDA, which is never enabled here)."""
    stack = _enabled_stack().get(_dt.device(device_type).type)
    return bool(stack and stack[-1])


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype autocast would use by default for ``device_type`` (bfloat16 for the CPU,
    float16 for CUDA), as PyTorch; nothing here is computed in it."""
    return _DEFAULT_DTYPE.get(_dt.device(device_type).type, _dt.float16)


class autocast:
    """``with autocast('cpu', dtype=torch.bfloat16):`` as in PyTorch, in full precision.

    Args:
        device_type: ``'cpu'``, ``'cuda'``, ... (any PyTorch device type; others raise
            RuntimeError).
        dtype: the low-precision dtype PyTorch would use (default bfloat16 on the CPU,
            float16 on CUDA). Recorded as ``fast_dtype``; no op changes dtype here.
        enabled: False makes the block a plain no-op.
        cache_enabled: accepted and ignored.

    As PyTorch without CUDA, a ``'cuda'`` autocast warns and disables itself, and a CPU
    autocast with a dtype other than bfloat16/float16 warns and disables itself. Usable as a
    decorator too.
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = _dt.device(device_type).type
        self.fast_dtype = get_autocast_dtype(self.device) if dtype is None else dtype
        self._cache_enabled = cache_enabled
        enabled = bool(enabled)
        if enabled and self.device != "cpu":
            warnings.warn(f"{self.device.upper() if self.device == 'cuda' else self.device} "
                          f"is not available. Disabling autocast.", UserWarning, stacklevel=2)
            enabled = False
        elif enabled and self.fast_dtype not in (_dt.bfloat16, _dt.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", UserWarning, stacklevel=2)
            enabled = False
        self._enabled = enabled

    def __enter__(self) -> autocast:
        _enabled_stack().setdefault(self.device, []).append(self._enabled)
        return self

    def __exit__(self, *exc: object) -> None:
        stack = _enabled_stack().get(self.device)
        if stack:
            stack.pop()

    def __call__(self, func: _F) -> _F:
        """Use as a decorator: ``func`` runs inside this autocast block."""
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]


def custom_fwd(fwd: _F | None = None, *, device_type: str = "cuda",
               cast_inputs: Any = None) -> Any:
    """``torch.amp.custom_fwd`` for a custom ``Function.forward``: returns it unchanged
    (nothing is autocast here). Usable bare or with arguments."""
    if fwd is None:
        return lambda f: f
    return fwd


def custom_bwd(bwd: _F | None = None, *, device_type: str = "cuda") -> Any:
    """``torch.amp.custom_bwd`` for a custom ``Function.backward``: returns it unchanged."""
    if bwd is None:
        return lambda f: f
    return bwd


class GradScaler:
    """``torch.amp.GradScaler`` as PyTorch's disabled scaler (see the module docstring).

    Args:
        device: ``'cuda'`` (PyTorch's default) or ``'cpu'``; a CUDA scaler asked to be
            enabled warns that CUDA is not available, as PyTorch.
        init_scale, growth_factor, backoff_factor, growth_interval: recorded and returned
            by the getters; no scaling happens.
        enabled: accepted; the scaler is always disabled here.

    **Differs:** PyTorch's ``GradScaler('cpu')`` really scales (``scale(loss)`` is
    ``65536 * loss``, ``get_scale()`` 65536.0); ours returns the loss and 1.0. The updated
    parameters are the same unless PyTorch would skip a step for inf/NaN gradients.
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = _dt.device(device).type
        if enabled and self._device != "cpu":
            warnings.warn(f"torch.{self._device}.amp.GradScaler is enabled, but "
                          f"{self._device.upper()} is not available.  Disabling.",
                          UserWarning, stacklevel=2)
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)

    def is_enabled(self) -> bool:
        """Always False."""
        return False

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor or nested lists/tuples of them) unchanged."""
        return outputs

    def unscale_(self, optimizer: Any) -> None:
        """Nothing to unscale."""
        return None

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)``, its return value passed through."""
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: Any = None) -> None:
        """No-op."""
        return None

    def get_scale(self) -> float:
        """1.0 (the disabled scaler's answer)."""
        return 1.0

    def get_growth_factor(self) -> float:
        """The ``growth_factor`` given."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Record a new growth factor."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The ``backoff_factor`` given."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Record a new backoff factor."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """The ``growth_interval`` given."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Record a new growth interval."""
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict[str, Any]:
        """``{}``, as a disabled PyTorch scaler."""
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Accept a scaler state (from either library) and ignore it."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"GradScaler.load_state_dict: expected a dict, got "
                            f"{type(state_dict).__name__}")
