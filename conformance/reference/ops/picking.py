"""Picking elements: take (from the flattened input), take_along_dim (gather with NumPy's
take_along_axis semantics) and masked_select (where a mask is True, as a vector). take and
masked_select have nodes of their own (TakeBackward0, MaskedSelectBackward0), declared here
with their gradients; take_along_dim records gathering.py's GatherBackward0.

gather and _broadcast_shapes come from gathering.py, _add_at and _type_name from indexing.py.
index_writes.py runs take_values and masked_select_values in the gradients of put and
masked_scatter.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import define, gathering, indexing, shape
from conformance.reference.ops.define import op
from conformance.reference.ops.indexing import _type_name
from conformance.reference.tensor import Tensor

__all__ = ["take", "take_along_dim", "masked_select"]

_run = define.formula_op


@op(
    "TakeBackward0",
    self=lambda grad, self_shape, index, F: _run(F, take_backward)(grad, self_shape, index),
)
def take_values(self, index):
    """The flattened input at `index` (negative indices count from the end)."""
    flat = self.reshape(-1)
    return flat[array_namespace(flat).where(index < 0, index + flat.size, index)]


@op(
    "PutBackward0",
    grad=lambda grad, index, F: _run(F, take_values)(grad, index),
)
def take_backward(grad, input_shape, index):
    """The gradient of take: each picked element's gradient added back where it came from."""
    xp = array_namespace(grad)
    out = xp.zeros(math.prod(input_shape), grad.dtype)
    indexing._add_at(
        out, xp.where(index < 0, index + out.size, index).reshape(-1), grad.reshape(-1)
    )
    return out.reshape(input_shape)


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened input, in index's shape. Out-of-range indices are an
    IndexError, worded apart for an empty input."""
    return _take(input, index, 2)


def _take_method(self: Tensor, index: Tensor) -> Tensor:
    """x.take(index): PyTorch counts the arguments from index here."""
    return _take(self, index, 1)


def _take(input: Tensor, index: Tensor, position: int) -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(
            f"take(): argument 'index' (position {position}) must be Tensor, not "
            f"{_type_name(index)}"
        )
    if index._dtype is not dtypes.int64:
        raise RuntimeError(
            f"take(): Expected a long tensor for index, but got {scalar_type_name(index._dtype)}"
        )
    n = input.numel()
    data = index._data
    if data.size:
        if n == 0:
            raise IndexError("take(): tried to take from an empty tensor")
        bad = (data < -n) | (data >= n)
        if bad.any():
            raise IndexError(
                f"out of range: tried to access index {int(data[bad].reshape(-1)[0])} on a "
                f"tensor of {n} elements."
            )
    return take_values(input, index)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """gather with NumPy's take_along_axis semantics. Without dim, gather from the flattened
    input. With dim, input and indices broadcast against each other everywhere but `dim`
    (input through broadcast_to, so an ExpandBackward0 lies under the GatherBackward0), and
    PyTorch 2.13 takes indices modulo the dimension's size: -1 is the last element, and so,
    silently, is size - 1 + size."""
    define.check_same_device([input, indices])
    if dim is None:
        return gathering.gather(shape.reshape(input, -1), 0, shape.reshape(indices, -1))
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices"
        )
    if indices._dtype is not dtypes.int64:
        raise RuntimeError(
            "torch.take_along_dim(): dtype of indices should be Long but got "
            f"{scalar_type_name(indices._dtype)}"
        )
    dim = shape.existing_dim(dim, input.ndim)
    wanted = list(input.shape)
    wanted[dim] = indices.shape[dim]
    index_shape = gathering._broadcast_shapes(tuple(wanted), tuple(indices.shape))
    wanted = list(indices.shape)
    wanted[dim] = input.shape[dim]
    input_shape = gathering._broadcast_shapes(tuple(wanted), tuple(input.shape))
    data = array_namespace(indices._data).broadcast_to(indices._data, index_shape)
    size = input.shape[dim]
    if size:
        data = data % size
    picked = Tensor._wrap(data, dtypes.int64, indices._device)
    return gathering.gather(shape.expand_shape(input, input_shape), dim, picked)


def _masked_shape(input_shape: tuple, mask_shape: tuple) -> tuple:
    return tuple(np.broadcast_shapes(tuple(input_shape), tuple(mask_shape)))


@op(
    "MaskedSelectBackward0",
    self=lambda grad, self_shape, mask, F: _run(F, masked_select_backward)(grad, mask, self_shape),
)
def masked_select_values(self, mask):
    """The elements where the mask (broadcast with the input) is True, as a vector."""
    xp = array_namespace(self)
    sizes = _masked_shape(self.shape, mask.shape)
    return xp.broadcast_to(self, sizes)[xp.broadcast_to(mask, sizes)]


@op(
    "MaskedScatterBackward0",
    grad=lambda grad, mask, F: _run(F, masked_select_values)(grad, mask),
)
def masked_select_backward(grad, mask, input_shape):
    """The gradient of masked_select: zeros of the broadcast shape with `grad` where the mask
    is True (the engine then sums it down to the input's shape)."""
    xp = array_namespace(grad)
    sizes = _masked_shape(input_shape, mask.shape)
    out = xp.zeros(sizes, grad.dtype)
    out[xp.broadcast_to(mask, sizes)] = grad
    return out


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    if mask._dtype is not dtypes.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    gathering._broadcast_shapes(tuple(mask.shape), tuple(input.shape))
    return masked_select_values(input, mask)


TENSOR_METHODS: dict = {
    "take": _take_method,
    "take_along_dim": take_along_dim,
    "masked_select": masked_select,
}
