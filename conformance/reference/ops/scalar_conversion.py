"""Python numbers converted to a tensor's dtype as PyTorch converts them: checked for
overflow where PyTorch checks, wrapped or truncated where it does not.

Two conversions differ. A Scalar argument (x[i] = v, masked_fill, full, fill_) is checked
against the dtype's range and named by its C++ type ("uint8_t"); negative integers still wrap
into an unsigned dtype (-1 becomes 255), floats are truncated into integers, and 16-bit floats
are checked as doubles (70000 becomes inf). torch.tensor's Python data is checked only for
integer dtypes, named by the dtype ("uint8"), and floats overflow to inf silently.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference import dtypes

# The C++ names PyTorch's checked conversion of a Scalar uses in its message.
CONVERSION_NAMES = {
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "int64": "int64_t",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}
# The largest finite value of the floating dtypes narrower than a double (per component).
_FLOAT_MAX = {
    "float16": 65504.0,
    "bfloat16": 3.3895313892515355e38,
    "float32": 3.4028234663852886e38,
    "complex64": 3.4028234663852886e38,
}


def scalar(
    value: Any, dtype: dtypes.dtype, half_as_double: bool = False, unsigned_64: bool = False
) -> Any:
    """A Scalar argument converted to `dtype` (a 0-d host array), with PyTorch's check.
    `half_as_double`: check a 16-bit float as a double (x[i] = v, full, fill_).
    `unsigned_64`: the argument parser takes an integer up to 2**64 - 1 as an unsigned Scalar
    (full, fill_), where x[i] = v refuses any integer beyond int64."""
    if isinstance(value, bool):
        value = int(value)
    elif isinstance(value, int | np.integer):
        value = int(value)
        if unsigned_64 and value < -(2**63):
            raise OverflowError("can't convert negative int to unsigned")
        if unsigned_64 and value >= 2**64:
            raise OverflowError("int too big to convert")
        if not unsigned_64 and not -(2**63) <= value < 2**63:
            raise ValueError("Overflow when unpacking long long")
    checked = dtype
    if half_as_double and dtype in (dtypes.float16, dtypes.bfloat16):
        checked = dtypes.float64
    if not _fits(value, checked):
        name = CONVERSION_NAMES[checked.name]
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    if isinstance(value, complex) and dtype.category != dtypes.COMPLEX:
        value = value.real
    with np.errstate(over="ignore"):  # a 16-bit float may overflow to inf, as in PyTorch
        return via_float(np.asarray(value), dtype.np)


def via_float(values: Any, np_dtype: Any) -> Any:
    """`values` (an array) in NumPy dtype `np_dtype`: a double goes into float16 and
    bfloat16 through float, as c10::Half and c10::BFloat16 are made from a double. Rounding
    twice differs from NumPy's direct rounding just past half an ulp."""
    if np_dtype in _HALVES and values.dtype == np.float64:
        values = values.astype(np.float32)
    return values.astype(np_dtype)


_HALVES = (dtypes.float16.np, dtypes.bfloat16.np)


def _fits(value: Any, dtype: dtypes.dtype) -> bool:
    if dtype is dtypes.bool:
        return True
    if isinstance(value, complex) and dtype.category != dtypes.COMPLEX:
        if value.imag != 0:
            return False
        value = value.real
    if dtype.category >= dtypes.FLOATING:  # infinities and NaN always fit
        high = _FLOAT_MAX.get(dtype.name, math.inf)
        parts = (value.real, value.imag) if isinstance(value, complex) else (value,)
        return all(-high <= p <= high or math.isinf(p) or p != p for p in parts)
    low, high = dtypes.bounds(dtype)
    if isinstance(value, float):
        return not math.isnan(value) and low <= value <= high
    if low == 0:  # unsigned: negative integers wrap around, as in C
        return value <= high and -value <= high
    return low <= value <= high


def python_data(data: Any, dtype: dtypes.dtype) -> Any:
    """torch.tensor's conversion of Python numbers (a number or nested sequences of them) to
    `dtype`, as a host array."""
    if dtype is dtypes.bool or dtype.category == dtypes.COMPLEX:
        return np.array(data, dtype=dtype.np)
    if dtype.category >= dtypes.FLOATING:
        try:  # a Python number is a double first (ml_dtypes' bfloat16 takes no big int)
            with np.errstate(over="ignore"):
                return via_float(np.array(data, dtype=np.float64), dtype.np)
        except TypeError as error:
            if "complex" in str(error):
                raise TypeError("must be real number, not complex") from None
            raise
    raw = np.array(data)
    if raw.dtype.kind not in "bi" and _beyond_int64(data):
        raise ValueError("Overflow when unpacking long long")
    if raw.dtype.kind == "c":
        raise TypeError("'complex' object cannot be interpreted as an integer")
    if raw.size:
        low, high = dtypes.bounds(dtype)
        if raw.dtype.kind == "f":
            fits = bool(np.all((raw >= low) & (raw <= high)))  # (nan compares false)
        else:
            wraps = -high if low == 0 else low  # an unsigned dtype wraps negative integers
            fits = bool(raw.min() >= wraps and raw.max() <= high)
        if not fits:
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    with np.errstate(over="ignore", invalid="ignore"):
        return raw.astype(dtype.np)


def _beyond_int64(data: Any) -> bool:
    """Whether nested Python data holds an integer outside int64 (NumPy would have made the
    array float64, uint64 or object)."""
    if isinstance(data, list | tuple):
        return any(_beyond_int64(item) for item in data)
    return isinstance(data, int) and not -(2**63) <= data < 2**63
