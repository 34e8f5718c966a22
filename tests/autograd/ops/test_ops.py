"""Generated op tests: every (spec, shape case) from specs.py gets forward vs NumPy,
float64 gradcheck with a random upstream gradient, gradient shapes, non-contiguous
consistency, gradgradcheck (when flagged) and the named shape error."""
import numpy as np
import pytest

import autograd

from ._harness import assert_matches, float_outputs, leaves, random_projection
from .specs import SPECS, all_cases, make_arrays

# gradgradcheck is the slowest check: run it on the first cases of each spec only
GRADGRAD_CASES = 3


@pytest.mark.parametrize("spec,case", all_cases())
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_matches_numpy(spec, case, dtype):
    arrays = make_arrays(spec, case, dtype=dtype)
    out = spec.fn(*leaves(arrays, requires_grad=False), **case.kwargs)
    expected = spec.ref(*[a.astype(np.float64) for a in arrays], **case.kwargs)
    tol = spec.fwd_tol if dtype == np.float64 else dict(rtol=2e-4, atol=1e-5)
    assert_matches(out, expected, **tol)
    for o in float_outputs(out):  # no silent upcast/downcast (cast is the one op that casts)
        if spec.name != "cast":
            assert o.dtype == dtype, f"{spec.name}: output dtype {o.dtype} for {dtype} inputs"


@pytest.mark.parametrize("spec,case", all_cases(differentiable_only=True))
def test_gradcheck(spec, case):
    arrays = make_arrays(spec, case)
    xs = leaves(arrays)
    out = spec.fn(*xs, **case.kwargs)
    assert float_outputs(out) and any(o.requires_grad for o in float_outputs(out)), \
        f"{spec.name}: output does not require grad"
    f = random_projection(lambda *t: spec.fn(*t, **case.kwargs), out)
    # gradient shapes equal input shapes (the engine unbroadcasts)
    grads = autograd.grad(f(*xs), xs, allow_unused=True)
    for x, g in zip(xs, grads):
        assert g is None or g.shape == x.shape, f"grad shape {g.shape} for input {x.shape}"
    if case.noncontig:  # same gradients as for contiguous copies of the same values
        ys = leaves([np.ascontiguousarray(a) for a in arrays])
        grads_c = autograd.grad(f(*ys), ys, allow_unused=True)
        for g, gc in zip(grads, grads_c):
            assert (g is None) == (gc is None)
            if g is not None:
                np.testing.assert_allclose(g.numpy(), gc.numpy(), rtol=1e-12, atol=1e-12)
    assert autograd.gradcheck(f, tuple(xs), **spec.grad_tol)


def _gradgrad_cases():
    params = []
    for p in all_cases(differentiable_only=True):
        spec, case = p.values
        if spec.double_backward and spec.cases.index(case) < GRADGRAD_CASES:
            params.append(p)
    return params


@pytest.mark.parametrize("spec,case", _gradgrad_cases())
def test_gradgradcheck(spec, case):
    xs = leaves(make_arrays(spec, case))
    f = random_projection(lambda *t: spec.fn(*t, **case.kwargs), spec.fn(*xs, **case.kwargs))
    assert autograd.gradgradcheck(f, tuple(xs), **spec.grad_tol)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.bad_shapes], ids=lambda s: s.name)
def test_wrong_shapes_give_named_error(spec):
    xs = leaves([np.ones(s) for s in spec.bad_shapes], requires_grad=False)
    with pytest.raises((ValueError, RuntimeError, IndexError)) as info:
        spec.fn(*xs)
    msg = str(info.value)
    assert (spec.error_name or spec.name) in msg, msg
    for s in spec.bad_shapes:
        assert str(tuple(s)) in msg or str(list(s)) in msg, msg
    assert "Traceback" not in msg
