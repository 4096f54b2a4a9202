"""Indexing: x[...] (basic indexing makes views, advanced and boolean indexing copy) and
x[...] = v (in place), with the helpers the ops beside it share (_add_at, _type_name, and
_number, which converts a number as PyTorch does for x[i] = v). The joins cat and stack are in
joins.py; index_select, gather, masked_fill and nonzero in gathering.py; repeat and flip in
repeat_and_flip.py.

x[index] follows PyTorch's two phases. First the basic items, left to right, each a view op on
the result so far: an integer selects (SelectBackward0), a slice slices (SliceBackward0), None
inserts a dimension (UnsqueezeBackward0), Ellipsis skips dimensions. Then, if tensors, lists or
booleans were among the items, one advanced index on that view (IndexBackward0), which copies.
So `x[0, [1, 2]]` is a select, then an index, exactly as PyTorch records it, and the order of the
result's dimensions is NumPy's (an advanced index on a view with only slices left behaves the
same in both).

x[index] = v reuses the first phase to find the view to write into, so the in-place rules (leaf
errors, version bumps, CopySlices on the base) are those of any in-place op on a view.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace, scatter_add
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.graph import save
from conformance.reference.ops import define, inplace, pointwise, shape
from conformance.reference.ops.define import op, view_op
from conformance.reference.ops.scalar_conversion import scalar as _number
from conformance.reference.tensor import Tensor

_ALL = slice(None)
_BOOL_OR_BYTE = (dtypes.bool, dtypes.uint8)
SEQUENCE_AS_TUPLE = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted "
    "as tensor index, x[torch.tensor(seq)], which will result either in an error or a different "
    "result"
)
BYTE_INDEX = (
    "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."
)
ZERO_DIM_INDEX = (
    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
    "to convert a 0-dim tensor to a number"
)
_run = define.formula_op


def _add_at(out: Any, key: Any, values: Any) -> None:
    """out[key] += values, adding up positions the key names more than once."""
    scatter_add(out, key, values)


def _type_name(value: Any) -> str:
    """The type name PyTorch prints: CPython's tp_name (NumPy's types carry their module)."""
    kind = type(value)
    return f"numpy.{kind.__name__}" if kind.__module__ == "numpy" else kind.__name__


# -- numbers written into a tensor ----------------------------------------------------------


def _value_tensor(self: Tensor, value: Any) -> Tensor:
    """The right-hand side of x[i] = v as a tensor; a number becomes a 0-dim tensor of x's
    dtype (so writing 2.7 into an integer tensor truncates, unlike add_, which refuses)."""
    if isinstance(value, Tensor):
        return value
    if not isinstance(value, bool | int | float | complex | np.integer):
        raise TypeError(f"can't assign a {_type_name(value)} to a {self.type()}")
    data = _number(value, self._dtype, half_as_double=True)
    xp = array_namespace(self._data)
    return Tensor._wrap(data if xp is np else xp.asarray(data), self._dtype, self._device)


# -- reading the index ----------------------------------------------------------------------


def _items(index: Any) -> tuple:
    """The index as PyTorch reads it: a tuple as it is; a short non-tuple sequence holding a
    slice, None, Ellipsis, a sequence or a tensor as a tuple too (NumPy's old heuristic, which
    PyTorch still follows, with a deprecation warning); anything else as a single item."""
    if isinstance(index, tuple):
        return index
    if _sequence_as_tuple(index):
        warnings.warn(SEQUENCE_AS_TUPLE, UserWarning, stacklevel=3)
        return tuple(index)
    return (index,)


def _sequence_as_tuple(index: Any) -> bool:
    if isinstance(index, Tensor | np.ndarray) or not isinstance(index, Sequence):
        return False
    if len(index) >= 32:
        return False
    for item in index:
        if isinstance(item, Tensor | slice | np.ndarray | Sequence) or item is None:
            return True
        if item is Ellipsis:
            return True
    return False


def _count(items: tuple) -> int:
    """How many of the tensor's dimensions the items use up: a mask uses one per dimension of
    its own; None, Ellipsis and True/False use none."""
    n = 0
    for item in items:
        if isinstance(item, Tensor):
            n += item.ndim if item._dtype in _BOOL_OR_BYTE else 1
        elif item is not None and item is not Ellipsis and item is not True and item is not False:
            n += 1
    return n


def _is_integer(item: Any) -> bool:
    if isinstance(item, int | np.integer):
        return not isinstance(item, bool)
    return isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iu"


def _select(result: Tensor, dim: int, index: int, position: int = 0) -> Tensor:
    """select() with PyTorch's indexing errors, which name the item's position in the index
    (x[0, 3] on a 2x3 tensor is out of bounds "for dimension 1", though it selects from the
    row's dimension 0)."""
    size = result.shape[dim] if result.ndim else 0
    if not -size <= index < size:
        if result.ndim == 0 and index == 0:
            raise IndexError(ZERO_DIM_INDEX)
        raise IndexError(
            f"index {index} is out of bounds for dimension {position} with size {size}"
        )
    return shape.select_index(result, dim, index)


def _slice(result: Tensor, dim: int, item: slice, keep_full: bool) -> Tensor:
    """A slice as a view; a slice that keeps the whole dimension is skipped (no node), except
    when it is the only index of x[a:b] (PyTorch's fast path records SliceBackward0 then)."""
    if result.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    size = result.shape[dim]
    start, stop, step = item.indices(size)  # validates the types, rejects a zero step
    if step < 0:
        raise ValueError("step must be greater than zero")
    raw_start = 0 if item.start is None else operator.index(item.start)
    if not keep_full and raw_start == 0 and stop == size and step == 1:
        return result
    return shape.slice_dim(result, dim, start, stop, step)


def _tensor_index(item: Tensor) -> Any:
    """An index tensor's array: int64 or int32 indices, or a bool (or, deprecated, uint8) mask."""
    if item._dtype in (dtypes.int64, dtypes.int32, dtypes.bool, dtypes.uint8):
        return item._data
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _sequence_index(item: Any) -> Any:
    """A list (or range, or NumPy array) as an index: a bool mask if it holds only booleans,
    else int64 (floats are truncated, as PyTorch does)."""
    if isinstance(item, str):
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(item, np.ndarray | Sequence):
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {_type_name(item)})"
        )
    array = np.asarray(item)
    if array.dtype == bool:
        return array
    if array.dtype.kind in "US":
        raise TypeError("new(): invalid data type 'str'")
    if array.dtype == np.uint8 and isinstance(item, np.ndarray):
        return array
    return array.astype(np.int64)


def _apply_basic(self: Tensor, items: tuple) -> tuple:
    """The first phase of x[items]: the basic items as view ops, left to right. Returns the
    view and the advanced items left for the second phase, as (dimension of the view, index
    array) pairs; a boolean item adds a dimension, indexed by [0] (True) or [] (False)."""
    specified = _count(items)
    if specified > self.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self.ndim}")
    result, dim, advanced = self, 0, []
    for position, item in enumerate(items):
        if item is None:
            result = shape.unsqueeze(result, dim)
            dim += 1
        elif item is Ellipsis:
            dim += self.ndim - specified
        elif isinstance(item, slice):
            result = _slice(result, dim, item, keep_full=False)
            dim += 1
        elif _is_integer(item):
            result = _select(result, dim, operator.index(item), position)
        else:
            flag = _as_flag(item)
            if flag is not None:
                result = shape.unsqueeze(result, dim)
                advanced.append((dim, np.zeros(1 if flag else 0, np.int64)))
                dim += 1
                continue
            if isinstance(item, Tensor):
                if item.ndim == 0 and item._dtype.category == dtypes.INTEGER:
                    result = _select(result, dim, int(item.item()), position)
                    continue
                array = _tensor_index(item)
            else:
                array = _sequence_index(item)
            advanced.append((dim, array))
            dim += array.ndim if _is_mask(array) else 1
    return result, advanced


def _is_mask(array: Any) -> bool:
    """Bool arrays are masks, and so (deprecated) are uint8 ones."""
    return array.dtype == bool or array.dtype == np.uint8


def _as_flag(item: Any) -> bool | None:
    """True/False for a boolean index (a Python bool, or a 0-dim bool or uint8 tensor)."""
    if item is True or item is False:
        return item
    if isinstance(item, Tensor) and item.ndim == 0 and item._dtype in _BOOL_OR_BYTE:
        return bool(item.item())
    if isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype == bool:
        return bool(item)
    return None


def _advanced_key(view: Tensor, advanced: list, stacklevel: int) -> tuple:
    """The NumPy key of the second phase: slices for the dimensions not indexed, an integer
    array for each indexed one (a mask becomes its nonzero() arrays, one per dimension it
    covers). Checks, in PyTorch's order: masks against the dimensions they cover, then that
    the index arrays broadcast together."""
    xp = array_namespace(view._data)
    sizes = view.shape
    key: list = []
    for dim, array in advanced:
        key.extend([_ALL] * (dim - len(key)))
        if _is_mask(array):
            if array.dtype == np.uint8:
                warnings.warn(BYTE_INDEX, UserWarning, stacklevel=stacklevel)
            start = len(key)
            for j, n in enumerate(array.shape):
                if start + j >= len(sizes):
                    raise IndexError(f"too many indices for tensor of dimension {len(sizes)}")
                if n != sizes[start + j]:
                    raise IndexError(
                        f"The shape of the mask {list(array.shape)} at index {j} does not match "
                        f"the shape of the indexed tensor {list(sizes)} at index {start + j}"
                    )
            key.extend(xp.nonzero(xp.asarray(array)))
        else:
            key.append(xp.asarray(array))
    arrays = [k for k in key if k is not _ALL]
    try:
        if len(arrays) > 1:
            np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
        ) from None
    return tuple(key)


def _check_bounds(sizes: tuple, key: tuple) -> None:
    """Every index within its dimension. PyTorch numbers the dimension among the indexed ones
    (x[:, [9]] on a 2x3 tensor is out of bounds "for dimension 0 with size 3"). PyTorch's
    kernels check an index as they use it, so an empty result checks nothing, except an index
    into a dimension of size 0, which ATen refuses while preparing the indices (x[[0]] on a
    (0, 0) tensor)."""
    check_empty_dimensions(sizes, key)
    if _selects_nothing(sizes, key):
        return
    nth = 0
    for dim, k in enumerate(key):
        if k is _ALL:
            continue
        n = sizes[dim]
        bad = (k >= n) | (k < -n)
        if bad.any():
            if n == 0:  # ATen's check of an empty dimension, worded without the index
                raise IndexError("index is out of bounds for dimension with size 0")
            raise IndexError(
                f"index {int(k[bad].reshape(-1)[0])} is out of bounds for dimension {nth} with "
                f"size {n}"
            )
        nth += 1


def check_empty_dimensions(sizes: tuple, key: tuple) -> None:
    """An index into a dimension of size 0: ATen refuses it while preparing the indices, before
    index_put_ compares the dtypes (other bounds are checked later, by the kernel)."""
    for dim, k in enumerate(key):
        if k is not _ALL and sizes[dim] == 0 and k.size:
            raise IndexError("index is out of bounds for dimension with size 0")


def _selects_nothing(sizes: tuple, key: tuple) -> bool:
    """An empty result: no index is used, so none is checked (NumPy would check them all)."""
    return 0 in _indexed_shape(sizes, key)


def _indexed_shape(sizes: tuple, key: tuple) -> tuple:
    """The shape of view[key], without computing it: the broadcast index shape stands where
    the indexed dimensions were if they are adjacent, else in front (NumPy's rule, PyTorch's)."""
    positions = [d for d, k in enumerate(key) if k is not _ALL]
    index_shape = np.broadcast_shapes(*(key[d].shape for d in positions))
    rest = [n for d, n in enumerate(sizes) if d not in positions]
    first = positions[0]
    if positions[-1] - first == len(positions) - 1:
        return tuple(rest[:first]) + index_shape + tuple(rest[first:])
    return index_shape + tuple(rest)


# -- the ops behind x[...] -------------------------------------------------------------------


@view_op("AliasBackward0", self=lambda grad: grad)
def alias(self):
    """x[...] and x[:, :]: a new view of all of x (PyTorch never returns x itself)."""
    return self.view()


@op(
    "IndexBackward0",
    self=lambda grad, self_shape, key, F: _run(F, index_put_accumulate)(
        F.zeros(self_shape, grad), key, grad
    ),
)
def advanced_index(self, key):
    """view[key] for an advanced key: a copy, contiguous as PyTorch's."""
    xp = array_namespace(self)
    if _selects_nothing(self.shape, key):
        return xp.empty(_indexed_shape(self.shape, key), self.dtype)
    return xp.ascontiguousarray(self[key])


@op(
    "IndexPutImplBackward0",
    self=lambda grad: grad,
    values=lambda grad, key, F: _run(F, advanced_index)(grad, key),
)
def index_put_accumulate(self, key, values):
    """self with `values` added at `key`, repeated positions adding up. On zeros, this is the
    gradient of x[key]: an element picked twice gets both contributions."""
    out = self.copy()
    if not _selects_nothing(self.shape, key):
        _add_at(out, key, values)
    return out


@op(
    "IndexPutBackward0",
    self=lambda grad, key, F: _run(F, index_put)(grad, key, 0),
    values=lambda grad, key, F: _run(F, advanced_index)(grad, key),
)
def index_put(self, key, values):
    """What x[key] = values writes, out of place (written into x by setitem)."""
    out = self.copy()
    if not _selects_nothing(self.shape, key):
        out[key] = values
    return out


@op("FillBackward3", self=lambda grad, F: F.zeros_like(grad), value=lambda grad: grad)
def fill_tensor(self, value):
    """What x[i] = v writes for a 0-dim v: v everywhere, in x's dtype (the gradient of v is
    the sum of the incoming one, done by the engine's reduction to v's shape)."""
    return array_namespace(self).full(self.shape, value, self.dtype)


def getitem(self: Tensor, index: Any) -> Tensor:
    """x[index]: a view for basic indexing, a copy once tensors, lists or booleans take part."""
    if _is_integer(index):  # PyTorch's fast paths, which skip counting the dimensions
        return _select(self, 0, operator.index(index))
    if isinstance(index, slice):
        return _slice(self, 0, index, keep_full=True)
    view, advanced = _apply_basic(self, _items(index))
    if not advanced:
        return alias(self) if view is self else view
    key = _advanced_key(view, advanced, stacklevel=3)
    _check_bounds(view.shape, key)
    result = _frees_key(advanced_index(view, key))
    if result.grad_fn is not None:  # PyTorch saves the index tensors: changing one breaks backward
        result.grad_fn.guards = tuple(
            save(item) for item in _items(index) if isinstance(item, Tensor) and item.ndim
        )
    return result


def _frees_key(result: Tensor) -> Tensor:
    """PyTorch saves the index tensors for the backward, and frees them after it like any saved
    tensor, so a second backward through the node raises: list the key among what the node
    frees."""
    node = result.grad_fn
    if node is not None:
        node.saved_names = (*node.saved_names, "key")
    return result


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """x[index] = value, in place: into the view that basic indexing gives (so the in-place
    rules for views apply, and the base gets CopySlices), then through index_put for the
    advanced part. A number is converted to x's dtype first, as PyTorch does."""
    value = _value_tensor(self, value)
    if index is False:  # selects nothing: nothing to write
        return
    if index is True or index is None:
        view, advanced = shape.unsqueeze(self, 0), None
    elif _is_integer(index):
        view, advanced = _select(self, 0, operator.index(index)), None
    elif isinstance(index, slice):
        view, advanced = _slice(self, 0, index, keep_full=False), None
    else:
        view, advanced = _apply_basic(self, _items(index))
    if advanced:
        _index_put_(view, advanced, value)
    else:
        _copy_into(view, value)


def _strip_leading_ones(value: Tensor) -> Tensor:
    """PyTorch drops a value's leading size-1 dimensions before broadcasting it into x[i]
    (for compatibility with old behaviour), as a view, so x[0] = ones(1, 1, 3) works."""
    sizes = tuple(value.shape)
    first = next((i for i, n in enumerate(sizes) if n != 1), len(sizes))
    return shape.view_shape(value, sizes[first:]) if first else value


def _copy_into(dst: Tensor, src: Tensor) -> None:
    """copy_ for a same-shaped value, fill_ for a 0-dim one, else copy_ of the value expanded
    to dst's shape: PyTorch's copy_to, which gives the base its node names."""
    if src.shape == dst.shape:
        inplace.apply_inplace(dst, lambda: pointwise.copy_from(dst, src))
    elif src.ndim == 0:
        inplace.apply_inplace(dst, lambda: fill_tensor(dst, src))
    else:
        src = _strip_leading_ones(src)
        if src.shape != dst.shape:
            src = shape.expand_shape(src, tuple(dst.shape))
        inplace.apply_inplace(dst, lambda: pointwise.copy_from(dst, src))


def _index_put_(view: Tensor, advanced: list, value: Tensor) -> None:
    value = _strip_leading_ones(value)

    def compute() -> Tensor:
        fills_a_mask = _fills_a_mask(advanced, value)
        key = _advanced_key(view, advanced, stacklevel=6)
        if not fills_a_mask:
            target = _indexed_shape(view.shape, key)
            if not _expandable(value.shape, target):
                raise RuntimeError(
                    f"shape mismatch: value tensor of shape {list(value.shape)} cannot be "
                    f"broadcast to indexing result of shape {list(target)}"
                )
            if value._dtype is not view._dtype:
                raise RuntimeError(
                    "Index put requires the source and destination dtypes match, got "
                    f"{scalar_type_name(view._dtype)} for the destination and "
                    f"{scalar_type_name(value._dtype)} for the source."
                )
        _check_bounds(view.shape, key)
        return _frees_key(index_put(view, key, value))

    check_overlap = inplace.index_put_warning(view)
    if not check_overlap and _fills_a_mask(advanced, value):
        inplace.masked_fill_warning(view)  # (PyTorch's index_put_ hands a mask to masked_fill_)
    inplace.apply_inplace(view, compute, check_overlap)


def _fills_a_mask(advanced: list, value: Tensor) -> bool:
    """x[mask] = v with a one-element v is done by masked_fill_, which converts v to x's
    dtype instead of insisting on the same dtype (and refuses the deprecated uint8 masks)."""
    if len(advanced) != 1 or not _is_mask(advanced[0][1]) or value.numel() != 1:
        return False
    if advanced[0][1].dtype == np.uint8:
        raise RuntimeError(
            "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char"
        )
    return True


def _expandable(shape_: tuple, target: tuple) -> bool:
    if len(shape_) > len(target):
        return False
    return all(n == 1 or n == m for n, m in zip(reversed(shape_), reversed(target), strict=False))


def delitem(self: Tensor, index: Any) -> None:
    raise TypeError("Tensor does not support deleting items")


TENSOR_METHODS = {
    "__getitem__": getitem,
    "__setitem__": setitem,
    "__delitem__": delitem,
}
