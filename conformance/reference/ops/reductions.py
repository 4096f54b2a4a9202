"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, var/std, norms, logsumexp,
cumsum, all/any, and softmax/log_softmax (which normalise along a dimension rather than remove it).

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
import math
import operator
import warnings

import numpy as np

from conformance.reference import dtypes, grad_mode, return_types
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import pointwise
from conformance.reference.ops.define import op
from conformance.reference.tensor import Tensor

__all__ = [
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "var",
    "std",
    "norm",
    "logsumexp",
    "cumsum",
    "all",
    "any",
    "softmax",
    "log_softmax",
]


class _Omitted:
    """The default of a `dim` that PyTorch distinguishes from an explicit None."""

    def __repr__(self) -> str:
        return "<omitted>"


_OMITTED = _Omitted()
_EMPTY = (
    "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction "
    "dim with the 'dim' argument."
)


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


_WIDER = {dtypes.float16.np: np.dtype(np.float32), dtypes.bfloat16.np: np.dtype(np.float32)}


def _accumulator(np_dtype):
    """PyTorch accumulates float16 and bfloat16 in float32 on the CPU; so does this engine."""
    return _WIDER.get(np_dtype, np_dtype)


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
    target = _sum_dtype(self, dtype)
    accumulate = _accumulator(target)
    total = self.sum(dtype=accumulate)
    return total if accumulate is target else total.astype(target)


@op(
    "SumBackward1",
    self=lambda grad, self_shape, dims, keepdim, F: _restore(F, grad, dims, keepdim, self_shape),
)
def sum_dims(self, dims, keepdim=False, dtype=None):
    target = _sum_dtype(self, dtype)
    return self.sum(axis=dims, keepdims=keepdim, dtype=_accumulator(target)).astype(target)


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
    total = a.sum(axis=dims, keepdims=keepdim, dtype=_accumulator(np_dtype))
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


# -- max and min ------------------------------------------------------------------------------


def _evenly(F, grad, self, result):
    """A whole-tensor max/min shares its gradient evenly among the elements equal to it (NaN
    counts as equal to a NaN result), as PyTorch's evenly_distribute_backward does."""
    mask = (self == result) | (F.isnan(self) & F.isnan(result))
    return mask * (grad / F.sum(mask))


def _share_among_ties(F, grad, self, result, dims, keepdim):
    """amax/amin: each slice's gradient is split evenly among the elements equal to its result."""
    grad = _unsqueeze(F, grad, dims, keepdim, self.ndim)
    result = _unsqueeze(F, result, dims, keepdim, self.ndim)
    mask = result == self
    return grad / F.sum(mask, dims, True) * mask


@op("MaxBackward1", self=lambda grad, self, result, F: _evenly(F, grad, self, result))
def max_all(self):
    return self.max()


@op("MinBackward1", self=lambda grad, self, result, F: _evenly(F, grad, self, result))
def min_all(self):
    return self.min()


def _arg_reduce(which, a, dim, keepdim):
    """Indices of the first largest (or smallest) element; NaN counts as largest and smallest."""
    xp = array_namespace(a)
    if dim is None:
        flat = which(a.reshape(-1)) if a.ndim else 0
        index = xp.asarray(flat, dtype=np.int64)
        return index.reshape((1,) * a.ndim) if keepdim else index
    if not a.ndim:
        return xp.zeros((), np.int64)
    return which(a, axis=dim, keepdims=keepdim).astype(np.int64, copy=False)


@op(None)
def argmax_dim(self, dim, keepdim):
    return _arg_reduce(array_namespace(self).argmax, self, dim, keepdim)


@op(None)
def argmin_dim(self, dim, keepdim):
    return _arg_reduce(array_namespace(self).argmin, self, dim, keepdim)


def _take(a, dim, keepdim, indices):
    """The elements `indices` points at along `dim` (a gather with keepdim's shape rules)."""
    if not a.ndim:
        return a.copy()
    xp = array_namespace(a)
    index = indices if keepdim else xp.expand_dims(indices, dim)
    taken = xp.take_along_axis(a, index, dim)
    return taken if keepdim else taken.squeeze(dim)


def _select_grad(grad, self_shape, dim, keepdim, indices, F):
    """max(dim)'s gradient goes only to the element each slice chose."""
    if not keepdim and self_shape:
        grad, indices = F.unsqueeze(grad, dim), F.unsqueeze(indices, dim)
    return F.scatter_selected(grad, self_shape, dim, indices)


@op("MaxBackward0", self=_select_grad)
def max_dim(self, dim, keepdim, indices):
    return _take(self, dim, keepdim, indices)


@op("MinBackward0", self=_select_grad)
def min_dim(self, dim, keepdim, indices):
    return _take(self, dim, keepdim, indices)


@op(
    "ScatterBackward0",
    source=lambda grad, dim, indices, F: F.gather_selected(grad, dim, indices),
)
def scatter_selected(source, input_shape, dim, indices):
    """Zeros of the input's shape with `source` where `indices` point along `dim` (PyTorch's
    value_selecting_reduction_backward, with the reduced dim kept)."""
    xp = array_namespace(source)
    out = xp.zeros(input_shape, source.dtype)
    if not out.ndim:
        out[...] = source
    else:
        xp.put_along_axis(out, indices, source, dim)
    return out


@op(
    "GatherBackward0",
    source=lambda grad, source_shape, dim, indices, F: F.scatter_selected(
        grad, source_shape, dim, indices
    ),
)
def gather_selected(source, dim, indices):
    return _take(source, dim, True, indices)


def _selecting_dim(name, input, dim):
    d = _one_dim(dim, input.ndim, name)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return d


def _extreme(name, whole, along, arg, input, dim, keepdim):
    if dim is _OMITTED:
        if input.numel() == 0:
            raise RuntimeError(_EMPTY.format(name))
        return whole(input)
    if isinstance(dim, Tensor):  # torch.max(a, b) is torch.maximum(a, b)
        return (pointwise.maximum if name == "max" else pointwise.minimum)(input, dim)
    d = _selecting_dim(name, input, dim)
    indices = arg(input, d, keepdim)
    return getattr(return_types, name)((along(input, d, keepdim, indices), indices))


@_numpy_aliases
def max(input, dim=_OMITTED, keepdim=False):  # noqa: A001
    """torch.max: the largest element (MaxBackward1, gradient shared among ties); along a dim,
    (values, indices) with MaxBackward0 (gradient to the index chosen); with a tensor as second
    argument, torch.maximum."""
    return _extreme("max", max_all, max_dim, argmax_dim, input, dim, keepdim)


@_numpy_aliases
def min(input, dim=_OMITTED, keepdim=False):  # noqa: A001
    """torch.min: as max, for the smallest element."""
    return _extreme("min", min_all, min_dim, argmin_dim, input, dim, keepdim)


@op(
    "AmaxBackward0",
    self=lambda grad, self, result, dims, keepdim, F: _share_among_ties(
        F, grad, self, result, dims, keepdim
    ),
)
def amax_dims(self, dims, keepdim):
    return self.max(axis=dims, keepdims=keepdim)


@op(
    "AminBackward0",
    self=lambda grad, self, result, dims, keepdim, F: _share_among_ties(
        F, grad, self, result, dims, keepdim
    ),
)
def amin_dims(self, dims, keepdim):
    return self.min(axis=dims, keepdims=keepdim)


def _amax_dims(name, input, dim):
    """No identity for max: an empty reduction raises, naming the empty dim when one was given."""
    dims = dims_of(dim, input.ndim)
    if input.numel() == 0:
        if dim is None or not isinstance(dim, int) and not tuple(dim):
            raise RuntimeError(_EMPTY.format(name))
        for d in dims:
            if input.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return dims


@_numpy_aliases
def amax(input, dim=(), keepdim=False):
    """torch.amax: the maximum over dims (all by default), gradient shared among ties."""
    return amax_dims(input, _amax_dims("amax", input, dim), keepdim)


@_numpy_aliases
def amin(input, dim=(), keepdim=False):
    """torch.amin: the minimum over dims (all by default), gradient shared among ties."""
    return amin_dims(input, _amax_dims("amin", input, dim), keepdim)


def _arg(name, arg, input, dim, keepdim):
    if input.dtype is dtypes.bool:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if input.numel() == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        return arg(input, None, keepdim)
    return arg(input, _selecting_dim(name, input, dim), keepdim)


@_numpy_aliases
def argmax(input, dim=None, keepdim=False):
    """torch.argmax: int64 index of the first maximum, into the flattened tensor without dim."""
    return _arg("argmax", argmax_dim, input, dim, keepdim)


@_numpy_aliases
def argmin(input, dim=None, keepdim=False):
    """torch.argmin: int64 index of the first minimum, into the flattened tensor without dim."""
    return _arg("argmin", argmin_dim, input, dim, keepdim)


# -- var and std ------------------------------------------------------------------------------


def _var(a, dims, correction, keepdim, root=False):
    """The sum of squared deviations over max(N - correction, 0), in the accumulation dtype;
    with `root`, its square root, taken before rounding to a's dtype (std, as PyTorch's kernel
    computes it)."""
    work = a.astype(_double_on_cpu(_accumulator(a.dtype), a), copy=False)
    centered = work - _mean(work, dims, True)
    squares = (centered * centered.conj()).real if centered.dtype.kind == "c" else centered**2
    total = squares.sum(axis=dims, keepdims=keepdim)
    dof = builtins.max(_count(a.shape, dims) - correction, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = total / dof
        if root:
            var = array_namespace(var).sqrt(var)
        return var.astype(a.real.dtype if a.dtype.kind == "c" else a.dtype)


def _var_grad(F, grad, self, dims, correction, keepdim, full):
    """2 (x - mean) / (N - correction). With no dim and N <= correction, PyTorch gives NaN where
    x equals the mean and infinity elsewhere."""
    grad = _unsqueeze(F, grad, dims, keepdim, self.ndim)
    dof = _count(self.shape, dims) - correction
    # Over every dim PyTorch takes self.mean() (MeanBackward0 under create_graph).
    mean = self.mean() if full and F.records_graph else F.mean_dims(self, dims, True)
    if full and dof <= 0:
        with np.errstate(invalid="ignore"):
            return grad * F.where(self == mean, math.nan, math.inf)
    factor = 2.0 / dof if dof else math.inf
    return factor * grad * (self - mean)


def _std_grad(F, grad, self, result, dims, correction, keepdim, full):
    """std = sqrt(var): the var gradient scaled by 1 / (2 std), zero where std is zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = F.masked_fill(grad / (result * 2), result == 0, 0)
    return _var_grad(F, grad, self, dims, correction, keepdim, full)


@op(
    "VarBackward0",
    self=lambda grad, self, dims, correction, keepdim, full, F: _var_grad(
        F, grad, self, dims, correction, keepdim, full
    ),
)
def var_dims(self, dims, correction, keepdim, full):
    return _var(self, dims, correction, keepdim)


@op(
    "StdBackward0",
    self=lambda grad, self, result, dims, correction, keepdim, full, F: _std_grad(
        F, grad, self, result, dims, correction, keepdim, full
    ),
)
def std_dims(self, dims, correction, keepdim, full):
    return _var(self, dims, correction, keepdim, root=True)


def _variance(name, node, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(False): the unbiased flag given positionally
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        got = f"correction={type(correction).__name__}, unbiased=bool, "
        raise TypeError(_invalid_arguments(name, got))
    if input.dtype.category < dtypes.FLOATING:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = dims_of(dim, input.ndim)
    # PyTorch's reduction factor: input numel over output numel, 0 when the output is empty.
    kept = _count(input.shape, [d for d in range(input.ndim) if d not in dims])
    factor = input.numel() // kept if kept else 0
    if factor - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=4,
        )
    return node(input, dims, correction, keepdim, dim is None or not input.ndim)


@_numpy_aliases
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """torch.var: Bessel-corrected (divides by N - 1) unless correction= or unbiased=False."""
    return _variance("var", var_dims, input, dim, unbiased, keepdim, correction)


@_numpy_aliases
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """torch.std: the square root of var, with var's arguments."""
    return _variance("std", std_dims, input, dim, unbiased, keepdim, correction)


# -- norms ------------------------------------------------------------------------------------


def _vector_norm(a, ord, dims, keepdim):
    xp = array_namespace(a)
    magnitude = xp.abs(a.astype(_accumulator(a.dtype), copy=False))
    if ord == 2:
        out = xp.sqrt((magnitude * magnitude).sum(axis=dims, keepdims=keepdim))
    elif ord == 1:
        out = magnitude.sum(axis=dims, keepdims=keepdim)
    elif ord == math.inf:
        out = magnitude.max(axis=dims, keepdims=keepdim)
    elif ord == -math.inf:
        out = magnitude.min(axis=dims, keepdims=keepdim)
    elif ord == 0:
        out = (magnitude != 0).sum(axis=dims, keepdims=keepdim, dtype=magnitude.dtype)
    else:
        with np.errstate(divide="ignore"):
            out = (magnitude**ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
    return out.astype(a.real.dtype if a.dtype.kind == "c" else a.dtype)


def _norm_grad(F, grad, self, ord, result, dims, keepdim):
    """PyTorch's norm_backward: sign(x) for the 1-norm, x / norm for the 2-norm (0 at a zero
    norm), the ties of the largest |x| for the inf-norm, and none at all for the 0-"norm"."""
    if ord == 0:
        return None
    grad = _unsqueeze(F, grad, dims, keepdim, self.ndim)
    if ord == 1:
        return F.sgn(self) * grad
    result = _unsqueeze(F, result, dims, keepdim, self.ndim)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ord == 2:
            return grad * F.masked_fill(self / result, result == 0, 0)
        if math.isinf(ord):
            magnitude = F.abs(self)
            mask = (magnitude == result) | F.isnan(magnitude)
            return F.sgn(self) * (grad / F.sum(mask, dims, True) * mask)
        if ord < 1:
            scaled = F.sgn(self) * F.masked_fill(F.abs(self) ** (ord - 1), self == 0, 0)
            return scaled * grad * result ** (1 - ord)
        scale = F.masked_fill(grad / result ** (ord - 1), result == 0, 0)
        if ord < 2:
            return F.sgn(self) * F.abs(self) ** (ord - 1) * scale
        return self * F.abs(self) ** (ord - 2) * scale


@op(
    "LinalgVectorNormBackward0",
    self=lambda grad, self, ord, result, dims, keepdim, F: _norm_grad(
        F, grad, self, ord, result, dims, keepdim
    ),
)
def vector_norm_dims(self, ord, dims, keepdim, dtype):
    return _vector_norm(self if dtype is None else self.astype(dtype.np), ord, dims, keepdim)


def _ord_text(ord):
    return str(int(ord)) if math.isfinite(ord) and ord == int(ord) else str(ord)


def linalg_vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.vector_norm: (sum |x|^ord)^(1/ord) over dims (all by default); ord may be
    inf, -inf or 0 (the count of nonzeros)."""
    if x.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {scalar_type_name(x.dtype)}"
        )
    if not isinstance(ord, int | float) or isinstance(ord, bool):
        raise TypeError(
            "linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
            f"{type(ord).__name__}"
        )
    ord = float(ord)
    dims = dims_of(dim, x.ndim)
    if x.numel() == 0 and (ord < 0 or ord == math.inf):
        where = "an empty tensor because the operation does"
        for d in () if dim is None else dims:
            if x.shape[d] == 0:
                where = f"the dimension {d}because this dimension is empty and the operation does"
                break
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {_ord_text(ord)} norm on {where} not have an "
            "identity"
        )
    return vector_norm_dims(x, ord, dims, keepdim, dtype)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: 'fro' and numbers are vector norms over dim (all by default), as in PyTorch
    2.x, which routes them to linalg.vector_norm."""
    if out is not None:
        raise NotImplementedError("conformance.reference: norm(out=...) is not supported")
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return linalg_vector_norm(input, 2, dim, keepdim, dtype=dtype)
        if p == "fro":
            raise RuntimeError(
                f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}"
            )
        raise NotImplementedError(f"conformance.reference: matrix norm p={p!r} is not supported")
    return linalg_vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


# -- logsumexp --------------------------------------------------------------------------------


def _logsumexp_grad(F, grad, self, result, dims, keepdim):
    """d logsumexp / d x = exp(x - logsumexp): the softmax of the reduced slice."""
    grad = _unsqueeze(F, grad, dims, keepdim, self.ndim)
    return grad * F.exp(self - _unsqueeze(F, result, dims, keepdim, self.ndim))


@op(
    "LogsumexpBackward0",
    self=lambda grad, self, result, dims, keepdim, F: _logsumexp_grad(
        F, grad, self, result, dims, keepdim
    ),
)
def logsumexp_dims(self, dims, keepdim):
    """log(sum(exp(x - m))) + m with m the maximum (0 where infinite), so it cannot overflow."""
    xp = array_namespace(self)
    work = self.astype(_accumulator(self.dtype), copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        if work.size == 0:
            return xp.log(xp.exp(work).sum(axis=dims, keepdims=keepdim)).astype(self.dtype)
        peak = work.max(axis=dims, keepdims=True)
        peak = xp.where(xp.isinf(peak), 0, peak)
        total = xp.exp(work - peak).sum(axis=dims, keepdims=True)
        out = xp.log(total) + peak
    if not keepdim:
        out = out.reshape(tuple(s for i, s in enumerate(self.shape) if i not in dims))
    return out.astype(self.dtype)


@_numpy_aliases
def logsumexp(input, dim=_OMITTED, keepdim=False):
    """torch.logsumexp over dims (required); integers give the default float dtype."""
    if dim is _OMITTED:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if isinstance(dim, tuple | list) and not dim and input.ndim:
        # PyTorch 2.13 rejects an empty dim list here (unlike sum, which reduces every dim).
        raise RuntimeError(
            f"output with shape [] doesn't match the broadcast shape {[1] * input.ndim}"
        )
    if input.dtype.category < dtypes.FLOATING:
        input = input.to(dtypes.get_default_dtype())
    return logsumexp_dims(input, dims_of(dim, input.ndim), keepdim)


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
    accumulate = _double_on_cpu(_accumulator(target), self)
    return self.cumsum(axis=dim, dtype=accumulate).astype(target, copy=False)


@_numpy_aliases
def cumsum(input, dim=_OMITTED, *, dtype=None):
    """torch.cumsum along one dim; integers and bools accumulate in int64."""
    if dim is _OMITTED:
        raise TypeError('cumsum() missing 1 required positional arguments: "dim"')
    _check_grad_dtype(input, dtype)
    return cumsum_dim(input, _one_dim(dim, input.ndim, "cumsum"), dtype)


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


# -- softmax and log_softmax ------------------------------------------------------------------


def _along(a, dim):
    """A 0-d input seen as one element along axis 0, so one code path serves both."""
    return a.reshape(1) if not a.ndim else a


def _softmax(a, dim):
    xp = array_namespace(a)
    work = _along(a, dim).astype(_accumulator(a.dtype), copy=False)
    if work.size == 0:
        return a.copy()
    with np.errstate(invalid="ignore"):
        e = xp.exp(work - work.max(axis=dim, keepdims=True))
        # Row-major whatever the input's layout, as PyTorch's kernel writes it.
        return (e / e.sum(axis=dim, keepdims=True)).astype(a.dtype, order="C").reshape(a.shape)


def _log_softmax(a, dim):
    xp = array_namespace(a)
    work = _along(a, dim).astype(_accumulator(a.dtype), copy=False)
    if work.size == 0:
        return a.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted = work - work.max(axis=dim, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
    return out.astype(a.dtype, order="C").reshape(a.shape)  # row-major, as softmax's


@op(
    "SoftmaxBackwardDataBackward0",
    grad_output=lambda grad, output, dim, F: F.softmax_backward_data(grad, output, dim),
    output=lambda grad, grad_output, output, dim, F: (
        grad_output * grad
        - F.sum(output * grad_output, (dim,), True) * grad
        - grad_output * F.sum(output * grad, (dim,), True)
    ),
)
def softmax_backward_data(grad_output, output, dim):
    """softmax's gradient: y * (g - sum(g * y)); a node of its own for double backward."""
    work = _accumulator(output.dtype)
    g, y = _along(grad_output, dim).astype(work), _along(output, dim).astype(work)
    out = y * (g - (g * y).sum(axis=dim, keepdims=True))
    return out.astype(output.dtype).reshape(output.shape)


@op(
    "LogSoftmaxBackwardDataBackward0",
    grad_output=lambda grad, output, dim, F: grad - F.sum(grad * F.exp(output), (dim,), True),
    output=lambda grad, grad_output, output, dim, F: (
        -F.sum(grad_output, (dim,), True) * F.exp(output) * grad
    ),
)
def log_softmax_backward_data(grad_output, output, dim):
    """log_softmax's gradient: g - exp(y) * sum(g); a node of its own for double backward."""
    xp = array_namespace(output)
    work = _accumulator(output.dtype)
    g, y = _along(grad_output, dim).astype(work), _along(output, dim).astype(work)
    out = g - xp.exp(y) * g.sum(axis=dim, keepdims=True)
    return out.astype(output.dtype).reshape(output.shape)


@op(
    "SoftmaxBackward0", self=lambda grad, result, dim, F: F.softmax_backward_data(grad, result, dim)
)
def softmax_dim(self, dim):
    return _softmax(self, dim)


@op(
    "LogSoftmaxBackward0",
    self=lambda grad, result, dim, F: F.log_softmax_backward_data(grad, result, dim),
)
def log_softmax_dim(self, dim):
    return _log_softmax(self, dim)


def _normalise(name, node, input, dim, dtype):
    if dim is _OMITTED:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    if dtype is not None:
        input = input.to(dtype)  # converted before the op, as PyTorch does (ToCopyBackward0)
    d = _one_dim(dim, input.ndim, name)
    if input.dtype.category < dtypes.FLOATING:
        kernel = f"{name}_lastdim_kernel_impl" if d == input.ndim - 1 else f"{name}_kernel_impl"
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return node(input, d)


@_numpy_aliases
def softmax(input, dim=_OMITTED, dtype=None):
    """torch.softmax: exp(x) / sum(exp(x)) along dim, computed without overflow."""
    return _normalise("softmax", softmax_dim, input, dim, dtype)


@_numpy_aliases
def log_softmax(input, dim=_OMITTED, dtype=None):
    """torch.log_softmax: x - logsumexp(x) along dim."""
    return _normalise("log_softmax", log_softmax_dim, input, dim, dtype)


TENSOR_METHODS: dict = {
    "prod": prod,
    "max": max,
    "min": min,
    "amax": amax,
    "amin": amin,
    "argmax": argmax,
    "argmin": argmin,
    "var": var,
    "std": std,
    "norm": norm,
    "logsumexp": logsumexp,
    "cumsum": cumsum,
    "all": all,
    "any": any,
    "softmax": softmax,
    "log_softmax": log_softmax,
}
