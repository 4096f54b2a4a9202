"""Convolutions of torch.nn.functional (conv1d, conv2d), with PyTorch's checks, node names and
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

__all__ = ["conv1d", "conv2d"]


# -- the arithmetic, on arrays ------------------------------------------------------------


def _output_size(padded: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    return tuple(
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(padded, kernel, stride, dilation, strict=True)
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


def _columns(x: Any, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> tuple:
    """(columns of shape (N, C, K, P), output spatial shape): K kernel offsets, P outputs."""
    x = _pad_spatial(x, padding)
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


def _input_derivative(grad, weight, input_shape, stride, padding, dilation, groups, F):
    backward = formula_op(F, convolution_input_grad)
    return backward(grad, weight, input_shape, stride, padding, dilation, groups)


def _weight_derivative(grad, input, weight_shape, stride, padding, dilation, groups, F):
    backward = formula_op(F, convolution_weight_grad)
    return backward(grad, input, weight_shape, stride, padding, dilation, groups)


def _double_backward(grads, grad_output, input, weight, stride, padding, dilation, groups, F):
    """PyTorch's _convolution_double_backward: the derivatives of (grad_input, grad_weight,
    grad_bias) in grad_output, input and weight, for the gradients gI, gW, gB that reach them.
    By the adjoint identities above: grad_output gets conv(gI, w) + conv(x, gW) + gB, the input
    gets input_grad(grad_output, gW), the weight weight_grad(grad_output, gI)."""
    g_input, g_weight, g_bias = grads
    conv = formula_op(F, convolution)
    parts = []
    if g_input is not None:
        parts.append(conv(g_input, weight, None, stride, padding, dilation, groups))
    if g_weight is not None:
        parts.append(conv(input, g_weight, None, stride, padding, dilation, groups))
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
        shape = tuple(input.shape)
        to_input = _input_derivative(
            grad_output, g_weight, shape, stride, padding, dilation, groups, F
        )
    to_weight = None
    if g_input is not None:
        shape = tuple(weight.shape)
        to_weight = _weight_derivative(
            grad_output, g_input, shape, stride, padding, dilation, groups, F
        )
    return gg_output, to_input, to_weight


_DOUBLE_BACKWARD = Joint(_double_backward)


@op(
    "ConvolutionBackwardBackward0",
    grad_output=_DOUBLE_BACKWARD[0],
    input=_DOUBLE_BACKWARD[1],
    weight=_DOUBLE_BACKWARD[2],
)
def convolution_backward(grad_output, input, weight, stride, padding, dilation, groups):
    """convolution's three gradients (grad_input, grad_weight, grad_bias) as one op, as in
    PyTorch, so a create_graph backward records one ConvolutionBackwardBackward0 for the three
    (and the bias's gradient requires grad whenever the others do)."""
    settings = (stride, padding, dilation, groups)
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


def _gradients(grad, input, weight, stride, padding, dilation, groups, F):
    """The first derivatives: convolution_backward recorded under create_graph, otherwise
    computed on arrays, each only if asked for."""
    if F.records_graph:
        return convolution_backward(grad, input, weight, stride, padding, dilation, groups)
    return _GradientsOnDemand(grad, input, weight, (stride, padding, dilation, groups))


_GRADIENTS = Joint(_gradients)


# The derivatives read both the input and the weight, so the node saves both, as PyTorch's
# does: changing either in place before the backward is an error whichever needs a gradient.
@op("ConvolutionBackward0", input=_GRADIENTS[0], weight=_GRADIENTS[1], bias=_GRADIENTS[2])
def convolution(input, weight, bias, stride, padding, dilation, groups):
    """out[n, o, p] = bias[o] + sum over the group's channels c and kernel offsets q of
    input[n, c, p * stride + q * dilation - padding] * weight[o, c, q]."""
    x, w = opmath(input), opmath(weight)
    kernel = w.shape[2:]
    columns, out = _columns(x, kernel, stride, padding, dilation)
    n, c_out = x.shape[0], w.shape[0]
    columns = _by_group(columns, groups)
    result = w.reshape(groups, c_out // groups, w[0].size) @ columns  # (N, G, C_out / G, P)
    result = result.reshape(n, c_out, *out)
    if bias is not None:
        result = result + opmath(bias).reshape((c_out,) + (1,) * len(out))
    return result.astype(input.dtype, copy=False)


@op(
    "ConvolutionBackwardBackward0",
    grad_output=lambda grad, weight, stride, padding, dilation, groups, F: formula_op(
        F, convolution
    )(grad, weight, None, stride, padding, dilation, groups),
    weight=lambda grad, grad_output, weight_shape, stride, padding, dilation, groups, F: (
        _weight_derivative(grad_output, grad, weight_shape, stride, padding, dilation, groups, F)
    ),
)
def convolution_input_grad(grad_output, weight, input_shape, stride, padding, dilation, groups):
    """The input's gradient: each output gradient, times the weights, added back into the
    input positions its window met (the adjoint of the forward's gathering)."""
    g, w = opmath(grad_output), opmath(weight)
    xp = array_namespace(g)
    kernel, out = w.shape[2:], g.shape[2:]
    c_out, c_in = w.shape[0], input_shape[1]
    rows = w.reshape(groups, c_out // groups, w[0].size)
    columns = xp.swapaxes(rows, 1, 2) @ _grad_rows(g, groups)  # (N, G, C_in / G * K, P)
    columns = columns.reshape(g.shape[0], c_in, math.prod(kernel), *out)
    padded = tuple(n + 2 * p for n, p in zip(input_shape[2:], padding, strict=True))
    result = xp.zeros((g.shape[0], c_in, *padded), dtype=g.dtype)
    for k, key in enumerate(_window_slices(kernel, stride, dilation, out)):
        result[key] += columns[:, :, k]
    crop = (Ellipsis,) + tuple(
        slice(p, p + n) for p, n in zip(padding, input_shape[2:], strict=True)
    )
    return result[crop].astype(grad_output.dtype, copy=False)


@op(
    "ConvolutionBackwardBackward0",
    grad_output=lambda grad, input, stride, padding, dilation, groups, F: formula_op(
        F, convolution
    )(input, grad, None, stride, padding, dilation, groups),
    input=lambda grad, grad_output, input_shape, stride, padding, dilation, groups, F: (
        _input_derivative(grad_output, grad, input_shape, stride, padding, dilation, groups, F)
    ),
)
def convolution_weight_grad(grad_output, input, weight_shape, stride, padding, dilation, groups):
    """The weight's gradient: per group, the output gradient times the columns the forward
    gathered, summed over the batch and the output positions."""
    g, x = opmath(grad_output), opmath(input)
    xp = array_namespace(g)
    columns, _ = _columns(x, tuple(weight_shape[2:]), stride, padding, dilation)
    n = x.shape[0]
    columns = _by_group(columns, groups)  # (N, G, C_in / G * K, P)
    rows = _grad_rows(g, groups)  # (N, G, C_out / G, P)
    # Sum over N and P at once: (G, C_out / G, N * P) @ (G, N * P, C_in / G * K).
    left = xp.moveaxis(rows, 0, 2).reshape(groups, rows.shape[2], n * rows.shape[3])
    right = xp.moveaxis(columns, 0, 2).reshape(groups, columns.shape[2], n * columns.shape[3])
    result = left @ xp.swapaxes(right, 1, 2)
    return result.reshape(weight_shape).astype(grad_output.dtype, copy=False)


# -- the functional forms, with PyTorch's checks -------------------------------------------


def _tuple(value: Any, name: str, n: int) -> tuple:
    """An int or a sequence of n ints, as the conv schema's `int[n]` argument accepts."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    if isinstance(value, tuple | list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    raise TypeError(
        f"conv{n}d(): argument '{name}' must be tuple of ints, not {type(value).__name__}"
    )


def _check_sizes(name: str, values: tuple, n: int) -> None:
    """PyTorch checks every argument against the weight's spatial rank."""
    if len(values) != 1 and len(values) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the "
            f"convolution dimensions, but got {name}={list(values)}"
        )


def _check_conv(
    input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation, groups
) -> None:
    n = weight.ndim - 2
    for name, values in (("stride", stride), ("padding", padding), ("dilation", dilation)):
        _check_sizes(name, values, n)
    _check_sizes("output_padding", (0,) * (input.ndim - 2), n)
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(
            f"Input type ({dtypes.cpp_type_name(input.dtype)}) and bias type "
            f"({dtypes.cpp_type_name(bias.dtype)}) should be the same"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    w_shape = list(weight.shape)
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
        raise RuntimeError("non-positive dilation is not supported")
    padded = [size + 2 * p for size, p in zip(input.shape[2:], padding, strict=True)]
    kernel = [d * (k - 1) + 1 for k, d in zip(weight.shape[2:], dilation, strict=True)]
    if any(p < k for p, k in zip(padded, kernel, strict=True)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
            "actual input size"
        )
    _check_dtypes(input, weight)


def _check_dtypes(input: Tensor, weight: Tensor) -> None:
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
    if input.dtype is dtypes.bool:
        raise NotImplementedError(f"\"slow_conv{weight.ndim - 2}d_cpu\" not implemented for 'Bool'")


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


def _conv(
    n: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups
) -> Tensor:
    name = f"conv{n}d"
    for position, value in enumerate((input, weight)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{('input', 'weight')[position]}' (position {position + 1}) "
                f"must be Tensor, not {type(value).__name__}"
            )
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input "
            f"of size: {list(input.shape)}"
        )
    stride, dilation = _tuple(stride, "stride", n), _tuple(dilation, "dilation", n)
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
    padding = _tuple(padding, "padding", n)
    _check_conv(input, weight, bias, stride, padding, dilation, groups)
    out = convolution(
        input, weight, bias, expand(stride), expand(padding), expand(dilation), groups
    )
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
