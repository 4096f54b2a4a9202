"""max_pool3d and avg_pool3d of torch.nn.functional, with PyTorch's checks, node names and
derivatives.

They pool as nn/pooling.py's 2-D forms do (its window gathering serves any number of spatial
dims): max pooling finds each window's maximum (the first of equal maxima, the last NaN) as a
flat index into the input volume (D * H * W), then gathers there; its derivative scatters the
gradient back, and that scatter's derivative is the gather again. Average pooling's derivative
spreads each gradient evenly over its window, and that spreading's derivative is the average
pooling again. Both take (N, C, D, H, W) or an unbatched (C, D, H, W).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.pooling import _divide, _output_size, _positions, _windows
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.indexing import _add_at
from conformance.reference.ops.pointwise_common import opmath
from conformance.reference.tensor import Tensor

__all__ = ["max_pool3d", "avg_pool3d"]


def _five_d(a: Any) -> Any:
    """An unbatched (C, D, H, W) as (1, C, D, H, W)."""
    return a[None] if a.ndim == 4 else a


def _flat_volumes(a: Any) -> Any:
    """(N * C, D * H * W), or (C, D * H * W) for an unbatched input."""
    return a.reshape(math.prod(a.shape[:-3]), math.prod(a.shape[-3:]))


# -- max pooling ------------------------------------------------------------------------------


def _max_indices(x: Any, kernel, stride, padding, dilation, out) -> Any:
    """Per window, the flat index (into D * H * W) of its maximum: the first of equal maxima
    in the order the window is scanned (depth, then rows, then columns), or the last NaN."""
    xp = array_namespace(x)
    x = _five_d(opmath(x))
    floating = x.dtype.kind == "f"
    low = -np.inf if floating else np.iinfo(x.dtype).min
    values, _, _ = _windows(x, kernel, stride, padding, dilation, out, low)
    spatial = x.shape[2:]
    valid = np.ones((1,) * 6, dtype=bool)
    flat = np.zeros((1,) * 6, dtype=np.int64)
    for axis, (n, k, s, p, d, o) in enumerate(
        zip(spatial, kernel, stride, padding, dilation, out, strict=True)
    ):
        place = [1] * 6
        place[axis], place[axis + 3] = k, o
        pos = _positions(n, k, s, p, d, o).reshape(place)  # (k, o) at (axis, axis + 3)
        valid = valid & (pos >= 0) & (pos < n)
        flat = flat + pos * math.prod(spatial[axis + 1 :])
    valid = xp.asarray(np.broadcast_to(valid, (*kernel, *out)).reshape(-1, *out))
    flat = xp.asarray(np.broadcast_to(flat, (*kernel, *out)).reshape(-1, *out))
    top = values.max(axis=2, keepdims=True)
    chosen = xp.argmax((values == top) & valid, axis=2)
    if floating:
        nan = xp.isnan(values)
        last_nan = values.shape[2] - 1 - xp.argmax(nan[:, :, ::-1], axis=2)
        chosen = xp.where(nan.any(axis=2), last_nan, chosen)
    flat = xp.broadcast_to(flat, values.shape)
    return xp.take_along_axis(flat, chosen[:, :, None], axis=2)[:, :, 0].astype(np.int64)


@op(
    "MaxPool3DWithIndicesBackward0",
    self=lambda grad, self, indices, F: formula_op(F, max_pool3d_backward)(grad, self, indices),
)
def _max_pool3d(self, indices):
    """The elements the indices point at: each window's maximum."""
    xp = array_namespace(self)
    taken = xp.take_along_axis(_flat_volumes(self), _flat_volumes(indices), axis=1)
    return taken.reshape(indices.shape)


@op(
    "MaxPool3DWithIndicesBackwardBackward0",
    grad_output=lambda grad, indices, F: formula_op(F, _max_pool3d)(grad, indices),
    self=lambda grad, F: F.zeros_like(grad),
)
def max_pool3d_backward(grad_output, self, indices):
    """Each window's gradient added to the element that was its maximum; the pooled input is
    an input for its shape, with a zero derivative (as in PyTorch)."""
    out = array_namespace(grad_output).zeros(self.shape, dtype=grad_output.dtype)
    rows = _flat_volumes(out)
    lead = array_namespace(indices).arange(rows.shape[0])[:, None] * rows.shape[1]
    which = lead + _flat_volumes(indices)
    _add_at(rows.reshape(-1), which.reshape(-1), _flat_volumes(grad_output).reshape(-1))
    return out


# -- average pooling --------------------------------------------------------------------------


def _avg_divisors(shape: tuple, out: tuple, settings: tuple) -> np.ndarray:
    """(oD, oH, oW): what each window's sum is divided by (as nn/pooling.py's 2-D one)."""
    kernel, stride, padding, _, count_include_pad, divisor_override = settings
    if divisor_override is not None:
        return np.full(out, divisor_override)
    divisor = np.ones((1, 1, 1), dtype=np.int64)
    for axis, (n, k, s, p, o) in enumerate(zip(shape, kernel, stride, padding, out, strict=True)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        size = end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0)
        place = [1, 1, 1]
        place[axis] = o
        divisor = divisor * size.reshape(place)
    return divisor


@op(
    "AvgPool3DBackward0",
    self=lambda grad, self, settings, F: formula_op(F, avg_pool3d_backward)(grad, self, settings),
)
def _avg_pool3d(self, settings):
    """Each window's sum divided by its divisor. `settings` = (kernel, stride, padding,
    ceil_mode, count_include_pad, divisor_override)."""
    kernel, stride, padding, ceil_mode = settings[:4]
    x = _five_d(opmath(self))
    out = tuple(
        _output_size(n, k, s, p, 1, ceil_mode)
        for n, k, s, p in zip(x.shape[2:], kernel, stride, padding, strict=True)
    )
    values, _, _ = _windows(x, kernel, stride, padding, (1, 1, 1), out, 0)
    total = values.sum(axis=2) + x.dtype.type(0)
    result = _divide(total, _avg_divisors(x.shape[2:], out, settings))
    return result.astype(self.dtype, copy=False).reshape(*self.shape[:-3], *out)


@op(
    "AvgPool3DBackwardBackward0",
    grad_output=lambda grad, settings, F: formula_op(F, _avg_pool3d)(grad, settings),
    self=lambda grad, F: F.zeros_like(grad),
)
def avg_pool3d_backward(grad_output, self, settings):
    """Each window's gradient divided by its divisor and added to every input element the
    window covers (its padding takes none)."""
    self_shape = self.shape
    kernel, stride, padding = settings[:3]
    g = _five_d(opmath(grad_output))
    xp = array_namespace(g)
    out, spatial = g.shape[2:], tuple(self_shape[-3:])
    share = g / xp.asarray(_avg_divisors(spatial, out, settings)).astype(g.dtype)
    empty = xp.zeros((0, 0, *spatial), g.dtype)
    _, keys, widths = _windows(empty, kernel, stride, padding, (1, 1, 1), out, 0)
    padded = tuple(n + a + b for n, (a, b) in zip(spatial, widths[2:], strict=True))
    result = xp.zeros((*g.shape[:2], *padded), dtype=g.dtype)
    for key in keys:
        result[key] += share
    crop = (Ellipsis,) + tuple(
        slice(a, a + n) for n, (a, _) in zip(spatial, widths[2:], strict=True)
    )
    return result[crop].astype(grad_output.dtype, copy=False).reshape(self_shape)


# -- the functional forms, with PyTorch's checks ----------------------------------------------


def _triple(value: Any, message: str) -> tuple:
    """An int, or a sequence of one or three ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * 3
    if isinstance(value, tuple | list) and len(value) in (1, 3):
        return tuple(value) * (3 // len(value))
    raise RuntimeError(message)


def _arguments(input, kernel_size, stride, padding, dilation, name, either) -> tuple:
    """The settings as triples, in PyTorch's order of checks up to the output size."""
    kernel = _triple(
        kernel_size, f"{name}: kernel_size must {either}a single int, or a tuple of three ints"
    )
    if stride is None or stride == [] or stride == ():
        stride = kernel
    stride = _triple(
        stride, f"{name}: stride must {either}omitted, a single int, or a tuple of three ints"
    )
    padding = _triple(
        padding, f"{name}: padding must {either}a single int, or a tuple of three ints"
    )
    dilation = _triple(
        dilation, f"{name}: dilation must be either a single int, or a tuple of three ints"
    )
    if input.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    return kernel, stride, padding, dilation


def _output_sizes(input, kernel, stride, padding, dilation, ceil_mode) -> tuple:
    """PyTorch's pooling_output_shape per dim, depth first, with its checks."""
    out = []
    for n, k, s, p, d in zip(input.shape[-3:], kernel, stride, padding, dilation, strict=True):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
        out.append(_output_size(n, k, s, p, d, bool(ceil_mode)) if min(k, s, d) > 0 else 1)
    return tuple(out)


def _shape_check(input, kernel, stride, dilation, out, name, check_input_size=False) -> None:
    """PyTorch's pool3d_shape_check, in its order."""
    for what, (t, h, w), keys in (
        ("kernel size", kernel, ("kT", "kH", "kW")),
        ("stride", stride, ("dT", "dH", "dW")),
        ("dilation", dilation, ("dilationT", "dilationH", "dilationW")),
    ):
        if min(t, h, w) <= 0:
            got = " ".join(f"{key}: {v}" for key, v in zip(keys, (t, h, w), strict=True))
            raise RuntimeError(f"{what} should be greater than zero, but got {got}")
    for i in range(input.ndim == 5, input.ndim):
        if input.shape[i] == 0:
            # PyTorch prints the dim's length (0) where it means to name the dim.
            raise RuntimeError(
                f"{name}: Expected input's non-batch dimensions to have positive length, but "
                f"input has a shape of {list(input.shape)} and non-batch dimension 0 has length "
                "zero!"
            )
    c, t, h, w = input.shape[-4:]
    if check_input_size and (t < kernel[0] or h < kernel[1] or w < kernel[2]):
        raise RuntimeError(
            f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {kernel[0]} "
            f"kH: {kernel[1]} kW: {kernel[2]})"
        )
    if min(out) < 1:
        raise RuntimeError(
            f"Given input size: ({c}x{t}x{h}x{w}). Calculated output size: "
            f"({c}x{out[0]}x{out[1]}x{out[2]}). Output size is too small"
        )


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The largest element of each window (NaN if the window holds one); with return_indices,
    also where it was: a flat index into each input volume (D * H * W). Integers pool too."""
    kernel, stride, padding, dilation = _arguments(
        input, kernel_size, stride, padding, dilation, "max_pool3d", "either be "
    )
    out = _output_sizes(input, kernel, stride, padding, dilation, ceil_mode)
    _shape_check(input, kernel, stride, dilation, out, "max_pool3d_with_indices_out_cpu_template()")
    if input.dtype is dtypes.bool:
        raise NotImplementedError("\"max_pool3d\" not implemented for 'Bool'")
    indices = _max_indices(input._data, kernel, stride, padding, dilation, out)
    indices = Tensor._wrap(indices.reshape(*input.shape[:-3], *out), dtypes.int64, input.device)
    values = _max_pool3d(input, indices)
    return (values, indices) if return_indices else values


def avg_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window, counting its padding (count_include_pad) or not, or its sum
    divided by divisor_override. PyTorch's CPU kernel takes float32, float64 and int64 only
    (int64 divides truncating)."""
    if divisor_override is not None and (
        not isinstance(divisor_override, int) or isinstance(divisor_override, bool)
    ):
        raise TypeError(
            "avg_pool3d(): argument 'divisor_override' must be int, not "
            f"{type(divisor_override).__name__}"
        )
    kernel, stride, padding, dilation = _arguments(
        input, kernel_size, stride, padding, 1, "avg_pool3d", "be "
    )
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    out = _output_sizes(input, kernel, stride, padding, dilation, ceil_mode)
    _shape_check(input, kernel, stride, dilation, out, "avg_pool3d()", check_input_size=True)
    if input.dtype not in (dtypes.float32, dtypes.float64, dtypes.int64):
        raise NotImplementedError(
            f"\"avg_pool3d_out_frame\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    settings = (kernel, stride, padding, bool(ceil_mode), bool(count_include_pad))
    return _avg_pool3d(input, (*settings, divisor_override))
