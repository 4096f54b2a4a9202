"""Elementwise ops: arithmetic, comparisons and unary math, each with its derivative.

Forwards see arrays already promoted to the computation dtype (see define.PointwiseOp);
derivatives read what they name and are summed back to each operand's shape by the engine.
"""

from __future__ import annotations

import cmath
import math

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace, move_array
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import define
from conformance.reference.ops.define import op, pointwise

# -- arithmetic ---------------------------------------------------------------------------


@pointwise(
    "AddBackward0",
    ufunc="add",
    self=lambda grad: grad,
    other=lambda grad, alpha: grad if alpha == 1 else grad * alpha,
)
def add(self, other, alpha=1):
    return _plus_scaled(self, other, alpha) if alpha != 1 else self + other


# The dtypes whose fused multiply-add float64 reproduces exactly: their products are exact in
# float64, so one rounding of the float64 result is the one rounding PyTorch's kernel does.
_NARROW_FLOATS = (np.dtype(np.float32), np.dtype(np.float16), dtypes.bfloat16.np)


def _plus_scaled(self, other, alpha):
    """self + alpha * other as PyTorch's CPU kernel computes it: alpha (and a number operand)
    in the tensor's dtype, then one fused multiply-add, so rounded once. Emulated through
    float64 for float32 and half precision (PyTorch's float32 results, bit for bit); float64
    has no wider type here, so it rounds the product and the sum apart."""
    like = self if hasattr(self, "dtype") else other
    dtype = like.dtype
    if dtype not in _NARROW_FLOATS:
        return self + other * alpha
    scale = float(np.asarray(alpha).astype(dtype))

    def wide(value):
        if hasattr(value, "shape") and value.shape:
            return value.astype("float64")
        return float(np.asarray(value).astype(dtype))

    return (wide(self) + scale * wide(other)).astype(dtype)


HALF_ARRAYS = (dtypes.float16.np, dtypes.bfloat16.np)
_LN2, _LN10 = math.log(2), math.log(10)


def opmath(array):
    """float16 and bfloat16 as float32: PyTorch's CPU kernels compute half precision in float32
    and round once, which matters where a forward takes more than one step."""
    return array.astype("float32") if array.dtype in HALF_ARRAYS else array


def _is_bool(value):
    kind = value.__class__
    if kind is bool:
        return True
    # A Python number has no _dtype; asking it for one would build an AttributeError.
    return kind is not float and kind is not int and getattr(value, "_dtype", None) is dtypes.bool


def _no_bool_subtraction(self, other, alpha=1):
    """PyTorch refuses to subtract bools, before any promotion (b - 1 raises too)."""
    self_bool, other_bool = _is_bool(self), _is_bool(other)
    if self_bool and other_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    if self_bool or other_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _no_kernel(kernel, array, categories):
    """PyTorch's NotImplementedError where its CPU kernel has no variant for the computation
    dtype (bitwise ops on floats, floor division of bools, ...): `categories` are the dtype
    categories the kernel has."""
    dtype = dtypes.from_numpy_dtype(array.dtype)
    if dtype.category not in categories:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}'")


_NUMBERS = (dtypes.INTEGER, dtypes.FLOATING, dtypes.COMPLEX)  # every kernel but bool's
_INTEGRAL = (dtypes.BOOL, dtypes.INTEGER)


def _no_negative_integer_power(self, exponent):
    """An integer tensor to a negative Python integer power: refused before promotion (so
    uint8 ** -1 is refused, not taken as uint8 ** 255)."""
    if (
        exponent.__class__ is int
        and exponent < 0
        and getattr(self, "_dtype", dtypes.float32).category <= dtypes.INTEGER
    ):
        raise RuntimeError("Integers to negative integer powers are not allowed.")


@pointwise(
    "SubBackward0",
    ufunc="subtract",
    check=_no_bool_subtraction,
    self=lambda grad: grad,
    other=lambda grad, alpha: -grad if alpha == 1 else -grad * alpha,
)
def sub(self, other, alpha=1):
    return _plus_scaled(self, other, -alpha) if alpha != 1 else self - other


@pointwise("RsubBackward1", check=_no_bool_subtraction, self=lambda grad: -grad)
def rsub_number(self, other):
    """number - tensor: PyTorch records it as RsubBackward1."""
    return other - self


@pointwise(
    "MulBackward0",
    ufunc="multiply",
    self=lambda grad, other: grad * other,
    other=lambda grad, self: grad * self,
)
def mul(self, other):
    return self * other


@pointwise(
    "DivBackward0",
    kind="float",
    ufunc="true_divide",
    self=lambda grad, other: grad / other,
    other=lambda grad, self, other: -grad * ((self / other) / other),  # PyTorch's order
)
def true_divide(self, other):
    return self / other


@pointwise(
    "DivBackward2",
    operands=("self", "other"),
    self=lambda grad, F: F.zeros_like(grad),
    other=lambda grad, F: F.zeros_like(grad),
)
def rounding_divide(self, other, rounding_mode):
    """Division rounded toward zero ("trunc") or down ("floor"), in the operands' promoted
    dtype: integers stay integers, unlike true division. The result is piecewise constant, so
    its gradient is zero."""
    kernel = "div_trunc_cpu" if rounding_mode == "trunc" else "div_floor_cpu"
    _no_kernel(kernel, self, _NUMBERS)
    if rounding_mode == "floor":
        return _integer_quotient(self // other, other)
    xp = array_namespace(self)
    if self.dtype.kind in "iu":
        _integer_quotient(self, other)
        floor = self // other
        # Floor and trunc differ by one where the division is inexact and the signs differ.
        return floor + ((floor < 0) & (floor * other != self)).astype(self.dtype)
    quotient = opmath(self) / (opmath(other) if hasattr(other, "dtype") else other)
    return xp.trunc(quotient).astype(self.dtype, copy=False)


def div(input, other, *, rounding_mode=None, out=None):  # noqa: A002
    """torch.div: true division (DivBackward0) unless rounding_mode is "trunc" or "floor"."""
    if rounding_mode is None:
        return true_divide(input, other) if out is None else true_divide(input, other, out=out)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    if out is not None:
        return rounding_divide(input, other, rounding_mode, out=out)
    return rounding_divide(input, other, rounding_mode)


divide = div


def _integer_quotient(result, divisor):
    """Integer division by zero raises in PyTorch's CPU kernels (RuntimeError
    "ZeroDivisionError"); NumPy gives 0. Float division by zero gives inf or nan in both. The
    engine checks on every device; PyTorch's CUDA kernels may not (unverified here)."""
    if result.dtype.kind in "iu" and not array_namespace(result).all(divisor):
        raise RuntimeError("ZeroDivisionError")
    return result


@pointwise(None)
def floor_divide(self, other):
    _no_kernel("div_floor_cpu", self, _NUMBERS)
    return _integer_quotient(self // other, other)


@pointwise(None)
def remainder(self, other):
    _no_kernel("remainder_cpu", self, _NUMBERS)
    return _integer_quotient(self % other, other)


@pointwise(None)
def fmod(self, other):
    _no_kernel("fmod_cpu", self, _NUMBERS)
    return _integer_quotient(array_namespace(self).fmod(self, other), other)


@pointwise(
    "PowBackward0",
    check=_no_negative_integer_power,
    self=lambda grad, self, exponent, F: (
        grad * (exponent * F.pow_number(self, exponent - 1)) if exponent != 0 else grad * 0
    ),
)
def pow_number(self, exponent):
    """tensor ** number. A bool tensor to a bool power takes PyTorch's shortcuts (** True copies,
    ** False gives ones); an integer tensor refuses a negative integer power."""
    if self.dtype == bool:
        return self.copy() if exponent else array_namespace(self).ones_like(self)
    if self.dtype.kind in "iu" or exponent not in _POWER_SHORTCUTS:
        return self**exponent
    shortcut = _POWER_SHORTCUTS[exponent]
    # Half precision in float32, rounded once; but PyTorch rounds each bfloat16 product
    # (measured), so bfloat16 multiplies in bfloat16.
    in_float32 = self.dtype in HALF_ARRAYS and not (
        self.dtype == dtypes.bfloat16.np and exponent not in (0.5, -0.5)
    )
    return shortcut(opmath(self)).astype(self.dtype) if in_float32 else shortcut(self)


# The exponents PyTorch's CPU kernel computes without pow() (NumPy would call pow for most,
# which rounds differently in the last bit).
_POWER_SHORTCUTS = {
    2: lambda x: x * x,
    3: lambda x: x * x * x,
    0.5: lambda x: array_namespace(x).sqrt(x),
    -0.5: lambda x: 1 / array_namespace(x).sqrt(x),
    -1: lambda x: 1 / x,
    -2: lambda x: 1 / (x * x),
}


def _integer_power(base, exponent):
    """Integer powers as PyTorch computes them: a negative exponent gives 1 for a base of 1,
    +-1 for a base of -1 and 0 for any other base (NumPy refuses instead)."""
    _no_kernel("pow", exponent, _NUMBERS)
    xp = array_namespace(exponent)
    base = xp.asarray(base, dtype=exponent.dtype)
    if not (exponent < 0).any():
        return base**exponent
    positive = base ** xp.maximum(exponent, 0)
    minus_one = xp.where(exponent % 2 == 0, 1, -1)
    negative = xp.where(base == 1, 1, xp.where(base == -1, minus_one, 0))
    return xp.where(exponent < 0, negative, positive).astype(exponent.dtype)


def _log_of_number(value):
    """log of a Python number as PyTorch's Scalar.log() gives it: -inf at 0, nan below."""
    if isinstance(value, complex):
        return cmath.log(value) if value else -math.inf
    if value == 0:
        return -math.inf
    return math.log(value) if value > 0 else math.nan


@pointwise(
    "PowBackward1",
    # At exponent 0 the derivative is 0, also where self ** -1 is infinite (self == 0).
    self=lambda grad, self, exponent, F: F.where(
        exponent == 0, 0, grad * exponent * self ** (exponent - 1)
    ),
    # 0 ** e is flat in e for e >= 0 (0, or 1 at e == 0), so the derivative is 0 there.
    exponent=lambda grad, self, exponent, result, F: (
        grad * F.where((exponent >= 0) & (self == 0), 0, result * F.log(self))
    ),
)
def pow_tensor(self, exponent):
    if exponent.dtype.kind in "biu":
        return _integer_power(self, exponent)
    return self**exponent


@pointwise(
    "PowBackward2",
    exponent=lambda grad, result, self, exponent, F: (
        grad * F.where(exponent >= 0, 0, result * -math.inf)
        if self == 0
        else grad * result * _log_of_number(self)
    ),
)
def pow_base_number(self, exponent):
    """number ** tensor (self is the number)."""
    if exponent.dtype.kind in "biu":
        return _integer_power(self, exponent)
    return self**exponent


@pointwise("NegBackward0", self=lambda grad: -grad)
def neg(self):
    if self.dtype == bool:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return -self


# -- unary math ---------------------------------------------------------------------------


@pointwise("AbsBackward0", self=lambda grad, self, F: grad * F.sign(self))
def abs(self):  # noqa: A001
    _no_kernel("abs_cpu", self, _NUMBERS)
    return array_namespace(self).abs(self)


@pointwise("SignBackward0", self=lambda grad: grad * 0)
def sign(self):
    if self.dtype == bool:  # a bool is its own sign
        return self.copy()
    xp = array_namespace(self)
    return xp.where(xp.isnan(self), 0, xp.sign(self)).astype(self.dtype, copy=False)


def _rounding(kernel, xp_name):
    """floor, ceil, round, trunc: integers come back as they are; bools have no kernel."""

    def forward(self):
        _no_kernel(kernel, self, _NUMBERS)
        if self.dtype.kind in "iu":
            return self.copy()
        return getattr(array_namespace(self), xp_name)(opmath(self)).astype(self.dtype)

    forward.__name__ = xp_name
    return forward


# Piecewise constant: zero gradient everywhere (as PyTorch defines it at the jumps too).
floor = pointwise("FloorBackward0", self=lambda grad: grad * 0)(_rounding("floor_vml_cpu", "floor"))
ceil = pointwise("CeilBackward0", self=lambda grad: grad * 0)(_rounding("ceil_vml_cpu", "ceil"))
# Halves round to even, as in PyTorch (and NumPy).
round = pointwise("RoundBackward0", self=lambda grad: grad * 0)(  # noqa: A001
    _rounding("round_vml_cpu", "round")
)
trunc = pointwise("TruncBackward0", self=lambda grad: grad * 0)(_rounding("trunc_vml_cpu", "trunc"))


def square(input):
    """torch.square: input ** 2, recorded as PowBackward0 (as PyTorch implements it)."""
    return pow_number(input, 2)


@pointwise("ExpBackward0", kind="float", self=lambda grad, result: grad * result)
def exp(self):
    return array_namespace(self).exp(self)


@pointwise("LogBackward0", kind="float", self=lambda grad, self: grad / self)
def log(self):
    return array_namespace(self).log(self)


@pointwise("Log1PBackward0", kind="float", self=lambda grad, self: grad / (self + 1))
def log1p(self):
    return array_namespace(self).log1p(self)


@pointwise("Expm1Backward0", kind="float", self=lambda grad, result: grad * (result + 1))
def expm1(self):
    return array_namespace(self).expm1(self)


@pointwise("Exp2Backward0", kind="float", self=lambda grad, result: grad * result * _LN2)
def exp2(self):
    return array_namespace(self).exp2(self)


@pointwise("Log2Backward0", kind="float", self=lambda grad, self: grad / (self * _LN2))
def log2(self):
    return array_namespace(self).log2(self)


@pointwise("Log10Backward0", kind="float", self=lambda grad, self: grad / (self * _LN10))
def log10(self):
    return array_namespace(self).log10(self)


@pointwise("SqrtBackward0", kind="float", self=lambda grad, result: grad / (2 * result))
def sqrt(self):
    return array_namespace(self).sqrt(self)


@pointwise(
    "RsqrtBackward0",
    kind="float",
    self=lambda grad, result, F: -0.5 * grad * F.pow_number(result, 3),  # PyTorch's order
)
def rsqrt(self):
    return (1 / array_namespace(self).sqrt(opmath(self))).astype(self.dtype, copy=False)


@pointwise("SinBackward0", kind="float", self=lambda grad, self, F: grad * F.cos(self))
def sin(self):
    return array_namespace(self).sin(self)


@pointwise("CosBackward0", kind="float", self=lambda grad, self, F: -grad * F.sin(self))
def cos(self):
    return array_namespace(self).cos(self)


@pointwise("SinhBackward0", kind="float", self=lambda grad, self, F: grad * F.cosh(self))
def sinh(self):
    return array_namespace(self).sinh(self)


@pointwise("CoshBackward0", kind="float", self=lambda grad, self, F: grad * F.sinh(self))
def cosh(self):
    return array_namespace(self).cosh(self)


@pointwise("AsinBackward0", kind="float", self=lambda grad, self, F: grad / F.sqrt(1 - self * self))
def asin(self):
    return array_namespace(self).arcsin(self)


@pointwise(
    "AcosBackward0", kind="float", self=lambda grad, self, F: -grad / F.sqrt(1 - self * self)
)
def acos(self):
    return array_namespace(self).arccos(self)


@pointwise("AtanBackward0", kind="float", self=lambda grad, self: grad / (1 + self * self))
def atan(self):
    return array_namespace(self).arctan(self)


@pointwise("TanBackward0", kind="float", self=lambda grad, result: grad * (1 + result * result))
def tan(self):
    return array_namespace(self).tan(self)


@pointwise(
    "TanhBackward0", kind="float", self=lambda grad, result, F: F.tanh_backward(grad, result)
)
def tanh(self):
    return array_namespace(self).tanh(self)


# tanh's, sigmoid's and relu's derivatives are ops of their own, as in PyTorch: a create_graph
# backward records TanhBackwardBackward0 and so on, and relu's gradient stays attached to the
# graph through the saved output (its own derivative there is zero, not missing).


@pointwise(
    "TanhBackwardBackward0",
    operands=("grad_output", "output"),
    grad_output=lambda grad, output, F: F.tanh_backward(grad, output),
    output=lambda grad, grad_output, output: grad * (-2 * output * grad_output),
)
def tanh_backward(grad_output, output):
    """grad * (1 - output**2), the factor rounded once as PyTorch's fused multiply-add does
    (computed exactly in float64 for float32 and narrower outputs)."""
    if output.dtype == dtypes.float64.np:
        return grad_output * (1 - output * output)
    xp = array_namespace(output)
    wide = output.astype(dtypes.float64.np)
    xp.multiply(wide, wide, out=wide)  # in place: this runs on every tanh backward
    xp.subtract(1, wide, out=wide)
    factor = wide.astype(dtypes.float32.np)
    if output.dtype == dtypes.float32.np:
        return xp.multiply(grad_output, factor, out=factor)
    return (opmath(grad_output) * factor).astype(output.dtype)


@pointwise(
    "SigmoidBackward0", kind="float", self=lambda grad, result, F: F.sigmoid_backward(grad, result)
)
def sigmoid(self):
    xp = array_namespace(self)
    # exp of a large negative input would overflow; split by sign as stable libraries do.
    work = opmath(self)
    positive = work >= 0
    z = xp.exp(-xp.abs(work))
    return xp.where(positive, 1 / (1 + z), z / (1 + z)).astype(self.dtype, copy=False)


@pointwise(
    "SigmoidBackwardBackward0",
    operands=("grad_output", "output"),
    grad_output=lambda grad, output, F: F.sigmoid_backward(grad, output),
    output=lambda grad, grad_output, output: grad * grad_output * (-2 * output + 1),
)
def sigmoid_backward(grad_output, output):
    """grad * (1 - output) * output, in PyTorch's order of multiplication. PyTorch's CPU
    kernel computes bfloat16 in float32 but float16 in float16, each product rounded."""
    if output.dtype == dtypes.float16.np:
        return grad_output * (1 - output) * output
    y = opmath(output)
    return (opmath(grad_output) * (1 - y) * y).astype(output.dtype, copy=False)


@pointwise("ReluBackward0", self=lambda grad, result, F: F.threshold_backward(grad, result, 0))
def relu(self):
    if self.dtype == bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    return array_namespace(self).maximum(self, 0).astype(self.dtype, copy=False)


@pointwise(
    "ThresholdBackwardBackward0",
    operands=("grad_output", "self"),
    grad_output=lambda grad, self, threshold, F: F.threshold_backward(grad, self, threshold),
    self=lambda grad, F: F.zeros_like(grad),
)
def threshold_backward(grad_output, self, threshold):
    """The gradient where self > threshold, zero elsewhere (a nan self passes the gradient)."""
    return (
        array_namespace(self)
        .where(self <= threshold, 0, grad_output)
        .astype(grad_output.dtype, copy=False)
    )


@pointwise(
    "ClampBackward1",
    operands=("self", "min", "max"),
    self=lambda grad, self, min, max: (
        grad
        * (
            (self >= (min if min is not None else self))
            & (self <= (max if max is not None else self))
        )
    ),
)
def clamp(self, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return array_namespace(self).clip(self, min, max).astype(self.dtype, copy=False)


def _extremum_grad(F, grad, self, other, loses):
    """Half the gradient to each side of a tie, none to the side that `loses`, all of it
    otherwise: so where a nan is compared (no tie, no loser) both sides get it all."""
    return F.where(loses, 0, F.where(self == other, grad / 2, grad))


@pointwise(
    "MaximumBackward0",
    self=lambda grad, self, other, F: _extremum_grad(F, grad, self, other, self < other),
    other=lambda grad, self, other, F: _extremum_grad(F, grad, self, other, self > other),
)
def maximum(self, other):
    return array_namespace(self).maximum(self, other)


@pointwise(
    "MinimumBackward0",
    self=lambda grad, self, other, F: _extremum_grad(F, grad, self, other, self > other),
    other=lambda grad, self, other, F: _extremum_grad(F, grad, self, other, self < other),
)
def minimum(self, other):
    return array_namespace(self).minimum(self, other)


@pointwise(
    "WhereBackward0",
    operands=("self", "other"),
    self=lambda grad, condition, F: F.where(condition, grad, 0 * grad),
    other=lambda grad, condition, F: F.where(condition, 0 * grad, grad),
)
def where_values(condition, self, other):
    return array_namespace(condition).where(condition, self, other)


def where(condition, input=None, other=None):  # noqa: A002
    """torch.where(condition, input, other); with one argument, the indices of nonzeros."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if not _is_tensor(input) and not _is_tensor(other) and _is_tensor(condition):
        # Two Python numbers: the result has their dtype (bool, int64 or the default float,
        # promoted together) and the condition's shape and device.
        from conformance.reference.ops.creation import tensor

        input = tensor(input, device=condition.device)  # noqa: A001
    return where_values(_as_condition(condition), input, other)


def _is_tensor(value):
    return isinstance(value, define.Tensor)


def _as_condition(condition):
    if _is_tensor(condition):
        return condition._data.astype(bool, copy=False)
    return condition


# -- more arithmetic and unary math -------------------------------------------------------


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


@pointwise(
    "ClampMinBackward0",
    operands=("self", "min"),
    self=lambda grad, self, min, F: F.where(self >= min, grad, 0),
)
def clamp_min_number(self, min):  # noqa: A002
    return array_namespace(self).maximum(self, min)


@pointwise(
    "ClampMinBackward1",
    self=lambda grad, self, min, F: F.where(self >= min, grad, 0),
    min=lambda grad, self, min, F: F.where(self < min, grad, 0),
)
def clamp_min_tensor(self, min):  # noqa: A002
    return array_namespace(self).maximum(self, min)


@pointwise(
    "ClampMaxBackward0",
    operands=("self", "max"),
    self=lambda grad, self, max, F: F.where(self <= max, grad, 0),
)
def clamp_max_number(self, max):  # noqa: A002
    return array_namespace(self).minimum(self, max)


@pointwise(
    "ClampMaxBackward1",
    self=lambda grad, self, max, F: F.where(self <= max, grad, 0),
    max=lambda grad, self, max, F: F.where(self > max, grad, 0),
)
def clamp_max_tensor(self, max):  # noqa: A002
    return array_namespace(self).minimum(self, max)


def clamp_min(input, min):  # noqa: A002
    """max(input, min); a nan on either side gives nan. A tensor bound gets its own gradient
    (ClampMinBackward1), a number bound none (ClampMinBackward0)."""
    return (clamp_min_tensor if _is_tensor(min) else clamp_min_number)(input, min)


def clamp_max(input, max):  # noqa: A002
    """min(input, max), as clamp_min."""
    return (clamp_max_tensor if _is_tensor(max) else clamp_max_number)(input, max)


@pointwise("SgnBackward0", self=lambda grad, F: F.zeros_like(grad))
def sgn(self):
    """sign for real numbers (and bools, unchanged); x / |x| for complex ones (0 at 0)."""
    if self.dtype.kind != "c":
        return sign.forward(self)
    xp = array_namespace(self)
    magnitude = xp.abs(self)
    return xp.where(magnitude == 0, 0, self / xp.where(magnitude == 0, 1, magnitude))


@pointwise(None, kind="bool")
def signbit(self):
    """Whether the sign bit is set: True for -0.0 and for a nan with its sign bit set."""
    if self.dtype.kind in "biu":
        return self < 0
    return array_namespace(self).signbit(opmath(self))


@pointwise("FracBackward0", self=lambda grad: grad)
def frac(self):
    """x - trunc(x), with x's sign; nan at the infinities. Floats only."""
    _no_kernel("frac_cpu", self, (dtypes.FLOATING, dtypes.COMPLEX))
    x = opmath(self)
    return x - array_namespace(x).trunc(x)


def _atan2_derivative(grad, self, other, numerator, F):
    """numerator / (self^2 + other^2), 0 where that sum is 0 (or underflows), as PyTorch has
    it: atan2 is 0 along other > 0, which is taken as its gradient at the origin."""
    reciprocal = 1 / (self * self + other * other)
    return grad * numerator * F.where(F.isinf(reciprocal), 0, reciprocal)  # PyTorch's order


@pointwise(
    "Atan2Backward0",
    kind="float",
    check=_tensors_only("atan2"),
    self=lambda grad, self, other, F: _atan2_derivative(grad, self, other, other, F),
    other=lambda grad, self, other, F: _atan2_derivative(grad, self, other, -self, F),
)
def atan2(self, other):
    return array_namespace(self).arctan2(self, other)


@pointwise(
    "AsinhBackward0", kind="float", self=lambda grad, self, F: grad * F.rsqrt(self * self + 1)
)
def asinh(self):
    return array_namespace(self).arcsinh(opmath(self))


@pointwise(
    "AcoshBackward0", kind="float", self=lambda grad, self, F: grad * F.rsqrt(self * self - 1)
)
def acosh(self):
    return array_namespace(self).arccosh(opmath(self))


@pointwise("AtanhBackward0", kind="float", self=lambda grad, self: grad / (1 - self * self))
def atanh(self):
    return array_namespace(self).arctanh(opmath(self))


arcsinh, arccosh, arctanh, arctan2 = asinh, acosh, atanh, atan2  # NumPy's names


@pointwise(
    "HypotBackward0",
    check=_tensors_only("hypot"),
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
    check=_tensors_only("logaddexp"),
    self=lambda grad, self, other, F: grad / (1 + F.exp(other - self)),
    other=lambda grad, self, other, F: grad / (1 + F.exp(self - other)),
)
def logaddexp(self, other):
    """log(exp(self) + exp(other)) without overflow. Floats only."""
    _no_kernel("logaddexp_cpu", self, (dtypes.FLOATING, dtypes.COMPLEX))
    return array_namespace(self).logaddexp(opmath(self), opmath(other))


@pointwise(
    "Logaddexp2Backward0",
    check=_tensors_only("logaddexp2"),
    self=lambda grad, self, other: grad / (1 + 2 ** (other - self)),
    other=lambda grad, self, other: grad / (1 + 2 ** (self - other)),
)
def logaddexp2(self, other):
    """log2(2^self + 2^other) without overflow. Floats only."""
    _no_kernel("logaddexp2_cpu", self, (dtypes.FLOATING,))
    return array_namespace(self).logaddexp2(opmath(self), opmath(other))


def _xlogy(x, y):
    """x * log(y), but 0 where x is 0 (even where log(y) is infinite) and nan where y is."""
    xp = array_namespace(y)
    y = opmath(y)
    return xp.where(xp.isnan(y), math.nan, xp.where(x == 0, 0, x * xp.log(y)))


def _xlogy_number(x, y):
    if math.isnan(y):
        return array_namespace(x).full(x.shape, math.nan, opmath(x).dtype)
    log_y = _log_of_number(y)
    return array_namespace(x).where(x == 0, 0, opmath(x) * log_y)


def _xlogy_self_derivative(grad, self, other, F):
    """d/dx x log(y) = log(y) (xlogy(grad, other)), but 0 where x is 0 and y is not above
    0: PyTorch takes the derivative along x = 0, where xlogy is 0, for those y."""
    return F.where((self == 0) & (other <= 0), 0, F.xlogy_tensor(grad, other))


def _xlogy_number_derivative(grad, self, other, F):
    """As above; with a number y not above 0 (nan included), 0 wherever x is 0."""
    slope = F.xlogy_number_other(grad, other)
    return slope if other > 0 else F.where(self == 0, 0, slope)


@pointwise(
    "XlogyBackward0",
    kind="float",
    self=_xlogy_self_derivative,
    other=lambda grad, self, other: grad * self / other,
)
def xlogy_tensor(self, other):
    return _xlogy(self, other)


@pointwise("XlogyBackward1", kind="float", other=lambda grad, self, other: grad * self / other)
def xlogy_number_self(self, other):
    """number * log(tensor)."""
    xp = array_namespace(other)
    return _xlogy(xp.asarray(self, dtype=opmath(other).dtype), other)


@pointwise(
    "XlogyBackward2",
    kind="float",
    operands=("self", "other"),
    self=_xlogy_number_derivative,
)
def xlogy_number_other(self, other):
    """tensor * log(number)."""
    return _xlogy_number(self, other)


def xlogy(input, other):  # noqa: A002
    """input * log(other), 0 where input is 0: the node says which side was a number."""
    if not _is_tensor(input):
        return xlogy_number_self(input, other)
    if not _is_tensor(other):
        return xlogy_number_other(input, other)
    return xlogy_tensor(input, other)


@pointwise(
    "CopysignBackward0",
    kind="float",
    self=lambda grad, self, result, F: grad * F.where(self == 0, 0, result / self),
    other=lambda grad, F: F.zeros_like(grad),
)
def copysign_tensor(self, other):
    return array_namespace(self).copysign(opmath(self), opmath(other))


@pointwise(
    "CopysignBackward1",
    kind="float",
    operands=("self", "other"),
    self=lambda grad, self, result, F: grad * F.where(self == 0, 0, result / self),
)
def copysign_number(self, other):
    x = opmath(self)
    return array_namespace(x).copysign(x, math.copysign(1.0, other))


def copysign(input, other):  # noqa: A002
    """|input| with other's sign bit (so -0.0 and a negative nan count as negative)."""
    return (copysign_tensor if _is_tensor(other) else copysign_number)(input, other)


@pointwise(
    "FmaxBackward0",
    check=_tensors_only("fmax"),
    self=lambda grad, self, other, F: F.where((self >= other) | (other != other), grad, 0),
    other=lambda grad, self, other, F: F.where((self >= other) | (other != other), 0, grad),
)
def fmax(self, other):
    """maximum that ignores a nan on one side (nan only if both are); a tie goes to self."""
    return array_namespace(self).fmax(self, other)


@pointwise(
    "FminBackward0",
    check=_tensors_only("fmin"),
    self=lambda grad, self, other, F: F.where((self <= other) | (other != other), grad, 0),
    other=lambda grad, self, other, F: F.where((self <= other) | (other != other), 0, grad),
)
def fmin(self, other):
    """minimum that ignores a nan on one side, as fmax."""
    return array_namespace(self).fmin(self, other)


def _heaviside_check(self, values):
    _tensors_only("heaviside", "values")(self, values)
    if self._dtype is not values._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")


def _no_derivative(name):
    def derivative(grad):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")

    return derivative


@pointwise(
    "NotImplemented",
    check=_heaviside_check,
    self=_no_derivative("heaviside"),
    values=_no_derivative("heaviside"),
)
def heaviside(self, values):
    """0 below zero, 1 above, `values` at zero; a nan input gives 0 (it is not above zero).
    PyTorch records a node that refuses any backward through it."""
    xp = array_namespace(self)
    return xp.where(self == 0, values, self > 0).astype(self.dtype, copy=False)


# A C++ class in PyTorch, named in full (as CopyBackwards).
heaviside.node.name = lambda node: "torch::autograd::NotImplemented"


def _scaled(factor):
    """x * factor, the factor rounded to x's dtype first, as PyTorch's multiplication by a
    Python number does."""

    def forward(self):
        x = opmath(self)
        return x * array_namespace(x).asarray(factor, dtype=x.dtype)

    return forward


_DEGREE = math.pi / 180
deg2rad = pointwise("Deg2RadBackward0", kind="float", self=lambda grad: grad * _DEGREE)(
    _scaled(_DEGREE)
)
_RADIAN = 180 / math.pi
rad2deg = pointwise("Rad2DegBackward0", kind="float", self=lambda grad: grad * _RADIAN)(
    _scaled(_RADIAN)
)
deg2rad.__name__, rad2deg.__name__ = "deg2rad", "rad2deg"


@pointwise(
    "NanToNumBackward0",
    operands=("self",),
    self=lambda grad, self, F: grad * F.isfinite(self),
)
def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced; the infinities by the dtype's largest and smallest finite
    values unless given. Integers and bools come back unchanged."""
    if self.dtype.kind in "biu":
        return self.copy()
    xp = array_namespace(self)
    info = dtypes.finfo(dtypes.from_numpy_dtype(self.dtype))
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = xp.where(xp.isnan(self), nan, self)
    out = xp.where(self == math.inf, posinf, xp.where(self == -math.inf, neginf, out))
    return out.astype(self.dtype)  # here, where a too large replacement silently becomes inf


def float_power(input, exponent):  # noqa: A002
    """pow in double precision (complex128 if either side is complex): the operands are first
    converted (ToCopyBackward0), then PowBackward0/1/2 as for pow."""
    complex_ = any(
        _is_tensor(v) and v._dtype.category == dtypes.COMPLEX or isinstance(v, complex)
        for v in (input, exponent)
    )
    wide = dtypes.complex128 if complex_ else dtypes.float64
    if not _is_tensor(input):
        return pow_base_number(input, exponent.to(wide))
    if not _is_tensor(exponent):
        return pow_number(input.to(wide), exponent)
    return pow_tensor(input.to(wide), exponent.to(wide))


def float_power_in_place(self, exponent):
    """x.float_power_(e): x must already be double (or complex128) to hold the result."""
    wide = float_power(self, exponent)
    if wide._dtype is not self._dtype:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {scalar_type_name(self._dtype)} but the "
            f"operation's result requires dtype {scalar_type_name(wide._dtype)}"
        )
    return wide


def _logit_derivative(grad, self, eps, F):
    """1 / (x (1 - x)); nan outside [0, 1] without eps, 0 outside [eps, 1 - eps] with it."""
    inner = grad / (self * (1 - self))
    if eps is None:
        return F.where((self < 0) | (self > 1), math.nan, inner)
    return F.where((self < eps) | (self > 1 - eps), 0, inner)


@pointwise("LogitBackward0", kind="float", operands=("self",), self=_logit_derivative)
def logit(self, eps=None):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given."""
    xp = array_namespace(self)
    x = opmath(self)
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps).astype(x.dtype, copy=False)
    return xp.log(x / (1 - x))


def _sinc_derivative(grad, self, F):
    """(cos(pi x) pi x - sin(pi x)) / (pi x^2), 0 at 0, in PyTorch's order."""
    product = math.pi * self
    return (
        F.where(self == 0, 0, (product * F.cos(product) - F.sin(product)) / (product * self)) * grad
    )


@pointwise("SincBackward0", kind="float", self=_sinc_derivative)
def sinc(self):
    """sin(pi x) / (pi x), 1 at 0 (normalized, as NumPy's sinc)."""
    xp = array_namespace(self)
    x = opmath(self)
    product = x * xp.asarray(math.pi, dtype=x.dtype)
    return xp.where(x == 0, 1, xp.sin(product) / product)


def _same_dtypes(*labels):
    """lerp takes no promotion: every tensor must have self's dtype."""

    def check(self, *others):
        for label, other in zip(labels, others, strict=False):
            if _is_tensor(other) and other._dtype is not self._dtype:
                raise RuntimeError(
                    f"expected dtype {dtypes.cpp_type_name(self._dtype)} for `{label}` but got "
                    f"dtype {dtypes.cpp_type_name(other._dtype)}"
                )

    return check


def _lerp(self, end, weight, kernel):
    """self + weight (end - self) for |weight| < 0.5, else end + (weight - 1)(end - self):
    exact at both ends. PyTorch's CPU kernel fuses the multiply-add (one rounding), which
    float64 reproduces for float32 and narrower (computed in float32)."""
    _no_kernel(kernel, self, (dtypes.FLOATING, dtypes.COMPLEX))
    xp = array_namespace(self)
    start, end = opmath(self), opmath(end)
    # A Python number weight is first rounded to the computation dtype.
    weight = opmath(weight) if hasattr(weight, "dtype") else xp.asarray(weight, start.dtype)
    small = xp.abs(weight) < 0.5
    coefficient = xp.where(small, weight, weight - 1)
    base = xp.where(small, start, end)
    difference = end - start
    if start.dtype != dtypes.float32.np:
        return coefficient * difference + base
    wide = dtypes.float64.np
    fused = coefficient.astype(wide) * difference.astype(wide) + base.astype(wide)
    return fused.astype(start.dtype)  # rounded to float32 first, as the fused result is


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


def lerp(input, end, weight):  # noqa: A002
    """input + weight * (end - input); a tensor weight gets a gradient (LerpBackward1)."""
    return (lerp_tensor if _is_tensor(weight) else lerp_number)(input, end, weight)


def _integer_value(value, array):
    """An integer computation takes the value as an integer (2.5 counts as 2)."""
    return int(value) if array.dtype.kind in "iu" else value


@pointwise(
    "AddcmulBackward0",
    operands=("self", "tensor1", "tensor2"),
    self=lambda grad: grad,
    tensor1=lambda grad, tensor2, value: grad * tensor2 * value,
    tensor2=lambda grad, tensor1, value: grad * tensor1 * value,
)
def addcmul(self, tensor1, tensor2, value=1):
    """self + value * tensor1 * tensor2, promoted as add promotes its three tensors."""
    _no_kernel("addcmul_cpu_out", self, _NUMBERS)
    value = _integer_value(value, self)
    return self + value * tensor1 * tensor2


def _no_integer_addcdiv(self, tensor1, tensor2, value=1):
    if all(_is_tensor(t) and t._dtype.category <= dtypes.INTEGER for t in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes."
        )


@pointwise(
    "AddcdivBackward0",
    operands=("self", "tensor1", "tensor2"),
    check=_no_integer_addcdiv,
    self=lambda grad: grad,
    tensor1=lambda grad, tensor2, value: grad * value / tensor2,
    tensor2=lambda grad, tensor1, tensor2, value: -grad * value * tensor1 / (tensor2 * tensor2),
)
def addcdiv(self, tensor1, tensor2, value=1):
    """self + value * tensor1 / tensor2; integer tensor1 and tensor2 are refused."""
    return self + value * tensor1 / tensor2


# -- the error function -------------------------------------------------------------------
# NumPy has no erf. W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
# approximations for the error function", Math. Comp. 23 (1969) 631-637; his CALERF routine in
# netlib SPECFUN) give erf and erfc to float64 rounding in three intervals of |x|:
# x * P(x^2) / Q(x^2) up to 0.46875, exp(-x^2) * P(|x|) / Q(|x|) up to 4, and an asymptotic
# form exp(-x^2) / |x| * (1/sqrt(pi) + P(1/x^2) / Q(1/x^2)) beyond.

_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)  # fmt: skip
_ERFC_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_ERFC_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
_ERFC_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)  # fmt: skip
_ERFC_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)  # fmt: skip
_FRAC_1_SQRT_PI = 0.56418958354775628695
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erf_small(x):
    """erf(x) for |x| <= 0.46875 (signed); the ratio first, so tiny x loses no bits."""
    a, b = _ERF_A, _ERF_B
    z = x * x
    num, den = a[4] * z, z
    for i in range(3):
        num, den = (num + a[i]) * z, (den + b[i]) * z
    return x * ((num + a[3]) / (den + b[3]))


def _erfc_large(y):
    """erfc(y) for y > 0.46875 (y = |x|), zero beyond 27 where it underflows."""
    xp = array_namespace(y)
    y = xp.minimum(y, 30.0)  # exp(-900) is 0; inf would give inf - inf below
    c, d = _ERFC_C, _ERFC_D
    num, den = c[8] * y, y
    for i in range(7):
        num, den = (num + c[i]) * y, (den + d[i]) * y
    middle = (num + c[7]) / (den + d[7])
    p, q = _ERFC_P, _ERFC_Q
    far = xp.maximum(y, 4.0)  # (the lanes below 4 are not used)
    z = 1 / (far * far)
    num, den = p[5] * z, z
    for i in range(4):
        num, den = (num + p[i]) * z, (den + q[i]) * z
    tail = (_FRAC_1_SQRT_PI - z * (num + p[4]) / (den + q[4])) / far
    ratio = xp.where(y <= 4, middle, tail)
    # exp(-y^2) as exp(-r^2) * exp(-(y - r)(y + r)) with r = y rounded down to 1/16: y^2
    # itself would carry y's rounding error into the exponent.
    r = xp.floor(y * 16) / 16
    return xp.exp(-r * r) * xp.exp(-(y - r) * (y + r)) * ratio


def _erf_float64(x):
    xp = array_namespace(x)
    x = x.astype("float64")
    y = xp.abs(x)
    small = y <= 0.46875
    large = 1 - _erfc_large(y)
    return xp.where(small, _erf_small(xp.where(small, x, 0)), xp.where(x < 0, -large, large))


def _erfc_float64(x):
    xp = array_namespace(x)
    x = x.astype("float64")
    y = xp.abs(x)
    small = y <= 0.46875
    large = _erfc_large(y)
    return xp.where(small, 1 - _erf_small(xp.where(small, x, 0)), xp.where(x < 0, 2 - large, large))


@pointwise(
    "ErfBackward0",
    kind="float",
    self=lambda grad, self, F: _TWO_OVER_SQRT_PI * F.exp(-(self * self)) * grad,
)
def erf(self):
    """Computed in float64 and rounded once to the input's dtype."""
    return _erf_float64(self).astype(self.dtype)


@pointwise(
    "ErfcBackward0",
    kind="float",
    self=lambda grad, self, F: -_TWO_OVER_SQRT_PI * F.exp(-(self * self)) * grad,
)
def erfc(self):
    """Computed in float64 and rounded once to the input's dtype."""
    return _erfc_float64(self).astype(self.dtype)


# -- comparisons and logic (no gradient) --------------------------------------------------


@pointwise(None, kind="bool")
def eq(self, other):
    return self == other


@pointwise(None, kind="bool")
def ne(self, other):
    return self != other


@pointwise(None, kind="bool")
def lt(self, other):
    return self < other


@pointwise(None, kind="bool")
def le(self, other):
    return self <= other


@pointwise(None, kind="bool")
def gt(self, other):
    return self > other


@pointwise(None, kind="bool")
def ge(self, other):
    return self >= other


@pointwise(None, kind="bool")
def logical_not(self):
    return array_namespace(self).logical_not(self)


@pointwise(None, kind="bool")
def logical_and(self, other):
    return array_namespace(self).logical_and(self, other)


@pointwise(None, kind="bool")
def logical_or(self, other):
    return array_namespace(self).logical_or(self, other)


@pointwise(None, kind="bool")
def isnan(self):
    return array_namespace(self).isnan(self)


@pointwise(None, kind="bool")
def isinf(self):
    return array_namespace(self).isinf(self)


@pointwise(None, kind="bool")
def isfinite(self):
    return array_namespace(self).isfinite(self)


@pointwise(None)
def bitwise_not(self):
    _no_kernel("bitwise_not_cpu", self, _INTEGRAL)
    return ~self


@pointwise(None)
def bitwise_and(self, other):
    _no_kernel("bitwise_and_cpu", self, _INTEGRAL)
    return self & other


@pointwise(None)
def bitwise_or(self, other):
    _no_kernel("bitwise_or_cpu", self, _INTEGRAL)
    return self | other


@pointwise(None)
def bitwise_xor(self, other):
    _no_kernel("bitwise_xor_cpu", self, _INTEGRAL)
    return self ^ other


@pointwise(None, kind="bool", check=_tensors_only("logical_xor"))
def logical_xor(self, other):
    return array_namespace(self).logical_xor(self, other)


@pointwise(None, kind="bool")
def isposinf(self):
    return self == math.inf  # never for integers and bools


@pointwise(None, kind="bool")
def isneginf(self):
    return self == -math.inf


# Names PyTorch documents as aliases: the same op, so the same node (SubBackward0, ...).
subtract, multiply, negative, absolute, clip = sub, mul, neg, abs, clamp
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


@pointwise("ReciprocalBackward0", kind="float", self=lambda grad, result: -grad * result * result)
def reciprocal(self):
    return 1 / self


# -- writing values (the out-of-place halves of fill_, zero_, copy_, to) --------------------


@op("FillBackward0", self=lambda grad: grad * 0)
def fill_like(self, value):
    """A tensor like self, filled with `value` (a number or a zero-dimensional tensor)."""
    return array_namespace(self).full(self.shape, value, self.dtype)


@op(
    "CopyBackwards",
    self=lambda grad, F: F.zeros_like(grad),
    src=lambda grad: grad,
)
def copy_from(self, src):
    """What self.copy_(src) writes: src broadcast to self's shape, in self's dtype."""
    return array_namespace(self).broadcast_to(src, self.shape).astype(self.dtype)


# Like AccumulateGrad and CopySlices, this node is a C++ class in PyTorch, named in full.
copy_from.node.name = lambda node: "torch::autograd::CopyBackwards"


@op(
    "ToCopyBackward0",
    output_device="device",
    self=lambda grad, source, F: F.to_device(grad, source),
)
def to_copy_array(self, dtype, device, source):
    """A copy in another dtype and/or on another device; its gradient goes back to `source`."""
    if device != source:
        self = move_array(self, device)
    if self.dtype == np.float64 and dtype.name in ("float16", "bfloat16"):
        # PyTorch narrows double to half through float, rounding twice; so do we.
        return self.astype(np.float32).astype(dtype.np)
    return self.astype(dtype.np, copy=True)


def to_copy(self, dtype, device):
    return to_copy_array(self, dtype, device, self.device)
