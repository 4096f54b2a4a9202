"""Ops that move elements without computing new values: joins beyond cat and stack, rolls,
rotations, tiling, triangles and diagonals, and the NumPy-style aliases of the view ops.

Most of them are, in PyTorch too, compositions of the views in shape.py and the joins and
index ops in indexing.py, and they record those ops' nodes: swapaxes is a TransposeBackward0,
movedim a PermuteBackward0, hstack a CatBackward0, tile a RepeatBackward0. The ones PyTorch
gives nodes of their own (diagonal, tril, triu, diag_embed, trace, roll, rot90, take,
masked_select) are declared here, forward and derivative side by side.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference import memory_formats as formats
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import define, gathering, indexing, joins, repeat_and_flip, shape
from conformance.reference.ops.define import op, view_op
from conformance.reference.tensor import Size, Tensor

__all__ = [
    "swapaxes",
    "swapdims",
    "movedim",
    "moveaxis",
    "unflatten",
    "broadcast_to",
    "broadcast_tensors",
    "broadcast_shapes",
    "diagonal",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "hstack",
    "vstack",
    "row_stack",
    "dstack",
    "column_stack",
    "tril",
    "triu",
    "diag",
    "diag_embed",
    "diagflat",
    "trace",
    "roll",
    "fliplr",
    "flipud",
    "rot90",
    "tile",
    "repeat_interleave",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "take",
    "take_along_dim",
    "masked_select",
]

_run = define.formula_op
_type_name = indexing._type_name


# -- views: aliases of transpose, permute, view and expand -------------------------------------


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """NumPy's name for transpose: the same view and node (TransposeBackward0)."""
    return shape.transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return shape.transpose(input, dim0, dim1)


def _dim_list(dims: Any) -> list:
    return [dims] if isinstance(dims, int) else list(dims)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """The dimensions at `source` moved to `destination`, the others keeping their order: a
    permute, recorded as PermuteBackward0 even when nothing moves."""
    source, destination = _dim_list(source), _dim_list(destination)
    if len(source) != len(destination):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({source} dims) should "
            f"contain the same number of dims as destination ({destination} dims)"
        )
    ndim = input.ndim
    moved = [shape.wrap_dim(d, ndim) for d in source]
    placed = [shape.wrap_dim(d, ndim) for d in destination]
    for name, dims, given in (("source", moved, source), ("destination", placed, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    if ndim == 0:  # PyTorch returns an alias then, not a permute
        return indexing.alias(input)
    order: list = [None] * ndim
    for src, dst in zip(moved, placed, strict=True):
        order[dst] = src
    rest = iter(d for d in range(ndim) if d not in moved)
    return shape.permute_dims(input, tuple(next(rest) if d is None else d for d in order))


moveaxis = movedim


def unflatten(input: Tensor, dim: int, sizes: Sequence) -> Tensor:
    """Dimension `dim` split into `sizes` (one of which may be -1): a view (ViewBackward0).

    PyTorch finds the sizes inside a try block that rewrites the error when they do not
    multiply up to the dimension, and reports any other error there (one -1 too many, or a
    0-dim input's missing dimension) as "unflatten got an unexpected error"."""
    ndim = input.ndim
    dim = shape.wrap_dim(dim, ndim)
    sizes = [operator.index(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        size = input.shape[shape.existing_dim(dim, ndim)]
        inferred = _infer_sizes(sizes, size)
    except _SizeMismatch:
        raise RuntimeError(
            f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} "
            f"({size}) in the input tensor"
        ) from None
    except (RuntimeError, IndexError) as error:
        raise RuntimeError(f"unflatten got an unexpected error:\n{error}") from None
    new_shape = tuple(input.shape[:dim]) + inferred + tuple(input.shape[dim + 1 :])
    return shape.view_shape(input, new_shape)


class _SizeMismatch(Exception):
    pass


def _infer_sizes(sizes: list, numel: int) -> tuple:
    """PyTorch's infer_size: one -1 resolved, with its errors (a size mismatch apart, since
    unflatten words that one itself)."""
    inferred = None
    known = 1
    for i, s in enumerate(sizes):
        if s == -1:
            if inferred is not None:
                raise RuntimeError("only one dimension can be inferred")
            inferred = i
        elif s >= 0:
            known *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {sizes}")
    if inferred is None:
        if known != numel:
            raise _SizeMismatch
        return tuple(sizes)
    if known == 0:
        raise RuntimeError(
            f"cannot reshape tensor of 0 elements into shape {sizes} because the unspecified "
            "dimension size -1 can be any value and is ambiguous"
        )
    if numel % known:
        raise _SizeMismatch
    return tuple(numel // known if s == -1 else s for s in sizes)


def broadcast_to(input: Tensor, size: Sequence) -> Tensor:
    """expand under NumPy's name (ExpandBackward0, a view), refusing a bare int."""
    if not isinstance(size, Sequence):
        raise TypeError(
            "broadcast_to(): argument 'size' (position 2) must be tuple of ints, not "
            f"{_type_name(size)}"
        )
    return shape.expand_shape(input, tuple(size))


def broadcast_tensors(*tensors: Tensor) -> tuple:
    """Each tensor expanded to the common shape; one that has it already is returned itself
    (PyTorch's expand_outplace), not a view of it."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {_type_name(t)}"
            )
    define.check_broadcastable(list(tensors))
    common = np.broadcast_shapes(*(tuple(t.shape) for t in tensors)) if tensors else ()
    return tuple(t if tuple(t.shape) == common else shape.expand_shape(t, common) for t in tensors)


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape broadcast_tensors would give, without tensors (PyTorch's Python version, with
    its errors: they print the expected shape as far as it has been worked out)."""
    shapes = tuple((s,) if isinstance(s, int) else s for s in shapes if s is not None)
    if not shapes:
        return Size()
    for s in shapes:
        if not isinstance(s, Sequence):
            raise RuntimeError(
                f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}"
            )
    common = [1] * max(len(s) for s in shapes)
    for position, s in enumerate(shapes):
        for i in range(-1, -1 - len(s), -1):
            if s[i] == common[i]:
                continue
            if common[i] == 1:
                if s[i] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[i] = s[i]
            if s[i] != 1 and common[i] != s[i]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {s[i]} at {i}! Mismatching "
                    f"argument at index {position} had {s}; but expected shape should be "
                    f"broadcastable to {common}"
                )
    for i, n in enumerate(common):
        if not isinstance(n, int):
            raise TypeError(
                f"torch.Size() takes an iterable of 'int' (item {i} is '{type(n).__name__}')"
            )
    return Size(common)


# -- diagonal ------------------------------------------------------------------------------


def _diagonal_array(array: Any, offset: int, dim1: int, dim2: int) -> Any:
    """A writable view of a diagonal, in a new last dimension (NumPy's own diagonal view is
    read-only, and a view op's result must take in-place writes)."""
    xp = array_namespace(array)
    n1, n2 = array.shape[dim1], array.shape[dim2]
    size = max(min(n1, n2 - offset), 0) if offset >= 0 else max(min(n1 + offset, n2), 0)
    if size:  # start at the diagonal's first element
        key = [slice(None)] * array.ndim
        key[dim2 if offset >= 0 else dim1] = slice(abs(offset), None)
        array = array[tuple(key)]
    rest = [d for d in range(array.ndim) if d not in (dim1, dim2)]
    sizes = tuple(array.shape[d] for d in rest) + (size,)
    strides = tuple(array.strides[d] for d in rest) + (array.strides[dim1] + array.strides[dim2],)
    return xp.lib.stride_tricks.as_strided(array, sizes, strides)


@view_op(
    "DiagonalBackward0",
    self=lambda grad, self_shape, offset, dim1, dim2, F: _run(F, diagonal_backward)(
        grad, self_shape, offset, dim1, dim2
    ),
)
def diagonal_view(self, offset, dim1, dim2):
    return _diagonal_array(self, offset, dim1, dim2)


@op(
    "DiagonalBackwardBackward0",
    grad=lambda grad, offset, dim1, dim2, F: _run(F, diagonal_view)(grad, offset, dim1, dim2),
)
def diagonal_backward(grad, input_shape, offset, dim1, dim2):
    """The gradient of a diagonal: zeros of the input's shape with `grad` on the diagonal."""
    out = array_namespace(grad).zeros(input_shape, grad.dtype)
    _diagonal_array(out, offset, dim1, dim2)[...] = grad
    return out


def _diagonal_dims(dim1: int, dim2: int, ndim: int) -> tuple:
    d1, d2 = shape.wrap_dim(dim1, ndim), shape.wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the matrices in dimensions dim1 and dim2, as a view, in a new last
    dimension; an offset beyond the matrix gives an empty diagonal, not an error."""
    dim1, dim2 = _diagonal_dims(dim1, dim2, input.ndim)
    return diagonal_view(input, offset, dim1, dim2)


@op(
    "DiagEmbedBackward0",
    self=lambda grad, offset, dim1, dim2, F: _run(F, diagonal_view)(grad, offset, dim1, dim2),
)
def diag_embed_values(self, offset, dim1, dim2):
    n = (self.shape[-1] if self.ndim else 1) + abs(offset)
    sizes = list(self.shape[:-1])
    for d in sorted((dim1, dim2)):
        sizes.insert(d, n)
    out = array_namespace(self).zeros(tuple(sizes), self.dtype)
    _diagonal_array(out, offset, dim1, dim2)[...] = self
    return out


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Each last-dimension vector of `input` put on the diagonal of a new matrix in dimensions
    dim1 and dim2 of the result (which has one dimension more)."""
    dim1, dim2 = _diagonal_dims(dim1, dim2, input.ndim + 1)
    return diag_embed_values(input, offset, dim1, dim2)


@op(
    "DiagonalBackward0_copy",
    self=lambda grad, self_shape, offset, F: _run(F, diagonal_backward)(
        grad, self_shape, offset, 0, 1
    ),
)
def diagonal_copy(self, offset):
    """torch.diag of a matrix: PyTorch's diagonal_copy, whose node carries this name."""
    return _diagonal_array(self, offset, 0, 1).copy()


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's matrix (diag_embed, DiagEmbedBackward0) or a matrix's diagonal (a copy)."""
    if input.ndim == 1:
        return diag_embed_values(input, diagonal, 0, 1)
    if input.ndim == 2:
        return diagonal_copy(input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened input on a diagonal of a square matrix (a 0-dim input gives 1x1)."""
    return diag_embed_values(shape.reshape(input, -1), offset, 0, 1)


@op("TraceBackward0", self=lambda grad, self_shape, F: _run(F, trace_backward)(grad, self_shape))
def trace_values(self):
    """The diagonal's sum; integers sum to int64, half precision accumulates in float32."""
    xp = array_namespace(self)
    kind = dtypes.from_numpy_dtype(self.dtype)
    out = dtypes.int64 if kind.category == dtypes.INTEGER else kind
    accumulate = dtypes.float32 if kind in (dtypes.float16, dtypes.bfloat16) else out
    return xp.asarray(xp.trace(self, dtype=accumulate.np)).astype(out.np)


@op("TraceBackwardBackward0", grad=lambda grad, F: _run(F, trace_values)(grad))
def trace_backward(grad, input_shape):
    """The gradient of trace: `grad` on the diagonal of a zero matrix."""
    out = array_namespace(grad).zeros(input_shape, grad.dtype)
    _diagonal_array(out, 0, 0, 1)[...] = grad
    return out


def trace(input: Tensor) -> Tensor:
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype is dtypes.bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return trace_values(input)


# -- triangles -----------------------------------------------------------------------------


@op("TrilBackward0", self=lambda grad, diagonal, F: _run(F, tril_values)(grad, diagonal))
def tril_values(self, diagonal):
    return array_namespace(self).tril(self, diagonal)


@op("TriuBackward0", self=lambda grad, diagonal, F: _run(F, triu_values)(grad, diagonal))
def triu_values(self, diagonal):
    return array_namespace(self).triu(self, diagonal)


def _matrices(name: str, input: Tensor) -> None:
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of each matrix in the last two dimensions (the rest zero)."""
    _matrices("tril", input)
    return tril_values(input, diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    _matrices("triu", input)
    return triu_values(input, diagonal)


# -- splits and joins ----------------------------------------------------------------------


def _slice(input: Tensor, dim: int, start: int, stop: int) -> Tensor:
    """at::slice: negative bounds count from the end, both are clamped to the dimension, and a
    stop before the start gives an empty piece. Always a new view (SliceBackward0)."""
    size = input.shape[dim]
    start = min(max(start + size if start < 0 else start, 0), size)
    stop = min(max(stop + size if stop < 0 else stop, 0), size)
    return shape.slice_dim(input, dim, start, max(stop, start), 1)


def tensor_split(
    input: Tensor,
    indices_or_sections: Any = None,
    dim: int = 0,
    *,
    sections: int | None = None,
    indices: Sequence | None = None,
    tensor_indices_or_sections: Tensor | None = None,
) -> tuple:
    """Views (SliceBackward0 each, unlike split's one node): `sections` pieces as even as
    possible (the first ones one longer), or the pieces between `indices`, which may run past
    the end or backwards (empty pieces)."""
    how = _first_given(indices_or_sections, sections, indices, tensor_indices_or_sections)
    if isinstance(how, Tensor):
        if how._dtype is not dtypes.int64:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but "
                f"got {scalar_type_name(how._dtype)}"
            )
        if how.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                f"one-dimensional tensor, but got a tensor with {how.ndim} dims"
            )
        how = int(how.item()) if how.ndim == 0 else [int(i) for i in how.tolist()]
    if input.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    dim = shape.wrap_dim(dim, input.ndim)
    if isinstance(how, int):
        if how <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {how}")
        size = input.shape[dim]
        bounds, start = [], 0
        for i in range(how):
            stop = start + size // how + (1 if i < size % how else 0)
            bounds.append((start, stop))
            start = stop
    else:
        points = [0, *(operator.index(i) for i in how)]
        bounds = list(zip(points, points[1:], strict=False))
        bounds.append((points[-1], input.shape[dim]))
    return tuple(_slice(input, dim, start, stop) for start, stop in bounds)


def _split_along(name: str, input: Tensor, how: Any, dim: int, least: int) -> tuple:
    """hsplit, vsplit and dsplit: tensor_split along one dimension, but a number of sections
    must divide the dimension evenly."""
    if input.ndim < least:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {least} dimension, but got a tensor "
            f"with {input.ndim} dimensions!"
        )
    if isinstance(how, int):
        size = input.shape[dim]
        if how == 0 or size % how:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                f"dimension {size} is not divisible by the split_size {how}!"
            )
    return tensor_split(input, how, dim)


def hsplit(
    input: Tensor,
    indices_or_sections: Any = None,
    *,
    sections: int | None = None,
    indices: Sequence | None = None,
) -> tuple:
    """Split along dimension 1 (0 for vectors)."""
    how = _first_given(indices_or_sections, sections, indices)
    return _split_along("hsplit", input, how, 1 if input.ndim > 1 else 0, 1)


def vsplit(
    input: Tensor,
    indices_or_sections: Any = None,
    *,
    sections: int | None = None,
    indices: Sequence | None = None,
) -> tuple:
    return _split_along("vsplit", input, _first_given(indices_or_sections, sections, indices), 0, 2)


def dsplit(
    input: Tensor,
    indices_or_sections: Any = None,
    *,
    sections: int | None = None,
    indices: Sequence | None = None,
) -> tuple:
    return _split_along("dsplit", input, _first_given(indices_or_sections, sections, indices), 2, 3)


def _first_given(*values: Any) -> Any:
    """The one of PyTorch's overloads' arguments (indices_or_sections, sections, indices,
    tensor_indices_or_sections) that was given."""
    return next((v for v in values if v is not None), None)


def _nonempty(name: str, tensors: Any) -> list:
    tensors = joins._tensor_list(name, tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors: Sequence, *, out: Tensor | None = None) -> Tensor:
    """cat along dimension 1, or 0 for vectors (0-dim tensors become vectors first)."""
    tensors = _atleast(_nonempty("hstack", tensors), 1)
    return joins.cat(tensors, 0 if tensors[0].ndim == 1 else 1, out=out)


def vstack(tensors: Sequence, *, out: Tensor | None = None) -> Tensor:
    """cat along dimension 0 of everything made at least 2-D (a vector becomes a row)."""
    return joins.cat(_atleast(_nonempty("vstack", tensors), 2), 0, out=out)


row_stack = vstack


def dstack(tensors: Sequence, *, out: Tensor | None = None) -> Tensor:
    return joins.cat(_atleast(_nonempty("dstack", tensors), 3), 2, out=out)


def column_stack(tensors: Sequence, *, out: Tensor | None = None) -> Tensor:
    """hstack with vectors (and 0-dim tensors) as columns."""
    tensors = _nonempty("column_stack", tensors)
    columns = [shape.reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors]
    return hstack(columns, out=out)


def _atleast(tensors: list, ndim: int) -> list:
    return [(atleast_1d, atleast_2d, atleast_3d)[ndim - 1](t) for t in tensors]


def _atleast_nd(args: tuple, grow: Any, name: str) -> Any:
    """One tensor gives one tensor; several, or one list or tuple of them, give a tuple."""
    if len(args) == 1 and isinstance(args[0], Tensor):
        return grow(args[0])
    if len(args) == 1 and isinstance(args[0], list | tuple):
        args = tuple(args[0])
    elif len(args) == 1:
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got "
            f"({_type_name(args[0])}), but expected one of:"
        )
    for i, t in enumerate(args):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {_type_name(t)}"
            )
    return tuple(grow(t) for t in args)


def _grow_1d(t: Tensor) -> Tensor:
    return shape.reshape(t, 1) if t.ndim == 0 else t


def _grow_2d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return shape.reshape(t, 1, 1)
    return shape.unsqueeze(t, 0) if t.ndim == 1 else t


def _grow_3d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return shape.reshape(t, 1, 1, 1)
    if t.ndim == 1:
        return shape.unsqueeze(shape.unsqueeze(t, 0), -1)
    return shape.unsqueeze(t, -1) if t.ndim == 2 else t


def atleast_1d(*tensors: Any) -> Any:
    """A 0-dim tensor as a one-element vector (a view); others returned themselves."""
    return _atleast_nd(tensors, _grow_1d, "atleast_1d")


def atleast_2d(*tensors: Any) -> Any:
    """Vectors become rows (1, n), 0-dim tensors (1, 1); views, else the tensor itself."""
    return _atleast_nd(tensors, _grow_2d, "atleast_2d")


def atleast_3d(*tensors: Any) -> Any:
    """As NumPy: a vector becomes (1, n, 1) and a matrix (m, n, 1)."""
    return _atleast_nd(tensors, _grow_3d, "atleast_3d")


# -- rolls, flips, rotations, tiles --------------------------------------------------------


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


# -- picking elements: take, take_along_dim, masked_select -----------------------------------


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
    "swapaxes": swapaxes,
    "swapdims": swapdims,
    "movedim": movedim,
    "moveaxis": moveaxis,
    "unflatten": unflatten,
    "broadcast_to": broadcast_to,
    "diagonal": diagonal,
    "tensor_split": tensor_split,
    "hsplit": hsplit,
    "vsplit": vsplit,
    "dsplit": dsplit,
    "tril": tril,
    "triu": triu,
    "diag": diag,
    "diag_embed": diag_embed,
    "diagflat": diagflat,
    "trace": trace,
    "roll": roll,
    "fliplr": fliplr,
    "flipud": flipud,
    "rot90": rot90,
    "tile": _tile_method,
    "repeat_interleave": repeat_interleave,
    "take": _take_method,
    "take_along_dim": take_along_dim,
    "masked_select": masked_select,
}
TENSOR_IN_PLACE = {"tril_": tril, "triu_": triu}
