"""Adaptive pooling of torch.nn.functional beyond nn/pooling.py's adaptive_avg_pool2d:
adaptive_max_pool1d/2d/3d (and their *_with_indices forms) and adaptive_avg_pool3d, with
PyTorch's checks and node names.

Output i along a dim reads the input window [floor(i * n / o), ceil((i + 1) * n / o)), as in
adaptive_avg_pool2d. Adaptive max pooling finds each window's maximum as max pooling does (the
first of equal maxima, the last NaN; PyTorch's `val > max || isnan(val)`) and is then a gather
at those indices, under its own node names; its derivative scatters the gradient back. One
code serves 2-D and 3-D. The 1-D form is the 2-D one over a height of one (the graph ends in
SqueezeBackward1), as in PyTorch. adaptive_avg_pool3d is nn/resampling.py's (F.interpolate's
mode="area" on 5-D input).
"""

from __future__ import annotations

import math
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
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "adaptive_avg_pool3d",
]


def _check_non_empty(input: Tensor, name: str, what: str = "input") -> None:
    """Every dim but the first must be non-empty (for an unbatched input, the channels are
    the first and may be empty)."""
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                f"{name}(): Expected {what} to have non-zero size for non-batch dimensions, but "
                f"{what} has sizes {list(input.shape)} with dimension {i} being empty"
            )


# -- adaptive max pooling ---------------------------------------------------------------------


def _adaptive_positions(shape: tuple, out: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(K, *out), K running over the offsets within the largest window (depth, then rows,
    then columns): the flat position (into H * W, or D * H * W) each offset meets in each
    output's window, and whether the offset falls inside that window."""
    rank = len(out)
    flat = np.zeros((1,) * 2 * rank, dtype=np.int64)
    inside = np.ones((1,) * 2 * rank, dtype=bool)
    widest = []
    for axis, (n, o) in enumerate(zip(shape, out, strict=True)):
        start, length = pooling._adaptive_windows(n, o)
        offset = np.arange(length.max(initial=0))[:, None]
        place = [1] * 2 * rank
        place[axis], place[axis + rank] = len(offset), o  # (offset, o) at (axis, axis + rank)
        pos = np.minimum(start[None, :] + offset, n - 1)
        flat = flat + pos.reshape(place) * math.prod(shape[axis + 1 :])
        inside = inside & (offset < length[None, :]).reshape(place)
        widest.append(len(offset))
    full = (*widest, *out)
    return (
        np.broadcast_to(flat, full).reshape(-1, *out),
        np.broadcast_to(inside, full).reshape(-1, *out),
    )


def _adaptive_max_indices(x: Any, out: tuple) -> Any:
    """Per window, the flat index (into H * W, or D * H * W) of its maximum: the first of
    equal maxima in the order the window is scanned, or its last NaN."""
    xp = array_namespace(x)
    x = opmath(x)
    rank = len(out)
    lead, spatial = x.shape[:-rank], x.shape[-rank:]
    if 0 in out:
        return xp.zeros((*lead, *out), dtype=np.int64)
    where, inside = _adaptive_positions(spatial, out)
    where, inside = xp.asarray(where), xp.asarray(inside)
    flat = x.reshape(*lead, math.prod(spatial))
    values = xp.where(inside, flat[..., where], -np.inf)  # (..., K, *out)
    top = values.max(axis=-rank - 1, keepdims=True)
    chosen = xp.argmax((values == top) & inside, axis=-rank - 1)
    nan = xp.isnan(values)
    reversed_nan = xp.flip(nan, axis=-rank - 1)
    last_nan = values.shape[-rank - 1] - 1 - xp.argmax(reversed_nan, axis=-rank - 1)
    chosen = xp.where(nan.any(axis=-rank - 1), last_nan, chosen)
    where = xp.broadcast_to(where, values.shape)
    taken = xp.take_along_axis(where, xp.expand_dims(chosen, -rank - 1), axis=-rank - 1)
    return taken.reshape(*lead, *out)


def _adaptive_max_pool_ops(rank: int) -> tuple:
    """The gather at the max indices and its derivative, for `rank` spatial dims: max
    pooling's (nn/pooling.py's _max_pool_ops), under adaptive pooling's node names."""
    gather, scatter = pooling._max_pool_ops(rank)
    name = f"adaptive_max_pool{rank}d_backward"

    @op(
        f"AdaptiveMaxPool{rank}DBackward0",
        self=lambda grad, self, indices, F: formula_op(F, adaptive_max_pool_backward)(
            grad, self, indices
        ),
    )
    def adaptive_max_pool(self, indices):
        """The elements the indices point at: each window's maximum."""
        return gather.forward(self, indices)

    @op(
        f"AdaptiveMaxPool{rank}DBackwardBackward0",
        grad_output=lambda grad, indices, F: formula_op(F, adaptive_max_pool)(grad, indices),
        self=lambda grad, F: F.zeros_like(grad),
    )
    def adaptive_max_pool_backward(grad_output, self, indices):
        """Each window's gradient added to the element that was its maximum (windows may
        share one). As in PyTorch, the pooled input is an input (for its shape) with a zero
        derivative, and an empty output dim (which the forward allows) is refused here."""
        _check_non_empty(grad_output, name, "grad_output")
        return scatter.forward(grad_output, self, indices)

    return adaptive_max_pool, adaptive_max_pool_backward


_adaptive_max_pool2d, adaptive_max_pool2d_backward = _adaptive_max_pool_ops(2)
_adaptive_max_pool3d, adaptive_max_pool3d_backward = _adaptive_max_pool_ops(3)

# Per rank: the op, and the name of the CPU kernel that refuses a non-floating input.
_ADAPTIVE_MAX_POOLS = {
    2: (_adaptive_max_pool2d, "adaptive_max_pool2d"),
    3: (_adaptive_max_pool3d, "adaptive_max_pool3d_cpu"),
}


def _adaptive_max_pool(input: Tensor, output_size: Any, rank: int) -> tuple[Tensor, Tensor]:
    """The 2-D and 3-D adaptive max pools, with PyTorch's checks in its order: the output
    size (its Nones filled in, then parsed), the input's rank and empty dims, the output
    size's length, a negative output size (when the output is made), the dtype."""
    name = f"adaptive_max_pool{rank}d"
    out = pooling._adaptive_output_size(name, input, output_size, rank)
    if input.ndim not in (rank + 1, rank + 2):
        raise RuntimeError(
            f"{name}(): Expected {rank + 1}D or {rank + 2}D tensor, but got: {list(input.shape)}"
        )
    _check_non_empty(input, name)
    if len(out) != rank:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {rank}")
    if min(out) < 0:
        raise RuntimeError(
            "Trying to create tensor with negative dimension "
            f"{min(out)}: {[*input.shape[:-rank], *out]}"
        )
    pool, kernel = _ADAPTIVE_MAX_POOLS[rank]
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    indices = Tensor._wrap(_adaptive_max_indices(input._data, out), dtypes.int64, input.device)
    return pool(input, indices), indices


def adaptive_max_pool2d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """The maximum of each adaptive window of (N, C, H, W) or (C, H, W), and where it was: a
    flat index into each input plane (H * W), int64. None in output_size keeps that dim."""
    return _adaptive_max_pool(input, output_size, 2)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a given output size (see adaptive_max_pool2d_with_indices)."""
    values, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (values, indices) if return_indices else values


def adaptive_max_pool3d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """The maximum of each adaptive window of (N, C, D, H, W) or (C, D, H, W), and where it
    was: a flat index into each input volume (D * H * W), int64. None in output_size keeps
    that dim."""
    return _adaptive_max_pool(input, output_size, 3)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a given output size (see adaptive_max_pool3d_with_indices)."""
    values, indices = adaptive_max_pool3d_with_indices(input, output_size)
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
