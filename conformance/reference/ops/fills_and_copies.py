"""Writing values: the out-of-place halves of fill_, zero_, copy_ and to, which the in-place
methods (methods.py) and indexing (indexing.py) write back into their target.
"""

from __future__ import annotations

import numpy as np

from conformance.reference.devices import array_namespace, move_array
from conformance.reference.ops.define import op
from conformance.reference.ops.shape import copy_with_strides


@op("FillBackward0", self=lambda grad: grad * 0)
def fill_like(self, value):
    """A tensor like self, filled with `value` (a number or a zero-dimensional tensor)."""
    return array_namespace(self).full(self.shape, value, self.dtype)


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
