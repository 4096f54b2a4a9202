"""Counting and covariance: bincount, histc and histogram (bins of values, with the
NotImplemented node PyTorch records where it has no derivative), cov and corrcoef (composed of
other ops, as PyTorch composes them, so their graphs read the same)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from conformance.reference import dtypes, return_types
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops.argument_errors import need_tensor
from conformance.reference.ops.define import no_derivative, op
from conformance.reference.tensor import Tensor

__all__ = ["bincount", "histc", "cov", "corrcoef", "histogram"]


# -- bincount and histc -----------------------------------------------------------------------


@op("NotImplemented", weights=no_derivative("bincount"))
def bincount_values(self, weights, minlength, dtype):
    """Counts (or summed weights) per value: np.bincount, in the result dtype."""
    xp = array_namespace(self)
    if weights is None:
        return xp.bincount(self, minlength=minlength).astype(np.int64)
    return xp.bincount(self, weights.astype(np.float64), minlength=minlength).astype(dtype.np)


def bincount(input, weights=None, minlength=0):
    """torch.bincount: int64 counts of each value of a 1-d non-negative integer tensor;
    with weights, their sums (float32 weights stay float32, any other dtype gives float64).
    A gradient for weights is recorded as PyTorch's NotImplemented node."""
    need_tensor("bincount", "input", 1, input)
    if input.dtype.category != dtypes.INTEGER:
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.ndim != 1 or input.numel() and int(input.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = None
    if weights is not None:
        dtype = dtypes.float32 if weights.dtype is dtypes.float32 else dtypes.float64
    return bincount_values(input, weights, minlength, dtype)


@op(None)
def histc_values(self, bins, low, high):
    """PyTorch's bin of x: floor((x - min) / (max - min) * bins), the maximum itself in the
    last bin; elements outside [min, max] (and NaN) are not counted. Computed in the input's
    dtype, as PyTorch's kernel computes it."""
    xp = array_namespace(self)
    data = self.reshape(-1)
    low, high = data.dtype.type(low), data.dtype.type(high)
    inside = (data >= low) & (data <= high)
    with np.errstate(invalid="ignore"):
        position = ((data[inside] - low) / (high - low) * data.dtype.type(bins)).astype(np.int64)
    position = xp.minimum(position, bins - 1)
    return xp.bincount(position, minlength=bins).astype(self.dtype)


def histc(input, bins=100, min=0, max=0):  # noqa: A002 - PyTorch's names
    """torch.histc: a histogram of `bins` equal bins over [min, max]; min == max == 0 means
    the data's own range (widened by 1 on each side when every element is equal). Floating
    point only; not differentiable."""
    need_tensor("histc", "input", 1, input)
    if input.dtype.category < dtypes.FLOATING:
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    low, high = float(min), float(max)
    if low == high and input.numel():
        low, high = float(input.min()), float(input.max())
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low:g}, {high:g}] is not finite")
    if low > high:
        raise RuntimeError("torch.histc: max must be larger than min")
    return histc_values(input, bins, low, high)


# -- cov, corrcoef ----------------------------------------------------------------------------


def _check_weights(name: str, w, kind_ok: bool, kind: str, observations: int) -> None:
    if w.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
            f"{w.ndim} dimensions"
        )
    if not kind_ok:
        raise RuntimeError(
            f"cov(): expected {name} to have {kind} dtype but got {name} with "
            f"{scalar_type_name(w.dtype)} dtype"
        )
    if w.numel() != observations:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the "
            f"input but got {w.numel()} != {observations}"
        )
    if observations and bool((w._data < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """torch.cov: the covariance of the rows of `input` (variables) over its columns
    (observations), a composition as in PyTorch (its node is SqueezeBackward0). fweights
    (integer counts) and aweights (floating importances) weight the observations; with
    aweights the correction scales by sum(w * aweights) / sum(w), numpy's rule. Degrees of
    freedom <= 0 warn and divide by zero (inf or nan)."""
    need_tensor("cov", "input", 1, input)
    from conformance import reference as torch

    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    if input.dtype is dtypes.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    observations_of = input.view(1, -1) if input.ndim < 2 else input
    observations = observations_of.shape[1]
    w = None
    if fweights is not None:
        kind_ok = fweights.dtype.category == dtypes.INTEGER
        _check_weights("fweights", fweights, kind_ok, "integral", observations)
        w = fweights
    if aweights is not None:
        kind_ok = aweights.dtype.is_floating_point
        _check_weights("aweights", aweights, kind_ok, "floating point", observations)
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = torch.scalar_tensor(observations, dtype=torch.int64, device=input.device)
    else:
        w_sum = w.sum()
        if not bool(w_sum != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    weighted = observations_of if w is None else observations_of * w
    average = weighted.sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if bool(norm_factor <= 0):
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "number of observations.",
            UserWarning,
            stacklevel=2,
        )
        norm_factor = torch.zeros_like(norm_factor)
    centered = observations_of - average.unsqueeze(1)
    weighted = centered if w is None else centered * w
    return torch.true_divide(torch.mm(centered, weighted.t().conj()), norm_factor).squeeze()


def corrcoef(input):
    """torch.corrcoef: cov divided by the outer product of the standard deviations, clipped
    to [-1, 1] (ClampBackward1); one variable gives c / c (1, or nan for zero variance)."""
    need_tensor("corrcoef", "input", 1, input)
    if input.ndim > 2:
        raise RuntimeError(
            "corrcoef(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    stddev = (d.real if d.is_complex() else d).sqrt()
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    if c.is_complex():
        from conformance import reference as torch

        return torch.complex(c.real.clip(-1, 1), c.imag.clip(-1, 1))
    return c.clip(-1, 1)


# -- histogram --------------------------------------------------------------------------------


def _edges(xp, low, high, n, dtype):
    """n equally spaced edges from low to high, both exact, computed in float64 and rounded
    (PyTorch's vectorized float32 linspace may differ in the last bit)."""
    return xp.asarray(np.linspace(low, high, n, dtype=np.float64).astype(dtype))


@op("NotImplemented", self=no_derivative("histogram"), bins=no_derivative("histogram"))
def histogram_values(self, bins, weight, density):
    """(hist, bin_edges): each element in [edges[0], edges[-1]] counted (or its weight
    added) in the bin whose half-open [edge, next edge) holds it, the last edge in the last
    bin; nan and elements outside are left out. density divides by the total and the bin
    widths."""
    xp = array_namespace(self)
    data = self.reshape(-1)
    edges = bins
    n = edges.shape[0] - 1
    inside = (data >= edges[0]) & (data <= edges[-1])
    values = data[inside]
    position = xp.minimum(xp.searchsorted(edges, values, side="right") - 1, n - 1)
    mass = None if weight is None else weight.reshape(-1)[inside].astype(np.float64)
    hist = xp.bincount(position, weights=mass, minlength=n).astype(np.float64)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = hist / (hist.sum() * xp.diff(edges.astype(np.float64)))
    return hist.astype(self.dtype), edges.copy()


def histogram(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """torch.histogram: `bins` equal bins over `range` (default the data's min and max,
    widened by 0.5 each way when they are equal, [0, 1] for no data), or the given
    increasing edges. Floating point (float32, float64) only; not differentiable (both
    results carry PyTorch's NotImplemented node when the input requires grad)."""
    dtype = input.dtype
    if dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(
            f"\"histogramdd\" not implemented for '{scalar_type_name(dtype)}'"
        )
    c_name = dtypes.cpp_type_name
    if isinstance(bins, Tensor):
        if bins.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{bins.ndim} dimensions in the bins tensor for dimension 0"
            )
        if bins.numel() < 2:
            raise RuntimeError(
                f"torch.histogram(): bins must be > 0, but got {bins.numel() - 1} for dimension 0"
            )
        if bins.dtype is not dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                f"but got input with dtype {c_name(dtype)} and bins for dimension 0 with dtype "
                f"{c_name(bins.dtype)}"
            )
        edges = bins
    else:
        if bins <= 0:
            raise RuntimeError(
                f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0"
            )
        if range is not None:
            low, high = float(range[0]), float(range[1])
        elif input.numel():
            low, high = float(input.min()), float(input.max())
        else:
            low, high = 0.0, 1.0
        if low > high:
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {low:g} max "
                f"{high:g} for dimension 0"
            )
        if not (math.isfinite(low) and math.isfinite(high)):
            raise RuntimeError(
                f"torch.histogramdd: dimension 0's range [{low:g}, {high:g}] is not finite"
            )
        if low == high:
            low, high = low - 0.5, high + 0.5
        xp = array_namespace(input._data)
        edges = Tensor._wrap(_edges(xp, low, high, bins + 1, dtype.np), dtype, input.device)
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape "
                "as the input tensor excluding its innermost dimension, but got input with "
                f"shape {list(input.reshape(-1, 1).shape)} and weight with shape "
                f"{list(weight.shape)}"
            )
        if weight.dtype is not dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight "
                f"tensor should have the same dtype, but got input({c_name(dtype)}), and "
                f"weight({c_name(weight.dtype)})"
            )
    hist, bin_edges = histogram_values(input, edges, weight, bool(density))
    return return_types.histogram((hist, bin_edges))


TENSOR_METHODS: dict = {
    "bincount": bincount,
    "histc": histc,
    "cov": cov,
    "corrcoef": corrcoef,
    "histogram": histogram,
}
