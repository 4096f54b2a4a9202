"""The view scatters, each the inverse of a view: diagonal_scatter, select_scatter,
slice_scatter and as_strided_scatter return a copy of `input` with `src` written where the
view (diagonal, select, slice, as_strided) would show; and index_reduce, which combines the
slices of `source` into `input` at `index` along a dimension.

They never return views (the result is fresh memory) and take `src` in any dtype: it is cast
to input's, as `copy_` casts. A view scatter's gradient is the view's pair: src gets the view
of the gradient, input gets the gradient with the view's elements zeroed (the same scatter,
of zeros).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops import (
    creation,
    index_writes,
    inplace,
    rearranging,
    scattering,
    shape,
)
from conformance.reference.ops.define import check_same_device, formula_op, op
from conformance.reference.ops.strided import _int_tuple, _positions
from conformance.reference.tensor import Tensor
from conformance.reference.warn_once import warn_once

__all__ = [
    "as_strided_scatter",
    "diagonal_scatter",
    "index_reduce",
    "select_scatter",
    "slice_scatter",
]

_run = formula_op


def _zeros_of(F: Any, shape_: tuple, like: Any) -> Any:
    return F.zeros(shape_, like)


def _check_src(input: Tensor, src: Tensor, view_shape: tuple) -> None:
    """src must have exactly the view's shape (no broadcasting) and input's device."""
    if not isinstance(src, Tensor):
        raise TypeError(f"argument 'src' must be Tensor, not {type(src).__name__}")
    check_same_device([input, src])
    if tuple(src.shape) != tuple(view_shape):
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(view_shape)}"
        )


def _written(self: Any, src: Any, view: Any) -> Any:
    """A copy of self with src written into view(copy)."""
    out = self.copy()
    view(out)[...] = src
    return out


# -- diagonal_scatter ------------------------------------------------------------------------


@op(
    "DiagonalScatterBackward0",
    self=lambda grad, src_shape, offset, dim1, dim2, F: _run(F, diagonal_scatter_values)(
        grad, _zeros_of(F, src_shape, grad), offset, dim1, dim2
    ),
    src=lambda grad, offset, dim1, dim2, F: _run(F, rearranging.diagonal_view)(
        grad, offset, dim1, dim2
    ),
)
def diagonal_scatter_values(self, src, offset, dim1, dim2):
    return _written(self, src, lambda a: rearranging._diagonal_array(a, offset, dim1, dim2))


def diagonal_scatter(
    input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1
) -> Tensor:
    """torch.diagonal_scatter: input with src on the diagonal that input.diagonal(offset, dim1,
    dim2) shows (an empty diagonal takes an empty src)."""
    d1, d2 = rearranging._diagonal_dims(dim1, dim2, input.ndim)
    _check_src(input, src, rearranging._diagonal_array(input._data, offset, d1, d2).shape)
    return diagonal_scatter_values(input, src, offset, d1, d2)


# -- select_scatter --------------------------------------------------------------------------


@op(
    "SelectScatterBackward0",
    self=lambda grad, src_shape, dim, index, F: _run(F, select_scatter_values)(
        grad, _zeros_of(F, src_shape, grad), dim, index
    ),
    src=lambda grad, dim, index, F: F.select(grad, dim, index),
)
def select_scatter_values(self, src, dim, index):
    return _written(self, src, lambda a: a[(slice(None),) * dim + (index,)])


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """torch.select_scatter: input with src as its slice at `index` along `dim` (src has one
    dimension fewer than input); the checks are select's."""
    view = shape.select(input.detach(), dim, index)
    _check_src(input, src, tuple(view.shape))
    return select_scatter_values(input, src, shape.wrap_dim(dim, input.ndim), index)


# -- slice_scatter ---------------------------------------------------------------------------


@op(
    "SliceScatterBackward0",
    self=lambda grad, src_shape, dim, start, end, step, F: _run(F, slice_scatter_values)(
        grad, _zeros_of(F, src_shape, grad), dim, start, end, step
    ),
    src=lambda grad, dim, start, end, step, F: _run(F, shape.slice_dim)(
        grad, dim, start, end, step
    ),
)
def slice_scatter_values(self, src, dim, start, end, step):
    return _written(self, src, lambda a: a[(slice(None),) * dim + (slice(start, end, step),)])


def _optional_int(value: Any, name: str, position: int) -> None:
    if value is not None and (not isinstance(value, int | np.integer) or isinstance(value, bool)):
        raise TypeError(
            f"slice_scatter(): argument '{name}' (position {position}) must be int, not "
            f"{type(value).__name__}"
        )


def slice_scatter(
    input: Tensor,
    src: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """torch.slice_scatter: input with src written into input[..., start:end:step] along dim.
    start and end clamp to the dimension as Python's slices do (an empty slice takes an empty
    src); the step must be positive."""
    for name, position, value in (("start", 4, start), ("end", 5, end), ("step", 6, step)):
        _optional_int(value, name, position)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    dim = shape.wrap_dim(dim, input.ndim)
    view = input._data[(slice(None),) * dim + (slice(start, end, step),)]
    _check_src(input, src, view.shape)
    return slice_scatter_values(input, src, dim, start, end, step)


# -- as_strided_scatter ----------------------------------------------------------------------


def _strided_positions(array: Any, size: tuple, stride: tuple, storage_offset: int) -> Any:
    """Where an as_strided view of (size, stride, storage_offset) reads a row-major array."""
    return _positions(array_namespace(array), size, stride, storage_offset)


def _strided_gather(grad: Any, size: tuple, stride: tuple, storage_offset: int, F: Any) -> Any:
    """grad.contiguous().as_strided(size, stride, storage_offset): src's gradient."""
    if F.records_graph:
        return grad.contiguous().as_strided(size, stride, storage_offset)
    flat = array_namespace(grad).ascontiguousarray(grad).reshape(-1)
    return flat[_strided_positions(grad, size, stride, storage_offset)]


def _strided_embed(grad: Any, size: tuple, stride: tuple, storage_offset: int, F: Any) -> Any:
    """input's gradient as PyTorch computes it (as_strided_scatter_backward): zeros with the
    gradient's own values at the scattered positions, the rest zero. (This is not the
    derivative, which would zero the scattered positions and keep the rest: PyTorch's formula
    assumes away what it cannot handle; see pytorch/pytorch#77128.)"""
    if F.records_graph:
        result = grad.new_zeros(grad.shape)
        window = result.as_strided(size, stride, storage_offset)
        window.copy_(grad.contiguous().as_strided(size, stride, storage_offset))
        return result
    xp = array_namespace(grad)
    result = xp.zeros(grad.size, grad.dtype)
    where = _strided_positions(grad, size, stride, storage_offset)
    result[where] = xp.ascontiguousarray(grad).reshape(-1)[where]
    return result.reshape(grad.shape)


@op(
    "AsStridedScatterBackward0",
    self=lambda grad, size, stride, storage_offset, F: _strided_embed(
        grad, size, stride, storage_offset, F
    ),
    src=lambda grad, size, stride, storage_offset, F: _strided_gather(
        grad, size, stride, storage_offset, F
    ),
)
def as_strided_scatter_values(self, src, size, stride, storage_offset):
    """A copy of self, laid out as self is (PyTorch's clone keeps the strides), with src
    written into its as_strided(size, stride, storage_offset) view."""
    xp = array_namespace(self)
    out = xp.empty_like(self)
    out[...] = self
    flat = xp.lib.stride_tricks.as_strided(out, (out.size,), (out.itemsize,))
    flat[_strided_positions(self, size, stride, storage_offset)] = src
    return out


def as_strided_scatter(
    input: Tensor, src: Tensor, size: Any, stride: Any, storage_offset: int | None = None
) -> Tensor:
    """torch.as_strided_scatter: a copy of input with src written where
    copy.as_strided(size, stride, storage_offset) reads (the offset defaults to 0, the copy's
    own). Elements the view reads twice get one of src's values."""
    size, stride = _int_tuple(size, "size", 2), _int_tuple(stride, "stride", 3)
    offset = 0 if storage_offset is None else storage_offset
    view = shape.clone(input.detach()).as_strided(size, stride, offset)  # checks the bounds
    _check_src(input, src, tuple(view.shape))
    return as_strided_scatter_values(input, src, size, stride, offset)


# -- index_reduce ----------------------------------------------------------------------------

_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


@op(
    "IndexReduceBackward0",
    self=lambda grad, self, dim, index, source, reduce, include_self, result, F: (
        scattering._reduce_grad_self(
            F, grad, self, dim, index, source, reduce, include_self, result
        )
    ),
    source=lambda grad, self, dim, index, source, reduce, include_self, result, F: (
        scattering._reduce_grad_src(F, grad, self, dim, index, source, reduce, include_self, result)
    ),
)
def index_reduce_values(self, dim, index, source, reduce, include_self):
    """scatter_reduce with the index spread over source's shape: PyTorch's index_reduce
    backward is scatter_reduce's, with index_select for gather."""
    return scattering.scatter_reduce_values.forward(self, dim, index, source, reduce, include_self)


def _spread(index: Tensor, dim: int, source: Tensor) -> Tensor:
    """The 1-D index as a scatter index of source's shape: index[i] at every element of
    source's slice i along dim."""
    xp = array_namespace(index._data)
    sizes = [1] * max(source.ndim, 1)
    sizes[dim] = -1
    values = index._data.astype(np.int64).reshape(sizes)
    spread = xp.broadcast_to(values, tuple(source.shape) or (1,)).reshape(tuple(source.shape))
    return creation._finish(xp.ascontiguousarray(spread), dtypes.int64, index._device, False)


def _check_index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str) -> int:
    """PyTorch's checks, in its order; returns the wrapped dim."""
    if reduce not in _INDEX_REDUCTIONS:
        raise RuntimeError(
            "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce}."
        )
    dim = shape.wrap_dim(dim, input.ndim)
    index_writes.check_index_and_source("index_reduce_", input, index, source)
    source_size = source.shape[dim] if source.ndim else 1
    if index.numel() != source_size:
        raise RuntimeError(
            f"index_reduce_(): Number of indices ({index.numel()}) should be equal to "
            f"source.size(dim): ({source_size}), for dim: {dim}"
        )
    others = [n for d, n in enumerate(input.shape) if d != dim]
    if source.ndim != input.ndim or others != [n for d, n in enumerate(source.shape) if d != dim]:
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(input.shape)} source.shape = "
            f"{list(source.shape)}"
        )
    size = input.shape[dim] if input.ndim else 1
    data = index._data
    if bool(((data < 0) | (data >= size)).any()):
        raise IndexError("index out of range in self")
    return dim


def index_reduce(
    input: Tensor,
    dim: int,
    index: Tensor,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """torch.index_reduce (beta, with PyTorch's one-time warning): input's slices at index[i]
    along dim combined with source's slice i by prod, mean (integers round down), amax or
    amin; include_self=False leaves input's own value out where an index names it. Negative
    indices are out of range."""
    scattering._need_tensors("index_reduce", ("index", 3, index), ("source", 4, source))
    if not isinstance(include_self, bool):
        raise TypeError(
            "index_reduce(): argument 'include_self' must be bool, not "
            f"{type(include_self).__name__}"
        )
    dim = _check_index_reduce(input, dim, index, source, reduce)
    warn_once("index_reduce() is in beta and the API may change at any time.")
    spread = _spread(index, dim, source)
    result = index_reduce_values(input, dim, spread, source, reduce, include_self)
    return result if out is None else inplace.write_out(out, result, "index_reduce")


TENSOR_METHODS = {
    "as_strided_scatter": as_strided_scatter,
    "diagonal_scatter": diagonal_scatter,
    "index_reduce": index_reduce,
    "select_scatter": select_scatter,
    "slice_scatter": slice_scatter,
}
TENSOR_IN_PLACE = {"index_reduce_": index_reduce}
