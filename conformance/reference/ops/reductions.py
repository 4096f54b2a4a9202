"""Reductions: sum, mean, prod, cumsum and all/any, and the dim, dtype and shape helpers that
every reduction module shares; max/min and their kin are in extremes.py, var/std in variance.py,
the vector norms in norms.py, and logsumexp and softmax/log_softmax in softmax.py.

A reduction's `dim` is an int, a tuple, or None (every dimension). PyTorch names a node after the
overload that ran: `x.sum()` records SumBackward0 but `x.sum(dim=None)` SumBackward1, so "no dim
given" is told apart from "dim=None" with the `_OMITTED` sentinel. Every function also takes
NumPy's spellings `axis=` and `keepdims=`, as PyTorch's argument parser does.

Derivatives follow PyTorch's derivatives.yaml (FunctionsManual.cpp), so that ties, zeros, NaNs
and empty inputs get the gradient PyTorch gives them, not merely a mathematically valid one.
"""

from __future__ import annotations

import builtins
import functools
import operator

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import inplace
from conformance.reference.ops.cascade_sum import summed
from conformance.reference.ops.define import op
from conformance.reference.ops.pointwise_common import opmath_dtype

__all__ = [
    "sum",
    "mean",
    "prod",
    "cumsum",
    "all",
    "any",
    "is_same_size",
]


class _Omitted:
    """The default of a `dim` that PyTorch distinguishes from an explicit None."""

    # A call with no arguments at all names it among the missing ones (torch.cumsum() is
    # missing "input" and "dim"; see argument_errors.parsed).
    missing_when_omitted = True

    def __repr__(self) -> str:
        return "<omitted>"


_OMITTED = _Omitted()


def _numpy_aliases(fn):
    """Accept axis= for dim= and keepdims= for keepdim=, as torch.sum(x, axis=0) does."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)

    return wrapper


# -- dims, dtypes and shapes ------------------------------------------------------------------


def dims_of(dim, ndim):
    """Normalised axes for `dim`; None, like an empty tuple, means every dimension."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        return _wrap_dims((dim,), ndim)
    dims = tuple(dim)
    return _wrap_dims(dims, ndim) if dims else tuple(range(ndim))


def _wrap_dims(dims, ndim):
    """Each dim checked against the range PyTorch allows (a 0-d tensor accepts 0 and -1)."""
    bound = builtins.max(ndim, 1)
    wrapped = []
    for d in dims:
        d = operator.index(d)
        if not -bound <= d < bound:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], "
                f"but got {d})"
            )
        d %= bound
        if d in wrapped:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        wrapped.append(d)
    return tuple(wrapped) if ndim else ()


def _one_dim(dim, ndim, name):
    """The single dim of max(dim), cumsum, softmax, ...: an int, wrapped (0 for a 0-d input)."""
    try:
        wrapped = _wrap_dims((operator.index(dim),), ndim)
    except TypeError:
        raise TypeError(_invalid_arguments(name, type(dim).__name__)) from None
    return wrapped[0] if wrapped else 0


def _invalid_arguments(name, got):
    """The first line of PyTorch's overload-mismatch TypeError."""
    return (
        f"{name}() received an invalid combination of arguments - got ({got}), but expected "
        "one of:\n * (int dim, bool keepdim = False)"
    )


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _accumulator(np_dtype):
    """PyTorch accumulates float16 and bfloat16 in float32 on the CPU; so does this engine."""
    return opmath_dtype(np_dtype)


def scan_accumulator(target, array):
    """The running value's dtype in PyTorch's CPU scans (cumsum, cumprod, logcumsumexp): its
    CPU accumulation type, double for float32 and float for float16 and bfloat16 (not double:
    a half scan that ran in double would round differently now and then). On CUDA, float."""
    if np.dtype(target) == np.float32 and array_namespace(array) is np:
        return np.dtype(np.float64)
    return _accumulator(target)


def _double_on_cpu(accumulate, array):
    """Where PyTorch's CPU kernel keeps float32 in double (cumsum's running sum, var's and
    std's Welford sums: its accumulation type there), so does this engine; on CUDA, PyTorch
    keeps float."""
    if accumulate == np.float32 and array_namespace(array) is np:
        return np.dtype(np.float64)
    return accumulate


def _sum_dtype(data, dtype):
    if dtype is not None:
        return dtype.np
    if data.dtype.kind in "biu":  # integer and bool sums accumulate in int64, as PyTorch does
        return dtypes.int64.np
    return data.dtype


def _check_grad_dtype(input, dtype):
    """An integer `dtype=` cannot carry a gradient: PyTorch refuses it when input needs one."""
    if (
        dtype is not None
        and dtype.category < dtypes.FLOATING
        and input.requires_grad
        and grad_mode.STATE.grad_enabled
    ):
        raise RuntimeError(f"Autograd not support dtype: {scalar_type_name(dtype)}")


def _restore(F, grad, dims, keepdim, shape):
    """A reduced gradient with its reduced dimensions put back, broadcast to `shape`."""
    if not keepdim:
        grad = F.unsqueeze_dims(grad, dims, len(shape))
    return F.expand(grad, shape)


def _unsqueeze(F, grad, dims, keepdim, ndim):
    """Put back the reduced dimensions so a gradient broadcasts against the input (a 0-d
    gradient of a full reduction broadcasts as it is)."""
    if keepdim or not ndim or not grad.ndim:
        return grad
    return F.unsqueeze_dims(grad, dims, ndim)


# -- sum and mean -----------------------------------------------------------------------------


@op("SumBackward0", self=lambda grad, self_shape, F: F.expand(grad, self_shape))
def sum_all(self, dtype=None):
    return summed(self, None, False, _sum_dtype(self, dtype))


@op(
    "SumBackward1",
    self=lambda grad, self_shape, dims, keepdim, F: _restore(F, grad, dims, keepdim, self_shape),
)
def sum_dims(self, dims, keepdim=False, dtype=None):
    return summed(self, dims, keepdim, _sum_dtype(self, dtype))


@_numpy_aliases
def sum(input, dim=_OMITTED, keepdim=False, *, dtype=None):  # noqa: A001
    """torch.sum: everything (SumBackward0), or over dims (SumBackward1; dim=() is every dim
    in PyTorch 2.13). Integers and bools sum to int64."""
    _check_grad_dtype(input, dtype)
    if dim is _OMITTED:
        if keepdim:
            raise TypeError(_invalid_arguments("sum", "keepdim=bool, "))
        return sum_all(input, dtype)
    return sum_dims(input, dims_of(dim, input.ndim), keepdim, dtype)


def _mean_dtype(input, dtype):
    if dtype is not None and dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            "mean(): could not infer output dtype. Optional dtype must be either a floating "
            f"point or complex dtype. Got: {scalar_type_name(dtype)}"
        )
    target = dtype or input.dtype
    if target.category < dtypes.FLOATING:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {scalar_type_name(input.dtype)}"
        )
    return target


def _mean(a, dims, keepdim, np_dtype=None):
    """sum / count in the accumulation dtype; an empty reduction is NaN without a warning."""
    np_dtype = a.dtype if np_dtype is None else np_dtype
    # (PyTorch sums float16 and bfloat16 as float32 tensors, then divides: ReduceOps' mean)
    total = summed(a, dims, keepdim, _accumulator(np_dtype))
    count = a.size if dims is None else _count(a.shape, dims)
    if count == 0:
        with np.errstate(invalid="ignore"):
            return (total / count).astype(np_dtype)
    return (total / count).astype(np_dtype)


@op(
    "MeanBackward0",
    self=lambda grad, self_shape, F: F.expand(
        grad / _count(self_shape, range(len(self_shape))), self_shape
    ),
)
def mean_all(self, dtype):
    return _mean(self, None, False, dtype.np)


@op(
    "MeanBackward1",
    self=lambda grad, self_shape, dims, keepdim, F: _restore(
        F, grad / _count(self_shape, dims), dims, keepdim, self_shape
    ),
)
def mean_dims(self, dims, keepdim=False, dtype=None):
    return _mean(self, dims, keepdim, None if dtype is None else dtype.np)


@_numpy_aliases
def mean(input, dim=_OMITTED, keepdim=False, *, dtype=None):
    """torch.mean: floating (or complex) only; dtype= computes in that dtype, inside the node."""
    target = _mean_dtype(input, dtype)
    if dim is _OMITTED:
        return mean_all(input, target)
    return mean_dims(input, dims_of(dim, input.ndim), keepdim, target)


# -- prod -------------------------------------------------------------------------------------


def _prod_grad(F, grad, self, result, dims, keepdim, whole=False):
    """d prod / d x_i is the product of the other elements: result / x_i when the input has no
    zero. With zeros, an ordinary backward multiplies the others out exactly, as PyTorch does
    (so an inf or nan beside a zero gives what PyTorch gives); a recorded one (create_graph)
    uses the product of the rest at a slice's only zero and zero elsewhere."""
    if not self.ndim:
        return grad
    grad = _unsqueeze(F, grad, dims, keepdim, self.ndim)
    result = _unsqueeze(F, result, dims, keepdim, self.ndim)
    zero = self == 0
    if not zero.any():
        return grad * (result / self)
    if not F.records_graph:
        if whole:  # prod() of everything: PyTorch gives zeros past one zero
            if zero.sum() > 1:
                return grad * array_namespace(self).zeros_like(self)
            return grad * _products_of_others(self.reshape(-1), 0).reshape(self.shape)
        return grad * _products_of_others(self, dims[0])
    nonzero = F.where(self != 0, self, 1)
    others = F.prod_dims(nonzero, dims, True, None)
    single = F.sum(zero, dims, True) == 1
    return grad * F.where(zero, others * single, result / nonzero)


def _products_of_others(a, axis):
    """For every element, the product of the others along `axis`: the product of those before
    it times the product of those after it, with no division (exact with zeros, inf, nan)."""
    xp = array_namespace(a)
    ones = xp.ones_like(xp.take(a, [0], axis=axis))
    before = xp.cumprod(
        xp.concatenate([ones, xp.take(a, range(a.shape[axis] - 1), axis)], axis), axis
    )
    rest = xp.flip(xp.take(a, range(1, a.shape[axis]), axis), axis)
    after = xp.flip(xp.cumprod(xp.concatenate([ones, rest], axis), axis), axis)
    return before * after


def _prod(a, dims, keepdim, dtype):
    target = _sum_dtype(a, dtype)
    return a.prod(axis=dims, keepdims=keepdim, dtype=_accumulator(target)).astype(target)


@op(
    "ProdBackward0",
    self=lambda grad, self, result, F: _prod_grad(
        F, grad, self, result, _every_dim(self), False, whole=True
    ),
)
def prod_all(self, dtype=None):
    return _prod(self, None, False, dtype)


@op(
    "ProdBackward1",
    self=lambda grad, self, result, dims, keepdim, F: _prod_grad(
        F, grad, self, result, dims, keepdim
    ),
)
def prod_dims(self, dims, keepdim=False, dtype=None):
    return _prod(self, dims, keepdim, dtype)


def _every_dim(a):
    return tuple(range(a.ndim))


@_numpy_aliases
def prod(input, dim=_OMITTED, keepdim=False, *, dtype=None):
    """torch.prod: everything (ProdBackward0) or over one int dim (ProdBackward1); integers and
    bools multiply in int64."""
    _check_grad_dtype(input, dtype)
    if dim is _OMITTED:
        return prod_all(input, dtype)
    d = _one_dim(dim, input.ndim, "prod")
    return prod_dims(input, (d,) if input.ndim else (), keepdim, dtype)


# -- cumsum -----------------------------------------------------------------------------------


@op("FlipBackward0", self=lambda grad, dims, F: F.flip_dims(grad, dims))
def flip_dims(self, dims):
    """A reversed copy along dims (what torch.flip computes)."""
    return array_namespace(self).flip(self, axis=dims).copy()


def _reversed_cumsum(F, grad, dim):
    """cumsum's gradient: sums from each position to the end, flip(cumsum(flip(grad)))."""
    if not grad.ndim or grad.shape[dim] <= 1:
        return grad
    return F.flip_dims(F.cumsum_dim(F.flip_dims(grad, (dim,)), dim, None), (dim,))


@op("CumsumBackward0", self=lambda grad, dim, F: _reversed_cumsum(F, grad, dim))
def cumsum_dim(self, dim, dtype):
    target = _sum_dtype(self, dtype)
    if not self.ndim:
        return self.astype(target)
    accumulate = scan_accumulator(target, self)
    return self.cumsum(axis=dim, dtype=accumulate).astype(target, copy=False)


@_numpy_aliases
def cumsum(input, dim=_OMITTED, *, dtype=None):
    """torch.cumsum along one dim; integers and bools accumulate in int64."""
    if dim is _OMITTED:
        raise TypeError('cumsum() missing 1 required positional arguments: "dim"')
    _check_grad_dtype(input, dtype)
    d = _one_dim(dim, input.ndim, "cumsum")
    no_bool_scan("cumsum", input, dtype)
    return cumsum_dim(input, d, dtype)


def no_bool_scan(name, input, dtype):
    """A scan into bool (dtype=torch.bool; bools alone scan in int64) has no kernel, except
    where there is nothing to scan (0-dim, empty)."""
    if dtype is dtypes.bool and input.ndim and input.numel():
        raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")


def _cumsum_in_place(self, dim=_OMITTED, *, dtype=None):
    """cumsum_: the scan in self's own dtype (an int32 self adds in int32, a bool self has no
    kernel); another dtype is refused."""
    if dim is _OMITTED:
        raise TypeError('cumsum_() missing 1 required positional arguments: "dim"')
    inplace.check_out_matches(self, dtype=dtype)
    return cumsum(self, dim, dtype=self.dtype)


# -- all and any ------------------------------------------------------------------------------


@op(None)
def all_dims(self, dims, keepdim):
    out = self.all(axis=dims, keepdims=keepdim)
    return out.astype(np.uint8) if self.dtype == np.uint8 else out


@op(None)
def any_dims(self, dims, keepdim):
    out = self.any(axis=dims, keepdims=keepdim)
    return out.astype(np.uint8) if self.dtype == np.uint8 else out


def _logical_dims(dim, ndim):
    """Unlike sum, all(dim=()) and any(dim=()) reduce nothing."""
    if dim is None:
        return tuple(range(ndim))
    return _wrap_dims((dim,) if isinstance(dim, int) else tuple(dim), ndim)


@_numpy_aliases
def all(input, dim=None, keepdim=False):  # noqa: A001
    """torch.all: a bool result (uint8 for uint8 input, as PyTorch keeps it)."""
    return all_dims(input, _logical_dims(dim, input.ndim), keepdim)


@_numpy_aliases
def any(input, dim=None, keepdim=False):  # noqa: A001
    """torch.any: a bool result (uint8 for uint8 input, as PyTorch keeps it)."""
    return any_dims(input, _logical_dims(dim, input.ndim), keepdim)


# -- sum_to_size ------------------------------------------------------------------------------


def sum_to_size(input, *size):
    """x.sum_to_size(size): the sum that undoes broadcasting x from `size` (PyTorch's sum_to):
    the leading dims and the dims where size is 1 summed (SumBackward1), then viewed to size
    if there were leading dims; x itself when it already has that size."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = size[0]
    size, shape = tuple(size), tuple(input.shape)
    lead = len(shape) - len(size)
    if lead < 0 or builtins.any(s not in (n, 1) for s, n in zip(size, shape[lead:], strict=True)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if not size:
        return sum(input)  # SumBackward0, as PyTorch's sum_to for an empty size
    ones = (lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    dims = [*range(lead), *ones]
    out = sum(input, dims, keepdim=True) if dims else input
    return out.view(size) if lead else out


def is_same_size(input, other):
    """Whether the two shapes are equal (a bool, not a tensor)."""
    return tuple(input.shape) == tuple(other.shape)


TENSOR_METHODS: dict = {
    "sum_to_size": sum_to_size,
    "is_same_size": is_same_size,
    "prod": prod,
    "cumsum": cumsum,
    "all": all,
    "any": any,
}
TENSOR_IN_PLACE: dict = {"cumsum_": _cumsum_in_place}
