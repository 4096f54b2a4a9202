"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, nanmedian and mode, each
with the values and the indices PyTorch returns and a gradient that scatters back through the
indices.

Every op here orders a slice the one way PyTorch's CPU kernels order it: NaN above everything,
equal elements (0.0 and -0.0 among them) in their original order. PyTorch guarantees that order
only for sort(stable=True) and median(dim) (whose comparator breaks ties by index); its other
kernels choose among equal elements as their selection algorithm happens to, which for short
slices (up to 16 elements for sort and mode, 3 for topk, 2 for kthvalue) is the same order.
Past that, sort(stable=False), topk, kthvalue, mode and nanmedian take the CPU kernels' own
steps (unstable_sort.py: libstdc++'s sort, partial_sort and nth_element, ATen's quickselect)
on the NumPy backend. The indices decide where the gradient goes, so the gradient follows the
same rule.
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from conformance.reference import dtypes, return_types
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import unstable_sort
from conformance.reference.ops.argument_errors import invalid_arguments
from conformance.reference.ops.define import op
from conformance.reference.ops.extremes import _evenly, _select_grad, _selecting_dim, _take
from conformance.reference.ops.reductions import _wrap_dims
from conformance.reference.ops.unstable_sort import (
    by_slice,
    comparable,
    introsort_order,
    tied_slices,
)

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode"]


class _Omitted:
    """sort(stable=...) is another overload (SortBackward1), even when stable is None."""


_OMITTED = _Omitted()


# -- ordering a slice -------------------------------------------------------------------------


def _order(a, dim, descending=False):
    """Indices that sort `a` along dim, NaN as the largest value, equal elements in their
    original order (also when descending)."""
    xp = array_namespace(a)
    a = comparable(a)  # (NumPy's sort of bfloat16 stops at a NaN)
    if not descending:
        return xp.argsort(a, axis=dim, kind="stable")
    # Sorting the reversed slice ascending and reversing the result puts the largest first and
    # keeps equal elements in their original order.
    backwards = xp.argsort(xp.flip(a, axis=dim), axis=dim, kind="stable")
    return a.shape[dim] - 1 - xp.flip(backwards, axis=dim)


def _at(order, dim, position):
    """The entries of `order` at `position` (a number, or an array with one per slice) along
    dim, with dim kept."""
    xp = array_namespace(order)
    shape = list(order.shape)
    shape[dim] = 1
    return xp.take_along_axis(order, xp.broadcast_to(xp.asarray(position), shape), dim)


def _nan_count(a, dim):
    xp = array_namespace(a)
    if a.dtype.kind != "f" and a.dtype != dtypes.bfloat16.np:
        return xp.zeros(a.shape[:dim] + (1,) + a.shape[dim + 1 :], np.int64)
    return xp.isnan(a).sum(axis=dim, keepdims=True)


def _keep(index, dim, keepdim):
    return index if keepdim else index.squeeze(dim)


def _cpu_kernel(a, dim):
    """Whether `a` is a NumPy array whose slices along dim are short enough to take the CPU
    kernels' own order among equal elements (unstable_sort.py); CuPy arrays keep the stable
    order, which is not verified against PyTorch's CUDA kernels."""
    return isinstance(a, np.ndarray) and a.shape[dim] <= unstable_sort.LONGEST


# -- the ops' values and their gradients ------------------------------------------------------


def _gathering(node_name):
    """The values of sort or topk: the input gathered at `indices` along dim; the gradient is
    scattered back to those positions (zeros elsewhere)."""

    @op(
        node_name,
        self=lambda grad, self_shape, dim, indices, F: F.scatter_selected(
            grad, self_shape, dim, indices
        ),
    )
    def gather_sorted(self, dim, indices):
        return _take(self, dim, True, indices)

    return gather_sorted


def _selecting(node_name):
    """The values of kthvalue, median(dim) and mode: one element of each slice, the gradient
    going to it alone (as max(dim)'s)."""

    @op(node_name, self=_select_grad)
    def select_along(self, dim, keepdim, indices):
        return _take(self, dim, keepdim, indices)

    return select_along


sort_values = _gathering("SortBackward0")
sort_stable_values = _gathering("SortBackward1")
topk_values = _gathering("TopkBackward0")
kthvalue_values = _selecting("KthvalueBackward0")
median_values = _selecting("MedianBackward1")
nanmedian_values = _selecting("NanmedianBackward1")
mode_values = _selecting("ModeBackward0")


# -- sort, argsort, msort ---------------------------------------------------------------------


def _int_argument(name, argument, position, value):
    """PyTorch's argument parser: an int (or an integer-like object) and nothing else."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"{name}(): argument '{argument}' (position {position}) must be int, not "
            f"{type(value).__name__}"
        ) from None


def _sort_dim(name, input, dim):
    if input.dtype.category == dtypes.COMPLEX:
        raise RuntimeError(" Sort does not support complex dtypes on CPU")
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got (Tensor, "
            f"{type(dim).__name__}), but expected one of:\n"
            " * (Tensor input, *, bool stable, int dim = -1, bool descending = False)\n"
            " * (Tensor input, int dim = -1, bool descending = False)"
        ) from None
    return (_wrap_dims((dim,), input.ndim) or (0,))[0]


@op(None)
def sort_order(self, dim, descending, stable=True):
    """The sorting permutation along dim: stable, or with stable=False the one PyTorch's CPU
    kernel leaves among equal elements (see unstable_sort.py)."""
    if not self.ndim:
        return array_namespace(self).zeros((), np.int64)
    order = _order(self, dim, descending)
    if stable or not isinstance(self, np.ndarray):  # (CuPy arrays: what is emulated is the CPU's)
        return order
    return unstable_sort.unstable_order(self, dim, descending, order)


_SORT_OVERLOADS = {
    "sort": (
        "Tensor input, *, bool stable, int dim = -1, bool descending = False, "
        "tuple of Tensors out = None",
        "Tensor input, int dim = -1, bool descending = False, *, tuple of Tensors out = None",
    ),
    "argsort": (
        "Tensor input, *, bool stable, int dim = -1, bool descending = False, Tensor out = None",
        "Tensor input, int dim = -1, bool descending = False",
    ),
}
_SORT_METHOD_OVERLOADS = (
    "*, bool stable, int dim = -1, bool descending = False",
    "int dim = -1, bool descending = False",
)


def _stable_by_keyword(function, method=False):
    """sort and argsort as PyTorch's parser takes them: with stable=, the overload whose dim
    and descending are keyword-only, so that a dim given by position with it is refused."""
    name = function.__name__
    overloads = _SORT_METHOD_OVERLOADS if method else _SORT_OVERLOADS[name]

    @functools.wraps(function)
    def checked(input, *args, **kwargs):
        if args and "stable" in kwargs:
            shown = args if method else (input, *args)
            raise invalid_arguments(name, overloads, shown, kwargs)
        return function(input, *args, **kwargs)

    return checked


def sort(input, dim=-1, descending=False, *, stable=_OMITTED):
    """torch.sort: (values, indices) along dim, NaN as the largest value. Equal elements keep
    their order with stable=True; otherwise they come in the order PyTorch's CPU kernel
    leaves them (unstable_sort.py: kept up to 16 elements, reordered above). Passing
    `stable` at all, even None, picks the overload whose node is SortBackward1, which takes
    dim and descending by keyword only (see _stable_by_keyword)."""
    d = _sort_dim("sort", input, dim)
    indices = sort_order(input, d, bool(descending), stable is True)
    gather = sort_values if stable is _OMITTED else sort_stable_values
    return return_types.sort((gather(input, d, indices), indices))


def argsort(input, dim=-1, descending=False, *, stable=False):
    """torch.argsort: sort's indices alone (int64, never differentiable)."""
    return sort_order(input, _sort_dim("argsort", input, dim), bool(descending), stable is True)


def msort(input):
    """torch.msort: sort(input, dim=0).values (its node is sort's SortBackward0)."""
    d = _sort_dim("msort", input, 0)
    return sort_values(input, d, sort_order(input, d, False))


# -- topk -------------------------------------------------------------------------------------


@op(None)
def topk_order(self, k, dim, largest, sorted):  # noqa: A002 - PyTorch's name
    """The indices of the k largest (smallest) along dim, in the order PyTorch's CPU kernel
    leaves them: see unstable_sort.topk_order. Its unsorted results come in another order
    (past k = 2 and below 64k elements) and its ties in another order, so those slices take
    the kernel's steps; the others are the stable sort's first k."""
    order = _order(self, dim, largest)
    picked = order[(slice(None),) * dim + (slice(0, k),)]
    n = self.shape[dim]
    if not k or not _cpu_kernel(self, dim):
        return picked
    keys = comparable(self)
    which = tied_slices(keys, order, dim)
    if not sorted and k > 2 and k * 64 > n:
        which[...] = True
    return by_slice(
        keys,
        dim,
        picked.copy(),
        which,
        lambda row: unstable_sort.topk_order(row, k, largest, sorted),
    )


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    """torch.topk: the k largest (or smallest) elements along dim and their indices, NaN as the
    largest. The order among equal elements and, with sorted=False, the order of the result
    are PyTorch's to choose; here they are its CPU kernel's (see topk_order)."""
    k = _int_argument("topk", "k", 2, k)
    dim = _int_argument("topk", "dim", 3, dim)
    d = (_wrap_dims((dim,), input.ndim) or (0,))[0]
    if not 0 <= k <= (input.shape[d] if input.ndim else 1):
        raise RuntimeError("selected index k out of range")
    if input.dtype is dtypes.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if input.dtype.category == dtypes.COMPLEX:
        raise RuntimeError(" topk does not support complex dtypes on CPU")
    if not input.ndim:  # k is 0 or 1: a 0-d input comes back whole, as in PyTorch
        indices = sort_order(input, 0, largest)
    else:
        indices = topk_order(input, k, d, bool(largest), bool(sorted))
    return return_types.topk((topk_values(input, d, indices), indices))


# -- kthvalue, median, nanmedian, mode --------------------------------------------------------


def _refuse(kernel, input, allow_bool=False):
    """The dtypes these CPU kernels are not compiled for (bool, complex)."""
    category = input.dtype.category
    if category == dtypes.COMPLEX or category == dtypes.BOOL and not allow_bool:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )


def _slice_dim(name, input, dim):
    return _selecting_dim(name, input, _int_argument(name, "dim", 2, dim))


@op(None)
def kthvalue_index(self, k, dim, keepdim):
    """The k-th smallest's index: the stable order's, or where a slice of more than two has
    equal elements, the one ATen's quickselect leaves at k (unstable_sort.quick_select_order)."""
    if not self.ndim:
        return array_namespace(self).zeros((), np.int64)
    order = _order(self, dim)
    index = _at(order, dim, k - 1)
    if self.shape[dim] > 2 and _cpu_kernel(self, dim):
        keys = comparable(self)
        pick = lambda row: unstable_sort.quick_select_order(row, k - 1)[k - 1]  # noqa: E731
        by_slice(keys, dim, index, tied_slices(keys, order, dim), pick)
    return _keep(index, dim, keepdim)


def kthvalue(input, k, dim=-1, keepdim=False):
    """torch.kthvalue: the k-th smallest element along dim (NaN the largest) and its index;
    among equal elements the one PyTorch's CPU quickselect picks (see kthvalue_index)."""
    k = _int_argument("kthvalue", "k", 2, k)
    d = _selecting_dim("kthvalue", input, _int_argument("kthvalue", "dim", 3, dim))
    if not 0 < k <= (input.shape[d] if input.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    _refuse("kthvalue_cpu", input)
    indices = kthvalue_index(input, k, d, keepdim)
    return return_types.kthvalue((kthvalue_values(input, d, keepdim, indices), indices))


@op(None)
def median_index(self, dim, keepdim, ignore_nan):
    """The lower middle element in sorted order, ties broken by index (as PyTorch's comparator
    breaks them). median: a slice with NaN gives its first NaN. nanmedian: the middle of the
    non-NaN elements; in an all-NaN slice, the NaN the kernel's std::nth_element leaves first
    (its comparator finds no NaN less than another, so the sort's steps alone decide)."""
    xp = array_namespace(self)
    if not self.ndim:
        return xp.zeros((), np.int64)
    order = _order(self, dim)
    nans = _nan_count(self, dim)
    if ignore_nan:
        position = xp.maximum((self.shape[dim] - nans - 1) // 2, 0)
        index = _at(order, dim, position)
        if self.shape[dim] > 3 and _cpu_kernel(self, dim):  # (up to 3, an insertion sort)
            all_nan = (nans == self.shape[dim]).squeeze(dim)
            pick = lambda row: unstable_sort.nth_element_order(row, 0, _never)[0]  # noqa: E731
            by_slice(comparable(self), dim, index, all_nan, pick)
        return _keep(index, dim, keepdim)
    middle = _at(order, dim, (self.shape[dim] - 1) // 2)
    if self.dtype.kind in "biu":
        return _keep(middle, dim, keepdim)
    first_nan = xp.isnan(self).argmax(axis=dim, keepdims=True)
    return _keep(xp.where(nans > 0, first_nan, middle), dim, keepdim)


def _never(i, j):
    """Median's comparator on two NaNs: neither is less, whichever their indices."""
    return False


def _middle(a, ignore_nan):
    """The lower of the two middle values of everything (NaN for an empty input, cast to the
    input's dtype as PyTorch casts it)."""
    xp = array_namespace(a)
    flat = a.reshape(-1)
    if not flat.size:
        with np.errstate(invalid="ignore"):
            return xp.asarray(np.nan).astype(a.dtype)
    nans = int(_nan_count(flat, 0)[0])
    if nans and not ignore_nan:
        return xp.asarray(np.nan).astype(a.dtype)
    position = max((flat.size - nans - 1) // 2, 0)
    return flat[_order(flat, 0)[position]].copy()


@op("MedianBackward0", self=lambda grad, self, result, F: _evenly(F, grad, self, result))
def median_all(self):
    return _middle(self, False)


@op("NanmedianBackward0", self=lambda grad, self, result, F: _evenly(F, grad, self, result))
def nanmedian_all(self):
    return _middle(self, True)


def _median(name, whole, along, ignore_nan, input, dim, keepdim):
    if dim is _OMITTED:
        if input.numel():  # (an empty input returns NaN in its dtype before the kernel check)
            _refuse("median_cpu", input)
        return whole(input)
    d = _selecting_dim("median", input, _int_argument(name, "dim", 2, dim))
    _refuse("median_out", input)
    indices = median_index(input, d, keepdim, ignore_nan)
    return getattr(return_types, name)((along(input, d, keepdim, indices), indices))


def median(input, dim=_OMITTED, keepdim=False):
    """torch.median: without dim, the lower of the two middle values (not their mean), NaN if
    any element is NaN; its gradient is shared among the elements equal to it. With dim,
    (values, indices), the gradient going to the index alone."""
    return _median("median", median_all, median_values, False, input, dim, keepdim)


def nanmedian(input, dim=_OMITTED, keepdim=False):
    """torch.nanmedian: median of the non-NaN elements (NaN only where all are NaN)."""
    return _median("nanmedian", nanmedian_all, nanmedian_values, True, input, dim, keepdim)


@op(None)
def mode_index(self, dim, keepdim):
    """PyTorch sorts each slice and walks its runs of equal values: the mode is the smallest
    of the most frequent values, its index that of the last element of the run. Its CPU kernel
    sorts with std::sort, which reorders equal elements in slices longer than 16 and which NaN
    throws off; those slices take the kernel's own walk (_kernel_mode)."""
    xp = array_namespace(self)
    if not self.ndim:
        return xp.zeros((), np.int64)
    order = _order(self, dim)
    values = xp.take_along_axis(self, order, dim)
    n = self.shape[dim]
    tail = (slice(None),) * dim
    start = xp.ones(values.shape, bool)  # where a run of equal values begins
    start[tail + (slice(1, None),)] = (
        values[tail + (slice(1, None),)] != values[tail + (slice(0, -1),)]
    )
    end = xp.ones(values.shape, bool)  # and where one ends
    end[tail + (slice(0, -1),)] = start[tail + (slice(1, None),)]
    # Each position's run begins at the run's index-th start: starts, in order, come first
    # in a stable sort of `not start`.
    starts = xp.argsort(~start, axis=dim, kind="stable")
    run = xp.cumsum(start, axis=dim) - 1
    position = xp.arange(n).reshape((n,) + (1,) * (self.ndim - dim - 1))
    length = position - xp.take_along_axis(starts, run, dim) + 1
    best = xp.where(end, length, 0).argmax(axis=dim, keepdims=True)  # the first longest run
    index = xp.take_along_axis(order, best, dim)
    if _cpu_kernel(self, dim):  # slices with a NaN, or past 16 with ties: the kernel's walk
        keys = comparable(self)
        which = np.zeros(index.shape, bool).squeeze(dim)
        if n > 16:
            which |= ~start.all(axis=dim)
        if keys.dtype.kind == "f":
            which |= np.isnan(keys).any(axis=dim)
        by_slice(keys, dim, index, which, _kernel_mode)
    return _keep(index, dim, keepdim)


def _kernel_mode(values: list) -> int:
    """The index ATen's CPU mode kernel picks in one slice. It std::sorts (value, index) pairs
    comparing values with `<` alone, so equal values come in whatever order the introsort
    leaves them and a NaN, never less than anything, stays about where the sort's steps leave
    it; then it keeps the last element of the first longest run of values that compare equal
    (every NaN a run of its own)."""
    order = introsort_order(values, operator.lt)
    best = run = picked = 0
    for position, i in enumerate(order):
        run += 1
        if position + 1 == len(order) or values[i] != values[order[position + 1]]:
            if run > best:
                best, picked = run, i
            run = 0
    return picked


def mode(input, dim=-1, keepdim=False):
    """torch.mode: the most frequent value along dim (the smallest of equally frequent ones)
    and the index of one of its occurrences: the last, in slices of up to 16 elements; the one
    std::sort leaves last in longer ones. With NaN the result is not what the documentation
    suggests (NaN breaks the sort's `<`), but it is deterministic, and reproduced here."""
    d = _slice_dim("mode", input, dim)
    _refuse("mode_cpu", input, allow_bool=True)
    indices = mode_index(input, d, keepdim)
    return return_types.mode((mode_values(input, d, keepdim, indices), indices))


TENSOR_METHODS: dict = {name: globals()[name] for name in __all__}
TENSOR_METHODS.update(
    sort=_stable_by_keyword(sort, True), argsort=_stable_by_keyword(argsort, True)
)
sort = _stable_by_keyword(sort)
argsort = _stable_by_keyword(argsort)
