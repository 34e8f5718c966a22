"""Bad convolution/pooling hyper-parameters raise PyTorch's exception class with a
message naming the op, the argument, what was expected and what was given (never an
internal ZeroDivisionError/AttributeError/AssertionError, never garbage output).
Torch-free; tests/reference/test_validation_conv_pool_torch.py compares with PyTorch."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F


def ones(*shape, dtype=autograd.float32):
    return autograd.ones(*shape, dtype=dtype)


X2, W2 = (1, 2, 5, 5), (4, 2, 3, 3)
X1, W1 = (1, 2, 7), (4, 2, 3)
XT2, WT2 = (1, 4, 3, 3), (4, 2, 3, 3)
XT1, WT1 = (1, 4, 3), (4, 2, 3)

# (call, exception class, message regex)
CASES = [
    # convolutions: stride, dilation, padding, groups
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), stride=0), RuntimeError,
     r"conv2d: stride should be greater than zero, but got \(0, 0\)"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), stride=(1, -2)), RuntimeError,
     r"conv2d: stride should be greater than zero, but got \(1, -2\)"),
    (lambda: autograd.conv1d(ones(*X1), ones(*W1), stride=0), RuntimeError,
     r"conv1d: stride should be greater than zero, but got 0"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), dilation=0), RuntimeError,
     r"conv2d: dilation should be greater than zero"),
    (lambda: autograd.conv1d(ones(*X1), ones(*W1), dilation=-1), RuntimeError,
     r"conv1d: dilation should be greater than zero, but got -1"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), padding=-1), RuntimeError,
     r"conv2d: padding must be non-negative, but got \(-1, -1\)"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), padding=(1, 1, 1)), RuntimeError,
     r"conv2d: padding must be an int or a sequence of 2 ints, got \(1, 1, 1\)"),
    (lambda: autograd.conv1d(ones(*X1), ones(*W1), stride=(1, 1)), RuntimeError,
     r"conv1d: stride must be an int or a sequence of 1 ints"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), padding="full"), RuntimeError,
     r"conv2d: Invalid padding string 'full'"),
    (lambda: autograd.conv1d(ones(*X1), ones(*W1), padding="same", stride=2), RuntimeError,
     r"conv1d: padding='same' is not supported for strided convolutions"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), stride=1.5), TypeError,
     r"conv2d\(\): argument 'stride' must be an int or a tuple of 2 ints, not 1.5"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), padding=None), TypeError,
     r"conv2d\(\): argument 'padding'"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), dilation="2"), TypeError,
     r"conv2d\(\): argument 'dilation'"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), groups=0), RuntimeError,
     r"conv2d: groups should be greater than zero, but got 0"),
    (lambda: autograd.conv1d(ones(*X1), ones(*W1), groups=-1), RuntimeError,
     r"conv1d: groups should be greater than zero, but got -1"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), groups=1.5), TypeError,
     r"conv2d\(\): argument 'groups' must be int, not float"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), groups=3), RuntimeError,
     r"conv2d: groups=3 must divide out_channels=4"),
    (lambda: autograd.conv2d(ones(1, 2, 5, 5), ones(3, 1, 3, 3), groups=2), RuntimeError,
     r"conv2d: groups=2 must divide out_channels=3"),
    # convolutions: kernel, shapes, dtypes
    (lambda: autograd.conv2d(ones(*X2), ones(4, 2, 0, 3)), RuntimeError,
     r"conv2d: kernel size .* should be greater than zero, but got \(0, 3\)"),
    (lambda: autograd.conv1d(ones(*X1), ones(4, 2, 0)), RuntimeError,
     r"conv1d: kernel size .* should be greater than zero, but got 0"),
    (lambda: autograd.conv2d(ones(1, 2, 2, 2), ones(*W2)), RuntimeError,
     r"conv2d: input of shape \(1, 2, 2, 2\) is too small for kernel \(3, 3\)"),
    (lambda: autograd.conv1d(ones(1, 2, 2), ones(*W1)), RuntimeError,
     r"conv1d: input of shape \(1, 2, 2\) is too small for kernel \(3,\)"),
    (lambda: autograd.conv2d(ones(5, 5), ones(*W2)), RuntimeError,
     r"conv2d: expected a 3-D or 4-D input .*, got shape \(5, 5\)"),
    (lambda: autograd.conv1d(ones(1, 2, 5, 5), ones(*W1)), RuntimeError,
     r"conv1d: expected a 2-D or 3-D input .*, got shape \(1, 2, 5, 5\)"),
    (lambda: autograd.conv2d(ones(*X2), ones(4, 2, 3)), RuntimeError,
     r"conv2d: expected a 4-D weight, got weight of shape \(4, 2, 3\)"),
    (lambda: autograd.conv2d(ones(1, 3, 5, 5), ones(*W2)), RuntimeError,
     r"conv2d: expected input with 2 channels .* got input of shape \(1, 3, 5, 5\)"),
    (lambda: autograd.conv1d(ones(1, 3, 5), ones(*W1)), RuntimeError,
     r"conv1d: expected input with 2 channels \(weight \(4, 2, 3\)"),
    (lambda: autograd.conv2d(ones(*X2), ones(0, 2, 3, 3)), RuntimeError,
     r"conv2d: expected a weight with at least 1 output channel"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2, dtype=autograd.float64)), RuntimeError,
     r"conv2d: input dtype float32 and weight dtype float64 differ \(expected scalar type "
     r"Float but found Double\)"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), ones(3)), RuntimeError,
     r"conv2d: expected bias to be 1-D with 4 elements .* got bias of shape \(3,\)"),
    (lambda: autograd.conv2d(ones(*X2), ones(*W2), ones(4, dtype=autograd.float64)),
     RuntimeError, r"conv2d: Input type \(float\) and bias type \(double\) should be the same"),
    (lambda: autograd.conv2d(ones(*X2), [[1.0]]), TypeError,
     r"conv2d\(\): argument 'weight' \(position 2\) must be Tensor, not list"),
    # integers convolve (exactly) as in PyTorch; bool has no kernel there either
    (lambda: autograd.conv2d(ones(*X2, dtype=autograd.bool), ones(*W2, dtype=autograd.bool)),
     NotImplementedError, r"\"conv2d\" not implemented for 'Bool'"),
    # transposed convolutions
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), stride=0), RuntimeError,
     r"conv_transpose2d: stride should be greater than zero"),
    (lambda: autograd.conv_transpose1d(ones(*XT1), ones(*WT1), stride=0), RuntimeError,
     r"conv_transpose1d: stride should be greater than zero, but got 0"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), padding=-1), RuntimeError,
     r"conv_transpose2d: padding must be non-negative, but got \(-1, -1\)"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), dilation=0), RuntimeError,
     r"conv_transpose2d: dilation should be greater than zero"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), stride=2, output_padding=-1),
     RuntimeError, r"conv_transpose2d: output_padding must be non-negative"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), stride=2, output_padding=2),
     RuntimeError, r"conv_transpose2d: output padding must be smaller than either stride or "
     r"dilation, but got output_padding=\(2, 2\), stride=\(2, 2\), dilation=\(1, 1\)"),
    (lambda: autograd.conv_transpose1d(ones(*XT1), ones(*WT1), output_padding=1), RuntimeError,
     r"conv_transpose1d: output padding must be smaller than either stride or dilation"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), padding="same"), TypeError,
     r"conv_transpose2d\(\): argument 'padding'"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), groups=0), RuntimeError,
     r"conv_transpose2d: groups should be greater than zero, but got 0"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), groups=3), RuntimeError,
     r"conv_transpose2d: groups=3 must divide the weight's dimension 0"),
    (lambda: autograd.conv_transpose2d(ones(1, 3, 3, 3), ones(*WT2)), RuntimeError,
     r"conv_transpose2d: expected input with 4 channels"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(4, 2, 0, 3)), RuntimeError,
     r"conv_transpose2d: kernel size .* should be greater than zero"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(4, 0, 3, 3)), RuntimeError,
     r"conv_transpose2d: expected a non-empty weight"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), padding=3), RuntimeError,
     r"conv_transpose2d: output size \(-1, -1\) is not positive"),
    (lambda: autograd.conv_transpose2d(ones(*XT2), ones(*WT2), ones(3)), RuntimeError,
     r"conv_transpose2d: expected bias to be 1-D with 2 elements"),
    # max/avg pooling
    (lambda: autograd.max_pool2d(ones(1, 1, 5, 5), 0), RuntimeError,
     r"max_pool2d: kernel_size should be greater than zero, but got \(0, 0\)"),
    (lambda: autograd.max_pool1d(ones(1, 1, 5), 0), RuntimeError,
     r"^max_pool1d: kernel_size should be greater than zero, but got 0$"),
    (lambda: autograd.max_pool1d(ones(1, 1, 5), 2, stride=-1), RuntimeError,
     r"max_pool1d: stride should be greater than zero, but got -1"),
    (lambda: autograd.max_pool1d(ones(1, 1, 5), 2, dilation=0), RuntimeError,
     r"max_pool1d: dilation should be greater than zero, but got 0"),
    (lambda: autograd.max_pool2d(ones(1, 1, 5, 5), 3, padding=-1), RuntimeError,
     r"max_pool2d: padding must be non-negative, but got \(-1, -1\)"),
    (lambda: autograd.max_pool2d(ones(1, 1, 5, 5), 3, padding=2), RuntimeError,
     r"max_pool2d: pad should be at most half of effective kernel size, but got pad=2, "
     r"kernel_size=3 and dilation=1"),
    (lambda: autograd.max_pool1d(ones(1, 1, 5), 3, padding=2), RuntimeError,
     r"max_pool1d: pad should be at most half"),
    (lambda: autograd.max_pool2d(ones(1, 1, 5, 5), (1, 1, 1)), RuntimeError,
     r"max_pool2d: kernel_size must be an int or a sequence of 2 ints, got \(1, 1, 1\)"),
    (lambda: autograd.max_pool1d(ones(1, 1, 5), (2, 2)), RuntimeError,
     r"max_pool1d: kernel_size must be an int or a sequence of 1 ints, got \(2, 2\)"),
    (lambda: autograd.max_pool2d(ones(1, 1, 5, 5), 1.5), TypeError,
     r"max_pool2d\(\): argument 'kernel_size' must be an int or a tuple of 2 ints, not 1.5"),
    (lambda: autograd.max_pool2d(ones(1, 1, 5, 5), None), TypeError,
     r"max_pool2d\(\): argument 'kernel_size'"),
    (lambda: autograd.max_pool2d(ones(1, 1, 5, 5), 6), RuntimeError,
     r"max_pool2d: input of shape \(1, 1, 5, 5\) is too small: output size would be \(0, 0\)"),
    (lambda: autograd.max_pool1d(ones(1, 1, 5), 6), RuntimeError,
     r"max_pool1d: input of shape \(1, 1, 5\) is too small: output size would be \(0,\)"),
    (lambda: autograd.max_pool2d(ones(5, 5), 2), RuntimeError,
     r"max_pool2d: expected a 3-D or 4-D input .*, got shape \(5, 5\)"),
    (lambda: autograd.max_pool2d(ones(1, 1, 4, 4, dtype=autograd.int64), 2),
     NotImplementedError, r"\"max_pool2d\" not implemented for 'Long'"),
    (lambda: autograd.avg_pool2d(ones(1, 1, 5, 5), 2, stride=0), RuntimeError,
     r"avg_pool2d: stride should be greater than zero, but got \(0, 0\)"),
    (lambda: autograd.avg_pool1d(ones(1, 1, 5), 0), RuntimeError,
     r"avg_pool1d: kernel_size should be greater than zero, but got 0"),
    (lambda: autograd.avg_pool1d(ones(1, 1, 5), 3, padding=2), RuntimeError,
     r"avg_pool1d: pad should be at most half"),
    (lambda: autograd.avg_pool2d(ones(1, 1, 5, 5), 2, divisor_override=0), RuntimeError,
     r"avg_pool2d: divisor must be not zero"),
    (lambda: autograd.avg_pool2d(ones(1, 1, 5, 5), 2, divisor_override=1.5), TypeError,
     r"avg_pool2d\(\): argument 'divisor_override' must be int, not float"),
    (lambda: autograd.avg_pool2d(ones(5, 5), 2), IndexError,
     r"avg_pool2d: expected a 3-D or 4-D input"),
    # adaptive pooling
    (lambda: autograd.adaptive_avg_pool2d(ones(1, 1, 5, 5), -1), RuntimeError,
     r"adaptive_avg_pool2d: output_size must be non-negative, but got \(-1, -1\)"),
    (lambda: autograd.adaptive_max_pool2d(ones(1, 1, 5, 5), (1, 1, 1)), RuntimeError,
     r"adaptive_max_pool2d: output_size must be an int or a sequence of 2 ints"),
    (lambda: autograd.adaptive_avg_pool2d(ones(1, 1, 5, 5), 1.5), TypeError,
     r"adaptive_avg_pool2d\(\): argument 'output_size' must be int, not float"),
    (lambda: autograd.adaptive_avg_pool2d(ones(1, 1, 5, 5), None), TypeError,
     r"adaptive_avg_pool2d\(\): argument 'output_size' must be int, not NoneType"),
    (lambda: autograd.adaptive_avg_pool1d(ones(1, 1, 5), (None,)), TypeError,
     r"adaptive_avg_pool1d\(\): argument 'output_size' must be int, not NoneType"),
    (lambda: autograd.adaptive_max_pool1d(ones(1, 1, 5), (2, 2)), RuntimeError,
     r"adaptive_max_pool1d: output_size must be an int or a sequence of 1 ints"),
    (lambda: autograd.adaptive_avg_pool1d(ones(1, 1, 0), 2), RuntimeError,
     r"adaptive_avg_pool1d: expected an input with non-empty spatial dims, got shape "
     r"\(1, 1, 0\)"),
    (lambda: autograd.adaptive_max_pool1d(ones(1, 1, 5, 5), 2), RuntimeError,
     r"adaptive_max_pool1d: expected a 2-D or 3-D input"),
    # max_unpool2d
    (lambda: autograd.max_unpool2d(ones(1, 1, 2, 2), ones(1, 1, 2, 2, dtype=autograd.int64), 2,
                                   output_size=(4, 4, 4)), ValueError,
     r"max_unpool2d: output_size should be a sequence containing 2 or 4 elements"),
    (lambda: autograd.max_unpool2d(ones(1, 1, 2, 2), ones(1, 1, 2, 2, dtype=autograd.int64), 2,
                                   output_size=(6, 6)), ValueError,
     r"max_unpool2d: invalid output_size \(6, 6\) \(dim 0 must be between 2 and 6"),
    (lambda: autograd.max_unpool2d(ones(1, 1, 2, 2), ones(1, 1, 2, 2, dtype=autograd.int64), -2),
     ValueError, r"max_unpool2d: output_size must be non-negative"),
    (lambda: autograd.max_unpool2d(ones(1, 1, 2, 2), autograd.full((1, 1, 2, 2), 99,
                                                                  dtype=autograd.int64), 2),
     RuntimeError, r"max_unpool2d: found an invalid max index 99 \(output planes are of size "
     r"4x4\)"),
    (lambda: autograd.max_unpool2d(ones(1, 1, 2, 2), ones(1, 1, 2, 2), 2), RuntimeError,
     r"max_unpool2d: expected indices of .*integer dtype, got float32"),
    (lambda: autograd.max_unpool2d(ones(1, 1, 2, 2), ones(1, 1, 2, 3, dtype=autograd.int64), 2),
     RuntimeError, r"max_unpool2d: expected indices of the input's shape"),
    (lambda: autograd.max_unpool2d(ones(2, 2), ones(2, 2, dtype=autograd.int64), 2),
     RuntimeError, r"max_unpool2d: expected a 3-D or 4-D input"),
    # unfold / fold
    (lambda: autograd.unfold(ones(*X2), 0), RuntimeError,
     r"unfold: kernel_size should be greater than zero, but got \(0, 0\)"),
    (lambda: autograd.unfold(ones(*X2), 2, stride=0), RuntimeError,
     r"unfold: stride should be greater than zero"),
    (lambda: autograd.unfold(ones(*X2), 2, dilation=-1), RuntimeError,
     r"unfold: dilation should be greater than zero"),
    (lambda: autograd.unfold(ones(*X2), 2, padding=-1), RuntimeError,
     r"unfold: padding must be non-negative"),
    (lambda: autograd.unfold(ones(*X2), 6), RuntimeError,
     r"unfold: given input spatial size \(5, 5\), kernel_size=\(6, 6\).* too small"),
    (lambda: autograd.unfold(ones(5, 5), 2), IndexError, r"unfold: expected a 3-D or 4-D input"),
    (lambda: autograd.fold(ones(1, 8, 4), (3, 3), 0), RuntimeError,
     r"fold: kernel_size should be greater than zero"),
    (lambda: autograd.fold(ones(1, 8, 4), (3, 3), 2, stride=0), RuntimeError,
     r"fold: stride should be greater than zero"),
    (lambda: autograd.fold(ones(1, 8, 4), (3, 3, 3), 2), RuntimeError,
     r"fold: output_size must be an int or a sequence of 2 ints"),
    (lambda: autograd.fold(ones(1, 8, 4), 1.5, 2), TypeError, r"fold\(\): argument 'output_size'"),
    (lambda: autograd.fold(ones(1, 8, 3), (3, 3), 2), RuntimeError,
     r"fold: expected input's dimension 2 to match the calculated number of sliding blocks "
     r"2 \* 2 = 4"),
    (lambda: autograd.fold(ones(1, 7, 4), (3, 3), 2), RuntimeError,
     r"fold: expected size of input's dimension 1 \(7\) to be divisible"),
    (lambda: autograd.fold(ones(1, 8, 4), (1, 1), 2), RuntimeError,
     r"fold: given output_size \(1, 1\).* too small"),
    (lambda: autograd.fold(ones(1, 8, 4, 1), (3, 3), 2), RuntimeError,
     r"fold: expected a 2-D or 3-D input"),
]


@pytest.mark.parametrize("call,cls,pattern", CASES,
                         ids=[f"{i}-{c[2].split(':')[0][:24]}" for i, c in enumerate(CASES)])
def test_bad_arguments(call, cls, pattern):
    with pytest.raises(cls, match=pattern):
        call()


def test_value_errors_are_also_runtime_errors():
    """PyTorch raises RuntimeError (C++) or ValueError (Python) for these: both catch."""
    for call in (lambda: autograd.conv2d(ones(*X2), ones(*W2), stride=0),
                 lambda: autograd.max_pool2d(ones(1, 1, 5, 5), 0),
                 lambda: autograd.conv2d(ones(1, 3, 5, 5), ones(*W2))):
        for cls in (ValueError, RuntimeError):
            with pytest.raises(cls):
                call()


# ---------------------------------------------------------------------------- layers
LAYER_BUILD = [  # raised when the layer is built, as in PyTorch
    (lambda: nn.Conv2d(2, 2, 3, groups=0), ValueError, r"Conv2d: groups must be a positive"),
    (lambda: nn.Conv2d(3, 2, 3, groups=2), ValueError,
     r"Conv2d: in_channels must be divisible by groups, got in_channels=3, groups=2"),
    (lambda: nn.Conv1d(2, 3, 3, groups=2), ValueError, r"Conv1d: out_channels must be divisible"),
    (lambda: nn.Conv2d(2, 2, -1), RuntimeError, r"Conv2d: kernel_size must be non-negative"),
    (lambda: nn.Conv2d(2, 2, 1.5), TypeError, r"Conv2d\(\): argument 'kernel_size' must be int"),
    (lambda: nn.Conv2d(2, 2, None), TypeError, r"Conv2d\(\): argument 'kernel_size'"),
    (lambda: nn.ConvTranspose2d(2, 2, "3"), TypeError, r"ConvTranspose2d\(\): argument 'kernel"),
    (lambda: nn.Conv2d(-1, 2, 3), RuntimeError, r"Conv2d: in_channels must be non-negative"),
    (lambda: nn.Conv2d(2.0, 2, 3), TypeError, r"Conv2d\(\): argument 'in_channels' must be int"),
    (lambda: nn.Conv2d(2, 2, 3, padding="full"), ValueError, r"Conv2d: Invalid padding string"),
    (lambda: nn.Conv1d(2, 2, 3, stride=2, padding="same"), ValueError,
     r"Conv1d: padding='same' is not supported for strided convolutions"),
    (lambda: nn.Conv2d(2, 2, 3, padding_mode="bad"), ValueError,
     r"Conv2d: padding_mode must be one of"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"), ValueError,
     r"ConvTranspose2d: only \"zeros\" padding mode is supported"),
]


@pytest.mark.parametrize("build,cls,pattern", LAYER_BUILD)
def test_layer_constructor(build, cls, pattern):
    with pytest.raises(cls, match=pattern):
        build()


LAYER_CALL = [  # built as in PyTorch, raised by the functional op when called
    (lambda: nn.Conv2d(2, 2, 0), X2, RuntimeError, r"conv2d: kernel size .* greater than zero"),
    (lambda: nn.Conv2d(2, 2, 3, stride=0), X2, RuntimeError, r"conv2d: stride should be greater"),
    (lambda: nn.Conv1d(2, 2, 3, dilation=0), X1, RuntimeError, r"conv1d: dilation should be"),
    (lambda: nn.Conv2d(2, 2, 3, padding=-1), X2, RuntimeError, r"conv2d: padding must be non-neg"),
    (lambda: nn.Conv2d(2, 2, 3, stride=1.5), X2, TypeError, r"conv2d\(\): argument 'stride'"),
    (lambda: nn.Conv2d(2, 2, (1, 1, 1)), X2, RuntimeError, r"conv2d: expected a 4-D weight"),
    (lambda: nn.Conv2d(2, 0, 3), X2, RuntimeError, r"conv2d: expected a weight with at least 1"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, padding=-1), X2, RuntimeError,
     r"conv_transpose2d: padding must be non-negative"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2), X2, RuntimeError,
     r"conv_transpose2d: output padding must be smaller than either stride or dilation"),
    (lambda: nn.ConvTranspose1d(2, 2, 3, padding="same"), X1, TypeError,
     r"conv_transpose1d\(\): argument 'padding'"),
    (lambda: nn.Conv2d(3, 2, 3), X2, RuntimeError,
     r"Conv2d: expected input with 3 channels, got shape \(1, 2, 5, 5\) \(2 channels\)"),
    (lambda: nn.Conv2d(2, 2, 3), (5, 5), RuntimeError,
     r"Conv2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, got shape \(5, 5\)"),
    (lambda: nn.MaxPool2d(0), X2, RuntimeError, r"max_pool2d: kernel_size should be greater"),
    (lambda: nn.MaxPool1d(2, stride=0), X1, RuntimeError, r"max_pool1d: stride should be greater"),
    (lambda: nn.AvgPool1d(3, padding=2), X1, RuntimeError, r"avg_pool1d: pad should be at most"),
    (lambda: nn.AvgPool2d(2, divisor_override=0), X2, RuntimeError, r"avg_pool2d: divisor must"),
    (lambda: nn.AdaptiveAvgPool2d(-1), X2, RuntimeError, r"adaptive_avg_pool2d: output_size"),
    (lambda: nn.AdaptiveMaxPool2d(1.5), X2, TypeError, r"adaptive_max_pool2d\(\): argument"),
]


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@pytest.mark.parametrize("build,shape,cls,pattern", LAYER_CALL)
def test_layer_call(build, shape, cls, pattern):
    layer = build()
    with pytest.raises(cls, match=pattern):
        layer(ones(*shape))


def test_conv_transpose_output_size():
    m = nn.ConvTranspose2d(2, 2, 3, stride=2)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: for 4-D input, output_size must "
                                         r"have 2 or 4 elements, got \(11, 11, 11\)"):
        m(ones(*X2), output_size=(11, 11, 11))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of "
                                         r"\(20, 20\), but valid sizes range from 11 to 12"):
        m(ones(*X2), output_size=(20, 20))
    assert m(ones(*X2), output_size=(1, 2, 12, 11)).shape == (1, 2, 12, 11)


# ------------------------------------------------------- valid calls PyTorch accepts
def test_valid_edge_calls():
    x = autograd.randn(2, 5, 5)
    # unbatched unfold/fold, as in PyTorch
    cols = autograd.unfold(x, 2)
    np.testing.assert_allclose(cols.numpy(), autograd.unfold(x.unsqueeze(0), 2)[0].numpy())
    assert autograd.fold(cols, (5, 5), 2).shape == (2, 5, 5)
    # a negative divisor_override divides by it (PyTorch allows it)
    y = autograd.avg_pool2d(x, 1, divisor_override=-1)
    np.testing.assert_allclose(y.numpy(), -x.numpy(), rtol=1e-6)
    # None keeps an input dim; output size 0 is an empty result
    assert autograd.adaptive_avg_pool2d(x, (None, 2)).shape == (2, 5, 2)
    assert autograd.adaptive_max_pool1d(autograd.randn(1, 2, 5), 0).shape == (1, 2, 0)
    # an empty stride means "the kernel size"; a 1-element sequence is repeated
    assert autograd.max_pool2d(x, 2, stride=[]).shape == (2, 2, 2)
    assert autograd.conv2d(x.unsqueeze(0), autograd.randn(3, 2, 3, 3), stride=(2,)).shape == \
        (1, 3, 2, 2)
    # max_unpool2d of an unbatched input, and to an empty plane
    v, i = autograd.max_pool2d(autograd.randn(1, 4, 4), 2, return_indices=True)
    assert autograd.max_unpool2d(v, i, 2).shape == (1, 4, 4)
    assert autograd.max_unpool2d(v, i, 0).shape == (1, 0, 0)


def test_functional_layers_share_the_op_messages():
    with pytest.raises(RuntimeError, match=r"^max_pool1d: kernel_size should be greater"):
        F.max_pool1d(ones(1, 1, 5), 0)
    with pytest.raises(RuntimeError, match=r"^conv1d: stride should be greater than zero"):
        F.conv1d(ones(*X1), ones(*W1), stride=0)
