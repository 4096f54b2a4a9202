"""The scatter family, writing into a tensor at indices: scatter, scatter_add and
scatter_reduce, out of place and in place, with PyTorch's checks and derivatives. The other
ops that write at indices (index_add, index_copy, index_fill, index_put, masked_scatter, put)
are in index_writes.py, which shares the argument checks here.

Each op is its out-of-place form; `x.op_(...)` is that result written back into x by the
in-place machinery (ops/inplace.py), which brings PyTorch's leaf, view and version rules.

The scatter family sends element `i` of `src` (of `index`'s shape, or larger) to
`self[index[i]]` along `dim` (and to `i`'s own position along the other dimensions). PyTorch
checks the index as its kernels use it, so an empty index checks nothing but the dtypes, and a
0-dim tensor counts as having one dimension of size 1. Where several elements land on one
position, scatter keeps one of them (which one is unspecified), and the reducing ops combine
them in index order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.autograd import DelayedError
from conformance.reference.devices import array_namespace
from conformance.reference.graph import edge
from conformance.reference.ops import define, gathering, indexing, inplace, shape
from conformance.reference.ops.define import no_derivative, op
from conformance.reference.tensor import Tensor
from conformance.reference.warn_once import warn_once

__all__ = [
    "scatter",
    "scatter_add",
    "scatter_reduce",
]

_run = define.formula_op
_REDUCE_WITH_SRC = (
    "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
    "future PyTorch release. Use torch.scatter_reduce instead for more reduction options."
)


# -- where the elements go -------------------------------------------------------------------


def _nonempty(array: Any) -> Any:
    """A 0-dim array as a 1-element vector: PyTorch's scatter kernels see it so."""
    return array.reshape(array.shape or (1,))


def _key(index: Any, dim: int) -> tuple:
    """The positions of self that the elements of `index` name: index itself along `dim`, the
    element's own position along every other dimension. (An empty index may be of any
    dtype.)"""
    xp = array_namespace(index)
    index = index.astype(np.int64, copy=False)
    ndim = index.ndim
    return tuple(
        index if d == dim else xp.arange(n).reshape((n,) + (1,) * (ndim - d - 1))
        for d, n in enumerate(index.shape)
    )


def _covered(src: Any, index_shape: tuple) -> Any:
    """The part of src that an index of `index_shape` uses: src may be larger."""
    return src[tuple(slice(0, n) for n in index_shape)]


def _reduce_at(name: str, out: Any, key: tuple, values: Any) -> None:
    """out[key] = name(out[key], values), positions named more than once combined in index
    order: NumPy's ufunc.at, CuPy's scatter_add, or else (CuPy's products and extremes)
    rounds of positions named once each."""
    if name == "add":
        indexing._add_at(out, key, values)
    elif isinstance(out, np.ndarray):
        getattr(np, name).at(out, key, values)
    else:
        reduce_in_rounds(getattr(array_namespace(out), name), out, key, values)


def reduce_in_rounds(ufunc: Any, out: Any, key: tuple, values: Any) -> None:
    """ufunc.at with fancy indexing alone: each round combines the first remaining element
    sent to each position, so every position sees its elements in order."""
    xp = array_namespace(out)
    positions = xp.ravel_multi_index(xp.broadcast_arrays(*key), out.shape)
    values = xp.broadcast_to(values, positions.shape).reshape(-1)
    positions, flat = positions.reshape(-1), out.reshape(-1)
    while positions.size:
        first, where = xp.unique(positions, return_index=True)
        flat[first] = ufunc(flat[first], values[where])
        rest = xp.ones(positions.size, bool)
        rest[where] = False
        positions, values = positions[rest], values[rest]


def _wide(array: Any) -> Any:
    """16-bit floats as float32: PyTorch's CPU scatter kernels add them up (and take means)
    in float32 and round once at the end."""
    if array.dtype.itemsize == 2 and array.dtype.kind in "fV":
        return array.astype(np.float32)
    return array


def _gathered(F: Any, grad: Any, dim: int, index: Any, src_shape: tuple, node: str) -> Any:
    """src's gradient, grad.gather(dim, index)."""
    _check_src_gradient(tuple(index.shape), tuple(src_shape), node)
    return _run(F, gathering.gather_values)(grad, dim, index)


def _check_src_gradient(index_shape: tuple, src_shape: tuple, node: str) -> None:
    """src's gradient has index's shape, so when src is larger than index PyTorch's engine
    refuses it (a gradient must expand to its input's shape)."""
    if not indexing._expandable(src_shape, index_shape):
        raise RuntimeError(
            f"Function {node} returned an invalid gradient at index 1 - got "
            f"{list(index_shape)} but expected shape compatible with {list(src_shape)}"
        )


# -- scatter, scatter_add, scatter_reduce: the values ------------------------------------------


@op(
    "ScatterBackward0",
    self=lambda grad, dim, index, F: _run(F, scatter_value)(grad, dim, index, 0),
    src=lambda grad, dim, index, src_shape, F: _gathered(
        F, grad, dim, index, src_shape, "ScatterBackward0"
    ),
)
def scatter_src(self, dim, index, src):
    """self with src's elements written where index sends them."""
    out = _nonempty(self).copy()
    index = _nonempty(index)
    out[_key(index, dim)] = _covered(_nonempty(src), index.shape)
    return out.reshape(self.shape)


@op(
    "ScatterBackward1", self=lambda grad, dim, index, F: _run(F, scatter_value)(grad, dim, index, 0)
)
def scatter_value(self, dim, index, value):
    """self with `value` (already in self's dtype) written where index points; with value 0,
    the gradient of scatter for self: the overwritten positions get none."""
    out = _nonempty(self).copy()
    out[_key(_nonempty(index), dim)] = value
    return out.reshape(self.shape)


@op("NotImplemented", self=no_derivative("scatter"), src=no_derivative("scatter"))
def scatter_reduce_two(self, dim, index, src, reduce):
    """scatter with reduce='add' or 'multiply' (src a tensor or a number): PyTorch records a
    node that refuses any backward through it."""
    out = _wide(_nonempty(self)).copy()
    index = _nonempty(index)
    values = src if src.ndim == 0 else _covered(_nonempty(src), index.shape)
    _reduce_at("add" if reduce == "add" else "multiply", out, _key(index, dim), _wide(values))
    return out.astype(self.dtype, copy=False).reshape(self.shape)


@op(
    "ScatterAddBackward0",
    self=lambda grad: grad,
    src=lambda grad, dim, index, src_shape, F: _gathered(
        F, grad, dim, index, src_shape, "ScatterAddBackward0"
    ),
)
def scatter_add_values(self, dim, index, src):
    """gathering.scatter_add (the gradient of gather) over the part of src the index covers."""
    src = _wide(_covered(_nonempty(src), index.shape))
    out = gathering.scatter_add.forward(_wide(self), dim, index.astype(np.int64), src)
    return out.astype(self.dtype, copy=False)


# PyTorch's forward still takes the names of old; its backward refuses them.
_ALIASES = {"max": "amax", "min": "amin"}
_UFUNCS = {"sum": "add", "prod": "multiply", "mean": "add", "amax": "maximum", "amin": "minimum"}


def _identity(reduce: str, dtype: Any) -> Any:
    """What a position starts from when self is left out (include_self=False)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype == np.bool_:
        return reduce == "amin"
    if dtype.kind == "f":  # (16-bit floats arrive widened to float32)
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


@op(
    "ScatterReduceBackward0",
    self=lambda grad, self, dim, index, src, reduce, include_self, result, F: _reduce_grad_self(
        F, grad, self, dim, index, src, reduce, include_self, result
    ),
    src=lambda grad, self, dim, index, src, reduce, include_self, result, F: _reduce_grad_src(
        F, grad, self, dim, index, src, reduce, include_self, result
    ),
)
def scatter_reduce_values(self, dim, index, src, reduce, include_self=True):
    """Each position of self combined with the elements of src sent to it: their sum, product,
    mean, maximum or minimum, self's own value left out with include_self=False (a position
    nothing is sent to keeps self's value either way). Integer means round down, as PyTorch's
    floor division does; NaN wins amax and amin."""
    xp = array_namespace(self)
    out = _wide(_nonempty(self)).copy()
    index = _nonempty(index)
    key = _key(index, dim)
    src = _wide(_covered(_nonempty(src), index.shape))
    reduce = _ALIASES.get(reduce, reduce)
    if not include_self:
        out[key] = _identity(reduce, out.dtype)
    _reduce_at(_UFUNCS[reduce], out, key, src)
    if reduce == "mean":
        count = xp.full(out.shape, 1 if include_self else 0, out.dtype)
        indexing._add_at(count, key, xp.ones(src.shape, out.dtype))
        count[count == 0] = 1
        out = out // count if out.dtype.kind in "iu" else out / count
    return out.astype(self.dtype, copy=False).reshape(self.shape)


def _reduce_grad_self(F, grad, self, dim, index, src, reduce, include_self, result):
    """PyTorch's scatter_reduce_backward, self's half."""
    _check_backward_reduce(reduce)
    if reduce == "sum":
        grad_self = grad
    elif reduce == "prod":
        # Divided by self where self is not zero; where it is, the product of the others.
        masked_self = F.masked_fill(self, self == 0, 1)
        masked_result = _run(F, scatter_reduce_values)(
            masked_self, dim, index, src, reduce, include_self
        )
        grad_self = grad * masked_result / masked_self
    elif reduce == "mean":
        grad_self = grad / _counts(F, grad, dim, index, src, include_self)
    else:
        grad_self = _ties(F, self, result) * _distributed(F, grad, self, dim, index, src, result)
    if not include_self:
        grad_self = _run(F, scatter_value)(grad_self, dim, index, 0)
    return grad_self


def _reduce_grad_src(F, grad, self, dim, index, src, reduce, include_self, result):
    """PyTorch's scatter_reduce_backward, src's half."""
    _check_backward_reduce(reduce)
    gather = _run(F, gathering.gather_values)
    _check_src_gradient(tuple(index.shape), tuple(src.shape), "ScatterReduceBackward0")
    if reduce == "sum":
        return gather(grad, dim, index)
    if reduce == "prod":
        # A zero in src gets the product of the others (unless another zero meets it there).
        src_zero = src == 0
        zeros = F.where(src_zero, F.ones_like(src), F.zeros_like(src))
        zeros_there = gather(
            _run(F, scatter_add_values)(F.zeros_like(grad), dim, index, zeros), dim, index
        )
        single_zero = src_zero & (zeros_there == 1)
        masked_src = F.masked_fill(src, single_zero, 1)
        masked_result = _run(F, scatter_reduce_values)(
            self, dim, index, masked_src, reduce, include_self
        )
        grad_src = F.where(
            single_zero,
            gather(grad * masked_result, dim, index),
            gather(grad * result, dim, index) / F.masked_fill(src, src_zero, 1),
        )
        if F.records_graph and grad_src._requires_grad and (zeros_there > 1).any():
            grad_src = _refuse_double_backward(grad_src)
        return grad_src
    if reduce == "mean":
        return gather(grad, dim, index) / gather(
            _counts(F, grad, dim, index, src, include_self), dim, index
        )
    value = gather(result, dim, index)
    return _ties(F, src, value) * gather(
        _distributed(F, grad, self, dim, index, src, result), dim, index
    )


class _ProdDoubleBackward(DelayedError):
    """The node PyTorch puts on prod's src gradient when two zeros meet at one position: its
    formula is wrong there, so differentiating it again raises."""

    __slots__ = ()
    MESSAGE = (
        "scatter_reduce(): Double backward is unsupported for src when >1 zeros in src are "
        "scattered to the same position in self"
    )


_ProdDoubleBackward.__name__ = _ProdDoubleBackward.__qualname__ = "Error"  # as PyTorch's


def _refuse_double_backward(grad_src: Tensor) -> Tensor:
    node = _ProdDoubleBackward((edge(grad_src),))
    node.n_outputs = 1
    marked = grad_src.detach()
    marked._requires_grad, marked.grad_fn, marked._output_nr = True, node, 0
    return marked


def _check_backward_reduce(reduce: str) -> None:
    if reduce in _ALIASES:
        raise RuntimeError(
            "Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', 'amin' but got "
            f"{reduce}."
        )


def _counts(F, grad, dim, index, src, include_self):
    """How many values each position's mean averaged (1 where none, to divide by)."""
    start = F.ones_like(grad) if include_self else F.zeros_like(grad)
    count = _run(F, scatter_add_values)(start, dim, index, F.ones_like(src))
    return F.masked_fill(count, count == 0, 1)


def _ties(F, values, result):
    """1 where `values` equal the extreme `result`, else 0 (in the gradient's dtype)."""
    return F.where(values == result, F.ones_like(values), F.zeros_like(values))


def _distributed(F, grad, self, dim, index, src, result):
    """amax and amin share a position's gradient evenly among the values equal to its result
    (self counted there even with include_self=False, as in PyTorch)."""
    value = _run(F, gathering.gather_values)(result, dim, index)
    ties = _run(F, scatter_add_values)(_ties(F, self, result), dim, index, _ties(F, src, value))
    return grad / ties


# -- scatter, scatter_add, scatter_reduce: PyTorch's checks -------------------------------------


def _check_scatter(self: Tensor, dim: int, index: Tensor, src: Tensor | None) -> int:
    """The checks of PyTorch's scatter kernels, in their order; returns the wrapped dim. An
    empty index checks only the dtypes. A 0-dim src is not held to index's sizes, only to
    its number of dimensions (one, for a 0-dim tensor)."""
    if not isinstance(index, Tensor):
        raise TypeError(
            f"scatter(): argument 'index' must be Tensor, not {indexing._type_name(index)}"
        )
    dim = shape.wrap_dim(dim, self.ndim)
    if index.numel() and index._dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if src is not None and src._dtype is not self._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if not index.numel():
        return dim
    sizes = tuple(index.shape) or (1,)
    if len(sizes) != max(self.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    self_sizes = tuple(self.shape) or (1,)
    wrong = any(n > self_sizes[d] for d, n in enumerate(sizes) if d != dim)
    if src is not None and src.ndim and not wrong:
        # PyTorch reads src.size(d) for each of index's dimensions, so a src with fewer
        # dimensions fails there, with the dimension error.
        wrong = any(n > src.shape[shape.wrap_dim(d, src.ndim)] for d, n in enumerate(sizes))
    if wrong:
        message = (
            f"Expected index {list(index.shape)} to be no larger than self {list(self.shape)} "
            f"apart from dimension {dim}"
        )
        if src is not None:
            message += f" and to be no larger size than src {list(src.shape)}"
        raise RuntimeError(message)
    if src is not None and max(src.ndim, 1) != len(sizes):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    _check_bounds(index, self_sizes[dim], dim, RuntimeError)
    return dim


def _check_bounds(index: Tensor, size: int, dim: int, error: type, prefix: str = "") -> None:
    """Every index in [0, size): these kernels take no negative indices."""
    data = index._data
    bad = (data < 0) | (data >= size)
    if bad.any():
        first = int(data[bad].reshape(-1)[0])
        raise error(f"{prefix}index {first} is out of bounds for dimension {dim} with size {size}")


def _need_tensors(name: str, *args: tuple) -> None:
    """PyTorch's argument parser: (parameter name, position, value) must be Tensors. (The
    method forms count positions without self; these messages count as torch.<name> does.)"""
    for label, position, value in args:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{label}' (position {position}) must be Tensor, not "
                f"{indexing._type_name(value)}"
            )


def _src_or_value(input: Tensor, src: Any, value: Any) -> tuple:
    """scatter's fourth argument: a tensor (src) or a number (value), positional or named."""
    if src is not None and value is not None:
        raise TypeError("scatter() got both src and value")
    if isinstance(src, Tensor):
        return src, None
    number = value if src is None else src
    if number is None:
        raise TypeError("scatter() missing 1 required argument: 'src' or 'value'")
    if not isinstance(number, bool | int | float | np.number):
        raise TypeError(
            f"scatter(): argument 'value' must be Number, not {indexing._type_name(number)}"
        )
    return None, number


def _as_array(input: Tensor, number: Any) -> Any:
    """A Python number in input's dtype (checked for overflow, as PyTorch converts it), as a
    0-dim array on input's device."""
    value = indexing._number(number, input._dtype)
    return array_namespace(input._data).asarray(value)


def scatter(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Any = None,
    value: Any = None,
    *,
    reduce: str | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """torch.scatter: input with src's elements (or `value`) written where index sends them
    along dim. With reduce='add' or 'multiply' the elements are combined with what is there
    instead (deprecated for a tensor src in favour of scatter_reduce, and not
    differentiable)."""
    src, number = _src_or_value(input, src, value)
    dim = _check_scatter(input, dim, index, src)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if src is not None:
            warn_once(_REDUCE_WITH_SRC)
        values = src if src is not None else _as_array(input, number)
        result = scatter_reduce_two(input, dim, index, values, reduce)
    elif src is not None:
        result = scatter_src(input, dim, index, src)
    else:
        result = scatter_value(input, dim, index, indexing._number(number, input._dtype)[()])
    return result if out is None else inplace.write_out(out, result, "scatter")


def scatter_add(
    input: Tensor, dim: int, index: Tensor, src: Tensor, *, out: Tensor | None = None
) -> Tensor:
    """torch.scatter_add: src's elements added where index sends them along dim; elements sent
    to one position all add up (16-bit floats in float32, rounded once)."""
    _need_tensors("scatter_add", ("index", 3, index), ("src", 4, src))
    dim = _check_scatter(input, dim, index, src)
    result = scatter_add_values(input, dim, index, src)
    return result if out is None else inplace.write_out(out, result, "scatter_add")


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """torch.scatter_reduce: each position combined with the elements sent to it, by sum,
    prod, mean, amax or amin; include_self=False leaves the position's own value out."""
    _need_tensors("scatter_reduce", ("index", 3, index), ("src", 4, src))
    if not isinstance(include_self, bool):
        raise TypeError(
            "scatter_reduce(): argument 'include_self' must be bool, not "
            f"{indexing._type_name(include_self)}"
        )
    if reduce not in _REDUCTIONS and reduce not in _ALIASES:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    dim = _check_scatter(input, dim, index, src)
    if reduce == "mean" and input._dtype is dtypes.bool:
        raise NotImplementedError(
            "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'"
        )
    result = scatter_reduce_values(input, dim, index, src, reduce, include_self)
    return result if out is None else inplace.write_out(out, result, "scatter_reduce")


TENSOR_METHODS = {
    "scatter": scatter,
    "scatter_add": scatter_add,
    "scatter_reduce": scatter_reduce,
}
TENSOR_IN_PLACE = {
    "scatter_": scatter,
    "scatter_add_": scatter_add,
    "scatter_reduce_": scatter_reduce,
}
