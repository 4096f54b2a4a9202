"""Ops that move elements without computing new values, kept here: the NumPy-style aliases of
the view ops (swapaxes, movedim, unflatten, broadcast_to, ...), diagonals (diagonal, diag,
diag_embed, diagflat, trace) and triangles (tril, triu). The rest of the family moved beside
it: splits and stacks to splits_and_stacks.py, rolls, rotations, flips and tiles to
rolls_and_tiles.py, take, take_along_dim and masked_select to picking.py.

Most of them are, in PyTorch too, compositions of the views in shape.py, and they record those
ops' nodes: swapaxes is a TransposeBackward0, movedim a PermuteBackward0, broadcast_to an
ExpandBackward0. The ones PyTorch gives nodes of their own (diagonal, tril, triu, diag_embed,
trace) are declared here, forward and derivative side by side.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_module, array_namespace, placement
from conformance.reference.ops import define, indexing, shape
from conformance.reference.ops.cascade_sum import _sequential
from conformance.reference.ops.define import op, view_op
from conformance.reference.tensor import Size, Tensor

__all__ = [
    "tril_indices",
    "triu_indices",
    "vander",
    "ravel",
    "swapaxes",
    "swapdims",
    "movedim",
    "moveaxis",
    "unflatten",
    "broadcast_to",
    "broadcast_tensors",
    "broadcast_shapes",
    "diagonal",
    "tril",
    "triu",
    "diag",
    "diag_embed",
    "diagflat",
    "trace",
]

_run = define.formula_op
_type_name = indexing._type_name


# -- views: aliases of transpose, permute, view and expand -------------------------------------


def ravel(input: Tensor) -> Tensor:
    """input.contiguous().view(-1), as PyTorch defines it: a view of input when it is
    contiguous, else a view of a contiguous copy (ViewBackward0 over CloneBackward0)."""
    return input.contiguous().view(-1)


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
    """The diagonal's sum; integers sum to int64. PyTorch's CPU kernel adds the diagonal in
    order in its accumulation type: double for float32, float for float16 and bfloat16."""
    xp = array_namespace(self)
    kind = dtypes.from_numpy_dtype(self.dtype)
    out = dtypes.int64 if kind.category == dtypes.INTEGER else kind
    if xp is not np or kind.category == dtypes.INTEGER:
        accumulate = dtypes.float32 if kind in (dtypes.float16, dtypes.bfloat16) else out
        return xp.asarray(xp.trace(self, dtype=accumulate.np)).astype(out.np)
    accumulate = np.float64 if kind in (dtypes.float32, dtypes.float64) else np.float32
    diagonal = np.diagonal(self).astype(accumulate)
    return np.asarray(_sequential(diagonal)).astype(out.np)


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


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype: Any, device: Any):
    dtype = dtypes.int64 if dtype is None else dtype
    if dtype not in (dtypes.int32, dtypes.int64):
        raise NotImplementedError(
            f"\"{name}\" not implemented for '{dtypes.scalar_type_name(dtype)}'"
        )
    for label, value in (("row", row), ("col", col)):
        if value < 0:
            raise RuntimeError(f"{label} must be non-negative, got{value}")
    device = placement(device)
    xp = array_module(device)
    where = xp.tril_indices if name == "tril_indices" else xp.triu_indices
    rows, cols = where(row, offset, col)
    return Tensor._wrap(xp.stack([rows, cols]).astype(dtype.np), dtype, device)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) coordinates of a row x col matrix's lower triangle (at or below
    diagonal `offset`), row by row, as a 2 x N int64 (or int32) tensor."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The coordinates of the upper triangle (at or above diagonal `offset`)."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """Columns of powers of x (x**(N-1), ..., x, 1; increasing reverses them), built as
    PyTorch builds it, so it records the same graph (cumprod written into a slice, then a
    flip): ones, x copied into columns 1.., their running product, flipped. Integers and
    bools give int64, as cumprod does."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    result_dtype = dtypes.promote_types(x.dtype, dtypes.int64)
    xp = array_namespace(x._data)
    result = Tensor._wrap(xp.empty((x.shape[0], n), result_dtype.np), result_dtype, x._device)
    if n > 0:
        result.fill_(1)
        if n > 1:
            result.narrow(1, 1, n - 1).copy_(x.unsqueeze(1))
            result.narrow(1, 1, n - 1).copy_(result.narrow(1, 1, n - 1).cumprod(1))
    return result if increasing else result.flip(1)


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Fills the main diagonal in place (of a matrix, or the [i, i, ..., i] of a cube), as
    PyTorch does it: fill_ on an as_strided view whose stride is the sum of self's strides,
    so the leaf and view rules and the CopySlices node are fill_'s. With wrap, a tall matrix's
    diagonal starts again below the square, after one skipped row (NumPy's wrap)."""
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    height, width = self.shape[0], self.shape[1]
    if self.ndim > 2 and any(size != height for size in self.shape[1:]):
        raise RuntimeError("all dimensions of input must be of equal length")
    offset, step = self.storage_offset(), sum(self.stride())
    size = min(height, width)
    self.as_strided((size,), (step,), offset).fill_(fill_value)
    if wrap and self.ndim == 2 and height > width + 1:
        count = -(-self.numel() // (width + 1)) - size
        start = offset + self.stride(0) * (width + 1)
        self.as_strided((count,), (step,), start).fill_(fill_value)
    return self


TENSOR_METHODS: dict = {
    "fill_diagonal_": fill_diagonal_,
    "ravel": ravel,
    "swapaxes": swapaxes,
    "swapdims": swapdims,
    "movedim": movedim,
    "moveaxis": moveaxis,
    "unflatten": unflatten,
    "broadcast_to": broadcast_to,
    "diagonal": diagonal,
    "tril": tril,
    "triu": triu,
    "diag": diag,
    "diag_embed": diag_embed,
    "diagflat": diagflat,
    "trace": trace,
}
TENSOR_IN_PLACE = {"tril_": tril, "triu_": triu}
