"""What the pointwise modules share: the computation dtype of half precision (opmath), which
dtypes a CPU kernel has (_no_kernel), the argument checks PyTorch makes before promotion, and
the log of a Python number as PyTorch takes it.

It imports none of the op families, so each family (unary_math.py, comparisons.py, ...) can use
it while pointwise.py re-exports them all: no import cycle, whichever is imported first.
"""

from __future__ import annotations

import cmath
import math

from conformance.reference import dtypes
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import define

HALF_ARRAYS = (dtypes.float16.np, dtypes.bfloat16.np)


def opmath(array):
    """float16 and bfloat16 as float32: PyTorch's CPU kernels compute half precision in float32
    and round once, which matters where a forward takes more than one step."""
    return array.astype("float32") if array.dtype in HALF_ARRAYS else array


def opmath_dtype(np_dtype):
    """The NumPy dtype opmath computes `np_dtype` in, which is also what PyTorch's CPU
    reductions accumulate it in: float32 for float16 and bfloat16, itself otherwise."""
    return _FLOAT32 if np_dtype in HALF_ARRAYS else np_dtype


_FLOAT32 = dtypes.float32.np


def half_rounded(values, dtype):
    """An intermediate a half precision kernel holds in the half dtype (xlogy's log(y), say)
    before computing on in float32; for other dtypes, `values` as they are."""
    return values.astype(dtype).astype("float32") if dtype in HALF_ARRAYS else values


def _no_kernel(kernel, array, categories):
    """PyTorch's NotImplementedError where its CPU kernel has no variant for the computation
    dtype (bitwise ops on floats, floor division of bools, ...): `categories` are the dtype
    categories the kernel has."""
    dtype = dtypes.from_numpy_dtype(array.dtype)
    if dtype.category not in categories:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}'")


_NUMBERS = (dtypes.INTEGER, dtypes.FLOATING, dtypes.COMPLEX)  # every kernel but bool's


def _log_of_number(value):
    """log of a Python number as PyTorch's Scalar.log() gives it: -inf at 0, nan below."""
    if isinstance(value, complex):
        return cmath.log(value) if value else -math.inf
    if value == 0:
        return -math.inf
    return math.log(value) if value > 0 else math.nan


def bool_subtraction_error(both):
    """PyTorch's refusal to subtract bools (`both`: two bool tensors, not one)."""
    if both:
        return RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    return RuntimeError(
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
        "trying to invert a mask, use the `~` or `logical_not()` operator instead."
    )


def bool_negation_error():
    return RuntimeError(
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
        "to invert a mask, use the `~` or `logical_not()` operator instead."
    )


def refuse_bool_subtraction(*operands):
    """A derivative formula that subtracts a saved operand (exponent - 1 in pow's, other -
    self in logaddexp's) meets PyTorch's refusal where that operand is bool: NumPy would
    subtract. (An operand is an array or a Tensor; its dtype's name says whether it is bool.)"""
    if any(str(getattr(v, "dtype", "")).endswith("bool") for v in operands):
        raise bool_subtraction_error(both=False)


def subtracted(a, b):
    """a - b in a derivative formula, after refuse_bool_subtraction's check of both."""
    refuse_bool_subtraction(a, b)
    return a - b


def _is_tensor(value):
    return isinstance(value, define.Tensor)


def _array_of(self, other):
    """The operand that is an array: self may be a Python number (3 % t, bitwise_and(2, t)),
    and then the other operand's dtype is the computation's."""
    return self if hasattr(self, "dtype") else other


def _tensors_only(name, second="other"):
    """Ops whose schema takes two Tensors (atan2, hypot, fmax, ...): PyTorch's argument parser
    refuses a Python number before any promotion."""

    def check(self, other):
        for position, label, value in ((1, "input", self), (2, second, other)):
            if not isinstance(value, define.Tensor):
                raise TypeError(
                    f"{name}(): argument '{label}' (position {position}) must be Tensor, not "
                    f"{type(value).__name__}"
                )

    return check
