"""Experiment (issue 14, not used by the engine): one native thread pool for OpenBLAS's
partitions and our chunked kernels. See benchmarks/NOTES.md, "One native pool: the
prototype".

Run:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m benchmarks.native_pool
      [--steps w7,w2]   (also A/B whole training steps, pool on vs off, and PyTorch)

What it builds, all in Numba, no C compiler:

* Workers are native threads (``pthread_create`` on a ``cfunc``), never Python threads, so
  they run work without the GIL. Each has a 64-byte mailbox: ``(flag, sleeping, fn, a, b,
  c)``. A worker spins on its flag (``pause``, then ``sched_yield`` so that other runnable
  threads on its core get it), then sleeps on a futex; it runs ``fn(a, b, c)``.
* ``run_parts`` posts part ``i`` to worker ``i``, runs part 0 itself, and spins until the
  workers' flags clear. Parts are assigned statically, one per thread: OpenBLAS's level-3
  partitions wait for each other, so they must all run at once.
* OpenBLAS's ``openblas_set_threads_callback_function`` hands every multi-threaded call's
  partitions to :func:`_blas_callback` instead of OpenBLAS's own threads. Its ``dojob``
  takes a thread number that indexes OpenBLAS's per-thread buffers *and status slots*:
  the numbers given are counted down from ``MAX_THREADS - 1``, because OpenBLAS's own idle
  server thread ``i`` keeps spinning while slot ``i`` is marked busy.
* A chunked kernel runs as ``thunk(part, ctx, parts)``: one small ``cfunc`` per argument
  signature (not per kernel) rebuilds the arrays from ``ctx`` (data pointers and shapes)
  and calls the kernel's compiled overload through the C wrapper Numba makes for every
  ``njit`` function.
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import os
import sys
import threading
import time
import types as pytypes
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import carray, cfunc, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_COMPILE_START = time.perf_counter()
_I64 = ir.IntType(64)
_I8P = ir.IntType(8).as_pointer()


def _slot(context: Any, builder: Any, aryty: Any, ary: Any, idx: Any) -> Any:
    return builder.gep(context.make_array(aryty)(context, builder, ary).data, [idx])


@intrinsic
def _load(typingctx: Any, a: Any, i: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.load_atomic(_slot(context, builder, sig.args[0], *args), "seq_cst", 8)
    return types.int64(a, i), cg


@intrinsic
def _store(typingctx: Any, a: Any, i: Any, v: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        builder.store_atomic(args[2], _slot(context, builder, sig.args[0], args[0], args[1]),
                             "seq_cst", 8)
        return context.get_dummy_value()
    return types.void(a, i, types.int64), cg


@intrinsic
def _add(typingctx: Any, a: Any, i: Any, v: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = _slot(context, builder, sig.args[0], args[0], args[1])
        return builder.atomic_rmw("add", ptr, args[2], "seq_cst")
    return types.int64(a, i, types.int64), cg


@intrinsic
def _cas(typingctx: Any, a: Any, i: Any, old: Any, new: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = _slot(context, builder, sig.args[0], args[0], args[1])
        res = builder.cmpxchg(ptr, args[2], args[3], "seq_cst", "seq_cst")
        return builder.extract_value(res, 1)
    return types.boolean(a, i, types.int64, types.int64), cg


@intrinsic
def _address(typingctx: Any, a: Any, i: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.ptrtoint(_slot(context, builder, sig.args[0], *args), _I64)
    return types.int64(a, i), cg


@intrinsic
def _pause(typingctx: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []),
                                            "llvm.x86.sse2.pause")
        builder.call(fn, [])
        return context.get_dummy_value()
    return types.void(), cg


@intrinsic
def _cycles(typingctx: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_I64, []),
                                            "llvm.readcyclecounter")
        return builder.call(fn, [])
    return types.int64(), cg


@intrinsic
def _call3(typingctx: Any, fn: Any, a: Any, b: Any, c: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        fnty = ir.FunctionType(ir.VoidType(), [_I64, _I64, _I64])
        builder.call(builder.inttoptr(args[0], fnty.as_pointer()), list(args[1:]))
        return context.get_dummy_value()
    return types.void(types.int64, types.int64, types.int64, types.int64), cg


@intrinsic
def _as_int(typingctx: Any, p: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.ptrtoint(args[0], _I64)
    return types.int64(p), cg


@intrinsic
def _as_ptr(typingctx: Any, a: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.inttoptr(args[0], _I8P)
    return types.voidptr(types.int64), cg


@intrinsic
def _call_overload(typingctx: Any, fn: Any, argtup: Any) -> Any:
    """Call a compiled overload's C wrapper: each argument by its Numba value type."""
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        tupty = sig.args[1]
        fnty = ir.FunctionType(context.get_value_type(types.none),
                               [context.get_value_type(t) for t in tupty])
        vals = [builder.extract_value(args[1], i) for i in range(len(tupty))]
        builder.call(builder.inttoptr(args[0], fnty.as_pointer()), vals)
        return context.get_dummy_value()
    return types.void(types.int64, argtup), cg


_libc = ctypes.CDLL(None)
_syscall = _libc.syscall
_syscall.argtypes, _syscall.restype = [ctypes.c_long] * 6, ctypes.c_long
_sched_yield = _libc.sched_yield
_sched_yield.argtypes, _sched_yield.restype = [], ctypes.c_int
_pthread_create = _libc.pthread_create
_pthread_create.argtypes = [ctypes.c_void_p] * 4
_pthread_create.restype = ctypes.c_int
_SYS_FUTEX, _FUTEX_WAIT, _FUTEX_WAKE = 202, 128, 129   # x86-64, private futexes

# The control block: int64 words; block 0 holds (lock, workers, spin cycles), block w
# worker w's mailbox. One 64-byte line per block.
_B, _BLOCKS = 8, 64
_LOCK, _WORKERS, _SPIN = 0, 1, 2
_FLAG, _SLEEPING, _FN, _A, _BB, _C = 0, 1, 2, 3, 4, 5
_YIELD_AFTER = 40_000       # cycles of plain spinning before sched_yield


@njit(nogil=True)
def _serve(ctl: Any, me: int) -> None:
    base = me * _B
    while True:
        start = _cycles()
        while _load(ctl, base + _FLAG) == 0:
            _pause()
            spent = _cycles() - start
            if spent > _YIELD_AFTER:
                _sched_yield()
            if spent > ctl[_SPIN]:
                _store(ctl, base + _SLEEPING, 1)
                if _load(ctl, base + _FLAG) == 0:
                    _syscall(_SYS_FUTEX, _address(ctl, base + _FLAG), _FUTEX_WAIT, 0, 0, 0)
                _store(ctl, base + _SLEEPING, 0)
                start = _cycles()
        _call3(ctl[base + _FN], ctl[base + _A], ctl[base + _BB], ctl[base + _C])
        _store(ctl, base + _FLAG, 0)


@cfunc(types.voidptr(types.voidptr))
def _worker(arg: Any) -> Any:
    ctl = carray(arg, (_BLOCKS * _B,), np.int64)
    _serve(ctl, _add(ctl, _WORKERS, 1) + 1)
    return arg


@njit(nogil=True)
def run_parts(ctl: Any, fn: int, n: int, first0: int, first_step: int, a0: int, a_step: int,
              c: int) -> None:
    """``fn(first0 + i*first_step, a0 + i*a_step, c)`` for ``i < n``: 0 here, i on worker i."""
    while not _cas(ctl, _LOCK, 0, 1):
        _pause()
    for w in range(1, n):
        base = w * _B
        ctl[base + _FN] = fn
        ctl[base + _A] = first0 + w * first_step
        ctl[base + _BB] = a0 + w * a_step
        ctl[base + _C] = c
        _store(ctl, base + _FLAG, 1)
        if _load(ctl, base + _SLEEPING) != 0:
            _syscall(_SYS_FUTEX, _address(ctl, base + _FLAG), _FUTEX_WAKE, 1, 0, 0)
    _call3(fn, first0, a0, c)
    for w in range(1, n):
        while _load(ctl, w * _B + _FLAG) != 0:
            _pause()
    _store(ctl, _LOCK, 0)


_raw = np.zeros(_BLOCKS * _B + 8, np.int64)
_offset = (-_raw.ctypes.data % 64) // 8
CTL = _raw[_offset:_offset + _BLOCKS * _B]
CTL[_SPIN] = 1 << 24
_CTL_ADDRESS = CTL.ctypes.data
_tids = np.zeros(_BLOCKS, np.uint64)


def start_workers(n: int) -> None:
    """Start native workers until there are ``n``."""
    while CTL[_WORKERS] < n:
        before = int(CTL[_WORKERS])
        assert _pthread_create(_tids[before:].ctypes.data, None, _worker.address,
                               _CTL_ADDRESS) == 0
        while CTL[_WORKERS] == before:
            time.sleep(0)


@intrinsic
def _ctl_pointer(typingctx: Any) -> Any:
    def cg(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.inttoptr(ir.Constant(_I64, _CTL_ADDRESS), _I8P)
    return types.voidptr(), cg


def _openblas() -> tuple[Any, int]:
    libdir = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    lib = ctypes.CDLL(sorted(glob.glob(os.path.join(libdir, "libscipy_openblas64_*.so")))[0])
    config = lib.scipy_openblas_get_config64_
    config.restype = ctypes.c_char_p
    max_threads = int(config().decode().split("MAX_THREADS=")[1].split()[0])
    setter = lib.scipy_openblas_set_threads_callback_function64_
    setter.argtypes = [ctypes.c_void_p]
    return setter, max_threads


_set_callback, _MAX_THREADS = _openblas()


@cfunc(types.void(types.int32, types.voidptr, types.int32, types.uintp, types.voidptr,
                  types.int32))
def _blas_callback(sync: Any, dojob: Any, numjobs: Any, elsize: Any, jobdata: Any,
                   dojob_data: Any) -> None:
    ctl = carray(_ctl_pointer(), (_BLOCKS * _B,), np.int64)
    run_parts(ctl, _as_int(dojob), numjobs, _MAX_THREADS - 1, -1, _as_int(jobdata),
              np.int64(elsize), np.int64(dojob_data))


_COMPILE_SECONDS = time.perf_counter() - _COMPILE_START


def install(threads: int) -> None:
    """Route OpenBLAS's partitions to the native workers."""
    start_workers(threads - 1)
    _set_callback(_blas_callback.address)


def uninstall() -> None:
    """Give OpenBLAS its own threads back."""
    _set_callback(None)


# ---------------------------------------------------------------- chunked kernels
def _spec(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    spec: list[Any] = []
    for a in args:
        if isinstance(a, np.ndarray):
            if not (a.flags.c_contiguous and a.flags.writeable) or a.dtype.char not in "fdqlb?B":
                return None
            spec.append((a.dtype.char, a.ndim))
        elif isinstance(a, (bool, np.bool_)):
            spec.append("b")
        elif isinstance(a, int):
            spec.append("i")
        elif isinstance(a, float):
            spec.append("f")
        else:
            return None
    return tuple(spec)


def _words(spec: tuple[Any, ...]) -> int:
    return 1 + sum(1 + s[1] if isinstance(s, tuple) else 1 for s in spec)


def _thunk(spec: tuple[Any, ...]) -> Any:
    n = _words(spec)
    lines = ["def thunk(part, ctx, parts):",
             f"    c = carray(_as_ptr(ctx), ({n},), np.int64)",
             f"    f = carray(_as_ptr(ctx), ({n},), np.float64)"]
    k, names = 1, []
    for j, s in enumerate(spec):
        if isinstance(s, tuple):
            shape = "".join(f"c[{k + 1 + d}], " for d in range(s[1]))
            lines.append(f"    a{j} = carray(_as_ptr(c[{k}]), ({shape}), np.dtype('{s[0]}'))")
            k += 1 + s[1]
        else:
            lines.append(f"    a{j} = " + {"b": f"c[{k}] != 0", "i": f"c[{k}]", "f": f"f[{k}]"}[s])
            k += 1
        names.append(f"a{j}")
    lines.append(f"    _call_overload(c[0], ({', '.join(names)}, part, parts))")
    scope = {"carray": carray, "np": np, "_as_ptr": _as_ptr, "_call_overload": _call_overload}
    exec("\n".join(lines), scope)
    return cfunc(types.void(types.int64, types.int64, types.int64))(scope["thunk"])


_thunks: dict[Any, int] = {}
_overloads: dict[Any, int] = {}
_compile_lock = threading.Lock()


def _numba_type(s: Any) -> Any:
    if isinstance(s, tuple):
        return types.Array(numba.from_dtype(np.dtype(s[0])), s[1], "C")
    return {"b": types.boolean, "i": types.int64, "f": types.float64}[s]


def run_chunked(dispatcher: Any, args: tuple[Any, ...], parts: int) -> bool:
    """Run ``dispatcher(*args, part, parts)`` for every part on the native workers; False
    (nothing run) when an argument is not supported."""
    spec = _spec(args)
    if spec is None:
        return False
    key = (dispatcher, spec)
    if key not in _overloads:
        with _compile_lock:
            sig = tuple(_numba_type(s) for s in spec) + (types.int64, types.int64)
            dispatcher.compile(sig)
            cres = dispatcher.overloads[sig]
            _overloads[key] = cres.library.get_pointer_to_function(
                cres.fndesc.llvm_cfunc_wrapper_name)
            if spec not in _thunks:
                _thunks[spec] = _thunk(spec).address
    ctx = np.empty(_words(spec), np.int64)
    ctx[0] = _overloads[key]
    k = 1
    for a, s in zip(args, spec):
        if isinstance(s, tuple):
            ctx[k] = a.ctypes.data
            ctx[k + 1:k + 1 + a.ndim] = a.shape
            k += 1 + a.ndim
        elif s == "f":
            ctx[k:k + 1].view(np.float64)[0] = a
            k += 1
        else:
            ctx[k] = int(a)
            k += 1
    run_parts(CTL, _thunks[spec], parts, 0, 1, ctx.ctypes.data, 0, parts)
    return True


# ---------------------------------------------------------------- the measurements
_native = [False]


def _patch_chunked_kernels() -> None:
    """Before any kernel compiles: chunked kernels take the native pool while it is on."""
    from autograd import runtime
    from autograd.kernels import _jit

    def chunked(dispatcher: Any, min_size: int = runtime.CHUNKED_MIN_SIZE) -> Any:
        plain = runtime.chunked_kernel(dispatcher, min_size)

        def call(*args: Any) -> None:
            parts = runtime.get_num_threads()
            big = getattr(args[0], "size", min_size) >= min_size
            if not (_native[0] and parts > 1 and big and run_chunked(dispatcher, args, parts)):
                plain(*args)
        return call
    _jit.chunked_kernel = chunked  # type: ignore[assignment]


def _use(native: bool) -> None:
    _native[0] = native
    if native:
        install(2)
    else:
        uninstall()


def _median_ms(f: Any, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3


def main() -> None:
    """Print the micro figures, and whole steps with ``--steps``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", default="")
    parser.add_argument("--rounds", type=int, default=6)
    opts = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    _patch_chunked_kernels()
    import autograd
    import nn
    import nn.functional as F
    import optim
    autograd.set_num_threads(2)
    print(f"compiling the pool (cfuncs, not cached): {_COMPILE_SECONDS:.2f} s")

    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 128)).astype(np.float32)
    b = rng.standard_normal((128, 512)).astype(np.float32)
    x = autograd.from_numpy(rng.standard_normal((16, 64, 512)).astype(np.float32))
    _use(True)
    t = time.perf_counter()
    F.gelu(x)
    print(f"first pooled GELU (compiles its thunk): {time.perf_counter() - t:.2f} s")
    for native in (False, True, False, True):
        _use(native)
        print(f"{'pool    ' if native else 'as is   '}"
              f"GEMM [1024,128]@[128,512] {_median_ms(lambda: a @ b, 300):.3f} ms, "
              f"GELU [16,64,512] {_median_ms(lambda: F.gelu(x), 300):.3f} ms, "
              f"GEMM then GELU {_median_ms(lambda: (a @ b, F.gelu(x)), 300):.3f} ms")

    if opts.steps:
        import torch

        from benchmarks import workloads
        ours = pytypes.SimpleNamespace(torch=autograd, nn=nn, F=F, optim=optim)
        theirs = pytypes.SimpleNamespace(torch=torch, nn=torch.nn, F=torch.nn.functional,
                                         optim=torch.optim)
        torch.set_num_threads(2)
        for w in opts.steps.split(","):
            step, _ = getattr(workloads, "make_" + w)(ours)
            ref, _ = getattr(workloads, "make_" + w)(theirs)
            for native in (False, True):
                _use(native)
                step()
            ref()
            res: dict[str, list[float]] = {"as is": [], "pool": [], "torch": []}
            for _ in range(opts.rounds):
                for name in res:
                    if name != "torch":
                        _use(name == "pool")
                    res[name].append(_median_ms(ref if name == "torch" else step, 3))
            print(w, ", ".join(f"{k} {np.median(v):.1f} ms" for k, v in res.items()))
    _use(False)


if __name__ == "__main__":
    main()
