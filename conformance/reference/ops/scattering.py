"""Writing into a tensor at indices: scatter, scatter_add, scatter_reduce, index_add,
index_copy, index_fill, index_put, masked_scatter and put, out of place and in place, with
PyTorch's checks and derivatives.

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
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.graph import edge
from conformance.reference.ops import define, indexing, inplace, rearranging, shape
from conformance.reference.ops.define import op
from conformance.reference.tensor import Tensor
from conformance.reference.warn_once import warn_once

__all__ = [
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "masked_scatter",
    "put",
]

_run = define.formula_op
_ALL = slice(None)
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
    return _run(F, indexing.gather_values)(grad, dim, index)


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


def _not_differentiable(grad):
    raise RuntimeError("derivative for aten::scatter is not implemented")


@op("NotImplemented", self=_not_differentiable, src=_not_differentiable)
def scatter_reduce_two(self, dim, index, src, reduce):
    """scatter with reduce='add' or 'multiply' (src a tensor or a number): PyTorch records a
    node that refuses any backward through it."""
    out = _wide(_nonempty(self)).copy()
    index = _nonempty(index)
    values = src if src.ndim == 0 else _covered(_nonempty(src), index.shape)
    _reduce_at("add" if reduce == "add" else "multiply", out, _key(index, dim), _wide(values))
    return out.astype(self.dtype, copy=False).reshape(self.shape)


scatter_reduce_two.node.name = lambda node: "torch::autograd::NotImplemented"


@op(
    "ScatterAddBackward0",
    self=lambda grad: grad,
    src=lambda grad, dim, index, src_shape, F: _gathered(
        F, grad, dim, index, src_shape, "ScatterAddBackward0"
    ),
)
def scatter_add_values(self, dim, index, src):
    """indexing.scatter_add (the gradient of gather) over the part of src the index covers."""
    src = _wide(_covered(_nonempty(src), index.shape))
    out = indexing.scatter_add.forward(_wide(self), dim, index.astype(np.int64), src)
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
    gather = _run(F, indexing.gather_values)
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
    value = _run(F, indexing.gather_values)(result, dim, index)
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
        _run(F, indexing.index_select_values)(grad, dim, index), alpha
    ),
)
def index_add_values(self, dim, index, source, alpha):
    """indexing.index_add (the gradient of index_select) with source scaled by alpha."""
    return indexing.index_add.forward(self, dim, index, _scaled(source, alpha))


def _check_index_add(input: Tensor, dim: int, index: Tensor, source: Tensor) -> int:
    """index_add's checks, in PyTorch's order (its messages name the in-place op)."""
    dim = shape.wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with "
            f"type: {scalar_type_name(index._dtype)} and size: {list(index.shape)}"
        )
    if index._dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(
            "index_add_(): Expected dtype int32/int64 for index but got: "
            f"{scalar_type_name(index._dtype)}"
        )
    if source._dtype is not input._dtype:
        raise RuntimeError(
            f"index_add_(): self ({scalar_type_name(input._dtype)}) and source "
            f"({scalar_type_name(source._dtype)}) must have the same scalar type"
        )
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
    source=lambda grad, dim, index, F: _run(F, indexing.index_select_values)(grad, dim, index),
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
        _run(F, indexing.index_select_values)(grad, dim, _filled_slices(index))
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
    picked = _run(F, rearranging.masked_select_values)(grad, mask)
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
    indexing._broadcast_shapes(tuple(mask.shape), tuple(input.shape))
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
        _run(F, rearranging.take_values)(grad, index), tuple(source_shape)
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


TENSOR_METHODS = {
    "scatter": scatter,
    "scatter_add": scatter_add,
    "scatter_reduce": scatter_reduce,
    "index_add": index_add,
    "index_copy": index_copy,
    "index_fill": index_fill,
    "index_put": index_put,
    "masked_scatter": masked_scatter,
    "put": put,
}
TENSOR_IN_PLACE = {
    "scatter_": scatter,
    "scatter_add_": scatter_add,
    "scatter_reduce_": scatter_reduce,
    "index_add_": index_add,
    "index_copy_": index_copy,
    "index_fill_": index_fill,
    "index_put_": index_put,
    "masked_scatter_": _masked_scatter_,
    "put_": put,
}
