"""Ops driven by an index or a mask, out of place: index_select and gather (the entries an
index names along a dimension), masked_fill (a value where a mask is True) and nonzero (the
indices of a mask's nonzero elements).

Beside index_select and gather are the ops their gradients run, index_add and scatter_add
(scattering.py and index_writes.py build the public index_add and scatter_add on them).
masked_fill converts a number as x[i] = v does, with _number from indexing.py, which also
gives _ALL, _add_at and _type_name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import cpp_type_name
from conformance.reference.ops import define, inplace, shape
from conformance.reference.ops.define import op
from conformance.reference.ops.indexing import _ALL, _add_at, _type_name
from conformance.reference.ops.scalar_conversion import scalar as _number
from conformance.reference.tensor import Tensor

__all__ = ["index_select", "masked_fill", "nonzero", "nonzero_static", "gather"]

_run = define.formula_op


# -- index_select, gather ----------------------------------------------------------------------


@op(
    "IndexSelectBackward0",
    self=lambda grad, self_shape, dim, index, F: _run(F, index_add)(
        F.zeros(self_shape, grad), dim, index, grad
    ),
)
def index_select_values(self, dim, index):
    if self.ndim == 0:
        return self.copy()
    return array_namespace(self).take(self, index.reshape(-1), axis=dim)


@op(
    "IndexAddBackward0",
    self=lambda grad: grad,
    source=lambda grad, dim, index, F: _run(F, index_select_values)(grad, dim, index),
)
def index_add(self, dim, index, source):
    """self with `source` added at `index` along `dim`. On zeros, this is the gradient of
    index_select: a row selected twice gets both gradients."""
    out = self.copy()
    if out.ndim == 0:
        out += source.reshape(())
    else:
        _add_at(out, (_ALL,) * dim + (index.reshape(-1),), source)
    return out


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """torch.index_select: the entries at `index` (a vector) along `dim`, as a copy."""
    if not isinstance(index, Tensor):
        raise TypeError(
            f"index_select(): argument 'index' (position 2) must be Tensor, not {_type_name(index)}"
        )
    dim = shape.wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input.ndim == 0 and index.numel() != 1:
        raise RuntimeError(
            f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)"
        )
    if index._dtype is not dtypes.int64 and index._dtype is not dtypes.int32:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    size = input.shape[dim] if input.ndim else 1
    if size == 0 and input.ndim > 1 and index.numel():
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    data = index._data.reshape(-1)
    bad = (data < 0) | (data >= size)
    if bad.any():
        # Two CPU kernels, two messages: a fast one for dim 1, the generic one elsewhere.
        if dim == 1 and input.ndim > 1:
            raise RuntimeError(
                f"INDICES element is out of DATA bounds, id={int(data[bad][0])} axis_dim={size}"
            )
        raise IndexError("index out of range in self")
    return index_select_values(input, dim, index)


@op(
    "GatherBackward0",
    self=lambda grad, self_shape, dim, index, F: _run(F, scatter_add)(
        F.zeros(self_shape, grad), dim, index, grad
    ),
)
def gather_values(self, dim, index):
    """out[i][j] = self[index[i][j]][j] (for dim 0): NumPy's take_along_axis over the part of
    self that index covers."""
    xp = array_namespace(self)
    flat_self = self.reshape(self.shape or (1,))
    flat_index = index.reshape(index.shape or (1,))
    covered = tuple(_ALL if d == dim else slice(0, n) for d, n in enumerate(flat_index.shape))
    out = xp.take_along_axis(flat_self[covered], flat_index, axis=dim)
    return out.reshape(index.shape)


@op(
    "ScatterAddBackward0",
    self=lambda grad: grad,
    src=lambda grad, dim, index, F: _run(F, gather_values)(grad, dim, index),
)
def scatter_add(self, dim, index, src):
    """self with each element of `src` added where `index` sends it along `dim`. On zeros, this
    is the gradient of gather: each gathered element goes back where it came from."""
    xp = array_namespace(self)
    out = self.reshape(self.shape or (1,)).copy()
    flat_index = index.reshape(index.shape or (1,))
    ndim = flat_index.ndim
    key = tuple(
        flat_index if d == dim else xp.arange(n).reshape((n,) + (1,) * (ndim - d - 1))
        for d, n in enumerate(flat_index.shape)
    )
    _add_at(out, key, src.reshape(flat_index.shape))
    return out.reshape(self.shape)


def gather(
    input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Any = None
) -> Tensor:
    """torch.gather: values picked along `dim` at `index`, which has input's number of
    dimensions and is no larger elsewhere."""
    dim = shape.wrap_dim(dim, input.ndim)
    if index._dtype is not dtypes.int64 and index._dtype is not dtypes.int32:
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if max(index.ndim, 1) != max(input.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(index.ndim):
        if d != dim and index.shape[d] > input.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                f"no larger than self {list(input.shape)} apart from dimension {dim}"
            )
    size = input.shape[dim] if input.ndim else 1
    data = index._data
    bad = (data < 0) | (data >= size)
    if bad.any():
        raise RuntimeError(
            f"index {int(data[bad].reshape(-1)[0])} is out of bounds for dimension {dim} with "
            f"size {size}"
        )
    result = gather_values(input, dim, index)
    return result if out is None else inplace.write_out(out, result, "gather")


# -- masked_fill, nonzero ---------------------------------------------------------------------


@op(
    "MaskedFillBackward0",
    self=lambda grad, mask, F: _run(F, masked_fill_number)(grad, mask, 0),
)
def masked_fill_number(self, mask, value):
    xp = array_namespace(self)
    return xp.where(mask, xp.asarray(value, dtype=self.dtype), self)


@op(
    "MaskedFillBackward1",
    self=lambda grad, mask, F: _run(F, masked_fill_number)(grad, mask, 0),
    value=lambda grad, mask, F: F.sum(F.where(mask, grad, 0)),
)
def masked_fill_tensor(self, mask, value):
    return array_namespace(self).where(mask, value.astype(self.dtype), self)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """torch.masked_fill: `value` (a number or a 0-dim tensor) where `mask` is True; the mask
    broadcasts with the input. masked_fill_ is this written back into the input."""
    if mask._dtype is not dtypes.bool:
        raise RuntimeError(
            "masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{cpp_type_name(mask._dtype)}"
        )
    _broadcast_shapes(mask.shape, input.shape)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        _number(value.item(), input._dtype)  # the kernel reads it as a Scalar, checked so
        return masked_fill_tensor(input, mask, value)
    if not isinstance(value, bool | int | float | complex | np.number):
        raise TypeError(
            f"masked_fill(): argument 'value' must be Number or Tensor, not {_type_name(value)}"
        )
    return masked_fill_number(input, mask, _number(value, input._dtype)[()])


def _broadcast_shapes(a: tuple, b: tuple) -> tuple:
    """The broadcast shape of a and b, with PyTorch's error."""
    ndim = max(len(a), len(b))
    out = []
    for i in range(ndim):
        n = a[i - ndim + len(a)] if i - ndim + len(a) >= 0 else 1
        m = b[i - ndim + len(b)] if i - ndim + len(b) >= 0 else 1
        if n != m and n != 1 and m != 1:
            raise RuntimeError(
                f"The size of tensor a ({n}) must match the size of tensor b ({m}) at "
                f"non-singleton dimension {i}"
            )
        out.append(m if n == 1 else n)
    return tuple(out)


def nonzero(input: Tensor, *, out: Any = None, as_tuple: bool = False) -> Any:
    """The indices of the nonzero elements: an (n, ndim) int64 tensor, or with as_tuple one
    int64 vector per dimension (a 0-dim input counts as one dimension there). No gradient."""
    data = input._data
    xp = array_namespace(data)
    if as_tuple:
        arrays = xp.nonzero(data.reshape(-1) if data.ndim == 0 else data)
        return tuple(Tensor._wrap(a.astype(np.int64), dtypes.int64, input._device) for a in arrays)
    result = Tensor._wrap(xp.argwhere(data).astype(np.int64), dtypes.int64, input._device)
    return result if out is None else inplace.write_out(out, result, "nonzero")


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero's (n, ndim) indices cut or padded with `fill_value` to exactly `size` rows, so
    that the shape is known before the data (a 0-dim input has 0 columns here)."""
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    data = input._data
    xp = array_namespace(data)
    found = xp.argwhere(data).astype(np.int64)[:size]
    padded = xp.full((size, data.ndim), fill_value, np.int64)
    padded[: len(found)] = found
    return Tensor._wrap(padded, dtypes.int64, input._device)


def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """masked_fill written into self; on an expanded self with PyTorch's deprecation warning."""
    check_overlap = inplace.masked_fill_warning(self)
    return inplace.apply_inplace(self, lambda: masked_fill(self, mask, value), check_overlap)


TENSOR_METHODS = {
    "index_select": index_select,
    "masked_fill": masked_fill,
    "masked_fill_": masked_fill_,
    "nonzero": nonzero,
    "nonzero_static": nonzero_static,
    "gather": gather,
}
