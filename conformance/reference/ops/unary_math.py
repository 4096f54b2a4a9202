"""One-tensor math, each with its derivative: abs and sign, rounding, exp and log, roots,
trigonometric and hyperbolic functions (and their inverses), frac, degrees, nan_to_num, logit
and sinc.

Forwards see arrays already promoted to the computation dtype (see define.PointwiseOp).
"""

from __future__ import annotations

import math

from conformance.reference import dtypes, fp_errors, grad_mode, return_types
from conformance.reference.devices import array_namespace
from conformance.reference.ops.cpu_loops import scalar_elements, with_scalar_body
from conformance.reference.ops.define import formula_op, op, pointwise
from conformance.reference.ops.pointwise_common import _NUMBERS, _no_kernel, opmath
from conformance.reference.tensor import Tensor

_LN2, _LN10 = math.log(2), math.log(10)


@pointwise("AbsBackward0", self=lambda grad, self, F: grad * F.sgn(self))
def abs(self):  # noqa: A001
    _no_kernel("abs_cpu", self, _NUMBERS)
    return array_namespace(self).abs(self)


@pointwise("SignBackward0", self=lambda grad, F: F.zeros_like(grad))  # (not grad * 0: nan)
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
floor = pointwise("FloorBackward0", self=lambda grad, F: F.zeros_like(grad))(
    _rounding("floor_vml_cpu", "floor")
)


ceil = pointwise("CeilBackward0", self=lambda grad, F: F.zeros_like(grad))(
    _rounding("ceil_vml_cpu", "ceil")
)


# Halves round to even, as in PyTorch (and NumPy).
_round = pointwise("RoundBackward0", self=lambda grad, F: F.zeros_like(grad))(
    _rounding("round_vml_cpu", "round")
)


@pointwise("RoundBackward1", operands=("self",), self=lambda grad, F: F.zeros_like(grad))
def round_decimals(self, decimals):
    """round(x, decimals=d): PyTorch's kernel scales by 10**|d|, rounds half to even and
    scales back, in x's dtype (float32 for half precision): a float32 1e30 with d=10
    overflows to inf. Only floating types have the kernel, even for d=0 (whose error names
    the plain kernel)."""
    _no_kernel("round_vml_cpu" if decimals == 0 else "round_cpu", self, (dtypes.FLOATING,))
    xp, x = array_namespace(self), opmath(self)
    with fp_errors.quiet():
        ten = xp.asarray(10.0 ** (decimals if decimals > 0 else -decimals)).astype(x.dtype)
        scaled = xp.rint(x * ten) / ten if decimals > 0 else xp.rint(x / ten) * ten
        return scaled.astype(self.dtype, copy=False)


_NO_DECIMALS = object()


def round(input, *, decimals=_NO_DECIMALS):  # noqa: A001
    """torch.round: without decimals integers come back as they are (RoundBackward0); with
    decimals, even 0, it is another overload (RoundBackward1) with floating kernels only."""
    if decimals is _NO_DECIMALS:
        return _round(input)
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    return round_decimals(input, decimals)


trunc = pointwise("TruncBackward0", self=lambda grad, F: F.zeros_like(grad))(
    _rounding("trunc_vml_cpu", "trunc")
)
fix = trunc.renamed("fix")  # NumPy's name: the same op, so the same node


@op("FrexpBackward0", self=lambda grad, exponent, F: grad / F.exp2(exponent))
def frexp_mantissa(self, exponent):
    xp = array_namespace(self)
    return xp.frexp(opmath(self))[0].astype(self.dtype, copy=False)


def frexp(input):  # noqa: A002
    """(mantissa, exponent) with input = mantissa * 2**exponent, |mantissa| in [0.5, 1): the
    mantissa in input's dtype (subnormals normalized), the exponent int32 (0 for 0, inf and
    nan). Floating types only. The gradient divides by 2**exponent computed in the default
    dtype, as PyTorch's exponent.exp2() does."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"frexp(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    if not input.is_floating_point():
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    xp = array_namespace(input._data)
    exponent = xp.frexp(opmath(input._data))[1].astype(xp.int32)
    exponent = Tensor._wrap(exponent, dtypes.int32, input._device)
    return return_types.frexp((frexp_mantissa(input, exponent), exponent))


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


@pointwise("CosBackward0", kind="float", self=lambda grad, self, F: grad * -F.sin(self))
def cos(self):
    return array_namespace(self).cos(self)


@pointwise("SinhBackward0", kind="float", self=lambda grad, self, F: grad * F.cosh(self))
def sinh(self):
    return array_namespace(self).sinh(self)


@pointwise("CoshBackward0", kind="float", self=lambda grad, self, F: grad * F.sinh(self))
def cosh(self):
    return array_namespace(self).cosh(self)


@pointwise(
    "AsinBackward0", kind="float", self=lambda grad, self, F: grad * F.rsqrt(-self * self + 1)
)
def asin(self):
    return array_namespace(self).arcsin(self)


@pointwise(
    "AcosBackward0", kind="float", self=lambda grad, self, F: grad * -F.rsqrt(-self * self + 1)
)
def acos(self):
    return array_namespace(self).arccos(self)


@pointwise("AtanBackward0", kind="float", self=lambda grad, self: grad / (1 + self * self))
def atan(self):
    return array_namespace(self).arctan(self)


@pointwise("TanBackward0", kind="float", self=lambda grad, result: grad * (1 + result**2))
def tan(self):
    return array_namespace(self).tan(self)


@pointwise(
    "TanhBackward0", kind="float", self=lambda grad, result, F: F.tanh_backward(grad, result)
)
def tanh(self):
    return array_namespace(self).tanh(self)


@pointwise("AsinhBackward0", kind="float", self=lambda grad, self, F: grad * F.rsqrt(self**2 + 1))
def asinh(self):
    return array_namespace(self).arcsinh(opmath(self))


@pointwise(
    "AcoshBackward0", kind="float", self=lambda grad, self, F: grad * F.rsqrt(self * self - 1)
)
def acosh(self):
    return array_namespace(self).arccosh(opmath(self))


@pointwise("AtanhBackward0", kind="float", self=lambda grad, self: grad * 1 / (1 - self**2))
def atanh(self):
    return array_namespace(self).arctanh(opmath(self))


def _sgn_derivative(grad, self, result, F):
    """Zero for real numbers. PyTorch's formula, sgn_backward(self, grad, result), serves
    complex numbers too, so it saves self and the result: modifying either in place makes
    the backward raise, as it does here by reading both."""
    return F.zeros_like(grad)


@pointwise("SgnBackward0", self=_sgn_derivative)
def sgn(self):
    """sign for real numbers (and bools, unchanged); x / |x| for complex ones (0 at 0)."""
    if self.dtype.kind != "c":
        return sign.forward(self)
    xp = array_namespace(self)
    magnitude = xp.abs(self)
    return xp.where(magnitude == 0, 0, self / xp.where(magnitude == 0, 1, magnitude))


@pointwise("FracBackward0", self=lambda grad: grad)
def frac(self):
    """x - trunc(x), with x's sign; nan at the infinities. Floats only."""
    _no_kernel("frac_cpu", self, (dtypes.FLOATING, dtypes.COMPLEX))
    x = opmath(self)
    return x - array_namespace(x).trunc(x)


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


def _logit_derivative(grad, self, eps, F):
    """1 / (x (1 - x)); nan outside [0, 1] without eps, 0 outside [eps, 1 - eps] with it. As
    derivatives.yaml has it: logit_backward's kernel with grad mode off, the differentiable
    form (the kernel's vector body) with it on (create_graph)."""
    if not (F.records_graph and grad_mode.STATE.grad_enabled):
        return formula_op(F, logit_backward)(grad, self, eps)
    inner = grad / (self * (1 - self))
    if eps is None:
        return F.where((self >= 0) & (self <= 1), inner, math.nan)
    return F.where((self >= eps) & (self <= 1 - eps), inner, 0)


@op(None)
def logit_backward(grad_output, self, eps):
    """logit_backward's CPU kernel, in float32 for half precision and rounded once. It has two
    bodies (cpu_loops.py): the vector one gives 0 at a nan input with eps and grad / (-0 * 1)
    at -0.0 without; the scalar one passes the nan, and gives grad * inf at 0 and 1."""
    xp = array_namespace(self)
    g, x = opmath(grad_output), opmath(self)
    inner = g / (x * (1 - x))
    if eps is None:
        vector = xp.where((x >= 0) & (x <= 1), inner, math.nan)
    else:
        vector = xp.where((x >= eps) & (x <= 1 - eps), inner, 0)
    scalar_ones = scalar_elements(self.shape, (self,), grad_output.dtype.itemsize)
    if scalar_ones is not None:
        if eps is None:
            edge = (x == 0) | (x == 1)
            scalar = xp.where((x < 0) | (x > 1), math.nan, xp.where(edge, g * math.inf, inner))
        else:
            scalar = xp.where((x < eps) | (x > 1 - eps), 0, inner)
        vector = with_scalar_body(vector, scalar, scalar_ones)
    return vector.astype(grad_output.dtype, copy=False)


@pointwise("LogitBackward0", kind="float", operands=("self",), self=_logit_derivative)
def logit(self, eps=None):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given."""
    xp = array_namespace(self)
    x = opmath(self)
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps).astype(x.dtype, copy=False)
    return xp.log(x / (1 - x))


def _sinc_derivative(grad, self, F):
    """(cos(pi x) pi x - sin(pi x)) / (pi x^2), in sinc_backward's order: 0 where pi x^2 is 0
    (tiny x included, whose square underflows)."""
    self_pi = self * math.pi
    squared_pi = self * self * math.pi
    out = grad * ((self_pi * F.cos(self_pi) - F.sin(self_pi)) / squared_pi)
    return F.where(squared_pi == 0, 0, out)


@pointwise("SincBackward0", kind="float", self=_sinc_derivative)
def sinc(self):
    """sin(pi x) / (pi x), 1 at 0 (normalized, as NumPy's sinc)."""
    xp = array_namespace(self)
    x = opmath(self)
    product = x * xp.asarray(math.pi, dtype=x.dtype)
    return xp.where(x == 0, 1, xp.sin(product) / product)


# Names PyTorch documents as aliases: the same op, so the same node (AbsBackward0, ...).
absolute = abs.renamed("absolute")
# NumPy's names
arcsinh, arccosh, arctanh, arcsin, arccos, arctan = (
    op.renamed(f"arc{op.__name__[1:]}") for op in (asinh, acosh, atanh, asin, acos, atan)
)
