"""Native worker threads shared by NumPy's OpenBLAS and the chunked kernels; only
:mod:`autograd.runtime` uses this module.

Why it exists (``benchmarks/NOTES.md``, "One native pool"): OpenBLAS's own workers spin
for about 0.1 s after every multi-threaded GEMM and take the second core from any other
pool, and a Python pool's worker needs the GIL before it can start a task. Here the
workers are native threads (``pthread_create``) running code emitted as LLVM IR, so they
never touch Python:

* each worker has a 64-byte mailbox ``(flag, sleeping, fn, a, b, c)``; it spins on its
  flag (``pause``, then ``sched_yield`` so other runnable threads on its core get it,
  then sleeps on a futex) and runs ``fn(a, b, c)``;
* :func:`run_parts` gives part ``i`` to worker ``i`` and runs part 0 itself. Parts are
  assigned, not claimed: OpenBLAS's level-3 partitions wait for each other, so all must
  run at once;
* NumPy's OpenBLAS hands every multi-threaded call's partitions to our callback
  (``openblas_set_threads_callback_function``). Its job function takes a thread number
  that picks OpenBLAS's per-thread buffer *and status slot*; the numbers given count down
  from ``MAX_THREADS - 1`` because OpenBLAS's own (idle) server thread ``i`` never sleeps
  while slot ``i`` is marked busy;
* a chunked kernel part runs as ``thunk(part, ctx, parts)``: one small function per
  argument signature rebuilds Numba's array structs from ``ctx`` (pointers, shapes,
  strides) and calls the kernel's compiled overload through the C wrapper Numba emits for
  every ``njit`` function, so nothing is compiled twice.

Everything is emitted with llvmlite and compiled as emitted in a small MCJIT engine:
25 ms per process, where the same pool written as Numba ``cfunc``s took 1.4 s to compile
with an empty cache.
Linux on x86-64 only (``pause``, ``futex``); :func:`available` says whether it can run.
"""
from __future__ import annotations

import array
import ctypes
import glob
import os
import platform
import struct
import sys
import threading
import time
from typing import Any

import numpy as np

__all__ = ["available", "run_chunked", "set_spinning", "start", "stop"]

# The control block: int64 words, one 64-byte line per block. Block 0 holds the globals,
# block w (1..) worker w's mailbox; pthread_t slots follow the blocks.
_B, _BLOCKS = 8, 64
_LOCK, _STARTED, _WORKERS, _SPIN, _ALIVE = 0, 1, 2, 3, 4
_FLAG, _SLEEPING, _FN, _A, _BB, _C = 0, 1, 2, 3, 4, 5
_TIDS = _B * _BLOCKS
_SPIN_CYCLES = 1 << 24      # about 6 ms at 3 GHz of spinning before a worker sleeps
_YIELD_AFTER = 40_000       # cycles of plain spinning before sched_yield
_SYS_FUTEX, _FUTEX_WAIT, _FUTEX_WAKE = 202, 128, 129   # x86-64, private futexes

_raw = np.zeros(_TIDS + _BLOCKS + 8, np.int64)
_offset = (-_raw.ctypes.data % 64) // 8
_ctl = _raw[_offset:_offset + _TIDS + _BLOCKS]
_ctl_address = _ctl.ctypes.data
#: Parts per dispatch: the calling thread and one worker per mailbox.
MAX_PARTS = _BLOCKS

# PyArrayObject's fields, in 8-byte words: ob_refcnt, ob_type, data, nd, dimensions, strides
_DATA_WORD, _DIMS_WORD, _STRIDES_WORD = 2, 4, 5
_AS_DOUBLE, _AS_INT64 = struct.Struct("d"), struct.Struct("q")

_lock = threading.Lock()
_state: dict[str, Any] = {}        # "pool": compiled functions; "failed": cannot run here
_thunks: dict[Any, int] = {}       # argument spec -> thunk address
_overloads: dict[Any, tuple[int, int]] = {}   # (dispatcher, spec) -> (wrapper, thunk)


def _openblas() -> tuple[Any, int] | None:
    """NumPy's OpenBLAS callback setter and its MAX_THREADS, or None."""
    libdir = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libdir, "libscipy_openblas64_*.so"))):
        try:
            lib = ctypes.CDLL(path)
            config = lib.scipy_openblas_get_config64_
            config.restype = ctypes.c_char_p
            setter = lib.scipy_openblas_set_threads_callback_function64_
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_void_p]
        setter.restype = None
        words = config().decode().split()
        limits = [int(w.split("=")[1]) for w in words if w.startswith("MAX_THREADS=")]
        return setter, (limits[0] if limits else 64)
    return None


# ---------------------------------------------------------------------------- the IR
def _build(max_threads: int) -> Any:
    """Emit and compile the pool: ``serve``, ``worker``, ``run_parts``, ``blas_callback``."""
    from llvmlite import ir

    i32, i64 = ir.IntType(32), ir.IntType(64)
    i8p, i64p, void = ir.IntType(8).as_pointer(), i64.as_pointer(), ir.VoidType()
    m = ir.Module("numbagrad_pool")
    syscall = ir.Function(m, ir.FunctionType(i64, [i64] * 6), "syscall")
    sched_yield = ir.Function(m, ir.FunctionType(i32, []), "sched_yield")
    start_fnty = ir.FunctionType(i8p, [i8p])
    pthread_create = ir.Function(m, ir.FunctionType(i32, [i8p, i8p, start_fnty.as_pointer(),
                                                          i8p]), "pthread_create")
    pause = ir.Function(m, ir.FunctionType(void, []), "llvm.x86.sse2.pause")
    cycles = ir.Function(m, ir.FunctionType(i64, []), "llvm.readcyclecounter")
    job_fnty = ir.FunctionType(void, [i64, i64, i64])

    def c64(v: int) -> Any:
        return ir.Constant(i64, v)

    def word(b: Any, ctl: Any, index: Any) -> Any:
        return b.gep(ctl, [index if isinstance(index, ir.Value) else c64(index)])

    def load(b: Any, p: Any) -> Any:
        return b.load_atomic(p, "seq_cst", 8)

    def store(b: Any, v: Any, p: Any) -> None:
        b.store_atomic(v if isinstance(v, ir.Value) else c64(v), p, "seq_cst", 8)

    def futex(b: Any, p: Any, op: int, val: int) -> None:
        b.call(syscall, [c64(_SYS_FUTEX), b.ptrtoint(p, i64), c64(op), c64(val), c64(0),
                         c64(0)])

    # serve(ctl, me): wait for the mailbox's flag, run fn(a, b, c), clear the flag; fn 0 stops
    serve = ir.Function(m, ir.FunctionType(void, [i64p, i64]), "numbagrad_pool_serve")
    ctl, me = serve.args
    b = ir.IRBuilder(serve.append_basic_block("entry"))
    base = b.mul(me, c64(_B))
    flag, sleeping = word(b, ctl, b.add(base, c64(_FLAG))), word(b, ctl, b.add(base, c64(_SLEEPING)))
    fn_p, a_p = word(b, ctl, b.add(base, c64(_FN))), word(b, ctl, b.add(base, c64(_A)))
    b_p, c_p = word(b, ctl, b.add(base, c64(_BB))), word(b, ctl, b.add(base, c64(_C)))
    spin_p = word(b, ctl, _SPIN)
    start_v = b.alloca(i64)
    outer, check, spin, do_yield, after_yield, sleep, do_wait, woke, run, call, leave = (
        serve.append_basic_block(n) for n in ("outer", "check", "spin", "yield", "yielded",
                                              "sleep", "wait", "woke", "run", "call", "leave"))
    b.branch(outer)
    b.position_at_end(outer)
    b.store(b.call(cycles, []), start_v)
    b.branch(check)
    b.position_at_end(check)
    b.cbranch(b.icmp_signed("==", load(b, flag), c64(0)), spin, run)
    b.position_at_end(spin)
    b.call(pause, [])
    spent = b.sub(b.call(cycles, []), b.load(start_v))
    b.cbranch(b.icmp_signed(">", spent, c64(_YIELD_AFTER)), do_yield, after_yield)
    b.position_at_end(do_yield)
    b.call(sched_yield, [])
    b.branch(after_yield)
    b.position_at_end(after_yield)
    b.cbranch(b.icmp_signed(">", spent, b.load_atomic(spin_p, "monotonic", 8)), sleep, check)
    b.position_at_end(sleep)
    store(b, 1, sleeping)
    b.cbranch(b.icmp_signed("==", load(b, flag), c64(0)), do_wait, woke)
    b.position_at_end(do_wait)
    futex(b, flag, _FUTEX_WAIT, 0)
    b.branch(woke)
    b.position_at_end(woke)
    store(b, 0, sleeping)
    b.store(b.call(cycles, []), start_v)
    b.branch(check)
    b.position_at_end(run)
    fn = b.load(fn_p)
    b.cbranch(b.icmp_signed("==", fn, c64(0)), leave, call)
    b.position_at_end(call)
    b.call(b.inttoptr(fn, job_fnty.as_pointer()), [b.load(a_p), b.load(b_p), b.load(c_p)])
    store(b, 0, flag)
    b.branch(outer)
    b.position_at_end(leave)
    b.atomic_rmw("sub", word(b, ctl, _ALIVE), c64(1), "seq_cst")
    store(b, 0, flag)
    b.ret_void()

    # worker(ctl): the pthread start routine; takes the next mailbox number
    worker = ir.Function(m, start_fnty, "numbagrad_pool_worker")
    b = ir.IRBuilder(worker.append_basic_block("entry"))
    ctl = b.bitcast(worker.args[0], i64p)
    b.atomic_rmw("add", word(b, ctl, _ALIVE), c64(1), "seq_cst")
    mine = b.add(b.atomic_rmw("add", word(b, ctl, _WORKERS), c64(1), "seq_cst"), c64(1))
    b.call(serve, [ctl, mine])
    b.ret(ir.Constant(i8p, None))

    # run_parts(ctl, fn, n, first0, first_step, a0, a_step, c)
    run_parts = ir.Function(m, ir.FunctionType(void, [i64p] + [i64] * 7),
                            "numbagrad_pool_run_parts")
    ctl, fn, n, first0, first_step, a0, a_step, c = run_parts.args
    b = ir.IRBuilder(run_parts.append_basic_block("entry"))
    w_v = b.alloca(i64)

    def block(name: str) -> Any:
        return run_parts.append_basic_block(name)

    def each_worker(name: str, body: Any) -> None:
        """Emit ``for w in range(1, n): body(w)`` at the builder's position."""
        head, step, done = block(name), block(name + "_body"), block(name + "_done")
        b.store(c64(1), w_v)
        b.branch(head)
        b.position_at_end(head)
        w = b.load(w_v)
        b.cbranch(b.icmp_signed("<", w, n), step, done)
        b.position_at_end(step)
        body(w)
        b.store(b.add(w, c64(1)), w_v)
        b.branch(head)
        b.position_at_end(done)

    def post(w: Any) -> None:       # fill worker w's mailbox, raise its flag, wake it
        base = b.mul(w, c64(_B))
        b.store(fn, word(b, ctl, b.add(base, c64(_FN))))
        b.store(b.add(first0, b.mul(w, first_step)), word(b, ctl, b.add(base, c64(_A))))
        b.store(b.add(a0, b.mul(w, a_step)), word(b, ctl, b.add(base, c64(_BB))))
        b.store(c, word(b, ctl, b.add(base, c64(_C))))
        flag = word(b, ctl, b.add(base, c64(_FLAG)))
        store(b, 1, flag)
        asleep = b.icmp_signed("!=", load(b, word(b, ctl, b.add(base, c64(_SLEEPING)))),
                               c64(0))
        with b.if_then(asleep):
            futex(b, flag, _FUTEX_WAKE, 1)

    def wait(w: Any) -> None:       # spin until worker w has cleared its flag
        flag = word(b, ctl, b.add(b.mul(w, c64(_B)), c64(_FLAG)))
        check, spin_b, done = block("wait_check"), block("wait_spin"), block("wait_done")
        b.branch(check)
        b.position_at_end(check)
        b.cbranch(b.icmp_signed("!=", load(b, flag), c64(0)), spin_b, done)
        b.position_at_end(spin_b)
        b.call(pause, [])
        b.branch(check)
        b.position_at_end(done)

    lock, contended, locked, create, ready = (
        block(x) for x in ("lock", "contended", "locked", "create", "ready"))
    b.branch(lock)
    b.position_at_end(lock)
    got = b.extract_value(b.cmpxchg(word(b, ctl, _LOCK), c64(0), c64(1), "seq_cst", "seq_cst"), 1)
    b.cbranch(got, locked, contended)
    b.position_at_end(contended)
    b.call(pause, [])
    b.call(sched_yield, [])
    b.branch(lock)
    b.position_at_end(locked)       # start workers until n - 1 exist (once each)
    started = b.load(word(b, ctl, _STARTED))
    b.cbranch(b.icmp_signed("<", started, b.sub(n, c64(1))), create, ready)
    b.position_at_end(create)
    tid = b.bitcast(word(b, ctl, b.add(started, c64(_TIDS))), i8p)
    b.call(pthread_create, [tid, ir.Constant(i8p, None), worker, b.bitcast(ctl, i8p)])
    b.store(b.add(started, c64(1)), word(b, ctl, _STARTED))
    b.branch(locked)
    b.position_at_end(ready)
    each_worker("post", post)
    b.call(b.inttoptr(fn, job_fnty.as_pointer()), [first0, a0, c])     # part 0: ours
    each_worker("wait", wait)
    store(b, 0, word(b, ctl, _LOCK))
    b.ret_void()

    # blas_callback(sync, dojob, numjobs, jobdata_elsize, jobdata, dojob_data)
    callback = ir.Function(m, ir.FunctionType(void, [i32, i8p, i32, i64, i8p, i32]),
                           "numbagrad_pool_blas_callback")
    _, dojob, numjobs, elsize, jobdata, dojob_data = callback.args
    b = ir.IRBuilder(callback.append_basic_block("entry"))
    b.call(run_parts, [ir.Constant(i64, _ctl_address).inttoptr(i64p), b.ptrtoint(dojob, i64),
                       b.sext(numjobs, i64), c64(max_threads - 1), c64(-1),
                       b.ptrtoint(jobdata, i64), elsize, b.sext(dojob_data, i64)])
    b.ret_void()

    engine = _compile(m, "numbagrad_pool")
    address = engine.get_function_address
    run = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] + [ctypes.c_int64] * 7))(
        address("numbagrad_pool_run_parts"))
    return {"engine": engine, "run_parts": run,
            "callback": address("numbagrad_pool_blas_callback")}


def _compile(module: Any, name: str) -> Any:
    """Compile an IR module as it is (no optimisation passes: the code is a few loops and
    loads) in its own MCJIT engine, for this CPU: 25 ms for the pool where Numba's code
    generator, which runs its O3 pipeline, took 90 ms. Returns the engine (keep it)."""
    import llvmlite.binding as llvm
    with _lock_compile:
        if "machine" not in _state:
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            target = llvm.Target.from_default_triple()
            _state["machine"] = target.create_target_machine(
                cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(),
                opt=1)
        parsed = llvm.parse_assembly(str(module))
        parsed.verify()
        engine = llvm.create_mcjit_compiler(parsed, _state["machine"])
        engine.finalize_object()
    _state.setdefault("engines", []).append(engine)
    return engine


_lock_compile = threading.Lock()


# ---------------------------------------------------------------------------- thunks
_thunk_counter = [0]


def _thunk(types_: tuple[Any, ...]) -> int:
    """Compile ``thunk(part, ctx, parts)`` for one argument signature (Numba types);
    ``ctx`` holds the overload's C wrapper, then per array its data pointer, shape and
    strides, per scalar one word."""
    from llvmlite import ir
    from numba import types
    from numba.core.registry import cpu_target

    context = cpu_target.target_context
    i64 = ir.IntType(64)
    i64p = i64.as_pointer()
    _thunk_counter[0] += 1
    name = f"numbagrad_pool_thunk_{_thunk_counter[0]}"
    m = ir.Module(name)
    thunk = ir.Function(m, ir.FunctionType(ir.VoidType(), [i64, i64, i64]), name)
    part, ctx_addr, parts = thunk.args
    b = ir.IRBuilder(thunk.append_basic_block("entry"))
    ctx = b.inttoptr(ctx_addr, i64p)

    def at(k: int) -> Any:
        return b.load(b.gep(ctx, [ir.Constant(i64, k)]))

    values, k = [], 1
    for t in types_:
        vt = context.get_value_type(t)
        if isinstance(t, types.Array):
            itemsize = context.get_abi_sizeof(context.get_data_type(t.dtype))
            # the NumPy array object itself: data, dimensions and strides pointers at fixed
            # offsets of PyArrayObject (read without the GIL; the caller keeps it alive)
            obj = b.inttoptr(at(k), i64p)
            dims = b.inttoptr(b.load(b.gep(obj, [ir.Constant(i64, _DIMS_WORD)])), i64p)
            steps = b.inttoptr(b.load(b.gep(obj, [ir.Constant(i64, _STRIDES_WORD)])), i64p)
            data = b.load(b.gep(obj, [ir.Constant(i64, _DATA_WORD)]))
            shape = [b.load(b.gep(dims, [ir.Constant(i64, d)])) for d in range(t.ndim)]
            strides = [b.load(b.gep(steps, [ir.Constant(i64, d)])) for d in range(t.ndim)]
            nitems = ir.Constant(i64, 1)
            for s in shape:
                nitems = b.mul(nitems, s)
            v = ir.Constant(vt, ir.Undefined)
            null = ir.Constant(ir.IntType(8).as_pointer(), None)
            for i, field in enumerate((null, null, nitems, ir.Constant(i64, itemsize),
                                       b.inttoptr(data, vt.elements[4]))):
                v = b.insert_value(v, field, i)
            for d in range(t.ndim):
                v = b.insert_value(v, shape[d], [5, d])
                v = b.insert_value(v, strides[d], [6, d])
            values.append(v)
            k += 1
            continue
        word_ = at(k)
        if t == types.boolean:
            values.append(b.icmp_signed("!=", word_, ir.Constant(i64, 0)))
        elif t == types.int64:
            values.append(word_)
        elif t == types.float64:
            values.append(b.bitcast(word_, ir.DoubleType()))
        else:                                   # float32, stored as a float64
            values.append(b.fptrunc(b.bitcast(word_, ir.DoubleType()), ir.FloatType()))
        k += 1
    values += [part, parts]
    wrapper_ty = ir.FunctionType(context.get_value_type(types.none),
                                 [context.get_value_type(t) for t in types_] + [i64, i64])
    b.call(b.inttoptr(at(0), wrapper_ty.as_pointer()), values)
    b.ret_void()
    return int(_compile(m, name).get_function_address(name))


_LAYOUT_FLAGS = 0x1 | 0x2 | 0x100 | 0x400  # NPY_ARRAY_{C,F}_CONTIGUOUS, _ALIGNED, _WRITEABLE


_SCALAR_KEYS: dict[type, str] = {int: "i", bool: "b", float: "f", np.int64: "i",
                                 np.bool_: "b", np.float64: "f", np.float32: "f32"}


def _arg_key(a: Any) -> Any:
    """A hashable description of one kernel argument, or None when not supported."""
    if isinstance(a, np.ndarray):
        # the dtype itself, not .char: a byte-swapped array must not share a native one's
        # thunk; the flags as NumPy's bit mask (C/F-contiguous, aligned, writeable): one
        # attribute read instead of four (0.3 -> 0.1 us an array, ~480 arrays a W8 step)
        return (a.dtype, a.ndim, a.flags.num & _LAYOUT_FLAGS)
    if isinstance(a, (bool, np.bool_)):
        return "b"
    if isinstance(a, (int, np.int64)):
        return "i"
    if isinstance(a, (float, np.float64)):
        return "f"
    if isinstance(a, np.float32):
        return "f32"
    return None


def _numba_types(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    import numba
    from numba import types
    out = []
    for a in args:
        t = numba.typeof(a)
        if isinstance(t, types.Array):
            if t.dtype not in (types.float32, types.float64, types.int64, types.int32,
                               types.uint8, types.boolean, types.int8):
                return None
        elif t not in (types.boolean, types.int64, types.float64, types.float32):
            return None
        out.append(t)
    return tuple(out)


def run_chunked(dispatcher: Any, args: tuple[Any, ...], parts: int) -> bool:
    """Run ``dispatcher(*args, part, parts)`` for every ``part < parts`` at once (part 0 on
    the calling thread); False, having run nothing, when an argument type is not
    supported (the caller then uses the Python pool)."""
    pool = _state.get("pool")
    if pool is None:
        return False
    parts = min(parts, MAX_PARTS)
    nd = np.ndarray  # arrays inline (most arguments): a call per argument cost ~0.3 us
    scalar = _SCALAR_KEYS  # then plain scalars by their exact type (a gemm pipeline call
    spec = tuple([(a.dtype, a.ndim, a.flags.num & _LAYOUT_FLAGS) if type(a) is nd  # has 13)
                  else scalar.get(type(a)) or _arg_key(a) for a in args])
    key = (dispatcher, spec)
    entry = _overloads.get(key)
    if entry is None:
        if None in spec:
            return False
        with _lock:
            entry = _overloads.get(key)
            if entry is None:
                from numba import types
                kinds = _numba_types(args)
                if kinds is None:
                    return False
                signature = kinds + (types.int64, types.int64)
                dispatcher.compile(signature)
                cres = dispatcher.overloads[signature]
                wrapper = cres.library.get_pointer_to_function(
                    cres.fndesc.llvm_cfunc_wrapper_name)
                if kinds not in _thunks:
                    _thunks[kinds] = _thunk(kinds)
                entry = _overloads[key] = (int(wrapper), _thunks[kinds])
    words = [entry[0]]
    for a in args:
        t = type(a)
        if t is nd or isinstance(a, np.ndarray):
            words.append(id(a))        # CPython: the object's address; args holds it alive
        elif t is int:
            words.append(a)
        elif isinstance(a, (float, np.floating)):
            words.append(_AS_INT64.unpack(_AS_DOUBLE.pack(float(a)))[0])
        else:
            words.append(int(a))
    ctx = array.array("q", words)
    pool["run_parts"](_ctl_address, entry[1], parts, 0, 1, ctx.buffer_info()[0], 0, parts)
    return True


# ---------------------------------------------------------------------------- lifetime
def available() -> bool:
    """Whether the pool can run here: Linux on x86-64, NumPy's OpenBLAS with the threads
    callback, compiled kernels (not ``NUMBA_DISABLE_JIT``)."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        return False
    import numba
    disabled = bool(numba.config.DISABLE_JIT)  # type: ignore[attr-defined]
    return not disabled and _array_layout_ok() and _openblas() is not None


def _array_layout_ok() -> bool:
    """Whether NumPy arrays have the field offsets the thunks read (a debug build of
    Python, with two more header words, would not)."""
    a = np.zeros((3, 5), np.float32)[:, ::2]
    words = (ctypes.c_int64 * 6).from_address(id(a))
    dims = (ctypes.c_int64 * 2).from_address(words[_DIMS_WORD])
    steps = (ctypes.c_int64 * 2).from_address(words[_STRIDES_WORD])
    return (words[_DATA_WORD] == a.ctypes.data and tuple(dims) == a.shape
            and tuple(steps) == a.strides)


def start() -> bool:
    """Compile the pool (once) and route OpenBLAS's partitions to it; False when not
    :func:`available` (nothing changes)."""
    with _lock:
        if "pool" in _state:
            return True
        if "failed" in _state or not available():
            _state["failed"] = True
            return False
        found = _openblas()
        assert found is not None
        setter, max_threads = found
        if max_threads > MAX_PARTS:
            # OpenBLAS could hand over more partitions than there are mailboxes, and its
            # level-3 partitions must all run at once: keep its own threads
            _state["failed"] = True
            return False
        pool = _build(max_threads)
        _ctl[_SPIN] = _SPIN_CYCLES
        setter(pool["callback"])
        _state["pool"], _state["setter"] = pool, setter
    return True


def set_spinning(on: bool) -> None:
    """Let idle workers spin before sleeping (on), or make them sleep at once (off: a
    Python pool is about to use the cores)."""
    _ctl[_SPIN] = _SPIN_CYCLES if on else 0


def stop() -> None:
    """Give OpenBLAS its own threads back and stop the workers (at exit, before the
    compiled code goes away)."""
    with _lock:
        pool = _state.pop("pool", None)
        if pool is None:
            return
        _state["setter"](None)
        started = int(_ctl[_STARTED])
        deadline = time.monotonic() + 1.0
        while _ctl[_LOCK] and time.monotonic() < deadline:   # a dispatch still running
            time.sleep(0.001)
        if started:
            for w in range(1, started + 1):    # fn 0 tells a worker to return
                base = w * _B
                _ctl[base + _FN] = 0
                _ctl[base + _FLAG] = 1
                _wake(base)
            deadline = time.monotonic() + 1.0
            while _ctl[_ALIVE] > 0 and time.monotonic() < deadline:
                time.sleep(0.001)
        _state["stopped"] = pool      # keep the code alive for any straggler
        _reset()


def _wake(base: int) -> None:
    libc = ctypes.CDLL(None)
    libc.syscall.argtypes = [ctypes.c_long] * 6
    libc.syscall(_SYS_FUTEX, _ctl_address + (base + _FLAG) * 8, _FUTEX_WAKE, 1, 0, 0)


def _reset() -> None:
    _ctl[:] = 0
    _ctl[_SPIN] = _SPIN_CYCLES


def _after_fork_in_child() -> None:
    """No worker survives ``fork``: the child's first dispatch starts new ones."""
    _reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
