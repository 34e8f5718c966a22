"""Bad hyper-parameters to convolution and pooling, against PyTorch: for every case
where torch raises class T, ours raises an instance of T whose message names the op
(``conv2d``, ``max_pool1d``...); where torch succeeds, ours succeeds with its shape.
Layers (nn.Conv2d, nn.MaxPool2d...) must also fail at the same stage: when built, or
when called. The torch-free message tests are tests/autograd/test_conv_pool_validation.py.
"""
import types
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as NF
from autograd.ops import pool as _pool

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

TL = types.SimpleNamespace(t=torch, F=torch.nn.functional, nn=torch.nn)
# nn.functional has no adaptive_max_pool1d / max_unpool2d yet: the autograd ops are
# torch.nn.functional's spellings
_OF = types.SimpleNamespace(**{n: getattr(NF, n) for n in dir(NF) if not n.startswith("_")})
for _n in ("adaptive_max_pool1d", "max_unpool2d"):
    if not hasattr(_OF, _n):
        setattr(_OF, _n, getattr(_pool, _n))
OL = types.SimpleNamespace(t=autograd, F=_OF, nn=nn)


def x(L, *shape, dtype=None):
    return L.t.ones(*shape, dtype=dtype or L.t.float32)


w = x

C2 = lambda L, **k: L.F.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3, 3), **k)  # noqa: E731
C1 = lambda L, **k: L.F.conv1d(x(L, 1, 2, 7), w(L, 4, 2, 3), **k)  # noqa: E731
T2 = lambda L, **k: L.F.conv_transpose2d(x(L, 1, 4, 3, 3), w(L, 4, 2, 3, 3), **k)  # noqa: E731
T1 = lambda L, **k: L.F.conv_transpose1d(x(L, 1, 4, 3), w(L, 4, 2, 3), **k)  # noqa: E731
MP2 = lambda L, *a, **k: L.F.max_pool2d(x(L, 1, 1, 5, 5), *a, **k)  # noqa: E731
MP1 = lambda L, *a, **k: L.F.max_pool1d(x(L, 1, 1, 5), *a, **k)  # noqa: E731
AP2 = lambda L, *a, **k: L.F.avg_pool2d(x(L, 1, 1, 5, 5), *a, **k)  # noqa: E731
AP1 = lambda L, *a, **k: L.F.avg_pool1d(x(L, 1, 1, 5), *a, **k)  # noqa: E731
UF = lambda L, *a, **k: L.F.unfold(x(L, 1, 2, 5, 5), *a, **k)  # noqa: E731
FO = lambda L, *a, **k: L.F.fold(x(L, 1, 8, 4), *a, **k)  # noqa: E731

BAD_INTS = {"zero": 0, "neg": -1, "float": 1.5, "none": None, "str": "2", "len3": (1, 1, 1)}

CASES = {}


def case(name, fn):
    assert name not in CASES, name
    CASES[name] = fn


# ---------------------------------------------------------------- conv2d / conv1d
for nm, v in BAD_INTS.items():
    case(f"conv2d-stride-{nm}", lambda L, v=v: C2(L, stride=v))
    case(f"conv2d-dilation-{nm}", lambda L, v=v: C2(L, dilation=v))
    case(f"conv1d-stride-{nm}", lambda L, v=v: C1(L, stride=v))
    case(f"conv1d-dilation-{nm}", lambda L, v=v: C1(L, dilation=v))
    if nm != "str":
        case(f"conv2d-padding-{nm}", lambda L, v=v: C2(L, padding=v))
        case(f"conv1d-padding-{nm}", lambda L, v=v: C1(L, padding=v))
case("conv2d-stride-neg-pair", lambda L: C2(L, stride=(1, -2)))
case("conv2d-padding-neg-pair", lambda L: C2(L, padding=(0, -1)))
case("conv2d-padding-badstr", lambda L: C2(L, padding="full"))
case("conv2d-padding-same-strided", lambda L: C2(L, padding="same", stride=2))
case("conv1d-padding-badstr", lambda L: C1(L, padding="full"))
case("conv1d-padding-same-strided", lambda L: C1(L, padding="same", stride=2))
for nm, g in {"zero": 0, "neg": -1, "nodiv": 3, "float": 1.5, "none": None}.items():
    case(f"conv2d-groups-{nm}", lambda L, g=g: C2(L, groups=g))
    case(f"conv1d-groups-{nm}", lambda L, g=g: C1(L, groups=g))
case("conv2d-groups-outnodiv", lambda L: L.F.conv2d(x(L, 1, 2, 5, 5), w(L, 3, 1, 3, 3), groups=2))
case("conv2d-kernel-zero", lambda L: L.F.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 0, 3)))
case("conv1d-kernel-zero", lambda L: L.F.conv1d(x(L, 1, 2, 5), w(L, 4, 2, 0)))
case("conv2d-too-small", lambda L: L.F.conv2d(x(L, 1, 2, 2, 2), w(L, 4, 2, 3, 3)))
case("conv2d-too-small-dilated", lambda L: C2(L, dilation=3))
case("conv1d-too-small", lambda L: L.F.conv1d(x(L, 1, 2, 2), w(L, 4, 2, 3)))
case("conv2d-input-2d", lambda L: L.F.conv2d(x(L, 5, 5), w(L, 4, 2, 3, 3)))
case("conv2d-input-5d", lambda L: L.F.conv2d(x(L, 1, 1, 2, 5, 5), w(L, 4, 2, 3, 3)))
case("conv2d-weight-3d", lambda L: L.F.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3)))
case("conv1d-input-4d", lambda L: L.F.conv1d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3)))
case("conv1d-input-1d", lambda L: L.F.conv1d(x(L, 5), w(L, 4, 2, 3)))
case("conv1d-weight-4d", lambda L: L.F.conv1d(x(L, 1, 2, 5), w(L, 4, 2, 3, 3)))
case("conv2d-channels", lambda L: L.F.conv2d(x(L, 1, 3, 5, 5), w(L, 4, 2, 3, 3)))
case("conv2d-channels-unbatched", lambda L: L.F.conv2d(x(L, 3, 5, 5), w(L, 4, 2, 3, 3)))
case("conv1d-channels", lambda L: L.F.conv1d(x(L, 1, 3, 5), w(L, 4, 2, 3)))
case("conv2d-dtype", lambda L: L.F.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3, 3, dtype=L.t.float64)))
case("conv1d-dtype", lambda L: L.F.conv1d(x(L, 1, 2, 5), w(L, 4, 2, 3, dtype=L.t.float64)))
case("conv2d-bias-shape", lambda L: L.F.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3, 3), w(L, 3)))
case("conv2d-bias-dtype",
     lambda L: L.F.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3, 3), w(L, 4, dtype=L.t.float64)))
case("conv1d-bias-shape", lambda L: L.F.conv1d(x(L, 1, 2, 5), w(L, 4, 2, 3), w(L, 3)))
case("t.conv2d-weight-notensor", lambda L: L.t.conv2d(x(L, 1, 2, 5, 5), [[1.0]]))
# the torch.<name> bindings
case("t.conv2d-stride-zero", lambda L: L.t.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3, 3), stride=0))
case("t.conv1d-stride-zero", lambda L: L.t.conv1d(x(L, 1, 2, 7), w(L, 4, 2, 3), stride=0))
case("t.conv2d-dtype", lambda L: L.t.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3, 3, dtype=L.t.float64)))
case("t.conv2d-groups-zero", lambda L: L.t.conv2d(x(L, 1, 2, 5, 5), w(L, 4, 2, 3, 3), groups=0))

# ------------------------------------------------------------ transposed convolutions
for nm, v in BAD_INTS.items():
    case(f"convT2d-stride-{nm}", lambda L, v=v: T2(L, stride=v))
    case(f"convT2d-dilation-{nm}", lambda L, v=v: T2(L, dilation=v))
    case(f"convT1d-stride-{nm}", lambda L, v=v: T1(L, stride=v))
    case(f"convT1d-dilation-{nm}", lambda L, v=v: T1(L, dilation=v))
    case(f"convT2d-padding-{nm}", lambda L, v=v: T2(L, padding=v))
    case(f"convT1d-padding-{nm}", lambda L, v=v: T1(L, padding=v))
    case(f"convT2d-output_padding-{nm}", lambda L, v=v: T2(L, stride=2, output_padding=v))
    case(f"convT1d-output_padding-{nm}", lambda L, v=v: T1(L, stride=2, output_padding=v))
case("convT2d-output_padding-ge-stride", lambda L: T2(L, stride=2, output_padding=2))
case("convT2d-output_padding-ge-both", lambda L: T2(L, output_padding=1))
case("convT1d-output_padding-ge-stride", lambda L: T1(L, stride=2, output_padding=2))
case("convT1d-output_padding-ge-both", lambda L: T1(L, output_padding=1))
case("convT2d-padding-same", lambda L: T2(L, padding="same"))
for nm, g in {"zero": 0, "neg": -1, "nodiv": 3, "float": 1.5}.items():
    case(f"convT2d-groups-{nm}", lambda L, g=g: T2(L, groups=g))
    case(f"convT1d-groups-{nm}", lambda L, g=g: T1(L, groups=g))
case("convT2d-kernel-zero", lambda L: L.F.conv_transpose2d(x(L, 1, 4, 3, 3), w(L, 4, 2, 0, 3)))
case("convT1d-kernel-zero", lambda L: L.F.conv_transpose1d(x(L, 1, 4, 3), w(L, 4, 2, 0)))
case("convT2d-too-small", lambda L: T2(L, padding=3))
case("convT1d-too-small", lambda L: T1(L, padding=3))
case("convT2d-channels", lambda L: L.F.conv_transpose2d(x(L, 1, 3, 3, 3), w(L, 4, 2, 3, 3)))
case("convT1d-channels", lambda L: L.F.conv_transpose1d(x(L, 1, 3, 3), w(L, 4, 2, 3)))
case("convT2d-input-2d", lambda L: L.F.conv_transpose2d(x(L, 3, 3), w(L, 4, 2, 3, 3)))
case("convT2d-weight-3d", lambda L: L.F.conv_transpose2d(x(L, 1, 4, 3, 3), w(L, 4, 2, 3)))
case("convT1d-input-4d", lambda L: L.F.conv_transpose1d(x(L, 1, 4, 3, 3), w(L, 4, 2, 3)))
case("convT2d-dtype",
     lambda L: L.F.conv_transpose2d(x(L, 1, 4, 3, 3), w(L, 4, 2, 3, 3, dtype=L.t.float64)))
case("convT2d-bias-shape", lambda L: L.F.conv_transpose2d(x(L, 1, 4, 3, 3), w(L, 4, 2, 3, 3),
                                                          w(L, 3)))
case("t.convT1d-stride-zero", lambda L: L.t.conv_transpose1d(x(L, 1, 4, 3), w(L, 4, 2, 3),
                                                             stride=0))

# --------------------------------------------------------------------------- pooling
for nm, v in BAD_INTS.items():
    if nm != "none":
        case(f"max_pool2d-kernel-{nm}", lambda L, v=v: MP2(L, v))
        case(f"max_pool1d-kernel-{nm}", lambda L, v=v: MP1(L, v))
        case(f"avg_pool2d-kernel-{nm}", lambda L, v=v: AP2(L, v))
        case(f"avg_pool1d-kernel-{nm}", lambda L, v=v: AP1(L, v))
    if nm not in ("none",):
        case(f"max_pool2d-stride-{nm}", lambda L, v=v: MP2(L, 2, v))
        case(f"max_pool1d-stride-{nm}", lambda L, v=v: MP1(L, 2, v))
        case(f"avg_pool2d-stride-{nm}", lambda L, v=v: AP2(L, 2, v))
        case(f"avg_pool1d-stride-{nm}", lambda L, v=v: AP1(L, 2, v))
    if nm != "zero":
        case(f"max_pool2d-padding-{nm}", lambda L, v=v: MP2(L, 3, padding=v))
        case(f"max_pool1d-padding-{nm}", lambda L, v=v: MP1(L, 3, padding=v))
        case(f"avg_pool2d-padding-{nm}", lambda L, v=v: AP2(L, 3, padding=v))
        case(f"avg_pool1d-padding-{nm}", lambda L, v=v: AP1(L, 3, padding=v))
    if nm != "none":
        case(f"max_pool2d-dilation-{nm}", lambda L, v=v: MP2(L, 2, dilation=v))
        case(f"max_pool1d-dilation-{nm}", lambda L, v=v: MP1(L, 2, dilation=v))
case("max_pool2d-kernel-none", lambda L: MP2(L, None))
case("avg_pool2d-kernel-none", lambda L: AP2(L, None))
case("max_pool2d-pad-gt-half", lambda L: MP2(L, 3, padding=2))
case("max_pool1d-pad-gt-half", lambda L: MP1(L, 3, padding=2))
case("avg_pool2d-pad-gt-half", lambda L: AP2(L, 3, padding=2))
case("avg_pool1d-pad-gt-half", lambda L: AP1(L, 3, padding=2))
case("max_pool2d-pad-gt-half-pair", lambda L: MP2(L, (3, 2), padding=(1, 2)))
case("max_pool2d-too-small", lambda L: MP2(L, 6))
case("max_pool1d-too-small", lambda L: MP1(L, 6))
case("avg_pool2d-too-small", lambda L: AP2(L, 6))
case("avg_pool1d-too-small", lambda L: AP1(L, 6))
case("max_pool2d-too-small-dilated", lambda L: MP2(L, 3, dilation=3))
case("max_pool2d-input-2d", lambda L: L.F.max_pool2d(x(L, 5, 5), 2))
case("max_pool2d-input-5d", lambda L: L.F.max_pool2d(x(L, 1, 1, 1, 5, 5), 2))
case("max_pool1d-input-4d", lambda L: L.F.max_pool1d(x(L, 1, 1, 5, 5), 2))
case("max_pool1d-input-1d", lambda L: L.F.max_pool1d(x(L, 5), 2))
case("avg_pool2d-input-2d", lambda L: L.F.avg_pool2d(x(L, 5, 5), 2))
case("avg_pool1d-input-4d", lambda L: L.F.avg_pool1d(x(L, 1, 1, 5, 5), 2))
case("avg_pool2d-divisor-zero", lambda L: AP2(L, 2, divisor_override=0))
case("avg_pool2d-divisor-neg", lambda L: AP2(L, 2, divisor_override=-1))
case("avg_pool2d-divisor-float", lambda L: AP2(L, 2, divisor_override=1.5))
case("avg_pool2d-divisor-str", lambda L: AP2(L, 2, divisor_override="2"))
case("max_pool2d-input-int", lambda L: L.F.max_pool2d(L.t.ones(1, 1, 4, 4, dtype=L.t.int64), 2,
                                                       padding=1))

for op, shape, nd in (("adaptive_avg_pool2d", (1, 1, 5, 5), 2),
                      ("adaptive_max_pool2d", (1, 1, 5, 5), 2),
                      ("adaptive_avg_pool1d", (1, 1, 5), 1),
                      ("adaptive_max_pool1d", (1, 1, 5), 1)):
    for nm, v in {"neg": -1, "neg-pair": (2, -1)[-nd:], "len3": (1, 1, 1), "float": 1.5,
                  "str": "2"}.items():
        case(f"{op}-{nm}", lambda L, op=op, shape=shape, v=v: getattr(L.F, op)(x(L, *shape), v))
    bad = (5, 5) if nd == 2 else (1, 1, 5, 5)
    case(f"{op}-ndim", lambda L, op=op, bad=bad: getattr(L.F, op)(x(L, *bad), 2))
    empty = (1, 1, 0, 5)[: nd + 2]
    case(f"{op}-empty", lambda L, op=op, empty=empty: getattr(L.F, op)(x(L, *empty), 2))
case("adaptive_avg_pool2d-none-none", lambda L: L.F.adaptive_avg_pool2d(x(L, 1, 1, 5, 5), None))


def _unpool(L, **k):
    y, i = L.F.max_pool2d(x(L, 1, 1, 4, 4), 2, return_indices=True)
    return L.F.max_unpool2d(y, i, **k)


case("max_unpool2d-kernel-zero", lambda L: _unpool(L, kernel_size=0))
case("max_unpool2d-kernel-neg", lambda L: _unpool(L, kernel_size=-2))
case("max_unpool2d-stride-zero", lambda L: _unpool(L, kernel_size=2, stride=0))
case("max_unpool2d-padding-neg", lambda L: _unpool(L, kernel_size=2, padding=-1))
case("max_unpool2d-kernel-float", lambda L: _unpool(L, kernel_size=1.5))
case("max_unpool2d-kernel-len3", lambda L: _unpool(L, kernel_size=(2, 2, 2)))
case("max_unpool2d-output-size-small", lambda L: _unpool(L, kernel_size=2, output_size=(3, 3)))
case("max_unpool2d-output-size-big", lambda L: _unpool(L, kernel_size=2, output_size=(6, 6)))
case("max_unpool2d-output-size-len", lambda L: _unpool(L, kernel_size=2, output_size=(4, 4, 4)))
case("max_unpool2d-index-oob",
     lambda L: L.F.max_unpool2d(x(L, 1, 1, 2, 2), L.t.full((1, 1, 2, 2), 99, dtype=L.t.int64), 2))
case("max_unpool2d-index-neg",
     lambda L: L.F.max_unpool2d(x(L, 1, 1, 2, 2), L.t.full((1, 1, 2, 2), -1, dtype=L.t.int64), 2))
case("max_unpool2d-index-shape",
     lambda L: L.F.max_unpool2d(x(L, 1, 1, 2, 2), L.t.zeros(1, 1, 2, 3, dtype=L.t.int64), 2))
case("max_unpool2d-index-float",
     lambda L: L.F.max_unpool2d(x(L, 1, 1, 2, 2), L.t.zeros(1, 1, 2, 2), 2))
case("max_unpool2d-input-2d",
     lambda L: L.F.max_unpool2d(x(L, 2, 2), L.t.zeros(2, 2, dtype=L.t.int64), 2))

# ------------------------------------------------------------------------ unfold/fold
for nm, v in BAD_INTS.items():
    case(f"unfold-kernel-{nm}", lambda L, v=v: UF(L, v))
    case(f"unfold-stride-{nm}", lambda L, v=v: UF(L, 2, stride=v))
    case(f"unfold-dilation-{nm}", lambda L, v=v: UF(L, 2, dilation=v))
    if nm != "zero":
        case(f"unfold-padding-{nm}", lambda L, v=v: UF(L, 2, padding=v))
    case(f"fold-kernel-{nm}", lambda L, v=v: FO(L, (3, 3), v))
    case(f"fold-stride-{nm}", lambda L, v=v: FO(L, (3, 3), 2, stride=v))
    case(f"fold-dilation-{nm}", lambda L, v=v: FO(L, (3, 3), 2, dilation=v))
    if nm != "zero":
        case(f"fold-padding-{nm}", lambda L, v=v: FO(L, (3, 3), 2, padding=v))
        case(f"fold-output_size-{nm}", lambda L, v=v: FO(L, v, 2))
case("unfold-too-small", lambda L: UF(L, 6))
case("unfold-input-2d", lambda L: L.F.unfold(x(L, 5, 5), 2))
case("unfold-input-3d", lambda L: L.F.unfold(x(L, 2, 5, 5), 2))
case("fold-blocks", lambda L: L.F.fold(x(L, 1, 8, 3), (3, 3), 2))
case("fold-channels", lambda L: L.F.fold(x(L, 1, 7, 4), (3, 3), 2))
case("fold-input-4d", lambda L: L.F.fold(x(L, 1, 8, 4, 1), (3, 3), 2))
case("fold-input-2d", lambda L: L.F.fold(x(L, 8, 4), (3, 3), 2))
case("fold-too-small", lambda L: L.F.fold(x(L, 1, 8, 4), (1, 1), 2))


# ------------------------------------------------------------------------ nn modules
# (build, run): build constructs the module; run(L, m) calls it
def _cx(shape):
    return lambda L, m: m(x(L, *shape))


MODULE_CASES = {}


def mcase(name, build, run):
    MODULE_CASES[name] = (build, run)


X2, X1 = _cx((1, 2, 5, 5)), _cx((1, 2, 5))
for cls, run in (("Conv2d", X2), ("Conv1d", X1), ("ConvTranspose2d", X2),
                 ("ConvTranspose1d", X1)):
    mcase(f"{cls}-kernel-zero", lambda L, c=cls: getattr(L.nn, c)(2, 2, 0), run)
    mcase(f"{cls}-kernel-neg", lambda L, c=cls: getattr(L.nn, c)(2, 2, -1), run)
    mcase(f"{cls}-kernel-float", lambda L, c=cls: getattr(L.nn, c)(2, 2, 1.5), run)
    mcase(f"{cls}-kernel-none", lambda L, c=cls: getattr(L.nn, c)(2, 2, None), run)
    mcase(f"{cls}-kernel-str", lambda L, c=cls: getattr(L.nn, c)(2, 2, "3"), run)
    mcase(f"{cls}-kernel-len3", lambda L, c=cls: getattr(L.nn, c)(2, 2, (1, 1, 1)), run)
    mcase(f"{cls}-stride-zero", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, stride=0), run)
    mcase(f"{cls}-stride-float", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, stride=1.5), run)
    mcase(f"{cls}-padding-neg", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, padding=-1), run)
    mcase(f"{cls}-dilation-zero", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, dilation=0), run)
    mcase(f"{cls}-groups-zero", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, groups=0), run)
    mcase(f"{cls}-groups-neg", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, groups=-1), run)
    mcase(f"{cls}-groups-in", lambda L, c=cls: getattr(L.nn, c)(3, 2, 3, groups=2), run)
    mcase(f"{cls}-groups-out", lambda L, c=cls: getattr(L.nn, c)(2, 3, 3, groups=2), run)
    mcase(f"{cls}-groups-float", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, groups=1.5), run)
    mcase(f"{cls}-in-neg", lambda L, c=cls: getattr(L.nn, c)(-1, 2, 3), run)
    mcase(f"{cls}-out-zero", lambda L, c=cls: getattr(L.nn, c)(2, 0, 3), run)
    mcase(f"{cls}-in-float", lambda L, c=cls: getattr(L.nn, c)(2.0, 2, 3), run)
    mcase(f"{cls}-padding-badstr", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, padding="full"),
          run)
    mcase(f"{cls}-padding-same", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, padding="same"), run)
    mcase(f"{cls}-padding-same-strided",
          lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, stride=2, padding="same"), run)
    mcase(f"{cls}-padding_mode-bad",
          lambda L, c=cls: getattr(L.nn, c)(2, 2, 3, padding_mode="bad"), run)
    mcase(f"{cls}-channels", lambda L, c=cls: getattr(L.nn, c)(3, 2, 3), run)
    mcase(f"{cls}-too-small", lambda L, c=cls: getattr(L.nn, c)(2, 2, 6, padding=0)
          if "Transpose" not in c else getattr(L.nn, c)(2, 2, 3, padding=4), run)
    mcase(f"{cls}-dtype", lambda L, c=cls: getattr(L.nn, c)(2, 2, 3),
          lambda L, m, run=run: m.double() and m(x(L, 1, 2, 5) if "1d" in type(m).__name__
                                                 else x(L, 1, 2, 5, 5)))
mcase("Conv2d-input-2d", lambda L: L.nn.Conv2d(2, 2, 3), _cx((5, 5)))
mcase("Conv2d-input-5d", lambda L: L.nn.Conv2d(2, 2, 3), _cx((1, 1, 2, 5, 5)))
mcase("Conv1d-input-4d", lambda L: L.nn.Conv1d(2, 2, 3), _cx((1, 2, 5, 5)))
mcase("ConvTranspose2d-input-2d", lambda L: L.nn.ConvTranspose2d(2, 2, 3), _cx((5, 5)))
mcase("ConvTranspose2d-output_padding-ge",
      lambda L: L.nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2), X2)
mcase("ConvTranspose2d-output_padding-neg",
      lambda L: L.nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=-1), X2)
mcase("ConvTranspose1d-output_padding-ge",
      lambda L: L.nn.ConvTranspose1d(2, 2, 3, output_padding=1), X1)
mcase("ConvTranspose2d-output_size-range", lambda L: L.nn.ConvTranspose2d(2, 2, 3, stride=2),
      lambda L, m: m(x(L, 1, 2, 5, 5), output_size=(20, 20)))
mcase("ConvTranspose2d-output_size-len", lambda L: L.nn.ConvTranspose2d(2, 2, 3, stride=2),
      lambda L, m: m(x(L, 1, 2, 5, 5), output_size=(11, 11, 11)))
mcase("ConvTranspose1d-output_size-range", lambda L: L.nn.ConvTranspose1d(2, 2, 3, stride=2),
      lambda L, m: m(x(L, 1, 2, 5), output_size=(3,)))

P2, P1 = _cx((1, 1, 5, 5)), _cx((1, 1, 5))
for cls, run in (("MaxPool2d", P2), ("MaxPool1d", P1), ("AvgPool2d", P2), ("AvgPool1d", P1)):
    mcase(f"{cls}-kernel-zero", lambda L, c=cls: getattr(L.nn, c)(0), run)
    mcase(f"{cls}-kernel-neg", lambda L, c=cls: getattr(L.nn, c)(-1), run)
    mcase(f"{cls}-kernel-float", lambda L, c=cls: getattr(L.nn, c)(1.5), run)
    mcase(f"{cls}-stride-zero", lambda L, c=cls: getattr(L.nn, c)(2, 0), run)
    mcase(f"{cls}-padding-neg", lambda L, c=cls: getattr(L.nn, c)(3, padding=-1), run)
    mcase(f"{cls}-pad-gt-half", lambda L, c=cls: getattr(L.nn, c)(3, padding=2), run)
    mcase(f"{cls}-too-small", lambda L, c=cls: getattr(L.nn, c)(6), run)
    mcase(f"{cls}-kernel-len3", lambda L, c=cls: getattr(L.nn, c)((1, 1, 1)), run)
mcase("MaxPool2d-dilation-zero", lambda L: L.nn.MaxPool2d(2, dilation=0), P2)
mcase("MaxPool1d-dilation-zero", lambda L: L.nn.MaxPool1d(2, dilation=0), P1)
mcase("AvgPool2d-divisor-zero", lambda L: L.nn.AvgPool2d(2, divisor_override=0), P2)
mcase("MaxPool2d-input-2d", lambda L: L.nn.MaxPool2d(2), _cx((5, 5)))
mcase("AvgPool1d-input-4d", lambda L: L.nn.AvgPool1d(2), _cx((1, 1, 5, 5)))
for cls, run in (("AdaptiveAvgPool2d", P2), ("AdaptiveMaxPool2d", P2), ("AdaptiveAvgPool1d", P1)):
    mcase(f"{cls}-neg", lambda L, c=cls: getattr(L.nn, c)(-1), run)
    mcase(f"{cls}-len3", lambda L, c=cls: getattr(L.nn, c)((1, 1, 1)), run)
    mcase(f"{cls}-float", lambda L, c=cls: getattr(L.nn, c)(1.5), run)


# ---------------------------------------------------------------------------- checks
# Where ours knowingly differs from torch: the class ours raises instead.
KNOWN = {
    # integer inputs: the kernels compute in float32/float64 only (torch pools int64)
    "max_pool2d-input-int": NotImplementedError,
    # torch's Python layer fails with "tuple index out of range"; ours says what is wrong
    "max_unpool2d-kernel-len3": (ValueError, RuntimeError),
}
# Messages from nn/functional.py's dtype check, which does not name the op (its owner
# maintains it); the autograd-level case t.conv2d-dtype checks our own message.
NO_OP_NAME = {"conv2d-dtype", "conv1d-dtype", "conv2d-bias-dtype", "convT2d-dtype", "Conv1d-dtype",
              "Conv2d-dtype", "ConvTranspose1d-dtype", "ConvTranspose2d-dtype"}
_OPS = {"convT2d": "conv_transpose2d", "convT1d": "conv_transpose1d"}
_LAYER_OPS = {"Conv1d": "conv1d", "Conv2d": "conv2d", "ConvTranspose1d": "conv_transpose1d",
              "ConvTranspose2d": "conv_transpose2d", "MaxPool1d": "max_pool1d",
              "MaxPool2d": "max_pool2d", "AvgPool1d": "avg_pool1d", "AvgPool2d": "avg_pool2d",
              "AdaptiveAvgPool1d": "adaptive_avg_pool1d",
              "AdaptiveAvgPool2d": "adaptive_avg_pool2d",
              "AdaptiveMaxPool2d": "adaptive_max_pool2d"}


def _run(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args), None
        except Exception as exc:  # noqa: BLE001 -- the exception is what is compared
            return None, exc


def _shape(r):
    return tuple(tuple(t.shape) for t in r) if isinstance(r, tuple) else tuple(r.shape)


def _compare(name, ops, theirs, texc, ours, oexc):
    if name in KNOWN:
        assert isinstance(oexc, KNOWN[name]), f"{name}: ours raised {oexc!r}"
        assert any(op in str(oexc) for op in ops), f"{name}: message does not name {ops}: {oexc}"
        return
    if texc is None:
        assert oexc is None, f"{name}: torch succeeds, ours raised {oexc!r}"
        assert _shape(ours) == _shape(theirs)
        return
    assert oexc is not None, f"{name}: torch raised {texc!r}, ours returned {_shape(ours)}"
    assert isinstance(oexc, type(texc)), (
        f"{name}: torch raised {type(texc).__name__}: {texc}; ours "
        f"{type(oexc).__name__}: {oexc}")
    if name not in NO_OP_NAME:
        assert any(op in str(oexc) for op in ops), f"{name}: message does not name {ops}: {oexc}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional(name):
    fn = CASES[name]
    theirs, texc = _run(fn, TL)
    ours, oexc = _run(fn, OL)
    prefix = name.split("-")[0].removeprefix("t.")
    _compare(name, (_OPS.get(prefix, prefix),), theirs, texc, ours, oexc)


@pytest.mark.parametrize("name", sorted(MODULE_CASES))
def test_layer(name):
    build, call = MODULE_CASES[name]
    cls = name.split("-")[0]
    ops = (cls, _LAYER_OPS[cls])
    tm, texc = _run(build, TL)
    om, oexc = _run(build, OL)
    if texc is not None or oexc is not None:  # raised when built: both must
        _compare(name + " (built)", ops, tm, texc, om, oexc)
        return
    theirs, texc = _run(call, TL, tm)
    ours, oexc = _run(call, OL, om)
    _compare(name, ops, theirs, texc, ours, oexc)


@pytest.mark.parametrize("call", [
    lambda L, a: L.F.avg_pool2d(a, 2, divisor_override=-3),
    lambda L, a: L.F.avg_pool2d(a[0], 3, 1, 1, divisor_override=2),
    lambda L, a: L.F.unfold(a[0], 2, padding=1),
    lambda L, a: L.F.fold(L.F.unfold(a[0], 2), (4, 5), 2),
    lambda L, a: L.F.max_unpool2d(*L.F.max_pool2d(a[0], 2, return_indices=True), 2,
                                  output_size=(5, 5)),
    lambda L, a: L.F.max_pool1d(a[0], 2, stride=[]),
    lambda L, a: L.F.adaptive_avg_pool2d(a, (None, 3)),
    lambda L, a: L.F.conv2d(a, L.t.ones(3, 1, 2, 2), stride=(2,)),
])
def test_edge_values_match(call):
    """Calls PyTorch accepts that used to fail or were newly checked: same values."""
    a = np.random.default_rng(0).standard_normal((2, 1, 4, 5)).astype(np.float32)
    theirs = call(TL, torch.tensor(a))
    ours = call(OL, autograd.tensor(a))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6,
                               atol=1e-6)
