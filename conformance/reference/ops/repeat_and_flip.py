"""repeat and flip: copies with the elements tiled or reversed, recording RepeatBackward0 (which
sums the copies back into one) and FlipBackward0. rolls_and_tiles.py builds tile, fliplr and
flipud on them. _type_name comes from indexing.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conformance.reference.devices import array_namespace
from conformance.reference.ops import define, shape
from conformance.reference.ops.define import op
from conformance.reference.ops.indexing import _type_name
from conformance.reference.tensor import Tensor

__all__ = ["flip"]  # repeat is a Tensor method only, as in PyTorch

_run = define.formula_op


@op(
    "RepeatBackward0",
    self=lambda grad, self_shape, repeats, F: _repeat_backward(F, grad, self_shape, repeats),
)
def repeat_values(self, repeats):
    lead = len(repeats) - self.ndim
    return array_namespace(self).tile(self.reshape((1,) * lead + self.shape), repeats)


def _repeat_backward(F: Any, grad: Any, self_shape: tuple, repeats: tuple) -> Any:
    """PyTorch's repeat_backward: sum away the leading dimensions repeat added, then split each
    repeated dimension into (repeat, size) and sum the repeats away, in one reshape and sum."""
    if 0 in repeats:
        return F.zeros(self_shape, grad)
    lead = len(repeats) - len(self_shape)
    for _ in range(lead):
        grad = F.sum(grad, 0)
    split, summed = [], []
    for repeat, size in zip(repeats[lead:], self_shape, strict=True):
        if repeat != 1:
            split.append(repeat)
            summed.append(len(split) - 1)
        split.append(size)
    if summed:
        grad = F.sum(F.reshape(grad, tuple(split)), tuple(summed))
    return grad


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Tensor.repeat: tile the tensor; extra leading repeats add dimensions."""
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    repeats = tuple(int(r) for r in shape.shape_args(sizes))
    if len(repeats) < input.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
            "tensor"
        )
    padded = (1,) * (len(repeats) - input.ndim) + tuple(input.shape)
    target = [r * n for r, n in zip(repeats, padded, strict=True)]
    negative = next((n for n in target if n < 0), None)
    if negative is not None:
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative}: {target}")
    return repeat_values(input, repeats)


@op("FlipBackward0", self=lambda grad, dims, F: _run(F, flip_values)(grad, dims))
def flip_values(self, dims):
    """A reversed copy (PyTorch's flip copies; NumPy's would be a view)."""
    if self.ndim == 0:
        return self.copy()
    return array_namespace(self).flip(self, dims).copy()


def flip(input: Tensor, dims: Any) -> Tensor:
    """torch.flip: reverse the order along each of `dims` (a sequence of ints)."""
    if not isinstance(dims, Sequence):
        raise TypeError(
            f"flip(): argument 'dims' (position 2) must be tuple of ints, not {_type_name(dims)}"
        )
    wrapped = tuple(shape.wrap_dim(d, input.ndim) for d in dims)
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return flip_values(input, wrapped)


def _flip_method(self: Tensor, *dims: Any) -> Tensor:
    """x.flip(0, 1) and x.flip((0, 1)) mean the same."""
    return flip(self, shape.shape_args(dims))


TENSOR_METHODS = {
    "repeat": repeat,
    "flip": _flip_method,
}
