"""max_unpool1d and max_unpool2d of torch.nn.functional: max pooling's partial inverse, with
PyTorch's output-size rules, checks and node names.

Each input element is written into a zero output plane at the flat index (into oH * oW) that
max pooling returned for it. Where two elements name one index, which one stays is unspecified
(PyTorch's CPU kernel gives either, from one run to the next); here the later one. The
derivative reads the gradient back at those indices, as PyTorch's max_pool_double_backward
does: a gather over the flattened planes, then a view. The 1-D form is the 2-D one over a
width of one (its graph ends in SqueezeBackward1).
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

__all__ = ["max_unpool1d", "max_unpool2d"]


def _gather_back(grad: Any, indices: Any, indices_shape: tuple, F: Any) -> Any:
    """grad.flatten(-2).gather(-1, indices.flatten(-2)).view(indices.shape)."""
    flat_grad = F.reshape(grad, (*grad.shape[:-2], grad.shape[-2] * grad.shape[-1]))
    flat_indices = F.reshape(indices, (*indices_shape[:-2], math.prod(indices_shape[-2:])))
    taken = formula_op(F, gathering.gather_values)(flat_grad, len(indices_shape) - 2, flat_indices)
    return F.reshape(taken, tuple(indices_shape))


@op(
    "MaxUnpool2DBackward0",
    self=lambda grad, indices, indices_shape, F: _gather_back(grad, indices, indices_shape, F),
)
def _max_unpool2d(self, indices, output_size):
    xp = array_namespace(self)
    lead = math.prod(self.shape[:-2])
    out = xp.zeros((lead, output_size[0] * output_size[1]), dtype=self.dtype)
    rows = xp.arange(lead)[:, None]
    plane = self.shape[-2] * self.shape[-1]
    out[rows, indices.reshape(lead, plane)] = self.reshape(lead, plane)
    return out.reshape(*self.shape[:-2], *output_size)


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


def _check(input: Tensor, indices: Tensor, output_size: tuple) -> None:
    """ATen's max_unpooling2d_forward_out_cpu checks, in its order."""
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(
            f"elements in indices should be type int64 but got: {scalar_type_name(indices.dtype)}"
        )
    if input.ndim not in (3, 4):
        raise RuntimeError(
            "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with "
            f"{input.ndim} dimensions."
        )
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(
            "Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                "max_unpooling2d_forward_out_cpu(): Expected input to have non-zero size for "
                f"non-batch dimensions, but got {list(input.shape)} with dimension {i} being "
                "empty."
            )
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"max_unpool2d\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    height, width = output_size
    flat = indices._data
    bad = (flat < 0) | (flat >= height * width)
    if bool(bad.any()):
        # PyTorch's kernel keeps the last invalid index it meets (threads may meet them in
        # another order).
        last = int(flat[bad].reshape(-1)[-1])
        raise RuntimeError(
            f"Found an invalid max index: {last} (output volumes are of size {height}x{width})"
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
    _check(input, indices, tuple(out))
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
    _check(x, i, out)
    return _max_unpool2d(x, i, out).squeeze(-1)
