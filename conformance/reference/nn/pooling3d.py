"""max_pool3d and avg_pool3d of torch.nn.functional, with PyTorch's checks, node names and
derivatives.

They pool with nn/pooling.py's code, which serves any number of spatial dims (the ops are
made per rank, for PyTorch's node names): max pooling finds each window's maximum (the first
of equal maxima, the last NaN) as a flat index into the input volume (D * H * W), then gathers
there; its derivative scatters the gradient back, and that scatter's derivative is the gather
again. Average pooling's derivative spreads each gradient evenly over its window, and that
spreading's derivative is the average pooling again. Both take (N, C, D, H, W) or an unbatched
(C, D, H, W). What stays here are the 3-D forms' argument checks, whose order and words
differ from the 2-D ones' as PyTorch's do.
"""

from __future__ import annotations

from typing import Any

from conformance.reference import dtypes
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.pooling import (
    _AVG_POOL_KINDS,
    _avg_pool_ops,
    _builtin,
    _check_output_size,
    _check_pad,
    _check_positive,
    _ints,
    _max_pool_ops,
    _max_pool_parse,
    _output_size,
    _pool_at_max,
)
from conformance.reference.tensor import Tensor

__all__ = ["max_pool3d", "avg_pool3d", "max_pool3d_with_indices"]


_max_pool3d, max_pool3d_backward = _max_pool_ops(3)
_avg_pool3d, avg_pool3d_backward = _avg_pool_ops(3)


# -- the functional forms, with PyTorch's checks ----------------------------------------------


def _triple(value: Any, message: str) -> tuple:
    """_ints for the 3-D pooling, with its message (the 2-D one's words differ)."""
    triple = _ints(value, 3)
    if triple is None:
        raise RuntimeError(message)
    return triple


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
        _check_pad(k, p, d)
        out.append(_output_size(n, k, s, p, d, bool(ceil_mode)) if min(k, s, d) > 0 else 1)
    return tuple(out)


def _shape_check(
    input, kernel, stride, padding, dilation, out, name, check_input_size=False
) -> None:
    """PyTorch's pool3d_shape_check, in its order."""
    _check_positive(kernel, stride, dilation)
    for i in range(input.ndim == 5, input.ndim):
        if input.shape[i] == 0:
            # PyTorch prints the dim's length (0) where it means to name the dim.
            raise RuntimeError(
                f"{name}: Expected input's non-batch dimensions to have positive length, but "
                f"input has a shape of {list(input.shape)} and non-batch dimension 0 has length "
                "zero!"
            )
    t, h, w = input.shape[-3:]
    if check_input_size and (t < kernel[0] or h < kernel[1] or w < kernel[2]):
        raise RuntimeError(
            f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {kernel[0]} "
            f"kH: {kernel[1]} kW: {kernel[2]})"
        )
    (kt, kh, kw), (pt, ph, pw) = kernel, padding
    if kt // 2 < pt or kw // 2 < pw or kh // 2 < ph:  # the kernel alone, whatever the dilation
        raise RuntimeError(
            "pad should be smaller than or equal to half of kernel size, but got "
            f"kT: {kt} kW: {kw} kH: {kh} padT: {pt} padW: {pw} padH: {ph}"
        )
    _check_output_size(input, out)


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
    kernel_size, stride, padding, dilation, ceil_mode = _max_pool_parse(
        "max_pool3d", return_indices, kernel_size, stride, padding, dilation, ceil_mode
    )
    kernel, stride, padding, dilation = _arguments(
        input, kernel_size, stride, padding, dilation, "max_pool3d", "either be "
    )
    out = _output_sizes(input, kernel, stride, padding, dilation, ceil_mode)
    _shape_check(
        input, kernel, stride, padding, dilation, out, "max_pool3d_with_indices_out_cpu_template()"
    )
    if input.dtype is dtypes.bool:
        raise NotImplementedError("\"max_pool3d\" not implemented for 'Bool'")
    return _pool_at_max(_max_pool3d, input, kernel, stride, padding, dilation, out, return_indices)


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple:
    """max_pool3d's (values, indices), whatever return_indices says (torch ignores it)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


@_builtin("avg_pool3d", **_AVG_POOL_KINDS)
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
    kernel, stride, padding, dilation = _arguments(
        input, kernel_size, stride, padding, 1, "avg_pool3d", "be "
    )
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    out = _output_sizes(input, kernel, stride, padding, dilation, ceil_mode)
    _shape_check(
        input, kernel, stride, padding, dilation, out, "avg_pool3d()", check_input_size=True
    )
    if input.dtype not in (dtypes.float32, dtypes.float64, dtypes.int64):
        raise NotImplementedError(
            f"\"avg_pool3d_out_frame\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    settings = (kernel, stride, padding, bool(ceil_mode), bool(count_include_pad))
    return _avg_pool3d(input, (*settings, divisor_override))
