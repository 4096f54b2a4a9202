"""The error function erf and its complement erfc, computed in float64 by W. J. Cody's rational
approximations: NumPy has no erf, and this keeps the engine free of SciPy.
"""

from __future__ import annotations

import math

from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import pointwise

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


def _erfcx_large(y):
    """exp(y^2) erfc(y) for y > 0.46875: Cody's rational functions, without the factor
    exp(-y^2) (so special.log_ndtr can take the log of a tail that would underflow)."""
    xp = array_namespace(y)
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
    return xp.where(y <= 4, middle, tail)


def _erfc_large(y):
    """erfc(y) for y > 0.46875 (y = |x|), zero beyond 27 where it underflows."""
    xp = array_namespace(y)
    y = xp.minimum(y, 30.0)  # exp(-900) is 0; inf would give inf - inf below
    ratio = _erfcx_large(y)
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
    self=lambda grad, self, F: _TWO_OVER_SQRT_PI * F.exp(-(self**2)) * grad,
)
def erf(self):
    """Computed in float64 and rounded once to the input's dtype."""
    return _erf_float64(self).astype(self.dtype)


@pointwise(
    "ErfcBackward0",
    kind="float",
    self=lambda grad, self, F: -_TWO_OVER_SQRT_PI * F.exp(-(self**2)) * grad,
)
def erfc(self):
    """Computed in float64 and rounded once to the input's dtype."""
    return _erfc_float64(self).astype(self.dtype)
