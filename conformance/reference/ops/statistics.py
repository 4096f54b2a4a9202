"""Reductions beyond sum and mean: cumulative scans (cumprod, cummax, cummin, logcumsumexp),
paired statistics (aminmax, var_mean, std_mean), NaN-skipping sums and means, counts,
differences, distances and unique. (bincount, histc, histogram, cov and corrcoef are in
counts_and_covariance.py.)

Derivatives follow PyTorch's derivatives.yaml and FunctionsManual.cpp, so zeros (cumprod),
ties and NaNs (cummax, aminmax) get the gradient PyTorch gives them. nanmean and diff are
compositions in PyTorch (their nodes are DivBackward0 and SubBackward0), and so they are here.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import dtypes, return_types
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import gathering, inplace, pointwise, shape, unstable_sort
from conformance.reference.ops.argument_errors import need_tensor
from conformance.reference.ops.cascade_sum import summed
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.norms import _norm_grad, _vector_norm
from conformance.reference.ops.reductions import (
    _OMITTED,
    _accumulator,
    _check_grad_dtype,
    _count,
    _double_on_cpu,
    _mean,
    _numpy_aliases,
    _one_dim,
    _reversed_cumsum,
    _sum_dtype,
    _unsqueeze,
    _wrap_dims,
    dims_of,
    no_bool_scan,
    scan_accumulator,
    sum_dims,
)
from conformance.reference.ops.variance import _std_grad, _var, _var_grad, _variance
from conformance.reference.tensor import Tensor

__all__ = [
    "cumprod",
    "cummax",
    "cummin",
    "logcumsumexp",
    "aminmax",
    "var_mean",
    "std_mean",
    "nansum",
    "nanmean",
    "count_nonzero",
    "diff",
    "dist",
    "unique",
]


def _scan_dim(name, input, dim):
    if dim is _OMITTED:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    return _one_dim(dim, input.ndim, name)


# -- cumprod ----------------------------------------------------------------------------------


def _cumprod_grad(F, grad, self, result, dim):
    """PyTorch's cumprod_backward: sum_{j >= k} g_j y_j / x_k where the slice has no zero.
    With zeros, an ordinary backward gives the elements before the first zero that formula,
    the first zero the product of the others up to the second zero, and the rest zero; a
    recorded one (create_graph) multiplies the omitted products out, position by position,
    so that it can itself be differentiated."""
    if not self.ndim or self.shape[dim] <= 1 or 0 in self.shape:
        return grad
    zero = self == 0
    if not zero.any():
        return _reversed_cumsum(F, result * grad, dim) / self
    if F.records_graph:
        return _cumprod_grad_recorded(grad, self, dim)
    xp = array_namespace(self)
    zeros_so_far = zero.cumsum(axis=dim)
    before = zeros_so_far == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        w = xp.where(before, result * grad, 0)
        out = xp.where(before, _reversed_cumsum(F, w, dim) / self, 0).astype(grad.dtype)
    between = zeros_so_far == 1
    first = xp.expand_dims(xp.argmax(between, axis=dim), dim)
    first_mask = xp.zeros(between.shape, bool)
    xp.put_along_axis(first_mask, first, True, dim)
    first_mask &= between
    after_first = between & ~first_mask
    products = xp.cumprod(xp.where(after_first, self, 1), axis=dim)
    total = (products * xp.where(between, grad, 0)).sum(axis=dim, keepdims=True)
    prior = xp.take_along_axis(result, xp.maximum(first - 1, 0), dim)
    prior = xp.where(first == 0, 1, prior)
    return xp.where(first_mask, total * prior, out)


def _cumprod_grad_recorded(grad, self, dim):
    """dF/dx_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i, one k at a time, in ops, each
    copied into its place of a zero gradient (CopySlices), as PyTorch's O(n^2) branch does."""
    from conformance import reference as torch

    size = self.shape[dim]
    ones = torch.ones_like(self.narrow(dim, 0, 1))
    grad_input = grad.new_zeros(self.shape)
    for k in range(size):
        # Column j >= k of the omitted products: prod(x[:k]) * prod(x[k+1 : j+1]).
        if k == 0:
            omitted = torch.cat([ones, self.narrow(dim, 1, size - 1).cumprod(dim)], dim)
        else:
            until = self.narrow(dim, 0, k).prod(dim, keepdim=True)
            if k == size - 1:
                omitted = until
            else:
                later = self.narrow(dim, k + 1, size - k - 1).cumprod(dim)
                omitted = torch.cat([until, until.expand_as(later) * later], dim)
        grad_input.select(dim, k).copy_((grad.narrow(dim, k, size - k) * omitted).sum(dim))
    return grad_input


@op(
    "CumprodBackward0",
    self=lambda grad, self, dim, result, F: _cumprod_grad(F, grad, self, result, dim),
)
def cumprod_dim(self, dim, dtype):
    target = _sum_dtype(self, dtype)
    if not self.ndim:
        return self.astype(target)
    accumulate = scan_accumulator(target, self)
    return self.cumprod(axis=dim, dtype=accumulate).astype(target, copy=False)


@_numpy_aliases
def cumprod(input, dim=_OMITTED, *, dtype=None):
    """torch.cumprod along one dim; integers and bools multiply in int64."""
    d = _scan_dim("cumprod", input, dim)
    _check_grad_dtype(input, dtype)
    no_bool_scan("cumprod", input, dtype)
    return cumprod_dim(input, d, dtype)


def _cumprod_in_place(self, dim=_OMITTED, *, dtype=None):
    """cumprod_: the scan in self's own dtype; another dtype is refused, as for cumsum_."""
    if dim is _OMITTED:
        raise TypeError('cumprod_() missing 1 required positional arguments: "dim"')
    inplace.check_out_matches(self, dtype=dtype)
    return cumprod(self, dim, dtype=self.dtype)


# -- cummax and cummin ------------------------------------------------------------------------


def _running_extreme(a, dim, greater):
    """Indices of the running maximum (or minimum): a later equal element takes over, and a
    NaN takes over and stays (until the next NaN), as PyTorch's CPU scan does."""
    xp = array_namespace(a)
    indices = xp.zeros(a.shape, np.int64)
    if not a.ndim or a.size == 0:
        return indices
    moved = xp.moveaxis(a, dim, 0)
    out = xp.moveaxis(indices, dim, 0)
    best, where = moved[0], xp.zeros(moved.shape[1:], np.int64)
    floating = a.dtype.kind == "f" or a.dtype == dtypes.bfloat16.np
    for i in range(moved.shape[0]):
        current = moved[i]
        better = current >= best if greater else current <= best
        if floating:
            better = xp.isnan(current) | (~xp.isnan(best) & better)
        best = xp.where(better, current, best)
        where = xp.where(better, i, where)
        out[i] = where
    return indices


def _scatter_back(grad, self_shape, dim, indices, F):
    """cummaxmin_backward: each output's gradient added to the element it copied."""
    if not self_shape or 0 in self_shape:
        return grad
    return formula_op(F, gathering.scatter_add)(F.zeros(self_shape, grad), dim, indices, grad)


@op("CummaxBackward0", self=_scatter_back)
def cummax_values(self, dim, indices):
    return _along_indices(self, dim, indices)


@op("CumminBackward0", self=_scatter_back)
def cummin_values(self, dim, indices):
    return _along_indices(self, dim, indices)


def _along_indices(a, dim, indices):
    if not a.ndim or a.size == 0:
        return a.copy()
    return array_namespace(a).take_along_axis(a, indices, dim)


@op(None)
def cummax_indices(self, dim):
    return _running_extreme(self, dim, True)


@op(None)
def cummin_indices(self, dim):
    return _running_extreme(self, dim, False)


@_numpy_aliases
def cummax(input, dim=_OMITTED):
    """torch.cummax: (values, indices) of the running maximum; ties and NaNs take the later
    index; the gradient goes to the element each position copied."""
    d = _scan_dim("cummax", input, dim)
    indices = cummax_indices(input, d)
    return return_types.cummax((cummax_values(input, d, indices), indices))


@_numpy_aliases
def cummin(input, dim=_OMITTED):
    """torch.cummin: as cummax, for the running minimum."""
    d = _scan_dim("cummin", input, dim)
    indices = cummin_indices(input, d)
    return return_types.cummin((cummin_values(input, d, indices), indices))


# -- logcumsumexp -----------------------------------------------------------------------------


def _logcumsumexp_grad(F, grad, self, result, dim):
    """PyTorch's logcumsumexp_backward: the positive and negative parts of grad each carried
    through a reversed logcumsumexp in log space (so nothing overflows), then subtracted."""
    if not grad.ndim or 0 in grad.shape:
        return grad
    dtype = grad.dtype if isinstance(grad, Tensor) else dtypes.from_numpy_dtype(grad.dtype)
    lowest = float(dtypes.finfo(dtype).min)

    def reverse(x):
        return F.flip_dims(formula_op(F, logcumsumexp_dim)(F.flip_dims(x, (dim,)), dim), (dim,))

    with np.errstate(divide="ignore", invalid="ignore"):
        log_abs = F.log(F.abs(grad))
        positive = F.where(grad > 0, log_abs, lowest)
        negative = F.where(grad < 0, log_abs, lowest)
        return F.exp(reverse(positive - result) + self) - F.exp(reverse(negative - result) + self)


@op(
    "LogcumsumexpBackward0",
    self=lambda grad, self, result, dim, F: _logcumsumexp_grad(F, grad, self, result, dim),
)
def logcumsumexp_dim(self, dim):
    """log(exp(running) + exp(x)) step by step, as logaddexp (exact at infinities), the
    running value in the kernel's accumulation type (double for float32 on the CPU). The
    first element too is PyTorch's log-add of it and -inf, x + log1p(0): so -0.0 comes out
    +0.0, as every zero PyTorch's kernel gives does."""
    xp = array_namespace(self)
    if not self.ndim or self.size == 0:
        return self.copy()
    work = self.astype(scan_accumulator(self.dtype, self), copy=False)
    moved = xp.moveaxis(work, dim, 0)
    out = xp.empty_like(moved)
    running = moved[0] + 0.0
    out[0] = running
    with np.errstate(invalid="ignore"):
        for i in range(1, moved.shape[0]):
            running = xp.logaddexp(running, moved[i])
            out[i] = running
    return xp.ascontiguousarray(xp.moveaxis(out, 0, dim)).astype(self.dtype)


@_numpy_aliases
def logcumsumexp(input, dim=_OMITTED):
    """torch.logcumsumexp: floating only (PyTorch's CPU kernel has no integer version)."""
    d = _scan_dim("logcumsumexp", input, dim)
    if input.dtype.category < dtypes.FLOATING:
        raise NotImplementedError(
            f"\"logcumsumexp_out_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return logcumsumexp_dim(input, d)


# -- aminmax ----------------------------------------------------------------------------------


def _aminmax_grad(F, grads, self, dims, keepdim, extremes):
    """Each output's gradient shared evenly among the elements equal to it, as amin's and
    amax's are; the two summed. The saved min and max are read, as PyTorch saves them: so
    changing either in place breaks the backward."""
    total = None
    for grad, extreme in zip(grads, extremes, strict=True):
        grad = _unsqueeze(F, grad, dims, keepdim, self.ndim)
        mask = _unsqueeze(F, extreme, dims, keepdim, self.ndim) == self
        part = grad / F.sum(mask, dims, True) * mask
        total = part if total is None else total + part
    return total


@op(
    "AminmaxBackward0",
    self=lambda grads, self, dims, keepdim, result0, result1, F: _aminmax_grad(
        F, grads, self, dims, keepdim, (result0, result1)
    ),
)
def aminmax_dims(self, dims, keepdim):
    return self.min(axis=dims, keepdims=keepdim), self.max(axis=dims, keepdims=keepdim)


def aminmax(input, *, dim=None, keepdim=False):
    """torch.aminmax: (min, max) over one dim or everything; no identity, so an empty
    reduction raises."""
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                "no identity."
            )
        dims = tuple(range(input.ndim))
    else:
        dims = _wrap_dims((dim,), input.ndim)
        if input.ndim and input.shape[dims[0]] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    return return_types.aminmax(aminmax_dims(input, dims, keepdim))


# -- var_mean and std_mean --------------------------------------------------------------------


def _welford_mean(a, dims, keepdim):
    """The mean as PyTorch's var_mean kernel updates it, element by element (Welford:
    m += (x - m) / k), in the accumulation dtype. It agrees with sum / n on finite numbers
    to rounding, but not at infinities: an infinity followed by anything gives NaN."""
    xp = array_namespace(a)
    if not a.size or not dims:
        return _mean(a, dims, keepdim)
    work = a.astype(_double_on_cpu(_accumulator(a.dtype), a), copy=False)
    kept = [d for d in range(a.ndim) if d not in dims]
    moved = xp.transpose(work, kept + sorted(dims))
    flat = moved.reshape(tuple(a.shape[d] for d in kept) + (-1,))
    mean = xp.zeros(flat.shape[:-1], work.dtype)
    with np.errstate(invalid="ignore"):
        for k in range(flat.shape[-1]):
            mean = mean + (flat[..., k] - mean) / (k + 1)
    if keepdim:
        mean = mean.reshape(tuple(1 if d in dims else n for d, n in enumerate(a.shape)))
    return mean.astype(a.dtype)


def _mean_grad(F, grad, self, dims, keepdim):
    grad = _unsqueeze(F, grad, dims, keepdim, self.ndim)
    return F.expand(grad / _count(self.shape, dims), self.shape)


def _paired_grad(F, grads, self, dims, correction, keepdim, full, std=None):
    """PyTorch's var_mean_backward and std_mean_backward: each output's part only where that
    output's gradient is defined (a zero gradient for an unused var would still meet the NaN
    of (x - mean) at an infinity). std_mean's passes its saved std, as PyTorch's does."""
    spread, mean = grads
    total = None
    if spread is not None:
        if std is not None:
            total = _std_grad(F, spread, self, std, dims, correction, keepdim, full)
        else:
            total = _var_grad(F, spread, self, dims, correction, keepdim, full)
    if mean is not None:
        part = _mean_grad(F, mean, self, dims, keepdim)
        total = part if total is None else total + part
    return total


@op(
    "VarMeanBackward0",
    self=lambda grads, self, dims, correction, keepdim, full, F: _paired_grad(
        F, grads, self, dims, correction, keepdim, full
    ),
)
def var_mean_dims(self, dims, correction, keepdim, full):
    return _var(self, dims, correction, keepdim), _welford_mean(self, dims, keepdim)


@op(
    "StdMeanBackward0",
    self=lambda grads, self, result0, dims, correction, keepdim, full, F: _paired_grad(
        F, grads, self, dims, correction, keepdim, full, result0
    ),
)
def std_mean_dims(self, dims, correction, keepdim, full):
    return _var(self, dims, correction, keepdim, root=True), _welford_mean(self, dims, keepdim)


var_mean_dims.node.keeps_missing_grads = std_mean_dims.node.keeps_missing_grads = True


def _paired(name, node, input, dim, unbiased, keepdim, correction):
    if input.dtype.category < dtypes.FLOATING:
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    return _variance(name, node, input, dim, unbiased, keepdim, correction)


@_numpy_aliases
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """torch.var_mean: (var, mean) as a plain tuple, one VarMeanBackward0 node for both."""
    return _paired("var_mean", var_mean_dims, input, dim, unbiased, keepdim, correction)


@_numpy_aliases
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """torch.std_mean: (std, mean) as a plain tuple, one StdMeanBackward0 node for both."""
    return _paired("std_mean", std_mean_dims, input, dim, unbiased, keepdim, correction)


# -- nansum, nanmean, count_nonzero -----------------------------------------------------------


def _nansum_grad(F, grad, self, dims, keepdim):
    """The sum's gradient, withheld from the NaNs it skipped."""
    grad = _unsqueeze(F, grad, dims, keepdim, self.ndim)
    return F.expand(grad, self.shape) * (self == self)


@op(
    "NansumBackward0",
    self=lambda grad, self, dims, keepdim, F: _nansum_grad(F, grad, self, dims, keepdim),
)
def nansum_dims(self, dims, keepdim, dtype):
    target = _sum_dtype(self, dtype)
    xp = array_namespace(self)
    work = self.astype(target, copy=False)
    if work.dtype.kind == "f" or work.dtype == dtypes.bfloat16.np:
        work = xp.where(xp.isnan(work), work.dtype.type(0), work)
    return summed(work, dims, keepdim)


@_numpy_aliases
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """torch.nansum: sum treating NaN as zero; integers and bools sum to int64."""
    _check_grad_dtype(input, dtype)
    return nansum_dims(input, dims_of(dim, input.ndim), keepdim, dtype)


@_numpy_aliases
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """torch.nanmean: nansum over the count of non-NaN elements, composed as PyTorch composes
    it (its node is DivBackward0); an all-NaN or empty slice gives NaN."""
    if input.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{scalar_type_name(input.dtype)}"
        )
    from conformance import reference as torch

    dims = dims_of(dim, input.ndim)
    counted = sum_dims(torch.logical_not(torch.isnan(input)), dims, keepdim)
    return torch.div(nansum_dims(input, dims, keepdim, dtype), counted)


@op(None)
def count_nonzero_dims(self, dims):
    return (self != 0).sum(axis=dims, dtype=np.int64)


def count_nonzero(input, dim=None):
    """torch.count_nonzero: int64 counts over dim (an int or a tuple), or everything."""
    return count_nonzero_dims(input, dims_of(dim, input.ndim))


# -- diff and dist ----------------------------------------------------------------------------


def _check_diff_operand(input, other, dim):
    if other is None:
        return
    if other.ndim != input.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i in range(other.ndim):
        if i != dim and other.shape[i] != input.shape[i]:
            raise RuntimeError(
                "diff expects the shape of tensor to prepend or append to match that of input "
                f"except along the differencing dimension; input.size({i}) = {input.shape[i]}, "
                f"but got tensor.size({i}) = {other.shape[i]}"
            )


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """torch.diff: the n-th forward difference along dim, after joining prepend and append;
    composed of narrow and sub as in PyTorch (bools use logical_xor). n past the length gives
    an empty result; n=0 a copy (empty_like(x).copy_(x): CopyBackwards)."""
    from conformance import reference as torch

    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = shape.wrap_dim(dim, input.ndim)
    _check_diff_operand(input, prepend, dim)
    _check_diff_operand(input, append, dim)
    if prepend is not None or append is not None:
        input = torch.cat([t for t in (prepend, input, append) if t is not None], dim)
    if n == 0:
        return torch.empty_like(input).copy_(input)
    length = input.shape[dim] - 1
    result = input
    for _ in range(min(n, input.shape[dim])):
        later, earlier = result.narrow(dim, 1, length), result.narrow(dim, 0, length)
        if result.dtype is dtypes.bool:
            result = torch.logical_xor(later, earlier)
        else:
            result = later - earlier
        length -= 1
    return result


def _dist_grad(F, grad, self, other, p, result, sign):
    difference = self - other
    g = _norm_grad(F, grad, difference, p, result, None, False)
    if g is None:  # the 0-"norm" counts nonzeros: no gradient
        return F.zeros_like(difference)
    return g if sign > 0 else -g


@op(
    "DistBackward0",
    self=lambda grad, self, other, p, result, F: _dist_grad(F, grad, self, other, p, result, 1),
    other=lambda grad, self, other, p, result, F: _dist_grad(F, grad, self, other, p, result, -1),
)
def dist_values(self, other, p, dtype):
    with np.errstate(invalid="ignore"):
        return _vector_norm(self.astype(dtype.np) - other.astype(dtype.np), p, None, False)


def dist(input, other, p=2):
    """torch.dist: the p-norm of input - other (broadcast); floating point only."""
    need_tensor("dist", "other", 2, other)
    pointwise.no_bool_subtraction(input, other)  # (input - other comes first)
    common = dtypes.result_type(input, other)
    from conformance.reference.ops.define import check_broadcastable

    check_broadcastable([input, other])  # (input - other comes before its norm)
    if common.category < dtypes.FLOATING:
        raise RuntimeError(
            "norm(): input dtype should be either floating point or complex. Got "
            f"{scalar_type_name(common)} instead."
        )
    return dist_values(input, other, float(p), common)


# -- unique -----------------------------------------------------------------------------------


def _no_unique_derivative(name):
    def derivative(grad):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")

    return derivative


def _groups(sorted_keys, differs):
    """Where each run of equal keys starts (NaN equals nothing, so each NaN is its own run),
    and the run each sorted position belongs to."""
    xp = array_namespace(sorted_keys)
    starts = xp.ones(sorted_keys.shape[0], bool)
    starts[1:] = differs
    return starts, xp.cumsum(starts) - 1


def _counted(xp, starts, n):
    positions = xp.nonzero(starts)[0]
    return xp.diff(xp.concatenate([positions, xp.asarray([n])])).astype(np.int64)


def _order_shows(a):
    """Whether the order of equal elements shows in unique's results: only NaNs (each its own
    value, numbered in sorted order) and zeros of both signs (the first of a run is kept)
    tell equal elements apart. Not on CUDA, whose kernels are not emulated."""
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f" and a.dtype != dtypes.bfloat16.np:
        return False
    return bool(np.isnan(a).any() or np.signbit(a[a == 0]).any())


@op("Unique2Backward0", self=_no_unique_derivative("_unique2"))
def unique_values(self):
    """The sorted distinct elements, the run of each element, and each run's length. The
    input is sorted as PyTorch's CPU kernel sorts it, with its unstable sort: that decides
    which of 0.0 and -0.0 a run keeps, and how NaNs are numbered."""
    xp = array_namespace(self)
    flat = self.reshape(-1)
    order = xp.argsort(unstable_sort.comparable(flat), kind="stable")  # (NaN-safe bfloat16)
    if _order_shows(flat):
        order = unstable_sort.unstable_order(flat, 0, False, order)
    ordered = flat[order]
    starts, run = _groups(ordered, ordered[1:] != ordered[:-1])
    inverse = xp.empty(flat.shape[0], np.int64)
    inverse[order] = run
    counts = _counted(xp, starts, flat.shape[0])
    return ordered[starts], inverse.reshape(self.shape), counts


def _lexicographic_less(a: list, b: list) -> bool:
    """unique(dim)'s comparator: the first element where a is less or greater decides."""
    for x, y in zip(a, b, strict=True):
        if x < y:
            return True
        if x > y:
            return False
    return False


@op("UniqueDimBackward0", self=_no_unique_derivative("unique_dim"))
def unique_dim_values(self, dim):
    """Distinct slices along dim, in lexicographic order of their elements. PyTorch's CPU
    kernel std::sorts the slices comparing element by element with < and >, which NaN
    leaves undecided; where NaN or signed zeros make the order show, its steps are taken."""
    xp = array_namespace(self)
    moved = xp.moveaxis(self, dim, 0)
    rows = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))
    if _order_shows(rows) and rows.shape[0] <= unstable_sort.LONGEST:
        keys = unstable_sort.comparable(rows).tolist()
        order = np.asarray(unstable_sort.introsort_order(keys, _lexicographic_less), np.int64)
    else:
        order = xp.lexsort(rows.T[::-1]) if rows.shape[1] else xp.arange(rows.shape[0])
    ordered = rows[order]
    starts, run = _groups(ordered, (ordered[1:] != ordered[:-1]).any(axis=1))
    inverse = xp.empty(rows.shape[0], np.int64)
    inverse[order] = run
    counts = _counted(xp, starts, rows.shape[0])
    kept = moved[order][starts]
    return xp.ascontiguousarray(xp.moveaxis(kept, 0, dim)), inverse, counts


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """torch.unique: distinct elements (or slices along dim), sorted (PyTorch's CPU kernel
    sorts even with sorted=False), with the index of each input element's value and each
    value's count on request. NaNs are all distinct. Not differentiable: PyTorch records a
    node whose backward raises."""
    if dim is None:
        values, inverse, counts = unique_values(input)
    else:
        values, inverse, counts = unique_dim_values(input, shape.wrap_dim(dim, input.ndim))
    extras = [t for t, wanted in ((inverse, return_inverse), (counts, return_counts)) if wanted]
    return (values, *extras) if extras else values


TENSOR_METHODS: dict = {
    "cumprod": cumprod,
    "cummax": cummax,
    "cummin": cummin,
    "logcumsumexp": logcumsumexp,
    "aminmax": aminmax,
    "nansum": nansum,
    "nanmean": nanmean,
    "count_nonzero": count_nonzero,
    "diff": diff,
    "dist": dist,
    "unique": unique,
}
TENSOR_IN_PLACE: dict = {"cumprod_": _cumprod_in_place}
