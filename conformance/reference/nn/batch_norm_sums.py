"""batch_norm's backward on a contiguous float32 or float64 input, rounded as PyTorch's CPU
kernel rounds it (batch_norm_cpu_backward_contiguous_impl).

Per channel, for each sample's plane of L values, the kernel sums the gradient (reduce_all)
and the gradient times x - mean (map2_reduce_all) on SIMD vectors: one vector accumulator
started from the first vector, the next whole vectors added in order, the leftover values
into the first lanes (the leftover products fused with the addition, one rounding: how this
code path is compiled), then the lanes added together (float32: halves, then pairs, then
neighbours; float64: in order). The samples' results are added in double in order. Then,
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
from conformance.reference.ops.cpu_loops import VECTOR_BYTES
from conformance.reference.ops.fused_multiply_add import fused_multiply_add


def applies(input: Any, grad_out: Any) -> bool:
    """Whether the kernel emulated here is the one PyTorch runs for these arrays."""
    return (
        isinstance(input, np.ndarray)
        and input.dtype in (np.float32, np.float64)
        and grad_out.dtype == input.dtype
        and input.ndim >= 3
        and input.flags.c_contiguous
        and grad_out.flags.c_contiguous
    )


def _lanes_added(acc: np.ndarray) -> np.ndarray:
    """vec_reduce_all over the last axis: a tree for float32's AVX2 vector, in order else."""
    if acc.dtype == np.float32 and acc.shape[-1] == 8:
        acc = acc + acc[..., [4, 5, 6, 7, 0, 1, 2, 3]]
        acc = acc + acc[..., [2, 3, 0, 1, 6, 7, 4, 5]]
        return acc[..., 0] + acc[..., 1]
    total = acc[..., 0]
    for lane in range(1, acc.shape[-1]):
        total = total + acc[..., lane]
    return total


def _plane_sums(values: np.ndarray, leftover=None) -> np.ndarray:
    """reduce_all of each row of `values` (rows, L); `leftover(acc, start)` adds the values
    after the last whole vector into the first lanes (plain addition by default)."""
    rows, length = values.shape
    lanes = VECTOR_BYTES // values.itemsize
    if length < lanes:  # (one partial vector, its values added in order)
        total = values[:, 0]
        for i in range(1, length):
            total = total + values[:, i]
        return total
    whole = length - length % lanes
    acc = np.add.reduce(values[:, :whole].reshape(rows, -1, lanes), axis=1)  # (from the first)
    if whole < length:
        left = length - whole
        if leftover is None:
            acc[:, :left] = acc[:, :left] + values[:, whole:]
        else:
            acc[:, :left] = leftover(acc[:, :left], whole)
    return _lanes_added(acc)


def channel_sums(grad_out: np.ndarray, input: np.ndarray, mean: np.ndarray) -> tuple:
    """(sum of dy, sum of (x - mean) * dy) per channel, in double, as the kernel adds them."""
    n, c = input.shape[:2]
    dy = grad_out.reshape(n * c, -1)
    centered = (input - mean).reshape(n * c, -1)
    dtype = input.dtype

    def fused_leftover(acc, start):
        return fused_multiply_add(centered[:, start:], dy[:, start:], acc, dtype)

    total = _plane_sums(dy)
    dot = _plane_sums((centered * dy).astype(dtype), fused_leftover)
    as_double = [s.astype(np.float64).reshape(n, c) for s in (total, dot)]
    return tuple(_sequential(s) for s in as_double)


def backward(grad_out, input, weight, mean, invstd, training) -> tuple:
    """(grad_input, grad_weight, grad_bias) of the contiguous kernel; mean and invstd shaped
    (1, C, 1, ...) in the input's dtype, weight (C,) or None."""
    dtype = input.dtype.type
    total, dot = channel_sums(grad_out, input, mean)
    shape = mean.shape
    w = np.ones(shape, input.dtype) if weight is None else weight.astype(input.dtype).reshape(shape)
    if training:
        count = dtype(input.size // mean.size)
        k = (dot.astype(input.dtype).reshape(shape) * invstd * invstd / count).astype(input.dtype)
        grad_mean = (total / (input.size // mean.size)).astype(input.dtype).reshape(shape)
        inner = fused_multiply_add(-(input - mean), k, grad_out - grad_mean, input.dtype)
        grad_input = inner * invstd * w
    else:
        grad_input = grad_out * invstd * w
    grad_weight = (dot * invstd.reshape(-1).astype(np.float64)).astype(input.dtype)
    return grad_input.astype(input.dtype), grad_weight, total.astype(input.dtype)
