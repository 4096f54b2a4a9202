"""Reductions: sum, mean, prod, max/min, var/std, norm, logsumexp, cumsum, argmax.

A reduction over `dim` takes an int, a tuple, or None (everything); PyTorch names the node
differently for the whole-tensor form (SumBackward0) and the dim form (SumBackward1).
"""

from __future__ import annotations

from conformance.reference import dtypes
from conformance.reference.ops.define import op

__all__ = ["sum", "mean"]
TENSOR_METHODS: dict = {}


def dims_of(dim, ndim):
    """Normalised axes for `dim`; an empty tuple, like None, means every dimension."""
    if dim is None or dim == () or dim == []:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                f"{max(ndim, 1) - 1}], but got {d})"
            )
    return tuple(d % max(ndim, 1) for d in dims) if ndim else ()


def _restore(F, grad, dims, keepdim, shape):
    """A reduced gradient with its reduced dimensions put back, broadcast to `shape`."""
    if not keepdim:
        grad = F.unsqueeze_dims(grad, dims, len(shape))
    return F.expand(grad, shape)


def _sum_dtype(data, dtype):
    if dtype is not None:
        return dtype.np
    if data.dtype.kind in "biu":  # integer and bool sums accumulate in int64, as PyTorch does
        return dtypes.int64.np
    return data.dtype


@op("SumBackward0", self=lambda grad, self_shape, F: F.expand(grad, self_shape))
def sum_all(self, dtype=None):
    return self.sum(dtype=_sum_dtype(self, dtype))


@op(
    "SumBackward1",
    self=lambda grad, self_shape, dims, keepdim, F: _restore(F, grad, dims, keepdim, self_shape),
)
def sum_dims(self, dims, keepdim=False, dtype=None):
    return self.sum(axis=dims, keepdims=keepdim, dtype=_sum_dtype(self, dtype))


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    """torch.sum: everything (SumBackward0) or over dims (SumBackward1)."""
    if dim is None:
        return sum_all(input, dtype)
    return sum_dims(input, dims_of(dim, input.ndim), keepdim, dtype)


def _mean_dtype(input, dtype):
    target = dtype or input.dtype
    if target.category < dtypes.FLOATING:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_short(input.dtype)}"
        )
    return target


def _short(dtype):
    return {
        "int64": "Long",
        "int32": "Int",
        "int16": "Short",
        "int8": "Char",
        "uint8": "Byte",
        "bool": "Bool",
    }.get(dtype.name, dtype.name.capitalize())


@op(
    "MeanBackward0",
    self=lambda grad, self_shape, F: F.expand(grad / _numel(self_shape), self_shape),
)
def mean_all(self):
    return self.mean(dtype=self.dtype)


@op(
    "MeanBackward1",
    self=lambda grad, self_shape, dims, keepdim, F: _restore(
        F, grad / _count(self_shape, dims), dims, keepdim, self_shape
    ),
)
def mean_dims(self, dims, keepdim=False):
    return self.mean(axis=dims, keepdims=keepdim, dtype=self.dtype)


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def mean(input, dim=None, keepdim=False, *, dtype=None):
    target = _mean_dtype(input, dtype)
    if target is not input.dtype:
        input = input.to(target)
    if dim is None:
        return mean_all(input)
    return mean_dims(input, dims_of(dim, input.ndim), keepdim)
