"""hypothesis: random mutually broadcastable shapes for the binary elementwise ops and
random shapes/dims for the reductions (forward vs NumPy, gradient shape == input shape)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import autograd

from ._harness import assert_matches, leaves
from .specs import DOMAINS, SPECS

_FAST = settings(max_examples=12, deadline=None, derandomize=True)


def _first(pred):
    seen, out = set(), []
    for s in SPECS:
        if pred(s) and s.name not in seen:
            seen.add(s.name)
            out.append(s)
    return out


BINARY = _first(lambda s: s.binary_broadcast)
REDUCTIONS = _first(lambda s: s.reduction)


def _sample(spec, shapes, seed):
    rng = np.random.default_rng(seed)
    return [np.asarray(DOMAINS[spec.domain_for(i)](rng, sh), dtype=np.float64)
            for i, sh in enumerate(shapes)]


def _check_grads(out, xs, seed):
    r = np.random.default_rng(seed + 1).standard_normal(out.shape)
    grads = autograd.grad((out * autograd.tensor(r)).sum(), xs, allow_unused=True)
    for x, g in zip(xs, grads):
        assert g is not None and g.shape == x.shape, (g and g.shape, x.shape)
        assert np.all(np.isfinite(g.numpy()))


@pytest.mark.parametrize("spec", BINARY, ids=lambda s: s.name)
@_FAST
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
def test_binary_broadcasting(spec, shapes, seed):
    arrays = _sample(spec, shapes.input_shapes, seed)
    xs = leaves(arrays)
    out = spec.fn(*xs)
    assert_matches(out, spec.ref(*arrays), **spec.fwd_tol)
    assert out.shape == shapes.result_shape
    if spec.differentiable:
        _check_grads(out, xs, seed)


@st.composite
def _reduction_case(draw, min_side):
    shape = draw(array_shapes(min_dims=1, max_dims=4, min_side=min_side, max_side=3))
    axes = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1,
                         max_size=len(shape), unique_by=lambda a: a % len(shape)))
    dim = axes[0] if len(axes) == 1 and draw(st.booleans()) else tuple(axes)
    return shape, dim, draw(st.booleans()), draw(st.integers(0, 2**16))


@pytest.mark.parametrize("spec", REDUCTIONS, ids=lambda s: s.name)
@_FAST
@given(data=st.data())
def test_reduction_random_dims(spec, data):
    # var/std need two elements per reduced slice (correction=1)
    shape, dim, keepdim, seed = data.draw(
        _reduction_case(min_side=2 if spec.name in ("var", "std") else 1))
    (a,) = _sample(spec, [shape], seed)
    (x,) = leaves([a])
    out = spec.fn(x, dim=dim, keepdim=keepdim)
    assert_matches(out, spec.ref(a, dim=dim, keepdim=keepdim), **spec.fwd_tol)
    _check_grads(out, [x], seed)
