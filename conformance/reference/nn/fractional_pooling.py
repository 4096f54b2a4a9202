"""fractional_max_pool2d and fractional_max_pool3d of torch.nn.functional, with PyTorch's checks
and node names.

Fractional max pooling takes the maximum over windows of kernel_size whose starts are spread
pseudo-randomly over the input: along an axis of n inputs pooled to m outputs with a window of
k, with alpha = (n - k) / (m - 1) and one sample u in [0, 1) per (batch, channel, axis), output
i starts at int((i + u) * alpha) - int(u * alpha), and the last at n - k (ATen's
generate_intervals, every step in the input's dtype, rounded there for float16 and bfloat16).
The samples are `_random_samples` (N, C, rank): drawn with torch.rand when not given, so only
given samples make the values deterministic. Along a 2-D input sample 0
is the width's and sample 1 the height's; along a 3-D input they are depth, height, width.

Within a window the first largest value wins, except that a nan wins over anything, the last
nan over an earlier one (ATen's `val > max || isnan(val)`). The indices are flat into each
input plane (H * W, or D * H * W). The derivative adds each gradient at its index
(FractionalMaxPool2DBackward0, ...); that backward is an op of its own, whose derivative
gathers the gradient back (FractionalMaxPool2DBackwardBackward0, ...).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.unpooling import _gather_back
from conformance.reference.ops.creation import rand
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.indexing import _add_at
from conformance.reference.tensor import Tensor

__all__ = [
    "fractional_max_pool2d",
    "fractional_max_pool3d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d_with_indices",
]


def _starts(samples: Any, n: int, m: int, k: int) -> Any:
    """The window starts (..., m) along one axis, for samples (...,), each step in the
    samples' dtype (c10's Half and BFloat16 round every operation, int + Half included)."""
    xp = array_namespace(samples)
    real = samples.dtype.type
    starts = xp.zeros((*samples.shape, m), dtype=np.int64)
    if m > 1:
        alpha = xp.asarray(real(n - k)) / xp.asarray(real(m - 1))
        i = xp.arange(m - 1).astype(samples.dtype)
        first = xp.trunc((i + samples[..., None]) * alpha).astype(np.int64)
        starts[..., : m - 1] = first - xp.trunc(samples * alpha).astype(np.int64)[..., None]
    if m > 0:
        starts[..., m - 1] = n - k
    return starts


def _indices(input: Any, samples: Any, kernel: tuple, output_size: tuple) -> Any:
    """Each window's winner, flat into its plane: (N, C, *output_size), for (N, C, *spatial)
    input and samples (N', C, rank)."""
    xp = array_namespace(input)
    rank = len(kernel)
    n, c = input.shape[:2]
    spatial = input.shape[2:]
    # Sample j along axis rank - 1 - j in 2-D (width first), along axis j in 3-D.
    axis_sample = [1, 0] if rank == 2 else [0, 1, 2]
    starts = [
        _starts(samples[:n, :, axis_sample[d]], spatial[d], output_size[d], kernel[d])
        for d in range(rank)
    ]
    strides = [math.prod(spatial[d + 1 :]) for d in range(rank)]
    # Flat positions (N, C, *out, *window): start + offset along each axis. An empty window
    # (a kernel of 0) keeps its start, as ATen's kernel does.
    window = math.prod(kernel)
    flat = xp.zeros((n, c, *output_size, *[max(k, 1) for k in kernel]), dtype=np.int64)
    for d in range(rank):
        shape = [n, c] + [1] * (2 * rank)
        shape[2 + d] = output_size[d]
        offset = [1] * (2 + 2 * rank)
        offset[2 + rank + d] = max(kernel[d], 1)
        position = starts[d].reshape(shape) + xp.arange(max(kernel[d], 1)).reshape(offset)
        flat = flat + position * strides[d]
    flat = flat.reshape(n, c, math.prod(output_size), max(window, 1))
    if window == 0:
        return flat[..., 0].reshape(n, c, *output_size)
    planes = input.reshape(n, c, math.prod(spatial))
    taken = xp.take_along_axis(planes, flat.reshape(n, c, -1), axis=2).reshape(flat.shape)
    nan = xp.isnan(taken)
    last_nan = window - 1 - xp.argmax(nan[..., ::-1], axis=-1)
    best = xp.where(nan.any(axis=-1), last_nan, xp.argmax(taken, axis=-1))
    index = xp.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
    return index.reshape(n, c, *output_size)


def _declare(rank: int) -> Any:
    """The gather at the indices (FractionalMaxPool<rank>DBackward0) and its backward."""

    @op(
        f"FractionalMaxPool{rank}DBackwardBackward0",
        grad_output=lambda grad, indices, indices_shape, F: _gather_back(
            grad, indices, indices_shape, rank, F
        ),
        self=lambda grad, self_shape, F: F.zeros(self_shape, grad),
    )
    def backward(grad_output, self, indices):
        """The gradient added at each index of its (batch, channel) plane."""
        xp = array_namespace(grad_output)
        planes = math.prod(self.shape[:-rank])
        count = math.prod(indices.shape[-rank:])
        out = xp.zeros((planes, math.prod(self.shape[-rank:])), dtype=grad_output.dtype)
        rows = xp.broadcast_to(xp.arange(planes)[:, None], (planes, count))
        _add_at(out, (rows, indices.reshape(planes, count)), grad_output.reshape(planes, count))
        return out.reshape(self.shape)

    @op(
        f"FractionalMaxPool{rank}DBackward0",
        self=lambda grad, self, indices, F: formula_op(F, backward)(grad, self, indices),
    )
    def values(self, indices, empty_window):
        """The elements the indices point at (-inf for empty windows)."""
        xp = array_namespace(self)
        if empty_window:
            return xp.full(indices.shape, -np.inf, dtype=self.dtype)
        planes = math.prod(self.shape[:-rank])
        count = math.prod(indices.shape[-rank:])
        flat = self.reshape(planes, math.prod(self.shape[-rank:]))
        taken = xp.take_along_axis(flat, indices.reshape(planes, count), axis=1)
        return taken.reshape(indices.shape)

    return values


_OPS = {2: _declare(2), 3: _declare(3)}


def _ntuple(value: Any, n: int) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,) * n


def _check(input: Tensor, kernel: tuple, output_size: tuple, samples: Tensor) -> None:
    """ATen's checks, in its order: the meta function's, then the samples', then the dtype."""
    rank = len(kernel)
    name = "fractional_max_pool2d" if rank == 2 else "fractional_max_pool3d_out"
    if len(kernel) != rank or len(output_size) != rank:
        which = "kernel_size" if len(kernel) != rank else "output_size"
        raise RuntimeError(
            f"fractional_max_pool{rank}d: {which} must either be a single Int or tuple of Ints"
        )
    if input.ndim not in (rank + 1, rank + 2):
        raise RuntimeError(
            f"{name}(): Expected {rank + 1}D or {rank + 2}D tensor, but got: {list(input.shape)}"
        )
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"got{list(input.shape)} with dimension {i} being empty."
            )
    words = ["time", "height", "width"][3 - rank :]
    # ATen's 3-D meta function checks the width before the height.
    for d in (0, 1) if rank == 2 else (0, 2, 1):
        size = input.shape[input.ndim - rank + d]
        # The 3-D check is strict: there the last window may not end at the input's end.
        reach = output_size[d] + kernel[d] - 1
        if reach > size or (rank == 3 and reach == size):
            raise RuntimeError(
                f"{name}(): pool {words[d]} {kernel[d]} too large relative to input "
                f"{words[d]} {size}"
            )
    if samples.dtype is not input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    batch = 1 if input.ndim == rank + 1 else input.shape[0]
    channels = input.shape[-rank - 1]
    if samples.shape[0] < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != channels:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != rank:
        raise RuntimeError(
            f"Expect _random_samples.size(2) equals to {rank}; got {samples.shape[2]}."
        )
    empty = math.prod(input.shape[:-rank]) * math.prod(output_size) == 0
    if not empty and input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f'"fractional_max_pool{rank}d_out_frame" not implemented for '
            f"'{scalar_type_name(input.dtype)}'"
        )


def _fractional(rank, input, kernel_size, output_size, output_ratio, samples) -> tuple:
    """torch.nn.functional's wrapper: output_size from output_ratio (2-D takes len() of it
    first, so a bare float fails there as torch's does), samples drawn when not given."""
    name = f"fractional_max_pool{rank}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if rank == 2 and len(output_ratio) > 2:
            raise ValueError(
                f"{name} requires output_ratio to either be a single Int or tuple of Ints."
            )
        ratio = _ntuple(output_ratio, rank)
        output_size = [int(input.size(d - rank) * ratio[d]) for d in range(rank)]
    if samples is None:
        batch = 1 if input.dim() == rank + 1 else input.size(0)
        samples = rand(batch, input.size(-rank - 1), rank, dtype=input.dtype, device=input.device)
    kernel, output_size = _ntuple(kernel_size, rank), _ntuple(output_size, rank)
    _check(input, kernel, output_size, samples)
    batched = input._data if input.ndim == rank + 2 else input._data[None]
    indices = _indices(batched, samples._data, kernel, output_size)
    if input.ndim == rank + 1:
        indices = indices[0]
    indices = Tensor._wrap(indices, dtypes.int64, input.device)
    return _OPS[rank](input, indices, math.prod(kernel) == 0), indices


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple:
    return _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple:
    return _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """The values, and with return_indices the flat indices too (see the module docstring)."""
    result = _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)
    return result if return_indices else result[0]


def fractional_max_pool3d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    result = _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return result if return_indices else result[0]
