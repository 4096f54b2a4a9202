"""F.unfold (im2col) and F.fold (col2im), with PyTorch's checks and node names.

unfold lays each sliding block of a (N, C, H, W) input out as a column: (N, C * kH * kW, L),
the rows channel first, then kernel row, then kernel column, and the L blocks row by row. It
gathers one strided slice per kernel offset, as nn/pooling.py's windows do (padding reads
zeros). fold is its adjoint: each column's entries are added back where they came from
(overlapping blocks add up), so each op's derivative is the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.common import _dim
from conformance.reference.nn.pooling import _parse_positional, _windows
from conformance.reference.ops.define import formula_op, op
from conformance.reference.tensor import Tensor

__all__ = ["unfold", "fold"]


def _blocks(n: int, k: int, d: int, p: int, s: int) -> int:
    """How many blocks fit along a dim (floor division, as ATen's div_rtn)."""
    return (n + 2 * p - (d * (k - 1) + 1)) // s + 1


@op(
    "Im2ColBackward0",
    self=lambda grad, self_shape, settings, F: formula_op(F, _col2im)(
        grad, tuple(self_shape[-2:]), settings
    ),
)
def _im2col(self, settings):
    """settings = (kernel, dilation, padding, stride)."""
    kernel, dilation, padding, stride = settings
    x = self[None] if self.ndim == 3 else self
    out = tuple(
        _blocks(n, k, d, p, s)
        for n, k, d, p, s in zip(x.shape[2:], kernel, dilation, padding, stride, strict=True)
    )
    columns, _, _ = _windows(x, kernel, stride, padding, dilation, out, 0)  # (N, C, K, oH, oW)
    n, c, k = columns.shape[:3]
    result = columns.reshape(n, c * k, out[0] * out[1])
    return result[0] if self.ndim == 3 else result


@op(
    "Col2ImBackward0",
    self=lambda grad, settings, F: formula_op(F, _im2col)(grad, settings),
)
def _col2im(self, output_size, settings):
    kernel, dilation, padding, stride = settings
    cols = self[None] if self.ndim == 2 else self
    xp = array_namespace(cols)
    blocks = tuple(
        _blocks(n, k, d, p, s)
        for n, k, d, p, s in zip(output_size, kernel, dilation, padding, stride, strict=True)
    )
    n, k = cols.shape[0], kernel[0] * kernel[1]
    c = cols.shape[1] // k
    cols = cols.reshape(n, c, k, *blocks)
    empty = xp.zeros((0, 0, *output_size), dtype=cols.dtype)
    _, keys, widths = _windows(empty, kernel, stride, padding, dilation, blocks, 0)
    padded = tuple(m + a + b for m, (a, b) in zip(output_size, widths[2:], strict=True))
    result = xp.zeros((n, c, *padded), dtype=cols.dtype)
    for i, key in enumerate(keys):
        result[key] += cols[:, :, i]
    crop = (Ellipsis,) + tuple(
        slice(a, a + m) for m, (a, _) in zip(output_size, widths[2:], strict=True)
    )
    result = xp.ascontiguousarray(result[crop])
    return result[0] if self.ndim == 2 else result


def _pairs(name: str, names: tuple, *values: Any) -> tuple:
    """torch.nn.functional's _pair on each value (an iterable, a string too, as a tuple; else
    the value twice), then ATen's `name` parsing them by position, then checking that each
    is two ints."""
    pairs = _parse_positional(
        name,
        dict.fromkeys(names, "int[]"),
        *(tuple(v) if isinstance(v, Iterable) else (v, v) for v in values),
    )
    for what, pair in zip(names, pairs, strict=True):
        if len(pair) != 2:
            raise RuntimeError(f"It is expected {what} equals to 2, but got size {len(pair)}")
    return pairs


def _check_settings(kernel, dilation, padding, stride, order) -> None:
    checks = {
        "kernel": (min(kernel) > 0, "kernel size should be greater than zero", "kernel", kernel),
        "dilation": (
            min(dilation) > 0,
            "dilation should be greater than zero",
            "dilation",
            dilation,
        ),
        "padding": (min(padding) >= 0, "padding should be non-negative", "pad", padding),
        "stride": (min(stride) > 0, "stride should be greater than zero", "stride", stride),
    }
    for name in order:
        ok, message, key, (h, w) = checks[name]
        if not ok:
            raise RuntimeError(f"{message}, but got {key}_height: {h} {key}_width: {w}")


def _settings_text(kernel, dilation, padding) -> str:
    return (
        f"kernel_size=({kernel[0]}, {kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), "
        f"padding=({padding[0]}, {padding[1]})"
    )


def unfold(
    input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """Every sliding block of (N, C, H, W) or (C, H, W) input as a column of C * kH * kW."""
    kernel, dilation, padding, stride = _pairs(
        "im2col",
        ("kernel_size", "dilation", "padding", "stride"),
        kernel_size,
        dilation,
        padding,
        stride,
    )
    _check_settings(kernel, dilation, padding, stride, ("kernel", "dilation", "padding", "stride"))
    _dim(2, input.ndim)
    sizes = list(input.shape)
    if input.ndim not in (3, 4) or 0 in sizes[1:] or (input.ndim == 3 and sizes[0] == 0):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {sizes}"
        )
    height, width = sizes[-2:]
    blocks = [
        _blocks(n, k, d, p, s)
        for n, k, d, p, s in zip((height, width), kernel, dilation, padding, stride, strict=True)
    ]
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size ({height}, {width}), "
            f"{_settings_text(kernel, dilation, padding)}, calculated shape of the array of "
            f"sliding blocks as ({blocks[0]}, {blocks[1]}), but its components must be at least "
            "one."
        )
    _check_dtype(input, "im2col_out_cpu")
    return _im2col(input, (kernel, dilation, padding, stride))


def fold(
    input: Tensor,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Columns (N, C * kH * kW, L) or (C * kH * kW, L) summed back into an (N, C, H, W) image:
    unfold's adjoint (overlapping blocks add up; it is unfold's inverse only where blocks do
    not overlap)."""
    size, kernel, dilation, padding, stride = _pairs(
        "col2im",
        ("output_size", "kernel_size", "dilation", "padding", "stride"),
        *(output_size, kernel_size, dilation, padding, stride),
    )
    _check_settings(kernel, dilation, padding, stride, ("kernel", "stride", "dilation", "padding"))
    sizes = list(input.shape)
    if input.ndim not in (2, 3) or 0 in sizes[-2:]:
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {sizes}"
        )
    planes, length = sizes[-2:]
    if planes % (kernel[0] * kernel[1]) != 0:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={planes} and kernel_size=({kernel[0]}, "
            f"{kernel[1]})."
        )
    blocks = [
        _blocks(n, k, d, p, s)
        for n, k, d, p, s in zip(size, kernel, dilation, padding, stride, strict=True)
    ]
    given = f"Given output_size=({size[0]}, {size[1]}), {_settings_text(kernel, dilation, padding)}"
    given += f", stride=({stride[0]}, {stride[1]})"
    if length != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"{given}, expected size of input's dimension 2 to match the calculated number of "
            f"sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
            f"input.size(2)={length}."
        )
    if min(blocks) < 1:
        raise RuntimeError(
            f"{given}, calculated shape of the array of sliding blocks as ({blocks[0]}, "
            f"{blocks[1]}), which is too small (non-positive)"
        )
    _check_dtype(input, "col2im_out_cpu")
    return _col2im(input, size, (kernel, dilation, padding, stride))


def _check_dtype(input: Tensor, kernel: str) -> None:
    """PyTorch's kernels take the floating and complex types and bool, no integers."""
    if input.dtype.category == dtypes.INTEGER:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
