"""torch.special's entr, erfcx, xlog1py, zeta and round, with their derivatives.

None of these is in the torch.* namespace or a Tensor method: only torch.special has them.
What the special-function modules share (_float64, the dtype check) is in special_common.py.
"""

from __future__ import annotations

import math

from conformance.reference.devices import array_namespace
from conformance.reference.ops.argument_errors import number_self_overloads
from conformance.reference.ops.define import formula_op, pointwise
from conformance.reference.ops.error_function import _erf_small, _erfcx_large
from conformance.reference.ops.gamma_functions import _hurwitz_zeta
from conformance.reference.ops.pointwise_common import (
    _is_tensor,
    _no_kernel,
    half_rounded,
    opmath,
)
from conformance.reference.ops.special_common import _FLOATS, _float64, _input_or_x
from conformance.reference.ops.unary_math import round_decimals

__all__ = ["entr", "erfcx", "round", "xlog1py", "zeta"]

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


@pointwise(
    "SpecialEntrBackward0", kind="float", self=lambda grad, self, F: grad * -(1 + F.log(self))
)
def entr_op(self):
    """-x log x, 0 at 0 and -inf below 0 (so the derivative is inf at 0, nan below). Half
    precision rounds twice, as PyTorch's kernel: log x to the dtype, then the product."""
    xp = array_namespace(self)
    x = opmath(self)
    log = opmath(xp.log(xp.where(x > 0, x, 1)).astype(self.dtype))
    out = xp.where(x > 0, -x * log, xp.where(x == 0, 0, -math.inf))
    return xp.where(xp.isnan(x), x, out).astype(self.dtype)


def _erfcx_float64(x, square=None):
    """exp(x^2) erfc(x): Cody's rational functions beyond 0.46875 (error_function.py), the
    product near 0 (where both factors are near 1), and erfcx(x) = 2 exp(x^2) - erfcx(-x)
    below -0.46875, which overflows to inf before -26.7. (PyTorch uses the Faddeeva
    package's erfcx_y100 tables; the two agree to a few float64 ulp.) `square`, where given,
    is x^2 as the caller's dtype rounds it: PyTorch's float32 kernel takes exp of a float32
    x*x, which is 1e-5 off at x = -9."""
    xp = array_namespace(x)
    x = _float64(x)
    y = xp.abs(x)
    small = y <= 0.46875
    near = xp.exp(x * x) * (1 - _erf_small(xp.where(small, x, 0)))
    tail = _erfcx_large(xp.where(small, 1.0, y))
    r = xp.floor(xp.minimum(y, 27.0) * 16) / 16  # exp(x^2) without x^2's rounding error
    if square is None:
        twice_growth = 2 * xp.exp(r * r) * xp.exp((y - r) * (y + r))
    else:
        twice_growth = 2 * xp.exp(_float64(square))
    far = xp.where(x < 0, twice_growth - tail, tail)
    out = xp.where(small, near, far)
    return xp.where(x < -26.7, math.inf, out)


@pointwise(
    "SpecialErfcxBackward0",
    kind="float",
    self=lambda grad, self, result: (2.0 * self * result - _TWO_OVER_SQRT_PI) * grad,
)
def erfcx_op(self):
    """The scaled complementary error function exp(x^2) erfc(x): 1 at 0, 1/(x sqrt(pi))
    for large x, inf below -26.7. float32 and float64 only (no half-precision kernel)."""
    _no_kernel("erfcx_cpu", self, _FLOATS)
    if self.dtype.itemsize < 4:  # (no float16 or bfloat16 kernel)
        _no_kernel("erfcx_cpu", self, ())
    with _quiet():
        square = self * self if self.dtype.itemsize == 4 else None
        return _erfcx_float64(self, square).astype(self.dtype)


entr = _input_or_x(entr_op)
erfcx = _input_or_x(erfcx_op)


def _xlog1py(x, y):
    """x * log1p(y), 0 where x is 0 (even where log1p(y) is -inf) and nan where y is."""
    xp = array_namespace(x if hasattr(x, "dtype") else y)
    like = x if hasattr(x, "dtype") else y
    x = xp.asarray(x, dtype=opmath(like).dtype) if not hasattr(x, "dtype") else opmath(x)
    y = xp.asarray(y, dtype=x.dtype) if not hasattr(y, "dtype") else opmath(y)
    with _quiet():
        log1p_y = half_rounded(xp.log1p(y), like.dtype)
        out = xp.where(xp.isnan(y), math.nan, xp.where(x == 0, 0, x * log1p_y))
    return out.astype(like.dtype)


def _quiet():
    from conformance.reference import fp_errors

    return fp_errors.quiet()


def _xlog1py_self_derivative(grad, self, other, F):
    """xlog1py(grad, other), but 0 where self is 0 and other is not above -1 (PyTorch takes
    the derivative along self = 0 there)."""
    slope = formula_op(F, xlog1py_tensor)(grad, F.in_dtype_of(other, grad))
    return F.masked_fill(slope, (self == 0) & (other <= -1), 0)


def _xlog1py_number_other_derivative(grad, self, other, F):
    """As above, with a number other: where it is not above -1 (or nan), 0 wherever self
    is 0."""
    slope = formula_op(F, xlog1py_number_other)(grad, other)
    return slope if other > -1 else F.masked_fill(slope, self == 0, 0)


# Each function's three overloads, which its errors list under torch.special's ATen name.
_XLOG1PY = {"label": "special_xlog1py", "overloads": number_self_overloads("other", out=True)}
_ZETA = {"label": "special_zeta", "overloads": number_self_overloads("other", out=True)}


@pointwise(
    "SpecialXlog1PyBackward0",
    **_XLOG1PY,
    kind="float",
    self=_xlog1py_self_derivative,
    other=lambda grad, self, other: grad * self / (other + 1),
)
def xlog1py_tensor(self, other):
    return _xlog1py(self, other)


@pointwise(
    "SpecialXlog1PyBackward1",
    **_XLOG1PY,
    kind="float",
    operands=("self", "other"),
    number_first=True,
    other=lambda grad, self, other: grad * self / (other + 1),
)
def xlog1py_number_self(self, other):
    return _xlog1py(self, other)


@pointwise(
    "SpecialXlog1PyBackward2",
    **_XLOG1PY,
    kind="float",
    operands=("self", "other"),
    self=_xlog1py_number_other_derivative,
)
def xlog1py_number_other(self, other):
    return _xlog1py(self, other)


def xlog1py(input, other):  # noqa: A002
    """input * log1p(other), 0 where input is 0: the node says which side was a number
    (SpecialXlog1PyBackward1 for a number input, ...2 for a number other)."""
    if not _is_tensor(input):
        return xlog1py_number_self(input, other)
    if not _is_tensor(other):
        return xlog1py_number_other(input, other)
    return xlog1py_tensor(input, other)


def _zeta_float64(x, q):
    """The Hurwitz zeta function sum over k >= 0 of (k + q)^-x, ATen's (Cephes') zeta in
    float64 (PyTorch's CPU accumulation type for float32 too): inf at x = 1 and at the poles
    q = 0, -1, -2, ...; nan for x < 1 and for a non-integer x with q < 0."""
    xp = array_namespace(x if hasattr(x, "dtype") else q)
    x, q = (xp.asarray(_float64(xp.asarray(v))) for v in (x, q))
    x, q = xp.broadcast_arrays(x, q)
    domain = (x < 1) | ((q <= 0) & (q != xp.floor(q)) & (x != xp.floor(x)))
    with _quiet():
        total = _hurwitz_zeta(xp.where(domain | (x == 1), 2.0, x), q)
    total = xp.where(domain, math.nan, total)
    return xp.where(x == 1, math.inf, total)


def _zeta_forward(self, other):
    """(In a derivative formula the two arrays may differ in dtype: the wider one wins.)"""
    arrays = [v for v in (self, other) if hasattr(v, "dtype")]
    like = max(arrays, key=lambda v: v.dtype.itemsize)
    _no_kernel("zeta_cpu", like, _FLOATS)
    if like.dtype.itemsize < 4:
        _no_kernel("zeta_cpu", like, ())
    return _zeta_float64(self, other).astype(like.dtype)


def _zeta_x_derivative(grad):
    raise NotImplementedError("the derivative for 'zeta' is not implemented.")


def _zeta_q_derivative(grad, self, other, F):
    """d/dq zeta(x, q) = -x zeta(x + 1, q)."""
    return grad * -self * formula_op(F, zeta_tensor)(self + 1.0, other)


@pointwise(
    "SpecialZetaBackward0",
    kind="float",
    self=_zeta_x_derivative,
    other=_zeta_q_derivative,
    **_ZETA,
)
def zeta_tensor(self, other):
    return _zeta_forward(self, other)


@pointwise(
    "SpecialZetaBackward1",
    **_ZETA,
    kind="float",
    operands=("self", "other"),
    number_first=True,
    other=lambda grad, self, other, F: (
        grad * -self * formula_op(F, zeta_number_self)(self + 1.0, other)
    ),
)
def zeta_number_self(self, other):
    return _zeta_forward(self, other)


@pointwise(
    "SpecialZetaBackward2",
    kind="float",
    operands=("self", "other"),
    self=_zeta_x_derivative,
    **_ZETA,
)
def zeta_number_other(self, other):
    return _zeta_forward(self, other)


def zeta(input, other):  # noqa: A002
    """The Hurwitz zeta function zeta(x = input, q = other). Differentiable in q only (the
    derivative in x raises NotImplementedError, as PyTorch's). float32 and float64 only;
    integer inputs give the default float dtype."""
    if not _is_tensor(input):
        return zeta_number_self(input, other)
    if not _is_tensor(other):
        return zeta_number_other(input, other)
    return zeta_tensor(input, other)


def round(input, *, decimals=0):  # noqa: A001, A002
    """torch.special.round: torch.round's decimals overload whatever `decimals` is, so
    RoundBackward1 even for 0 and floating types only ("round_vml_cpu" not implemented for
    'Long'), where torch.round(x) records RoundBackward0 and passes integers through."""
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(
            f"special_round(): argument 'decimals' must be int, not {type(decimals).__name__}"
        )
    return round_decimals(input, decimals)
