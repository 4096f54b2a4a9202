"""layer_norm's backward on a contiguous float32 or float64 input, rounded as PyTorch's CPU
kernel rounds it (layer_norm_backward_frame, cpu/layer_norm_kernel.cpp).

Per row of N normalised values, in the input's dtype: ds = sum(dy * x * gamma) and
db = sum(dy * gamma) (sum(dy * x) and sum(dy) without a weight) on SIMD vectors
(ops/vectorized_sums.py), the leftover products fused with their addition; then, with
a = rstd and scale = 1 / N,

    b = (db * mean - ds, fused) * a * a * a * scale
    c = -b * mean - db * a * scale, the first product fused
    dx = b * x + a * dy * gamma, fused, + c.

grad_weight adds dy * (a * x - a * mean) over the rows in order (both multiply-adds fused)
and grad_bias adds dy, each from zero. PyTorch splits the rows among its threads for those two
and adds the threads' sums, so they match PyTorch run with one thread; grad_input does not
depend on threads. Checked bit for bit against torch 2.13 (tests/reference/
test_normalization_bits.py). Other layouts and half precision keep normalization.py's sums.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference.ops.cascade_sum import _sequential
from conformance.reference.ops.fused_multiply_add import fused_multiply_add as fma
from conformance.reference.ops.vectorized_sums import row_sums


def applies(input: Any, grad_out: Any, weight: Any) -> bool:
    """Whether the kernel emulated here is the one PyTorch runs for these arrays."""
    return (
        isinstance(input, np.ndarray)
        and input.size > 0  # (an empty input keeps the plain path)
        and input.dtype in (np.float32, np.float64)
        and grad_out.dtype == input.dtype
        and (weight is None or weight.dtype == input.dtype)
        and input.flags.c_contiguous
        and grad_out.flags.c_contiguous
    )


def backward(grad_out, input, mean, rstd, weight, normalized_ndim) -> tuple:
    """(grad_input, grad_weight or None, grad_bias) of the kernel."""
    dtype = input.dtype
    n = math.prod(input.shape[input.ndim - normalized_ndim :])
    x = input.reshape(-1, n)
    dy = grad_out.reshape(-1, n)
    a = rstd.reshape(-1, 1).astype(dtype)
    m = mean.reshape(-1, 1).astype(dtype)
    gamma = None if weight is None else weight.reshape(n)
    if gamma is None:
        ds = row_sums(dy * x, lambda acc, j: fma(dy[:, j:], x[:, j:], acc, dtype))
        db = row_sums(dy)
        scaled = dy * a
    else:
        ds = row_sums(
            dy * x * gamma, lambda acc, j: fma(dy[:, j:] * x[:, j:], gamma[j:], acc, dtype)
        )
        db = row_sums(dy * gamma, lambda acc, j: fma(dy[:, j:], gamma[j:], acc, dtype))
        scaled = a * dy * gamma
    ds, db = ds.reshape(-1, 1), db.reshape(-1, 1)
    scale = dtype.type(1) / dtype.type(n)
    b = fma(db, m, -ds, dtype) * a * a * a * scale
    c = fma(-b, m, -(db * a * scale), dtype)
    grad_input = (fma(b, x, scaled, dtype) + c).astype(dtype).reshape(input.shape)
    grad_weight = None
    if gamma is not None:
        grad_weight = np.zeros(n, dtype)
        shift = -a * m
        for row in range(x.shape[0]):  # (in order, each step two fused multiply-adds)
            grad_weight = fma(dy[row], fma(a[row], x[row], shift[row], dtype), grad_weight, dtype)
        grad_weight = (grad_weight + dtype.type(0)).reshape(weight.shape)
    normalized = input.shape[input.ndim - normalized_ndim :]
    return grad_input, grad_weight, _sequential(dy).astype(dtype).reshape(normalized)
