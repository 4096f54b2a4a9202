"""Indexing: x[...] (basic indexing makes views, advanced and boolean indexing copy),
x[...] = v (in place), the joins cat and stack, and the index-driven ops (index_select, gather,
masked_fill, nonzero, repeat, flip).

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

import math
import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.graph import Node, edge, save
from conformance.reference.ops import define, inplace, pointwise, shape
from conformance.reference.ops.define import op, view_op
from conformance.reference.tensor import Tensor

__all__ = [
    "cat",
    "concat",
    "concatenate",
    "stack",
    "index_select",
    "masked_fill",
    "nonzero",
    "gather",
    "flip",
]

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
# ... and the names its checked conversion of a number uses.
_CONVERSION_NAMES = {
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "int64": "int64_t",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}
# The largest finite value of the floating dtypes narrower than a double (per component).
_FLOAT_MAX = {
    "float16": 65504.0,
    "bfloat16": 3.3895313892515355e38,
    "float32": 3.4028234663852886e38,
    "complex64": 3.4028234663852886e38,
}


_run = define.formula_op


def _add_at(out: Any, key: Any, values: Any) -> None:
    """out[key] += values, adding up positions the key names more than once."""
    if isinstance(out, np.ndarray):
        np.add.at(out, key, values)
    else:
        import cupyx

        cupyx.scatter_add(out, key, values)


def _type_name(value: Any) -> str:
    """The type name PyTorch prints: CPython's tp_name (NumPy's types carry their module)."""
    kind = type(value)
    return f"numpy.{kind.__name__}" if kind.__module__ == "numpy" else kind.__name__


# -- numbers written into a tensor ----------------------------------------------------------


def _number(value: Any, dtype: dtypes.dtype, half_as_double: bool = False) -> Any:
    """A Python number converted to `dtype` as PyTorch converts it for x[i] = v and masked_fill:
    checked rather than wrapped silently. Negative integers still wrap into an unsigned dtype
    (-1 becomes 255) and floats are truncated into integer dtypes, but a value outside the
    dtype's range raises. x[i] = v checks the 16-bit floats as doubles (70000 becomes inf)."""
    if isinstance(value, bool):
        value = int(value)
    elif isinstance(value, int | np.integer):
        value = int(value)
        if not -(2**63) <= value < 2**63:
            raise ValueError("Overflow when unpacking long long")
    checked = dtype
    if half_as_double and dtype in (dtypes.float16, dtypes.bfloat16):
        checked = dtypes.float64
    if not _fits(value, checked):
        name = _CONVERSION_NAMES[checked.name]
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    if isinstance(value, complex) and dtype.category != dtypes.COMPLEX:
        value = value.real
    with np.errstate(over="ignore"):  # a 16-bit float may overflow to inf, as in PyTorch
        return np.asarray(value).astype(dtype.np)


def _fits(value: Any, dtype: dtypes.dtype) -> bool:
    if dtype is dtypes.bool:
        return True
    if isinstance(value, complex) and dtype.category != dtypes.COMPLEX:
        if value.imag != 0:
            return False
        value = value.real
    if dtype.category >= dtypes.FLOATING:  # infinities and NaN always fit
        high = _FLOAT_MAX.get(dtype.name, math.inf)
        parts = (value.real, value.imag) if isinstance(value, complex) else (value,)
        return all(-high <= p <= high or math.isinf(p) or p != p for p in parts)
    low, high = dtypes.bounds(dtype)
    if isinstance(value, float):
        return not math.isnan(value) and low <= value <= high
    if low == 0:  # unsigned: negative integers wrap around, as in C
        return value <= high and -value <= high
    return low <= value <= high


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
    kernels check an index as they use it, so an empty result checks nothing."""
    if _selects_nothing(sizes, key):
        return
    nth = 0
    for dim, k in enumerate(key):
        if k is _ALL:
            continue
        n = sizes[dim]
        bad = (k >= n) | (k < -n)
        if bad.any():
            raise IndexError(
                f"index {int(k[bad].reshape(-1)[0])} is out of bounds for dimension {nth} with "
                f"size {n}"
            )
        nth += 1


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

    inplace.apply_inplace(view, compute)


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


# -- cat and stack ---------------------------------------------------------------------------


class _JoinBackward(Node):
    """The grad_fn of cat and stack: input i gets its part of the gradient along `dim`, in its
    own dtype. Only sizes are kept, so there is nothing to free after a backward."""

    __slots__ = ("dim", "parts", "metas", "device")

    def apply(self, grads: list, create_graph: bool) -> tuple:
        grad = grads[0]
        if create_graph:
            if not isinstance(grad, Tensor):
                grad = Tensor._wrap(grad, dtypes.from_numpy_dtype(grad.dtype), self.device)
        elif isinstance(grad, Tensor):
            grad = grad._data
        results = []
        for (node, _), part, (sizes, dtype) in zip(
            self.next_functions, self.parts, self.metas, strict=True
        ):
            if node is None:
                results.append(None)
            elif create_graph:
                piece = self.piece_of(grad, part, sizes, create_graph)
                results.append(piece if piece.dtype is dtype else piece.to(dtype))
            else:  # astype copies: the piece must not alias the incoming gradient
                results.append(self.piece_of(grad, part, sizes, create_graph).astype(dtype.np))
        return tuple(results)


class CatBackward0(_JoinBackward):
    """part: the (start, stop) of an input along `dim`, or None for a skipped empty input."""

    __slots__ = ()
    __module__ = "torch"  # as the nodes of declared ops

    def piece_of(self, grad: Any, part: Any, sizes: tuple, create_graph: bool) -> Any:
        if part is None:
            return _zeros_like_input(grad, sizes, create_graph)
        start, stop = part
        if create_graph:
            return shape.slice_dim(grad, self.dim, start, stop, 1)
        return grad[(_ALL,) * self.dim + (slice(start, stop),)]


class StackBackward0(_JoinBackward):
    """part: the position of an input along `dim`."""

    __slots__ = ()
    __module__ = "torch"

    def piece_of(self, grad: Any, part: Any, sizes: tuple, create_graph: bool) -> Any:
        if create_graph:
            return shape.select_index(grad, self.dim, part)
        return grad[(_ALL,) * self.dim + (part,)]


def _zeros_like_input(grad: Any, sizes: tuple, create_graph: bool) -> Any:
    if create_graph:
        return grad.new_zeros(sizes)
    return array_namespace(grad).zeros(sizes, grad.dtype)


def _record_join(node_type: type, tensors: list, result: Tensor, dim: int, parts: list) -> None:
    """Attach the join's node if some input requires grad (and the result can carry it)."""
    if not grad_mode.STATE.grad_enabled or result._dtype.category < dtypes.FLOATING:
        return
    edges = tuple(edge(t) for t in tensors)
    if all(node is None for node, _ in edges):
        return
    node = node_type(edges)
    node.dim, node.parts, node.device = dim, parts, result._device
    node.metas = [(t._data.shape, t._dtype) for t in tensors]
    result._requires_grad, result.grad_fn = True, node


def _tensor_list(name: str, tensors: Any) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, list | tuple):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{_type_name(tensors)}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {_type_name(t)}"
            )
    return list(tensors)


def _common_dtype(tensors: list) -> dtypes.dtype:
    """Joins promote like one elementwise op over all inputs (every input has dimensions)."""
    dtype = tensors[0]._dtype
    for t in tensors[1:]:
        dtype = dtypes.promote_types(dtype, t._dtype)
    return dtype


def _check_dim_type(name: str, dim: Any) -> None:
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {_type_name(dim)}")


def cat(
    tensors: Any, dim: int = 0, *, axis: int | None = None, out: Tensor | None = None
) -> Tensor:
    """torch.cat: join along an existing dimension, promoting dtypes. As in PyTorch, 1-D empty
    tensors are skipped whatever their shape (a legacy rule), and 0-dim tensors refused."""
    tensors = _tensor_list("cat", tensors)
    dim = dim if axis is None else axis
    _check_dim_type("cat", dim)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    shapes = [t._data.shape for t in tensors]
    for i, sizes in enumerate(shapes):
        if not sizes:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    define.check_same_device(tensors)
    dtype = _common_dtype(tensors)
    kept = [t._data for t, sizes in zip(tensors, shapes, strict=True) if sizes != (0,)]
    xp = array_namespace(tensors[0]._data)
    if not kept:
        data, dim, parts = xp.zeros((0,), dtype.np), 0, [None] * len(tensors)
    else:
        first = kept[0].shape
        dim = shape.wrap_dim(dim, len(first))
        parts, start = [], 0
        for i, sizes in enumerate(shapes):
            if sizes == (0,):  # skipped
                parts.append(None)
                continue
            if sizes != first:
                _check_cat_shape(first, sizes, dim, i)
            parts.append((start, start + sizes[dim]))
            start += sizes[dim]
        # Row-major, as PyTorch's is (NumPy would give a column-major result for
        # column-major inputs).
        data = xp.ascontiguousarray(
            xp.concatenate([a.astype(dtype.np, copy=False) for a in kept], axis=dim)
        )
    result = Tensor._wrap(data, dtype, tensors[0]._device)
    _record_join(CatBackward0, tensors, result, dim, parts)
    return result if out is None else inplace.write_out(out, result, "cat")


def _check_cat_shape(first: tuple, sizes: tuple, dim: int, i: int) -> None:
    if len(sizes) != len(first):
        raise RuntimeError(
            f"Tensors must have same number of dimensions: got {len(first)} and {len(sizes)}"
        )
    for d, (expected, got) in enumerate(zip(first, sizes, strict=True)):
        if d != dim and expected != got:
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {dim}. Expected size "
                f"{expected} but got size {got} for tensor number {i} in the list."
            )


concat = cat
concatenate = cat


def stack(tensors: Any, dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """torch.stack: join equal-shaped tensors along a new dimension, promoting dtypes."""
    tensors = _tensor_list("stack", tensors)
    _check_dim_type("stack", dim)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    dim = shape.wrap_dim(dim, tensors[0].ndim + 1)
    sizes = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != sizes:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(sizes)} at entry 0 "
                f"and {list(t.shape)} at entry {i}"
            )
    define.check_same_device(tensors)
    dtype = _common_dtype(tensors)
    xp = array_namespace(tensors[0]._data)
    data = xp.ascontiguousarray(  # row-major, as for cat
        xp.stack([t._data.astype(dtype.np, copy=False) for t in tensors], axis=dim)
    )
    result = Tensor._wrap(data, dtype, tensors[0]._device)
    _record_join(StackBackward0, tensors, result, dim, list(range(len(tensors))))
    return result if out is None else inplace.write_out(out, result, "stack")


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


# -- repeat, flip -----------------------------------------------------------------------------


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


def delitem(self: Tensor, index: Any) -> None:
    raise TypeError("Tensor does not support deleting items")


TENSOR_METHODS = {
    "__getitem__": getitem,
    "__setitem__": setitem,
    "__delitem__": delitem,
    "index_select": index_select,
    "masked_fill": masked_fill,
    "nonzero": nonzero,
    "gather": gather,
    "repeat": repeat,
    "flip": _flip_method,
}
TENSOR_IN_PLACE = {"masked_fill_": masked_fill}
