"""Splits and stacks: tensor_split and its one-dimension forms hsplit, vsplit and dsplit (views,
a SliceBackward0 each), the NumPy-style joins hstack, vstack (row_stack), dstack and
column_stack (one CatBackward0, built on joins.cat), and atleast_1d, atleast_2d and atleast_3d,
which the stacks use to bring their inputs to a common number of dimensions.

The views come from shape.py, cat and the tensor-list check from joins.py, _type_name from
indexing.py. The rest of the element-moving family is in rearranging.py (view aliases,
diagonals, triangles), rolls_and_tiles.py and picking.py.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from conformance.reference import dtypes, grad_mode
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import joins, shape
from conformance.reference.ops.argument_errors import invalid_arguments
from conformance.reference.ops.define import op
from conformance.reference.ops.indexing import _type_name
from conformance.reference.tensor import Tensor

__all__ = [
    "split_with_sizes",
    "unsafe_split",
    "unsafe_chunk",
    "unsafe_split_with_sizes",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "hstack",
    "vstack",
    "row_stack",
    "dstack",
    "column_stack",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
]


# -- splits --------------------------------------------------------------------------------


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


_SPLIT_OVERLOADS = ("Tensor input, int sections", "Tensor input, tuple of ints indices")


def _is_index(value: Any) -> bool:
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def _split_along(name: str, input: Tensor, how: Any, dim: int, least: int) -> tuple:
    """hsplit, vsplit and dsplit: tensor_split along one dimension, but a number of sections
    must divide the dimension evenly."""
    if isinstance(how, bool) or not isinstance(how, list | tuple) and not _is_index(how):
        raise invalid_arguments(name, _SPLIT_OVERLOADS, (input, how))
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


# -- stacks, and the atleast_nd ops they use ---------------------------------------------------


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


# -- split_with_sizes and the unsafe splits -----------------------------------------------------


def _check_split_sizes(input: Tensor, split_sizes: Any, dim: int) -> tuple[tuple, int]:
    if isinstance(split_sizes, int) or not all(isinstance(s, int) for s in split_sizes):
        raise TypeError(
            "split_with_sizes(): argument 'split_sizes' (position 1) must be tuple of ints, not "
            f"{_type_name(split_sizes)}"
        )
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = shape.wrap_dim(dim, input.ndim)
    sizes = list(split_sizes)
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            "split_with_sizes expects split_sizes have only non-negative entries, but got "
            f"split_sizes={sizes}"
        )
    if sum(sizes) != input.shape[dim]:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {input.shape[dim]} (input "
            f"tensor's size at dimension {dim}), but got split_sizes={sizes}"
        )
    return tuple(sizes), dim


def split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple:
    """Views of the given lengths along dim, one SplitWithSizesBackward0 for all; the lengths
    must be non-negative and add up to the dimension."""
    sizes, dim = _check_split_sizes(input, split_sizes, dim)
    return shape.split_with_sizes(input, sizes, dim)


@op("UnsafeSplitBackward0", self=lambda grads, dim, F: F.cat(grads, dim))
def _unsafe_split(self, sizes, dim):
    return shape._pieces(self, sizes, dim)


@op("UnsafeSplitWithSizesBackward0", self=lambda grads, dim, F: F.cat(grads, dim))
def _unsafe_split_with_sizes(self, sizes, dim):
    return shape._pieces(self, sizes, dim)


def _piece_sizes(pieces: tuple, dim: int) -> tuple:
    return tuple(p.shape[dim] for p in pieces)


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    """split(n) whose pieces share memory with input without being views to autograd: each
    may be changed in place (its own version counter, no CopySlices), which split's refuse."""
    if not isinstance(split_size, int):
        raise TypeError(
            "unsafe_split(): argument 'split_size' (position 1) must be int, not "
            f"{_type_name(split_size)}"
        )
    with grad_mode.no_grad():  # the pieces split() would give, for their lengths and errors
        pieces = shape.split(input, split_size, dim)
    dim = shape.wrap_dim(dim, input.ndim)
    return _unsafe_split(input, _piece_sizes(pieces, dim), dim)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """chunk() with unsafe_split's pieces (UnsafeSplitBackward0)."""
    with grad_mode.no_grad():
        pieces = shape.chunk(input, chunks, dim)
    dim = shape.wrap_dim(dim, input.ndim)
    return _unsafe_split(input, _piece_sizes(pieces, dim), dim)


def unsafe_split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple:
    """split_with_sizes() with pieces that are not views to autograd."""
    sizes, dim = _check_split_sizes(input, split_sizes, dim)
    return _unsafe_split_with_sizes(input, sizes, dim)


TENSOR_METHODS: dict = {
    "split_with_sizes": split_with_sizes,
    "unsafe_split": unsafe_split,
    "unsafe_chunk": unsafe_chunk,
    "unsafe_split_with_sizes": unsafe_split_with_sizes,
    "tensor_split": tensor_split,
    "hsplit": hsplit,
    "vsplit": vsplit,
    "dsplit": dsplit,
}
