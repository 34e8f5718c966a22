"""Hypothesis strategies for ``test_properties_torch.py``: shapes (0-d, size-0 and size-1
dims), arrays of every dtype with edge values, and arguments that are valid, out of range,
negative, zero, duplicated, empty or None.

An operand that becomes a tensor is an ``Arr`` (a NumPy array plus whether a float64 copy
should require grad); the test builds a torch tensor and one of ours from the same array,
so both libraries see identical data. Everything else (ints, tuples, None, strings) is
passed to both libraries as it is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# float64 first: Hypothesis shrinks towards the first dtype, and float64 examples also
# compare gradients
DTYPES = ["float64", "float32", "int64", "int32", "int8", "uint8", "bool"]
FLOATS = ["float64", "float32"]
INTS = ["uint8", "int8", "int32", "int64"]


@dataclass(frozen=True)
class Arr:
    """A tensor operand: ``grad`` asks for ``requires_grad`` when the dtype is float64."""
    a: np.ndarray
    grad: bool = True

    def __repr__(self) -> str:
        body = np.array2string(self.a, separator=", ", threshold=40)
        return f"Arr(np.array({body}, dtype={self.a.dtype.name}){'' if self.grad else ', grad=False'})"


class _Omit:
    """An argument that is left out of the call (``x.sum()`` rather than ``x.sum(dim=None)``)."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT = _Omit()


def kwargs(**kw):
    """The keyword arguments that are not ``OMIT``."""
    return {k: v for k, v in kw.items() if v is not OMIT}


# ---------------------------------------------------------------- values and arrays

_FLOAT_SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, math.nan, math.inf, -math.inf]


def elements(dtype: str, *, finite: bool = False, lo: float = -4.0, hi: float = 4.0):
    if dtype == "bool":
        return st.booleans()
    if dtype in INTS:
        info = np.iinfo(dtype)
        small = st.integers(max(int(info.min), -3), 5)
        wide = st.integers(max(int(info.min), -1000), min(int(info.max), 1000))
        return st.one_of(small, wide)
    width = 32 if dtype == "float32" else 64
    quarters = st.integers(int(lo * 4), int(hi * 4)).map(lambda k: k / 4)
    plain = st.floats(lo, hi, width=width)
    specials = [v for v in _FLOAT_SPECIALS if not finite or math.isfinite(v)]
    return st.one_of(quarters, plain, st.sampled_from(specials))


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 3):
    return st.lists(st.integers(min_side, max_side), min_size=min_dims,
                    max_size=max_dims).map(tuple)


def array(dtype: str, shape: tuple[int, ...], **elem_kw):
    return hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, **elem_kw))


@st.composite
def arrs(draw, dtypes=DTYPES, shape=None, grad: bool = True, **elem_kw):
    """An ``Arr`` of one of ``dtypes`` and ``shape`` (drawn from ``shapes()`` if None)."""
    dtype = draw(st.sampled_from(list(dtypes)))
    if shape is None:
        shape = draw(shapes())
    return Arr(draw(array(dtype, tuple(shape), **elem_kw)), grad)


def index_array(shape, lo: int, hi: int, dtypes=("int64",)):
    """An integer index array with values in [lo, hi] (lo < 0 or hi >= size: invalid)."""
    return st.sampled_from(list(dtypes)).flatmap(
        lambda d: hnp.arrays(np.dtype(d), tuple(shape), elements=st.integers(lo, hi)))


# ---------------------------------------------------------------- arguments

def dim_int(ndim: int):
    """A dim: mostly valid, sometimes one past either end."""
    n = max(ndim, 1)
    return st.integers(-n - 1, n)


def dim_arg(ndim: int, allow_none: bool = True, allow_tuple: bool = True):
    """A reduction ``dim``: int (valid or out of range), tuple/list (empty, duplicated,
    out of range) or None."""
    options = [dim_int(ndim)]
    if allow_tuple:
        ints = st.lists(dim_int(ndim), max_size=3)
        options += [ints.map(tuple), ints]
    if allow_none:
        options.append(st.none())
    return st.one_of(*options)


def size_int(lo: int = -1, hi: int = 4):
    return st.integers(lo, hi)


def bad_or(strategy, *junk):
    """``strategy`` most of the time, otherwise one of ``junk`` (None, strings, floats)."""
    return st.one_of(strategy, strategy, strategy, st.sampled_from(list(junk)))


@st.composite
def shape_like(draw, numel: int, max_dims: int = 4):
    """A target shape for reshape/view: one with the same number of elements (sometimes
    with a -1), or an arbitrary one (usually incompatible; may hold 0, -1, -2)."""
    if draw(st.booleans()):
        factors = []
        rest = numel
        for _ in range(draw(st.integers(0, max_dims - 1))):
            divisors = [d for d in range(1, rest + 1) if rest % d == 0] if rest else [0, 1, 2]
            d = draw(st.sampled_from(divisors))
            factors.append(d)
            rest = rest // d if d else rest
        factors.append(rest)
        factors = draw(st.permutations(factors))
        if factors and draw(st.booleans()):
            factors[draw(st.integers(0, len(factors) - 1))] = -1
        return tuple(factors)
    return tuple(draw(st.lists(st.integers(-2, 4), max_size=max_dims)))


@st.composite
def broadcast_pair(draw, max_dims: int = 3):
    """Two shapes: mutually broadcastable (with size-1 and size-0 dims) or arbitrary."""
    if draw(st.integers(0, 3)):
        shapes_ = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0,
                                                          max_dims=max_dims, min_side=0,
                                                          max_side=3))
        return tuple(shapes_.input_shapes)
    return draw(shapes(max_dims=max_dims)), draw(shapes(max_dims=max_dims))


def python_scalar(dtypes=("bool", "int", "float")):
    opts = {"bool": st.booleans(), "int": st.integers(-3, 10),
            "float": st.one_of(st.sampled_from([0.0, -0.5, 2.5, math.inf, math.nan]),
                               st.floats(-4, 4))}
    return st.one_of(*[opts[d] for d in dtypes])
