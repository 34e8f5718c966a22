"""Adding a public op without a spec (so without forward/gradcheck/gradgradcheck
coverage) fails here."""
import autograd
from autograd import ops
from autograd.ops import compare

from .specs import NON_DIFFERENTIABLE, SPECS

# compare is not listed in ops.FAMILIES (its results are bool); it is covered all the same.
PUBLIC = {name for names in ops.FAMILIES.values() for name in names} | set(compare.__all__)


def test_every_public_op_has_a_spec():
    missing = sorted(PUBLIC - {s.name for s in SPECS})
    assert not missing, f"ops without an OpSpec in tests/autograd/ops/specs.py: {missing}"


def test_every_differentiable_op_has_a_differentiable_spec():
    diff = {s.name for s in SPECS if s.differentiable}
    missing = sorted(PUBLIC - NON_DIFFERENTIABLE - diff)
    assert not missing, (f"ops with forward-only specs but not listed in NON_DIFFERENTIABLE "
                         f"(add a gradcheck spec): {missing}")


def test_non_differentiable_list_has_no_stale_or_misclassified_names():
    assert NON_DIFFERENTIABLE <= PUBLIC, sorted(NON_DIFFERENTIABLE - PUBLIC)
    wrongly_diff = sorted({s.name for s in SPECS if s.differentiable} & NON_DIFFERENTIABLE)
    assert not wrongly_diff


def test_spec_names_are_public_callables():
    for s in SPECS:
        assert callable(getattr(autograd, s.name)), s.name
        assert s.cases, f"{s.name}: no shape cases"


def test_differentiable_specs_cover_edge_shapes():
    """Each differentiable op family exercises 0-d or size-0 and non-contiguous inputs."""
    by_name = {}
    for s in SPECS:
        if s.differentiable:
            by_name.setdefault(s.name, []).extend(s.cases)
    # ops whose inputs cannot be 0-d or empty in a meaningful way, or that only exist as
    # thin aliases of a fully covered op, are exempt from the edge-shape rule
    exempt = {"unflatten", "swapaxes", "movedim", "expand_as", "tile", "concat", "concatenate",
              "hstack", "vstack", "split", "chunk", "unbind", "narrow", "view_as", "reshape_as",
              "ravel", "take_along_dim", "masked_select", "mm", "bmm", "mv", "addmm", "baddbmm",
              "var_mean", "std_mean", "cast", "var", "std", "norm", "max", "min", "prod",
              "cumprod", "scatter", "scatter_add", "masked_fill", "index_put", "where", "lerp",
              "addcmul", "addcdiv", "einsum", "flip", "roll", "sum_to", "softmax", "log_softmax",
              "permute", "unsqueeze", "squeeze", "view", "flatten", "remainder", "getitem"}
    lacking = []
    for name, cases in by_name.items():
        if name in exempt:
            continue
        edge = any(any(sh == () or 0 in sh for sh in c.shapes)
                   or any(getattr(v, "size", 1) == 0 for v in c.kwargs.values())  # empty index
                   for c in cases)
        nc = any(c.noncontig for c in cases)
        if not (edge and nc):
            lacking.append(name)
    assert not lacking, f"specs need a 0-d/size-0 case and a non-contiguous case: {lacking}"
