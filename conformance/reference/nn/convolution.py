"""Convolutions of torch.nn.functional (conv1d, conv2d, conv3d and the transposed
conv_transpose1d/2d/3d, all one op, aten::convolution), with PyTorch's checks, node names and
derivatives.

A convolution is bilinear in its input and its weight, and so are its two derivatives, each
of them a convolution read backwards (its adjoint). With <a, b> the sum of a * b:

    <gy, conv(x, w)> = <input_grad(gy, w), x> = <weight_grad(gy, x), w>

so each of the three ops' derivatives is one of the three ops again. PyTorch records the
first derivatives under create_graph as ConvolutionBackwardBackward0, and so does this.

The forward gathers, for each kernel offset (a loop over the kernel, never over pixels), the
input positions that offset meets as one strided slice: the columns of im2col. One batched
matmul per group then gives the output; the input's gradient adds the columns' gradients
back into those slices. float16 and bfloat16 are computed in float32 and rounded once, as
PyTorch's CPU kernels do.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.padding import constant_pad_nd
from conformance.reference.ops.define import Joint, formula_op, op
from conformance.reference.ops.pointwise_common import opmath
from conformance.reference.tensor import Tensor
from conformance.reference.warn_once import warn_once

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


# -- the arithmetic, on arrays ------------------------------------------------------------


def _output_size(padded: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    return tuple(
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(padded, kernel, stride, dilation, strict=True)
    )


def _transposed_size(size, kernel, stride, padding, dilation, output_padding) -> tuple:
    """A transposed convolution's output size: the input size of the convolution it is the
    input gradient of, with output_padding added on the right (which the stride's rounding
    down cannot tell apart)."""
    return tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, k, s, p, d, op in zip(
            size, kernel, stride, padding, dilation, output_padding, strict=True
        )
    )


def _window_slices(kernel: tuple, stride: tuple, dilation: tuple, out: tuple) -> list:
    """Per kernel offset (row-major over the kernel), the slices of the padded input it meets
    at every output position."""
    return [
        (Ellipsis,)
        + tuple(
            slice(q * d, q * d + s * (o - 1) + 1, s)
            for q, s, d, o in zip(offset, stride, dilation, out, strict=True)
        )
        for offset in itertools.product(*(range(k) for k in kernel))
    ]


def _pad_spatial(x: Any, padding: tuple) -> Any:
    if not any(padding):
        return x
    widths = [(0, 0), (0, 0)] + [(p, p) for p in padding]
    return array_namespace(x).pad(x, widths)


def _columns(x: Any, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, out=None):
    """(columns of shape (N, C, K, P), output spatial shape): K kernel offsets, P outputs.
    `out` may ask for fewer outputs than fit (a transposed convolution's input gradient,
    where output_padding added positions no input reaches)."""
    x = _pad_spatial(x, padding)
    if out is None:
        out = _output_size(x.shape[2:], kernel, stride, dilation)
    xp = array_namespace(x)
    slices = _window_slices(kernel, stride, dilation, out)
    columns = xp.stack([x[key] for key in slices], axis=2)
    return columns.reshape(x.shape[0], x.shape[1], len(slices), math.prod(out)), out


def _by_group(columns: Any, groups: int) -> Any:
    """(N, G, C / G * K, P): the columns, by group."""
    n, c, k, p = columns.shape
    return columns.reshape(n, groups, c // groups * k, p)


def _grad_rows(grad_output: Any, groups: int) -> Any:
    """(N, G, C_out / G, P): the output gradient, by group."""
    n, c_out = grad_output.shape[:2]
    return grad_output.reshape(n, groups, c_out // groups, math.prod(grad_output.shape[2:]))


def _gather(x, w, stride, padding, dilation, groups, out=None):
    """The cross-correlation: out[n, o, p] = sum over the group's channels c and kernel
    offsets q of x[n, c, p * stride + q * dilation - padding] * w[o, c, q]."""
    columns, out = _columns(x, w.shape[2:], stride, padding, dilation, out)
    columns = _by_group(columns, groups)
    c_out = w.shape[0]
    result = w.reshape(groups, c_out // groups, w[0].size) @ columns  # (N, G, C_out / G, P)
    return result.reshape(x.shape[0], c_out, *out)


def _scatter(g, w, shape, stride, padding, dilation, groups):
    """_gather's adjoint in x, for an x of `shape`: each g, times the weights, added back into
    the positions its window met. (A transposed convolution is this.)"""
    xp = array_namespace(g)
    kernel, out = w.shape[2:], g.shape[2:]
    c_out, c_in = w.shape[0], shape[1]
    rows = w.reshape(groups, c_out // groups, w[0].size)
    columns = xp.swapaxes(rows, 1, 2) @ _grad_rows(g, groups)  # (N, G, C_in / G * K, P)
    columns = columns.reshape(g.shape[0], c_in, math.prod(kernel), *out)
    padded = tuple(n + 2 * p for n, p in zip(shape[2:], padding, strict=True))
    result = xp.zeros((g.shape[0], c_in, *padded), dtype=g.dtype)
    for k, key in enumerate(_window_slices(kernel, stride, dilation, out)):
        result[key] += columns[:, :, k]
    crop = (Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(padding, shape[2:], strict=True))
    return result[crop]


def _correlate_grads(g, x, weight_shape, stride, padding, dilation, groups):
    """_gather's adjoint in w: per group, g times the columns of x, summed over the batch
    and the output positions (g's positions, which may be fewer than fit in x)."""
    xp = array_namespace(g)
    columns, _ = _columns(x, tuple(weight_shape[2:]), stride, padding, dilation, g.shape[2:])
    n = x.shape[0]
    columns = _by_group(columns, groups)  # (N, G, C_in / G * K, P)
    rows = _grad_rows(g, groups)  # (N, G, C_out / G, P)
    # Sum over N and P at once: (G, C_out / G, N * P) @ (G, N * P, C_in / G * K).
    left = xp.moveaxis(rows, 0, 2).reshape(groups, rows.shape[2], n * rows.shape[3])
    right = xp.moveaxis(columns, 0, 2).reshape(groups, columns.shape[2], n * columns.shape[3])
    return (left @ xp.swapaxes(right, 1, 2)).reshape(weight_shape)


def _input_derivative(
    grad, weight, input_shape, stride, padding, dilation, transposed, output_padding, groups, F
):
    backward = formula_op(F, convolution_input_grad)
    return backward(
        grad, weight, input_shape, stride, padding, dilation, transposed, output_padding, groups
    )


def _weight_derivative(
    grad, input, weight_shape, stride, padding, dilation, transposed, output_padding, groups, F
):
    backward = formula_op(F, convolution_weight_grad)
    return backward(
        grad, input, weight_shape, stride, padding, dilation, transposed, output_padding, groups
    )


def _double_backward(
    grads,
    grad_output,
    input,
    weight,
    stride,
    padding,
    dilation,
    transposed,
    output_padding,
    groups,
    F,
):
    """PyTorch's _convolution_double_backward: the derivatives of (grad_input, grad_weight,
    grad_bias) in grad_output, input and weight, for the gradients gI, gW, gB that reach them.
    By the adjoint identities above: grad_output gets conv(gI, w) + conv(x, gW) + gB, the input
    gets input_grad(grad_output, gW), the weight weight_grad(grad_output, gI)."""
    g_input, g_weight, g_bias = grads
    settings = (stride, padding, dilation, transposed, output_padding, groups)
    conv = formula_op(F, convolution)
    parts = []
    if g_input is not None:
        parts.append(conv(g_input, weight, None, *settings))
    if g_weight is not None:
        parts.append(conv(input, g_weight, None, *settings))
    gg_output = None
    for part in parts:
        gg_output = part if gg_output is None else gg_output + part
    if g_bias is not None:
        shape = (1, g_bias.shape[0]) + (1,) * (grad_output.ndim - 2)
        bias = F.reshape(g_bias, shape)
        gg_output = (
            F.expand(bias, tuple(grad_output.shape)) if gg_output is None else gg_output + bias
        )
    to_input = None
    if g_weight is not None:
        to_input = _input_derivative(grad_output, g_weight, tuple(input.shape), *settings, F)
    to_weight = None
    if g_input is not None:
        to_weight = _weight_derivative(grad_output, g_input, tuple(weight.shape), *settings, F)
    return gg_output, to_input, to_weight


_DOUBLE_BACKWARD = Joint(_double_backward)


@op(
    "ConvolutionBackwardBackward0",
    grad_output=_DOUBLE_BACKWARD[0],
    input=_DOUBLE_BACKWARD[1],
    weight=_DOUBLE_BACKWARD[2],
)
def convolution_backward(
    grad_output, input, weight, stride, padding, dilation, transposed, output_padding, groups
):
    """convolution's three gradients (grad_input, grad_weight, grad_bias) as one op, as in
    PyTorch, so a create_graph backward records one ConvolutionBackwardBackward0 for the three
    (and the bias's gradient requires grad whenever the others do)."""
    settings = (stride, padding, dilation, transposed, output_padding, groups)
    return tuple(_gradient(index, grad_output, input, weight, settings) for index in range(3))


convolution_backward.node.keeps_missing_grads = True  # an unused output's gradient stays None


def _gradient(index, grad_output, input, weight, settings):
    """One of convolution's three gradients, on arrays: the input's, the weight's, the bias's."""
    if index == 0:
        return convolution_input_grad.forward(grad_output, weight, input.shape, *settings)
    if index == 1:
        return convolution_weight_grad.forward(grad_output, input, weight.shape, *settings)
    bias = grad_output.sum(axis=(0, *range(2, grad_output.ndim)))
    return bias.astype(grad_output.dtype, copy=False)


class _GradientsOnDemand:
    """An ordinary backward's three gradients, each computed only when its input asks (once:
    the Joint keeps this object for the node's apply): a network's first convolution needs no
    input gradient, which costs as much as the forward."""

    def __init__(self, grad, input, weight, settings) -> None:
        self.args = grad, input, weight, settings

    def __getitem__(self, index: int) -> Any:
        return _gradient(index, *self.args)


def _gradients(
    grad, input, weight, stride, padding, dilation, transposed, output_padding, groups, F
):
    """The first derivatives: convolution_backward recorded under create_graph, otherwise
    computed on arrays, each only if asked for."""
    settings = (stride, padding, dilation, transposed, output_padding, groups)
    if F.records_graph:
        return convolution_backward(grad, input, weight, *settings)
    return _GradientsOnDemand(grad, input, weight, settings)


_GRADIENTS = Joint(_gradients)


# The derivatives read both the input and the weight, so the node saves both, as PyTorch's
# does: changing either in place before the backward is an error whichever needs a gradient.
@op("ConvolutionBackward0", input=_GRADIENTS[0], weight=_GRADIENTS[1], bias=_GRADIENTS[2])
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """aten::convolution. Not transposed: out[n, o, p] = bias[o] + sum over the group's
    channels c and kernel offsets q of input[n, c, p * stride + q * dilation - padding] *
    weight[o, c, q]. Transposed (weight (C_in, C_out / groups, *k)): the input gradient of
    that convolution, its output output_padding longer at the end, plus the bias."""
    x, w = opmath(input), opmath(weight)
    if transposed:
        size = _transposed_size(x.shape[2:], w.shape[2:], stride, padding, dilation, output_padding)
        shape = (x.shape[0], w.shape[1] * groups, *size)
        result = _scatter(x, w, shape, stride, padding, dilation, groups)
    else:
        result = _gather(x, w, stride, padding, dilation, groups)
    if bias is not None:
        result = result + opmath(bias).reshape((result.shape[1],) + (1,) * (result.ndim - 2))
    return result.astype(input.dtype, copy=False)


def _conv_of_grad(grad, weight, stride, padding, dilation, transposed, output_padding, groups, F):
    """The input gradient's derivative in the output gradient: the convolution itself."""
    conv = formula_op(F, convolution)
    return conv(grad, weight, None, stride, padding, dilation, transposed, output_padding, groups)


def _weight_grad_of_grad(
    grad,
    grad_output,
    weight_shape,
    stride,
    padding,
    dilation,
    transposed,
    output_padding,
    groups,
    F,
):
    """The input gradient's derivative in the weight: the weight's gradient, of the incoming
    gradient as the input."""
    settings = (stride, padding, dilation, transposed, output_padding, groups)
    return _weight_derivative(grad_output, grad, weight_shape, *settings, F)


@op("ConvolutionBackwardBackward0", grad_output=_conv_of_grad, weight=_weight_grad_of_grad)
def convolution_input_grad(
    grad_output, weight, input_shape, stride, padding, dilation, transposed, output_padding, groups
):
    """The input's gradient. Of a convolution: each output gradient, times the weights, added
    back into the input positions its window met. Of a transposed one: the convolution of the
    output gradient, at the input's positions only (output_padding's are read by none)."""
    g, w = opmath(grad_output), opmath(weight)
    if transposed:
        result = _gather(g, w, stride, padding, dilation, groups, tuple(input_shape[2:]))
    else:
        result = _scatter(g, w, input_shape, stride, padding, dilation, groups)
    return result.astype(grad_output.dtype, copy=False)


def _conv_with_grad(grad, input, stride, padding, dilation, transposed, output_padding, groups, F):
    """The weight gradient's derivative in the output gradient: the convolution of the input
    with the incoming gradient as the weight."""
    conv = formula_op(F, convolution)
    return conv(input, grad, None, stride, padding, dilation, transposed, output_padding, groups)


def _input_grad_of_grad(
    grad,
    grad_output,
    input_shape,
    stride,
    padding,
    dilation,
    transposed,
    output_padding,
    groups,
    F,
):
    """The weight gradient's derivative in the input: the input's gradient, of the incoming
    gradient as the weight."""
    settings = (stride, padding, dilation, transposed, output_padding, groups)
    return _input_derivative(grad_output, grad, input_shape, *settings, F)


@op("ConvolutionBackwardBackward0", grad_output=_conv_with_grad, input=_input_grad_of_grad)
def convolution_weight_grad(
    grad_output, input, weight_shape, stride, padding, dilation, transposed, output_padding, groups
):
    """The weight's gradient: per group, the output gradient times the columns the forward
    gathered from the input, summed over the batch and the positions. A transposed
    convolution gathers from the output gradient instead, at the input's positions."""
    g, x = opmath(grad_output), opmath(input)
    settings = (stride, padding, dilation, groups)
    if transposed:
        result = _correlate_grads(x, g, weight_shape, *settings)
    else:
        result = _correlate_grads(g, x, weight_shape, *settings)
    return result.astype(grad_output.dtype, copy=False)


# -- the functional forms, with PyTorch's checks -------------------------------------------


def _tuple(value: Any, name: str, n: int, function: str) -> tuple:
    """An int or a sequence of n ints, as the conv schema's `int[n]` argument accepts."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    if isinstance(value, tuple | list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    raise TypeError(
        f"{function}(): argument '{name}' must be tuple of ints, not {type(value).__name__}"
    )


def _check_sizes(name: str, values: tuple, n: int) -> None:
    """PyTorch checks every argument against the weight's spatial rank."""
    if len(values) != 1 and len(values) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the "
            f"convolution dimensions, but got {name}={list(values)}"
        )


def _check_conv(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride,
    padding,
    dilation,
    transposed: bool,
    output_padding,
    groups,
) -> None:
    """aten::_convolution's checks (check_input_shape_forward), then those of the CPU kernel
    it picks; a transposed convolution's come from slow_conv_transpose2d/3d (1-D runs as 2-D,
    so its messages show a leading dimension of 1)."""
    n = weight.ndim - 2
    if n <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    for name, values in (
        ("stride", stride),
        ("padding", padding),
        ("dilation", dilation),
        ("output_padding", output_padding),
    ):
        _check_sizes(name, values, n)
    if not transposed and bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(
            f"Input type ({dtypes.cpp_type_name(input.dtype)}) and bias type "
            f"({dtypes.cpp_type_name(bias.dtype)}) should be the same"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    w_shape = list(weight.shape)
    if input.ndim != weight.ndim:
        raise RuntimeError(
            f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
            f"{w_shape}, but got {input.ndim}-dimensional input of size {list(input.shape)} "
            "instead"
        )
    if weight.shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but "
            f"got weight of size {w_shape} instead"
        )
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{w_shape}] instead"
        )
    if transposed:
        _check_transposed_shapes(input, weight, bias, groups)
    else:
        _check_shapes(input, weight, bias, padding, dilation, groups)
    if input.shape[0] and input.shape[1] and not input.numel():
        shape = list(input.shape)
        raise RuntimeError(
            "Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{shape[:2] + [1] * (n == 1) + shape[2:]}"
        )
    if transposed:
        _check_transposed_sizes(input, weight, stride, padding, dilation, output_padding)
        _check_transposed_dtypes(input, weight, bias)
    else:
        _check_dtypes(input, weight, stride, padding, dilation)


def _check_shapes(input, weight, bias, padding, dilation, groups) -> None:
    w_shape = list(weight.shape)
    if input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {w_shape}, expected input"
            f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
            f"{input.shape[1]} channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(
            f"Given weight of size {w_shape}, expected bias to be 1-dimensional with "
            f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead"
        )
    if any(d == 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    padded = [size + 2 * p for size, p in zip(input.shape[2:], padding, strict=True)]
    kernel = [d * (k - 1) + 1 for k, d in zip(weight.shape[2:], dilation, strict=True)]
    if any(p < k for p, k in zip(padded, kernel, strict=True)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
            "actual input size"
        )


def _check_transposed_shapes(input, weight, bias, groups) -> None:
    """The weight is (C_in, C_out / groups, *kernel): the input's channels are its first."""
    w_shape = list(weight.shape)
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {w_shape}, expected input{list(input.shape)} "
            f"to have {weight.shape[0]} channels, but got {input.shape[1]} channels instead"
        )
    c_out = weight.shape[1] * groups
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != c_out):
        raise RuntimeError(
            f"Given transposed=1, weight of size {w_shape}, expected bias to be 1-dimensional "
            f"with {c_out} elements, but got bias of size {list(bias.shape)} instead"
        )


def _check_transposed_sizes(input, weight, stride, padding, dilation, output_padding) -> None:
    """slow_conv_transpose2d/3d's shape check. output_padding only moves the end of the output
    within what the last stride step (or dilated tap) leaves unread, so it must be smaller
    than the stride or the dilation."""
    n = weight.ndim - 2
    lead = (1,) * (n == 1)  # 1-D runs as 2-D, with a height of 1
    names = ("depth", "height", "width")[-max(n, 2) :]

    def named(label, values):
        return [f"{label}_{name}: {v}" for name, v in zip(names, values, strict=True)]

    stride, dilation = lead + tuple(stride), lead + tuple(dilation)
    output_padding = (0,) * len(lead) + tuple(output_padding)
    if any(d <= 0 for d in dilation):
        words = ", ".join(named("dilation", dilation))
        raise RuntimeError(f"dilation should be greater than zero, but got {words}")
    if not all(op < s or op < d for op, s, d in zip(output_padding, stride, dilation, strict=True)):
        words = named("output_padding", output_padding) + named("stride", stride)
        words += named("dilation", dilation)
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(words)
        )
    size = lead + tuple(input.shape[2:])
    kernel = lead + tuple(weight.shape[2:])
    out = _transposed_size(
        size, kernel, stride, (0,) * len(lead) + tuple(padding), dilation, output_padding
    )
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, size))}). Calculated output "
            f"size per channel: ({' x '.join(map(str, out))}). Output size is too small"
        )


def _check_transposed_dtypes(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's CPU float32 transposed convolution runs in oneDNN, which wants the bias's
    dtype too; the other dtypes' kernel adds the bias in the output's dtype. The kernel has
    no integer types but int64."""
    _check_same_dtype(input, weight)
    if input.dtype is dtypes.float32 and bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(
            f"Input type (torch.{input.dtype.legacy_name}) and bias type "
            f"(torch.{bias.dtype.legacy_name}) should be the same or input should be a MKLDNN "
            "tensor and bias is a dense tensor"
        )
    if _without_kernel(input.dtype):
        kernel = f"slow_conv_transpose{max(weight.ndim - 2, 2)}d_out_cpu"
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )


def _check_same_dtype(input: Tensor, weight: Tensor) -> None:
    if input.dtype is not weight.dtype:
        if input.dtype is dtypes.float32:
            raise RuntimeError(
                f"Input type (torch.{input.dtype.legacy_name}) and weight type "
                f"(torch.{weight.dtype.legacy_name}) should be the same or input should be a "
                "MKLDNN tensor and weight is a dense tensor"
            )
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input.dtype)} but found "
            f"{scalar_type_name(weight.dtype)}"
        )


def _without_kernel(dtype) -> bool:
    """The dilated and the transposed CPU kernels take floating types and int64 only."""
    return not dtype.is_floating_point and not dtype.is_complex and dtype is not dtypes.int64


def _check_dtypes(input: Tensor, weight: Tensor, stride, padding, dilation) -> None:
    """The message names the kernel PyTorch picks: a dilated convolution's has no integer
    type but int64; the others take every type but bool, and for bool it names the 3-D column
    builder unless the kernel is 1x1x1 with stride 1 and no padding."""
    _check_same_dtype(input, weight)
    n = weight.ndim - 2
    if any(d != 1 for d in dilation):
        if _without_kernel(input.dtype):
            raise NotImplementedError(
                f"\"slow_conv_dilated<>\" not implemented for '{scalar_type_name(input.dtype)}'"
            )
    elif input.dtype is dtypes.bool:
        kernel = f"slow_conv{n}d_cpu"
        if n == 3 and (
            any(k != 1 for k in weight.shape[2:]) or any(s != 1 for s in stride) or any(padding)
        ):
            kernel = "compute_columns3d"
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _same_padding(input: Tensor, kernel: tuple, dilation: tuple) -> tuple[Tensor, tuple]:
    """padding='same': d * (k - 1) in all, split evenly; where it is odd, PyTorch pads the one
    extra on the right with constant_pad_nd first (a ConstantPadNdBackward0 in the graph)."""
    total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    if any(t % 2 for t in total):
        warn_once(
            "Using padding='same' with even kernel lengths and odd dilation may require a "
            "zero-padded copy of the input be created"
        )
        extra = []
        for t in reversed(total):
            extra += [0, t % 2]
        input = constant_pad_nd(input, tuple(extra), 0)
    return input, tuple(t // 2 for t in total)


def _check_arguments(name: str, n: int, input: Any, weight: Any, bias: Any) -> None:
    """The argument types (conv*d's bias is left to its overloads' message), and the rank."""
    for position, value in enumerate((input, weight, bias)):
        if position == 2 and (value is None or not name.startswith("conv_transpose")):
            continue
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{('input', 'weight', 'bias')[position]}' (position "
                f"{position + 1}) must be Tensor, not {type(value).__name__}"
            )
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input "
            f"of size: {list(input.shape)}"
        )


def _conv(
    n: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups
) -> Tensor:
    name = f"conv{n}d"
    _check_arguments(name, n, input, weight, bias)
    stride, dilation = _tuple(stride, "stride", n, name), _tuple(dilation, "dilation", n, name)
    unbatched = input.ndim == n + 1
    if unbatched:
        input = input.unsqueeze(0)
    spatial = weight.ndim - 2
    expand = lambda values: values * spatial if len(values) == 1 else values  # noqa: E731
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        if padding == "valid":
            padding = (0,) * n
        else:
            if len(dilation) not in (1, spatial):
                raise RuntimeError(f"dilation cannot broadcast to {spatial} dimensions")
            input, padding = _same_padding(input, weight.shape[2:], expand(dilation))
    padding = _tuple(padding, "padding", n, name)
    settings = (expand(stride), expand(padding), expand(dilation), False, (0,) * spatial, groups)
    _check_conv(input, weight, bias, stride, padding, dilation, False, (0,) * n, groups)
    out = convolution(input, weight, bias, *settings)
    return out.squeeze(0) if unbatched else out


def _conv_transpose(
    n: int, input, weight, bias, stride, padding, output_padding, groups, dilation
) -> Tensor:
    name = f"conv_transpose{n}d"
    _check_arguments(name, n, input, weight, bias)
    stride, padding = _tuple(stride, "stride", n, name), _tuple(padding, "padding", n, name)
    output_padding = _tuple(output_padding, "output_padding", n, name)
    dilation = _tuple(dilation, "dilation", n, name)
    unbatched = input.ndim == n + 1
    if unbatched:
        input = input.unsqueeze(0)
    spatial = weight.ndim - 2
    expand = lambda values: values * spatial if len(values) == 1 else values  # noqa: E731
    _check_conv(input, weight, bias, stride, padding, dilation, True, output_padding, groups)
    settings = (expand(stride), expand(padding), expand(dilation), True, expand(output_padding))
    out = convolution(input, weight, bias, *settings, groups)
    return out.squeeze(0) if unbatched else out


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """A 1-D convolution (a cross-correlation, as in PyTorch: the kernel is not flipped) of
    (N, C_in, L) or unbatched (C_in, L) input with a (C_out, C_in / groups, k) weight."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """A 2-D convolution (a cross-correlation: the kernel is not flipped) of (N, C_in, H, W)
    or unbatched (C_in, H, W) input with a (C_out, C_in / groups, kH, kW) weight. padding may
    be 'valid' (none) or 'same' (stride 1 only; an odd total puts the extra on the right)."""
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """A 3-D convolution (a cross-correlation) of (N, C_in, D, H, W) or unbatched
    (C_in, D, H, W) input with a (C_out, C_in / groups, kD, kH, kW) weight; padding as
    conv2d's."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """A 1-D transposed convolution (the input gradient of conv1d) of (N, C_in, L) or
    (C_in, L) input with a (C_in, C_out / groups, k) weight: L_out = (L - 1) * stride -
    2 * padding + dilation * (k - 1) + output_padding + 1. Note groups comes before dilation,
    unlike conv1d's arguments; padding takes no strings."""
    return _conv_transpose(
        1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """A 2-D transposed convolution of (N, C_in, H, W) or (C_in, H, W) input with a
    (C_in, C_out / groups, kH, kW) weight; sizes as conv_transpose1d's, per dimension."""
    return _conv_transpose(
        2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """A 3-D transposed convolution of (N, C_in, D, H, W) or (C_in, D, H, W) input with a
    (C_in, C_out / groups, kD, kH, kW) weight; sizes as conv_transpose1d's, per dimension."""
    return _conv_transpose(
        3, input, weight, bias, stride, padding, output_padding, groups, dilation
    )
