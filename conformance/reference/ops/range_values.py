"""The values of arange and linspace as PyTorch's CPU kernels compute them (RangeFactories).

NumPy's arange and linspace round otherwise: before this module, torch.linspace differed from
PyTorch's in the last bit for most float inputs and torch.arange for most fractional steps,
and an integer arange with a fractional start or step had other values. What ATen does, each
rule checked against torch 2.13 on random inputs:

- linspace: start and end converted to the dtype as Scalars are (scalar_conversion.py:
  refused where they overflow it, truncated into integers); step = (end - start) /
  (steps - 1) in the dtype (in double for integers); element i is start + step * i below
  steps // 2 and end - step * (steps - 1 - i) from there, each one fused multiply-add (the
  loops are compiled to FMA), an integer truncated toward zero. float16 and bfloat16 round
  every operation to themselves, as c10::Half's operators do.
- arange: start and step in the accumulation type (double for float32, float for float16 and
  bfloat16, int64 for integers, truncated); the size from the doubles, or for int64 from the
  truncated values. The elements go in blocks of two SIMD vectors while a whole block fits:
  each vector is its first element (start + step * i, fused, rounded to the dtype) plus
  lane * step (fused again); the rest one by one as start + step * i, fused.

Not modelled: the split over threads from 32768 elements when PyTorch runs more than one
(each thread's part starts its own blocks), and CUDA, whose kernels these are not.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import dtypes
from conformance.reference.ops import scalar_conversion
from conformance.reference.ops.cpu_loops import VECTOR_BYTES
from conformance.reference.ops.fused_multiply_add import fused_multiply_add
from conformance.reference.ops.pointwise_common import HALF_ARRAYS

_FLOAT64 = np.dtype(np.float64)
_FLOAT32 = np.dtype(np.float32)


# -- linspace ---------------------------------------------------------------------------------


def linspace_values(start, end, steps: int, dtype: dtypes.dtype) -> np.ndarray:
    """torch.linspace's values on the CPU, `steps` of them, in `dtype` (a host array)."""
    first, last = (scalar_conversion.scalar(v, dtype)[()] for v in (start, end))
    dtype = np.dtype(dtype.np)
    if steps == 0:
        return np.empty(0, dtype)
    if steps == 1:
        return np.full(1, first, dtype)
    before = np.arange(steps) < steps // 2
    up, down = np.arange(steps), steps - 1 - np.arange(steps)  # i, and steps - 1 - i
    if dtype.kind in "iu":
        step = (float(last) - float(first)) / (steps - 1)
        rising = fused_multiply_add(step, up.astype(_FLOAT64), float(first), _FLOAT64)
        falling = fused_multiply_add(-step, down.astype(_FLOAT64), float(last), _FLOAT64)
        with np.errstate(invalid="ignore"):
            return np.trunc(np.where(before, rising, falling)).astype(np.int64).astype(dtype)
    if dtype in HALF_ARRAYS:
        return _half_linspace(first, last, steps, before, up, down, dtype)
    step = (last - first) / dtype.type(steps - 1)
    with np.errstate(invalid="ignore", over="ignore"):
        rising = fused_multiply_add(step, up.astype(dtype), first, dtype)
        falling = fused_multiply_add(-step, down.astype(dtype), last, dtype)
    return np.where(before, rising, falling).astype(dtype)


def _half_linspace(first, last, steps, before, up, down, dtype):
    """c10::Half and c10::BFloat16 arithmetic: each operation in float, rounded back."""

    def rounded(x):
        return np.asarray(x, np.float32).astype(dtype).astype(np.float32)

    first, last = np.float32(first), np.float32(last)
    with np.errstate(invalid="ignore", over="ignore"):
        step = rounded(rounded(last - first) / rounded(np.float32(steps - 1)))
        rising = rounded(first + rounded(step * rounded(up.astype(np.float32))))
        falling = rounded(last - rounded(step * rounded(down.astype(np.float32))))
    return np.where(before, rising, falling).astype(dtype)


# -- arange -----------------------------------------------------------------------------------


def arange_values(start, end, step, dtype: dtypes.dtype) -> np.ndarray:
    """torch.arange's values on the CPU in `dtype` (a host array), with its refusals."""
    dtype = np.dtype(dtype.np)
    _refuse_bounds(start, end, step, start, end)
    if dtype.kind in "iu":
        return _integer_arange(start, end, step, dtype)
    size = _count_from_doubles(start, end, step)
    first, step = _accumulated(dtype, start, step)
    accumulate = first.dtype
    index = np.arange(size)
    lanes = VECTOR_BYTES // dtype.itemsize
    blocked = size - size % (2 * lanes)  # (whole blocks of two vectors)
    lane = np.where(index < blocked, index % lanes, 0)
    head = (index - lane).astype(accumulate)  # each element's vector's first index
    with np.errstate(invalid="ignore", over="ignore"):
        base = fused_multiply_add(step, head, first, accumulate).astype(dtype)
        along = fused_multiply_add(
            lane.astype(accumulate), step, base.astype(accumulate), accumulate
        )
    return np.where(lane == 0, base, along.astype(dtype))


def _integer_arange(start, end, step, dtype):
    """In int64, from the truncated start and step; int64 also counts its size from the
    truncated values (and refuses a step that truncates to 0), the others from the doubles."""
    first, stride = math.trunc(start), math.trunc(step)
    if dtype.name == "int64":
        if stride == 0:
            raise ValueError("step must be nonzero")
        last = math.trunc(end)
        sign = (stride > 0) - (stride < 0)
        size = _size(_truncated_division(last - first + stride - sign, stride))
    else:
        size = _count_from_doubles(start, end, step)
    values = first + stride * np.arange(size, dtype=np.int64)
    return values.astype(dtype)


def _refuse_bounds(first, last, stride, start, end) -> None:
    """arange's and range's refusals, on their values in the accumulation type (start and
    end as given, for the message)."""
    if stride == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(first) and math.isfinite(last)):
        raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
    if (last - first) * stride < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")


def _accumulated(dtype: np.dtype, *values) -> tuple:
    """`values` in a floating dtype's CPU accumulation type: float for the half types,
    double otherwise."""
    accumulate = _FLOAT32 if dtype in HALF_ARRAYS else _FLOAT64
    return tuple(np.array(float(v)).astype(accumulate)[()] for v in values)


def _count_from_doubles(start, end, step) -> int:
    return _size(math.ceil((float(end) - float(start)) / float(step)))


def _truncated_division(a: int, b: int) -> int:
    """C++'s integer division, which truncates toward zero."""
    return abs(a) // abs(b) * (1 if a * b >= 0 else -1)


def _size(count) -> int:
    if count < 0 or count > np.iinfo(np.int64).max:
        raise RuntimeError("invalid size, possible overflow?")
    return int(count)


# -- range (deprecated) -------------------------------------------------------------------------


def inclusive_range_values(start, end, step, dtype: dtypes.dtype) -> np.ndarray:
    """torch.range's values: start + i * step up to end included, in the accumulation type
    (double for float32 and float64, float for the half types, int64 from the truncated
    values for integers), not fused (this loop is compiled without contraction), then the
    dtype; (end - start) / step + 1 of them, truncated."""
    dtype = np.dtype(dtype.np)
    if dtype.kind in "iu":
        first, last, stride = (math.trunc(v) for v in (start, end, step))
    else:
        first, last, stride = _accumulated(dtype, start, end, step)
    # (PyTorch 2.13 dies of SIGFPE where a fractional step truncates to 0; refused here)
    _refuse_bounds(first, last, stride, start, end)
    if dtype.kind in "iu":
        count = _truncated_division(last - first, stride) + 1
        return (first + stride * np.arange(_size(count), dtype=np.int64)).astype(dtype)
    count = _size(math.trunc(float((last - first) / stride) + 1))
    values = first + np.arange(count).astype(first.dtype) * stride
    return values.astype(dtype)
