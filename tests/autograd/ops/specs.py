"""One ``OpSpec`` per public op: the single source that drives the generated op tests.

Every name in ``autograd.ops.FAMILIES`` (and the ``compare`` family) must have a spec
here; ``test_spec_coverage.py`` fails otherwise. Differentiable ops get the full
treatment (forward vs NumPy, float64 gradcheck with a random upstream gradient,
gradgradcheck when ``double_backward``); the ops in ``NON_DIFFERENTIABLE`` get
forward-only specs (``differentiable=False``).

An op is written once as ``call(lib, *tensors, **kwargs)``, where ``lib`` is
``autograd`` for our engine and a torch shim in ``tests/reference`` (tinygrad's
"one lambda, two libraries" idea), so the reference tests reuse these specs.
Constants that are arrays (indices, masks) live in the case's ``kwargs`` as NumPy
arrays; ``call`` converts them with ``lib.tensor``.

Shapes stay tiny: gradcheck costs two forward passes per input element.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special as _sp

# Names in a family's __all__ that have no gradient (integer/bool outputs, or piecewise
# constant functions whose gradient is zero almost everywhere and which our engine
# returns as constants). They get forward-only specs.
NON_DIFFERENTIABLE = {
    "argmax", "argmin",            # int64 indices
    "all", "any", "count_nonzero",  # bool / int64 results
    "one_hot", "nonzero",           # integer results
    "sign", "floor", "ceil", "trunc", "round", "floor_divide",  # piecewise constant
    # compare family: bool results
    "eq", "ne", "lt", "le", "gt", "ge", "logical_not", "logical_and", "logical_or",
    "logical_xor", "isnan", "isinf", "isfinite", "equal", "allclose", "isclose",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
}


@dataclass(frozen=True, eq=False)  # identity equality: kwargs may hold arrays
class Case:
    """One input configuration: a shape per tensor input plus constant kwargs.

    ``noncontig`` builds every input of ndim >= 1 as a non-contiguous view (a transposed
    array for ndim >= 2, a stride-2 slice for 1-d) of the same values.
    """
    shapes: tuple
    kwargs: dict = field(default_factory=dict)
    noncontig: bool = False

    @property
    def id(self) -> str:
        s = "_".join("x".join(map(str, sh)) or "0d" for sh in self.shapes)
        if self.kwargs:
            s += "-" + ",".join(f"{k}={_short(v)}" for k, v in self.kwargs.items())
        return s + ("-nc" if self.noncontig else "")


def _short(v):
    if isinstance(v, np.ndarray):
        return f"arr{v.shape}"
    return repr(v).replace(" ", "")


C = Case


@dataclass
class OpSpec:
    """Everything the generated tests need to know about one op.

    Attributes:
        name: the public name (``autograd.<name>``).
        call: ``call(lib, *tensors, **case.kwargs)``; with ``lib=autograd`` it is our op.
        ref: NumPy reference ``ref(*arrays, **case.kwargs)`` (same output structure).
        cases: shape cases (broadcasting both ways, size-1, size-0, 0-d, non-contiguous).
        domain: a sampler name from ``DOMAINS`` (or one per input); keeps samples away
            from kinks and poles.
        differentiable: False for the ops in ``NON_DIFFERENTIABLE`` (forward-only).
        double_backward: run gradgradcheck.
        bad_shapes: input shapes that must raise an error naming the op and the shapes.
        error_name: the op name the error must contain (an alias reports its primitive).
        binary_broadcast: a binary elementwise op (hypothesis broadcasting tests).
        reduction: a reduction taking ``dim``/``keepdim`` (hypothesis reduction tests).
        fwd_tol, grad_tol: tolerances, passed by keyword to ``np.testing`` / gradcheck.
        dtypes: forward dtypes tested against NumPy.
    """
    name: str
    call: Callable[..., Any]
    ref: Callable[..., Any]
    cases: list
    domain: Any = "real"
    differentiable: bool = True
    double_backward: bool = True
    bad_shapes: tuple | None = None
    error_name: str | None = None
    binary_broadcast: bool = False
    reduction: bool = False
    fwd_tol: dict = field(default_factory=lambda: dict(rtol=1e-5, atol=1e-6))
    grad_tol: dict = field(default_factory=lambda: dict(atol=1e-5, rtol=1e-3))

    def fn(self, *xs, **kw):
        """Our op (``call`` bound to ``autograd``)."""
        import autograd
        return self.call(autograd, *xs, **kw)

    def domain_for(self, i: int) -> str:
        return self.domain[i] if isinstance(self.domain, (tuple, list)) else self.domain


# ---------------------------------------------------------------------------
# Input domains (MyGrad's index_to_bnds / index_to_no_go idea)
# ---------------------------------------------------------------------------
def _signed(lo, hi):
    def sample(rng, shape):
        return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)
    return sample


def _away_from_int(rng, shape):
    # k + [0.15, 0.35] or k + [0.65, 0.85]: away from integers and from .5 (round's ties)
    k = rng.integers(-3, 3, shape)
    f = rng.uniform(0.15, 0.35, shape) + rng.choice([0.0, 0.5], shape)
    return k + f


def _clampable(rng, shape):
    # away from the clamp bounds +-0.5 and hardtanh's +-1
    base = rng.choice([-1.4, -0.75, 0.0, 0.75, 1.4], shape)
    return base + rng.uniform(-0.1, 0.1, shape)


DOMAINS: dict[str, Callable] = {
    "real": lambda rng, shape: rng.uniform(-2.0, 2.0, shape),
    "pos": lambda rng, shape: rng.uniform(0.5, 2.5, shape),
    "away0": _signed(0.3, 2.0),           # kinks at 0 (abs, relu, ...), poles at 0 (1/x)
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, shape),
    "frac": _away_from_int,
    "clamp": _clampable,
    "small": lambda rng, shape: rng.uniform(-1.0, 1.0, shape),
}


# ---------------------------------------------------------------------------
# Shape-case families
# ---------------------------------------------------------------------------
# Unary elementwise: plain, 0-d, size-1, size-0, 3-d, non-contiguous.
UNARY = [C(((2, 3),)), C(((),)), C(((1, 4),)), C(((0, 3),)), C(((2, 1, 3),)),
         C(((3, 4),), noncontig=True), C(((5,),), noncontig=True)]
# Binary broadcasting in every direction, 0-d on either side, size-0, non-contiguous.
BINARY = [C(((2, 3), (2, 3))), C(((2, 3), (3,))), C(((3,), (2, 3))), C(((2, 1), (1, 3))),
          C(((4, 1, 3), (2, 1))), C(((), (2, 3))), C(((2, 3), ())), C(((0, 3), (1, 3))),
          C(((3, 4), (3, 4)), noncontig=True), C(((2, 3, 4), (4,)), noncontig=True)]
BINARY_BAD = ((2, 3), (4,))
TERNARY = [C(((2, 3), (2, 3), (2, 3))), C(((2, 1), (3,), (2, 3))), C(((), (2, 3), (1, 3))),
           C(((0, 3), (1, 3), (3,))), C(((3, 4), (3, 4), (3, 4)), noncontig=True)]


def _red_cases(dims=(None, 1, -1, (0, 2)), empty_ok=True):
    cases = [C(((2, 3, 4),), dict(dim=d, keepdim=k)) for d in dims for k in (False, True)]
    cases += [C(((),), dict(dim=None, keepdim=False)),
              C(((1, 5),), dict(dim=0, keepdim=False)),
              C(((3, 4),), dict(dim=1, keepdim=False), noncontig=True)]
    if empty_ok:
        cases.append(C(((0, 3),), dict(dim=1, keepdim=True)))
    return cases


def _npred(f):
    """Adapt ``np.f(x, axis, keepdims)`` to the torch-style ``dim``/``keepdim`` kwargs."""
    def ref(x, dim=None, keepdim=False, **kw):
        axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
        return f(x, axis=axis, keepdims=keepdim, **kw)
    return ref


# ---------------------------------------------------------------------------
# NumPy references that NumPy lacks
# ---------------------------------------------------------------------------
def _sigmoid(x):
    return _sp.expit(x)


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _sp.erf(x / math.sqrt(2)))


def _softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax(x, dim):
    return x - _sp.logsumexp(x, axis=dim, keepdims=True)


def _var(x, dim=None, keepdim=False, correction=1):
    axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
    return np.var(x, axis=axis, ddof=correction, keepdims=keepdim)


def _extreme(argf, dim=None, keepdim=False):
    def ref(x, dim=dim, keepdim=keepdim):
        if dim is None:
            return np.asarray(x.max() if argf is np.argmax else x.min())
        i = argf(x, axis=dim, keepdims=True)
        v = np.take_along_axis(x, i, dim)
        return (v, i) if keepdim else (v.squeeze(dim), i.squeeze(dim))
    return ref


def _gather_idx(shape, dim, n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, shape[dim], n).astype(np.int64)


def _scatter_add_ref(x, src, dim, index):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        tgt = list(pos)
        tgt[dim] = index[pos]
        out[tuple(tgt)] += src[pos]
    return out


def _scatter_ref(x, src, dim, index):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        tgt = list(pos)
        tgt[dim] = index[pos]
        out[tuple(tgt)] = src[pos]
    return out


def _index_add_ref(x, s, dim, index, alpha=1):
    out = x.copy()
    if x.ndim == 0:
        return out + alpha * s * len(index)
    for k, i in enumerate(index):
        out[(slice(None),) * (dim % x.ndim) + (i,)] += alpha * np.take(s, k, axis=dim)
    return out


def _unique_index(rows, cols, n, seed):
    # scatter with duplicate targets is order dependent; use a permutation per column
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(rows)[:n] for _ in range(cols)], axis=1).astype(np.int64)


_IDX_G = np.array([[0, 2, 1], [1, 1, 0]], dtype=np.int64)        # gather along dim 1 of (2, 3)
_IDX_S = np.array([[0, 1, 2, 0], [2, 0, 1, 1]], dtype=np.int64)  # scatter_add into (3, 4), dim 0
_IDX_P = _unique_index(3, 4, 2, 0)                                # scatter into (3, 4), dim 0
_MASK = np.array([[True, False, True], [False, False, True]])
_BMASK = np.array([True, False, True])


def _index_put_ref(x, v, index):
    out = x.copy()
    out[index] = v
    return out


def _einsum(eq):
    return lambda *xs: np.einsum(eq, *xs)


def _tensorize(lib, index):
    """Turn NumPy arrays inside an index into lib tensors (ints/slices pass through)."""
    if isinstance(index, tuple):
        return tuple(_tensorize(lib, i) for i in index)
    if isinstance(index, np.ndarray):
        return lib.tensor(index)
    return index


_IDX_CASES = [
    C(((4, 5),), dict(index=1)), C(((4, 5),), dict(index=(slice(1, 3), slice(None, None, 2)))),
    C(((4, 5),), dict(index=(None, Ellipsis, -1))),
    C(((4, 5),), dict(index=np.array([0, 2, 2]))),                 # repeated -> accumulate
    C(((4, 5),), dict(index=(slice(None), np.array([4, 0])))),
    C(((4, 5),), dict(index=np.array([True, False, True, True]))),
    C(((2, 3),), dict(index=_MASK)),
    C(((3, 4, 2),), dict(index=(np.array([0, 2]), slice(1, None), np.array([1, 0])))),
    C(((3, 4),), dict(index=(Ellipsis, slice(0, 0)))),              # size-0 result
    C(((),), dict(index=None)),
    C(((4, 5),), dict(index=(slice(None, None, 2), 1)), noncontig=True),
]


def _s(name, call, ref, cases, **kw) -> OpSpec:
    return OpSpec(name=name, call=call, ref=ref, cases=cases, **kw)


def _unary(name, ref, domain="real", call=None, **kw):
    call = call or (lambda lib, x: getattr(lib, name)(x))
    return _s(name, call, ref, UNARY, domain=domain, **kw)


def _binary(name, ref, domain="real", call=None, **kw):
    call = call or (lambda lib, a, b: getattr(lib, name)(a, b))
    kw.setdefault("bad_shapes", BINARY_BAD)
    return _s(name, call, ref, BINARY, domain=domain, binary_broadcast=True, **kw)


# ---------------------------------------------------------------------------
# elementwise
# ---------------------------------------------------------------------------
ELEMENTWISE = [
    _binary("add", np.add),
    _s("add", lambda lib, a, b: lib.add(a, b, alpha=2.5), lambda a, b: a + 2.5 * b,
       BINARY[:4], bad_shapes=BINARY_BAD),
    _binary("sub", np.subtract),
    _s("sub", lambda lib, a, b: lib.sub(a, b, alpha=-0.5), lambda a, b: a + 0.5 * b, BINARY[:4]),
    _binary("mul", np.multiply),
    _binary("div", np.divide, domain=("real", "away0")),
    _binary("true_divide", np.divide, domain=("real", "away0"), error_name="div"),
    _s("div", lambda lib, a: lib.div(3.0, a), lambda a: 3.0 / a, UNARY, domain="away0"),
    _unary("neg", np.negative),
    _binary("pow", np.power, domain=("pos", "real")),
    _s("pow", lambda lib, a: lib.pow(a, 3), lambda a: a ** 3, UNARY),
    _s("pow", lambda lib, a: lib.pow(a, -1.5), lambda a: a ** -1.5, UNARY, domain="pos"),
    _s("pow", lambda lib, a: lib.pow(2.0, a), lambda a: 2.0 ** a, UNARY),
    _unary("exp", np.exp),
    _unary("expm1", np.expm1),
    _unary("log", np.log, domain="pos"),
    _unary("log1p", np.log1p, domain="unit"),
    _unary("log2", np.log2, domain="pos"),
    _unary("log10", np.log10, domain="pos"),
    _unary("sqrt", np.sqrt, domain="pos"),
    _unary("rsqrt", lambda x: 1 / np.sqrt(x), domain="pos"),
    _unary("abs", np.abs, domain="away0"),
    _unary("sign", np.sign, domain="away0", differentiable=False),
    _unary("sin", np.sin),
    _unary("cos", np.cos),
    _unary("tanh", np.tanh),
    _unary("sigmoid", _sigmoid),
    _unary("relu", lambda x: np.maximum(x, 0), domain="away0"),
    _unary("relu6", lambda x: np.clip(4 * x, 0, 6), domain="away0",
           call=lambda lib, x: lib.relu6(x * 4)),
    _unary("leaky_relu", lambda x: np.where(x > 0, x, 0.1 * x), domain="away0",
           call=lambda lib, x: lib.leaky_relu(x, 0.1)),
    _unary("elu", lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)), domain="away0",
           call=lambda lib, x: lib.elu(x, alpha=0.7)),
    _unary("gelu", _gelu),
    _s("gelu", lambda lib, x: lib.gelu(x, approximate="tanh"),
       lambda x: _gelu(x, approximate="tanh"), UNARY),
    _unary("silu", lambda x: x * _sigmoid(x)),
    _unary("softplus", _softplus),
    _s("softplus", lambda lib, x: lib.softplus(x, beta=2.0, threshold=1.5),
       lambda x: _softplus(x, 2.0, 1.5), UNARY, domain="away0"),
    _unary("clamp", lambda x: np.clip(x, -0.5, 0.5), domain="clamp",
           call=lambda lib, x: lib.clamp(x, -0.5, 0.5)),
    _s("clamp", lambda lib, x: lib.clamp(x, min=-0.5), lambda x: np.maximum(x, -0.5),
       UNARY, domain="clamp"),
    _s("clamp", lambda lib, x: lib.clamp(x, max=0.5), lambda x: np.minimum(x, 0.5),
       UNARY, domain="clamp"),
    _unary("clip", lambda x: np.clip(x, -0.5, 0.5), domain="clamp",
           call=lambda lib, x: lib.clip(x, -0.5, 0.5)),
    _unary("hardtanh", lambda x: np.clip(x, -1, 1), domain="clamp"),
    _binary("maximum", np.maximum),
    _binary("minimum", np.minimum),
    _s("where", lambda lib, a, b, cond: lib.where(lib.tensor(cond), a, b),
       lambda a, b, cond: np.where(cond, a, b),
       [C(((2, 3), (2, 3)), dict(cond=_MASK)), C(((3,), (2, 1)), dict(cond=_MASK)),
        C(((), (2, 3)), dict(cond=_BMASK)), C(((2, 3), (2, 3)), dict(cond=_MASK), noncontig=True)],
       bad_shapes=None),
    _unary("reciprocal", np.reciprocal, domain="away0"),
    _unary("square", np.square),
    _unary("erf", _sp.erf),
    _s("cast", lambda lib, x: lib.cast(x, lib.float32), lambda x: x.astype(np.float32),
       UNARY[:3],
       # float32 rounding swamps a 1e-6 central difference; cast is linear, so a big
       # step is exact
       grad_tol=dict(eps=1e-2, atol=1e-4, rtol=1e-3)),
    _unary("clone", lambda x: x.copy()),
    _unary("contiguous", lambda x: x.copy()),
    _binary("floor_divide", np.floor_divide, domain=("real", "away0"), differentiable=False,
            bad_shapes=None),
    _binary("remainder", np.remainder, domain=("frac", "pos"),
            call=lambda lib, a, b: lib.remainder(a, b)),
    _unary("floor", np.floor, domain="frac", differentiable=False),
    _unary("ceil", np.ceil, domain="frac", differentiable=False),
    _unary("round", np.round, domain="frac", differentiable=False),
    _unary("trunc", np.trunc, domain="frac", differentiable=False),
    _s("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), lambda a, b, w: a + w * (b - a),
       TERNARY),
    _s("lerp", lambda lib, a, b: lib.lerp(a, b, 0.3), lambda a, b: a + 0.3 * (b - a), BINARY[:4]),
    _s("addcmul", lambda lib, a, b, c: lib.addcmul(a, b, c, value=0.5),
       lambda a, b, c: a + 0.5 * b * c, TERNARY),
    _s("addcdiv", lambda lib, a, b, c: lib.addcdiv(a, b, c, value=0.5),
       lambda a, b, c: a + 0.5 * b / c, TERNARY, domain=("real", "real", "away0")),
]

# ---------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------
REDUCE = [
    _s("sum", lambda lib, x, **kw: lib.sum(x, **kw), _npred(np.sum), _red_cases(), reduction=True),
    _s("mean", lambda lib, x, **kw: lib.mean(x, **kw), _npred(np.mean),
       _red_cases(empty_ok=False), reduction=True),
    _s("prod", lambda lib, x, **kw: lib.prod(x, **kw), _npred(np.prod),
       [C(((2, 3, 4),), dict(dim=1, keepdim=k)) for k in (False, True)]
       + [C(((3, 4),), dict(dim=0)), C(((),), dict(dim=0)), C(((0, 3),), dict(dim=0)),
          C(((3, 4),), dict(dim=1), noncontig=True)], domain="away0"),
    _s("prod", lambda lib, x: lib.prod(x), lambda x: np.prod(x),
       [C(((2, 3),)), C(((4,),)), C(((),))], domain="away0"),
    _s("amax", lambda lib, x, **kw: lib.amax(x, **kw), _npred(np.amax),
       _red_cases(empty_ok=False), reduction=True),
    _s("amin", lambda lib, x, **kw: lib.amin(x, **kw), _npred(np.amin),
       _red_cases(empty_ok=False), reduction=True),
    _s("max", lambda lib, x: lib.max(x), lambda x: np.asarray(x.max()),
       [C(((2, 3),)), C(((),)), C(((3, 4),), noncontig=True)]),
    _s("max", lambda lib, x, dim, keepdim: lib.max(x, dim, keepdim), _extreme(np.argmax),
       [C(((2, 3, 4),), dict(dim=1, keepdim=False)), C(((2, 3),), dict(dim=-1, keepdim=True)),
        C(((1, 5),), dict(dim=0, keepdim=False)),
        C(((3, 4),), dict(dim=0, keepdim=False), noncontig=True)]),
    _s("max", lambda lib, a, b: lib.max(a, b), np.maximum, BINARY[:5]),
    _s("min", lambda lib, x: lib.min(x), lambda x: np.asarray(x.min()),
       [C(((2, 3),)), C(((),))]),
    _s("min", lambda lib, x, dim, keepdim: lib.min(x, dim, keepdim), _extreme(np.argmin),
       [C(((2, 3, 4),), dict(dim=2, keepdim=False)), C(((2, 3),), dict(dim=0, keepdim=True))]),
    _s("min", lambda lib, a, b: lib.min(a, b), np.minimum, BINARY[:5]),
    _s("var", lambda lib, x, **kw: lib.var(x, **kw), _var,
       [C(((2, 3, 4),), dict(dim=d, keepdim=k)) for d in (None, 1, (0, 2)) for k in (False, True)]
       + [C(((3, 4),), dict(dim=1, correction=0)), C(((3, 4),), dict(dim=0, correction=2)),
          C(((1, 5),), dict(dim=1)), C(((3, 4),), dict(dim=1), noncontig=True)],
       reduction=True),
    _s("var", lambda lib, x: lib.var(x, 1, unbiased=False), lambda x: np.var(x, 1),
       [C(((2, 3),))]),
    _s("std", lambda lib, x, **kw: lib.std(x, **kw), lambda x, **kw: np.sqrt(_var(x, **kw)),
       [C(((2, 3, 4),), dict(dim=d, keepdim=k)) for d in (None, 1, (0, 2)) for k in (False, True)]
       + [C(((3, 4),), dict(dim=1, correction=0)), C(((3, 4),), dict(dim=1), noncontig=True)],
       reduction=True),
    _s("var_mean", lambda lib, x, **kw: lib.var_mean(x, **kw),
       lambda x, **kw: (_var(x, **kw), _npred(np.mean)(x, kw.get("dim"), kw.get("keepdim", False))),
       [C(((2, 3, 4),), dict(dim=1)), C(((3, 4),), dict(dim=None, keepdim=True))]),
    _s("std_mean", lambda lib, x, **kw: lib.std_mean(x, **kw),
       lambda x, **kw: (np.sqrt(_var(x, **kw)),
                        _npred(np.mean)(x, kw.get("dim"), kw.get("keepdim", False))),
       [C(((2, 3, 4),), dict(dim=(0, 2))), C(((3, 4),), dict(dim=1, correction=0))]),
    _s("logsumexp", lambda lib, x, **kw: lib.logsumexp(x, **kw),
       lambda x, dim, keepdim=False: _sp.logsumexp(x, axis=tuple(dim) if isinstance(dim, tuple)
                                                   else dim, keepdims=keepdim),
       [C(((2, 3, 4),), dict(dim=d, keepdim=k)) for d in (1, -1, (0, 2)) for k in (False, True)]
       + [C(((1, 5),), dict(dim=0)), C(((3, 4),), dict(dim=1), noncontig=True),
          C(((0, 3),), dict(dim=1))], reduction=True),
    _s("norm", lambda lib, x, **kw: lib.norm(x, **kw),
       lambda x, p="fro", dim=None, keepdim=False: (
           np.linalg.norm(x.reshape(-1)) if dim is None and not keepdim else
           np.linalg.norm(x, ord=None if p == "fro" else p, axis=dim, keepdims=keepdim)),
       [C(((2, 3),)), C(((2, 3, 4),), dict(dim=1, keepdim=True)), C(((4,),), dict(p=1, dim=0)),
        C(((3, 4),), dict(p=3, dim=1)), C(((3, 4),), dict(p=float("inf"), dim=1)),
        C(((3, 4),), dict(dim=0), noncontig=True)], domain="away0"),
    _s("sum_to", lambda lib, x, **kw: lib.sum_to(x, kw["shape"]),
       lambda x, shape: x.reshape(x.shape).sum(axis=tuple(
           i for i in range(x.ndim) if i < x.ndim - len(shape) or
           shape[i - x.ndim + len(shape)] == 1 and x.shape[i] != 1), keepdims=True).reshape(shape),
       [C(((2, 3, 4),), dict(shape=(3, 1))), C(((2, 3),), dict(shape=(2, 3))),
        C(((2, 3),), dict(shape=())), C(((4, 3),), dict(shape=(1, 3)), noncontig=True)]),
    _s("broadcast_to", lambda lib, x, shape: lib.broadcast_to(x, shape), np.broadcast_to,
       [C(((3, 1),), dict(shape=(2, 3, 4))), C(((),), dict(shape=(2, 2))),
        C(((4,),), dict(shape=(0, 4))), C(((1, 3),), dict(shape=(2, 3)), noncontig=True)],
       bad_shapes=None),
    _s("cumsum", lambda lib, x, dim: lib.cumsum(x, dim), lambda x, dim: np.cumsum(x, axis=dim),
       [C(((2, 3, 4),), dict(dim=1)), C(((5,),), dict(dim=0)), C(((3, 4),), dict(dim=-1)),
        C(((0, 3),), dict(dim=0)), C(((3, 4),), dict(dim=0), noncontig=True)]),
    _s("cumprod", lambda lib, x, dim: lib.cumprod(x, dim), lambda x, dim: np.cumprod(x, axis=dim),
       [C(((2, 3, 4),), dict(dim=1)), C(((5,),), dict(dim=0)),
        C(((3, 4),), dict(dim=0), noncontig=True)], domain="away0"),
    _s("argmax", lambda lib, x, **kw: lib.argmax(x, **kw),
       lambda x, dim=None, keepdim=False: np.argmax(x, axis=dim, keepdims=keepdim if dim is not
                                                    None else False),
       [C(((2, 3, 4),)), C(((2, 3, 4),), dict(dim=1)), C(((3, 4),), dict(dim=0, keepdim=True))],
       differentiable=False),
    _s("argmin", lambda lib, x, **kw: lib.argmin(x, **kw),
       lambda x, dim=None, keepdim=False: np.argmin(x, axis=dim, keepdims=keepdim if dim is not
                                                    None else False),
       [C(((2, 3, 4),)), C(((2, 3, 4),), dict(dim=-1))], differentiable=False),
    _s("all", lambda lib, x, **kw: lib.all(x > 0, **kw), lambda x, **kw: _npred(np.all)(x > 0, **kw),
       [C(((2, 3),)), C(((2, 3),), dict(dim=1)), C(((0, 3),))], differentiable=False),
    _s("any", lambda lib, x, **kw: lib.any(x > 0, **kw), lambda x, **kw: _npred(np.any)(x > 0, **kw),
       [C(((2, 3),)), C(((2, 3),), dict(dim=0, keepdim=True)), C(((0, 3),))],
       differentiable=False),
    _s("count_nonzero", lambda lib, x, **kw: lib.count_nonzero(lib.relu(x), **kw),
       lambda x, dim=None: np.count_nonzero(np.maximum(x, 0), axis=dim),
       [C(((2, 3),)), C(((2, 3),), dict(dim=1))], domain="away0", differentiable=False),
]

# ---------------------------------------------------------------------------
# shape
# ---------------------------------------------------------------------------
def _np_pad(x, pad, value=0.0):
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return np.pad(x, widths, constant_values=value)


def _split_ref(x, split_size_or_sections, dim=0):
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        cuts = list(range(split_size_or_sections, n, split_size_or_sections))
    else:
        cuts = list(np.cumsum(split_size_or_sections)[:-1])
    return tuple(np.split(x, cuts, axis=dim))


SHAPE = [
    _s("reshape", lambda lib, x, shape: lib.reshape(x, shape), lambda x, shape: x.reshape(shape),
       [C(((2, 3, 4),), dict(shape=(6, 4))), C(((2, 3),), dict(shape=(-1,))),
        C(((),), dict(shape=(1, 1))), C(((0, 3),), dict(shape=(3, 0))),
        C(((3, 4),), dict(shape=(2, 6)), noncontig=True)]),
    _s("view", lambda lib, x, shape: lib.view(x, shape), lambda x, shape: x.reshape(shape),
       [C(((2, 3, 4),), dict(shape=(6, -1))), C(((),), dict(shape=(1,))),
        C(((0, 3),), dict(shape=(0,)))]),
    _s("flatten", lambda lib, x, **kw: lib.flatten(x, **kw),
       lambda x, start_dim=0, end_dim=-1: x.reshape(
           x.shape[:start_dim] + (-1,) + x.shape[end_dim % max(x.ndim, 1) + 1:]) if x.ndim
       else x.reshape(1),
       [C(((2, 3, 4),)), C(((2, 3, 4),), dict(start_dim=1)), C(((),)),
        C(((2, 3, 4),), dict(start_dim=0, end_dim=1), noncontig=True)]),
    _s("unflatten", lambda lib, x, dim, sizes: lib.unflatten(x, dim, sizes),
       lambda x, dim, sizes: x.reshape(x.shape[:dim] + sizes + x.shape[dim + 1:]),
       [C(((2, 6),), dict(dim=1, sizes=(2, 3))), C(((6, 2),), dict(dim=0, sizes=(3, -1)))]),
    _s("transpose", lambda lib, x, d0, d1: lib.transpose(x, d0, d1),
       lambda x, d0, d1: np.swapaxes(x, d0, d1),
       [C(((2, 3, 4),), dict(d0=0, d1=2)), C(((2, 3),), dict(d0=-1, d1=0)),
        C(((0, 3),), dict(d0=0, d1=1)), C(((3, 4),), dict(d0=0, d1=1), noncontig=True)]),
    _s("swapaxes", lambda lib, x: lib.swapaxes(x, 0, 1), lambda x: np.swapaxes(x, 0, 1),
       [C(((2, 3),)), C(((2, 3, 4),))]),
    _s("t", lambda lib, x: lib.t(x), lambda x: x.T if x.ndim == 2 else x,
       [C(((2, 3),)), C(((3,),)), C(((),)), C(((0, 3),)), C(((3, 4),), noncontig=True)]),
    _s("permute", lambda lib, x, dims: lib.permute(x, dims), lambda x, dims: np.transpose(x, dims),
       [C(((2, 3, 4),), dict(dims=(2, 0, 1))), C(((),), dict(dims=())),
        C(((3, 4),), dict(dims=(1, 0)), noncontig=True)]),
    _s("movedim", lambda lib, x: lib.movedim(x, 0, -1), lambda x: np.moveaxis(x, 0, -1),
       [C(((2, 3, 4),))]),
    _s("squeeze", lambda lib, x, **kw: lib.squeeze(x, **kw),
       lambda x, dim=None: np.squeeze(x, dim if dim is None or x.shape[dim] == 1 else ()),
       [C(((2, 1, 3, 1),)), C(((2, 1, 3),), dict(dim=1)), C(((2, 3),), dict(dim=0)),
        C(((),))]),
    _s("unsqueeze", lambda lib, x, dim: lib.unsqueeze(x, dim),
       lambda x, dim: np.expand_dims(x, dim if dim >= 0 else x.ndim + 1 + dim),
       [C(((2, 3),), dict(dim=0)), C(((2, 3),), dict(dim=-1)), C(((),), dict(dim=0)),
        C(((3, 4),), dict(dim=1), noncontig=True)]),
    _s("expand", lambda lib, x, sizes: lib.expand(x, *sizes),
       lambda x, sizes: np.broadcast_to(x, tuple(
           s if s != -1 else x.shape[i - len(sizes) + x.ndim] for i, s in enumerate(sizes))),
       [C(((3, 1),), dict(sizes=(2, 3, 4))), C(((3, 1),), dict(sizes=(-1, 5))),
        C(((),), dict(sizes=(2,))), C(((1, 3),), dict(sizes=(2, 3)), noncontig=True)]),
    _s("expand_as", lambda lib, x, y: lib.expand_as(x, y), lambda x, y: np.broadcast_to(x, y.shape),
       [C(((3, 1), (2, 3, 4)))]),
    _s("repeat", lambda lib, x, reps: lib.repeat(x, *reps), lambda x, reps: np.tile(x, reps),
       [C(((2, 3),), dict(reps=(2, 1))), C(((2, 3),), dict(reps=(2, 1, 2))),
        C(((),), dict(reps=(3,))), C(((3, 4),), dict(reps=(1, 2)), noncontig=True)]),
    _s("tile", lambda lib, x, dims: lib.tile(x, dims), lambda x, dims: np.tile(x, dims),
       [C(((2, 3),), dict(dims=(2,))), C(((2, 3),), dict(dims=(2, 1, 2)))]),
    _s("cat", lambda lib, a, b, **kw: lib.cat([a, b], **kw),
       lambda a, b, dim=0: np.concatenate([a, b], axis=dim),
       [C(((2, 3), (4, 3))), C(((2, 3), (2, 1)), dict(dim=1)), C(((0, 3), (2, 3))),
        C(((3, 4), (3, 4)), dict(dim=-1), noncontig=True)], bad_shapes=((2, 3), (2, 4))),
    _s("concat", lambda lib, a, b: lib.concat([a, b], dim=1),
       lambda a, b: np.concatenate([a, b], axis=1), [C(((2, 3), (2, 1)))]),
    _s("concatenate", lambda lib, a, b: lib.concatenate([a, b], dim=0),
       lambda a, b: np.concatenate([a, b], axis=0), [C(((2, 3), (1, 3)))]),
    _s("stack", lambda lib, a, b, **kw: lib.stack([a, b], **kw),
       lambda a, b, dim=0: np.stack([a, b], axis=dim),
       [C(((2, 3), (2, 3))), C(((2, 3), (2, 3)), dict(dim=-1)), C(((), ())),
        C(((0, 2), (0, 2)), dict(dim=1)), C(((3, 4), (3, 4)), dict(dim=1), noncontig=True)],
       bad_shapes=((2, 3), (3, 2))),
    _s("hstack", lambda lib, a, b: lib.hstack([a, b]), lambda a, b: np.hstack([a, b]),
       [C(((2, 3), (2, 1))), C(((3,), (2,)))]),
    _s("vstack", lambda lib, a, b: lib.vstack([a, b]), lambda a, b: np.vstack([a, b]),
       [C(((2, 3), (1, 3))), C(((3,), (3,)))]),
    _s("split", lambda lib, x, s, dim: lib.split(x, s, dim), lambda x, s, dim: _split_ref(x, s, dim),
       [C(((5, 3),), dict(s=2, dim=0)), C(((2, 6),), dict(s=[1, 3, 2], dim=1)),
        C(((3, 4),), dict(s=3, dim=1), noncontig=True)]),
    _s("chunk", lambda lib, x: lib.chunk(x, 3, 1), lambda x: tuple(np.array_split(x, 3, axis=1)),
       [C(((2, 6),)), C(((2, 9),))]),
    _s("unbind", lambda lib, x, **kw: lib.unbind(x, **kw),
       lambda x, dim=0: tuple(np.moveaxis(x, dim, 0)),
       [C(((3, 2),)), C(((2, 3),), dict(dim=1))]),
    _s("narrow", lambda lib, x: lib.narrow(x, 1, 1, 2), lambda x: x[:, 1:3], [C(((2, 4),))]),
    _s("flip", lambda lib, x, dims: lib.flip(x, dims), lambda x, dims: np.flip(x, dims),
       [C(((2, 3, 4),), dict(dims=(0, 2))), C(((3,),), dict(dims=(0,))),
        C(((3, 4),), dict(dims=(1,)), noncontig=True)]),
    _s("pad", lambda lib, x, pad, **kw: lib.pad(x, pad, **kw), _np_pad,
       [C(((2, 3),), dict(pad=(1, 2))), C(((2, 3, 4),), dict(pad=(0, 1, 2, 0), value=1.5)),
        C(((0, 3),), dict(pad=(1, 1))), C(((3, 4),), dict(pad=(1, 1, 1, 1)), noncontig=True)]),
    _s("roll", lambda lib, x, shifts, **kw: lib.roll(x, shifts, **kw),
       lambda x, shifts, dims=None: np.roll(x, shifts, dims),
       [C(((2, 3, 4),), dict(shifts=1, dims=2)), C(((2, 3),), dict(shifts=(1, -1), dims=(0, 1))),
        C(((2, 3),), dict(shifts=4)), C(((3, 4),), dict(shifts=1, dims=0), noncontig=True)]),
    _s("view_as", lambda lib, x, y: lib.view_as(x, y), lambda x, y: x.reshape(y.shape),
       [C(((2, 6), (3, 4)))]),
    _s("reshape_as", lambda lib, x, y: lib.reshape_as(x, y), lambda x, y: x.reshape(y.shape),
       [C(((2, 6), (4, 3))), C(((3, 4), (2, 6)), noncontig=True)]),
    _s("ravel", lambda lib, x: lib.ravel(x), np.ravel, [C(((2, 3),)), C(((3, 4),), noncontig=True)]),
]

# ---------------------------------------------------------------------------
# indexing
# ---------------------------------------------------------------------------
INDEX = [
    _s("getitem", lambda lib, x, index: lib.getitem(x, _tensorize(lib, index)),
       lambda x, index: x[index], _IDX_CASES),
    _s("index_put", lambda lib, x, v, index: lib.index_put(x, _tensorize(lib, index), v),
       _index_put_ref,
       [C(((3, 4), (2, 4)), dict(index=(np.array([2, 0]),))),
        C(((3, 4), (4,)), dict(index=(np.array([1]),))),
        C(((3, 4), ()), dict(index=(np.array([0, 2]), np.array([3, 1])))),
        C(((3, 4), (2, 4)), dict(index=(np.array([2, 0]),)), noncontig=True)]),
    _s("gather", lambda lib, x, dim, index: lib.gather(x, dim, lib.tensor(index)),
       lambda x, dim, index: np.take_along_axis(x, index, dim),
       [C(((2, 3),), dict(dim=1, index=_IDX_G)),
        C(((3, 2),), dict(dim=0, index=_IDX_G.T.copy())),
        C(((2, 4),), dict(dim=1, index=np.zeros((2, 0), np.int64))),
        C(((3, 2),), dict(dim=0, index=_IDX_G.T.copy()), noncontig=True)]),
    _s("take_along_dim", lambda lib, x, dim, index: lib.take_along_dim(x, lib.tensor(index), dim),
       lambda x, dim, index: np.take_along_axis(x, index, dim),
       [C(((2, 3),), dict(dim=1, index=_IDX_G))]),
    _s("scatter_add", lambda lib, x, s, dim, index: lib.scatter_add(x, dim, lib.tensor(index), s),
       lambda x, s, dim, index: _scatter_add_ref(x, s, dim, index),
       [C(((3, 4), (2, 4)), dict(dim=0, index=_IDX_S)),
        C(((3, 5), (2, 4)), dict(dim=0, index=_IDX_S)),
        C(((4, 3), (4, 2)), dict(dim=1, index=_IDX_S.T.copy()), noncontig=True)]),
    _s("scatter", lambda lib, x, s, dim, index: lib.scatter(x, dim, lib.tensor(index), s),
       lambda x, s, dim, index: _scatter_ref(x, s, dim, index),
       [C(((3, 4), (2, 4)), dict(dim=0, index=_IDX_P)),
        C(((4, 3), (4, 2)), dict(dim=1, index=_IDX_P.T.copy()), noncontig=True)]),
    _s("index_select", lambda lib, x, dim, index: lib.index_select(x, dim, lib.tensor(index)),
       lambda x, dim, index: np.take(x, index, axis=dim),
       [C(((4, 3),), dict(dim=0, index=np.array([3, 0, 3]))),
        C(((2, 5),), dict(dim=1, index=np.array([4, 1]))),
        C(((3, 4),), dict(dim=1, index=np.array([], np.int64))),
        C(((3, 4),), dict(dim=0, index=np.array([2, 1])), noncontig=True)]),
    _s("index_add", lambda lib, x, s, dim, index, **kw: lib.index_add(x, dim, lib.tensor(index),
                                                                     s, **kw),
       _index_add_ref,
       [C(((3, 4), (2, 4)), dict(dim=0, index=np.array([2, 0]))),
        C(((3, 4), (3, 4)), dict(dim=0, index=np.array([1, 1, 0]), alpha=-2.5)),
        C(((3, 5), (3, 3)), dict(dim=1, index=np.array([4, 0, 4], np.int32))),
        C(((2, 3, 4), (2, 2, 4)), dict(dim=-2, index=np.array([1, 1]), alpha=0.5)),
        C(((3, 4), (0, 4)), dict(dim=0, index=np.array([], np.int64))),
        C(((), ()), dict(dim=0, index=np.array([0]), alpha=3)),
        C(((4, 3), (4, 2)), dict(dim=1, index=np.array([2, 0])), noncontig=True)]),
    _s("masked_fill", lambda lib, x, mask: lib.masked_fill(x, lib.tensor(mask), -1.5),
       lambda x, mask: np.where(mask, -1.5, x),
       [C(((2, 3),), dict(mask=_MASK)), C(((4, 3),), dict(mask=_BMASK)),
        C(((3, 2),), dict(mask=_MASK.T.copy()), noncontig=True)]),
    _s("masked_select", lambda lib, x, mask: lib.masked_select(x, lib.tensor(mask)),
       lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
           np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))],
       [C(((2, 3),), dict(mask=_MASK)), C(((4, 3),), dict(mask=_BMASK))]),
    _s("one_hot", lambda lib, x, idx, **kw: lib.one_hot(lib.tensor(idx), **kw),
       lambda x, idx, num_classes=-1: np.eye(idx.max() + 1 if num_classes < 0 else num_classes,
                                             dtype=np.int64)[idx],
       [C(((),), dict(idx=np.array([0, 2, 1]))), C(((),), dict(idx=np.array([[1], [3]]),
                                                           num_classes=5))],
       differentiable=False),
    _s("nonzero", lambda lib, x: lib.nonzero(lib.relu(x)),
       lambda x: np.argwhere(np.maximum(x, 0)), [C(((3, 4),)), C(((5,),))],
       domain="away0", differentiable=False),
]

# ---------------------------------------------------------------------------
# linear algebra
# ---------------------------------------------------------------------------
LINALG = [
    _s("matmul", lambda lib, a, b: lib.matmul(a, b), np.matmul,
       [C(((2, 3), (3, 4))), C(((3,), (3,))), C(((3,), (3, 2))), C(((2, 3), (3,))),
        C(((2, 2, 3), (3, 4))), C(((3,), (2, 3, 2))), C(((2, 1, 2, 3), (3, 3, 2))),
        C(((2, 0), (0, 3))), C(((0, 2), (2, 3))),
        C(((3, 4), (4, 3)), noncontig=True), C(((2, 3, 4), (4, 2)), noncontig=True)],
       bad_shapes=((2, 3), (4, 2))),
    _s("mm", lambda lib, a, b: lib.mm(a, b), np.matmul,
       [C(((2, 3), (3, 4))), C(((3, 4), (4, 3)), noncontig=True)], bad_shapes=((2, 3), (2, 3)),
       error_name="matmul"),  # inner-dimension mismatch is reported by matmul,
    _s("bmm", lambda lib, a, b: lib.bmm(a, b), np.matmul,
       [C(((2, 2, 3), (2, 3, 4))), C(((2, 3, 4), (2, 4, 3)), noncontig=True)],
       bad_shapes=((2, 2, 3), (2, 2, 3)),
       error_name="matmul"),  # inner-dimension mismatch is reported by matmul,
    _s("mv", lambda lib, a, b: lib.mv(a, b), np.matmul,
       [C(((2, 3), (3,))), C(((3, 4), (4,)), noncontig=True)], bad_shapes=((2, 3), (2,)),
       error_name="matmul"),  # inner-dimension mismatch is reported by matmul,
    _s("dot", lambda lib, a, b: lib.dot(a, b), np.dot,
       [C(((3,), (3,))), C(((0,), (0,))), C(((4,), (4,)), noncontig=True)],
       bad_shapes=((3,), (4,)),
       error_name="matmul"),  # inner-dimension mismatch is reported by matmul,
    _s("outer", lambda lib, a, b: lib.outer(a, b), np.outer,
       [C(((3,), (2,))), C(((0,), (2,))), C(((3,), (4,)), noncontig=True)]),
    _s("einsum", lambda lib, a, b, eq: lib.einsum(eq, a, b), lambda a, b, eq: np.einsum(eq, a, b),
       [C(((2, 3), (3, 4)), dict(eq="ij,jk->ik")), C(((2, 2, 3), (2, 3, 4)), dict(eq="bij,bjk->bik")),
        C(((3,), (3,)), dict(eq="i,i->")), C(((2, 3), (2, 3)), dict(eq="ij,ij->i")),
        C(((2,), (3,)), dict(eq="i,j->ij")), C(((3, 4), (4, 3)), dict(eq="ij,jk->ik"),
                                               noncontig=True)]),
    _s("addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0),
       lambda c, a, b: 0.5 * c + 2.0 * a @ b, [C(((2, 4), (2, 3), (3, 4))), C(((4,), (2, 3), (3, 4)))]),
    _s("baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=0.5, alpha=2.0),
       lambda c, a, b: 0.5 * c + 2.0 * a @ b, [C(((2, 2, 4), (2, 2, 3), (2, 3, 4))),
                                                C(((4,), (2, 2, 3), (2, 3, 4)))]),
]

# ---------------------------------------------------------------------------
# activation (softmax family)
# ---------------------------------------------------------------------------
_SOFTMAX_CASES = [C(((2, 3),), dict(dim=1)), C(((2, 3, 4),), dict(dim=0)),
                  C(((4,),), dict(dim=-1)), C(((0, 3),), dict(dim=1)),
                  C(((3, 4),), dict(dim=1), noncontig=True)]
ACTIVATION = [
    _s("softmax", lambda lib, x, dim: lib.softmax(x, dim), _softmax, _SOFTMAX_CASES),
    _s("log_softmax", lambda lib, x, dim: lib.log_softmax(x, dim), _log_softmax, _SOFTMAX_CASES),
    # numerically stable for large logits
    _s("softmax", lambda lib, x, dim: lib.softmax(x * 1000.0, dim),
       lambda x, dim: _softmax(x * 1000.0, dim), [C(((2, 3),), dict(dim=1))],
       domain="away0", differentiable=False),
    _s("log_softmax", lambda lib, x, dim: lib.log_softmax(x * 1000.0, dim),
       lambda x, dim: _log_softmax(x * 1000.0, dim), [C(((2, 3),), dict(dim=1))],
       domain="away0", differentiable=False),
]

# ---------------------------------------------------------------------------
# compare (forward only, bool outputs)
# ---------------------------------------------------------------------------
_CMP_CASES = [C(((2, 3), (2, 3))), C(((2, 1), (3,))), C(((), (2, 3)))]


def _ints(lib, x):
    """A float test input as an int64 tensor of small signed integers."""
    return (x * 4).round().to(lib.int64)


def _cmp(name, ref, unary=False):
    if unary:
        return _s(name, lambda lib, x: getattr(lib, name)(x), ref,
                  [C(((2, 3),)), C(((),))], differentiable=False)
    return _s(name, lambda lib, a, b: getattr(lib, name)(a, b), ref, _CMP_CASES,
              differentiable=False)


def _rounded(lib, x):
    # the comparisons see equal entries too: round onto a coarse grid
    return lib.round(x)


COMPARE = [
    _s(n, (lambda n: lambda lib, a, b: getattr(lib, n)(_rounded(lib, a), _rounded(lib, b)))(n),
       (lambda f: lambda a, b: f(np.round(a), np.round(b)))(f), _CMP_CASES, differentiable=False)
    for n, f in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                 ("gt", np.greater), ("ge", np.greater_equal)]
] + [
    _s("logical_not", lambda lib, x: lib.logical_not(x > 0), lambda x: ~(x > 0),
       [C(((2, 3),)), C(((),))], differentiable=False),
] + [
    _s(n, (lambda n: lambda lib, a, b: getattr(lib, n)(a > 0, b > 0))(n),
       (lambda f: lambda a, b: f(a > 0, b > 0))(f), _CMP_CASES, differentiable=False)
    for n, f in [("logical_and", np.logical_and), ("logical_or", np.logical_or),
                 ("logical_xor", np.logical_xor)]
] + [
    # integer operands: round the float inputs to int64 (bitwise ops have no float kernel)
    _s(n, (lambda n: lambda lib, a, b: getattr(lib, n)(_ints(lib, a), _ints(lib, b)))(n),
       (lambda f: lambda a, b: f(np.round(a * 4).astype(np.int64), np.round(b * 4).astype(np.int64)))(f),
       _CMP_CASES, differentiable=False)
    for n, f in [("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                 ("bitwise_xor", np.bitwise_xor)]
] + [
    _s("bitwise_not", lambda lib, x: lib.bitwise_not(_ints(lib, x)),
       lambda x: np.invert(np.round(x * 4).astype(np.int64)), [C(((2, 3),)), C(((),))],
       differentiable=False),
] + [
    _s(n, (lambda n: lambda lib, x: getattr(lib, n)(lib.log(x)))(n),
       (lambda f: lambda x: f(np.log(x)))(f), [C(((2, 3),)), C(((),))], differentiable=False)
    for n, f in [("isnan", np.isnan), ("isinf", np.isinf), ("isfinite", np.isfinite)]
] + [
    _s("equal", lambda lib, a, b: lib.equal(a, b), lambda a, b: np.array_equal(a, b),
       [C(((2, 3), (2, 3))), C(((2, 3), (3,)))], differentiable=False),
    _s("equal", lambda lib, a: lib.equal(a, a * 1.0), lambda a: True, [C(((2, 3),))],
       differentiable=False),
    _s("allclose", lambda lib, a: lib.allclose(a, a + 1e-9), lambda a: True, [C(((2, 3),))],
       differentiable=False),
    _s("allclose", lambda lib, a, b: lib.allclose(a, b), lambda a, b: np.allclose(a, b),
       _CMP_CASES, differentiable=False),
    _s("isclose", lambda lib, a, b: lib.isclose(a, a + b * 1e-3, atol=1e-3, rtol=0.0),
       lambda a, b: np.isclose(a, a + b * 1e-3, atol=1e-3, rtol=0.0), _CMP_CASES,
       differentiable=False),
]

# ---------------------------------------------------------------------------
# issue 12: math functions, index ops, linalg-ish ops
# ---------------------------------------------------------------------------
NON_DIFFERENTIABLE.update({"tril_indices", "triu_indices"})  # int64 index grids


def _scatter_reduce_ref(x, s, dim, index, reduce, include_self=True):
    if x.ndim == 0:
        return _scatter_reduce_ref(x.reshape(1), s.reshape(1), 0, index.reshape(1), reduce,
                                   include_self).reshape(())
    out = x.copy()
    groups: dict = {}
    for pos in np.ndindex(*index.shape):
        tgt = list(pos)
        tgt[dim] = index[pos]
        groups.setdefault(tuple(tgt), []).append(s[pos])
    for tgt, vals in groups.items():
        vals = ([x[tgt]] if include_self else []) + vals
        out[tgt] = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max,
                    "amin": np.min}[reduce](vals)
    return out


def _index_copy_ref(x, s, dim, index):
    out = x.copy()
    if x.ndim == 0:
        return s.copy()
    for k, i in enumerate(index):
        out[(slice(None),) * (dim % x.ndim) + (i,)] = np.take(s, k, axis=dim)
    return out


def _index_fill_ref(x, v, dim, index):
    out = x.copy()
    if x.ndim == 0:
        return np.asarray(v, dtype=x.dtype).copy()
    out[(slice(None),) * dim + (index,)] = v
    return out


def _masked_scatter_ref(x, s, mask):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    out = np.broadcast_to(x, shape).copy()
    m = np.broadcast_to(mask, shape)
    out[m] = s.reshape(-1)[:m.sum()]
    return out


def _diag_embed_ref(x, offset=0, dim1=-2, dim2=-1):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n))
    for pos in np.ndindex(*x.shape[:-1]):
        out[pos] = np.diag(x[pos], offset)
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _cdist_ref(a, b, p=2.0):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if np.isinf(p):
        return d.max(-1) if d.shape[-1] else d.sum(-1)
    return (d ** p).sum(-1) ** (1.0 / p)


def _block_diag_ref(*xs):
    from scipy.linalg import block_diag as bd
    return bd(*[np.atleast_2d(x) for x in xs])


def _cos_ref(a, b, dim=1, eps=1e-8):
    a, b = np.broadcast_arrays(a, b)
    n1 = np.maximum(np.sqrt((a * a).sum(dim, keepdims=True)), eps)
    n2 = np.maximum(np.sqrt((b * b).sum(dim, keepdims=True)), eps)
    return ((a / n1) * (b / n2)).sum(dim)


def _pd_ref(a, b, p=2.0, eps=1e-6, keepdim=False):
    d = np.abs(a - b + eps)
    if d.ndim == 0:
        return d
    return ((d ** p).sum(-1, keepdims=keepdim)) ** (1.0 / p)


_IDX_R = np.array([[0, 1, 0, 2], [0, 0, 0, 0], [2, 2, 1, 0]], dtype=np.int64)  # into (3, 4), dim 0


def _sr_cases(reduce):
    return [C(((3, 4), (3, 4)), dict(dim=0, index=_IDX_R, reduce=reduce)),
            # src larger than index is covered in tests/autograd/test_math_index_ops.py
            # (torch's own backward rejects it)
            C(((3, 4), (3, 4)), dict(dim=0, index=_IDX_R, reduce=reduce, include_self=False)),
            C(((4, 3), (4, 3)), dict(dim=1, index=_IDX_R.T.copy(), reduce=reduce)),
            C(((), ()), dict(dim=0, index=np.array(0), reduce=reduce)),
            C(((3, 4), (0, 4)), dict(dim=0, index=np.zeros((0, 4), np.int64), reduce=reduce)),
            C(((4, 3), (4, 3)), dict(dim=1, index=_IDX_R.T.copy(), reduce=reduce,
                                     include_self=False), noncontig=True)]


MATH_INDEX_12 = [
    _unary("sinh", np.sinh), _unary("cosh", np.cosh), _unary("tan", np.tan, domain="small"),
    _unary("asin", np.arcsin, domain="unit"), _unary("acos", np.arccos, domain="unit"),
    _unary("atan", np.arctan), _unary("asinh", np.arcsinh), _unary("atanh", np.arctanh,
                                                                   domain="unit"),
    _unary("acosh", lambda x: np.arccosh(x + 1.5), domain="pos",
           call=lambda lib, x: lib.acosh(x + 1.5)),
    _unary("arcsin", np.arcsin, domain="unit"), _unary("arccos", np.arccos, domain="unit"),
    _unary("arctan", np.arctan), _unary("arcsinh", np.arcsinh),
    _unary("arctanh", np.arctanh, domain="unit"),
    _unary("arccosh", lambda x: np.arccosh(x + 1.5), domain="pos",
           call=lambda lib, x: lib.arccosh(x + 1.5)),
    _binary("logaddexp", np.logaddexp), _binary("logaddexp2", np.logaddexp2),
    _binary("hypot", np.hypot, domain="away0"),
    _binary("atan2", np.arctan2, domain="away0"),
    _binary("arctan2", np.arctan2, domain="away0", error_name="atan2"),
    _binary("fmod", np.fmod, domain=("frac", "pos")),
    _s("fmod", lambda lib, a: lib.fmod(a, 0.7), lambda a: np.fmod(a, 0.7), UNARY, domain="frac"),
    _unary("nan_to_num", lambda x: x, call=lambda lib, x: lib.nan_to_num(x, nan=0.5)),
    _s("nan_to_num", lambda lib, x: lib.nan_to_num(lib.log(x), nan=0.5, posinf=3.0, neginf=-3.0),
       lambda x: np.nan_to_num(np.log(x), nan=0.5, posinf=3.0, neginf=-3.0),
       [C(((2, 3),)), C(((),))], differentiable=False),
    _binary("xlogy", lambda a, b: a * np.log(b), domain=("real", "pos")),
    _s("xlogy", lambda lib, a: lib.xlogy(a, 2.5), lambda a: a * np.log(2.5), UNARY),
    _s("xlogy", lambda lib, b: lib.xlogy(2.0, b), lambda b: 2.0 * np.log(b), UNARY, domain="pos"),
    _binary("copysign", np.copysign, domain="away0"),
    _unary("frac", lambda x: x - np.trunc(x), domain="frac"),
    _unary("deg2rad", np.deg2rad), _unary("rad2deg", np.rad2deg),
    _binary("float_power", np.power, domain=("pos", "real"), error_name="pow",
            call=lambda lib, a, b: lib.float_power(a, b).to(a.dtype)),
    _s("float_power", lambda lib, a: lib.float_power(a, 2).to(a.dtype), lambda a: a ** 2, UNARY),
    _unary("logit", lambda x: _sp.logit(x * 0.4 + 0.5), domain="unit",
           call=lambda lib, x: lib.logit(x * 0.4 + 0.5)),
    _s("logit", lambda lib, x: lib.logit(x * 0.25 + 0.5, eps=0.2),
       lambda x: _sp.logit(np.clip(x * 0.25 + 0.5, 0.2, 0.8)), UNARY, domain="clamp"),
    # index
    _s("index_copy", lambda lib, x, s, dim, index: lib.index_copy(x, dim, lib.tensor(index), s),
       _index_copy_ref,
       [C(((3, 4), (2, 4)), dict(dim=0, index=np.array([2, 0]))),
        C(((3, 5), (3, 2)), dict(dim=-1, index=np.array([4, 1]))),
        C(((), ()), dict(dim=0, index=np.array([0]))),
        C(((3, 4), (0, 4)), dict(dim=0, index=np.array([], np.int64))),
        C(((4, 3), (4, 2)), dict(dim=1, index=np.array([2, 0])), noncontig=True)]),
    _s("index_fill", lambda lib, x, v, dim, index: lib.index_fill(x, dim, lib.tensor(index), v),
       _index_fill_ref,
       [C(((3, 4), ()), dict(dim=0, index=np.array([2, 0]))),
        C(((3, 5), ()), dict(dim=1, index=np.array([4, 1]))),
        C(((), ()), dict(dim=0, index=np.array([0]))),
        C(((3, 4), ()), dict(dim=0, index=np.array([], np.int64)))]),
    _s("index_fill", lambda lib, x, dim, index: lib.index_fill(x, dim, lib.tensor(index), -1.5),
       lambda x, dim, index: _index_fill_ref(x, -1.5, dim, index),
       [C(((3, 4),), dict(dim=1, index=np.array([3, 1]))),
        C(((3, 4),), dict(dim=0, index=np.array([-1, 0])), noncontig=True)]),
    *[_s("scatter_reduce",
         (lambda lib, x, s, dim, index, reduce, **kw:
          lib.scatter_reduce(x, dim, lib.tensor(index), s, reduce, **kw)),
         _scatter_reduce_ref, _sr_cases(r), domain="away0" if r == "prod" else "real")
      for r in ("sum", "prod", "mean", "amax", "amin")],
    _s("take", lambda lib, x, index: lib.take(x, lib.tensor(index)),
       lambda x, index: x.reshape(-1)[index],
       [C(((2, 3),), dict(index=np.array([[0, -1], [3, 3]]))),
        C(((),), dict(index=np.array([0]))),
        C(((2, 3),), dict(index=np.zeros((0,), np.int64))),
        C(((3, 4),), dict(index=np.array([5, 1, 11])), noncontig=True)]),
    _s("masked_scatter", lambda lib, x, s, mask: lib.masked_scatter(x, lib.tensor(mask), s),
       _masked_scatter_ref,
       [C(((2, 3), (2, 4)), dict(mask=_MASK)), C(((4, 3), (9,)), dict(mask=_BMASK)),
        C(((0, 3), (4,)), dict(mask=np.zeros((0, 3), bool))),
        C(((3, 2), (2, 4)), dict(mask=_MASK.T.copy()), noncontig=True)]),
    _s("swapdims", lambda lib, x, **kw: lib.swapdims(x, **kw),
       lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1),
       [C(((2, 3, 4),), dict(dim0=0, dim1=2)), C(((0, 3),), dict(dim0=0, dim1=1)),
        C(((3, 4),), dict(dim0=1, dim1=0), noncontig=True)]),
    _s("moveaxis", lambda lib, x, **kw: lib.moveaxis(x, **kw),
       lambda x, source, destination: np.moveaxis(x, source, destination),
       [C(((2, 3, 4),), dict(source=0, destination=2)),
        C(((0, 3, 2),), dict(source=(0, 1), destination=(2, 0))),
        C(((3, 4),), dict(source=1, destination=0), noncontig=True)]),
    _s("take_along_dim", lambda lib, x, index: lib.take_along_dim(x, lib.tensor(index)),
       lambda x, index: x.reshape(-1)[index], [C(((2, 3),), dict(index=np.array([5, 0, 2])))]),
    # linalg
    _s("diag", lambda lib, x, **kw: lib.diag(x, **kw),
       lambda x, diagonal=0: np.diag(x, diagonal),
       [C(((3,),), dict(diagonal=1)), C(((3, 4),), dict(diagonal=-1)), C(((3, 4),)),
        C(((0,),)), C(((3, 4),), dict(diagonal=2), noncontig=True)]),
    _s("diagonal", lambda lib, x, **kw: lib.diagonal(x, **kw),
       lambda x, offset=0, dim1=0, dim2=1: np.diagonal(x, offset, dim1, dim2),
       [C(((3, 4, 5),), dict(offset=1, dim1=2, dim2=0)), C(((3, 4),)),
        C(((3, 4),), dict(offset=-5)), C(((0, 3),)),
        C(((3, 4),), dict(offset=1), noncontig=True)]),
    _s("diag_embed", lambda lib, x, **kw: lib.diag_embed(x, **kw),
       _diag_embed_ref,
       [C(((2, 3),), dict(offset=-1, dim1=0, dim2=2)), C(((3,),)), C(((2, 3),), dict(offset=1)),
        C(((0, 3),)), C(((3, 4),), dict(dim1=-1, dim2=0), noncontig=True)]),
    _s("trace", lambda lib, x: lib.trace(x), lambda x: np.asarray(np.trace(x)),
       [C(((3, 4),)), C(((0, 3),)), C(((4, 3),), noncontig=True)]),
    _s("tril_indices", lambda lib, x, **kw: lib.tril_indices(**kw),
       lambda x, row, col, offset=0: np.stack(np.tril_indices(row, offset, col)),
       [C(((),), dict(row=3, col=4, offset=1)), C(((),), dict(row=4, col=3, offset=-1)),
        C(((),), dict(row=0, col=3))], differentiable=False),
    _s("triu_indices", lambda lib, x, **kw: lib.triu_indices(**kw),
       lambda x, row, col, offset=0: np.stack(np.triu_indices(row, offset, col)),
       [C(((),), dict(row=3, col=4, offset=1)), C(((),), dict(row=4, col=3, offset=-2))],
       differentiable=False),
    _s("cartesian_prod", lambda lib, *xs: lib.cartesian_prod(*xs),
       lambda *xs: np.stack([g.reshape(-1) for g in np.meshgrid(*xs, indexing="ij")], 1)
       if len(xs) > 1 else xs[0].copy(),
       [C(((3,), (2,))), C(((3,), (2,), (2,))), C(((3,),)), C(((3,), (0,))),
        C(((3,), (4,)), noncontig=True)]),
    _s("cdist", lambda lib, a, b, **kw: lib.cdist(a, b, **kw), _cdist_ref,
       [C(((3, 4), (5, 4))), C(((2, 3, 4), (1, 5, 4))), C(((3, 4), (5, 4)), dict(p=1.0)),
        C(((3, 4), (5, 4)), dict(p=3.0)), C(((3, 4), (5, 4)), dict(p=float("inf"))),
        C(((0, 4), (3, 4))), C(((3, 4), (5, 4)), noncontig=True)],
       bad_shapes=((3, 4), (5, 3))),
    _s("addbmm", lambda lib, c, a, b: lib.addbmm(c, a, b, beta=0.5, alpha=2.0),
       lambda c, a, b: 0.5 * c + 2.0 * (a @ b).sum(0),
       [C(((2, 4), (3, 2, 3), (3, 3, 4))), C(((4,), (2, 2, 3), (2, 3, 4))),
        C(((), (2, 2, 0), (2, 0, 4))), C(((2, 4), (3, 2, 3), (3, 3, 4)), noncontig=True)]),
    _s("addmv", lambda lib, c, a, b: lib.addmv(c, a, b, beta=0.5, alpha=2.0),
       lambda c, a, b: 0.5 * c + 2.0 * a @ b,
       [C(((2,), (2, 3), (3,))), C(((), (2, 3), (3,))), C(((2,), (2, 0), (0,))),
        C(((4,), (4, 3), (3,)), noncontig=True)]),
    _s("addmv", lambda lib, c, a, b: lib.addmv(c, a, b, beta=0), lambda c, a, b: a @ b,
       [C(((2,), (2, 3), (3,)))]),
    _s("addr", lambda lib, c, a, b: lib.addr(c, a, b, beta=0.5, alpha=2.0),
       lambda c, a, b: 0.5 * c + 2.0 * np.outer(a, b),
       [C(((2, 3), (2,), (3,))), C(((3,), (2,), (3,))), C(((), (0,), (3,))),
        C(((2, 3), (2,), (3,)), noncontig=True)]),
    _s("tensordot", lambda lib, a, b, dims: lib.tensordot(a, b, dims),
       lambda a, b, dims: np.tensordot(a, b, dims),
       [C(((2, 3, 4), (3, 4, 5)), dict(dims=2)), C(((2, 3, 4), (4, 2, 5)), dict(dims=([0, 2], [1, 0]))),
        C(((2,), (3,)), dict(dims=0)), C(((0, 3), (3, 2)), dict(dims=1)),
        C(((3, 4), (4, 3)), dict(dims=1), noncontig=True)]),
    _s("kron", lambda lib, a, b: lib.kron(a, b), np.kron,
       [C(((2, 3), (4, 1, 2))), C(((), (3,))), C(((0, 2), (2, 2))),
        C(((3, 4), (2, 3)), noncontig=True)]),
    _s("block_diag", lambda lib, *xs: lib.block_diag(*xs), _block_diag_ref,
       [C(((2, 3), (), (4,))), C(((0, 2), (2, 2))), C(((3, 4), (4, 3)), noncontig=True)]),
    _s("pairwise_distance", lambda lib, a, b, **kw: lib.pairwise_distance(a, b, **kw), _pd_ref,
       [C(((3, 4), (4,))), C(((3, 4), (3, 4)), dict(p=1.5, keepdim=True)),
        C(((3, 4), (3, 4)), dict(p=1.0)), C(((), ())), C(((0, 4), (4,))),
        C(((3, 4), (3, 4)), noncontig=True)]),
    _s("cosine_similarity", lambda lib, a, b, **kw: lib.cosine_similarity(a, b, **kw), _cos_ref,
       [C(((3, 4), (3, 1))), C(((4,), (4,)), dict(dim=0)), C(((2, 3, 4), (3, 4)), dict(dim=-1)),
        C(((0, 3), (0, 3))), C(((3, 4), (3, 4)), noncontig=True)]),
    _s("einsum", lambda lib, a, b, eq: lib.einsum(eq, a, b), lambda a, b, eq: np.einsum(eq, a, b),
       [C(((4, 2, 3), (3,)), dict(eq="...ij,...j->...i")), C(((2, 3, 3), (2, 4)),
                                                           dict(eq="bii,b...->b...")),
        C(((2, 1), (3,)), dict(eq="ij,j")), C(((2, 3), (2, 3)), dict(eq="...,...->...")),
        C(((3, 4), (4, 3)), dict(eq="ij,ji"), noncontig=True)]),
    _s("einsum", lambda lib, a, eq: lib.einsum(eq, a), lambda a, eq: np.einsum(eq, a),
       [C(((3, 3),), dict(eq="ii->i")), C(((3, 3),), dict(eq="ii")),
        C(((2, 3, 4),), dict(eq="...ji")), C(((2, 3, 2),), dict(eq="iji->j")),
        C(((),), dict(eq="")), C(((3, 3),), dict(eq="ij->ji"), noncontig=True)]),
]


SPECS: list[OpSpec] = ELEMENTWISE + REDUCE + SHAPE + INDEX + LINALG + ACTIVATION + COMPARE
SPECS += MATH_INDEX_12


def _load_family_specs() -> list:
    """Specs of other op families, kept by their owners in ``specs_<family>.py`` next to
    this file (each defines ``SPECS``, a list of ``OpSpec``), are run by the same tests."""
    import importlib
    import pkgutil
    from pathlib import Path
    extra = []
    for mod in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if mod.name.startswith("specs_"):
            extra += importlib.import_module(f"{__package__}.{mod.name}").SPECS
    return extra


SPECS += _load_family_specs()


# ---------------------------------------------------------------------------
# sorting family (autograd/ops/sorting.py): sort/select ops, counting, samplers made
# deterministic (probabilities 0/1), nan-reductions, repeat_interleave, stacking helpers
# ---------------------------------------------------------------------------
NON_DIFFERENTIABLE |= {"argsort", "unique", "unique_consecutive", "bincount", "histc",
                       "searchsorted", "bucketize", "multinomial", "bernoulli"}


def _np_argsort(x, dim=-1, descending=False):
    if x.ndim == 0:
        return np.zeros((), np.int64)
    return np.argsort(-x if descending else x, axis=dim, kind="stable").astype(np.int64)


def _np_sort(x, dim=-1, descending=False):
    i = _np_argsort(x, dim, descending)
    return (x.copy(), i) if x.ndim == 0 else (np.take_along_axis(x, i, dim), i)


def _np_topk(x, k, dim=-1, largest=True):
    v, i = _np_sort(x, dim, largest)
    if x.ndim == 0:
        return v, i
    return np.take(v, np.arange(k), dim), np.take(i, np.arange(k), dim)


def _np_pick(x, pos_fn, dim, keepdim):
    """(values, indices) at the sorted position ``pos_fn(n)`` along ``dim``."""
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    i = np.take(_np_argsort(x, dim), [pos_fn(x.shape[dim])], dim)
    v = np.take_along_axis(x, i, dim)
    return (v, i) if keepdim else (v.squeeze(dim), i.squeeze(dim))


def _np_mode(x, dim=-1, keepdim=False):
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    moved = np.moveaxis(x, dim, -1)
    vals, idxs = np.empty(moved.shape[:-1]), np.empty(moved.shape[:-1], np.int64)
    for pos in np.ndindex(*moved.shape[:-1]):
        row = moved[pos]
        u, c = np.unique(row, return_counts=True)
        best = u[np.argmax(c)]
        vals[pos], idxs[pos] = best, np.flatnonzero(row == best)[-1]
    if keepdim:
        return np.expand_dims(vals, dim), np.expand_dims(idxs, dim)
    return vals, idxs


def _with_nans(x):
    return x.masked_fill(x > 1.2, float("nan"))


def _np_with_nans(x):
    return np.where(x > 1.2, np.nan, x)


def _nan_ref(f):
    def ref(x, dim=None, keepdim=False):
        axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
        with np.errstate(all="ignore"), __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")
            return np.asarray(f(_np_with_nans(x), axis=axis, keepdims=keepdim))
    return ref


def _np_searchsorted(s, v, side):
    s = np.sort(s, axis=-1)
    if s.ndim == 1:
        return np.searchsorted(s, v, side)
    return np.stack([np.searchsorted(r, w, side) for r, w in zip(s, v)])


def _onehot_probs(lib, x):
    return (x == x.max(-1, keepdim=True)[0]).to(x.dtype)


def _np_unique(x, **kw):
    u, inv, c = np.unique(np.floor(x * 2), return_inverse=True, return_counts=True, **kw)
    return u, inv.reshape(-1) if "axis" in kw else inv.reshape(x.shape), c


def _np_unique_consecutive(x):
    f = np.floor(x * 2).reshape(-1)
    start = np.r_[True, f[1:] != f[:-1]][:f.size]
    run = np.cumsum(start) - 1
    return f[start], run.reshape(x.shape), np.bincount(run, minlength=0).astype(np.int64)


_SORT_CASES = [C(((2, 3, 4),), dict(dim=1)), C(((5,),), dict(dim=0)), C(((),), dict(dim=0)),
               C(((0, 3),), dict(dim=1)), C(((3, 4),), dict(dim=0), noncontig=True),
               C(((2, 5),), dict(dim=-1, descending=True)),
               C(((4, 3),), dict(dim=0, descending=True), noncontig=True)]
_SEL_CASES = [C(((2, 3, 4),), dict(dim=1, keepdim=False)), C(((3, 4),), dict(dim=0, keepdim=True)),
              C(((5,),), dict(dim=-1, keepdim=False)), C(((),), dict(dim=0, keepdim=False)),
              C(((0, 3),), dict(dim=1, keepdim=False)),
              C(((4, 5),), dict(dim=1, keepdim=False), noncontig=True)]
_ALL_CASES = [C(((2, 3),)), C(((5,),)), C(((),)), C(((4, 3),), noncontig=True)]
_STACK2 = [C(((2, 3), (2, 3))), C(((3,), (3,))), C(((), ())), C(((0,), (0,))),
           C(((3, 4), (3, 4)), noncontig=True)]

SORTING = [
    _s("sort", lambda lib, x, dim=-1, descending=False: lib.sort(x, dim, descending),
       _np_sort, _SORT_CASES),
    _s("sort", lambda lib, x, dim=-1, descending=False: x.sort(dim=dim, descending=descending,
                                                               stable=True),
       _np_sort, _SORT_CASES[:2]),
    _s("argsort", lambda lib, x, dim=-1, descending=False: lib.argsort(x, dim, descending),
       _np_argsort, _SORT_CASES, differentiable=False),
    _s("msort", lambda lib, x: lib.msort(x), lambda x: np.sort(x, axis=0) if x.ndim else x,
       _ALL_CASES + [C(((0, 2),))]),
    _s("topk", lambda lib, x, k, dim=-1, largest=True: lib.topk(x, k, dim, largest),
       _np_topk, [C(((2, 5, 3),), dict(k=2, dim=1)), C(((6,),), dict(k=3, dim=0, largest=False)),
                  C(((),), dict(k=1, dim=0)), C(((0, 4),), dict(k=2, dim=1)),
                  C(((3, 4),), dict(k=0, dim=1)),
                  C(((4, 5),), dict(k=4, dim=-1, largest=False), noncontig=True)]),
    _s("kthvalue", lambda lib, x, k, dim=-1, keepdim=False: lib.kthvalue(x, k, dim, keepdim),
       lambda x, k, dim=-1, keepdim=False: _np_pick(x, lambda n: k - 1, dim, keepdim),
       [C(((2, 5, 3),), dict(k=2, dim=1)), C(((6,),), dict(k=6, dim=0, keepdim=True)),
        C(((),), dict(k=1, dim=0)), C(((0, 4),), dict(k=3, dim=1)),
        C(((4, 5),), dict(k=1, dim=0), noncontig=True)]),
    _s("median", lambda lib, x: lib.median(x),
       lambda x: np.asarray(np.sort(x.reshape(-1))[(x.size - 1) // 2]), _ALL_CASES),
    _s("median", lambda lib, x, dim, keepdim: lib.median(x, dim, keepdim),
       lambda x, dim, keepdim: _np_pick(x, lambda n: (n - 1) // 2, dim, keepdim), _SEL_CASES),
    _s("nanmedian", lambda lib, x: lib.nanmedian(_with_nans(x)),
       lambda x: np.asarray(np.sort(x[x <= 1.2])[(np.sum(x <= 1.2) - 1) // 2]), _ALL_CASES[:2]),
    _s("nanmedian", lambda lib, x, dim, keepdim: lib.nanmedian(x, dim, keepdim),
       lambda x, dim, keepdim: _np_pick(x, lambda n: (n - 1) // 2, dim, keepdim), _SEL_CASES),
    _s("mode", lambda lib, x, dim, keepdim: lib.mode(x, dim, keepdim), _np_mode, _SEL_CASES),
    _s("mode", lambda lib, x, dim, keepdim: lib.mode(lib.floor(x), dim, keepdim),
       lambda x, dim, keepdim: _np_mode(np.floor(x), dim, keepdim), _SEL_CASES,
       differentiable=False),
    _s("unique", lambda lib, x: lib.unique(lib.floor(x * 2), return_inverse=True,
                                           return_counts=True),
       _np_unique, [C(((4, 5),)), C(((),)), C(((0,),)), C(((3, 4),), noncontig=True)],
       differentiable=False),
    _s("unique", lambda lib, x, dim: lib.unique(lib.floor(x * 0.6).repeat(2, 1), dim=dim,
                                                return_inverse=True, return_counts=True),
       lambda x, dim: _np_unique(np.tile(x * 0.6 / 2, (2, 1)), axis=dim),
       [C(((3, 2),), dict(dim=0)), C(((2, 3),), dict(dim=1))], differentiable=False),
    _s("unique_consecutive",
       lambda lib, x: lib.unique_consecutive(lib.floor(x * 2), return_inverse=True,
                                             return_counts=True),
       _np_unique_consecutive, [C(((12,),)), C(((3, 4),)), C(((),)), C(((0,),))],
       domain="small", differentiable=False),
    _s("bincount", lambda lib, x: lib.bincount((x * 2 + 4).floor().to(lib.int64)),
       lambda x: np.bincount((x * 2 + 4).astype(np.int64)), [C(((7,),)), C(((0,),))],
       differentiable=False),
    _s("bincount", lambda lib, x, w: lib.bincount((x * 2 + 4).floor().to(lib.int64), w,
                                                  minlength=10),
       lambda x, w: np.bincount((x * 2 + 4).astype(np.int64), w, minlength=10).astype(w.dtype),
       [C(((7,), (7,))), C(((0,), (0,)))], differentiable=False),
    _s("histc", lambda lib, x, **kw: lib.histc(x, **kw),
       lambda x, bins=100, min=0, max=0: np.histogram(
           x, bins, (min, max) if min != max else (x.min(), x.max()))[0].astype(x.dtype),
       [C(((3, 5),), dict(bins=4, min=-1.0, max=1.0)), C(((20,),), dict(bins=7))],
       differentiable=False),
    _s("searchsorted", lambda lib, s, v, right=False: lib.searchsorted(lib.sort(s)[0], v,
                                                                        right=right),
       lambda s, v, right=False: _np_searchsorted(s, v, "right" if right else "left"),
       [C(((6,), (2, 3))), C(((5,), ()), dict(right=True)), C(((0,), (3,))),
        C(((2, 5), (2, 4)))], differentiable=False),
    _s("bucketize", lambda lib, v, b, right=False: lib.bucketize(v, lib.sort(b)[0], right=right),
       lambda v, b, right=False: np.searchsorted(np.sort(b), v, "right" if right else "left"),
       [C(((2, 3), (6,))), C(((), (4,)), dict(right=True))], differentiable=False),
    _s("multinomial", lambda lib, x, n, replacement: lib.multinomial(
           _onehot_probs(lib, x), n, replacement),
       lambda x, n, replacement: np.repeat(np.argmax(x, -1)[..., None], n, -1),
       [C(((5,),), dict(n=3, replacement=True)), C(((2, 4),), dict(n=1, replacement=False))],
       differentiable=False),
    _s("bernoulli", lambda lib, x: lib.bernoulli((x > 0).to(x.dtype)),
       lambda x: (x > 0).astype(x.dtype), [C(((3, 4),)), C(((),)), C(((0, 2),))],
       differentiable=False),
    _s("bernoulli", lambda lib, x: lib.bernoulli(x, p=0.0), lambda x: np.zeros_like(x),
       [C(((2, 3),))], differentiable=False),
    _s("nansum", lambda lib, x, dim=None, keepdim=False: lib.nansum(_with_nans(x), dim, keepdim),
       _nan_ref(np.nansum), _red_cases()),
    _s("nanmean", lambda lib, x, dim=None, keepdim=False: lib.nanmean(_with_nans(x), dim,
                                                                        keepdim),
       _nan_ref(np.nanmean), [c for c in _red_cases(empty_ok=False) if c.shapes != ((1, 5),)]
       + [C(((0, 3),), dict(dim=0))]),
    _s("repeat_interleave", lambda lib, x, repeats, dim=None: lib.repeat_interleave(
           x, lib.tensor(repeats) if isinstance(repeats, np.ndarray) else repeats, dim),
       lambda x, repeats, dim=None: np.repeat(x, repeats, axis=dim),
       [C(((2, 3),), dict(repeats=2)), C(((2, 3),), dict(repeats=np.array([1, 0, 3]), dim=1)),
        C(((3, 2),), dict(repeats=2, dim=0)), C(((),), dict(repeats=3)),
        C(((0, 2),), dict(repeats=2, dim=1)),
        C(((4, 3),), dict(repeats=np.array([2, 1, 0, 1]), dim=0), noncontig=True)]),
    _s("dstack", lambda lib, a, b: lib.dstack([a, b]), lambda a, b: np.dstack([a, b]),
       _STACK2 + [C(((2, 3), (2, 3, 2)))]),
    _s("column_stack", lambda lib, a, b: lib.column_stack([a, b]),
       lambda a, b: np.column_stack([a, b]), _STACK2 + [C(((3,), (3, 2)))]),
    _s("atleast_1d", lambda lib, x: lib.atleast_1d(x), np.atleast_1d, UNARY),
    _s("atleast_2d", lambda lib, x: lib.atleast_2d(x), np.atleast_2d, UNARY),
    _s("atleast_3d", lambda lib, x: lib.atleast_3d(x), np.atleast_3d, UNARY),
    _s("atleast_3d", lambda lib, a, b: lib.atleast_3d(a, b),
       lambda a, b: (np.atleast_3d(a), np.atleast_3d(b)), [C(((), (2, 3))), C(((3,), (0, 2)))]),
]
SPECS += SORTING


def spec_id(spec: OpSpec) -> str:
    return spec.name


def all_cases(differentiable_only=False):
    """(spec, case) pairs with stable readable ids, for ``pytest.mark.parametrize``."""
    import pytest
    params, seen = [], {}
    for spec in SPECS:
        if differentiable_only and not spec.differentiable:
            continue
        k = seen.get(spec.name, 0)
        seen[spec.name] = k + 1
        tag = spec.name if k == 0 else f"{spec.name}#{k}"
        for case in spec.cases:
            params.append(pytest.param(spec, case, id=f"{tag}[{case.id}]"))
    return params


def make_arrays(spec: OpSpec, case: Case, seed: int = 0, dtype=np.float64) -> list:
    """Sample one array per input shape from the spec's domains (non-contiguous if asked)."""
    rng = np.random.default_rng(seed)
    out = []
    for i, shape in enumerate(case.shapes):
        sample = DOMAINS[spec.domain_for(i)]
        if case.noncontig and len(shape) >= 2:
            a = np.ascontiguousarray(sample(rng, shape[::-1]).astype(dtype)).T
        elif case.noncontig and len(shape) == 1:
            a = sample(rng, (shape[0] * 2,)).astype(dtype)[::2]
        else:
            a = np.asarray(sample(rng, shape), dtype=dtype)
        out.append(a)
    return out
