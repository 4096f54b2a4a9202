"""In-place shape changes: transpose_ (and its aliases swapaxes_, swapdims_), t_, squeeze_ and
unsqueeze_. Each gives the tensor a new shape over the same memory.

With a history, the tensor's grad_fn becomes a node of its own, named as PyTorch names the
in-place forms: TransposeBackward1, TBackward1, SqueezeBackward3 (all dims), SqueezeBackward4
(one dim), SqueezeBackward5 (a list of dims) and UnsqueezeBackward1. Their derivatives are the
out-of-place ops' own. As for any in-place op, a leaf that requires grad refuses. Without a
history the tensor's data alone changes (resize_, which refuses tensors that require grad, is
in inplace.py).
"""

from __future__ import annotations

from typing import Any

from conformance.reference import grad_mode
from conformance.reference.ops import inplace, shape
from conformance.reference.ops.define import op
from conformance.reference.ops.shape import _unsqueeze_to
from conformance.reference.tensor import Tensor

transposed = op(
    "TransposeBackward1", self=lambda grad, dim0, dim1, F: F.transpose(grad, dim0, dim1)
)(shape.transpose_dims.forward)
t_in_place = op("TBackward1", self=lambda grad, F: F.t(grad))(shape.t.forward)
squeezed_all = op(
    "SqueezeBackward3",
    self=lambda grad, self_shape, F: _unsqueeze_to(grad, self_shape, range(len(self_shape)), F),
)(shape.squeeze_all.forward)
squeezed_dim = op(
    "SqueezeBackward4",
    self=lambda grad, self_shape, dim, F: _unsqueeze_to(grad, self_shape, (dim,), F),
)(shape.squeeze_dim.forward)
squeezed_dims = op(
    "SqueezeBackward5",
    self=lambda grad, self_shape, dims, F: _unsqueeze_to(grad, self_shape, dims, F),
)(shape.squeeze_dims.forward)
unsqueezed = op("UnsqueezeBackward1", self=lambda grad, dim, F: F.squeeze_dim(grad, dim))(
    shape.unsqueeze_dim.forward
)


def _change(self: Tensor, change: Any, *args: Any) -> Tensor:
    """Apply `change` (one of the ops above) to self in place."""
    if not (grad_mode.STATE.grad_enabled and self._requires_grad):
        return inplace.change_metadata(self, change.forward(self._data, *args))
    if self.grad_fn is None:
        raise RuntimeError(inplace.LEAF)
    if self._base is not None:
        # PyTorch keeps such a tensor a view of its base with a changed geometry; the
        # engine's views replay fixed steps on their base, which this would break.
        raise NotImplementedError(
            "conformance.reference does not support in-place shape changes (transpose_, t_, "
            "squeeze_, unsqueeze_) of a view that requires grad; use the out-of-place op"
        )
    result = change(self, *args)
    self._data = result._data
    self._version_counter[0] += 1
    self.grad_fn, self._output_nr = result.grad_fn, 0
    return self


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    ndim = self.ndim
    return _change(self, transposed, shape.wrap_dim(dim0, ndim), shape.wrap_dim(dim1, ndim))


def t_(self: Tensor) -> Tensor:
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return _change(self, t_in_place)


def squeeze_(self: Tensor, dim: Any = None) -> Tensor:
    if dim is None:
        return _change(self, squeezed_all)
    if isinstance(dim, tuple | list):
        return _change(self, squeezed_dims, shape.squeezed_dims(dim, self.ndim))
    return _change(self, squeezed_dim, shape.wrap_dim(dim, self.ndim))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    return _change(self, unsqueezed, shape.wrap_dim(dim, self.ndim + 1))


METADATA = {
    "transpose_": transpose_,
    "swapaxes_": transpose_,
    "swapdims_": transpose_,
    "t_": t_,
    "squeeze_": squeeze_,
    "unsqueeze_": unsqueeze_,
}
