"""Elementwise arithmetic, each op with its derivative: add, sub, mul, the divisions, pow (and
square, float_power), neg, reciprocal, addcmul and addcdiv.

Forwards see arrays already promoted to the computation dtype (see define.PointwiseOp);
derivatives read what they name and are summed back to each operand's shape by the engine.

The other elementwise families live in their own modules and are re-exported here, so that
`pointwise.NAME` (methods.py, the formula namespace F in math.py, the package namespace) finds
every elementwise op: unary_math, error_function, activation_ops, selection, binary_math,
comparisons and fills_and_copies. Their shared helpers are in pointwise_common.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops.activation_ops import *  # noqa: F403
from conformance.reference.ops.argument_errors import (
    invalid_arguments,
    need_tensor,
    number_self_overloads,
)
from conformance.reference.ops.binary_math import *  # noqa: F403
from conformance.reference.ops.comparisons import *  # noqa: F403
from conformance.reference.ops.cpu_loops import scalar_elements, with_scalar_body
from conformance.reference.ops.define import (
    check_broadcastable,
    is_number,
    no_derivative,
    pointwise,
    python_number,
)
from conformance.reference.ops.error_function import *  # noqa: F403
from conformance.reference.ops.fills_and_copies import *  # noqa: F403
from conformance.reference.ops.fused_multiply_add import fused_multiply_add
from conformance.reference.ops.pointwise_common import (
    _NUMBERS,
    HALF_ARRAYS,
    _array_of,
    _is_tensor,
    _log_of_number,
    _no_kernel,
    bool_negation_error,
    bool_subtraction_error,
    opmath,
    subtracted,
)
from conformance.reference.ops.scalar_conversion import via_float
from conformance.reference.ops.selection import *  # noqa: F403
from conformance.reference.ops.unary_math import *  # noqa: F403


@pointwise(
    "AddBackward0",
    ufunc="add",
    self=lambda grad: grad,
    other=lambda grad, alpha: grad if alpha == 1 else grad * alpha,
)
def add(self, other, alpha=1):
    if alpha.__class__ is not int:
        _check_alpha(dtypes.from_numpy_dtype(_array_of(self, other).dtype), alpha)
    return _plus_scaled(self, other, alpha) if alpha != 1 else self + other


add.keyword_alpha = True


def _check_alpha(result, alpha):
    """ATen's alpha_check on the result dtype: a bool alpha for bool results only, a float
    alpha for floating ones only."""
    if isinstance(alpha, bool | np.bool_) and result is not dtypes.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and result.category < dtypes.FLOATING:
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )


def _plus_scaled(self, other, alpha):
    """self + alpha * other as PyTorch's CPU kernel computes it: alpha (and a number operand)
    in the tensor's dtype (a half one made from a double through float), then one fused
    multiply-add, so rounded once. In half precision that is the vector body's way (in
    float32); the scalar body (cpu_loops.py) rounds the product to the half dtype, then the
    sum."""
    like = self if hasattr(self, "dtype") else other
    dtype = like.dtype
    if dtype.kind != "f" and dtype not in HALF_ARRAYS:  # (ml_dtypes' bfloat16 is kind "V")
        return self + other * alpha
    xp = array_namespace(like)
    scale = via_float(xp.asarray(alpha), dtype)
    if dtype not in HALF_ARRAYS:
        return fused_multiply_add(other, scale, self, dtype)
    self, other = xp.asarray(self, dtype), xp.asarray(other, dtype)
    wide = np.dtype("float32")
    vector = fused_multiply_add(opmath(other), opmath(scale), opmath(self), wide).astype(dtype)
    scalar = scalar_elements(xp.broadcast_shapes(self.shape, other.shape), (self, other), 2)
    if scalar is None:
        return vector
    product = (opmath(scale) * opmath(other)).astype(dtype)
    return with_scalar_body(vector, (opmath(self) + opmath(product)).astype(dtype), scalar)


def _is_bool(value):
    kind = value.__class__
    if kind is bool:
        return True
    # A Python number has no _dtype; asking it for one would build an AttributeError.
    return kind is not float and kind is not int and getattr(value, "_dtype", None) is dtypes.bool


def no_bool_subtraction(self, other, alpha=1):
    """PyTorch refuses to subtract bools, before any promotion (b - 1 raises too)."""
    self_bool, other_bool = _is_bool(self), _is_bool(other)
    if self_bool or other_bool:
        raise bool_subtraction_error(both=self_bool and other_bool)


# The C++ names PyTorch's checked conversion of a scalar prints, for the dtypes it can overflow.
_CPP_TYPE_NAMES = {
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
}


_HALF_MAXIMA = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38}


def _check_exponent(self, exponent):
    """An integer tensor to a negative Python integer power: refused before promotion (so
    uint8 ** -1 is refused, not taken as uint8 ** 255). Then the exponent is converted to the
    tensor's dtype with PyTorch's overflow check: uint8 ** 300 and float16 ** 70000.0 raise
    (a float exponent of an integer tensor makes the result float, and is not checked)."""
    dtype = getattr(self, "_dtype", None)
    exponent = python_number(exponent)
    if dtype is None or exponent.__class__ not in (int, float):
        return
    if exponent.__class__ is int:
        if exponent < 0 and dtype.category <= dtypes.INTEGER:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if not -(2**63) <= exponent < 2**63:
            raise OverflowError("int too big to convert")
    name = _CPP_TYPE_NAMES.get(dtype.name)
    if name is None or exponent.__class__ is float and dtype.category < dtypes.FLOATING:
        return
    if dtype.category == dtypes.INTEGER:
        low, high = dtypes.bounds(dtype)
        fits = low <= exponent <= high
    else:
        largest = _HALF_MAXIMA[dtype.name]  # (abs here is the op torch.abs)
        fits = not math.isfinite(exponent) or -largest <= exponent <= largest
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


@pointwise(
    "SubBackward0",
    ufunc="subtract",
    check=no_bool_subtraction,
    self=lambda grad: grad,
    other=lambda grad, alpha: -grad if alpha == 1 else -grad * alpha,
)
def sub(self, other, alpha=1):
    if alpha.__class__ is not int:
        _check_alpha(dtypes.from_numpy_dtype(_array_of(self, other).dtype), alpha)
    return _plus_scaled(self, other, -alpha) if alpha != 1 else self - other


sub.keyword_alpha = True


@pointwise(
    "RsubBackward1",
    check=no_bool_subtraction,
    self=lambda grad, alpha: -grad if alpha == 1 else -grad * alpha,
)
def rsub_number(self, other, alpha=1):
    """number - tensor: PyTorch records it as RsubBackward1."""
    return _plus_scaled(other, self, -alpha) if alpha != 1 else other - self


def _reversed_subtraction(self, other, alpha=1):
    """rsub computes other - self: PyTorch's shape error names other as tensor a."""
    no_bool_subtraction(self, other, alpha)
    check_broadcastable([other, self])


@pointwise(
    "RsubBackward0",
    check=_reversed_subtraction,
    self=lambda grad, alpha: -grad if alpha == 1 else -grad * alpha,
    other=lambda grad: grad,
)
def rsub_tensor(self, other, alpha=1):
    return _plus_scaled(other, self, -alpha) if alpha != 1 else other - self


def rsub(input, other, alpha=1):  # noqa: A002
    """torch.rsub: other - alpha * input (RsubBackward0, or RsubBackward1 for a number other);
    a float alpha is refused when the result is an integer tensor."""
    if alpha.__class__ is not int:
        _check_alpha(dtypes.result_type(input, other), alpha)
    return (rsub_tensor if _is_tensor(other) else rsub_number)(input, other, alpha)


@pointwise(
    "MulBackward0",
    ufunc="multiply",
    numbers_in_float32=True,
    # F.mul, not `*`: a number operand is a wrapped tensor here, not a C++ Scalar (MulBackward0
    # in a create_graph backward, see scalar_overloads.py).
    self=lambda grad, other, F: F.mul(grad, other),
    other=lambda grad, self, F: F.mul(grad, self),
)
def mul(self, other):
    return self * other


# true_divide's, floor_divide's and multiply's two schemas (the Number one without out=)
_TENSOR_OR_NUMBER_OTHER = (
    "Tensor input, Tensor other, *, Tensor out = None",
    "Tensor input, Number other",
)
# div's three (a rounding mode refuses a non-tensor by them)
_DIV = (
    "Tensor input, Tensor other, *, Tensor out = None",
    "Tensor input, Tensor other, *, str rounding_mode, Tensor out = None",
    "Tensor input, Number other, *, str rounding_mode",
)


@pointwise(
    "DivBackward0",
    kind="float",
    ufunc="true_divide",
    numbers_in_float32=True,
    overloads=_TENSOR_OR_NUMBER_OTHER,
    self=lambda grad, other, F: F.true_divide(grad, other),  # as mul's: a wrapped number
    other=lambda grad, self, other: -grad * ((self / other) / other),  # PyTorch's order
)
def true_divide(self, other):
    return self / other


@pointwise(
    "DivBackward2",
    operands=("self", "other"),
    numbers_in_float32=True,
    self=lambda grad, F: F.zeros_like(grad),
    other=lambda grad, F: F.zeros_like(grad),
)
def rounding_divide(self, other, rounding_mode):
    """Division rounded toward zero ("trunc") or down ("floor"), in the operands' promoted
    dtype: integers stay integers, unlike true division. The result is piecewise constant, so
    its gradient is zero."""
    kernel = "div_trunc_cpu" if rounding_mode == "trunc" else "div_floor_cpu"
    like = _array_of(self, other)  # (self may be a number: torch.div(2, t, rounding_mode=...))
    _no_kernel(kernel, like, _NUMBERS)
    if rounding_mode == "floor":
        return _integer_quotient(self // other, other)
    xp = array_namespace(like)
    self = xp.asarray(self, like.dtype)
    if self.dtype.kind in "iu":
        _integer_quotient(self, other)
        floor = self // other
        # Floor and trunc differ by one where the division is inexact and the signs differ.
        return floor + ((floor < 0) & (floor * other != self)).astype(self.dtype)
    quotient = opmath(self) / (opmath(other) if hasattr(other, "dtype") else other)
    if self.dtype in HALF_ARRAYS and getattr(other, "size", 1) > 1:
        # Half precision over a divisor of more than one element: PyTorch's kernel divides
        # in the half dtype (rounding the quotient) before truncating; over a single value it
        # divides in float32.
        quotient = quotient.astype(self.dtype).astype("float32")
    return xp.trunc(quotient).astype(self.dtype, copy=False)


def div(input, other, *, rounding_mode=None, out=None):  # noqa: A002
    """torch.div: true division (DivBackward0) unless rounding_mode is "trunc" or "floor"."""
    _check_div_operands(input, other, rounding_mode, out)
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


def _check_div_operands(input, other, rounding_mode, out):  # noqa: A002
    """div's own refusal of an operand that is neither a tensor nor a number: by its one
    Tensor schema without keywords, by its three overloads with them."""
    if all(_is_tensor(v) or is_number(v) for v in (input, other)):
        return
    keywords = {"rounding_mode": rounding_mode, "out": out}
    if rounding_mode is None and out is None:
        need_tensor("div", "input", 1, input)
        need_tensor("div", "other", 2, other)
    raise invalid_arguments("div", _DIV, (input, other), keywords, dict.fromkeys(keywords))


def _integer_quotient(result, divisor):
    """Integer division by zero raises in PyTorch's CPU kernels (RuntimeError
    "ZeroDivisionError") where there is an element to divide; NumPy gives 0. Float division
    by zero gives inf or nan in both. The engine checks on every device; PyTorch's CUDA
    kernels may not (unverified here)."""
    if result.dtype.kind in "iu" and result.size:
        if isinstance(divisor, int | float):  # (CuPy's all() takes arrays only)
            zero = divisor == 0
        else:
            zero = not array_namespace(result).all(divisor)
        if zero:
            raise RuntimeError("ZeroDivisionError")
    return result


def _floor_division(name):
    """floor_divide's declaration; `name` is what its node's refusal of a backward names
    (floor_divide, or floor_divide_ for x.floor_divide_(y) and x //= y)."""
    return pointwise(
        "NotImplemented",
        operands=("self", "other"),
        numbers_in_float32=True,
        overloads=_TENSOR_OR_NUMBER_OTHER,
        self=no_derivative(name),
        other=no_derivative(name),
    )


@_floor_division("floor_divide")
def floor_divide(self, other):
    """Division rounded down. PyTorch records a node that refuses any backward through it."""
    _no_kernel("div_floor_cpu", _array_of(self, other), _NUMBERS)
    return _integer_quotient(self // other, other)


# x.floor_divide_(y) and x //= y: the same kernel, whose node names the in-place op.
floor_divide_in_place = _floor_division("floor_divide_")(floor_divide.forward)


def _remainder(self, other):
    array = _array_of(self, other)
    _no_kernel("remainder_cpu", array, _NUMBERS)
    if array.dtype.kind in "iu":
        return _integer_quotient(self % other, other)
    # ATen's floating kernel: fmod, moved onto the divisor's side when the signs differ. A zero
    # keeps fmod's sign (the dividend's), where NumPy's % gives it the divisor's.
    # Half precision is computed in float32 and rounded once, as PyTorch's kernel does.
    xp = array_namespace(array)
    a, b = (opmath(v) if hasattr(v, "dtype") else v for v in (self, other))
    mod = _floating_fmod(a, b, (self, other), array.dtype.itemsize)
    return xp.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod).astype(array.dtype)


def _fmod(self, other):
    _no_kernel("fmod_cpu", self, _NUMBERS)
    if self.dtype.kind in "iub":
        return _integer_quotient(array_namespace(self).fmod(self, other), other)
    b = opmath(other) if hasattr(other, "dtype") else other
    return _floating_fmod(opmath(self), b, (self, other), self.dtype.itemsize).astype(self.dtype)


def _floating_fmod(a, b, operands, itemsize):
    """C's fmod, exact, as PyTorch's scalar loop body computes it; its vector body (Sleef's
    fmod) gives nan where the quotient a / b overflows (3 over a float32 denormal, 1e308 over
    0.5), and cpu_loops.py says which elements take which body."""
    xp = array_namespace(a if hasattr(a, "dtype") else b)
    mod = xp.fmod(a, b)
    with np.errstate(all="ignore"):
        overflow = xp.isinf(a / b) & xp.isfinite(a) & (b != 0)
    if not overflow.any():
        return mod
    scalar = scalar_elements(overflow.shape, operands, itemsize)
    vector = overflow if scalar is None else overflow & ~scalar
    return xp.where(vector, math.nan, mod)


# remainder and fmod are sawtooths: slope 1 in self; in other, minus the rounded quotient.
_REMAINDER = {"label": "remainder", "overloads": number_self_overloads("other", out=False)}
remainder_tensor = pointwise(
    "RemainderBackward1",
    **_REMAINDER,
    self=lambda grad: grad,
    other=lambda grad, self, other, F: (
        -grad * F.rounding_divide(F.in_dtype_of(self, grad), other, "floor")
    ),
)(_remainder)
remainder_number = pointwise(
    "RemainderBackward0", operands=("self", "other"), self=lambda grad: grad, **_REMAINDER
)(_remainder)
remainder_of_number = pointwise(
    "NotImplemented",
    operands=("self", "other"),
    **_REMAINDER,
    number_first=True,
    other=no_derivative("remainder"),
)(_remainder)

fmod_tensor = pointwise(
    "FmodBackward1",
    self=lambda grad: grad,
    other=lambda grad, self, other, F: (
        -grad * F.rounding_divide(F.in_dtype_of(self, grad), other, "trunc")
    ),
)(_fmod)
fmod_number = pointwise("FmodBackward0", operands=("self", "other"), self=lambda grad: grad)(_fmod)


def remainder(input, other, *, out=None):  # noqa: A002
    """Python's %: the remainder takes the divisor's sign. A number divided by a tensor is
    recorded as PyTorch records it, under a node that refuses a backward."""
    if not _is_tensor(other):
        op = remainder_number
    elif not _is_tensor(input):
        op = remainder_of_number
    else:
        op = remainder_tensor
    return op(input, other) if out is None else op(input, other, out=out)


def fmod(input, other, *, out=None):  # noqa: A002
    """C's fmod: the remainder takes the dividend's sign."""
    if not _is_tensor(input):
        raise TypeError(
            f"fmod(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    op = fmod_tensor if _is_tensor(other) else fmod_number
    return op(input, other) if out is None else op(input, other, out=out)


# The in-place forms check the result dtype first (x %= 2.5 on integers is a cast error).
remainder.result_dtype = remainder_tensor.result_dtype
fmod.result_dtype = fmod_tensor.result_dtype


# pow's three overloads (its errors list them, under the one name)
_POW = {"label": "pow", "overloads": number_self_overloads("exponent", out=True)}


@pointwise(
    "PowBackward0",
    **_POW,
    check=_check_exponent,
    # (PyTorch's shortcut to zeros tests the number against 0.0, which a bool False fails: x **
    # False takes the general formula, so its gradient is 0 * x ** -1, nan at 0 and -0 below.)
    self=lambda grad, self, exponent, F: (
        grad * (exponent * F.pow_number(self, exponent - 1))
        if exponent != 0 or exponent is False
        else F.zeros_like(self)
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


@pointwise(
    "PowBackward1",
    **_POW,
    # At exponent 0 the derivative is 0, also where self ** -1 is infinite (self == 0).
    self=lambda grad, self, exponent, F: F.where(
        exponent == 0, 0, grad * exponent * self ** subtracted(exponent, 1)
    ),
    # 0 ** e is flat in e for e >= 0 (0, or 1 at e == 0), so the derivative is 0 there. The
    # log is taken in the result's dtype (a float32 base with a float64 exponent: in float64).
    exponent=lambda grad, self, exponent, result, F: (
        grad
        * F.where((exponent >= 0) & (self == 0), 0, result * F.log(F.in_dtype_of(self, result)))
    ),
)
def pow_tensor(self, exponent):
    if exponent.dtype.kind in "biu":
        return _integer_power(self, exponent)
    return self**exponent


@pointwise(
    "PowBackward2",
    **_POW,
    number_first=True,
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
        raise bool_negation_error()
    return -self


def square(input):
    """torch.square: input ** 2, recorded as PowBackward0 (as PyTorch implements it)."""
    return pow_number(input, 2)


def float_power(input, exponent):  # noqa: A002
    """pow in double precision (complex128 if either side is complex): the operands are first
    converted (ToCopyBackward0), then PowBackward0/1/2 as for pow."""
    complex_ = any(
        _is_tensor(v) and v._dtype.category == dtypes.COMPLEX or isinstance(v, complex)
        for v in (input, exponent)
    )
    wide = dtypes.complex128 if complex_ else dtypes.float64
    operands = (input, exponent)
    if not any(map(_is_tensor, operands)) or not all(
        _is_tensor(v) or is_number(v) for v in operands
    ):
        raise invalid_arguments("float_power", _POW["overloads"], (input, exponent))
    if not _is_tensor(input):
        return pow_base_number(_widened(input, complex_), exponent.to(wide))
    if not _is_tensor(exponent):
        return pow_number(input.to(wide), _widened(exponent, complex_))
    return pow_tensor(input.to(wide), exponent.to(wide))


def _widened(number, complex_: bool):
    """A number side of float_power as PyTorch passes it on to pow: a double (complex), so a
    bool exponent False is 0.0 and takes pow's shortcut to a zero gradient."""
    return complex(number) if complex_ else float(number)


def float_power_in_place(self, exponent):
    """x.float_power_(e): x must already be double (or complex128) to hold the result."""
    wide = float_power(self, exponent)
    if wide._dtype is not self._dtype:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {scalar_type_name(self._dtype)} but the "
            f"operation's result requires dtype {scalar_type_name(wide._dtype)}"
        )
    return wide


def _integer_value(value, array):
    """An integer computation takes the value as an integer (2.5 counts as 2)."""
    return int(value) if array.dtype.kind in "iu" else value


@pointwise(
    "AddcmulBackward0",
    operands=("self", "tensor1", "tensor2"),
    tensors_only=True,  # (only `value` may be a number)
    self=lambda grad: grad,
    tensor1=lambda grad, tensor2, value: grad * tensor2 * value,
    tensor2=lambda grad, tensor1, value: grad * tensor1 * value,
)
def addcmul(self, tensor1, tensor2, value=1):
    """self + value * tensor1 * tensor2, promoted as add promotes its three tensors."""
    _no_kernel("addcmul_cpu_out", self, _NUMBERS)
    value = _integer_value(value, self)
    if self.dtype in HALF_ARRAYS:  # computed in float32, value too, not fused, rounded once
        return (opmath(self) + np.float32(value) * opmath(tensor1) * opmath(tensor2)).astype(
            self.dtype
        )
    if self.dtype.kind != "f":
        return self + value * tensor1 * tensor2
    # value * tensor1, then one fused multiply-add by tensor2.
    scaled = array_namespace(self).asarray(value, self.dtype) * tensor1
    return fused_multiply_add(scaled, tensor2, self, self.dtype)


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


def _number_over(value, tensor):
    """value / tensor as ATen's formulas compute a number over a tensor: into a tensor like
    `tensor`, filled with value and divided in place. So an integer or bool tensor cannot
    hold the quotient, and PyTorch's backward raises its in-place cast error."""
    dtype = getattr(tensor, "_dtype", None) or dtypes.from_numpy_dtype(tensor.dtype)
    if dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            f"result type {scalar_type_name(dtypes.get_default_dtype())} can't be cast to the "
            f"desired output type {scalar_type_name(dtype)}"
        )
    return value / tensor


@pointwise(
    "AddcdivBackward0",
    operands=("self", "tensor1", "tensor2"),
    tensors_only=True,
    check=_no_integer_addcdiv,
    self=lambda grad: grad,
    tensor1=lambda grad, tensor2, value: grad * _number_over(value, tensor2),
    tensor2=lambda grad, tensor1, tensor2, value: -grad * (value * tensor1 / (tensor2 * tensor2)),
)
def addcdiv(self, tensor1, tensor2, value=1):
    """self + value * tensor1 / tensor2; integer tensor1 and tensor2 are refused."""
    return self + value * tensor1 / tensor2


@pointwise("ReciprocalBackward0", kind="float", self=lambda grad, result: -grad * (result * result))
def reciprocal(self):
    return 1 / self


# Names PyTorch documents as aliases: the same op, so the same node (SubBackward0, ...).
subtract = sub.renamed(
    "subtract",
    (
        "Tensor input, Tensor other, *, Number alpha = 1, Tensor out = None",
        "Tensor input, Number other, Number alpha = 1",
    ),
)
multiply = mul.renamed("multiply", _TENSOR_OR_NUMBER_OTHER)
negative = neg.renamed("negative")
