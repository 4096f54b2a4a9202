"""max_unpool1d, max_unpool2d and max_unpool3d of torch.nn.functional: max pooling's partial
inverse, with PyTorch's output-size rules, checks and node names.

Each input element is written into a zero output volume at the flat index (into oH * oW, or
oD * oH * oW) that max pooling returned for it. Where two elements name one index, which one
stays is unspecified (PyTorch's CPU kernel gives either, from one run to the next); here the
later one. The derivative reads the gradient back at those indices, as PyTorch's
max_pool_double_backward does: a gather over the flattened volumes, then a view. The 1-D form
is the 2-D one over a width of one (its graph ends in SqueezeBackward1); 2-D and 3-D are one
op each (MaxUnpool2DBackward0, MaxUnpool3DBackward0) over the same code, by rank.
"""

from __future__ import annotations

import math
from typing import Any

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import gathering
from conformance.reference.ops.define import formula_op, op
from conformance.reference.tensor import Tensor

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _gather_back(grad: Any, indices: Any, indices_shape: tuple, rank: int, F: Any) -> Any:
    """grad.flatten(-rank).gather(-1, indices.flatten(-rank)).view(indices.shape)."""
    flat_grad = F.reshape(grad, (*grad.shape[:-rank], math.prod(grad.shape[-rank:])))
    flat_indices = F.reshape(indices, (*indices_shape[:-rank], math.prod(indices_shape[-rank:])))
    taken = formula_op(F, gathering.gather_values)(
        flat_grad, len(indices_shape) - rank, flat_indices
    )
    return F.reshape(taken, tuple(indices_shape))


def _unpool(self: Any, indices: Any, output_size: tuple) -> Any:
    """Scatter each (batch, channel) volume's elements to their flat indices."""
    rank = len(output_size)
    xp = array_namespace(self)
    lead = math.prod(self.shape[:-rank])
    out = xp.zeros((lead, math.prod(output_size)), dtype=self.dtype)
    rows = xp.arange(lead)[:, None]
    volume = math.prod(self.shape[-rank:])
    out[rows, indices.reshape(lead, volume)] = self.reshape(lead, volume)
    return out.reshape(*self.shape[:-rank], *output_size)


@op(
    "MaxUnpool2DBackward0",
    self=lambda grad, indices, indices_shape, F: _gather_back(grad, indices, indices_shape, 2, F),
)
def _max_unpool2d(self, indices, output_size):
    return _unpool(self, indices, output_size)


@op(
    "MaxUnpool3DBackward0",
    self=lambda grad, indices, indices_shape, F: _gather_back(grad, indices, indices_shape, 3, F),
)
def _max_unpool3d(self, indices, output_size):
    return _unpool(self, indices, output_size)


def _unpool_output_size(input, kernel, stride, padding, output_size) -> list:
    """torch.nn.functional's: (n - 1) * stride + kernel - 2 * padding per dim, or the
    output_size given (its last len(kernel) elements), which must lie strictly within one
    stride of that."""
    n = len(kernel)
    default = [(input.shape[-n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        result = default
    else:
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise ValueError(
                f"output_size should be a sequence containing {n} or {n + 2} elements, but it "
                f"has a length of '{len(output_size)}'"
            )
        for d in range(n):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < output_size[d] < high:
                raise ValueError(
                    f'invalid output_size "{output_size}" (dim {d} must be between {low} and '
                    f"{high})"
                )
        result = output_size
    for d in range(n):
        if result[d] < 0:
            raise ValueError(
                "max_unpooling: output_size must contain non-negative spatial dimensions, but "
                f"got output_size[{d}]={result[d]}"
            )
    return result


def _check(input: Tensor, indices: Tensor, output_size: tuple, rank: int, stride=()) -> None:
    """ATen's max_unpooling2d/3d_forward_out_cpu checks, in its order (the 3-D one also checks
    the sizes of output_size and the stride, which the 2-D one does not take)."""
    three = rank == 3
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(
            "elements in indices should be type int64"
            + ("" if three else f" but got: {scalar_type_name(indices.dtype)}")
        )
    if input.ndim not in (rank + 1, rank + 2):
        raise RuntimeError(
            f"Input to max_unpooling{rank}d should be a {rank + 1}d or {rank + 2}d Tensor, but "
            f"got a tensor with {input.ndim} dimensions."
        )
    if three and len(output_size) != 3:
        raise RuntimeError(
            "There should be exactly three elements (depth, height, width) in output_size, but "
            f"got {len(output_size)} elements."
        )
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(
            "Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                f"max_unpooling{rank}d_forward_out_cpu(): Expected input to have non-zero size "
                f"for non-batch dimensions, but got {list(input.shape)} with dimension {i} being "
                "empty."
            )
    if three and not all(s > 0 for s in stride):
        raise RuntimeError(f"strides should be greater than zero, but got stride: {list(stride)}")
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"max_unpool{rank}d\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    flat = indices._data
    bad = (flat < 0) | (flat >= math.prod(output_size))
    if bool(bad.any()):
        # PyTorch's kernel keeps the last invalid index it meets (threads may meet them in
        # another order).
        last = int(flat[bad].reshape(-1)[-1])
        sizes = "x".join(str(n) for n in output_size)
        raise RuntimeError(
            f"Found an invalid max index: {last} (output volumes are of size {sizes})"
        )


def _ntuple(value: Any, n: int) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,) * n


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Each element of input placed at its index in a zero (oH, oW) plane; the output size is
    the pooling's input size that the settings imply, unless output_size says which of the
    sizes that pool to the same shape it was."""
    kernel = _ntuple(kernel_size, 2)
    stride = kernel if stride is None else _ntuple(stride, 2)
    out = _unpool_output_size(input, kernel, stride, _ntuple(padding, 2), output_size)
    _check(input, indices, tuple(out), 2)
    return _max_unpool2d(input, indices, tuple(out))


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """max_unpool2d over a width of one."""
    kernel = _ntuple(kernel_size, 1)
    stride = kernel if stride is None else _ntuple(stride, 1)
    out = _unpool_output_size(input, kernel, stride, _ntuple(padding, 1), output_size)
    out = (*out, 1)
    x, i = input.unsqueeze(-1), indices.unsqueeze(-1)
    _check(x, i, out, 2)
    return _max_unpool2d(x, i, out).squeeze(-1)


def max_unpool3d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """max_unpool2d over (oD, oH, oW) volumes; ATen also checks the stride here."""
    kernel = _ntuple(kernel_size, 3)
    stride = kernel if stride is None else _ntuple(stride, 3)
    out = _unpool_output_size(input, kernel, stride, _ntuple(padding, 3), output_size)
    _check(input, indices, tuple(out), 3, tuple(stride))
    return _max_unpool3d(input, indices, tuple(out))
