"""The joins: cat (and its aliases concat and concatenate) and stack make one tensor of a list
of tensors, promoting dtypes, and record CatBackward0 or StackBackward0, which hand each input
its part of the gradient along the joined dimension.

The node class they share, _JoinBackward, is block_diag's too (strided.py), and
splits_and_stacks.py builds hstack, vstack and dstack on cat. _ALL and _type_name come from
indexing.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.graph import Node, edge
from conformance.reference.ops import define, inplace, shape
from conformance.reference.ops.indexing import _ALL, _type_name
from conformance.reference.tensor import Tensor

__all__ = ["cat", "concat", "concatenate", "stack"]


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
