"""torch.memory_format, and the layout a copy gets.

A copy made with `preserve_format` (clone's default, and the rule TensorIterator follows for
elementwise results) keeps its source's strides when the source is dense without overlap (a
transpose, a permute), and otherwise keeps the order of its dimensions in memory with dense
strides (a strided slice, an expand). `contiguous_format` is row-major.
"""

from __future__ import annotations

from typing import Any


class memory_format:  # noqa: N801 - PyTorch's name
    """One of PyTorch's memory formats: only the four named below exist."""

    __slots__ = ("_name",)
    __module__ = "torch"

    def __new__(cls, *args: Any, **kwargs: Any) -> memory_format:
        raise TypeError("cannot create 'torch.memory_format' instances")

    @classmethod
    def _named(cls, name: str) -> memory_format:
        format_ = object.__new__(cls)
        format_._name = name
        return format_

    def __repr__(self) -> str:
        return f"torch.{self._name}"


class layout:  # noqa: N801 - PyTorch's name
    """How a tensor's elements are stored: every tensor here is `torch.strided` (PyTorch's
    sparse layouts are not implemented)."""

    __slots__ = ("_name",)
    __module__ = "torch"

    def __new__(cls, *args: Any, **kwargs: Any) -> layout:
        raise TypeError("cannot create 'torch.layout' instances")

    def __repr__(self) -> str:
        return f"torch.{self._name}"


strided = object.__new__(layout)
strided._name = "strided"

contiguous_format = memory_format._named("contiguous_format")
preserve_format = memory_format._named("preserve_format")
channels_last = memory_format._named("channels_last")
channels_last_3d = memory_format._named("channels_last_3d")


def is_non_overlapping_and_dense(shape: tuple, strides: tuple) -> bool:
    """Whether the elements fill a block of memory once each, in some order of the
    dimensions (dimensions of size 0 or 1 have no say)."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    expected = 1
    for dim in sorted((d for d in range(len(shape)) if shape[d] > 1), key=lambda d: strides[d]):
        if strides[dim] != expected:
            return False
        expected *= shape[dim]
    return True


def dense_strides(shape: tuple, strides: tuple, *more: tuple, empty_steps: int = 1) -> tuple:
    """Dense strides that keep the order of the dimensions in memory, as PyTorch infers them
    (memory_order). With `more` stride tuples (TensorIterator's rule for elementwise results),
    a comparison the first cannot decide goes to the next."""
    ndim = len(shape)
    if ndim < 2:
        return (1,) * ndim
    return _dense_in_order(shape, memory_order(shape, strides, *more), empty_steps)


def memory_order(shape: tuple, *stride_tuples: tuple, reduced: frozenset = frozenset()) -> list:
    """The dimensions innermost first, as PyTorch orders them (TensorIterator's
    reorder_dimensions): a stable insertion sort from the last dimension out, where a zero
    stride compares equal to anything (so an expanded dimension stays where it is), equal
    strides put the smaller size inside, and a comparison one stride tuple cannot decide goes
    to the next. A reduction's `reduced` dimensions go inside the others."""

    def after(a: int, b: int) -> int:  # 1: a goes outside b, -1: inside, 0: either
        if (a in reduced) != (b in reduced):
            return -1 if a in reduced else 1
        for st in stride_tuples:
            if st[a] == 0 or st[b] == 0:
                continue
            if st[a] != st[b]:
                return 1 if st[a] > st[b] else -1
            if shape[a] > shape[b]:
                return 1
        return 0

    order = list(reversed(range(len(shape))))
    for i in range(1, len(shape)):
        moving = i
        for j in range(i - 1, -1, -1):
            comparison = after(order[j], order[moving])
            if comparison > 0:
                order[j], order[moving] = order[moving], order[j]
                moving = j
            elif comparison < 0:
                break
    return order


def is_contiguous(shape: tuple, strides: tuple, format_: Any = None) -> bool:
    """PyTorch's is_contiguous(format_) (row-major by default): dimensions of size 1 have no
    say, and an empty tensor is contiguous."""
    if 0 in shape:
        return True
    wanted = strides_for(format_ or contiguous_format, shape, strides)
    return all(n < 2 or s == w for n, s, w in zip(shape, strides, wanted, strict=True))


def elementwise_strides(shape: tuple, operands: list) -> tuple:
    """The strides, in elements, PyTorch's TensorIterator gives an elementwise result of
    `shape` computed from `operands`: the (shape, strides) of each argument in order, a Python
    number counting as a 0-dim tensor. When every operand has the result's shape and they are
    all row-major, all channels-last or all dense with one set of strides, the result takes
    that layout; otherwise the operands' strides are sorted, the first operand deciding unless
    it is broadcast along the dimensions compared."""
    ndim = len(shape)
    if all(s == shape for s, _ in operands):
        if all(is_contiguous(s, st) for s, st in operands):
            return strides_for(contiguous_format, shape, ())
        if ndim == 4 and all(is_contiguous(s, st, channels_last) for s, st in operands):
            return strides_for(channels_last, shape, ())
        first = operands[0][1]
        if all(st == first and is_non_overlapping_and_dense(s, st) for s, st in operands):
            return first
    aligned = []
    for op_shape, op_strides in operands:
        lead = ndim - len(op_shape)
        aligned.append(
            (0,) * lead
            + tuple(
                0 if n == 1 and shape[lead + i] != 1 else st
                for i, (n, st) in enumerate(zip(op_shape, op_strides, strict=True))
            )
        )
    if not aligned:
        return strides_for(contiguous_format, shape, ())
    return dense_strides(shape, *aligned, empty_steps=0)


def preserved_strides(shape: tuple, strides: tuple) -> tuple:
    """The strides of a `preserve_format` copy, in elements."""
    if is_non_overlapping_and_dense(shape, strides):
        return strides
    return dense_strides(shape, strides)


# The order of a 4-d and a 5-d tensor's dimensions in memory, innermost first, under the
# channels-last formats (channels innermost, then width, height (depth), batch outermost).
_CHANNELS_LAST = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}


def strides_for(format_: Any, shape: tuple, strides: tuple) -> tuple:
    """The strides, in elements, of a copy in `format_` (None is preserve_format) of a tensor
    with this shape and these strides."""
    if format_ is None or format_ is preserve_format:
        return preserved_strides(shape, strides)
    if format_ is contiguous_format:
        return _dense_in_order(shape, tuple(reversed(range(len(shape)))))
    order = _CHANNELS_LAST.get(format_)
    if order is None:
        raise TypeError(
            f"memory_format must be a torch.memory_format, not {type(format_).__name__}"
        )
    if len(shape) != len(order):
        raise RuntimeError(f"required rank {len(order)} tensor to use {format_._name} format")
    return _dense_in_order(shape, order)


def _dense_in_order(shape: tuple, order: tuple, empty_steps: int = 1) -> tuple:
    """Dense strides with the dimensions laid out in `order`, innermost first. A dimension of
    size 0 steps as one of size `empty_steps`: 1 for PyTorch's copies, 0 for TensorIterator's
    results."""
    result = [0] * len(shape)
    step = 1
    for dim in order:
        result[dim] = step
        step *= shape[dim] or empty_steps
    return tuple(result)
