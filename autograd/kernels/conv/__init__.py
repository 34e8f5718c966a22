"""Convolution kernels: conv2d forward + both backwards, and im2col/col2im (unfold/fold).

Everything is 2-D; the op layer handles 1-D convolution as 2-D with ``H == 1`` (and
``KH == 1``). All functions are pure: they take C-contiguous float32/float64 arrays and
return new arrays. The forward can add a bias; its gradient (a sum of ``gy``) is the op
layer's.

Conventions shared by every public function (PyTorch's ``nn.functional`` semantics):

* ``stride = (sh, sw)``, ``dilation = (dh, dw)``, all ``>= 1``.
* ``padding`` is either ``(ph, pw)`` (symmetric, as PyTorch) or
  ``(top, bottom, left, right)``. The 4-tuple exists for ``padding='same'`` with an even
  effective kernel, where PyTorch pads ``total // 2`` before and the rest after; the op
  layer can pass that directly instead of padding the input first.
* Output size: ``OH = (H + top + bottom - dh*(KH-1) - 1) // sh + 1`` (same for W).

Five algorithms, one module each, all with the same three functions (``forward``,
``backward_input``, ``backward_weight``):

* :mod:`.pointwise`: 1x1 kernels and single-output-pixel convs as one plain GEMM;
* :mod:`.winograd`: Winograd F(2x2, 3x3) and F(4x4, 3x3), 3x3 stride 1 with 0..2 padding,
  many channels;
* :mod:`.winograd_s2`: 4x4 stride 2 (DCGAN) as Winograd F(2x2, 2x2) on the input's
  stride phases;
* :mod:`.gemm`: im2col + a GEMM per group in L2-sized chunks of samples, every geometry;
* :mod:`.direct`: Numba loop nests, depthwise and tiny groups.

:func:`.rule.select_algorithm` picks one (the rule itself is
:func:`.rule.choose_algorithm`). The entry points below take that pick as
``algorithm=``; the op layer selects once per convolution and passes the same pick to
the forward and both backwards. Without it they select themselves.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import direct, gemm, pointwise, rule, winograd, winograd_s2
from .geometry import conv_output_size, geometry
from .rule import ALGORITHMS, choose_algorithm, select_algorithm

__all__ = [
    "ALGORITHMS",
    "choose_algorithm",
    "col2im",
    "conv2d_backward_input",
    "conv2d_backward_weight",
    "conv2d_forward",
    "conv_output_size",
    "im2col",
    "select_algorithm",
]

_MODULES = {"winograd": winograd, "winograd_s2": winograd_s2, "gemm": gemm, "direct": direct,
            "pointwise": pointwise}

Pair = Sequence[int]


def _check(name: str, *arrays: np.ndarray) -> None:
    # The op layer guarantees these; one cheap check per public call catches a wiring bug
    # before Numba compiles a slow 'A'-layout specialisation or mixes dtypes silently.
    dt = arrays[0].dtype
    for a in arrays:
        assert a.flags.c_contiguous, f"{name}: kernel input must be C-contiguous"
        assert a.dtype == dt and dt in (np.float32, np.float64), (
            f"{name}: kernel inputs must share one float dtype, got {[b.dtype for b in arrays]}"
        )


def _algorithm(algorithm: str | None, dtype, x_shape: Sequence[int], w_shape: Sequence[int],
               stride: Pair, padding: Pair, dilation: Pair, groups: int):
    """The module of ``algorithm``, or of the selected one when it is None."""
    if algorithm is None:
        _, C, H, W = x_shape
        algorithm = rule.select_algorithm(dtype, C, w_shape[0], groups, stride, padding,
                                          dilation, w_shape[2], w_shape[3], H, W)
    return _MODULES[algorithm]


def conv2d_forward(x: np.ndarray, w: np.ndarray, stride: Pair = (1, 1), padding: Pair = (0, 0),
                   dilation: Pair = (1, 1), groups: int = 1, bias: np.ndarray | None = None,
                   algorithm: str | None = None) -> np.ndarray:
    """2-D cross-correlation (``torch.nn.functional.conv2d``).

    Args:
        x: ``[N, C, H, W]``; w: ``[O, C // groups, KH, KW]``; same float dtype, C-contiguous.
        bias: optional ``[O]`` of the same dtype, added while the output is written (no
            separate pass over ``y``).
        stride: ``(sh, sw)``; dilation: ``(dh, dw)``.
        padding: ``(ph, pw)`` or ``(top, bottom, left, right)`` (zero padding).
        groups: ``C`` and ``O`` are both multiples of it.
        algorithm: one of :data:`ALGORITHMS` as returned by :func:`select_algorithm` for
            this convolution, or None to select here.

    Returns:
        ``y[N, O, OH, OW]`` with ``OH = (H + top + bottom - dh*(KH-1) - 1)//sh + 1`` (W alike).
    """
    _check("conv2d_forward", x, w, *(() if bias is None else (bias,)))
    g = geometry(x.shape[2:], w.shape[2:], stride, padding, dilation)
    alg = _algorithm(algorithm, x.dtype, x.shape, w.shape, stride, padding, dilation, groups)
    return alg.forward(x, w, g, groups, bias)


def conv2d_backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int],
                          stride: Pair = (1, 1), padding: Pair = (0, 0), dilation: Pair = (1, 1),
                          groups: int = 1, algorithm: str | None = None) -> np.ndarray:
    """Gradient of :func:`conv2d_forward` w.r.t. ``x`` (== ``conv_transpose2d`` forward).

    Args:
        gy: ``[N, O, OH, OW]`` upstream gradient; w: ``[O, C // groups, KH, KW]``.
        x_shape: ``(N, C, H, W)`` of the forward input (needed because several ``H`` give
            the same ``OH`` when ``sh > 1``; PyTorch's ``output_padding`` picks one).
        stride, padding, dilation, groups, algorithm: as in :func:`conv2d_forward`.

    Returns:
        ``gx[N, C, H, W]`` of ``gy.dtype``.
    """
    _check("conv2d_backward_input", gy, w)
    x_shape = tuple(int(s) for s in x_shape)
    g = geometry(x_shape[2:], w.shape[2:], stride, padding, dilation)
    assert gy.shape == (x_shape[0], w.shape[0], g.OH, g.OW), \
        "conv2d_backward_input: gy shape does not match geometry"
    alg = _algorithm(algorithm, gy.dtype, x_shape, w.shape, stride, padding, dilation, groups)
    return alg.backward_input(gy, w, x_shape, g, groups)


def conv2d_backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int],
                           stride: Pair = (1, 1), padding: Pair = (0, 0), dilation: Pair = (1, 1),
                           groups: int = 1, algorithm: str | None = None) -> np.ndarray:
    """Gradient of :func:`conv2d_forward` w.r.t. ``w``.

    Args:
        x: ``[N, C, H, W]`` forward input; gy: ``[N, O, OH, OW]`` upstream gradient.
        w_shape: ``(O, C // groups, KH, KW)``.
        stride, padding, dilation, groups, algorithm: as in :func:`conv2d_forward`.

    Returns:
        ``gw[O, C // groups, KH, KW]`` of ``x.dtype``.
    """
    _check("conv2d_backward_weight", x, gy)
    w_shape = tuple(int(s) for s in w_shape)
    g = geometry(x.shape[2:], w_shape[2:], stride, padding, dilation)
    assert gy.shape == (x.shape[0], w_shape[0], g.OH, g.OW), \
        "conv2d_backward_weight: gy shape does not match geometry"
    alg = _algorithm(algorithm, x.dtype, x.shape, w_shape, stride, padding, dilation, groups)
    return alg.backward_weight(x, gy, w_shape, g, groups)


def im2col(x: np.ndarray, kernel_size: Pair, dilation: Pair = (1, 1), padding: Pair = (0, 0),
           stride: Pair = (1, 1)) -> np.ndarray:
    """Unfold sliding windows: ``torch.nn.functional.unfold`` on an array.

    Args:
        x: ``[N, C, H, W]`` float array, C-contiguous.
        kernel_size, dilation, stride: ``(KH, KW)``, ``(dh, dw)``, ``(sh, sw)``.
        padding: ``(ph, pw)`` or ``(top, bottom, left, right)``; zero padding.

    Returns:
        ``[N, C*KH*KW, L]`` with ``L = OH*OW``; row ``(c*KH + kh)*KW + kw`` holds
        ``x[n, c, oh*sh - top + kh*dh, ow*sw - left + kw*dw]`` at column ``oh*OW + ow``.
    """
    _check("im2col", x)
    KH, KW = int(kernel_size[0]), int(kernel_size[1])
    cols = gemm.unfold(x, KH, KW, geometry(x.shape[2:], (KH, KW), stride, padding, dilation))
    # The kernel writes the GEMM layout [CK, N, L]; unfold's layout is [N, CK, L].
    return np.ascontiguousarray(cols.transpose(1, 0, 2))


def col2im(cols: np.ndarray, output_size: Pair, kernel_size: Pair, dilation: Pair = (1, 1),
           padding: Pair = (0, 0), stride: Pair = (1, 1)) -> np.ndarray:
    """Fold (sum) columns back into an image: ``torch.nn.functional.fold`` on an array.

    The adjoint of :func:`im2col`: overlapping windows are summed, padding is dropped.

    Args:
        cols: ``[N, C*KH*KW, L]`` float array, C-contiguous, ``L = OH*OW`` for the
            geometry below.
        output_size: ``(H, W)`` of the folded image.
        kernel_size, dilation, padding, stride: as in :func:`im2col`.

    Returns:
        ``[N, C, H, W]`` array of ``cols.dtype``.
    """
    _check("col2im", cols)
    KH, KW = int(kernel_size[0]), int(kernel_size[1])
    H, W = int(output_size[0]), int(output_size[1])
    N, CK, L = cols.shape
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    assert g.OH * g.OW == L, "col2im: L does not match the geometry"
    gemm_layout = np.ascontiguousarray(cols.transpose(1, 0, 2))
    return gemm.fold(gemm_layout, (N, CK // (KH * KW), H, W), KH, KW, g)
