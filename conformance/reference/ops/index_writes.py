"""Writing into a tensor at indices, beyond the scatter family: index_add, index_copy and
index_fill (whole slices along one dimension), index_put (at an advanced key, as x[key] = v),
masked_scatter (where a mask is True) and put (at positions of the flattened tensor), out of
place and in place, with PyTorch's checks and derivatives.

Each op is its out-of-place form; `x.op_(...)` is that result written back into x by the
in-place machinery (ops/inplace.py), which brings PyTorch's leaf, view and version rules.

The argument checks shared with the scatter family (_need_tensors, _check_bounds) come from
scattering.py; the ops behind x[...] and their helpers from indexing.py; the ops the gradients
run from gathering.py (index_select, and the index_add that is its gradient) and
picking.py (masked_select, take).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import define, gathering, indexing, inplace, picking, shape
from conformance.reference.ops.define import op
from conformance.reference.ops.scattering import _check_bounds, _need_tensors
from conformance.reference.tensor import Tensor

__all__ = [
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "masked_scatter",
    "put",
]

_run = define.formula_op
_ALL = slice(None)


# -- index_add, index_copy, index_fill: whole slices along one dimension ------------------------


def _along(dim: int, index: Any) -> tuple:
    """The key of the slices `index` names along `dim`."""
    return (_ALL,) * dim + (index.reshape(-1),)


def _scaled(grad: Any, alpha: Any) -> Any:
    """PyTorch's maybe_multiply: no multiplication (and no node) for alpha 1."""
    return grad if alpha == 1 else grad * alpha


@op(
    "IndexAddBackward0",
    self=lambda grad: grad,
    source=lambda grad, dim, index, alpha, F: _scaled(
        _run(F, gathering.index_select_values)(grad, dim, index), alpha
    ),
)
def index_add_values(self, dim, index, source, alpha):
    """gathering.index_add (the gradient of index_select) with source scaled by alpha."""
    return gathering.index_add.forward(self, dim, index, _scaled(source, alpha))


def check_index_and_source(name: str, input: Tensor, index: Tensor, source: Tensor) -> None:
    """index_add_'s and index_reduce_'s checks of index (an int32/int64 vector) and source
    (self's dtype), in PyTorch's order and words."""
    if index.ndim > 1:
        raise IndexError(
            f"{name}(): Index is supposed to be a vector, but got dim: {index.ndim} with "
            f"type: {scalar_type_name(index._dtype)} and size: {list(index.shape)}"
        )
    if index._dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(
            f"{name}(): Expected dtype int32/int64 for index but got: "
            f"{scalar_type_name(index._dtype)}"
        )
    if source._dtype is not input._dtype:
        raise RuntimeError(
            f"{name}(): self ({scalar_type_name(input._dtype)}) and source "
            f"({scalar_type_name(source._dtype)}) must have the same scalar type"
        )


def _check_index_add(input: Tensor, dim: int, index: Tensor, source: Tensor) -> int:
    """index_add's checks, in PyTorch's order (its messages name the in-place op)."""
    dim = shape.wrap_dim(dim, input.ndim)
    check_index_and_source("index_add_", input, index, source)
    if dim != 0 and dim >= source.ndim:
        raise RuntimeError(
            f"index_add_(): Indexing dim {dim} is out of bounds of the source tensor with dim "
            f"{source.ndim}"
        )
    count = source.shape[dim] if source.ndim else 1
    if index.numel() != count:
        raise RuntimeError(
            f"index_add_(): Number of indices ({index.numel()}) should be equal to "
            f"source.size(dim): ({count}), for dim: {dim}"
        )
    _check_slices(input, source, dim)
    size = input.shape[dim] if input.ndim else 1
    if input.ndim > 1 and dim in (0, input.ndim - 1):
        # PyTorch's CPU kernel goes through scatter_add for the outer and inner dimensions,
        # with its message, and checks slice by slice, with another, elsewhere.
        _check_bounds(index, size, dim, RuntimeError)
    elif ((index._data < 0) | (index._data >= size)).any():
        raise IndexError("index out of range in self")
    return dim


def _check_slices(input: Tensor, source: Tensor, dim: int) -> None:
    self_sizes, source_sizes = list(input.shape), list(source.shape)
    if input.ndim and source.ndim:
        del self_sizes[dim], source_sizes[dim]
    if self_sizes != source_sizes:
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}"
        )


def index_add(
    input: Tensor,
    dim: int,
    index: Tensor,
    source: Tensor,
    *,
    alpha: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """torch.index_add: alpha * source's slices added to input's slices that index names along
    dim; a slice named twice gets both. Indices may not be negative. An integer input takes
    alpha truncated to an integer."""
    _need_tensors("index_add", ("index", 3, index), ("source", 4, source))
    dim = _check_index_add(input, dim, index, source)
    if input._dtype.category < dtypes.FLOATING and not isinstance(alpha, bool):
        alpha = int(alpha)
    result = index_add_values(input, dim, index, source, alpha)
    return result if out is None else inplace.write_out(out, result, "index_add")


@op(
    "IndexCopyBackward0",
    self=lambda grad, dim, index, F: _run(F, index_fill_number)(grad, dim, index, 0),
    source=lambda grad, dim, index, F: _run(F, gathering.index_select_values)(grad, dim, index),
)
def index_copy_values(self, dim, index, source):
    if self.ndim == 0:
        return source.reshape(()).copy()
    out = self.copy()
    out[_along(dim, index)] = source
    return out


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """torch.index_copy: input with the slices that index names along dim replaced by
    source's, in order (for an index named twice, which copy lands is unspecified). Its
    checks are IndexErrors, and name the in-place op."""
    _need_tensors("index_copy", ("index", 3, index), ("source", 4, source))
    dim = shape.wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    if source.ndim == 0 and index.numel() != 1:
        raise IndexError(
            "index_copy_(): When source is scalar, index should have one element (got "
            f"{index.numel()})"
        )
    if source.ndim != input.ndim and source.ndim and input.ndim:
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality "
            f"must match. Source dimensionality ({source.ndim}), destination dimensionality "
            f"({input.ndim})"
        )
    if index._dtype is not dtypes.int64:
        raise RuntimeError(
            "index_copy_(): Expected a long tensor for index, but got "
            f"{scalar_type_name(index._dtype)}"
        )
    if source._dtype is not input._dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{scalar_type_name(input._dtype)} and (source) {scalar_type_name(source._dtype)}"
        )
    self_slice = [n for d, n in enumerate(input.shape) if d != dim]
    source_slice = [n for d, n in enumerate(source.shape) if d != dim]
    if self_slice != source_slice:
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. Destination "
            f"slice shape: {' '.join(map(str, self_slice))} at dimension {dim} and source slice "
            f"shape: {' '.join(map(str, source_slice))} at dimension 0."
        )
    if source.ndim and index.numel() != source.shape[dim]:
        raise IndexError(
            f"index_copy_(): Number of indices ({index.numel()}) should be equal to "
            f"source.size(dim) ({source.shape[dim]})"
        )
    size = input.shape[dim] if input.ndim else 1
    _check_bounds(index, size, dim, IndexError, prefix="index_copy_(): ")
    return index_copy_values(input, dim, index, source)


@op(
    "IndexFillBackward0",
    self=lambda grad, dim, index, F: _run(F, index_fill_number)(grad, dim, index, 0),
)
def index_fill_number(self, dim, index, value):
    out = self.copy()
    out[_along(dim, index) if self.ndim else ()] = value
    return out


def _filled_slices(index: Any) -> Any:
    """The distinct indices, for the value's gradient. PyTorch picks them with index_select,
    which refuses the negative indices index_fill itself took (a Tensor's under create_graph:
    no gradient flows to an index)."""
    data = index._data if isinstance(index, Tensor) else index
    if (data < 0).any():
        raise IndexError("index out of range in self")
    unique = array_namespace(data).unique(data)
    return Tensor._wrap(unique, index._dtype, index._device) if data is not index else unique


@op(
    "IndexFillBackward1",
    self=lambda grad, dim, index, F: _run(F, index_fill_number)(grad, dim, index, 0),
    value=lambda grad, dim, index, F: F.sum(
        _run(F, gathering.index_select_values)(grad, dim, _filled_slices(index))
    ),
)
def index_fill_tensor(self, dim, index, value):
    """The value's gradient is the sum over the filled slices, each slice once however often
    the index names it."""
    return index_fill_number.forward(self, dim, index, value.astype(self.dtype))


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """torch.index_fill: the slices that index names along dim set to value (a number, or a
    0-dim tensor, which is differentiable). Unlike index_add and index_copy, negative indices
    count from the end."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    dim = shape.wrap_dim(dim, input.ndim)
    if index._dtype is not dtypes.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    size = input.shape[dim] if input.ndim else 1
    data = index._data
    bad = (data < -size) | (data >= size)
    if bad.any():
        first = int(data[bad].reshape(-1)[0])
        raise IndexError(f"index {first} is out of bounds for dimension {dim} with size {size}")
    if isinstance(value, Tensor):
        indexing._number(value.item(), input._dtype)  # read as a Scalar, checked so
        return index_fill_tensor(input, dim, index, value)
    if not isinstance(value, bool | int | float | np.number):
        raise TypeError(
            "index_fill(): argument 'value' must be Number or Tensor, not "
            f"{indexing._type_name(value)}"
        )
    return index_fill_number(input, dim, index, indexing._number(value, input._dtype)[()])


# -- index_put, masked_scatter ---------------------------------------------------------------


@op(
    "IndexPutBackward0",
    self=lambda grad, key, accumulate, F: (
        grad if accumulate else _run(F, indexing.index_put)(grad, key, 0)
    ),
    values=lambda grad, key, F: _run(F, indexing.advanced_index)(grad, key),
)
def index_put_values(self, key, values, accumulate):
    """x[key] = values out of place, or with accumulate=True x[key] += values with repeated
    positions adding up (the ops behind x[...] = v, under PyTorch's one node name)."""
    if accumulate:
        return indexing.index_put_accumulate.forward(self, key, values)
    return indexing.index_put.forward(self, key, values)


def index_put(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """torch.index_put: input[indices] = values (or +=, with accumulate), out of place.
    `indices` is a tuple (or list) of index tensors for input's leading dimensions: integer
    tensors broadcast together, bool masks cover as many dimensions as they have."""
    if not isinstance(indices, tuple | list):
        raise TypeError(
            "index_put(): argument 'indices' (position 2) must be tuple of Tensors, not "
            f"{indexing._type_name(indices)}"
        )
    for i, item in enumerate(indices):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 1, but got {indexing._type_name(item)}"
            )
    if not isinstance(values, Tensor):
        raise TypeError(
            "index_put(): argument 'values' (position 3) must be Tensor, not "
            f"{indexing._type_name(values)}"
        )
    covered = sum(t.ndim if t._dtype in (dtypes.bool, dtypes.uint8) else 1 for t in indices)
    if covered > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got {covered})")
    advanced, dim = [], 0
    for item in indices:
        array = indexing._tensor_index(item)
        advanced.append((dim, array))
        dim += array.ndim if indexing._is_mask(array) else 1
    key = indexing._advanced_key(input, advanced, stacklevel=3)
    target = indexing._indexed_shape(tuple(input.shape), key) if key else tuple(input.shape)
    if not indexing._expandable(tuple(values.shape), target):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
            f"indexing result of shape {list(target)}"
        )
    indexing.check_empty_dimensions(tuple(input.shape), key)
    if values._dtype is not input._dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{scalar_type_name(input._dtype)} for the destination and "
            f"{scalar_type_name(values._dtype)} for the source."
        )
    indexing._check_bounds(tuple(input.shape), key)
    return indexing._frees_key(index_put_values(input, key, values, bool(accumulate)))


def _masked_scatter_source_grad(F: Any, grad: Any, mask: Any, source_shape: tuple) -> Any:
    """PyTorch's masked_scatter_backward: the gradient where the mask is True, in order, then
    zeros for the source elements left unused, in source's shape."""
    picked = _run(F, picking.masked_select_values)(grad, mask)
    total = int(np.prod(source_shape))
    if total > picked.shape[0]:
        picked = F.cat([picked, F.zeros((total - picked.shape[0],), picked)])
    return F.reshape(picked, tuple(source_shape))


@op(
    "MaskedScatterBackward0",
    self=lambda grad, mask, F: F.masked_fill(grad, mask, 0),
    source=lambda grad, mask, source_shape, F: _masked_scatter_source_grad(
        F, grad, mask, source_shape
    ),
)
def masked_scatter_values(self, mask, source):
    """The elements of source, in order, where the mask is True (self and mask broadcast)."""
    xp = array_namespace(self)
    sizes = np.broadcast_shapes(self.shape, mask.shape)
    out = xp.broadcast_to(self, sizes).copy()
    chosen = xp.broadcast_to(mask, sizes)
    out[chosen] = source.reshape(-1)[: int(chosen.sum())]
    return out


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """torch.masked_scatter: input (broadcast with mask) with source's first elements, in
    order, where the mask is True."""
    _need_tensors("masked_scatter", ("mask", 2, mask), ("source", 3, source))
    if mask._dtype is not dtypes.bool:
        raise RuntimeError(
            "masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{scalar_type_name(mask._dtype)}"
        )
    if source._dtype is not input._dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{scalar_type_name(input._dtype)} and {scalar_type_name(source._dtype)}"
        )
    gathering._broadcast_shapes(tuple(mask.shape), tuple(input.shape))
    sizes = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    if int(array_namespace(mask._data).broadcast_to(mask._data, sizes).sum()) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return masked_scatter_values(input, mask, source)


def _masked_scatter_(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """masked_scatter_: the mask is expanded to self, never self to the mask."""
    if mask.ndim > input.ndim:
        raise RuntimeError(
            f"expand({mask._device.type.upper()}{scalar_type_name(mask._dtype)}Type"
            f"{{{list(mask.shape)}}}, size={list(input.shape)}): the "
            f"number of sizes provided ({input.ndim}) must be greater or equal to the number "
            f"of dimensions in the tensor ({mask.ndim})"
        )
    return masked_scatter(input, mask, source)


_masked_scatter_.__name__ = "masked_scatter"


# -- put: positions in the flattened tensor ---------------------------------------------------


@op(
    "PutBackward0",
    self=lambda grad, index, accumulate, F: (
        grad if accumulate else _run(F, put_values)(grad, index, F.zeros(index.shape, grad), False)
    ),
    source=lambda grad, index, source_shape, F: F.reshape(
        _run(F, picking.take_values)(grad, index), tuple(source_shape)
    ),
)
def put_values(self, index, source, accumulate):
    """self, read in row-major order, with source's elements written (or, with accumulate,
    added up) at the positions index names; negative positions count from the end."""
    out = self.copy(order="C")
    flat = out.reshape(-1)
    positions = index.reshape(-1) % max(flat.size, 1)
    if accumulate:
        indexing._add_at(flat, positions, source.reshape(-1))
    else:
        flat[positions] = source.reshape(-1)
    return out


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """torch.put: input with source's elements put at positions of the flattened input (its
    messages name the in-place op)."""
    _need_tensors("put", ("index", 2, index), ("source", 3, source))
    if index._dtype is not dtypes.int64:
        raise RuntimeError(
            f"put_(): Expected a long tensor for index, but got {scalar_type_name(index._dtype)}"
        )
    if source._dtype is not input._dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{scalar_type_name(input._dtype)} and source.dtype = {scalar_type_name(source._dtype)}"
        )
    if source.numel() != index.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}"
        )
    n = input.numel()
    data = index._data
    if data.size and n == 0:
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    bad = (data < -n) | (data >= n)
    if bad.any():
        raise IndexError(
            f"out of range: tried to access index {int(data[bad].reshape(-1)[0])} on a tensor "
            f"of {n} elements."
        )
    return put_values(input, index, source, bool(accumulate))


def index_put_(self, indices, values, accumulate=False):
    """index_put written into self; on an expanded self with PyTorch's deprecation warning."""
    check_overlap = inplace.index_put_warning(self)
    return inplace.apply_inplace(
        self, lambda: index_put(self, indices, values, accumulate), check_overlap
    )


TENSOR_METHODS = {
    "index_add": index_add,
    "index_put_": index_put_,
    "index_copy": index_copy,
    "index_fill": index_fill,
    "index_put": index_put,
    "masked_scatter": masked_scatter,
    "put": put,
}
TENSOR_IN_PLACE = {
    "index_add_": index_add,
    "index_copy_": index_copy,
    "index_fill_": index_fill,
    "masked_scatter_": _masked_scatter_,
    "put_": put,
}
