"""The gamma family: lgamma, digamma, polygamma (trigamma is its n = 1) and mvlgamma, with
PyTorch's values at the edges (0, the poles at the negative integers, inf, nan) and their
derivatives.

lgamma is fdlibm's, as accurate as the C library's that PyTorch calls; digamma, trigamma and
the Hurwitz zeta behind polygamma are Cephes', as ATen's kernels. What the special-function
modules share (_float64, _horner, the dtype check) is in special_common.py.
"""

from __future__ import annotations

import math
import struct

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import pointwise
from conformance.reference.ops.pointwise_common import (
    _no_kernel,
    opmath,
    refuse_bool_subtraction,
)
from conformance.reference.ops.special_common import _FLOATS, _float64, _horner, _tensor_type

__all__ = ["digamma", "igamma", "igammac", "lgamma", "mvlgamma", "polygamma"]


def _high_word(word: int) -> float:
    """The float64 whose upper 32 bits are `word` (fdlibm states its intervals so)."""
    return struct.unpack(">d", struct.pack(">II", word, 0))[0]


# ---------------------------------------------------------------------------------------------
# lgamma: PyTorch calls the C library's lgamma; this is fdlibm's __ieee754_lgamma_r (Sun
# Microsystems, 1993; glibc's too), vectorized: every interval is computed and the right one
# picked per element.

# fmt: off
_LG_A = (7.72156649015328655494e-02, 3.22467033424113591611e-01, 6.73523010531292681824e-02,
         2.05808084325167332806e-02, 7.38555086081402883957e-03, 2.89051383673415629091e-03,
         1.19270763183362067845e-03, 5.10069792153511336608e-04, 2.20862790713908385557e-04,
         1.08011567247583939954e-04, 2.52144565451257326939e-05, 4.48640949618915160150e-05)
_LG_TC, _LG_TF = 1.46163214496836224576e00, -1.21486290535849611461e-01
_LG_TT = -3.63867699703950536541e-18  # -(the tail of tf)
_LG_T = (4.83836122723810047042e-01, -1.47587722994593911752e-01, 6.46249402391333854778e-02,
         -3.27885410759859649565e-02, 1.79706750811820387126e-02, -1.03142241298341437450e-02,
         6.10053870246291332635e-03, -3.68452016781138256760e-03, 2.25964780900612472250e-03,
         -1.40346469989232843813e-03, 8.81081882437654011382e-04, -5.38595305356740546715e-04,
         3.15632070903625950361e-04, -3.12754168375120860518e-04, 3.35529192635519073543e-04)
_LG_U = (-7.72156649015328655494e-02, 6.32827064025093366517e-01, 1.45492250137234768737e00,
         9.77717527963372745603e-01, 2.28963728064692451092e-01, 1.33810918536787660377e-02)
_LG_V = (1.0, 2.45597793713041134822e00, 2.12848976379893395361e00, 7.69285150456672783825e-01,
         1.04222645593369134254e-01, 3.21709242282423911810e-03)
_LG_S = (-7.72156649015328655494e-02, 2.14982415960608852501e-01, 3.25778796408930981787e-01,
         1.46350472652464452805e-01, 2.66422703033638609560e-02, 1.84028451407337715652e-03,
         3.19475326584100867617e-05)
_LG_R = (1.0, 1.39200533467621045958e00, 7.21935547567138069525e-01, 1.71933865632803078993e-01,
         1.86459191715652901344e-02, 7.77942496381893596434e-04, 7.32668430744625636189e-06)
_LG_W = (4.18938533204672725052e-01, 8.33333333333329678849e-02, -2.77777777728775536470e-03,
         7.93650558643019558500e-04, -5.95187557450339963135e-04, 8.36339918996282139126e-04,
         -1.63092934096575273989e-03)
# fmt: on


def _ascending(x, coefficients):
    """c[0] + c[1] x + ... + c[n] x^n, nested as fdlibm writes it."""
    result = coefficients[-1] + 0 * x
    for c in reversed(coefficients[:-1]):
        result = c + x * result
    return result


def _sin_pi(x):
    """sin(pi x) for negative x, reduced mod 2 first so that pi x loses nothing; exactly 0
    at the integers (fdlibm's sin_pi)."""
    xp = array_namespace(x)
    y = -x
    small = y < 0.25
    half = y * 0.5
    y = 2.0 * (half - xp.floor(half))  # |x| mod 2
    n = xp.floor(y * 4.0)
    pi = math.pi
    value = xp.where(
        n == 0,
        xp.sin(pi * y),
        xp.where(
            n <= 2,
            xp.cos(pi * (0.5 - y)),
            xp.where(
                n <= 4,
                xp.sin(pi * (1.0 - y)),
                xp.where(n <= 6, -xp.cos(pi * (y - 1.5)), xp.sin(pi * (y - 2.0))),
            ),
        ),
    )
    value = xp.where(x == xp.floor(x), 0.0, value)
    return xp.where(small, xp.sin(pi * x), -value)


def _lgamma_positive(y):
    """lgamma for y > 0 (fdlibm's intervals: around 1 and 2 by three expansions each,
    recurrence to [2, 3) below 8, Stirling's series beyond)."""
    xp = array_namespace(y)
    below_09 = y < _high_word(0x3FECCCCD)
    r0 = xp.where(below_09, -xp.log(y), 0.0)
    case0 = xp.where(below_09, y >= _high_word(0x3FE76944), y >= _high_word(0x3FFBB4C3))
    case1 = ~case0 & xp.where(below_09, y >= _high_word(0x3FCDA661), y >= _high_word(0x3FF3B4C4))
    yy = xp.where(
        below_09,
        xp.where(case0, 1.0 - y, xp.where(case1, y - (_LG_TC - 1.0), y)),
        xp.where(case0, 2.0 - y, xp.where(case1, y - _LG_TC, y - 1.0)),
    )
    a, t = _LG_A, _LG_T
    z = yy * yy
    p = yy * _ascending(z, a[0::2]) + z * _ascending(z, a[1::2])
    first = p - 0.5 * yy
    w = z * yy
    p1, p2, p3 = (_ascending(w, t[i::3]) for i in range(3))
    second = _LG_TF + (z * p1 - (_LG_TT - w * (p2 + yy * p3)))
    third = -0.5 * yy + yy * _ascending(yy, _LG_U) / _ascending(yy, _LG_V)
    below_2 = r0 + xp.where(case0, first, xp.where(case1, second, third))

    whole = xp.floor(y)
    frac = y - whole
    r = 0.5 * frac + frac * _ascending(frac, _LG_S) / _ascending(frac, _LG_R)
    product = xp.ones_like(y)
    for k in (7, 6, 5, 4, 3):
        product = xp.where(whole >= k, product * (frac + (k - 1)), product)
    below_8 = xp.where(whole >= 3, r + xp.log(product), r)

    inverse = 1.0 / y
    w = _LG_W[0] + inverse * _ascending(inverse * inverse, _LG_W[1:])
    stirling = (y - 0.5) * (xp.log(y) - 1.0) + w
    huge = y * (xp.log(y) - 1.0)
    return xp.where(
        (y == 1) | (y == 2),
        0.0,
        xp.where(y < 2, below_2, xp.where(y < 8, below_8, xp.where(y < 2.0**58, stirling, huge))),
    )


def _lgamma_float64(x):
    xp = array_namespace(x)
    x = _float64(x)
    ax = xp.abs(x)
    positive = _lgamma_positive(xp.where((ax > 0) & xp.isfinite(ax), ax, 1.0))
    t = _sin_pi(xp.where(x < 0, x, -0.5))
    # Reflection: Gamma(x) Gamma(-x) = -pi / (x sin(pi x)).
    reflected = xp.log(math.pi / xp.abs(t * x)) - positive
    out = xp.where(x < 0, reflected, positive)
    out = xp.where(ax < 2.0**-70, -xp.log(ax), out)  # (and +inf at 0)
    out = xp.where((x < 0) & ((ax >= 2.0**52) | (t == 0)), math.inf, out)  # the poles
    return xp.where(xp.isfinite(x), out, x * x)  # inf at both infinities, nan at nan


@pointwise("LgammaBackward0", kind="float", self=lambda grad, self, F: grad * F.digamma(self))
def lgamma(self):
    """log|Gamma(x)|: +inf at 0 and the negative integers (the poles), and at -inf."""
    _no_kernel("lgamma_vml_cpu", self, _FLOATS)
    return _lgamma_float64(self).astype(self.dtype)


# ---------------------------------------------------------------------------------------------
# digamma and trigamma, as ATen's calc_digamma and trigamma (Cephes' psi).

_PSI_10 = 2.25175258906672110764
# fmt: off
_PSI_ASYMPTOTIC = (8.33333333333333333333e-2, -2.10927960927960927961e-2,
                   7.57575757575757575758e-3, -4.16666666666666666667e-3,
                   3.96825396825396825397e-3, -8.33333333333333333333e-3,
                   8.33333333333333333333e-2)
# fmt: on


def _digamma(x):
    """psi(x) in x's precision (float32 or float64, as PyTorch's two kernels): the recurrence
    psi(x) = psi(x + 1) - 1/x up to 10, then its asymptotic series; psi(1 - x) - pi / tan(pi r)
    below 0, r the fractional part (so pi r is exact enough), that term in float64 for both.
    -inf at +0, +inf at -0, nan at the negative integers and -inf."""
    xp = array_namespace(x)
    negative = x < 0
    y = xp.where(negative, 1 - x, x)
    result = xp.zeros_like(y)
    for _ in range(10):
        low = y < 10
        result = xp.where(low, result - 1 / xp.where(low, y, 1.0), result)
        y = xp.where(low, y + 1, y)
    z = 1 / (y * y)
    series = xp.where(y < 1.0e17, z * _horner(z, _PSI_ASYMPTOTIC), 0.0)
    out = xp.where(y == 10, result + _PSI_10, result + xp.log(y) - 0.5 / y - series)
    wide = _float64(x)
    r = wide - xp.trunc(xp.where(xp.isfinite(wide), wide, 0.0))
    out = xp.where(negative, out - (math.pi / xp.tan(math.pi * r)).astype(x.dtype), out)
    out = xp.where(negative & (x == xp.trunc(x)), math.nan, out)
    return xp.where(x == 0, xp.copysign(math.inf, -x), out).astype(x.dtype)


def _trigamma(x):
    """psi'(x) in x's precision: reflected below 1/2 (so finite, huge, at the negative
    integers, as PyTorch), six steps of the recurrence, then the asymptotic series."""
    xp = array_namespace(x)
    low = x < 0.5
    pi = xp.asarray(math.pi, dtype=x.dtype)
    sin_pi_x = xp.sin(pi * x)
    result = xp.where(low, -(pi * pi) / (sin_pi_x * sin_pi_x), 0.0).astype(x.dtype)
    y = xp.where(low, 1 - x, x)
    for _ in range(6):
        result = result + 1 / (y * y)
        y = y + 1
    ixx = 1 / (y * y)
    result = result + (1 + 1 / (2 * y) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / y
    return xp.where(low, -result, result).astype(x.dtype)


_MACHEP = 1.11022302462515654042e-16
# fmt: off
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)
# fmt: on


def _hurwitz_zeta(s: float, q):
    """zeta(s, q) = sum over k >= 0 of (k + q)^-s for s > 1 (an integer here), as ATen's zeta
    (Cephes): the sum term by term until a term is negligible, else Euler-Maclaurin from
    past 9. inf at q = 0 and the negative integers."""
    xp = array_namespace(q)
    total = q**-s
    a = q
    b = xp.zeros_like(q)
    pole = (q <= 0) & (q == xp.floor(q))
    running = ~pole
    finished = xp.zeros_like(running)
    i = 0
    while bool(running.any()):
        i += 1
        a = xp.where(running, a + 1, a)
        b = xp.where(running, a**-s, b)
        total = xp.where(running, total + b, total)
        small = (-_MACHEP * total < b) & (b < _MACHEP * total)
        finished = finished | (running & small)
        running = running & ~small & ((i < 9) | (a <= 9))
    tail = ~pole & ~finished
    w = a
    total = xp.where(tail, total + b * w / (s - 1), total)
    total = xp.where(tail, total - 0.5 * b, total)
    factor, k = 1.0, 0.0
    for coefficient in _ZETA_A:
        factor *= s + k
        b = b / w
        t = factor * b / coefficient
        total = xp.where(tail, total + t, total)
        tail = tail & ~(xp.abs(t / total) < _MACHEP)
        k += 1
        factor *= s + k
        b = b / w
        k += 1
    return xp.where(pole, math.inf, total)


def _polygamma_float64(n: int, x):
    xp = array_namespace(x)
    x = _float64(x)
    factorial = float(xp.exp(_lgamma_float64(xp.asarray(n + 1.0))))  # as ATen: exp(lgamma)
    return (1.0 if n % 2 else -1.0) * factorial * _hurwitz_zeta(float(n + 1), x)


@pointwise("DigammaBackward0", kind="float", self=lambda grad, self, F: grad * F.polygamma(1, self))
def digamma(self):
    """psi = Gamma'/Gamma. Signed infinities at the signed zeros, nan at the negative
    integers (the C++ standard's and SciPy's convention, PyTorch's too)."""
    _no_kernel("digamma", self, _FLOATS)
    return _digamma(opmath(self)).astype(self.dtype)


def _polygamma_check(n, self):
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(
            f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}"
        )
    if not isinstance(self, _tensor_type()):
        raise TypeError(
            f"polygamma(): argument 'input' (position 2) must be Tensor, not {type(self).__name__}"
        )
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")


@pointwise(
    "PolygammaBackward0",
    kind="float",
    operands=("self",),
    check=_polygamma_check,
    self=lambda grad, n, self, F: grad * F.polygamma(n + 1, self),
)
def polygamma(n, self):
    """The n-th derivative of digamma. n = 1 is reflected below 1/2 as PyTorch's trigamma
    is, so it is large and finite (not inf) at the negative integers; n >= 2 is
    (-1)^(n+1) n! zeta(n + 1, x), inf (signed) at the poles."""
    _no_kernel(("digamma", "trigamma")[n] if n < 2 else "polygamma", self, _FLOATS)
    if n == 0:
        return _digamma(opmath(self)).astype(self.dtype)
    if n == 1:
        return _trigamma(opmath(self)).astype(self.dtype)
    return _polygamma_float64(n, self).astype(self.dtype)


def _mvlgamma_check(self, p):
    if self.dtype is dtypes.bool:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if self.dtype.category == dtypes.COMPLEX:  # its offsets come from arange, in self's dtype
        name = dtypes.scalar_type_name(self.dtype)
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{name}'")


def _mvlgamma_derivative(grad, self, p, F):
    """d/dx sum_j lgamma(x - j/2) = sum_j digamma(x - j/2), over PyTorch's offsets
    arange(-(p - 1)/2, 1/2, 1/2) on a new last dimension, as its mvlgamma_backward."""
    if F.records_graph:
        offsets = F.arange(-p * 0.5 + 0.5, 0.5, 0.5, dtype=self.dtype, device=self.device)
    else:
        offsets = array_namespace(self).arange(-p * 0.5 + 0.5, 0.5, 0.5, dtype=self.dtype)
    return grad * F.digamma(F.unsqueeze(self, -1) + offsets).sum(-1)


@pointwise(
    "MvlgammaBackward0",
    kind="float",
    operands=("self",),
    check=_mvlgamma_check,
    self=_mvlgamma_derivative,
)
def mvlgamma(self, p):
    """The multivariate log-gamma: p(p-1)/4 log(pi) + sum over j < p of lgamma(x - j/2). inf
    where any term meets a pole (PyTorch no longer checks x > (p-1)/2)."""
    x = _float64(self)
    total = _lgamma_float64(x + (-(p - 1) / 2))
    for j in range(p - 2, -1, -1):
        total = total + _lgamma_float64(x + (-j / 2))
    return total + p * (p - 1) * math.log(math.pi) * 0.25


def _polygamma_method(self, n):
    return polygamma(n, self)


_polygamma_method.__name__ = "polygamma"


def _mvlgamma_in_place(self, p):
    out = mvlgamma(self, p)
    if out.dtype is not self.dtype:
        raise RuntimeError(
            f"mvlgamma: result type {dtypes.scalar_type_name(self.dtype)} can't be cast to the "
            f"desired output type {dtypes.scalar_type_name(out.dtype)}"
        )
    return out


_mvlgamma_in_place.__name__ = "mvlgamma"


# ---------------------------------------------------------------------------------------------
# igamma and igammac: the regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P,
# by Cephes' series and continued fraction as ATen's calc_igamma and calc_igammac choose them.

_EPSILON = 1.11022302462515654042e-16  # Cephes' MACHEP
_BIG, _BIG_INVERSE = 4.503599627370496e15, 2.22044604925031308085e-16
_MAX_ITERATIONS = 2000


def _prefactor(a, x):
    """x**a e**-x / Gamma(a), through logarithms."""
    xp = array_namespace(a)
    return xp.exp(a * xp.log(x) - x - _lgamma_float64(a))


def _lower_series(a, x):
    """P(a, x) = x**a e**-x / Gamma(a + 1) * sum of x**n / ((a + 1) ... (a + n))."""
    xp = array_namespace(a)
    total, term, r = xp.ones_like(a), xp.ones_like(a), a.copy()
    going = xp.ones(a.shape, bool)
    for _ in range(_MAX_ITERATIONS):
        r = r + 1
        term = xp.where(going, term * x / r, term)
        total = xp.where(going, total + term, total)
        going = going & (term > _EPSILON * total)
        if not bool(going.any()):
            break
    return total * _prefactor(a, x) / a


def _upper_series(a, x):
    """Q(a, x) for small x: 1 - x**a / Gamma(a + 1) * (1 - a * sum (-x)**n / (n! (a + n)))."""
    xp = array_namespace(a)
    factor, total = xp.ones_like(a), xp.zeros_like(a)
    going = xp.ones(a.shape, bool)
    for n in range(1, _MAX_ITERATIONS):
        factor = factor * -x / n
        term = factor / (a + n)
        total = xp.where(going, total + term, total)
        going = going & (xp.abs(term) > _EPSILON * xp.abs(total))
        if not bool(going.any()):
            break
    log_x = xp.log(x)
    first = -xp.expm1(a * log_x - _lgamma_float64(a + 1))
    return first - xp.exp(a * log_x - _lgamma_float64(a)) * total


def _upper_fraction(a, x):
    """Q(a, x) for x > 1.1 beyond a: Cephes' continued fraction, rescaled when it grows."""
    xp = array_namespace(a)
    y, z, c = 1 - a, x + 2 - a, xp.zeros_like(a)
    p2, q2, p1, q1 = xp.ones_like(a), x.copy(), x + 1, (x + 2 - a) * x
    answer = p1 / q1
    going = xp.ones(a.shape, bool)
    for _ in range(_MAX_ITERATIONS):
        c, y, z = c + 1, y + 1, z + 2
        p = p1 * z - p2 * y * c
        q = q1 * z - q2 * y * c
        ratio = p / xp.where(q != 0, q, 1)
        change = xp.where(q != 0, xp.abs((answer - ratio) / ratio), 1.0)
        answer = xp.where(going & (q != 0), ratio, answer)
        p2, p1, q2, q1 = p1, p, q1, q
        scale = xp.where(xp.abs(p) > _BIG, _BIG_INVERSE, 1.0)
        p2, p1, q2, q1 = p2 * scale, p1 * scale, q2 * scale, q1 * scale
        going = going & (change > _EPSILON)
        if not bool(going.any()):
            break
    return answer * _prefactor(a, x)


def _on(where, f, a, x):
    """f of the elements where `where` holds (the others left at 0), so each series runs only
    where it converges."""
    xp = array_namespace(a)
    out = xp.zeros_like(a)
    if bool(where.any()):
        out[where] = f(a[where], x[where])
    return out


def _upper(a, x):
    """calc_igammac's choice for a, x > 0 finite (its a ~ x asymptotic series aside)."""
    xp = array_namespace(a)
    with_log = xp.where(x <= 0.5, -0.4 / xp.log(xp.where(x < 1, x, 0.5)), 0)
    from_lower = xp.where(x > 1.1, x < a, xp.where(x <= 0.5, with_log < a, x * 1.1 < a))
    fraction = (x > 1.1) & ~from_lower
    series = ~from_lower & ~fraction
    return (
        xp.where(from_lower, 1 - _on(from_lower, _lower_series, a, x), 0)
        + _on(fraction, _upper_fraction, a, x)
        + _on(series, _upper_series, a, x)
    )


def _lower(a, x):
    """calc_igamma's choice: 1 - Q past x > max(1, a), the series before."""
    xp = array_namespace(a)
    complement = (x > 1) & (x > a)
    return xp.where(complement, 1 - _on(complement, _upper, a, x), 0) + _on(
        ~complement, _lower_series, a, x
    )


def _incomplete_gamma(a, x, upper):
    xp = array_namespace(a)
    a, x = xp.broadcast_arrays(_float64(a), _float64(x))
    regular = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    safe_a, safe_x = xp.where(regular, a, 1.0), xp.where(regular, x, 1.0)
    value = _on(regular, _upper if upper else _lower, safe_a, safe_x)
    full, empty = (0.0, 1.0) if upper else (1.0, 0.0)  # P and Q at x = inf, and at x = 0
    # The edges in calc_igamma's order (later lines take precedence): nan for a negative a or
    # x, a = 0 is a step at x = 0, an infinite a gives P = 0 (nan with x infinite too). A nan
    # a or x meets them first, so igamma(nan, 0) is 0 and igamma(nan, inf) is 1.
    value = xp.where(xp.isnan(a) | xp.isnan(x), math.nan, value)
    value = xp.where(xp.isinf(x), full, value)
    value = xp.where(xp.isinf(a), xp.where(xp.isinf(x), math.nan, empty), value)
    value = xp.where(x == 0, empty, value)
    value = xp.where(a == 0, xp.where(x > 0, full, math.nan), value)
    value = xp.where((x < 0) | (a < 0), math.nan, value)
    return value


def _igamma_input_derivative(grad):
    raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")


def _igammac_input_derivative(grad):
    raise NotImplementedError("the derivative for 'igammac: input' is not implemented.")


def _density(self, other, F):
    """d P(a, x) / dx = x**(a - 1) e**-x / Gamma(a). An integer a (igamma(int8, float))
    goes into lgamma as a float, as PyTorch's lgamma takes integers; a bool a meets PyTorch's
    refusal of a - 1. (self is an array or a Tensor: its dtype's name says which kind.)"""
    refuse_bool_subtraction(self)
    if "float" not in str(self.dtype):
        self = F.in_dtype_of(self, other)
    return F.exp((self - 1) * F.log(other) - other - F.lgamma(self))


@pointwise(
    "IgammaBackward0",
    tensors_only=True,
    self=_igamma_input_derivative,
    other=lambda grad, self, other, F: grad * _density(self, other, F),
)
def igamma(self, other):
    """The regularized lower incomplete gamma function P(a = self, x = other): floating types
    only, computed in float64 (PyTorch's float32 kernel rounds in float32, a few ulp apart).
    Not differentiable in a, as in PyTorch."""
    _no_kernel("igamma_cpu", self, (dtypes.FLOATING,))
    return _incomplete_gamma(self, other, upper=False).astype(self.dtype)


@pointwise(
    "IgammacBackward0",
    tensors_only=True,
    self=_igammac_input_derivative,
    other=lambda grad, self, other, F: -grad * _density(self, other, F),
)
def igammac(self, other):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    _no_kernel("igammac_cpu", self, (dtypes.FLOATING,))
    return _incomplete_gamma(self, other, upper=True).astype(self.dtype)


TENSOR_METHODS: dict = {
    "igamma": igamma,
    "igammac": igammac,
    "lgamma": lgamma,
    "digamma": digamma,
    "polygamma": _polygamma_method,
    "mvlgamma": mvlgamma,
}
TENSOR_IN_PLACE: dict = {
    "igamma_": igamma,
    "igammac_": igammac,
    "lgamma_": lgamma,
    "digamma_": digamma,
    "polygamma_": _polygamma_method,
    "mvlgamma_": _mvlgamma_in_place,
}
