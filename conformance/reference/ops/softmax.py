"""The log-sum-exp family: logsumexp, which reduces, and softmax and log_softmax, which normalise
along a dimension rather than remove it. Each subtracts the maximum first, so none overflows.

The dim helpers and accumulation dtypes come from reductions.py. The softmax gradients are nodes
of their own (softmax_backward_data, log_softmax_backward_data), as in PyTorch, so that double
backward records what PyTorch records.
"""

from __future__ import annotations

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops.define import op
from conformance.reference.ops.pointwise_common import half_rounded
from conformance.reference.ops.reductions import (
    _OMITTED,
    _accumulator,
    _numpy_aliases,
    _one_dim,
    _unsqueeze,
    dims_of,
)

__all__ = ["logsumexp", "softmax", "log_softmax"]


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
    """log(sum(exp(x - m))) + m with m the maximum (0 where infinite), so it cannot overflow.
    PyTorch composes it of ops in the input's dtype, so in half precision each step's result
    is rounded to it (the sum accumulating in float32 between)."""
    xp = array_namespace(self)
    work = self.astype(_accumulator(self.dtype), copy=False)

    def rounded(values):
        return half_rounded(values, self.dtype)

    with np.errstate(divide="ignore", invalid="ignore"):
        if work.size == 0:
            return xp.log(xp.exp(work).sum(axis=dims, keepdims=keepdim)).astype(self.dtype)
        peak = work.max(axis=dims, keepdims=True)
        peak = xp.where(xp.isinf(peak), 0, peak)
        total = rounded(rounded(xp.exp(rounded(work - peak))).sum(axis=dims, keepdims=True))
        out = rounded(xp.log(total)) + peak
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
    """x - max - log(sum(exp(x - max))), in float32 for half precision. Along the last
    dimension PyTorch's half-precision kernel keeps the sum and its log in the input's dtype,
    so both are rounded there (bfloat16's sum of 1.0024 is 1, its log 0), and the output is
    x - (max + log)."""
    xp = array_namespace(a)
    work = _along(a, dim).astype(_accumulator(a.dtype), copy=False)
    if work.size == 0:
        return a.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        top = work.max(axis=dim, keepdims=True)
        total = xp.exp(work - top).sum(axis=dim, keepdims=True)
        if work.dtype != a.dtype and dim == work.ndim - 1:
            log = xp.log(half_rounded(total, a.dtype))
            out = work - (top + half_rounded(log, a.dtype))
        else:
            out = (work - top) - xp.log(total)
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
        if input.numel() == 0:  # PyTorch returns before it looks for a kernel
            return input.clone()
        last = d == max(input.ndim - 1, 0)  # a 0-d tensor counts as one element in a row
        kernel = f"{name}_lastdim_kernel_impl" if last else f"{name}_kernel_impl"
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
    "logsumexp": logsumexp,
    "softmax": softmax,
    "log_softmax": log_softmax,
}
