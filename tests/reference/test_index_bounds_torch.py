"""Index ops reject out-of-range and negative indices with PyTorch's exception class
(part of issue 11's validation: no silent wrap-around to rows from the end)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn.functional as F  # noqa: E402

CASES = {
    "embedding": lambda m, i: (F if m is autograd else m.nn.functional).embedding(
        m.tensor([i]), m.ones(3, 2)),
    "index_select": lambda m, i: m.index_select(m.ones(3, 2), 0, m.tensor([i])),
    "gather": lambda m, i: m.gather(m.ones(3, 2), 0, m.tensor([[i, 0]])),
    "scatter_add": lambda m, i: m.ones(3, 2).scatter_add(0, m.tensor([[i, 0]]), m.ones(1, 2)),
    "scatter": lambda m, i: m.ones(3, 2).scatter(0, m.tensor([[i, 0]]), m.ones(1, 2)),
}


@pytest.mark.parametrize("i", [-1, -3, 3, 10])
@pytest.mark.parametrize("op", sorted(CASES))
def test_out_of_range_index_raises_like_torch(op, i):
    with pytest.raises(Exception) as theirs:
        CASES[op](torch, i)
    with pytest.raises(Exception) as ours:
        CASES[op](autograd, i)
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)
    assert op in str(ours.value) and str(i) in str(ours.value)


@pytest.mark.parametrize("op", sorted(CASES))
def test_in_range_indices_still_work(op):
    ours = CASES[op](autograd, 2)
    theirs = CASES[op](torch, 2)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
