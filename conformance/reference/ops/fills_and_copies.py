"""Writing values: the out-of-place halves of fill_, zero_, copy_ and to, which the in-place
methods (methods.py) and indexing (indexing.py) write back into their target.
"""

from __future__ import annotations

import numpy as np

from conformance.reference.devices import array_namespace, move_array
from conformance.reference.ops import scalar_conversion
from conformance.reference.ops.argument_errors import invalid_arguments
from conformance.reference.ops.define import op
from conformance.reference.ops.shape import copy_with_strides
from conformance.reference.tensor import Tensor


def _filled(self, value):
    """A tensor like self, filled with `value` (a number or a zero-dimensional tensor)."""
    return array_namespace(self).full(self.shape, value, self.dtype)


def _zeros(grad, F):
    return F.zeros_like(grad)


def _all_of(grad, F):
    """A tensor value spread over every element gets the sum of their gradients."""
    return F.sum(grad)


# PyTorch names four nodes: torch.fill with a number or a tensor, and the in-place fill_
# with either. A tensor value gets a gradient; the filled tensor, zeros.
fill_like = op("FillBackward0", self=_zeros)(_filled)
fill_like_tensor = op("FillBackward1", self=_zeros, value=_all_of)(_filled)
fill_in_place = op("FillBackward2", self=_zeros)(_filled)
fill_in_place_tensor = op("FillBackward3", self=_zeros, value=_all_of)(_filled)
zero_in_place = op("ZeroBackward0", self=_zeros)(lambda self: _filled(self, 0))


def filled(self, value, number_op, tensor_op):
    """self filled with `value`: a zero-dimensional tensor, or a number checked against
    self's dtype as PyTorch checks it (300 does not fit uint8)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions."
            )
        return tensor_op(self, value)
    if not isinstance(value, bool | int | float | complex | np.generic):
        raise invalid_arguments(
            "fill", ("Tensor input, Tensor value", "Tensor input, Number value"), (self, value)
        )
    checked = scalar_conversion.scalar(value, self._dtype, half_as_double=True, unsigned_64=True)
    return number_op(self, checked[()])


def fill(input, value):  # noqa: A002
    """torch.fill: a new tensor like input, filled (FillBackward0, or FillBackward1 with a
    tensor value)."""
    return filled(input, value, fill_like, fill_like_tensor)


@op(
    "CopyBackwards",
    self=lambda grad, F: F.zeros_like(grad),
    src=lambda grad: grad,
)
def copy_from(self, src):
    """What self.copy_(src) writes: src broadcast to self's shape, in self's dtype."""
    return array_namespace(self).broadcast_to(src, self.shape).astype(self.dtype)


# Like AccumulateGrad and CopySlices, this node is a C++ class in PyTorch, named in full.
copy_from.node.name = lambda node: "torch::autograd::CopyBackwards"


@op(
    "ToCopyBackward0",
    output_device="device",
    self=lambda grad, source, F: F.to_device(grad, source),
)
def to_copy_array(self, dtype, device, source, memory_format=None):
    """A copy in another dtype, on another device and/or in another memory format (by
    default laid out as self); its gradient goes back to `source`."""
    if device != source:
        self = move_array(self, device)
    if self.dtype == np.float64 and dtype.name in ("float16", "bfloat16"):
        # PyTorch narrows double to half through float, rounding twice; so do we.
        out = self.astype(np.float32).astype(dtype.np)
    else:
        out = self.astype(dtype.np, copy=True)
    if memory_format is None:
        return out
    return copy_with_strides(out, memory_format)


def to_copy(self, dtype, device, strides=None):
    """`strides` (in elements) lay the copy out in a memory format other than self's."""
    return to_copy_array(self, dtype, device, self.device, strides)
