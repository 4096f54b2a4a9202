"""batch_norm's backward on a contiguous float32 or float64 input, rounded as PyTorch's CPU
kernel rounds it (batch_norm_cpu_backward_contiguous_impl).

Per channel, for each sample's plane of L values, the kernel sums the gradient (reduce_all)
and the gradient times x - mean (map2_reduce_all) on SIMD vectors (ops/vectorized_sums.py),
the leftover products fused with their addition (one rounding: how this code path is
compiled). The samples' results are added in double in order. Then,
training, with k = dot * invstd * invstd / n and g = sum / n in the input's dtype:
grad_input = ((dy - g) - (x - mean) * k, fused) * invstd * weight; in eval, dy * invstd *
weight. grad_weight is dot * invstd and grad_bias the sum, each rounded from double.

Checked bit for bit against torch 2.13 (tests/reference/test_normalization_bits.py).
Other layouts and dtypes, and (N, C) inputs (a channels-last kernel whose sums depend on
PyTorch's thread count), keep normalization.py's plain sums.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference.ops.cascade_sum import _sequential
from conformance.reference.ops.fused_multiply_add import fused_multiply_add
from conformance.reference.ops.vectorized_sums import row_sums


def applies(input: Any, grad_out: Any) -> bool:
    """Whether the kernel emulated here is the one PyTorch runs for these arrays."""
    return (
        isinstance(input, np.ndarray)
        and input.size > 0  # (an empty input keeps the plain path)
        and input.dtype in (np.float32, np.float64)
        and grad_out.dtype == input.dtype
        and input.ndim >= 3
        and input.flags.c_contiguous
        and grad_out.flags.c_contiguous
    )


def channel_sums(grad_out: np.ndarray, centered: np.ndarray) -> tuple:
    """(sum of dy, sum of (x - mean) * dy) per channel, in double, as the kernel adds them;
    `centered` is x - mean."""
    n, c = centered.shape[:2]
    dy = grad_out.reshape(n * c, -1)
    dtype = centered.dtype
    centered = centered.reshape(n * c, -1)

    def fused_leftover(acc, start):
        return fused_multiply_add(centered[:, start:], dy[:, start:], acc, dtype)

    total = row_sums(dy)
    dot = row_sums((centered * dy).astype(dtype), fused_leftover)
    as_double = [s.astype(np.float64).reshape(n, c) for s in (total, dot)]
    return tuple(_sequential(s) for s in as_double)


def backward(grad_out, input, weight, mean, invstd, training) -> tuple:
    """(grad_input, grad_weight, grad_bias) of the contiguous kernel; mean and invstd shaped
    (1, C, 1, ...) in the input's dtype, weight (C,) or None."""
    centered = input - mean
    total, dot = channel_sums(grad_out, centered)
    shape = mean.shape
    w = np.ones(shape, input.dtype) if weight is None else weight.astype(input.dtype).reshape(shape)
    if training:
        count = input.size // mean.size
        k = dot.astype(input.dtype).reshape(shape) * invstd * invstd / input.dtype.type(count)
        grad_mean = (total / count).astype(input.dtype).reshape(shape)
        inner = fused_multiply_add(
            -centered, k.astype(input.dtype), grad_out - grad_mean, input.dtype
        )
        grad_input = inner * invstd * w
    else:
        grad_input = grad_out * invstd * w
    grad_weight = (dot * invstd.reshape(-1).astype(np.float64)).astype(input.dtype)
    return grad_input.astype(input.dtype), grad_weight, total.astype(input.dtype)
