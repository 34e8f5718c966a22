"""Bad arguments to layers, losses and hyper-parameters, against PyTorch: each snippet
runs once with torch and once with numbagrad (``import autograd as torch`` etc.).

Where torch raises class T, ours raises an instance of T whose message names the
layer/op. Where torch leaks an internal error (``AttributeError: 'list' object has no
attribute 'size'``, ``'tuple' object has no attribute 'dim'``, an IndexError from
unpacking, ``ZeroDivisionError``), ours raises the clear class given in the table instead
(``accident=...``). Where both succeed, the values are equal (for snippets that start
from the same numbers; ``compare=False`` marks randomly initialised layers)."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402


def _env(lib, nnmod, fmod):
    def X(*shape, dtype=None):  # deterministic floats in (-1.5, 1.5)
        a = np.linspace(-1.5, 1.5, int(np.prod(shape))).reshape(shape).astype(np.float32)
        t = lib.tensor(a)
        return t if dtype is None else t.to(dtype)

    def P(*shape):  # probabilities in (0, 1)
        a = np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape).astype(np.float32)
        return lib.tensor(a)

    def L(values, dtype=None):
        return lib.tensor(values, dtype=dtype or lib.int64)

    return dict(torch=lib, nn=nnmod, F=fmod, X=X, P=P, L=L, np=np)


ENVS = {"torch": _env(torch, torch.nn, torch.nn.functional), "ours": _env(autograd, nn, F)}


def _run(code, which):
    g = dict(ENVS[which])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, g)
    return g.get("r")


# (id, snippet, words the message must contain, class ours raises where torch's is an accident)
CASES = [
    # ---- normalisation
    ("layernorm_empty_shape", "r = nn.LayerNorm(())(X(2, 3))", "normalized_shape", None),
    ("layer_norm_shape", "r = F.layer_norm(X(2, 3), (4,))", "layer_norm", None),
    ("layer_norm_long_shape", "r = F.layer_norm(X(2, 3), (2, 3, 4))", "layer_norm", None),
    ("layer_norm_weight", "r = F.layer_norm(X(2, 3), (3,), weight=torch.ones(4))", "weight", None),
    ("layer_norm_bias", "r = F.layer_norm(X(2, 3), (3,), bias=torch.ones(2))", "bias", None),
    ("layer_norm_none_shape", "r = F.layer_norm(X(2, 3), None)", "normalized_shape", None),
    ("layer_norm_eps_none", "r = nn.LayerNorm(3, eps=None)(X(2, 3))", "eps", None),
    ("layernorm_negative_size", "r = nn.LayerNorm(-1)", "LayerNorm", None),
    ("layernorm_str", "r = nn.LayerNorm('a')", "LayerNorm", None),
    ("layernorm_negative_eps_nan", "r = nn.LayerNorm(3, eps=-1.0)(X(4, 3))", None, None),
    ("groupnorm_negative_eps_nan", "r = nn.GroupNorm(1, 3, eps=-1.0)(X(4, 3))", None, None),
    ("groupnorm_divisible", "r = nn.GroupNorm(2, 3)", "divisible", None),
    # torch: ZeroDivisionError from `3 % 0` (an accident)
    ("groupnorm_zero_groups", "r = nn.GroupNorm(0, 3)", "num_groups", ValueError),
    ("group_norm_divisible", "r = F.group_norm(X(2, 3, 4), 2)", "group_norm", None),
    ("group_norm_weight", "r = F.group_norm(X(2, 4, 4), 2, weight=torch.ones(3))", "weight", None),
    ("group_norm_1d", "r = F.group_norm(X(2), 1)", "group_norm", None),
    ("batchnorm2d_channels", "r = nn.BatchNorm2d(3)(X(2, 4, 5, 5))", "BatchNorm2d", None),
    ("batchnorm1d_channels", "r = nn.BatchNorm1d(3)(X(2, 4))", "running_mean", None),
    ("batchnorm1d_channels_no_stats",
     "r = nn.BatchNorm1d(3, track_running_stats=False)(X(2, 4))", "weight", None),
    ("batchnorm1d_channels_bare",
     "r = nn.BatchNorm1d(3, affine=False, track_running_stats=False)(X(2, 4))", None, None),
    ("batchnorm1d_ndim", "r = nn.BatchNorm1d(3)(X(4))", "BatchNorm1d", None),
    ("batchnorm2d_ndim", "r = nn.BatchNorm2d(3)(X(2, 3, 5))", "BatchNorm2d", None),
    ("batch_norm_running_mean", "r = F.batch_norm(X(2, 4, 5), torch.zeros(3), torch.ones(3))",
     "running_mean", None),
    ("batch_norm_weight", "r = F.batch_norm(X(2, 4, 5), torch.zeros(4), torch.ones(4), "
     "training=True, weight=torch.ones(3))", "weight", None),
    ("batchnorm_negative_eps_train", "r = nn.BatchNorm1d(3, eps=-1.0)(X(4, 3))", "eps", None),
    ("batchnorm_zero_eps_train", "r = nn.BatchNorm1d(3, eps=0.0)(X(4, 3))", "eps", None),
    ("batchnorm_negative_eps_eval",
     "m = nn.BatchNorm1d(3, eps=-1.0); m.eval(); r = m(X(4, 3))", "eps", None),
    ("batch_norm_eval_no_stats", "r = F.batch_norm(X(2, 3), None, None)", "running_mean", None),
    ("batchnorm_momentum_str", "r = nn.BatchNorm1d(3, momentum='a')(X(2, 3))", "momentum", None),
    ("batchnorm_one_value", "r = nn.BatchNorm1d(3)(X(1, 3))", "per channel", None),
    ("batchnorm_none", "r = nn.BatchNorm1d(None)", "num_features", None),
    ("batchnorm_negative", "r = nn.BatchNorm1d(-1)", "num_features", None),
    # ---- binary cross-entropy
    ("bce_target_above", "r = F.binary_cross_entropy(P(3), torch.tensor([0., 2., 1.]))",
     "target", None),
    ("bce_target_below", "r = F.binary_cross_entropy(P(3), torch.tensor([0., -0.5, 1.]))",
     "target", None),
    ("bce_target_nan", "r = F.binary_cross_entropy(P(3), torch.tensor([0., float('nan'), 1.]))",
     "target", None),
    ("bce_input_range", "r = F.binary_cross_entropy(torch.full((3,), 1.5), P(3))", "input", None),
    ("bce_input_nan", "r = F.binary_cross_entropy(torch.tensor([0.5, float('nan')]), P(2))",
     "input", None),
    ("bce_weight_shape", "r = F.binary_cross_entropy(P(3), P(3), weight=torch.ones(2))",
     "weight", None),
    ("bce_weight_enlarges", "r = F.binary_cross_entropy(P(2, 3), P(2, 3), "
     "weight=torch.ones(4, 2, 3))", "weight", None),
    ("bce_weight_broadcasts", "r = F.binary_cross_entropy(P(2, 3), P(2, 3), weight=X(3))",
     None, None),
    ("bce_target_long", "r = F.binary_cross_entropy(P(3), L([0, 1, 1]))", "dtype", None),
    ("bce_target_double", "r = F.binary_cross_entropy(P(3), P(3).double())", "dtype", None),
    # torch: AttributeError: 'list' object has no attribute 'size'
    ("bce_target_list", "r = F.binary_cross_entropy(P(3), [0., 1., 1.])", "target", TypeError),
    ("bce_reduction", "r = F.binary_cross_entropy(P(3), P(3), reduction='bogus')",
     "reduction", None),
    ("bcel_pos_weight", "r = F.binary_cross_entropy_with_logits(X(2, 3), P(2, 3), "
     "pos_weight=torch.ones(2))", "pos_weight", None),
    ("bcel_pos_weight_ok", "r = F.binary_cross_entropy_with_logits(X(2, 3), P(2, 3), "
     "pos_weight=X(2, 1))", None, None),
    ("bcel_weight", "r = F.binary_cross_entropy_with_logits(X(2, 3), P(2, 3), "
     "weight=torch.ones(2))", "weight", None),
    ("bcel_weight_enlarges", "r = F.binary_cross_entropy_with_logits(X(2, 3), P(2, 3), "
     "weight=torch.ones(4, 2, 3))", "weight", None),
    ("bcel_target_outside_ok", "r = F.binary_cross_entropy_with_logits(X(2, 3), "
     "torch.full((2, 3), 3.0))", None, None),
    # ---- cross-entropy / nll
    ("ce_float_index_target", "r = F.cross_entropy(X(4, 3), torch.tensor([0., 1., 2., 1.]))",
     "Long", None),
    ("nll_float_target", "r = F.nll_loss(X(4, 3), torch.tensor([0., 1., 2., 1.]))", "Long", None),
    ("ce_int32_target", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1], torch.int32))", "Int", None),
    ("nll_int32_target", "r = F.nll_loss(X(4, 3), L([0, 1, 2, 1], torch.int32))", "Int", None),
    ("ce_bool_target", "r = F.cross_entropy(X(4, 3), torch.tensor([True, False, True, True]))",
     "Bool", None),
    ("ce_uint8_target", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1], torch.uint8))", None, None),
    ("ce_label_smoothing_high", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), "
     "label_smoothing=1.5)", "label_smoothing", None),
    ("ce_label_smoothing_negative", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), "
     "label_smoothing=-0.1)", None, None),
    ("ce_label_smoothing_negative_probs", "r = F.cross_entropy(X(4, 3), P(4, 3), "
     "label_smoothing=-0.1)", None, None),
    ("ce_label_smoothing_none", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), "
     "label_smoothing=None)", "label_smoothing", None),
    ("celoss_label_smoothing", "r = nn.CrossEntropyLoss(label_smoothing=2.0)(X(4, 3), "
     "L([0, 1, 2, 1]))", "label_smoothing", None),
    ("ce_ignore_index_none", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), ignore_index=None)",
     "ignore_index", None),
    ("ce_ignore_index_float", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), ignore_index=1.5)",
     "ignore_index", None),
    ("nll_ignore_index_none", "r = F.nll_loss(X(4, 3), L([0, 1, 2, 1]), ignore_index=None)",
     "ignore_index", None),
    ("ce_ignore_index_out_of_range_ok", "r = F.cross_entropy(X(4, 3), L([0, 5, 2, 1]), "
     "ignore_index=5)", None, None),
    ("ce_target_bounds", "r = F.cross_entropy(X(4, 3), L([0, 5, 2, 1]))", "out of bounds", None),
    ("nll_target_bounds", "r = F.nll_loss(X(4, 3), L([0, 5, 2, 1]))", "out of bounds", None),
    ("nll_weight_shape", "r = F.nll_loss(X(4, 3), L([0, 1, 2, 1]), weight=torch.ones(2))",
     "weight", None),
    ("ce_weight_shape", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), weight=torch.ones(2))",
     "weight", None),
    ("ce_weight_dtype", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), "
     "weight=torch.ones(3).double())", "Double", None),
    ("nll_weight_dtype", "r = F.nll_loss(X(4, 3), L([0, 1, 2, 1]), "
     "weight=torch.ones(3).double())", "Double", None),
    ("ce_weight_list", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), weight=[1., 1., 1.])",
     "weight", None),
    ("ce_batch", "r = F.cross_entropy(X(4, 3), L([0, 1, 2]))", "cross_entropy", None),
    ("nll_batch", "r = F.nll_loss(X(4, 3), L([0, 1, 2]))", "nll_loss", None),
    ("ce_probs_shape", "r = F.cross_entropy(X(4, 3), P(4, 4))", "cross_entropy", None),
    ("ce_target_list", "r = F.cross_entropy(X(4, 3), [0, 1, 2, 1])", "target", None),
    ("ce_input_list", "r = F.cross_entropy([[0.1, 0.2]], L([0]))", "input", None),
    ("ce_0d_input", "r = F.cross_entropy(torch.tensor(1.0), torch.tensor(0))", "cross_entropy",
     None),
    ("nll_0d_input", "r = F.nll_loss(torch.tensor(1.0), torch.tensor(0))", "dimensions", None),
    ("nll_1d_ok", "r = F.nll_loss(X(3), torch.tensor(1))", None, None),
    ("ce_reduction", "r = F.cross_entropy(X(4, 3), L([0, 1, 2, 1]), reduction='bogus')",
     "reduction", None),
    ("nll_reduction", "r = F.nll_loss(X(4, 3), L([0, 1, 2, 1]), reduction='bogus')",
     "reduction", None),
    # ---- regression losses, kl_div
    ("mse_reduction", "r = F.mse_loss(X(3), X(3), reduction='bogus')", "reduction", None),
    ("mseloss_reduction", "r = nn.MSELoss(reduction='bogus')(X(3), X(3))", "reduction", None),
    # torch: AttributeError: 'list' / 'NoneType' / 'float' object has no attribute 'size'
    ("mse_input_list", "r = F.mse_loss([1., 2.], X(2))", "mse_loss", TypeError),
    ("mse_target_list", "r = F.mse_loss(X(2), [1., 2.])", "mse_loss", TypeError),
    ("mse_target_float", "r = F.mse_loss(X(2), 3.0)", "mse_loss", TypeError),
    ("l1_target_none", "r = F.l1_loss(X(2), None)", "l1_loss", TypeError),
    ("l1_input_none", "r = F.l1_loss(None, X(2))", "l1_loss", TypeError),
    ("mse_shape", "r = F.mse_loss(X(2), X(3))", "mse_loss", None),
    ("l1_shape", "r = F.l1_loss(X(2), X(3))", "l1_loss", None),
    ("mse_broadcast_ok", "r = F.mse_loss(X(2, 1), X(3))", None, None),
    ("mse_long_target_ok", "r = F.mse_loss(X(2), L([1, 2]))", None, None),
    ("mse_long", "r = F.mse_loss(L([1, 2]), L([1, 1]))", "mse", None),
    ("smooth_l1_negative_beta", "r = F.smooth_l1_loss(X(3), P(3), beta=-1.0)", "beta", None),
    ("smooth_l1_beta_none", "r = F.smooth_l1_loss(X(3), P(3), beta=None)", "beta", None),
    ("smooth_l1_beta_zero_ok", "r = F.smooth_l1_loss(X(3), P(3), beta=0.0)", None, None),
    ("huber_negative_delta", "r = F.huber_loss(X(3), P(3), delta=-1.0)", "delta", None),
    ("huber_zero_delta", "r = F.huber_loss(X(3), P(3), delta=0.0)", "delta", None),
    ("huber_delta_none", "r = F.huber_loss(X(3), P(3), delta=None)", "delta", None),
    ("kl_div_reduction", "r = F.kl_div(X(3), P(3), reduction='bogus')", "reduction", None),
    ("kl_div_shape", "r = F.kl_div(X(3), P(4))", "kl_div", None),
    ("kl_div_target_list", "r = F.kl_div(X(3), [0.1, 0.2, 0.3])", "target", None),
    ("kl_div_log_target_none", "r = F.kl_div(X(3), P(3), log_target=None)", "log_target", None),
    ("kl_div_batchmean_ok", "r = F.kl_div(X(2, 3), P(2, 3), reduction='batchmean')", None, None),
    # ---- activations
    ("leaky_relu_none", "r = F.leaky_relu(X(3), None)", "negative_slope", None),
    ("leaky_relu_str", "r = F.leaky_relu(X(3), 'a')", "negative_slope", None),
    ("leakyrelu_none", "r = nn.LeakyReLU(None)(X(3))", "negative_slope", None),
    ("leaky_relu_tensor_ok", "r = F.leaky_relu(X(3), torch.tensor(0.2))", None, None),
    ("leaky_relu_numpy_ok", "r = F.leaky_relu(X(3), np.float64(0.2))", None, None),
    ("elu_none", "r = F.elu(X(3), alpha=None)", "alpha", None),
    ("elu_module_none", "r = nn.ELU(alpha=None)(X(3))", "alpha", None),
    ("softplus_beta_none", "r = F.softplus(X(3), beta=None)", "beta", None),
    ("softplus_threshold_none", "r = F.softplus(X(3), threshold=None)", "threshold", None),
    ("softplus_module_none", "r = nn.Softplus(beta=None)(X(3))", "beta", None),
    ("softplus_beta_zero_ok", "r = F.softplus(X(3), beta=0)", None, None),
    ("hardtanh_min_none", "r = F.hardtanh(X(3), min_val=None)", "min_val", None),
    ("hardtanh_max_str", "r = F.hardtanh(X(3), max_val='a')", "max_val", None),
    ("hardtanh_min_above_max", "r = F.hardtanh(X(3), min_val=2.0, max_val=1.0)", "min_val", None),
    ("hardtanh_module_none", "r = nn.Hardtanh(None, 1.0)", "min_val", None),
    ("hardtanh_module_order", "r = nn.Hardtanh(2.0, 1.0)", "max_val", None),
    ("gelu_approximate", "r = F.gelu(X(3), approximate='bad')", "approximate", None),
    ("gelu_approximate_none", "r = F.gelu(X(3), approximate=None)", "approximate", None),
    ("softmax_dim_str", "r = F.softmax(X(3), dim='a')", "dim", None),
    ("softmax_dim_float", "r = F.softmax(X(3), dim=1.5)", "dim", None),
    ("log_softmax_dim_range", "r = F.log_softmax(X(3), dim=2)", "dim", None),
    # ---- dropout
    ("dropout_module_none", "r = nn.Dropout(None)", "p", None),
    ("dropout_module_str", "r = nn.Dropout('a')", "p", None),
    ("dropout_module_high", "r = nn.Dropout(1.5)", "probability", None),
    ("dropout_module_negative", "r = nn.Dropout(-0.1)", "probability", None),
    ("dropout2d_module_none", "r = nn.Dropout2d(None)", "p", None),
    ("alphadropout_module_none", "r = nn.AlphaDropout(None)", "p", None),
    ("dropout_high", "r = F.dropout(X(3), 1.5)", "probability", None),
    ("dropout_none", "r = F.dropout(X(3), None)", "p", None),
    ("dropout2d_high", "r = F.dropout2d(X(2, 3, 4), 2.0)", "probability", None),
    ("alpha_dropout_high", "r = F.alpha_dropout(X(3), 2.0, True)", "probability", None),
    ("dropout_training_none", "r = F.dropout(X(3), 0.5, training=None)", "train", None),
    ("dropout_input_list", "r = F.dropout([1., 2.], 0.5)", "input", None),
    ("dropout_module_input_none", "r = nn.Dropout(0.5)(None)", "input", None),
    ("dropout_eval_ok", "r = F.dropout(X(3), 0.5, training=False)", None, None),
    # ---- linear, bilinear
    ("linear_none_in", "r = nn.Linear(None, 3)", "in_features", None),
    ("linear_none_out", "r = nn.Linear(3, None)", "out_features", None),
    ("linear_float_in", "r = nn.Linear(3.5, 3)", "in_features", None),
    ("linear_str_in", "r = nn.Linear('3', 3)", "in_features", None),
    ("linear_negative", "r = nn.Linear(-1, 3)", "in_features", None),
    ("linear_features", "r = nn.Linear(3, 4)(X(2, 5))", "linear", None),
    ("linear_0d", "r = nn.Linear(3, 4)(torch.tensor(1.0))", "linear", None),
    ("linear_input_none", "r = nn.Linear(3, 4)(None)", "input", None),
    ("linear_input_list", "r = F.linear([1., 2., 3.], X(4, 3))", "input", None),
    ("linear_weight_none", "r = F.linear(X(2, 3), None)", "weight", None),
    ("linear_bias_list", "r = F.linear(X(2, 3), X(4, 3), [1., 2., 3., 4.])", "bias", None),
    ("linear_3d_weight", "r = F.linear(X(2, 3), X(4, 3, 1))", "linear", None),
    ("linear_bias_shape", "r = F.linear(X(2, 3), X(4, 3), X(3))", "bias", None),
    ("linear_1d_weight_ok", "r = F.linear(X(2, 3), X(3))", None, None),
    ("linear_1d_weight_bias", "r = F.linear(X(2, 3), X(3), X(2))", "1-D weight", None),
    ("linear_bias_broadcast_ok", "r = F.linear(X(2, 3), X(4, 3), X(1))", None, None),
    ("linear_bias_2d_ok", "r = F.linear(X(2, 3), X(4, 3), X(2, 4))", None, None),
    ("bilinear_in2", "r = nn.Bilinear(2, 3, 4)(X(5, 2), X(5, 4))", "bilinear", None),
    ("bilinear_batch", "r = nn.Bilinear(2, 3, 4)(X(5, 2), X(4, 3))", "bilinear", None),
    ("bilinear_none", "r = nn.Bilinear(None, 3, 4)", "in1_features", None),
    # ---- embedding
    ("embedding_padding_high", "r = nn.Embedding(3, 4, padding_idx=5)", "Padding_idx", None),
    ("embedding_padding_low", "r = nn.Embedding(3, 4, padding_idx=-4)", "Padding_idx", None),
    # torch: IndexError from indexing the weight with a float (an accident)
    ("embedding_padding_float", "r = nn.Embedding(3, 4, padding_idx=1.5)", "padding_idx",
     TypeError),
    ("embedding_padding_str", "r = nn.Embedding(3, 4, padding_idx='a')", "padding_idx", None),
    ("embedding_none", "r = nn.Embedding(None, 4)", "num_embeddings", None),
    ("embedding_max_norm_str", "r = nn.Embedding(3, 4, max_norm='a')(L([0, 1]))", "max_norm",
     None),
    ("embedding_norm_type_none", "r = nn.Embedding(3, 4, max_norm=1.0, "
     "norm_type=None)(L([0, 1]))", "norm_type", None),
    ("embedding_index_range", "r = nn.Embedding(3, 4)(L([0, 3]))", "index", None),
    ("embedding_float_indices", "r = nn.Embedding(3, 4)(torch.tensor([0., 1.]))", "indices",
     None),
    ("embedding_list_indices", "r = nn.Embedding(3, 4)([0, 1])", "indices", None),
    ("f_embedding_padding", "r = F.embedding(L([0, 1]), X(3, 4), padding_idx=5)", "Padding_idx",
     None),
    ("f_embedding_1d_weight", "r = F.embedding(L([0, 1]), X(3))", "weight", None),
    ("f_embedding_max_norm_ok", "r = F.embedding(L([0, 2]), X(3, 4), max_norm=0.5)", None, None),
    # ---- attention
    ("mha_divisible", "r = nn.MultiheadAttention(5, 2)", "divisible", None),
    ("mha_zero", "r = nn.MultiheadAttention(0, 2)", "embed_dim", None),
    ("mha_none", "r = nn.MultiheadAttention(None, 2)", "embed_dim", None),
    ("mha_heads_none", "r = nn.MultiheadAttention(4, None)", "num_heads", None),
    ("transformer_divisible", "r = nn.TransformerEncoderLayer(5, 2)", "divisible", None),
    ("mha_embed_dim", "m = nn.MultiheadAttention(4, 2); r = m(X(3, 2, 5), X(3, 2, 5), "
     "X(3, 2, 5))[0]", "embedding dimension", None),
    ("mha_key_value", "m = nn.MultiheadAttention(4, 2); r = m(X(3, 2, 4), X(5, 2, 4), "
     "X(3, 2, 4))[0]", "key", None),
    ("mha_batch", "m = nn.MultiheadAttention(4, 2); r = m(X(3, 2, 4), X(3, 3, 4), "
     "X(3, 3, 4))[0]", "MultiheadAttention", None),
    ("mha_4d", "m = nn.MultiheadAttention(4, 2); r = m(X(2, 3, 2, 4), X(2, 3, 2, 4), "
     "X(2, 3, 2, 4))[0]", "query", None),
    ("sdpa_shapes", "r = F.scaled_dot_product_attention(X(2, 3, 4), X(2, 3, 5), X(2, 3, 4))",
     "scaled_dot_product_attention", None),
    ("sdpa_dropout_none", "r = F.scaled_dot_product_attention(X(2, 3, 4), X(2, 3, 4), "
     "X(2, 3, 4), dropout_p=None)", "dropout_p", None),
]

RNN_CASES = [
    # torch: AttributeError: 'tuple' object has no attribute 'dim' (an accident)
    ("gru_tuple_hidden", "r = nn.GRU(2, 3)(X(4, 1, 2), (torch.zeros(1, 1, 3),) * 2)[0]", "GRU",
     TypeError),
    ("rnn_tuple_hidden", "r = nn.RNN(2, 3)(X(4, 1, 2), (torch.zeros(1, 1, 3),))[0]", "RNN",
     TypeError),
    ("rnn_list_hidden", "r = nn.RNN(2, 3)(X(4, 1, 2), [torch.zeros(1, 1, 3)])[0]", "RNN",
     TypeError),
    ("gru_float_hidden", "r = nn.GRU(2, 3)(X(4, 1, 2), 0.0)[0]", "GRU", TypeError),
    # torch: IndexError: index 1 is out of bounds (unpacking a Tensor; an accident)
    ("lstm_tensor_hidden", "r = nn.LSTM(2, 3)(X(4, 1, 2), torch.zeros(1, 1, 3))[0]", "tuple",
     TypeError),
    # torch: IndexError: tuple index out of range (an accident)
    ("lstm_one_hidden", "r = nn.LSTM(2, 3)(X(4, 1, 2), (torch.zeros(1, 1, 3),))[0]",
     "two hidden states", RuntimeError),
    ("lstm_three_hidden", "r = nn.LSTM(2, 3)(X(4, 1, 2), (torch.zeros(1, 1, 3),) * 3)[0]",
     "two hidden states", None),
    ("lstm_none_cell", "r = nn.LSTM(2, 3)(X(4, 1, 2), (torch.zeros(1, 1, 3), None))[0]", "c_0",
     TypeError),
    ("lstm_none_hidden", "r = nn.LSTM(2, 3)(X(4, 1, 2), (None, torch.zeros(1, 1, 3)))[0]", "h_0",
     TypeError),
    ("gru_hidden_layers", "r = nn.GRU(2, 3)(X(4, 1, 2), torch.zeros(2, 1, 3))[0]",
     "hidden size", None),
    ("gru_hidden_batch", "r = nn.GRU(2, 3)(X(4, 1, 2), torch.zeros(1, 2, 3))[0]", "hidden size",
     None),
    ("rnn_hidden_size", "r = nn.RNN(2, 3)(X(4, 1, 2), torch.zeros(1, 1, 4))[0]", "hidden size",
     None),
    ("lstm_h_shape", "r = nn.LSTM(2, 3)(X(4, 1, 2), (torch.zeros(2, 1, 3), "
     "torch.zeros(1, 1, 3)))[0]", "size", None),
    ("lstm_c_shape", "r = nn.LSTM(2, 3)(X(4, 1, 2), (torch.zeros(1, 1, 3), "
     "torch.zeros(2, 1, 3)))[0]", "size", None),
    ("gru_input_size", "r = nn.GRU(2, 3)(X(4, 1, 5))[0]", "input_size", None),
    ("lstm_input_size", "r = nn.LSTM(2, 3)(X(4, 1, 5))[0]", "input_size", None),
    ("gru_input_4d", "r = nn.GRU(2, 3)(X(4, 1, 2, 1))[0]", "2D or 3D", None),
    ("gru_input_1d", "r = nn.GRU(2, 3)(X(2))[0]", "2D or 3D", None),
    ("gru_batch_first_hidden", "r = nn.GRU(2, 3, batch_first=True)(X(2, 4, 2), "
     "torch.zeros(1, 4, 3))[0]", "hidden size", None),
    ("gru_hidden_dtype", "r = nn.GRU(2, 3)(X(4, 1, 2), torch.zeros(1, 1, 3, "
     "dtype=torch.float64))[0]", "dtype", None),
    ("rnn_hidden_long", "r = nn.RNN(2, 3)(X(4, 1, 2), torch.zeros(1, 1, 3, "
     "dtype=torch.int64))[0]", "dtype", None),
    ("gru_unbatched_3d_hidden", "r = nn.GRU(2, 3)(X(4, 2), torch.zeros(1, 1, 3))[0]", "2-D",
     None),
    ("gru_unbatched_1d_hidden", "r = nn.GRU(2, 3)(X(4, 2), torch.zeros(3))[0]", "2-D", None),
    ("gru_unbatched_hidden_layers", "r = nn.GRU(2, 3)(X(4, 2), torch.zeros(2, 3))[0]",
     "hidden size", None),
    ("gru_batched_2d_hidden", "r = nn.GRU(2, 3)(X(4, 1, 2), torch.zeros(1, 3))[0]", "3-D", None),
    ("lstm_unbatched_mixed", "r = nn.LSTM(2, 3)(X(4, 2), (torch.zeros(1, 1, 3), "
     "torch.zeros(1, 3)))[0]", "2-D", None),
    ("lstm_batched_mixed", "r = nn.LSTM(2, 3)(X(4, 1, 2), (torch.zeros(1, 1, 3), "
     "torch.zeros(1, 3)))[0]", "3-D", None),
    # torch: AttributeError: 'list' / 'NoneType' object has no attribute 'dim'
    ("gru_input_list", "r = nn.GRU(2, 3)([[[1., 2.]]])[0]", "input", TypeError),
    ("gru_input_none", "r = nn.GRU(2, 3)(None)[0]", "input", TypeError),
    ("gru_none_input_size", "r = nn.GRU(None, 3)", "input_size", None),
    ("gru_none_hidden_size", "r = nn.GRU(2, None)", "hidden_size", None),
    ("gru_float_hidden_size", "r = nn.GRU(2, 3.5)", "hidden_size", None),
    ("gru_float_input_size", "r = nn.GRU(2.5, 3)", "input_size", None),
    ("gru_zero_hidden", "r = nn.GRU(2, 0)", "hidden_size", None),
    ("gru_negative_input", "r = nn.GRU(-1, 3)", "input_size", None),
    ("gru_zero_layers", "r = nn.GRU(2, 3, num_layers=0)", "num_layers", None),
    ("gru_none_layers", "r = nn.GRU(2, 3, num_layers=None)", "num_layers", None),
    ("gru_none_dropout", "r = nn.GRU(2, 3, dropout=None)", "dropout", None),
    ("gru_high_dropout", "r = nn.GRU(2, 3, dropout=2.0)", "dropout", None),
    ("lstm_negative_proj", "r = nn.LSTM(2, 3, proj_size=-1)", "proj_size", None),
    ("gru_bidirectional_hidden", "r = nn.GRU(2, 3, bidirectional=True)(X(4, 1, 2), "
     "torch.zeros(1, 1, 3))[0]", "hidden size", None),
    ("gru_empty_sequence", "r = nn.GRU(2, 3)(X(0, 1, 2))[0]", "sequence length", None),
    ("gru_empty_batch_ok", "r = nn.GRU(2, 3)(X(4, 0, 2))[0]", None, None),
    ("lstm_empty_batch_ok", "r = nn.LSTM(2, 3)(X(4, 0, 2))[1][1]", None, None),
    # cells
    ("grucell_hidden_size", "r = nn.GRUCell(2, 3)(X(4, 2), torch.zeros(4, 4))", "GRUCell", None),
    ("grucell_hidden_batch", "r = nn.GRUCell(2, 3)(X(4, 2), torch.zeros(5, 3))", "GRUCell",
     None),
    ("grucell_input_size", "r = nn.GRUCell(2, 3)(X(4, 5))", "input_size", None),
    ("rnncell_input_size", "r = nn.RNNCell(2, 3)(X(4, 5))", "input_size", None),
    ("lstmcell_input_size", "r = nn.LSTMCell(2, 3)(X(4, 5))", "input_size", None),
    ("grucell_input_3d", "r = nn.GRUCell(2, 3)(X(4, 2, 1))", "1D or 2D", None),
    ("grucell_unbatched_2d_hidden", "r = nn.GRUCell(2, 3)(X(2), torch.zeros(1, 3))", "GRUCell",
     None),
    ("grucell_1d_hidden", "r = nn.GRUCell(2, 3)(X(4, 2), torch.zeros(3))", "GRUCell", None),
    # torch: AttributeError: 'tuple' / 'float' object has no attribute 'dim'
    ("grucell_tuple_hidden", "r = nn.GRUCell(2, 3)(X(4, 2), (torch.zeros(4, 3),))", "GRUCell",
     TypeError),
    ("rnncell_tuple_hidden", "r = nn.RNNCell(2, 3)(X(4, 2), (torch.zeros(4, 3),))", "RNNCell",
     TypeError),
    ("grucell_float_hidden", "r = nn.GRUCell(2, 3)(X(4, 2), 0.0)", "GRUCell", TypeError),
    ("lstmcell_tensor_hidden", "r = nn.LSTMCell(2, 3)(X(4, 2), torch.zeros(4, 3))[0]", "tuple",
     None),
    ("lstmcell_one_hidden", "r = nn.LSTMCell(2, 3)(X(4, 2), (torch.zeros(4, 3),))[0]",
     "two hidden states", None),
    ("lstmcell_three_hidden", "r = nn.LSTMCell(2, 3)(X(4, 2), (torch.zeros(4, 3),) * 3)[0]",
     "two hidden states", None),
    ("lstmcell_cell_size", "r = nn.LSTMCell(2, 3)(X(4, 2), (torch.zeros(4, 3), "
     "torch.zeros(4, 4)))[0]", "LSTMCell", None),
    ("lstmcell_none_cell", "r = nn.LSTMCell(2, 3)(X(4, 2), (torch.zeros(4, 3), None))[0]",
     "c_0", TypeError),
    ("grucell_hidden_dtype", "r = nn.GRUCell(2, 3)(X(4, 2), torch.zeros(4, 3, "
     "dtype=torch.float64))", "dtype", None),
    ("grucell_input_list", "r = nn.GRUCell(2, 3)([1., 2.])", "input", TypeError),
    ("grucell_none_input_size", "r = nn.GRUCell(None, 3)", "input_size", None),
    ("grucell_none_hidden_size", "r = nn.GRUCell(2, None)", "hidden_size", TypeError),
]

_RANDOM_INIT = {c[0] for c in RNN_CASES}  # randomly initialised: compare shapes only


def _outcome(code, which):
    try:
        return _run(code, which), None
    except Exception as e:  # noqa: BLE001 - the exception is the result under test
        return None, e


@pytest.mark.parametrize("case_id,code,words,accident", CASES + RNN_CASES,
                         ids=[c[0] for c in CASES + RNN_CASES])
def test_matches_torch(case_id, code, words, accident):
    theirs, t_exc = _outcome(code, "torch")
    ours, o_exc = _outcome(code, "ours")
    if t_exc is None:
        assert o_exc is None, f"torch succeeds, ours raised {type(o_exc).__name__}: {o_exc}"
        if isinstance(theirs, torch.Tensor):
            a = theirs.detach().numpy()
            b = ours.detach().numpy()
            assert a.shape == b.shape
            if case_id not in _RANDOM_INIT:
                np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6, equal_nan=True)
        return
    assert o_exc is not None, f"torch raises {type(t_exc).__name__}: {t_exc}; ours succeeded"
    expected = accident or type(t_exc)
    assert isinstance(o_exc, expected), \
        f"torch: {type(t_exc).__name__}: {t_exc}\nours: {type(o_exc).__name__}: {o_exc}"
    assert not isinstance(o_exc, (AttributeError, KeyError, ZeroDivisionError))
    if words is not None:
        assert words.lower() in str(o_exc).lower(), f"{words!r} not in {o_exc}"


def test_no_numpy_warnings_for_nan_results():
    """Negative eps (LayerNorm/GroupNorm) and beta=0 (softplus) give NaN/inf as PyTorch,
    without NumPy's RuntimeWarnings reaching the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = autograd.tensor(np.linspace(-1, 1, 12).reshape(4, 3).astype(np.float32),
                            requires_grad=True)
        y = nn.LayerNorm(3, eps=-1.0)(x)
        y.sum().backward()
        nn.GroupNorm(1, 3, eps=-1.0)(x)
        F.softplus(x, beta=0)
        bn = nn.BatchNorm1d(3, eps=0.0)
        bn.eval()
        bn(x)
