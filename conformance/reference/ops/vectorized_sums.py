"""Sums along rows as ATen's vectorized helpers add them (vec::reduce_all and
vec::map_reduce_all, cpu/vec/functional_base.h), which normalization kernels use.

One vector accumulator starts from a row's first vector; each next whole vector is added in
order; the values after the last whole vector go into the first lanes (Vec::set); then the
lanes are added together: for float32's AVX2 vector as a tree (the two halves, then pairs,
then neighbours), otherwise in lane order. A row shorter than one vector is added in order.
How the leftover values are added is the caller's (`leftover`): a kernel whose mapped values
are products may have them fused with the addition there, as its compiled code does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from conformance.reference.ops.cpu_loops import VECTOR_BYTES


def lanes_added(acc: np.ndarray) -> np.ndarray:
    """vec_reduce_all over the last axis (one vector's lanes)."""
    if acc.dtype == np.float32 and acc.shape[-1] == 8:
        acc = acc + acc[..., [4, 5, 6, 7, 0, 1, 2, 3]]
        acc = acc + acc[..., [2, 3, 0, 1, 6, 7, 4, 5]]
        return acc[..., 0] + acc[..., 1]
    total = acc[..., 0]
    for lane in range(1, acc.shape[-1]):
        total = total + acc[..., lane]
    return total


def row_sums(values: np.ndarray, leftover: Callable | None = None) -> np.ndarray:
    """reduce_all of each row of `values` (rows, L). `leftover(acc, start)` returns the first
    lanes of `acc` with the row's values from `start` on added (plain addition if None)."""
    rows, length = values.shape
    lanes = VECTOR_BYTES // values.itemsize
    if length < lanes:
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
    return lanes_added(acc)
