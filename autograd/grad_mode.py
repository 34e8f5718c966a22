"""Gradient-recording switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

The flag is thread-local (as in PyTorch): turning recording off in one thread
never affects another. Each switch works as a context manager and as a
function decorator.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]


class _GradState(threading.local):
    # threading.local subclass: every thread starts with enabled=True.
    enabled = True


_state = _GradState()

_F = TypeVar("_F", bound=Callable[..., Any])
_C = TypeVar("_C", bound="_GradModeContext")


def is_grad_enabled() -> bool:
    """Return True when operations are being recorded for backward."""
    return _state.enabled


class _GradModeContext:
    """Base for the switches: context manager, decorator, restorer of the prior mode."""

    _target: bool = True

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self: _C) -> _C:
        self._prev.append(_state.enabled)
        _state.enabled = self._target
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        _state.enabled = self._prev.pop()
        return False

    def __call__(self, fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__._fresh(self):
                return fn(*args, **kwargs)
        return cast(_F, wrapper)

    @staticmethod
    def _fresh(ctx: _GradModeContext) -> _GradModeContext:
        # A decorator can be re-entered (recursion, threads): give each call its own stack.
        clone = object.__new__(type(ctx))
        clone.__dict__.update(ctx.__dict__)
        clone._prev = []
        return clone


class _BareDecoratorMixin:
    # PyTorch 2.x accepts the bare form ``@no_grad`` as well as ``@no_grad()``.
    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is not None and callable(orig_func):
            switch: Any = cls()  # the concrete switch (a _GradModeContext) is callable
            return switch(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func: Callable[..., Any] | None = None) -> None:
        super().__init__()


class no_grad(_BareDecoratorMixin, _GradModeContext):
    """Disable graph recording: ops run on arrays only, no node is built, nothing saved.

    Example:
        >>> with no_grad():
        ...     y = x * 2          # y.requires_grad is False
    """

    _target = False


class enable_grad(_BareDecoratorMixin, _GradModeContext):
    """Re-enable graph recording inside a ``no_grad`` block."""

    _target = True


class inference_mode(_GradModeContext):
    """Alias of ``no_grad`` (PyTorch's inference mode has no extra meaning here)."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self._target = not mode


class set_grad_enabled(_GradModeContext):
    """Set recording on or off. Takes effect at once, as in PyTorch, and also
    works as a context manager that restores the previous mode on exit.

    Args:
        mode: True to record, False not to.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._target = bool(mode)
        # Like torch.set_grad_enabled(False) used as a plain call: applies immediately.
        self._prev.append(_state.enabled)
        _state.enabled = self._target

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        if self._prev:
            _state.enabled = self._prev.pop()
        return False

    def __call__(self, fn: _F) -> _F:
        # Used as a decorator, the immediate switch done in __init__ is undone first.
        if self._prev:
            _state.enabled = self._prev.pop()
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _state.enabled
            _state.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = prev
        return cast(_F, wrapper)
