"""Pooling of torch.nn.functional (max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool2d), with
PyTorch's checks, node names and derivatives.

Each pooling gathers, for each kernel offset (a loop over the kernel, never over pixels), the
input positions that offset meets as one strided slice. Max pooling first finds the index of
each window's maximum, as PyTorch's kernel does (the first of equal maxima, the last NaN),
and is then a gather at those indices: its derivative scatters the gradient back to them,
and that scatter's derivative is the gather again. Average pooling's derivative spreads each
gradient evenly over its window, and that spreading's derivative is the average pooling
again. The 1-D forms are the 2-D ones on an unsqueezed input, as in PyTorch (the graph ends
in SqueezeBackward1). The windows, the max indices, the ops and the shape checks here take
any number of spatial dims: nn/pooling3d.py's forms use them too.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import operator
from typing import Any

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.common import _dim
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.indexing import _add_at, _type_name
from conformance.reference.ops.pointwise_common import opmath
from conformance.reference.tensor import Tensor

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
]


# -- windows ----------------------------------------------------------------------------------


def _output_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: with ceil_mode the last window may hang over the end,
    but must start inside the input or its left padding."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _windows(x: Any, kernel, stride, padding, dilation, out, fill) -> Any:
    """(N, C, K, oH, oW): the value each kernel offset meets at each output position, `fill`
    where it falls outside the input."""
    widths = [(0, 0), (0, 0)]
    for n, k, s, p, d, o in zip(x.shape[2:], kernel, stride, padding, dilation, out, strict=True):
        widths.append((p, max(0, (o - 1) * s + d * (k - 1) + 1 - n - p)))
    padded = array_namespace(x).pad(x, widths, constant_values=fill)
    keys = [
        (Ellipsis,)
        + tuple(
            slice(q * d, q * d + s * (o - 1) + 1, s)
            for q, s, d, o in zip(offset, stride, dilation, out, strict=True)
        )
        for offset in itertools.product(*(range(k) for k in kernel))
    ]
    return array_namespace(x).stack([padded[key] for key in keys], axis=2), keys, widths


def _positions(n: int, k: int, s: int, p: int, d: int, o: int) -> np.ndarray:
    """(k, o): the input position each kernel offset meets at each output position."""
    return np.arange(o)[None, :] * s - p + np.arange(k)[:, None] * d


def _batched(a: Any, rank: int) -> Any:
    """An unbatched (C, *spatial) as a batch of one: PyTorch's pooling takes both."""
    return a[None] if a.ndim == rank + 1 else a


def _flat(a: Any, rank: int) -> Any:
    """(N * C, the spatial elements), or (C, ...) for an unbatched input: a row per plane (or
    volume), which the max indices point into."""
    return a.reshape(math.prod(a.shape[:-rank]), math.prod(a.shape[-rank:]))


# -- max pooling ------------------------------------------------------------------------------


def _max_indices(x: Any, kernel, stride, padding, dilation, out) -> Any:
    """Per window, the flat index (into H * W, or D * H * W) of its maximum: the first of
    equal maxima in the order the window is scanned (depth, then rows, then columns), or the
    last NaN if there is one (PyTorch's `val > max || isnan(val)`)."""
    rank = len(kernel)
    xp = array_namespace(x)
    x = _batched(opmath(x), rank)
    floating = x.dtype.kind == "f"
    low = -np.inf if floating else np.iinfo(x.dtype).min
    values, _, _ = _windows(x, kernel, stride, padding, dilation, out, low)
    spatial = x.shape[2:]
    valid = np.ones((1,) * 2 * rank, dtype=bool)
    flat = np.zeros((1,) * 2 * rank, dtype=np.int64)
    for axis, (n, k, s, p, d, o) in enumerate(
        zip(spatial, kernel, stride, padding, dilation, out, strict=True)
    ):
        place = [1] * 2 * rank
        place[axis], place[axis + rank] = k, o
        pos = _positions(n, k, s, p, d, o).reshape(place)  # (k, o) at (axis, axis + rank)
        valid = valid & (pos >= 0) & (pos < n)
        flat = flat + pos * math.prod(spatial[axis + 1 :])
    valid = xp.asarray(np.broadcast_to(valid, (*kernel, *out)).reshape(-1, *out))
    flat = xp.asarray(np.broadcast_to(flat, (*kernel, *out)).reshape(-1, *out))
    top = values.max(axis=2, keepdims=True)
    chosen = xp.argmax((values == top) & valid, axis=2)
    if floating:
        nan = xp.isnan(values)
        last_nan = values.shape[2] - 1 - xp.argmax(nan[:, :, ::-1], axis=2)
        chosen = xp.where(nan.any(axis=2), last_nan, chosen)
    flat = xp.broadcast_to(flat, values.shape)
    return xp.take_along_axis(flat, chosen[:, :, None], axis=2)[:, :, 0].astype(np.int64)


def _max_pool_ops(rank: int) -> tuple:
    """The gather at the max indices and its derivative, for `rank` spatial dims: one code
    for 2-D and 3-D pooling, under the node names PyTorch gives each."""

    @op(
        f"MaxPool{rank}DWithIndicesBackward0",
        self=lambda grad, self, indices, F: formula_op(F, max_pool_backward)(grad, self, indices),
    )
    def max_pool(self, indices):
        """The elements the indices point at: each window's maximum."""
        xp = array_namespace(self)
        taken = xp.take_along_axis(_flat(self, rank), _flat(indices, rank), axis=1)
        return taken.reshape(indices.shape)

    @op(
        f"MaxPool{rank}DWithIndicesBackwardBackward0",
        grad_output=lambda grad, indices, F: formula_op(F, max_pool)(grad, indices),
        self=lambda grad, F: F.zeros_like(grad),
    )
    def max_pool_backward(grad_output, self, indices):
        """Each window's gradient added to the element that was its maximum. As in PyTorch,
        the pooled input is an input (for its shape), with a zero derivative."""
        out = array_namespace(grad_output).zeros(self.shape, dtype=grad_output.dtype)
        rows = _flat(out, rank)
        lead = array_namespace(indices).arange(rows.shape[0])[:, None] * rows.shape[1]
        which = lead + _flat(indices, rank)
        _add_at(rows.reshape(-1), which.reshape(-1), _flat(grad_output, rank).reshape(-1))
        return out

    return max_pool, max_pool_backward


_max_pool2d, max_pool2d_backward = _max_pool_ops(2)


# -- average pooling --------------------------------------------------------------------------


def _avg_divisors(shape: tuple, out: tuple, settings: tuple) -> np.ndarray:
    """(oH, oW), or (oD, oH, oW): what each window's sum is divided by. With
    count_include_pad a window counts its padding, but not what ceil_mode lets it hang beyond
    the padding."""
    kernel, stride, padding, _, count_include_pad, divisor_override = settings
    if divisor_override is not None:
        return np.full(out, divisor_override)
    divisor = np.ones((1,) * len(out), dtype=np.int64)
    for axis, (n, k, s, p, o) in enumerate(zip(shape, kernel, stride, padding, out, strict=True)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        size = end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0)
        place = [1] * len(out)
        place[axis] = o
        divisor = divisor * size.reshape(place)
    return divisor


def _divide(total: Any, divisor: Any) -> Any:
    """total / divisor; integers truncate toward zero, as C++ division does (a negative
    divisor_override included)."""
    xp = array_namespace(total)
    divisor = xp.asarray(divisor)
    if total.dtype.kind == "f":
        return total / divisor.astype(total.dtype)
    return xp.sign(total) * xp.sign(divisor) * (xp.abs(total) // xp.abs(divisor))


def _avg_pool_ops(rank: int) -> tuple:
    """Average pooling and its derivative, for `rank` spatial dims: one code for 2-D and 3-D
    pooling, under the node names PyTorch gives each."""
    ones = (1,) * rank

    @op(
        f"AvgPool{rank}DBackward0",
        self=lambda grad, self, settings, F: formula_op(F, avg_pool_backward)(grad, self, settings),
    )
    def avg_pool(self, settings):
        """Each window's sum (from 0, so that -0.0 inputs give 0.0, as PyTorch's do) divided
        by its divisor. `settings` = (kernel, stride, padding, ceil_mode, count_include_pad,
        divisor_override)."""
        kernel, stride, padding, ceil_mode = settings[:4]
        x = _batched(opmath(self), rank)
        out = tuple(
            _output_size(n, k, s, p, 1, ceil_mode)
            for n, k, s, p in zip(x.shape[2:], kernel, stride, padding, strict=True)
        )
        values, _, _ = _windows(x, kernel, stride, padding, ones, out, 0)
        total = values.sum(axis=2) + x.dtype.type(0)
        divisor = _avg_divisors(x.shape[2:], out, settings)
        result = _divide(total, divisor).astype(self.dtype, copy=False)
        return result.reshape(*self.shape[:-rank], *out)

    @op(
        f"AvgPool{rank}DBackwardBackward0",
        grad_output=lambda grad, settings, F: formula_op(F, avg_pool)(grad, settings),
        self=lambda grad, F: F.zeros_like(grad),
    )
    def avg_pool_backward(grad_output, self, settings):
        """Each window's gradient divided by its divisor and added to every input element the
        window covers (its padding takes none). The pooled input gives the shape (as in
        PyTorch, an input with a zero derivative)."""
        self_shape = self.shape
        kernel, stride, padding = settings[:3]
        g = _batched(opmath(grad_output), rank)
        xp = array_namespace(g)
        out, spatial = g.shape[2:], tuple(self_shape[-rank:])
        share = g / xp.asarray(_avg_divisors(spatial, out, settings)).astype(g.dtype)
        empty = xp.zeros((0, 0, *spatial), g.dtype)
        _, keys, widths = _windows(empty, kernel, stride, padding, ones, out, 0)
        padded = tuple(n + a + b for n, (a, b) in zip(spatial, widths[2:], strict=True))
        result = xp.zeros((*g.shape[:2], *padded), dtype=g.dtype)
        for key in keys:
            result[key] += share
        crop = (Ellipsis,) + tuple(
            slice(a, a + n) for n, (a, _) in zip(spatial, widths[2:], strict=True)
        )
        return result[crop].astype(grad_output.dtype, copy=False).reshape(self_shape)

    return avg_pool, avg_pool_backward


_avg_pool2d, avg_pool2d_backward = _avg_pool_ops(2)


# -- adaptive average pooling -----------------------------------------------------------------


def _adaptive_windows(n: int, o: int) -> tuple[np.ndarray, np.ndarray]:
    """Output i averages [floor(i * n / o), ceil((i + 1) * n / o)): (starts, lengths)."""
    i = np.arange(o)
    start = i * n // o
    end = -(-(i + 1) * n // o)
    return start, end - start


def _adaptive_taps(shape: tuple, out: tuple) -> list:
    """Per (row offset, column offset) within the largest window: the input positions (oH, oW,
    flattened into H * W) and whether the offset falls inside each window."""
    (h_start, h_len), (w_start, w_len) = (
        _adaptive_windows(n, o) for n, o in zip(shape, out, strict=True)
    )
    height, width = shape
    taps = []
    for i, j in itertools.product(range(h_len.max(initial=0)), range(w_len.max(initial=0))):
        rows, cols = np.minimum(h_start + i, height - 1), np.minimum(w_start + j, width - 1)
        inside = (i < h_len)[:, None] & (j < w_len)[None, :]
        taps.append((rows[:, None] * width + cols[None, :], inside))
    return taps, h_len, w_len


@op(
    "AdaptiveAvgPool2DBackward0",
    self=lambda grad, self, F: formula_op(F, adaptive_avg_pool2d_backward)(grad, self),
)
def _adaptive_avg_pool2d(self, output_size):
    """Each window's sum divided by its height, then by its width (PyTorch's order)."""
    x = opmath(self)
    xp = array_namespace(x)
    rows = x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])
    taps, h_len, w_len = _adaptive_taps(x.shape[-2:], output_size)
    total = xp.zeros((*x.shape[:-2], *output_size), dtype=x.dtype)
    for where, inside in taps:
        total = total + xp.where(xp.asarray(inside), rows[..., xp.asarray(where)], 0)
    result = total / xp.asarray(h_len[:, None]).astype(x.dtype)
    result = result / xp.asarray(w_len[None, :]).astype(x.dtype)
    return result.astype(self.dtype, copy=False)


@op(
    "AdaptiveAvgPool2DBackwardBackward0",
    grad_output=lambda grad, grad_output_shape, F: formula_op(F, _adaptive_avg_pool2d)(
        grad, tuple(grad_output_shape[-2:])
    ),
    self=lambda grad, F: F.zeros_like(grad),
)
def adaptive_avg_pool2d_backward(grad_output, self):
    """Each window's gradient, divided by its height and width, added to every element of
    the window (windows overlap when the sizes do not divide). The pooled input gives the
    shape (as in PyTorch, an input with a zero derivative). Unlike the forward, which checks
    only the spatial dims, it refuses empty channels too, as PyTorch's does."""
    for i in range(1, grad_output.ndim):
        if grad_output.shape[i] == 0:
            raise RuntimeError(
                "adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size for "
                f"non-batch dimensions, but grad_output has sizes {list(grad_output.shape)} with "
                f"dimension {i} being empty"
            )
    self_shape = self.shape
    g = opmath(grad_output)
    xp = array_namespace(g)
    out = g.shape[-2:]
    taps, h_len, w_len = _adaptive_taps(tuple(self_shape[-2:]), out)
    share = (
        g / xp.asarray(h_len[:, None]).astype(g.dtype) / xp.asarray(w_len[None, :]).astype(g.dtype)
    )
    lead = math.prod(self_shape[:-2])
    result = xp.zeros((lead, self_shape[-2] * self_shape[-1]), dtype=g.dtype)
    share = share.reshape(lead, math.prod(out))
    columns = xp.arange(lead)[:, None]
    for where, inside in taps:
        picked = xp.where(xp.asarray(inside.reshape(-1)), share, 0)
        _add_at(result, (columns, xp.asarray(where.reshape(-1))[None, :]), picked)
    return result.reshape(self_shape).astype(grad_output.dtype, copy=False)


# -- PyTorch's argument parser ----------------------------------------------------------------
#
# ATen's functions take their arguments through PyTorch's Python argument parser, which checks
# each against the schema's type (int[2], bool, int?) in the schema's order and raises its own
# TypeErrors before any check of the function's. torch.nn.functional's wrappers (max_pool,
# the adaptive pools, fold) pass the arguments on positionally, so the messages name their
# positions; the builtins (avg_pool) are called as the user calls them, and name the position
# of an argument given positionally only.


def _is_index(value: Any) -> bool:
    """An int to the parser: a Python or NumPy int (not a bool), or an integer 0-dim tensor."""
    if isinstance(value, bool | np.bool_):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def _parse_ints(value: Any, where: str, position: int | None) -> Any:
    """An int[N] argument: an int, or a sequence whose first element is an int (that is all
    the check looks at); the other elements are unpacked after, where a bool passes as an int
    and anything else fails with other words. The message says which element failed only for
    an argument given positionally."""
    at = f" (position {position})" if position else ""
    if isinstance(value, tuple | list):
        if value and not _is_index(value[0]):
            got = (
                f"but found element of type {_type_name(value[0])} at pos 0"
                if position
                else f"not {_type_name(value)}"
            )
            raise TypeError(f"{where}{at} must be tuple of ints, {got}")
        for i, item in enumerate(value[1:], 2):
            if not (_is_index(item) or isinstance(item, bool)):
                raise TypeError(
                    f"{where} failed to unpack the object at pos {i} with error "
                    f'"type must be tuple of ints,but got {_type_name(item)}"'
                )
        return tuple(operator.index(item) for item in value)
    if _is_index(value):
        return operator.index(value)
    raise TypeError(f"{where}{at} must be tuple of ints, not {_type_name(value)}")


def _parse(name: str, kinds: dict, values: dict, positions: dict) -> dict:
    """`values` checked against `kinds` ({argument: "int[]", "int[]=[]" (None passes: the
    default is empty), "bool" or "int?"}) in order, as `name`'s parser checks them; the ints
    come back as Python ints. `positions` has the positions of the arguments given by
    position."""
    parsed = dict(values)
    for argument, kind in kinds.items():
        if argument not in values:
            continue
        value, position = values[argument], positions.get(argument)
        where = f"{name}(): argument '{argument}'"
        at = f" (position {position})" if position else ""
        if kind == "bool":
            if not isinstance(value, bool):
                raise TypeError(f"{where}{at} must be bool, not {_type_name(value)}")
        elif kind == "int?":
            if value is not None and not _is_index(value):
                raise TypeError(f"{where}{at} must be int, not {_type_name(value)}")
            parsed[argument] = None if value is None else operator.index(value)
        elif not (value is None and kind == "int[]=[]"):
            parsed[argument] = _parse_ints(value, where, position)
    return parsed


def _parse_positional(name: str, kinds: dict, *values: Any) -> tuple:
    """What a torch.nn.functional wrapper passes on to `name` by position (from position 2,
    after the input): `values` parsed in the order of `kinds`."""
    arguments = dict(zip(kinds, values, strict=True))
    positions = {argument: i for i, argument in enumerate(kinds, 2)}
    return tuple(_parse(name, kinds, arguments, positions).values())


def _missing(name: str, rest: list, signature: inspect.Signature, kwargs: dict) -> None:
    """The parser's error for required arguments not given (checked before any other call
    error), in its words: its plural is "arguments" for one, "argument" for more."""
    names = [
        n
        for n in rest
        if signature.parameters[n].default is inspect.Parameter.empty and n not in kwargs
    ]
    if names:
        plural = "s" if len(names) == 1 else ""
        listed = ", ".join(f'"{n}"' for n in names)
        raise TypeError(
            f"{name}() missing {len(names)} required positional argument{plural}: {listed}"
        )


def _builtin(name: str, **kinds: str) -> Any:
    """A function PyTorch exposes as a builtin: its arguments are parsed as the user gave
    them (positionally or by keyword) before the function runs."""

    def wrap(function: Any) -> Any:
        signature = inspect.signature(function)
        order = list(signature.parameters)

        @functools.wraps(function)
        def parsed(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                _missing(name, order[len(args) :], signature, kwargs)
                return function(*args, **kwargs)  # raises Python's words, which are torch's
            positions = {order[i]: i + 1 for i in range(len(args))}
            bound.arguments.update(_parse(name, kinds, bound.arguments, positions))
            return function(*bound.args, **bound.kwargs)

        return parsed

    return wrap


# -- the functional forms, with PyTorch's checks ----------------------------------------------


def _ints(value: Any, rank: int) -> tuple | None:
    """An int, or a sequence of one or `rank` ints, as `rank` ints (None for anything else):
    what PyTorch's pooling takes for a kernel size, stride, padding or dilation."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if isinstance(value, tuple | list) and len(value) in (1, rank):
        return tuple(value) * (rank // len(value))
    return None


def _pair(value: Any, name: str, what: str, omitted: bool = False) -> tuple:
    """_ints for the 2-D pooling, with its message (the 3-D one's words differ)."""
    pair = _ints(value, 2)
    if pair is not None:
        return pair
    either = "either be omitted, a single int" if omitted else "either be a single int"
    if what == "dilation":
        either = "be either a single int"
    raise RuntimeError(f"{name}: {what} must {either}, or a tuple of two ints")


def _check_pool_input(input: Tensor) -> None:
    if input.ndim not in (3, 4) or any(size == 0 for size in input.shape[-3:]):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got:{list(input.shape)}"
        )


def _check_positive(kernel, stride, dilation) -> None:
    """pool2d_shape_check's and pool3d_shape_check's first checks, which name each dim (kT,
    kH, kW; dT, dH, dW; dilationT, dilationH, dilationW)."""
    dims = "THW"[3 - len(kernel) :]
    for what, values, key in (
        ("kernel size", kernel, "k"),
        ("stride", stride, "d"),
        ("dilation", dilation, "dilation"),
    ):
        if min(values) <= 0:
            got = " ".join(f"{key}{dim}: {v}" for dim, v in zip(dims, values, strict=True))
            raise RuntimeError(f"{what} should be greater than zero, but got {got}")


def _check_pad(k: int, p: int, d: int) -> None:
    """pooling_output_shape's check: a window may not start (or end) in the padding alone.
    (C++ division truncates: a kernel of -1 allows no padding, where // would say -1.)"""
    if p > int(((k - 1) * d + 1) / 2):
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={p}, "
            f"kernel_size={k} and dilation={d}"
        )


def _check_output_size(input: Tensor, out: tuple) -> None:
    """The shape checks' last: every output dim at least 1."""
    if min(out) < 1:
        given = "x".join(str(n) for n in input.shape[-len(out) - 1 :])
        calculated = "x".join(str(n) for n in (input.shape[-len(out) - 1], *out))
        raise RuntimeError(
            f"Given input size: ({given}). Calculated output size: ({calculated}). "
            "Output size is too small"
        )


def _check_pool_shape(input: Tensor, kernel, stride, padding, dilation, out) -> None:
    """PyTorch's order: pooling_output_shape's checks dim by dim (stride, then padding), then
    pool2d_shape_check's (kernel, stride and dilation positive, the input's shape, the
    output's size)."""
    for k, s, p, d in zip(kernel, stride, padding, dilation, strict=True):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        _check_pad(k, p, d)
    _check_positive(kernel, stride, dilation)
    _check_pool_input(input)
    (kh, kw), (ph, pw) = kernel, padding
    if kw // 2 < pw or kh // 2 < ph:  # the kernel alone, whatever the dilation
        raise RuntimeError(
            "pad should be smaller than or equal to half of kernel size, but got "
            f"padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}"
        )
    _check_output_size(input, out)


def _pool_arguments(input, kernel_size, stride, padding, dilation, ceil_mode, name) -> tuple:
    kernel = _pair(kernel_size, name, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else stride
    stride = _pair(stride, name, "stride", omitted=True)
    padding = _pair(padding, name, "padding")
    dilation = _pair(dilation, name, "dilation") if dilation is not None else (1, 1)
    out = tuple(
        _output_size(n, k, s, p, d, bool(ceil_mode)) if k > 0 and s > 0 and d > 0 else 1
        for n, k, s, p, d in zip(input.shape[-2:], kernel, stride, padding, dilation, strict=True)
    )
    _check_pool_shape(input, kernel, stride, padding, dilation, out)
    return kernel, stride, padding, dilation, out


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The largest element of each window (NaN if the window holds one). With
    return_indices, also where it was: a flat index into each input plane (H * W)."""
    kernel_size, stride, padding, dilation, ceil_mode = _max_pool_parse(
        "max_pool2d", return_indices, kernel_size, stride, padding, dilation, ceil_mode
    )
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    kernel, stride, padding, dilation, out = _pool_arguments(
        input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d"
    )
    if input.dtype is dtypes.bool:
        raise NotImplementedError("\"max_pool2d\" not implemented for 'Bool'")
    return _pool_at_max(_max_pool2d, input, kernel, stride, padding, dilation, out, return_indices)


_MAX_POOL_KINDS = {
    "kernel_size": "int[]",
    "stride": "int[]",
    "padding": "int[]",
    "dilation": "int[]",
    "ceil_mode": "bool",
}


def _max_pool_parse(name, return_indices, kernel_size, stride, padding, dilation, ceil_mode):
    """torch.nn.functional's max_pool wrappers: a stride of None becomes [], and the
    arguments go by position to ATen's `name` or, for return_indices (taken by its truth, as
    boolean_dispatch takes it), to `name`_with_indices."""
    return _parse_positional(
        f"{name}_with_indices" if return_indices else name,
        _MAX_POOL_KINDS,
        kernel_size,
        [] if stride is None else stride,
        padding,
        dilation,
        ceil_mode,
    )


def _pool_at_max(gather, input, kernel, stride, padding, dilation, out, return_indices) -> Any:
    """Each window's maximum, gathered by `gather` (the 2-D or 3-D op) at the max indices,
    which are computed without a graph, as PyTorch's kernel returns them (int64, no grad)."""
    indices = _max_indices(input._data, kernel, stride, padding, dilation, out)
    indices = indices.reshape(*input.shape[: -len(out)], *out)
    indices = Tensor._wrap(indices, dtypes.int64, input.device)
    values = gather(input, indices)
    return (values, indices) if return_indices else values


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """max_pool2d over a height of one. Without return_indices PyTorch checks with
    max_pool1d's own messages first (and its inference kernel, used when no graph is
    recorded, refuses integers); with return_indices, with check1d's and then max_pool2d's."""
    kernel_size, stride, padding, dilation, ceil_mode = _max_pool_parse(
        "max_pool1d", return_indices, kernel_size, stride, padding, dilation, ceil_mode
    )
    if return_indices:
        _check_1d_input(input, "max_pool1d")
    elif input.ndim not in (2, 3) or any(size == 0 for size in input.shape[-2:]):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got:{list(input.shape)}"
        )
    sizes = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    sizes["dilation"] = dilation
    for argument, value in sizes.items():
        if return_indices:
            _check_one_int("max_pool1d", argument, value)
        elif isinstance(value, tuple) and len(value) != 1 and (value or argument != "stride"):
            raise RuntimeError(
                f"max_pool1d() {argument} must be {_MAX_POOL1D_SIZES[argument]} of size 1 but "
                f"got size {len(value)}"
            )
    kernel, step, pad, dil = (_single(value) for value in sizes.values())
    step = kernel if step is None else step
    if not return_indices:
        _check_max_pool1d(input, kernel, step, pad, dil, bool(ceil_mode))
        records = grad_mode.STATE.grad_enabled and input.requires_grad
        if not records and input.dtype.category != dtypes.FLOATING:  # its inference kernel's
            raise NotImplementedError(
                f"\"max_pool1d_impl\" not implemented for '{scalar_type_name(input.dtype)}'"
            )
    result = max_pool2d(
        input.unsqueeze(-2), (1, kernel), (1, step), (0, pad), (1, dil), ceil_mode, True
    )
    values, indices = (r.squeeze(-2) for r in result)
    return (values, indices) if return_indices else values


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple:
    """max_pool2d's (values, indices), whatever return_indices says (torch ignores it)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple:
    """max_pool1d's (values, indices), whatever return_indices says (torch ignores it)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


_MAX_POOL1D_SIZES = {
    "kernel_size": "an int, list of ints or tuple of ints",
    "stride": "None, an int, list of ints, or tuple of ints",
    "padding": "an int, list of ints, or tuple of ints",
    "dilation": "an int, list of ints or tuple of ints",
}


def _check_1d_input(input: Tensor, name: str) -> None:
    """checkDimRange's words, for the 1-D pools that use it."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument "
            f"#1 'self' (while checking arguments for {name})"
        )


def _check_one_int(name: str, argument: str, value: Any) -> None:
    """ATen's check1d: an int[1] argument holds one int (a stride may be empty)."""
    if isinstance(value, tuple) and len(value) != 1 and (value or argument != "stride"):
        raise RuntimeError(
            f"{name}() argument '{argument}' should contain one int (got {len(value)})"
        )


def _single(value: Any) -> int | None:
    """A parsed int[1] argument as its int; None for an empty stride."""
    if isinstance(value, int):
        return value
    return value[0] if value else None


def _check_max_pool1d(input, kernel, stride, padding, dilation, ceil_mode) -> None:
    for what, value, ok in (
        ("kernel_size", kernel, kernel > 0),
        ("stride", stride, stride > 0),
        ("dilation", dilation, dilation > 0),
    ):
        if not ok:
            raise RuntimeError(f"max_pool1d() {what} must be greater than zero, but got {value}")
    if padding < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {padding}")
    if padding > kernel // 2:
        raise RuntimeError(
            "max_pool1d() padding should be at most half of kernel size, but got padding="
            f"{padding} and kernel_size={kernel}"
        )
    out = _output_size(input.shape[-1], kernel, stride, padding, dilation, ceil_mode)
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")


_AVG_POOL_KINDS = {
    "kernel_size": "int[]",
    "stride": "int[]=[]",
    "padding": "int[]",
    "ceil_mode": "bool",
    "count_include_pad": "bool",
    "divisor_override": "int?",
}


@_builtin("avg_pool2d", **_AVG_POOL_KINDS)
def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window: its sum divided by the window's size, counting the padding
    (count_include_pad) or not, or by divisor_override. Integers divide truncating."""
    _dim(-3, input.ndim)
    kernel, stride, padding, _, out = _pool_arguments(
        input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d"
    )
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if input.dtype.category != dtypes.FLOATING and input.dtype is not dtypes.int64:
        # PyTorch's CPU kernel has a variant for int64 alone among the integer types.
        raise NotImplementedError(
            f"\"avg_pool2d\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    settings = (kernel, stride, padding, bool(ceil_mode), bool(count_include_pad))
    return _avg_pool2d(input, (*settings, divisor_override))


@_builtin("avg_pool1d", **_AVG_POOL_KINDS)
def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """avg_pool2d over a height of one."""
    _check_1d_input(input, "avg_pool1d")
    sizes = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    for argument, value in sizes.items():
        _check_one_int("avg_pool1d", argument, value)
    kernel, step, pad = (_single(value) for value in sizes.values())
    step = kernel if step is None else step
    result = avg_pool2d(
        input.unsqueeze(-2), (1, kernel), (1, step), (0, pad), ceil_mode, count_include_pad
    )
    return result.squeeze(-2)


def _list_with_default(output_size: Any, shape: tuple) -> Any:
    """torch.nn.functional's: None in a sequence output_size keeps that dim's input size (an
    int, or a bool, passes as it is; anything without a len() fails in len())."""
    if isinstance(output_size, int):
        return output_size
    if len(shape) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    kept = shape[-len(output_size) :]
    return [d if v is None else v for v, d in zip(output_size, kept, strict=False)]


def _adaptive_output_size(name: str, input: Tensor, output_size: Any, rank: int) -> tuple:
    """The adaptive pools' output_size as torch.nn.functional passes it to ATen's `name`
    (its Nones filled in), parsed, as a tuple (an int repeated `rank` times)."""
    (size,) = _parse_positional(
        name, {"output_size": "int[]"}, _list_with_default(output_size, tuple(input.shape))
    )
    return (size,) * rank if isinstance(size, int) else size


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a given output size: output i along a dim averages input
    [floor(i * n / o), ceil((i + 1) * n / o)), so windows overlap when o does not divide n.
    None in output_size keeps that dim's size. A 1 x 1 output is a mean, as in PyTorch."""
    out = _adaptive_output_size("adaptive_avg_pool2d", input, output_size, 2)
    if len(out) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if min(out) < 0:
        raise RuntimeError(
            "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
            f"but received {{{out[0]}, {out[1]}}}"
        )
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}"
        )
    for i in range(input.ndim - 2, input.ndim):  # the spatial dims only
        if input.shape[i] == 0:
            raise RuntimeError(
                "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                f"dimensions, but input has sizes {list(input.shape)} with dimension {i} being "
                "empty"
            )
    if out == (1, 1):  # a mean, with mean's dtype checks
        return input.mean((-1, -2), keepdim=True)
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"adaptive_avg_pool2d\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return _adaptive_avg_pool2d(input, out)
