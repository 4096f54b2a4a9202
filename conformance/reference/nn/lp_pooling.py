"""Power-average pooling of torch.nn.functional (lp_pool1d/2d/3d), composed as PyTorch
composes it, so the graph records the same steps: the average pooling of input ** p, times
the window's size, then sign(out) * relu(abs(out)) (which zeroes the gradient where the sum
is zero) to the power 1 / p. A norm of +inf or -inf is max pooling of abs(input) instead.
There is no padding, and no count_include_pad: each window's mean times its size is its sum,
except where ceil_mode lets a window hang over the end (its mean counts only what it covers,
and the product then scales it up to the full window size, as in PyTorch)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from conformance.reference.nn.activations import relu
from conformance.reference.nn.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from conformance.reference.nn.pooling3d import avg_pool3d, max_pool3d
from conformance.reference.ops import pointwise
from conformance.reference.tensor import Tensor

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]


def _sizes(kernel_size: Any, n: int) -> tuple:
    """torch.nn.modules.utils' _ntuple (an iterable, a string too, as a tuple; anything else
    repeated), unpacked into n sizes as PyTorch unpacks it (a ValueError if n do not come)."""
    sizes = tuple(kernel_size) if isinstance(kernel_size, Iterable) else (kernel_size,) * n
    if len(sizes) > n:
        raise ValueError(f"too many values to unpack (expected {n})")
    if len(sizes) < n:
        raise ValueError(f"not enough values to unpack (expected {n}, got {len(sizes)})")
    return sizes


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, window, max_pool, avg_pool):
    if isinstance(norm_type, int | float) and math.isinf(norm_type):
        if norm_type > 0:
            return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    size = math.prod(window)  # the window's size, multiplied out after the pooling
    return (pointwise.sign(out) * relu(pointwise.abs(out))).mul(size).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor,
    norm_type: float,
    kernel_size: int,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """(sum over each window of x ** p) ** (1 / p). The kernel size multiplies as given (an
    int), as in PyTorch."""
    return _lp_pool(
        input, norm_type, kernel_size, stride, ceil_mode, (kernel_size,), max_pool1d, avg_pool1d
    )


def lp_pool2d(
    input: Tensor,
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """As lp_pool1d, over windows of kernel_size (an int or a pair)."""
    window = _sizes(kernel_size, 2)
    return _lp_pool(
        input, norm_type, kernel_size, stride, ceil_mode, window, max_pool2d, avg_pool2d
    )


def lp_pool3d(
    input: Tensor,
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """As lp_pool1d, over windows of kernel_size (an int or a triple)."""
    window = _sizes(kernel_size, 3)
    return _lp_pool(
        input, norm_type, kernel_size, stride, ceil_mode, window, max_pool3d, avg_pool3d
    )
