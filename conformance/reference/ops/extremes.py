"""Extremes: max and min (of everything, or along a dim with their indices), amax and amin
over dims, and argmax and argmin.

They share reductions.py's dim helpers and `_OMITTED` convention. The gradient of a whole-tensor
max/min, and of amax/amin, is shared evenly among ties; that of max(dim)/min(dim) goes only to the
index chosen (scatter_selected). sorting.py's median, kthvalue, topk, ... reuse these helpers.
"""

from __future__ import annotations

import numpy as np

from conformance.reference import dtypes, return_types
from conformance.reference.devices import array_namespace
from conformance.reference.ops import pointwise
from conformance.reference.ops.define import op
from conformance.reference.ops.reductions import (
    _OMITTED,
    _numpy_aliases,
    _one_dim,
    _unsqueeze,
    dims_of,
)
from conformance.reference.tensor import Tensor

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin"]


_EMPTY = (
    "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction "
    "dim with the 'dim' argument."
)


# -- max and min ------------------------------------------------------------------------------


def _evenly(F, grad, self, result):
    """A whole-tensor max/min shares its gradient evenly among the elements equal to it (NaN
    counts as equal to a NaN result), as PyTorch's evenly_distribute_backward does on the CPU:
    the others get exact zeros, so a nan or inf gradient stays on the ties. (PyTorch's CUDA
    form multiplies by the mask instead, which spreads a nan; not modelled.)"""
    mask = (self == result) | (F.isnan(self) & F.isnan(result))
    return F.where(mask, grad / F.sum(mask), 0)


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
def max(input, dim=_OMITTED, keepdim=False, *, other=_OMITTED):  # noqa: A001
    """torch.max: the largest element (MaxBackward1, gradient shared among ties); along a dim,
    (values, indices) with MaxBackward0 (gradient to the index chosen); with a tensor as second
    argument (positional, or other=), torch.maximum."""
    dim = _other_or_dim("max", dim, other)
    return _extreme("max", max_all, max_dim, argmax_dim, input, dim, keepdim)


def _other_or_dim(name, dim, other):
    """max(input, other=t) is max(input, t); other with a dim matches no overload."""
    if other is _OMITTED:
        return dim
    if dim is not _OMITTED:
        raise TypeError(f"{name}() got multiple values for argument 'other'")
    return other


@_numpy_aliases
def min(input, dim=_OMITTED, keepdim=False, *, other=_OMITTED):  # noqa: A001
    """torch.min: as max, for the smallest element."""
    dim = _other_or_dim("min", dim, other)
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


TENSOR_METHODS: dict = {
    "max": max,
    "min": min,
    "amax": amax,
    "amin": amin,
    "argmax": argmax,
    "argmin": argmin,
}
