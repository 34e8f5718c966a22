"""Helpers shared by the spec-driven op tests (our engine side)."""
from __future__ import annotations

import numpy as np

import autograd


def leaves(arrays, requires_grad=True):
    """Leaf tensors sharing the arrays' memory (keeps non-contiguous strides)."""
    return [autograd.from_numpy(a).requires_grad_(requires_grad and a.dtype.kind == "f")
            for a in arrays]


def as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def float_outputs(out):
    return [o for o in as_tuple(out) if isinstance(o, autograd.Tensor) and o.dtype.kind == "f"]


def assert_matches(out, expected, **tol):
    """Compare an op's output (Tensor, tuple of Tensors, or Python bool) with NumPy's."""
    if isinstance(expected, tuple):
        out = as_tuple(out)
        assert len(out) == len(expected), f"{len(out)} outputs, expected {len(expected)}"
        for o, e in zip(out, expected):
            assert_matches(o, e, **tol)
        return
    if not isinstance(out, autograd.Tensor):
        assert out == expected
        return
    got = out.detach().numpy()
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    if expected.dtype.kind == "b":
        assert got.dtype == np.bool_, f"dtype {got.dtype}, expected bool"
        np.testing.assert_array_equal(got, expected)
    elif expected.dtype.kind in "iu":
        assert got.dtype.kind in "iu", f"dtype {got.dtype}, expected an integer dtype"
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, **tol)


def random_projection(fn, example_out, seed=1):
    """``lambda *xs: sum((out_i * R_i).sum())`` with fixed random R_i (float outputs).

    Contracting with a random upstream gradient (instead of all-ones) exposes
    transposition and broadcasting bugs, and makes gradcheck cost O(numel).
    """
    rng = np.random.default_rng(seed)
    rs = [autograd.tensor(rng.standard_normal(o.shape)) for o in float_outputs(example_out)]

    def projected(*xs):
        total = None
        for o, r in zip(float_outputs(fn(*xs)), rs):
            term = (o * r.to(o.dtype)).sum()
            total = term if total is None else total + term
        return total
    return projected
