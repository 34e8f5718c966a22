"""Attention layers: ``MultiheadAttention``, ``TransformerEncoderLayer`` and
``TransformerEncoder``, with PyTorch's arguments, submodule/parameter names,
initialisation and mask conventions. The functional ``scaled_dot_product_attention``
lives in ``nn.functional`` (re-exported here).

Mask conventions (PyTorch's, and they differ):

* ``scaled_dot_product_attention``: a bool ``attn_mask`` is True where attention is
  ALLOWED; a float mask is added to the scores.
* ``MultiheadAttention``: bool ``attn_mask`` / ``key_padding_mask`` are True where
  attention is NOT allowed; float masks are added to the scores.

Everything is composed of differentiable engine ops, so it is twice differentiable.
"""
from __future__ import annotations

import copy
import math

import autograd

from .. import functional as F
from .. import init
from .._check import ShapeError, require_size, require_tensor
from ..functional import scaled_dot_product_attention
from ..parameter import Parameter
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["scaled_dot_product_attention", "MultiheadAttention", "TransformerEncoderLayer",
           "TransformerEncoder", "NonDynamicallyQuantizableLinear",
           "generate_square_subsequent_mask"]


class _AttentionShapeError(AssertionError, RuntimeError):
    """An input shape ``MultiheadAttention`` rejects: PyTorch asserts there (an
    AssertionError); older numbagrad raised RuntimeError, so this is both."""


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the class name PyTorch gives ``MultiheadAttention.out_proj``."""


class MultiheadAttention(Module):
    """Multi-head attention (``Attention is all you need``), PyTorch's layout.

    Args:
        embed_dim: E, model width (split into ``num_heads`` heads of E/num_heads).
        num_heads: number of heads.
        dropout: dropout on the attention weights (training only).
        bias: biases on the input and output projections.
        kdim, vdim: key/value feature sizes (default E; when different, separate
            ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` replace ``in_proj_weight``).
        batch_first: inputs/outputs are [B, L, E] instead of [L, B, E].

        add_bias_kv: append a learned key and value (``bias_k``, ``bias_v``) to every
            sequence after the projections.
        add_zero_attn: append an all-zero key and value (per head) after those.

    Parameters (PyTorch's names): ``in_proj_weight`` [3E, E] (xavier_uniform_),
    ``in_proj_bias`` [3E] (zeros), ``bias_k``/``bias_v`` [1, 1, E] (xavier_normal_, with
    add_bias_kv), ``out_proj.weight`` [E, E], ``out_proj.bias`` [E] (zeros). The appended
    keys are never masked; the returned weights then have S + 1 (or S + 2) columns.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        embed_dim = require_size("MultiheadAttention", "embed_dim", embed_dim)
        num_heads = require_size("MultiheadAttention", "num_heads", num_heads)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads != 0:
            raise AssertionError(f"MultiheadAttention: embed_dim must be divisible by num_heads, "
                                 f"got embed_dim={embed_dim} and num_heads={num_heads}")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        E = embed_dim
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(autograd.empty(E, E, dtype=dtype))
            self.k_proj_weight = Parameter(autograd.empty(E, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(autograd.empty(E, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(autograd.empty(3 * E, E, dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(autograd.empty(3 * E, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(E, E, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(autograd.empty(1, 1, E, dtype=dtype))
            self.bias_v = Parameter(autograd.empty(1, 1, E, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = bool(add_zero_attn)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _projections(self, q, k, v):
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(q, wq, bq), F.linear(k, wk, bk), F.linear(v, wv, bv)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: [L, B, E] ([B, L, E] if batch_first; unbatched [L, E]).
            key: [S, B, kdim]; value: [S, B, vdim] (same layout rules).
            key_padding_mask: [B, S] ([S] unbatched); bool True = ignore that key, or float
                added to the scores.
            need_weights: also return the attention weights.
            attn_mask: [L, S] or [B * num_heads, L, S]; bool True = not allowed, or float.
            average_attn_weights: average the returned weights over heads.
            is_causal: hint that ``attn_mask`` is the causal mask (it must be given). As in
                PyTorch, without key_padding_mask and need_weights the causal mask is then
                used in place of ``attn_mask``.

        Returns:
            (attn_output like query but with E features, weights [B, L, S] (averaged) or
            [B, num_heads, L, S], or None when ``need_weights`` is False).
        """
        name = "MultiheadAttention"
        if is_causal and attn_mask is None:
            raise RuntimeError(f"{name}: Need attn_mask if specifying the is_causal hint. You "
                               f"may use the Transformer module method "
                               f"`generate_square_subsequent_mask` to create this mask.")
        require_tensor(name, query, "query", 1)
        require_tensor(name, key, "key", 2)
        require_tensor(name, value, "value", 3)
        batched = query.dim() == 3
        if query.dim() not in (2, 3) or key.dim() != query.dim() or value.dim() != query.dim():
            raise _AttentionShapeError(f"{name}: query, key and value must all be 2-D (unbatched) or "
                               f"3-D (batched), got shapes {tuple(query.shape)}, "
                               f"{tuple(key.shape)}, {tuple(value.shape)}")
        if not batched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:
            query, key, value = (query.transpose(0, 1), key.transpose(0, 1),
                                 value.transpose(0, 1))
        # now [B, L, E], [B, S, kdim], [B, S, vdim]
        B, L, E = query.shape
        S = key.shape[1]
        if E != self.embed_dim:
            raise _AttentionShapeError(f"{name}: was expecting embedding dimension of {self.embed_dim}, "
                               f"but got {E} (query shape {tuple(query.shape)})")
        if key.shape[:2] != value.shape[:2]:
            raise _AttentionShapeError(f"{name}: key shape {tuple(key.shape)} does not match "
                                       f"value shape {tuple(value.shape)} (as [B, S, *])")
        if key.shape[0] != B:
            raise ShapeError(f"{name}: key and value have batch size {key.shape[0]} but query "
                             f"has {B} (shapes as [B, *, *]: query {tuple(query.shape)}, key "
                             f"{tuple(key.shape)})")
        if key.shape[2] != self.kdim or value.shape[2] != self.vdim:
            raise ShapeError(f"{name}: expected key with {self.kdim} and value with "
                             f"{self.vdim} features, got key {tuple(key.shape)} and value "
                             f"{tuple(value.shape)}")
        nh, hd = self.num_heads, self.head_dim
        q, k, v = self._projections(query, key, value)
        extra = 0  # key/value columns appended by add_bias_kv / add_zero_attn
        if self.bias_k is not None and self.bias_v is not None:
            k = autograd.cat([k, self.bias_k.expand(B, 1, E)], dim=1)
            v = autograd.cat([v, self.bias_v.expand(B, 1, E)], dim=1)
            extra += 1
        q = q.reshape(B, L, nh, hd).transpose(1, 2)  # [B, nh, L, hd]
        k = k.reshape(B, S + extra, nh, hd).transpose(1, 2)
        v = v.reshape(B, S + extra, nh, hd).transpose(1, 2)
        if self.add_zero_attn:
            zeros = autograd.zeros(B, nh, 1, hd, dtype=k.dtype)
            k = autograd.cat([k, zeros], dim=2)
            v = autograd.cat([v, zeros], dim=2)
            extra += 1
        if is_causal and key_padding_mask is None and not need_weights:
            # PyTorch's rule: the is_causal hint then replaces attn_mask by the causal
            # (top-left aligned) mask over all keys, the appended ones included
            allowed = autograd.tril(autograd.ones(L, S + extra, dtype=autograd.bool))
            mask = F._additive_mask(allowed.logical_not(), q.dtype, true_blocks=True, op=name)
        else:
            mask = self._merged_mask(attn_mask, key_padding_mask, B, L, S, q.dtype, batched)
            if mask is not None and extra:  # appended keys are never masked (zero columns)
                pad = autograd.zeros(*mask.shape[:-1], extra, dtype=mask.dtype)
                mask = autograd.cat([mask, pad], dim=-1)
        scores = autograd.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        if mask is not None:
            scores = scores + mask
        weights = scores.softmax(-1)
        if self.dropout > 0.0 and self.training:
            weights = F.dropout(weights, self.dropout, True)
        out = autograd.matmul(weights, v).transpose(1, 2).reshape(B, L, E)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            weights = weights.squeeze(0)
        return out, weights

    def _merged_mask(self, attn_mask, key_padding_mask, B, L, S, dtype, batched):
        """attn_mask and key_padding_mask as one additive mask broadcastable to
        [B, nh, L, S] (None when both are absent)."""
        name = "MultiheadAttention"
        mask = None
        if attn_mask is not None:
            if attn_mask.dim() == 2:
                if tuple(attn_mask.shape) != (L, S):
                    raise RuntimeError(f"{name}: The shape of the 2D attn_mask is "
                                       f"{tuple(attn_mask.shape)}, but should be {(L, S)}.")
            elif attn_mask.dim() == 3:
                want = (B * self.num_heads, L, S)
                if not batched:
                    want = (self.num_heads, L, S)
                if tuple(attn_mask.shape) != want:
                    raise RuntimeError(f"{name}: The shape of the 3D attn_mask is "
                                       f"{tuple(attn_mask.shape)}, but should be {want}.")
                attn_mask = attn_mask.reshape(B, self.num_heads, L, S)
            else:
                raise RuntimeError(f"{name}: attn_mask's dimension {attn_mask.dim()} is not "
                                   f"supported (expected 2-D or 3-D)")
            mask = F._additive_mask(attn_mask, dtype, true_blocks=True, op=name)
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (B, S):
                raise RuntimeError(f"{name}: expecting key_padding_mask shape of {(B, S)}, but "
                                   f"got {tuple(key_padding_mask.shape)}")
            kpm = F._additive_mask(key_padding_mask, dtype, true_blocks=True, op=name)
            kpm = kpm.reshape(B, 1, 1, S)
            mask = kpm if mask is None else mask + kpm
        return mask

    def extra_repr(self) -> str:
        return ""


def _get_activation(activation):
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention plus feed-forward block (``Attention is all you need``), PyTorch's.

    Args:
        d_model: model width E. nhead: attention heads.
        dim_feedforward: hidden width of the feed-forward block.
        dropout: dropout after attention, inside and after the feed-forward block.
        activation: ``"relu"``, ``"gelu"`` or a callable.
        layer_norm_eps: LayerNorm epsilon.
        batch_first: [B, L, E] instead of [L, B, E].
        norm_first: pre-norm (``x + sa(norm1(x))``) instead of post-norm
            (``norm1(x + sa(x))``).
        bias: biases in the linear layers, attention and LayerNorms.

    Submodules: ``self_attn``, ``linear1``, ``dropout``, ``linear2``, ``norm1``, ``norm2``,
    ``dropout1``, ``dropout2``. Shapes: src [L, B, E] (or [B, L, E], or [L, E]) -> same.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _get_activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        """Args as ``MultiheadAttention``'s ``attn_mask``/``key_padding_mask``; returns
        a tensor shaped like ``src``."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


def generate_square_subsequent_mask(sz: int, device=None, dtype=None):
    """The causal mask [sz, sz]: -inf above the diagonal, 0 elsewhere (``dtype`` default
    the default float dtype; a bool mask is True above the diagonal)."""
    if dtype is None:
        dtype = autograd.get_default_dtype()
    return autograd.triu(autograd.full((sz, sz), float("-inf"), dtype=dtype), diagonal=1)


def _seq_len(src, batch_first: bool) -> int:
    if src.dim() == 2:  # unbatched [L, E]
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None) -> bool:
    """PyTorch's rule for the stacks: an explicit ``is_causal`` wins; when it is None, a
    mask equal to ``generate_square_subsequent_mask`` (in the mask's dtype) is causal."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        causal = generate_square_subsequent_mask(sz, dtype=mask.dtype)
        if tuple(mask.shape) == tuple(causal.shape):
            make_causal = bool((mask.detach().numpy() == causal.numpy()).all())
        else:
            make_causal = False
    return make_causal


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer`` (submodule ``layers``),
    then an optional final ``norm``. Shapes as the layer's. ``enable_nested_tensor`` and
    ``mask_check`` are accepted (they only steer PyTorch's nested-tensor inference path)."""

    def __init__(self, encoder_layer, num_layers: int, norm=None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False  # no nested tensors in numbagrad
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Run every layer with the same masks; returns a tensor shaped like ``src``.
        ``is_causal=None`` detects a causal ``mask`` (as PyTorch)."""
        x = src
        batch_first = getattr(getattr(self.layers[0], "self_attn", None), "batch_first", False) \
            if len(self.layers) else False
        is_causal = _detect_is_causal_mask(mask, is_causal, _seq_len(src, batch_first))
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=is_causal)
        if self.norm is not None:
            x = self.norm(x)
        return x
