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
    return self + other * alpha if alpha != 1 else self + other


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
    return self - other * alpha if alpha != 1 else self - other


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
def div(self, other):
    return self / other


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
