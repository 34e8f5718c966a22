"""The kernels' decorators: lazy ``numba.njit``.

``njit`` compiles with ``cache=True`` (on-disk cache, so the second process start is
warm). ``njit_chunked`` is how a kernel uses every core: a serial ``nogil`` kernel whose
last two parameters are ``part, parts``; it loops over ``chunk(n, part, parts)`` of its
outer range, and :mod:`autograd.runtime` calls it once per thread with the caller's other
arguments. It compiles as fast as a serial kernel: Numba's ``parallel=True`` lowering
costs about 0.6 s more per kernel, 1.2 s for the first (benchmarks/NOTES.md, "Cold
start"), which is most of a cold first training step. ``NUMBA_DISABLE_JIT=1`` runs every kernel as plain
Python for debugging and coverage.

Importing Numba itself costs most of a second, so the decorators are lazy: they return a
stand-in, and the first call of any kernel imports Numba and swaps every stand-in in every
``autograd.kernels`` module for a real dispatcher (and ``fma`` for LLVM's intrinsic)
*before* anything compiles, so kernels calling kernels resolve normally. ``import
autograd`` therefore compiles nothing and does not even import Numba.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from fractions import Fraction
from typing import Any, TypeVar, overload

import numpy as np

from ..runtime import CHUNKED_MIN_SIZE, CHUNKED_MIN_SIZE_STREAMING, chunked_kernel, configure_numba
from . import _blas

__all__ = ["CHUNKED_MIN_SIZE_STREAMING", "chunk", "fma", "gemm_call", "njit", "njit_chunked"]


_F = TypeVar("_F", bound=Callable[..., Any])


def _py_fma(a: Any, b: Any, c: Any) -> Any:
    """``a * b + c`` rounded once, in the type of ``a`` (plain Python, exact)."""
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    return type(a)(float(exact)) if isinstance(a, np.floating) else float(exact)


fma = _py_fma
"""A fused multiply-add ``a * b + c`` with one rounding: LLVM's ``fma`` intrinsic in
compiled kernels (swapped in when Numba loads), an exact Python stand-in otherwise. Kernels
that reproduce another library's compiled arithmetic bit for bit need it where that
library's compiler fused a multiply into an add."""


def _fma_intrinsic(numba: Any) -> Any:
    from numba.extending import intrinsic

    @intrinsic
    def fused(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.fma(*args)
        return a(a, a, a), codegen

    return fused


_fma_compiled: list[Any] = []


def _py_gemm_call(addr: int, transa: int, transb: int, m: int, n: int, k: int, alpha: Any,
                  a: int, lda: int, b: int, ldb: int, beta: Any, c: int, ldc: int) -> None:
    """Plain-Python stand-in of the compiled :data:`gemm_call`: the same CBLAS function,
    through its ``ctypes`` wrapper (:func:`autograd.kernels._blas.gemm_fn` of alpha's
    dtype, whose address ``addr`` is)."""
    gemm = _blas.gemm_fn(np.asarray(alpha).dtype)
    assert gemm is not None and _blas.gemm_address(np.asarray(alpha).dtype) == addr
    gemm(_blas.ROW_MAJOR, int(transa), int(transb), int(m), int(n), int(k), float(alpha),
         int(a), int(lda), int(b), int(ldb), float(beta), int(c), int(ldc))


gemm_call = _py_gemm_call
"""``gemm_call(addr, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)``: a
row-major CBLAS ``?gemm`` (the ILP64 signature of NumPy's OpenBLAS: 32-bit enums, 64-bit
sizes) called at the integer address ``addr`` with integer array addresses ``a, b, c``
and ``alpha, beta`` of the GEMM's float type. Lets a kernel run small GEMMs on its own
thread; the caller must make sure the library runs them single-threaded (see
``autograd.runtime.blas_single_threaded``). A Numba intrinsic in compiled kernels (the
address is an argument, so the kernels stay cacheable), ``ctypes`` otherwise."""

_gemm_compiled: list[Any] = []


def _gemm_intrinsic(numba: Any) -> Any:
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic

    @intrinsic
    def call(typingctx: Any, addr: Any, transa: Any, transb: Any, m: Any, n: Any, k: Any,
             alpha: Any, a: Any, lda: Any, b: Any, ldb: Any, beta: Any, c: Any,
             ldc: Any) -> Any:
        ints = (addr, transa, transb, m, n, k, a, lda, b, ldb, c, ldc)
        if (not isinstance(alpha, types.Float) or beta != alpha
                or not all(isinstance(t, types.Integer) for t in ints)):
            return None
        sig = types.void(addr, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            i32, i64 = ir.IntType(32), ir.IntType(64)
            i8p = ir.IntType(8).as_pointer()
            real = context.get_value_type(alpha)
            fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, real, i8p,
                                                   i64, i8p, i64, real, i8p, i64])

            def as_i64(i: int) -> Any:
                return context.cast(builder, args[i], signature.args[i], types.int64)

            def as_ptr(i: int) -> Any:
                return builder.inttoptr(as_i64(i), i8p)

            fn = builder.inttoptr(as_i64(0), fnty.as_pointer())
            builder.call(fn, [ir.Constant(i32, _blas.ROW_MAJOR), builder.trunc(as_i64(1), i32),
                              builder.trunc(as_i64(2), i32), as_i64(3), as_i64(4), as_i64(5),
                              args[6], as_ptr(7), as_i64(8), as_ptr(9), as_i64(10), args[11],
                              as_ptr(12), as_i64(13)])
            return context.get_dummy_value()
        return sig, codegen

    return call

_lock = threading.Lock()
_loaded = [False]


class _LazyKernel:
    """A kernel not compiled yet: the first call materialises all kernels, then delegates."""

    dispatcher: Callable[..., Any] | None

    def __init__(self, fn: Callable[..., Any], options: dict[str, Any]) -> None:
        self.py_func = fn
        self.options = options
        self.dispatcher = None
        self.__name__ = fn.__name__
        self.__qualname__ = fn.__qualname__
        self.__doc__ = fn.__doc__
        self.__module__ = fn.__module__
        self.__wrapped__ = fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Materialise every kernel (first call), then run the compiled one."""
        if self.dispatcher is None:
            _materialize()
        return self.dispatcher(*args, **kwargs)  # type: ignore[misc]  # set by _materialize

    def __repr__(self) -> str:
        """``<lazy numba kernel name>``."""
        return f"<lazy numba kernel {self.__qualname__}>"


def _compile(kernel: _LazyKernel) -> Callable[..., Any]:
    """The callable that replaces a stand-in: a Numba dispatcher, wrapped by the runtime
    when the kernel is chunked."""
    if kernel.dispatcher is None:
        options = dict(kernel.options)
        chunked = options.pop("chunked", False)
        min_size = options.pop("min_size", CHUNKED_MIN_SIZE)
        dispatcher = configure_numba().njit(**options)(kernel.py_func)
        kernel.dispatcher = chunked_kernel(dispatcher, min_size) if chunked else dispatcher
    return kernel.dispatcher


def _materialize() -> None:
    with _lock:
        numba = configure_numba()
        for name, module in list(sys.modules.items()):
            if not name.startswith(__package__ + ".") or module is None:
                continue
            g = vars(module)
            if g.get("fma") is _py_fma and not numba.config.DISABLE_JIT:
                if not _fma_compiled:
                    _fma_compiled.append(_fma_intrinsic(numba))
                g["fma"] = _fma_compiled[0]
            if g.get("gemm_call") is _py_gemm_call and not numba.config.DISABLE_JIT:
                if not _gemm_compiled:
                    _gemm_compiled.append(_gemm_intrinsic(numba))
                g["gemm_call"] = _gemm_compiled[0]
            for attr, obj in list(g.items()):
                if isinstance(obj, _LazyKernel):
                    g[attr] = _compile(obj)
        _loaded[0] = True


@overload
def njit(fn: _F, /, **options: Any) -> _F: ...
@overload
def njit(fn: None = None, /, **options: Any) -> Callable[[_F], _F]: ...


# fn stays keyword-capable at run time; the overloads take it positionally so that
# ``@njit(**options_dict)`` type-checks
def njit(fn: Callable[..., Any] | None = None, **options: Any) -> Any:  # type: ignore[misc]
    """``numba.njit(cache=True, **options)``, compiled lazily; ``@njit`` or ``@njit(...)``.

    Typed as returning the decorated function itself: the kernel keeps its call signature."""
    options.setdefault("cache", True)
    if fn is None:
        return lambda f: _wrap(f, options)
    return _wrap(fn, options)


def _wrap(fn: Callable[..., Any], options: dict[str, Any]) -> Any:
    kernel = _LazyKernel(fn, options)
    if _loaded[0]:  # a kernel module imported after Numba was loaded: no stand-in needed
        return _compile(kernel)
    return kernel


# Typed as returning a callable of any arguments: callers leave out ``part, parts``.
@overload
def njit_chunked(fn: Callable[..., Any], /, **options: Any) -> Callable[..., None]: ...
@overload
def njit_chunked(fn: None = None, /,
                 **options: Any) -> Callable[[Callable[..., Any]], Callable[..., None]]: ...


def njit_chunked(fn: Callable[..., Any] | None = None, **options: Any) -> Any:  # type: ignore[misc]
    """A ``nogil`` serial kernel run on every thread at once (see the module docstring).

    The decorated function's last two parameters are ``part, parts``: it must work on
    ``chunk(n, part, parts)`` of its outermost loop only, and write disjoint outputs per
    part. Callers omit both; the wrapper makes one call per thread and returns None.
    ``min_size=`` (optional): below this many elements in the first argument one thread
    does the work (default :data:`autograd.runtime.CHUNKED_MIN_SIZE`)."""
    options.setdefault("nogil", True)
    options["chunked"] = True
    return njit(fn, **options)


@njit(inline="always")
def chunk(n, part, parts):
    """``(lo, hi)``: part ``part`` of ``parts`` near-equal contiguous pieces of ``range(n)``."""
    return n * part // parts, n * (part + 1) // parts
