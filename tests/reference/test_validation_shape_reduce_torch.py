"""Shape ops and reductions reject what PyTorch rejects, with PyTorch's exception class
and a message naming the op, and accept what PyTorch accepts with the same result
(issue 11 part 4). Each case is ``fn(m)`` for ``m`` either ``torch`` or ``autograd``."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402


def A5(m):
    return m.arange(5.)


def X(m):
    return m.arange(6.).reshape(2, 3)


def X3(m):
    return m.arange(24.).reshape(2, 3, 4)


def S(m):
    return m.tensor(3.)


def E(m):
    return m.zeros(0)


def E2(m):
    return m.zeros(2, 0)


def I(m):  # noqa: E743
    return m.arange(6).reshape(2, 3)


def P(m):
    """``F.pad``'s home: torch.nn.functional, or autograd itself."""
    return m.nn.functional if m is torch else m


CASES = {
 # narrow
 "narrow_past_end": lambda m: m.arange(3.).narrow(0, 2, 2),
 "narrow_neg_start": lambda m: A5(m).narrow(0, -2, 2),
 "narrow_neg_start_fn": lambda m: m.narrow(A5(m), 0, -5, 5),
 "narrow_neg_length": lambda m: A5(m).narrow(0, 0, -1),
 "narrow_tensor_start": lambda m: A5(m).narrow(0, m.tensor(1), 2),
 "narrow_start_too_neg": lambda m: A5(m).narrow(0, -6, 1),
 "narrow_start_past": lambda m: A5(m).narrow(0, 6, 0),
 "narrow_start_eq_size": lambda m: A5(m).narrow(0, 5, 0),
 "narrow_bad_dim": lambda m: A5(m).narrow(1, 0, 1),
 "narrow_float_start": lambda m: A5(m).narrow(0, 1.0, 2),
 "narrow_float_length": lambda m: A5(m).narrow(0, 1, 2.0),
 "narrow_0d": lambda m: S(m).narrow(0, 0, 1),
 "narrow_none_dim": lambda m: A5(m).narrow(None, 0, 1),
 "narrow_2d": lambda m: X3(m).narrow(-1, 1, 2),
 "narrow_float_tensor_start": lambda m: A5(m).narrow(0, m.tensor(1.), 2),
 # split
 "split_neg_section": lambda m: m.arange(3.).split([4, -1]),
 "split_zero": lambda m: A5(m).split(0),
 "split_zero_empty": lambda m: E(m).split(0),
 "split_neg": lambda m: A5(m).split(-1),
 "split_not_sum": lambda m: A5(m).split([1, 1]),
 "split_bad_dim": lambda m: A5(m).split(2, 1),
 "split_float": lambda m: A5(m).split(2.0),
 "split_ok": lambda m: X3(m).split(3, -1),
 "split_sections_ok": lambda m: X3(m).split([1, 0, 3], 2),
 "split_0d": lambda m: S(m).split(1),
 "split_none_dim": lambda m: A5(m).split(2, None),
 "split_tuple_float": lambda m: A5(m).split([2.0, 3]),
 "split_fn_list": lambda m: m.split(A5(m), [2, 3]),
 # chunk
 "chunk_zero": lambda m: A5(m).chunk(0),
 "chunk_neg": lambda m: A5(m).chunk(-1),
 "chunk_float": lambda m: A5(m).chunk(2.0),
 "chunk_ok": lambda m: A5(m).chunk(3),
 "chunk_many": lambda m: m.arange(3.).chunk(10),
 "chunk_empty": lambda m: E(m).chunk(3),
 "chunk_0d": lambda m: S(m).chunk(1),
 "chunk_bad_dim": lambda m: A5(m).chunk(2, 1),
 "chunk_6_4": lambda m: m.arange(6.).chunk(4),
 # unbind
 "unbind_bad_dim": lambda m: X(m).unbind(2),
 "unbind_0d": lambda m: S(m).unbind(0),
 "unbind_ok": lambda m: X(m).unbind(-1),
 "unbind_none": lambda m: X(m).unbind(None),
 # reductions over dim=()
 "sum_empty_dims": lambda m: X(m).sum(dim=()),
 "sum_empty_list": lambda m: X(m).sum(dim=[]),
 "sum_empty_dims_keep": lambda m: X(m).sum(dim=(), keepdim=True),
 "mean_empty_dims": lambda m: X(m).mean(dim=()),
 "mean_empty_dims_keep": lambda m: X(m).mean(dim=(), keepdim=True),
 "prod_empty_dims": lambda m: X(m).prod(dim=()),
 "prod_tuple_dims": lambda m: X(m).prod(dim=(0, 1)),
 "amax_empty_dims": lambda m: X(m).amax(dim=()),
 "amax_empty_dims_keep": lambda m: X(m).amax(dim=(), keepdim=True),
 "amin_empty_list": lambda m: X(m).amin(dim=[]),
 "std_empty_dims": lambda m: X(m).std(dim=()),
 "var_empty_dims": lambda m: X(m).var(dim=()),
 "var_empty_dims_keep": lambda m: X(m).var(dim=(), keepdim=True),
 "logsumexp_empty_dims": lambda m: X(m).logsumexp(dim=()),
 "logsumexp_empty_keep": lambda m: X(m).logsumexp(dim=(), keepdim=True),
 "any_empty_dims": lambda m: X(m).any(dim=()),
 "all_empty_dims": lambda m: X(m).all(dim=()),
 "norm_empty_dims": lambda m: X(m).norm(dim=()),
 "norm1_empty_dims": lambda m: X(m).norm(p=1, dim=()),
 "norminf_empty_dims": lambda m: X(m).norm(p=float("inf"), dim=()),
 "count_nonzero_empty": lambda m: X(m).count_nonzero(dim=()),
 "var_mean_empty": lambda m: m.var_mean(X(m), dim=()),
 "std_mean_empty": lambda m: m.std_mean(X(m), dim=()),
 "amax_none": lambda m: X(m).amax(dim=None),
 "logsumexp_none": lambda m: m.logsumexp(X(m), dim=None),
 "logsumexp_nodim": lambda m: m.logsumexp(X(m)),
 # stacks with 0-d
 "vstack_0d": lambda m: m.vstack([m.tensor(1.), m.tensor(2.)]),
 "hstack_0d": lambda m: m.hstack([m.tensor(1.), m.tensor(2.)]),
 "hstack_mixed": lambda m: m.hstack([m.tensor(1.), m.arange(2.)]),
 "vstack_mixed": lambda m: m.vstack([m.tensor([1., 2.]), m.ones(2, 2)]),
 "hstack_empty": lambda m: m.hstack([]),
 "vstack_empty": lambda m: m.vstack([]),
 "vstack_3d": lambda m: m.vstack([X3(m), X3(m)]),
 "hstack_2d_mismatch": lambda m: m.hstack([X(m), m.ones(3, 3)]),
 # argmax/argmin
 "argmax_keepdim_none": lambda m: X(m).argmax(dim=None, keepdim=True),
 "argmin_keepdim_none": lambda m: X3(m).argmin(keepdim=True),
 "argmax_keepdim_none_0d": lambda m: S(m).argmax(keepdim=True),
 "argmax_empty": lambda m: E(m).argmax(),
 "argmin_empty": lambda m: E2(m).argmin(),
 "argmax_empty_dim": lambda m: E2(m).argmax(1),
 "argmax_empty_dim_ok": lambda m: E2(m).argmax(0),
 "argmax_float_dim": lambda m: X(m).argmax(1.0),
 "argmax_tuple_dim": lambda m: X(m).argmax((0, 1)),
 "argmax_bad_dim": lambda m: X(m).argmax(2),
 "argmax_0d_dim": lambda m: S(m).argmax(0),
 "max_empty": lambda m: E(m).max(),
 "min_empty": lambda m: E2(m).min(),
 "max_empty_dim": lambda m: E2(m).max(1),
 "max_empty_dim_ok": lambda m: E2(m).max(0),
 "max_tuple_dim": lambda m: X(m).max((0, 1)),
 "max_float_dim": lambda m: X(m).max(1.0),
 "amax_empty": lambda m: E(m).amax(),
 "amax_empty_dim_ok": lambda m: E2(m).amax(0),
 "sum_empty_ok": lambda m: E(m).sum(),
 "prod_empty_ok": lambda m: E2(m).prod(1),
 "mean_empty": lambda m: E(m).mean(),
 # cat / stack arguments
 "cat_tensor": lambda m: m.cat(X(m)),
 "cat_nontensor_elem": lambda m: m.cat([X(m), [1., 2.]]),
 "cat_none_elem": lambda m: m.cat([X(m), None]),
 "cat_empty": lambda m: m.cat([]),
 "cat_mismatch": lambda m: m.cat([X(m), m.ones(2, 2)]),
 "cat_ndim_mismatch": lambda m: m.cat([X(m), m.ones(3)]),
 "cat_bad_dim": lambda m: m.cat([X(m), X(m)], 2),
 "cat_0d": lambda m: m.cat([S(m), S(m)]),
 "cat_float_dim": lambda m: m.cat([X(m), X(m)], 1.0),
 "cat_tuple": lambda m: m.cat((X(m), X(m)), -1),
 "cat_empty1d_skip": lambda m: m.cat([X(m), m.zeros(0)]),
 "cat_promote": lambda m: m.cat([I(m), X(m)]),
 "cat_generator": lambda m: m.cat(t for t in [X(m), X(m)]),
 "stack_tensor": lambda m: m.stack(X(m)),
 "stack_nontensor_elem": lambda m: m.stack([X(m), 1.0]),
 "stack_empty": lambda m: m.stack([]),
 "stack_mismatch": lambda m: m.stack([X(m), m.ones(3, 2)]),
 "stack_bad_dim": lambda m: m.stack([X(m), X(m)], 3),
 "stack_ok": lambda m: m.stack([X(m), X(m)], -1),
 "stack_0d": lambda m: m.stack([S(m), S(m)]),
 "hstack_tensor": lambda m: m.hstack(X(m)),
 "vstack_tensor": lambda m: m.vstack(X(m)),
 "hstack_nontensor": lambda m: m.hstack([X(m), 3]),
 "vstack_nontensor": lambda m: m.vstack([X(m), "a"]),
 "concat_tensor": lambda m: m.concat(X(m)),
 # reshape / view
 "reshape_two_neg1": lambda m: X(m).reshape(-1, -1),
 "reshape_neg2": lambda m: X(m).reshape(-2, 3),
 "reshape_mismatch": lambda m: X(m).reshape(4, 2),
 "reshape_neg1_mismatch": lambda m: X(m).reshape(-1, 4),
 "reshape_zero_neg1": lambda m: E(m).reshape(0, -1),
 "reshape_zero_neg1_b": lambda m: X(m).reshape(0, -1),
 "reshape_float": lambda m: X(m).reshape(2.0, 3),
 "reshape_empty_shape": lambda m: m.ones(1, 1).reshape(()),
 "reshape_none": lambda m: X(m).reshape(None),
 "view_two_neg1": lambda m: X(m).view(-1, -1),
 "view_neg3": lambda m: X(m).view(3, -3),
 "reshape_fn_ok": lambda m: m.reshape(X(m), (3, -1)),
 "reshape_tensor_size": lambda m: X(m).reshape(m.tensor(3), 2),
 # expand
 "expand_neg2": lambda m: X(m).expand(-2, 3),
 "expand_fewer": lambda m: X(m).expand(3),
 "expand_leading_neg1": lambda m: X(m).expand(-1, 2, 3),
 "expand_bad": lambda m: X(m).expand(4, 3),
 "expand_ok": lambda m: m.ones(2, 1).expand(4, 2, 5),
 "expand_neg1_ok": lambda m: m.ones(2, 1).expand(-1, 5),
 "expand_zero": lambda m: m.ones(2, 1).expand(2, 0),
 "expand_float": lambda m: X(m).expand(2.0, 3),
 # repeat / tile
 "repeat_neg": lambda m: X(m).repeat(-1, 1),
 "repeat_fewer": lambda m: X(m).repeat(2),
 "repeat_zero": lambda m: X(m).repeat(0, 2),
 "repeat_float": lambda m: X(m).repeat(2.0, 1),
 "repeat_ok": lambda m: X(m).repeat(2, 1, 2),
 "tile_neg": lambda m: X(m).tile((-1,)),
 "tile_ok": lambda m: X(m).tile((2,)),
 "tile_float": lambda m: X(m).tile((2.0,)),
 # permute
 "permute_short": lambda m: X3(m).permute(0, 1),
 "permute_long": lambda m: X(m).permute(0, 1, 2),
 "permute_repeat": lambda m: X(m).permute(0, 0),
 "permute_range": lambda m: X(m).permute(0, 2),
 "permute_neg_ok": lambda m: X3(m).permute(-1, 0, 1),
 "permute_float": lambda m: X(m).permute(1.0, 0),
 # transpose
 "transpose_range": lambda m: X(m).transpose(0, 2),
 "transpose_0d_ok": lambda m: S(m).transpose(0, -1),
 "transpose_0d_bad": lambda m: S(m).transpose(0, 1),
 "transpose_1d_bad": lambda m: A5(m).transpose(0, 1),
 "transpose_float": lambda m: X(m).transpose(0, 1.0),
 "transpose_none": lambda m: X(m).transpose(None, 0),
 # squeeze/unsqueeze
 "squeeze_range": lambda m: X(m).squeeze(2),
 "squeeze_tuple": lambda m: m.ones(1, 2, 1).squeeze((0, 2)),
 "squeeze_tuple_dup": lambda m: m.ones(1, 2, 1).squeeze((0, 0)),
 "squeeze_0d": lambda m: S(m).squeeze(0),
 "squeeze_0d_bad": lambda m: S(m).squeeze(1),
 "squeeze_float": lambda m: X(m).squeeze(1.0),
 "unsqueeze_range": lambda m: X(m).unsqueeze(3),
 "unsqueeze_neg_range": lambda m: X(m).unsqueeze(-4),
 "unsqueeze_ok": lambda m: X(m).unsqueeze(-3),
 "unsqueeze_none": lambda m: X(m).unsqueeze(None),
 "unsqueeze_float": lambda m: X(m).unsqueeze(1.0),
 "unsqueeze_0d": lambda m: S(m).unsqueeze(-1),
 # flatten / unflatten
 "flatten_range": lambda m: X(m).flatten(0, 2),
 "flatten_order": lambda m: X3(m).flatten(2, 1),
 "flatten_0d": lambda m: S(m).flatten(),
 "flatten_0d_bad": lambda m: S(m).flatten(0, 1),
 "flatten_float": lambda m: X3(m).flatten(1.0),
 "unflatten_mismatch": lambda m: X(m).unflatten(1, (2, 2)),
 "unflatten_two_neg1": lambda m: X(m).unflatten(1, (-1, -1)),
 "unflatten_empty": lambda m: X(m).unflatten(1, ()),
 "unflatten_range": lambda m: X(m).unflatten(2, (3, 1)),
 "unflatten_ok": lambda m: X3(m).unflatten(-1, (2, -1)),
 "unflatten_0d": lambda m: S(m).unflatten(0, (1,)),
 # movedim
 "movedim_range": lambda m: X(m).movedim(0, 2),
 "movedim_repeat": lambda m: X3(m).movedim((0, 0), (1, 2)),
 "movedim_len": lambda m: X3(m).movedim((0, 1), (2,)),
 "movedim_dst_repeat": lambda m: X3(m).movedim((0, 1), (2, 2)),
 "movedim_ok": lambda m: X3(m).movedim((0, -1), (-1, 0)),
 "movedim_float": lambda m: X3(m).movedim(0.0, 1),
 # roll / flip
 "roll_range": lambda m: X(m).roll(1, 2),
 "roll_len": lambda m: X(m).roll((1, 2), (0,)),
 "roll_tuple_nodims": lambda m: X(m).roll((1, 2)),
 "roll_ok": lambda m: X(m).roll((1, -1), (0, 1)),
 "roll_flat": lambda m: X(m).roll(2),
 "roll_0d": lambda m: S(m).roll(1),
 "roll_0d_dim": lambda m: S(m).roll(1, 0),
 "roll_float": lambda m: X(m).roll(1.0, 0),
 "roll_empty_shifts": lambda m: X(m).roll((), ()),
 "roll_dup": lambda m: X(m).roll((1, 1), (0, 0)),
 "flip_range": lambda m: X(m).flip(2),
 "flip_dup": lambda m: X(m).flip((0, 0)),
 "flip_ok": lambda m: X3(m).flip(0, -1),
 "flip_float": lambda m: X(m).flip(1.0),
 "flip_empty": lambda m: X(m).flip(()),
 # reductions: dims
 "sum_range": lambda m: X(m).sum(2),
 "sum_dup": lambda m: X(m).sum((0, 0)),
 "sum_dup_neg": lambda m: X(m).sum((1, -1)),
 "sum_float_dim": lambda m: X(m).sum(1.0),
 "sum_float_in_tuple": lambda m: X(m).sum((0, 1.0)),
 "sum_0d_dim": lambda m: S(m).sum(0),
 "sum_0d_dim_bad": lambda m: S(m).sum(1),
 "sum_str_dim": lambda m: X(m).sum("a"),
 "mean_int": lambda m: I(m).mean(),
 "mean_int_dtype": lambda m: I(m).mean(dtype=m.float32),
 "mean_range": lambda m: X(m).mean(-3),
 "mean_dup": lambda m: X(m).mean((0, -2)),
 "var_int": lambda m: I(m).var(),
 "std_int": lambda m: I(m).std(),
 "std_corr_gt_n": lambda m: X(m).std(1, correction=5),
 "var_corr_eq_n": lambda m: X(m).var(0, correction=2),
 "var_corr_float": lambda m: X(m).var(1, correction=0.5),
 "var_corr_neg": lambda m: X(m).var(1, correction=-1),
 "var_range": lambda m: X(m).var(2),
 "var_dup": lambda m: X(m).var((1, 1)),
 "var_single": lambda m: m.ones(1).var(),
 "var_empty": lambda m: E(m).var(),
 "std_unbiased_false": lambda m: X(m).std(1, False),
 "prod_range": lambda m: X(m).prod(2),
 "prod_float": lambda m: X(m).prod(1.0),
 "prod_int": lambda m: I(m).prod(1),
 "prod_bool": lambda m: (X(m) > 1).prod(),
 "amax_range": lambda m: X(m).amax(2),
 "amax_dup": lambda m: X(m).amax((0, 0)),
 "logsumexp_range": lambda m: X(m).logsumexp(2),
 "logsumexp_dup": lambda m: X(m).logsumexp((0, 0)),
 "logsumexp_int": lambda m: I(m).logsumexp(1),
 "norm_range": lambda m: X(m).norm(dim=2),
 "norm_dup": lambda m: X(m).norm(dim=(0, 0)),
 "norm_int": lambda m: I(m).norm(),
 "any_range": lambda m: X(m).any(2),
 "all_dup": lambda m: X(m).all((0, 0)),
 "any_tuple": lambda m: X(m).any((0, 1)),
 "all_float_dim": lambda m: X(m).all(1.0),
 "count_nonzero_dup": lambda m: X(m).count_nonzero((0, 0)),
 "count_nonzero_range": lambda m: X(m).count_nonzero(2),
 "cumsum_range": lambda m: X(m).cumsum(2),
 "cumsum_none": lambda m: X(m).cumsum(None),
 "cumsum_float": lambda m: X(m).cumsum(1.0),
 "cumsum_0d": lambda m: S(m).cumsum(0),
 "cumsum_0d_bad": lambda m: S(m).cumsum(1),
 "cumsum_int": lambda m: I(m).cumsum(1),
 "cumsum_bool": lambda m: (X(m) > 1).cumsum(1),
 "cumprod_range": lambda m: X(m).cumprod(-3),
 "cumprod_int": lambda m: I(m).cumprod(1),
 "cumprod_tuple": lambda m: X(m).cumprod((0,)),
 "max_dim_range": lambda m: X(m).max(2),
 "min_dim_0d": lambda m: S(m).min(0),
 "max_keepdim_0d": lambda m: S(m).max(0, True),
 "sum_dtype": lambda m: I(m).sum(dtype=m.float64),
 "sum_bool": lambda m: (X(m) > 1).sum(1),
 "mean_bool": lambda m: (X(m) > 1).mean(),
 # pad (in shape.py)
 "pad_odd": lambda m: P(m).pad(X(m), (1,)),
 "pad_long": lambda m: P(m).pad(X(m), (1, 1, 1, 1, 1, 1)),
 "pad_ok": lambda m: P(m).pad(X(m), (1, 2)),
 "pad_crop": lambda m: P(m).pad(X(m), (-1, 1)),
 "pad_float": lambda m: P(m).pad(X(m), (1.0, 1)),
 "pad_too_neg": lambda m: P(m).pad(X(m), (-2, -2)),
 # broadcast_to
 "broadcast_to_bad": lambda m: X(m).broadcast_to((3, 3)),
 "broadcast_to_fewer": lambda m: X(m).broadcast_to((3,)),
 "broadcast_to_neg1": lambda m: X(m).broadcast_to((2, -1)),
 "broadcast_to_neg2": lambda m: X(m).broadcast_to((2, -2)),
 "view_as_bad": lambda m: X(m).view_as(m.ones(4)),
 "expand_as_bad": lambda m: X(m).expand_as(m.ones(4)),
}

# Valid spellings PyTorch accepts, and a few more rejections, found while sweeping.
CASES.update({
    "split_empty_int": lambda m: E(m).split(2),
    "split_empty_rows": lambda m: m.zeros(0, 3).split(2),
    "split_zero_empty_rows": lambda m: m.zeros(0, 2).split(0),
    "split_empty_sections": lambda m: E(m).split([]),
    "split_empty_sections_bad": lambda m: X(m).split([]),
    "split_numpy_int": lambda m: A5(m).split([np.int64(2), 3]),
    "split_tensor_size": lambda m: A5(m).split(m.tensor(2)),
    "chunk_empty_two": lambda m: E(m).chunk(2),
    "chunk_numpy_int": lambda m: A5(m).chunk(np.int64(2)),
    "narrow_numpy_start": lambda m: A5(m).narrow(0, np.int64(1), 2),
    "narrow_1d_tensor_start": lambda m: X(m).narrow(0, m.tensor([1]), 1),
    "narrow_bool_tensor_start": lambda m: X(m).narrow(0, m.tensor(True), 1),
    "narrow_bool_dim": lambda m: X(m).narrow(True, 0, 1),
    "narrow_empty": lambda m: E(m).narrow(0, 0, 0),
    "narrow_empty_neg": lambda m: E(m).narrow(0, -1, 0),
    "narrow_full_neg": lambda m: X(m).narrow(1, -3, 3),
    "narrow_grad_path": lambda m: m.cat([X(m), X(m)], 1).narrow(1, -4, 4),
    "sum_numpy_dim": lambda m: X(m).sum(np.int64(1)),
    "sum_tensor_dim": lambda m: X(m).sum(dim=m.tensor(1)),
    "sum_bool_dim": lambda m: X(m).sum(True),
    "sum_none_keep": lambda m: X(m).sum(None, True),
    "sum_0d_empty_dims": lambda m: S(m).sum(()),
    "sum_empty_dims_dtype": lambda m: X(m).sum(dim=(), dtype=m.float64),
    "mean_none_keep": lambda m: X(m).mean(None, True),
    "amax_bool_dim": lambda m: X(m).amax(True),
    "amax_empty_all_dims": lambda m: E2(m).amax((0, 1)),
    "amax_empty_dim": lambda m: E2(m).amax(1),
    "amin_empty_dims": lambda m: E2(m).amin(()),
    "amax_keepdim_only": lambda m: X(m).amax(keepdim=True),
    "argmax_empty_keepdim": lambda m: E2(m).argmax(1, True),
    "argmax_keepdim_3d": lambda m: X3(m).argmax(None, True),
    "argmin_0d_keepdim": lambda m: S(m).argmin(None, True),
    "logsumexp_tuple": lambda m: X(m).logsumexp((0, 1)),
    "logsumexp_none_keep": lambda m: X(m).logsumexp(None, True),
    "logsumexp_empty_list": lambda m: X(m).logsumexp([]),
    "logsumexp_1d_empty_dims": lambda m: A5(m).logsumexp(()),
    "logsumexp_0d_empty_dims": lambda m: S(m).logsumexp(()),
    "std_all_corr_gt_n": lambda m: m.std(X(m), dim=(0, 1), correction=7),
    "var_corr_bool": lambda m: X(m).var(correction=True),
    "var_unbiased_keep": lambda m: X(m).var(1, True, True),
    "count_nonzero_none": lambda m: X(m).count_nonzero(None),
    "count_nonzero_list": lambda m: X(m).count_nonzero([]),
    "count_nonzero_float": lambda m: X(m).count_nonzero(1.0),
    "any_empty_list": lambda m: X(m).any([]),
    "any_float": lambda m: X(m).any(1.0),
    "all_0d_dim": lambda m: S(m).all(0),
    "any_0d_empty_dims": lambda m: S(m).any(()),
    "norm0_empty_dims": lambda m: X(m).norm(p=0, dim=()),
    "norm3_empty_dims": lambda m: X(m).norm(p=3, dim=()),
    "normneginf_empty_list": lambda m: X(m).norm(p=-float("inf"), dim=[]),
    "norminf_empty": lambda m: E(m).norm(p=float("inf")),
    "norminf_empty_dim": lambda m: E2(m).norm(p=float("inf"), dim=1),
    "norminf_empty_other_dim": lambda m: E2(m).norm(p=float("inf"), dim=0),
    "normneginf_empty_dims": lambda m: E2(m).norm(p=-float("inf"), dim=(0, 1)),
    "norm1_empty": lambda m: E(m).norm(p=1),
    "norm0_empty": lambda m: E(m).norm(p=0),
    "cumsum_bool_dim": lambda m: X(m).cumsum(True),
    "cumsum_0d_neg": lambda m: m.cumsum(S(m), -1),
    "cumprod_empty": lambda m: m.cumprod(E(m), 0),
    "max_bool_dim": lambda m: X(m).max(True),
    "hstack_0d_2d": lambda m: m.hstack([S(m), m.ones(2, 2)]),
    "vstack_0d_1elem": lambda m: m.vstack([S(m), m.ones(1)]),
    "hstack_single_0d": lambda m: m.hstack((S(m),)),
    "vstack_1d_rows": lambda m: m.vstack([m.ones(2), m.ones(2)]),
    "stack_single": lambda m: m.stack((X(m),), 1),
    "cat_single_bad_dim": lambda m: m.cat([X(m)], 2),
    "cat_single_0d": lambda m: m.cat([S(m)]),
    "cat_empty1d_then_0d": lambda m: m.cat([E(m), S(m)]),
    "cat_two_empty1d": lambda m: m.cat([E(m), E(m)]),
    "cat_empty1d_dim1": lambda m: m.cat([X(m), E(m)], 1),
    "repeat_empty": lambda m: X(m).repeat([]),
    "repeat_0d_empty": lambda m: S(m).repeat(()),
    "repeat_neg_zero": lambda m: X(m).repeat(-1, 0),
    "tile_empty": lambda m: X(m).tile(()),
    "tile_int": lambda m: X(m).tile(2),
    "tile_neg_lead": lambda m: X(m).tile((-1, 2, 3)),
    "permute_0d_empty": lambda m: S(m).permute(()),
    "reshape_bool": lambda m: X(m).reshape((True, 6)),
    "reshape_empty_tuple": lambda m: X(m).reshape(()),
    "reshape_float_single": lambda m: X(m).reshape(6.0),
    "reshape_float_tuple": lambda m: X(m).reshape((6.0,)),
    "reshape_neg1_zero": lambda m: m.ones(0, 2).reshape(-1, 0),
    "view_float_single": lambda m: X(m).view(2.0),
    "view_none": lambda m: X(m).view(None),
    "view_float_pos": lambda m: X(m).view(2, 3.),
    "view_dtype": lambda m: X(m).view(m.float32),
    "expand_size_list": lambda m: X(m).expand([2, 3]),
    "expand_neg2_existing": lambda m: X(m).expand(2, -2),
    "flatten_neg_order": lambda m: X(m).flatten(-1, 0),
    "flatten_0d_neg": lambda m: S(m).flatten(-1, 0),
    "unflatten_single": lambda m: X(m).unflatten(1, (3,)),
    "unflatten_single_neg1": lambda m: X(m).unflatten(1, [-1]),
    "unflatten_ones": lambda m: X(m).unflatten(1, (1, -1, 3)),
    "unflatten_zero_neg1": lambda m: X(m).unflatten(1, (0, -1)),
    "unflatten_float_size": lambda m: X(m).unflatten(1, (2.0, -1)),
    "unflatten_int_sizes": lambda m: X(m).unflatten(1, 3),
    "unflatten_float_dim": lambda m: X(m).unflatten(1.0, (3,)),
    "transpose_same": lambda m: X(m).transpose(1, 1),
    "transpose_bool": lambda m: X(m).transpose(0, True),
    "unsqueeze_bool": lambda m: X(m).unsqueeze(True),
    "squeeze_empty_tuple": lambda m: X(m).squeeze(()),
    "squeeze_list_dup_neg": lambda m: m.ones(1, 2, 1).squeeze([0, -3]),
    "squeeze_numpy": lambda m: m.ones(2, 1).squeeze(np.int64(1)),
    "movedim_list": lambda m: X(m).movedim([0], [1]),
    "movedim_swap": lambda m: X(m).movedim((0, 1), (1, 0)),
    "roll_0d_neg_dim": lambda m: S(m).roll(1, -1),
    "roll_empty_dims": lambda m: m.roll(X(m), 1, ()),
    "roll_list": lambda m: X(m).roll([1], [0]),
    "roll_list_nodims": lambda m: X(m).roll([1], None),
    "roll_bool_dim": lambda m: X(m).roll(1, True),
    "roll_numpy": lambda m: X(m).roll(np.int64(1), 0),
    "flip_list_dup_neg": lambda m: X(m).flip([0, -2]),
    "flip_list_empty": lambda m: X(m).flip([]),
    "unbind_float": lambda m: X(m).unbind(1.0),
    "chunk_float_dim": lambda m: X(m).chunk(2, 1.0),
    "split_float_dim": lambda m: X(m).split(2, 1.0),
    "broadcast_to_ok": lambda m: m.ones(3).broadcast_to((2, 3)),
    "broadcast_to_neg1_new": lambda m: m.ones(3).broadcast_to((-1, 3)),
    "broadcast_to_float": lambda m: m.broadcast_to(m.ones(3), (2.0, 3)),
})

# The op name the message must contain, where it is not the case name's first word.
OP_NAME = {
    "view": "reshape", "view_as": "reshape", "expand_as": "expand", "concat": "cat",
    "var_mean": "var", "std_mean": "std", "count_nonzero": "count_nonzero",
    "broadcast_to": "broadcast_to", "var": "var", "std": "std", "mean": "mean",
    "norm0": "norm", "norm1": "norm", "norm3": "norm", "norminf": "norm", "normneginf": "norm",
}


def _op(name):
    for prefix in sorted(OP_NAME, key=len, reverse=True):
        if name.startswith(prefix + "_"):
            return OP_NAME[prefix]
    return name.split("_")[0]


def _run(fn, m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(m), None
        except Exception as exc:  # noqa: BLE001 - the class is what is compared
            return None, exc


def _arrays(out):
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in _arrays(o)]
    return [out.detach().numpy() if isinstance(out, torch.Tensor) else out.numpy()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    fn = CASES[name]
    theirs, t_exc = _run(fn, torch)
    ours, o_exc = _run(fn, autograd)
    if t_exc is not None:
        assert o_exc is not None, f"{name}: torch raised {t_exc!r}, ours returned {ours!r}"
        assert isinstance(o_exc, type(t_exc)), (name, o_exc, t_exc)
        assert _op(name) in str(o_exc), (name, str(o_exc))
        return
    assert o_exc is None, f"{name}: torch returned, ours raised {o_exc!r}"
    assert type(ours) is type(theirs) or isinstance(ours, tuple) == isinstance(theirs, tuple)
    t_arr, o_arr = _arrays(theirs), _arrays(ours)
    assert len(t_arr) == len(o_arr), name
    for t, o in zip(t_arr, o_arr):
        assert o.shape == t.shape, (name, o.shape, t.shape)
        assert o.dtype == t.dtype, (name, o.dtype, t.dtype)
        np.testing.assert_allclose(o, t, rtol=1e-6, equal_nan=True)


def test_no_internal_exception_classes():
    """None of the rejections is an internal error (NumPy's, or a Python slip)."""
    internal = (ZeroDivisionError, AttributeError, KeyError, np.exceptions.AxisError)
    for name, fn in CASES.items():
        _, exc = _run(fn, autograd)
        assert not isinstance(exc, internal), (name, exc)
        if exc is not None:
            assert "tuple index out of range" not in str(exc), (name, exc)
            assert "not iterable" not in str(exc), (name, exc)
            assert "not supported between instances" not in str(exc), (name, exc)
