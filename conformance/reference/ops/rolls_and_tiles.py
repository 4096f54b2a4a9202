"""Rolls, flips, rotations and tiles: roll and rot90 (copies with nodes of their own,
RollBackward0 and Rot90Backward0), fliplr and flipud (flip, FlipBackward0), tile (repeat,
RepeatBackward0) and repeat_interleave (a view of an expanded copy, or index_select with a
tensor of repeats).

flip and repeat come from repeat_and_flip.py, index_select from gathering.py, _dim_list from
rearranging.py and _type_name from indexing.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conformance.reference import dtypes
from conformance.reference import memory_formats as formats
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import define, gathering, repeat_and_flip, shape
from conformance.reference.ops.argument_errors import invalid_arguments, need_tensor
from conformance.reference.ops.define import op
from conformance.reference.ops.indexing import _type_name
from conformance.reference.ops.rearranging import _dim_list
from conformance.reference.tensor import Tensor

__all__ = [
    "roll",
    "fliplr",
    "flipud",
    "rot90",
    "tile",
    "repeat_interleave",
]

_run = define.formula_op


@op(
    "RollBackward0",
    self=lambda grad, shifts, dims, F: _run(F, roll_values)(grad, tuple(-s for s in shifts), dims),
)
def roll_values(self, shifts, dims):
    """NumPy's roll; no dims rolls the flattened tensor and restores its shape."""
    xp = array_namespace(self)
    if not dims:
        return xp.roll(self, shifts[0])
    return xp.roll(self, shifts, axis=dims)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    shifts = tuple(_dim_list(shifts))
    dims = () if dims is None else tuple(_dim_list(dims))
    if len(shifts) != len(dims) and not (not dims and len(shifts) == 1):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
        )
    dims = tuple(shape.existing_dim(d, input.ndim) for d in dims)
    return roll_values(input, shifts, dims)


def fliplr(input: Tensor) -> Tensor:
    """flip of dimension 1 (FlipBackward0, a copy)."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return repeat_and_flip.flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return repeat_and_flip.flip(input, (0,))


@op("Rot90Backward0", self=lambda grad, k, dims, F: _run(F, rot90_values)(grad, -k, dims))
def rot90_values(self, k, dims):
    """As PyTorch lays it out: a quarter turn is a flipped copy seen transposed (so not
    contiguous), a half turn a copy flipped twice, no turn a contiguous copy."""
    xp = array_namespace(self)
    d0, d1 = dims
    turns = k % 4
    if turns == 0:
        return xp.ascontiguousarray(self).copy()
    if turns == 2:
        return xp.flip(self, (d0, d1)).copy()
    flipped = xp.flip(self, d1 if turns == 1 else d0).copy()
    return xp.swapaxes(flipped, d0, d1)


def rot90(input: Tensor, k: int = 1, dims: Sequence = (0, 1)) -> Tensor:
    """A rotation by k quarter turns from dims[0] towards dims[1]."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    if dims[0] == dims[1] or abs(dims[0] - dims[1]) == input.ndim:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}"
        )
    wrapped = tuple(shape.wrap_dim(d, input.ndim) for d in dims)
    return rot90_values(input, k, wrapped)


def tile(input: Tensor, dims: Sequence) -> Tensor:
    """repeat with the repeats padded by leading 1s to the tensor's dimensions (NumPy's tile);
    RepeatBackward0."""
    if not isinstance(dims, Sequence):
        raise TypeError(
            f"tile(): argument 'dims' (position 2) must be tuple of ints, not {_type_name(dims)}"
        )
    dims = tuple(dims)
    return repeat_and_flip.repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def _tile_method(self: Tensor, *dims: Any) -> Tensor:
    """x.tile(2, 1) and x.tile((2, 1)) mean the same."""
    return tile(self, shape.shape_args(dims))


_REPEAT_INTERLEAVE = (
    "Tensor input, Tensor repeats, int dim = None, *, int output_size = None",
    "Tensor repeats, *, int output_size = None",
    "Tensor input, int repeats, int dim = None, *, int output_size = None",
)


def repeat_interleave(
    input: Tensor,
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Each element repeated in place along `dim` (the flattened tensor without one).

    PyTorch composes it: an int repeat is unsqueeze, expand, a contiguous clone and a view
    (so ViewBackward0); a tensor of repeats becomes indices for index_select
    (IndexSelectBackward0). With a tensor alone, it gives those indices."""
    if not isinstance(input, Tensor):
        if repeats is None:  # (the one-argument overload calls its tensor `repeats`)
            need_tensor("repeat_interleave", "repeats", 1, input)
        raise invalid_arguments("repeat_interleave", _REPEAT_INTERLEAVE, (input, repeats))
    if repeats is None:
        return _repeated_indices(input, output_size)
    if not isinstance(repeats, Tensor):
        source = input if dim is not None else shape.flatten(input)
        at = shape.wrap_dim(0 if dim is None else dim, input.ndim)
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        grown = shape.unsqueeze(source, at + 1)
        sizes = list(grown.shape)
        sizes[at + 1] = repeats
        expanded = shape.expand_shape(grown, tuple(sizes))
        copied = shape.clone(expanded, formats.contiguous_format)
        target = list(source.shape)
        target[at] *= repeats
        return shape.view_shape(copied, tuple(target))
    if dim is None:
        input, dim = shape.flatten(input), 0
    dim = shape.wrap_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if repeats.ndim == 0 or (repeats.ndim == 1 and repeats.shape[0] == 1):
        repeats = shape.expand_shape(shape.reshape(repeats, 1), (size,))
    elif repeats.ndim == 1:
        if repeats.shape[0] != size:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got "
                f"repeats.size(0) = {repeats.shape[0]} and input.size({dim}) = {size}"
            )
    else:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    return gathering.index_select(input, dim, _repeated_indices(repeats, output_size))


def _repeated_indices(repeats: Tensor, output_size: int | None) -> Tensor:
    """repeat_interleave(repeats): i repeated repeats[i] times, in repeats' dtype."""
    if repeats.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if repeats._dtype not in (dtypes.int32, dtypes.int64):
        raise NotImplementedError(
            f"\"repeat_interleave_cpu\" not implemented for '{scalar_type_name(repeats._dtype)}'"
        )
    counts = repeats._data.reshape(-1)
    xp = array_namespace(counts)
    if counts.size and int(counts.min()) < 0:
        raise RuntimeError("repeats can not be negative")
    total = int(counts.sum())
    if output_size is not None and output_size != total:
        raise RuntimeError("allocated size does not match required size")
    # CuPy's repeat takes the counts as a list, not an array.
    data = xp.repeat(xp.arange(counts.size, dtype=counts.dtype), counts.tolist())
    return Tensor._wrap(data, repeats._dtype, repeats._device)


TENSOR_METHODS: dict = {
    "roll": roll,
    "fliplr": fliplr,
    "flipud": flipud,
    "rot90": rot90,
    "tile": _tile_method,
    "repeat_interleave": repeat_interleave,
}
