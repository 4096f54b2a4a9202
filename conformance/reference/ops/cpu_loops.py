"""Which elements PyTorch's CPU elementwise loop leaves to its scalar code.

An elementwise CPU kernel in PyTorch has two bodies, one on SIMD vectors and one on single
values, and they do not always agree: at a nan, hardtanh's backward passes the gradient in
one and zeroes it in the other, and bfloat16 add with alpha rounds once in one and twice in
the other. Which body an element meets depends on the layout, which this module works out as
ATen's TensorIterator and vectorized_loop (cpu/Loops.h) do:

- the dimensions are ordered fastest first by the operands' strides, broadcast operands
  (stride 0) abstaining, and neighbours that step through memory as one are merged;
- the innermost (merged) dimension is run in blocks of two vectors while a whole block fits,
  and its remaining elements one by one, provided every operand is contiguous along it or one
  input is a single broadcast value; otherwise every element is run one by one.

A vector is 32 bytes (64 where ATen picks its AVX-512 kernels: set ATEN_CPU_CAPABILITY as
PyTorch reads it, or the CPU's flags decide). Not modelled: the split of loops over threads
(from 32768 elements, with more than one thread). On a GPU, PyTorch's kernels run one body,
the scalar one, on every element.
"""

from __future__ import annotations

import math
import os

import numpy as np

from conformance.reference.devices import array_namespace
from conformance.reference.memory_formats import memory_order


def _vector_bytes() -> int:
    chosen = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
    if chosen in ("avx512", "avx2", "default"):
        return 64 if chosen == "avx512" else 32
    try:
        with open("/proc/cpuinfo") as info:
            flags = next((line.split() for line in info if line.startswith("flags")), [])
    except OSError:
        return 32
    avx512 = {"avx512f", "avx512bw", "avx512vl", "avx512dq", "fma"}
    return 64 if avx512.issubset(flags) else 32


VECTOR_BYTES = _vector_bytes()


def scalar_elements(shape, operands, itemsize: int):
    """A bool array of `shape`, True where PyTorch's CPU loop computes the element with its
    scalar body; None where no element is (the common case of long contiguous tensors is
    cheap to tell). `operands` are the loop's inputs (arrays or numbers); `itemsize` the
    computation dtype's. Every element is scalar for arrays on a GPU."""
    arrays = [a for a in operands if hasattr(a, "strides")]
    if arrays and array_namespace(arrays[0]) is not np:
        return array_namespace(arrays[0]).ones(shape, bool)
    shape = tuple(shape)
    if math.prod(shape) == 0:
        return None
    strides = [_broadcast_strides(a, shape) for a in arrays]
    order = memory_order(shape, *strides)  # (TensorIterator reorders the dims so)
    runs = _merged_runs(shape, strides, order)
    inner, inner_strides = runs[0]
    block = 2 * VECTOR_BYTES // itemsize
    if _vectorized(inner_strides):
        first_scalar = inner - inner % block
        if first_scalar == inner:
            return None
    else:
        first_scalar = 0
    mask = np.zeros(shape=[size for size, _ in reversed(runs)], dtype=bool)
    mask[..., first_scalar:] = True
    # Back from the merged, fastest-last iteration space to the logical dimensions.
    mask = mask.reshape([shape[d] for d in reversed(order)])
    position = {d: len(order) - 1 - i for i, d in enumerate(order)}
    return mask.transpose([position[d] for d in range(len(shape))])


def _broadcast_strides(array, shape):
    """The array's strides in elements over `shape`, 0 where it is broadcast."""
    strides = [s // array.itemsize for s in array.strides]
    strides = [0] * (len(shape) - array.ndim) + strides
    sizes = (1,) * (len(shape) - array.ndim) + tuple(array.shape)
    pairs = zip(strides, sizes, shape, strict=True)
    return [0 if size == 1 and full != 1 else s for s, size, full in pairs]


def _merged_runs(shape, strides, order):
    """(size, strides) of the dimensions in `order` once neighbours that step through memory as
    one are merged (TensorIterator's coalesce_dimensions); a 0-dim loop is one element."""
    runs = []
    for d in order:
        here = [s[d] for s in strides]
        if runs:
            size, below = runs[-1]
            if (
                shape[d] == 1
                or size == 1
                or all(b * size == h for b, h in zip(below, here, strict=True))
            ):
                runs[-1] = (size * shape[d], below if size != 1 else here)
                continue
        runs.append((shape[d], here))
    return runs or [(1, [0] * len(strides))]


def _vectorized(inner_strides) -> bool:
    """vectorized_loop's test: every operand contiguous in the inner dimension, or exactly one
    input a broadcast single value and the rest contiguous (the output, which TensorIterator
    allocates in the inputs' order, always is)."""
    broadcast = sum(s == 0 for s in inner_strides)
    return all(s in (0, 1) for s in inner_strides) and broadcast <= 1


def with_scalar_body(vector_result, scalar_result, mask):
    """Each element from the body PyTorch's loop computes it with (mask from scalar_elements)."""
    if mask is None:
        return vector_result
    return array_namespace(vector_result).where(mask, scalar_result, vector_result)
