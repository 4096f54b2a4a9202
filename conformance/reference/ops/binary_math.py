"""Math functions of two tensors (and lerp, of three), each with its derivative: atan2, hypot,
logaddexp, xlogy, copysign, heaviside and lerp. Where a side may be a Python number, the public
function picks the op whose node PyTorch records for that case (XlogyBackward1, LerpBackward0, ...).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops.argument_errors import invalid_arguments, number_self_overloads
from conformance.reference.ops.define import Joint, check_broadcastable, no_derivative, pointwise
from conformance.reference.ops.fused_multiply_add import fused_multiply_add
from conformance.reference.ops.pointwise_common import (
    _is_tensor,
    _log_of_number,
    _no_kernel,
    _tensors_only,
    bool_negation_error,
    half_rounded,
    opmath,
    subtracted,
)


def _atan2_derivatives(grad, self, other, F):
    """PyTorch's atan2_backward: (other, -self) / (self^2 + other^2), the reciprocal computed
    once for both and 0 where the sum is 0 (or underflows): atan2 is 0 along other > 0, which
    is taken as its gradient at the origin. A bool self (only other needs a gradient) meets
    PyTorch's refusal of -self."""
    if str(self.dtype).endswith("bool"):
        raise bool_negation_error()
    reciprocal = F.reciprocal(self * self + other * other)
    reciprocal = F.masked_fill(reciprocal, F.isinf(reciprocal), 0)
    return grad * other * reciprocal, grad * -self * reciprocal  # PyTorch's order


_ATAN2 = Joint(_atan2_derivatives)


@pointwise(
    "Atan2Backward0",
    kind="float",
    tensors_only=True,
    self=_ATAN2[0],
    other=_ATAN2[1],
)
def atan2(self, other):
    return array_namespace(self).arctan2(self, other)


@pointwise(
    "HypotBackward0",
    tensors_only=True,
    self=lambda grad, self, result: grad * self / result,
    other=lambda grad, other, result: grad * other / result,
)
def hypot(self, other):
    """sqrt(self^2 + other^2) without overflow; inf if either is infinite, even with a nan.
    Floats only (no integer kernel, unlike most float-valued ops)."""
    _no_kernel("hypot_cpu", self, (dtypes.FLOATING,))
    return array_namespace(self).hypot(opmath(self), opmath(other))


@pointwise(
    "LogaddexpBackward0",
    tensors_only=True,
    self=lambda grad, self, other, F: grad / (1 + F.exp(subtracted(other, self))),
    other=lambda grad, self, other, F: grad / (1 + F.exp(subtracted(self, other))),
)
def logaddexp(self, other):
    """log(exp(self) + exp(other)) without overflow. Floats only."""
    _no_kernel("logaddexp_cpu", self, (dtypes.FLOATING, dtypes.COMPLEX))
    return array_namespace(self).logaddexp(opmath(self), opmath(other))


@pointwise(
    "Logaddexp2Backward0",
    tensors_only=True,
    self=lambda grad, self, other: grad / (1 + 2 ** subtracted(other, self)),
    other=lambda grad, self, other: grad / (1 + 2 ** subtracted(self, other)),
)
def logaddexp2(self, other):
    """log2(2^self + 2^other) without overflow. Floats only."""
    _no_kernel("logaddexp2_cpu", self, (dtypes.FLOATING,))
    return array_namespace(self).logaddexp2(opmath(self), opmath(other))


def _xlogy(x, y):
    """x * log(y), but 0 where x is 0 (even where log(y) is infinite) and nan where y is."""
    xp = array_namespace(y)
    log_y = half_rounded(xp.log(opmath(y)), y.dtype)
    return xp.where(xp.isnan(y), math.nan, xp.where(x == 0, 0, x * log_y))


def _xlogy_number(x, y):
    if math.isnan(y):
        return array_namespace(x).full(x.shape, math.nan, opmath(x).dtype)
    log_y = _log_of_number(y)
    log_y = half_rounded(np.asarray(log_y), x.dtype)[()]
    return array_namespace(x).where(x == 0, 0, opmath(x) * log_y)


def _xlogy_self_derivative(grad, self, other, F):
    """d/dx x log(y) = log(y) (xlogy(grad, other)), but 0 where x is 0 and y is not above
    0: PyTorch takes the derivative along x = 0, where xlogy is 0, for those y. The log is
    taken in grad's dtype (an integer y is promoted first, as ATen's xlogy promotes it)."""
    slope = F.xlogy_tensor(grad, F.in_dtype_of(other, grad))
    return F.masked_fill(slope, (self == 0) & (other <= 0), 0)


def _xlogy_number_derivative(grad, self, other, F):
    """As above; with a number y not above 0 (nan included), 0 wherever x is 0."""
    slope = F.xlogy_number_other(grad, other)
    return slope if other > 0 else F.where(self == 0, 0, slope)


# xlogy's three overloads (its errors list them, under the one name)
_XLOGY = {"label": "xlogy", "overloads": number_self_overloads("other", out=True)}


@pointwise(
    "XlogyBackward0",
    kind="float",
    **_XLOGY,
    self=_xlogy_self_derivative,
    other=lambda grad, self, other: grad * self / other,
)
def xlogy_tensor(self, other):
    return _xlogy(self, other)


@pointwise(
    "XlogyBackward1",
    kind="float",
    **_XLOGY,
    number_first=True,
    other=lambda grad, self, other: grad * self / other,
)
def xlogy_number_self(self, other):
    """number * log(tensor)."""
    xp = array_namespace(other)
    return _xlogy(xp.asarray(self, dtype=opmath(other).dtype), other)


@pointwise(
    "XlogyBackward2",
    kind="float",
    **_XLOGY,
    operands=("self", "other"),
    self=_xlogy_number_derivative,
)
def xlogy_number_other(self, other):
    """tensor * log(number)."""
    return _xlogy_number(self, other)


def _xlogy_by(tensors, number_self, number_other):
    def xlogy(input, other):  # noqa: A002
        """input * log(other), 0 where input is 0: the node says which side was a number."""
        if not _is_tensor(input):
            return number_self(input, other)
        if not _is_tensor(other):
            return number_other(input, other)
        return tensors(input, other)

    return xlogy


xlogy = _xlogy_by(xlogy_tensor, xlogy_number_self, xlogy_number_other)


def xlogy_named(label):
    """xlogy refusing a wrong argument as `label` (torch.special.xlogy is special_xlogy)."""
    ops = (xlogy_tensor, xlogy_number_self, xlogy_number_other)
    return _xlogy_by(*(op.renamed(label) for op in ops))


@pointwise(
    "CopysignBackward0",
    kind="float",
    self=lambda grad, self, result, F: grad * F.masked_fill(result / self, self == 0, 0),
    other=lambda grad, F: F.zeros_like(grad),
)
def copysign_tensor(self, other):
    return array_namespace(self).copysign(opmath(self), opmath(other))


@pointwise(
    "CopysignBackward1",
    kind="float",
    operands=("self", "other"),
    self=lambda grad, self, result, F: grad * F.masked_fill(result / self, self == 0, 0),
)
def copysign_number(self, other):
    x = opmath(self)
    return array_namespace(x).copysign(x, math.copysign(1.0, other))


def copysign(input, other):  # noqa: A002
    """|input| with other's sign bit (so -0.0 and a negative nan count as negative)."""
    return (copysign_tensor if _is_tensor(other) else copysign_number)(input, other)


def _heaviside_check(self, values):
    if self._dtype is not values._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")


@pointwise(
    "NotImplemented",
    tensors_only=True,
    check=_heaviside_check,
    self=no_derivative("heaviside"),
    values=no_derivative("heaviside"),
)
def heaviside(self, values):
    """0 below zero, 1 above, `values` at zero; a nan input gives 0 (it is not above zero).
    PyTorch records a node that refuses any backward through it."""
    xp = array_namespace(self)
    return xp.where(self == 0, values, self > 0).astype(self.dtype, copy=False)


def _same_dtypes(*labels):
    """lerp takes no promotion between its tensors: each must have self's dtype, except a 0-dim
    weight, which promotes as a 0-dim operand does (a complex one makes the result complex)."""

    def check(self, *others):
        for label, other in zip(labels, others, strict=False):
            zero_dim_weight = label == "weight" and _is_tensor(other) and other.ndim == 0
            if _is_tensor(other) and other._dtype is not self._dtype and not zero_dim_weight:
                raise RuntimeError(
                    f"expected dtype {dtypes.cpp_type_name(self._dtype)} for `{label}` but got "
                    f"dtype {dtypes.cpp_type_name(other._dtype)}"
                )

    return check


def _lerp(self, end, weight, kernel):
    """self + weight (end - self) for |weight| < 0.5, else end + (weight - 1)(end - self):
    exact at both ends, and one fused multiply-add as in PyTorch's CPU kernel (in float32 for
    half precision)."""
    _no_kernel(kernel, self, (dtypes.FLOATING, dtypes.COMPLEX))
    xp = array_namespace(self)
    start, end = opmath(self), opmath(end)
    # A Python number weight is first rounded to the computation dtype.
    weight = opmath(weight) if hasattr(weight, "dtype") else xp.asarray(weight, start.dtype)
    small = xp.abs(weight) < 0.5
    coefficient = xp.where(small, weight, weight - 1)
    base = xp.where(small, start, end)
    difference = end - start
    return fused_multiply_add(coefficient, difference, base, difference.dtype)


@pointwise(
    "LerpBackward0",
    operands=("self", "end"),
    check=_same_dtypes("end"),
    self=lambda grad, weight: grad * (1 - weight),
    end=lambda grad, weight: grad * weight,
)
def lerp_number(self, end, weight):
    return _lerp(self, end, weight, "lerp_kernel_scalar")


@pointwise(
    "LerpBackward1",
    check=_same_dtypes("end", "weight"),
    self=lambda grad, weight: grad * (1 - weight),
    end=lambda grad, weight: grad * weight,
    weight=lambda grad, self, end: grad * (end - self),
)
def lerp_tensor(self, end, weight):
    return _lerp(self, end, weight, "lerp_kernel_tensor")


_LERP_OVERLOADS = (
    "Tensor input, Tensor end, Tensor weight, *, Tensor out = None",
    "Tensor input, Tensor end, Number weight, *, Tensor out = None",
)


def lerp(input, end, weight):  # noqa: A002
    """input + weight * (end - input); a tensor weight gets a gradient (LerpBackward1)."""
    if not (
        _is_tensor(input)
        and _is_tensor(end)
        and (_is_tensor(weight) or isinstance(weight, numbers.Number))
    ):
        raise invalid_arguments("lerp", _LERP_OVERLOADS, (input, end, weight))
    return (lerp_tensor if _is_tensor(weight) else lerp_number)(input, end, weight)


arctan2 = atan2.renamed("arctan2")  # NumPy's name: the same op, so the same node


# -- gcd, lcm, ldexp, nextafter ---------------------------------------------------------------


def _gcd(a, b):
    """ATen's calc_gcd: Euclid on |a| and |b| with C's remainder, so the int64 minimum, whose
    |x| is itself, gives a negative gcd (gcd(-2**63, 6) is -2), as in PyTorch."""
    xp = array_namespace(a)
    a, b = xp.broadcast_arrays(xp.abs(a), xp.abs(b))
    while bool((a != 0).any()):
        going = a != 0
        a, b = xp.where(going, xp.fmod(b, xp.where(going, a, 1)), 0), xp.where(going, a, b)
    return b


@pointwise(None, tensors_only=True)
def gcd(self, other):
    """The greatest common divisor, integers only; gcd(0, 0) is 0."""
    _no_kernel("gcd_cpu", self, (dtypes.INTEGER,))
    return _gcd(self, other)


@pointwise(None, tensors_only=True)
def lcm(self, other):
    """|a / gcd * b| in the integer dtype (wrapping where it overflows, as in C); 0 if either
    is 0."""
    _no_kernel("lcm_cpu", self, (dtypes.INTEGER,))
    xp = array_namespace(self)
    divisor = _gcd(self, other)
    zero = divisor == 0
    return xp.where(zero, 0, xp.abs(self // xp.where(zero, 1, divisor) * other))


def _ldexp(self, other, power_dtype):
    """self * 2**other, in a floating dtype (integers give the default one); other need not
    be an integer. PyTorch computes pow(2, other) first, in power_dtype (_power_dtype), so
    ldexp(float64, float32) multiplies by a float32 power; the product is computed in float32
    for half precision (1 * 2**20 is inf only when cast)."""
    xp = array_namespace(self)
    power = xp.exp2(opmath(other))
    if power_dtype.is_floating_point:
        power = power.astype(power_dtype.np).astype(power.dtype)
    return (opmath(self) * power).astype(self.dtype, copy=False)


_LN2 = math.log(2)

ldexp_float_exponent = pointwise(
    "LdexpBackward0",
    kind="float",
    operands=("self", "other"),
    self=lambda grad, other, F: grad * F.pow_base_number(2, other),  # pow(2, other): PowBackward2
    other=lambda grad, result: grad * result * _LN2,
)(_ldexp)

# PyTorch's self derivative is grad * pow(2, other): for an integer exponent an integer power,
# which is 0 for a negative exponent (so ldexp(x, -1)'s gradient is 0, not 0.5). Its node
# saves the result for other's derivative, which an integer other never needs: read here, so
# that it is saved as well (changing it in place breaks the backward, as in PyTorch).
ldexp_integer_exponent = pointwise(
    "LdexpBackward0",
    kind="float",
    operands=("self", "other"),
    self=lambda grad, other, result, F: grad * (F.exp2(other) * (other >= 0)),
)(_ldexp)


def ldexp(input, other):  # noqa: A002
    _tensors_only("ldexp")(input, other)
    if other.dtype is dtypes.bool and input.is_floating_point():  # (its kernel has no bool)
        check_broadcastable([input, other])  # (the shapes first)
        raise NotImplementedError("\"ldexp_cpu_exp\" not implemented for 'Bool'")
    if other.is_floating_point():
        return ldexp_float_exponent(input, other, _power_dtype(input, other))
    return ldexp_integer_exponent(input, other, other.dtype)


def _power_dtype(input, other):
    """The dtype of pow(2, other) in ATen's ldexp (its _pow2): other's own for a float32 or
    integer input; otherwise the power of a 0-dim 2 in input's dtype, which promotes with a
    0-dim other (so ldexp(float64, 0-dim float32) takes a float64 power)."""
    if input.dtype is dtypes.float32 or not input.is_floating_point() or other.ndim:
        return other.dtype
    return dtypes.promote_types(input.dtype, other.dtype)


def ldexp_in_place(self, other):
    """ldexp_: PyTorch refuses an integer self naming the op, not the result type."""
    _tensors_only("ldexp_")(self, other)
    if not dtypes.can_cast(ldexp_float_exponent.result_dtype(self, other, None), self.dtype):
        raise RuntimeError(
            f"ldexp can't be cast to the desired output type {dtypes.scalar_type_name(self.dtype)}"
        )
    return ldexp(self, other)


def _bfloat16_nextafter(x, y):
    """nextafter on bfloat16's bits (NumPy has no bfloat16 kernel): one step of the 16-bit
    pattern toward y; from zero, the smallest subnormal with y's sign."""
    xp = array_namespace(x)
    x, y = xp.broadcast_arrays(x, y)
    bits = x.view(xp.uint16).astype(xp.int32)
    away = (y > x) == (x > 0)  # toward y means away from zero
    stepped = xp.where(away, bits + 1, bits - 1)
    tiny = xp.where(y > 0, 1, 0x8001)  # +- the smallest subnormal
    stepped = xp.where(x == 0, tiny, stepped).astype(xp.uint16).view(x.dtype)
    done = xp.where(x == y, y, stepped)
    return xp.where(xp.isnan(x) | xp.isnan(y), xp.asarray(math.nan, x.dtype), done)


@pointwise(
    "NextafterBackward0",
    tensors_only=True,
    # PyTorch's gradient: 1 in self, except where self == other (the result is other, which
    # gets none either).
    self=lambda grad, self, other: grad * (self != other),
    other=lambda grad, F: F.zeros_like(grad),
)
def nextafter(self, other):
    """The next representable value after self toward other, in the promoted floating dtype
    (float16 and bfloat16 steps included); y itself where x == y (so -0.0 toward 0.0 is 0.0)."""
    _no_kernel("nextafter_cpu", self, (dtypes.FLOATING,))
    if self.dtype == dtypes.bfloat16.np:
        return _bfloat16_nextafter(self, other)
    return array_namespace(self).nextafter(self, other)
