"""Adaptive pooling of torch.nn.functional beyond nn/pooling.py's adaptive_avg_pool2d:
adaptive_max_pool1d/2d (and their *_with_indices forms) and adaptive_avg_pool3d, with
PyTorch's checks and node names.

Output i along a dim reads the input window [floor(i * n / o), ceil((i + 1) * n / o)), as in
adaptive_avg_pool2d. Adaptive max pooling finds each window's maximum as max pooling does (the
first of equal maxima, the last NaN; PyTorch's `val > max || isnan(val)`) and is then a gather
at those indices, under its own node names; its derivative scatters the gradient back. The
1-D form is the 2-D one over a height of one (the graph ends in SqueezeBackward1), as in
PyTorch. adaptive_avg_pool3d is nn/resampling.py's (F.interpolate's mode="area" on 5-D input).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn import pooling, resampling
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.pointwise_common import opmath
from conformance.reference.tensor import Tensor

__all__ = [
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_avg_pool3d",
]


def _check_non_empty(input: Tensor, name: str) -> None:
    """Every dim but the first must be non-empty (for an unbatched input, the channels are
    the first and may be empty)."""
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {i} being empty"
            )


# -- adaptive max pooling ---------------------------------------------------------------------


def _adaptive_max_indices(x: Any, out: tuple) -> Any:
    """Per window, the flat index (into H * W) of its maximum, scanning the window row by row."""
    xp = array_namespace(x)
    x = opmath(x)
    lead, (height, width) = x.shape[:-2], x.shape[-2:]
    taps, _, _ = pooling._adaptive_taps((height, width), out)
    if not taps or 0 in out:
        return xp.zeros((*lead, *out), dtype=np.int64)
    rows = x.reshape(*lead, height * width)
    where = xp.asarray(np.stack([w for w, _ in taps]))  # (K, oH, oW)
    inside = xp.asarray(np.stack([i for _, i in taps]))
    values = xp.where(inside, rows[..., where], -np.inf)  # (..., K, oH, oW)
    top = values.max(axis=-3, keepdims=True)
    chosen = xp.argmax((values == top) & inside, axis=-3)
    nan = xp.isnan(values)
    last_nan = values.shape[-3] - 1 - xp.argmax(nan[..., ::-1, :, :], axis=-3)
    chosen = xp.where(nan.any(axis=-3), last_nan, chosen)
    flat = xp.broadcast_to(where, values.shape)
    return xp.take_along_axis(flat, chosen[..., None, :, :], axis=-3)[..., 0, :, :]


@op(
    "AdaptiveMaxPool2DBackward0",
    self=lambda grad, self, indices, F: formula_op(F, adaptive_max_pool2d_backward)(
        grad, self, indices
    ),
)
def _adaptive_max_pool2d(self, indices):
    """The elements the indices point at: each window's maximum."""
    return pooling._max_pool2d.forward(self, indices)


@op(
    "AdaptiveMaxPool2DBackwardBackward0",
    grad_output=lambda grad, indices, F: formula_op(F, _adaptive_max_pool2d)(grad, indices),
    self=lambda grad, F: F.zeros_like(grad),
)
def adaptive_max_pool2d_backward(grad_output, self, indices):
    """Each window's gradient added to the element that was its maximum (windows may share
    one). As in PyTorch, the pooled input is an input (for its shape) with a zero derivative."""
    return pooling.max_pool2d_backward.forward(grad_output, self, indices)


def adaptive_max_pool2d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """The maximum of each adaptive window, and where it was: a flat index into each input
    plane (H * W), int64."""
    out = pooling._adaptive_output_size("adaptive_max_pool2d", input, output_size, 2)
    if len(out) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: {list(input.shape)}"
        )
    _check_non_empty(input, "adaptive_max_pool2d")
    if min(out) < 0:
        raise RuntimeError(
            "Trying to create tensor with negative dimension "
            f"{min(out)}: {[*input.shape[:-2], *out]}"
        )
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"adaptive_max_pool2d\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    indices = Tensor._wrap(_adaptive_max_indices(input._data, out), dtypes.int64, input.device)
    return _adaptive_max_pool2d(input, indices), indices


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a given output size (see adaptive_max_pool2d_with_indices)."""
    values, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (values, indices) if return_indices else values


def adaptive_max_pool1d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """adaptive_max_pool2d over a height of one; its checks are its own."""
    (output_size,) = pooling._parse_positional(
        "adaptive_max_pool1d", {"output_size": "int[]"}, output_size
    )
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument "
            "#1 'self' (while checking arguments for adaptive_max_pool1d)"
        )
    _check_non_empty(input, "adaptive_max_pool1d")
    sizes = _one_int(output_size, "adaptive_max_pool1d")
    result = adaptive_max_pool2d_with_indices(input.unsqueeze(-2), (1, sizes))
    values, indices = (r.squeeze(-2) for r in result)
    return values, indices


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a given output length (see adaptive_max_pool1d_with_indices)."""
    values, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (values, indices) if return_indices else values


def _one_int(output_size: Any, name: str) -> int:
    """An int, or a sequence of exactly one (already parsed), as ATen's IntArrayRef[1]
    takes it."""
    if isinstance(output_size, int):
        return output_size
    if len(output_size) != 1:
        raise RuntimeError(
            f"{name}() argument 'output_size' should contain one int (got {len(output_size)})"
        )
    return output_size[0]


# -- adaptive average pooling in 3-D ----------------------------------------------------------


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to a given output size; None keeps
    a dim's size. A 1 x 1 x 1 output is a mean, as in PyTorch (MeanBackward1)."""
    out = pooling._adaptive_output_size("adaptive_avg_pool3d", input, output_size, 3)
    if len(out) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if min(out) < 0:
        d, h, w = out
        raise RuntimeError(
            "adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 "
            f"but received {{{d}, {h},{w}}}"
        )
    if input.ndim not in (4, 5):
        raise RuntimeError(
            f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {list(input.shape)}"
        )
    _check_non_empty(input, "adaptive_avg_pool3d")
    if out == (1, 1, 1):  # a mean, with mean's dtype checks
        return input.mean((-1, -2, -3), keepdim=True)
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"adaptive_avg_pool3d_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return resampling._adaptive_avg_pool3d(input, ("area", out, False, (None,) * 3))
