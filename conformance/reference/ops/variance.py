"""Variance: var and std, with PyTorch's correction/unbiased arguments, its degrees-of-freedom
warning and the gradients of derivatives.yaml.

The dim helpers and accumulation dtypes come from reductions.py; var_mean and std_mean
(statistics.py) reuse the kernels and gradients here.
"""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import op
from conformance.reference.ops.reductions import (
    _accumulator,
    _count,
    _double_on_cpu,
    _invalid_arguments,
    _mean,
    _numpy_aliases,
    _unsqueeze,
    dims_of,
)

__all__ = ["var", "std"]


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


TENSOR_METHODS: dict = {
    "var": var,
    "std": std,
}
