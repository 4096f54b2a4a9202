"""Special functions: lgamma, digamma, polygamma, mvlgamma, erfinv, the normal distribution's
ndtr, ndtri and log_ndtr, the modified Bessel functions i0, i0e, i1, i1e, and the matrix
exponential, with PyTorch's values at the edges (0, poles, inf, nan) and derivatives.

NumPy has none of these functions (and the engine takes nothing from SciPy), so each is
computed by the algorithm PyTorch's CPU kernel uses (ATen/native/Math.h: mostly Cephes), or,
where PyTorch calls a library (lgamma: the C library's, erfinv: MKL's), by one as accurate
(fdlibm's lgamma; Newton steps on erf and erfc). Most compute in float64 and round once to
the input's dtype; digamma and trigamma in float32 for float32 inputs, as PyTorch's kernels,
whose float32 cancellation near digamma's root is visible at 1e-7. Integer and bool inputs
give the default float dtype.
"""

from __future__ import annotations

import math
import struct

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops import scalar_overloads
from conformance.reference.ops.define import formula_op, op, pointwise
from conformance.reference.ops.error_function import (
    _TWO_OVER_SQRT_PI,
    _erf_float64,
    _erfc_float64,
    _erfcx_large,
    erf,
)
from conformance.reference.ops.pointwise_common import HALF_ARRAYS, _no_kernel, opmath

__all__ = ["digamma", "erfinv", "i0", "lgamma", "matrix_exp", "mvlgamma", "polygamma"]

_FLOATS = (dtypes.FLOATING,)


def _float64(x):
    return x.astype("float64")


def _high_word(word: int) -> float:
    """The float64 whose upper 32 bits are `word` (fdlibm states its intervals so)."""
    return struct.unpack(">d", struct.pack(">II", word, 0))[0]


def _horner(x, coefficients):
    """c[0] x^n + ... + c[n], in Horner's order (Cephes' polevl)."""
    result = coefficients[0] + 0 * x
    for c in coefficients[1:]:
        result = result * x + c
    return result


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


def _tensor_type():
    from conformance.reference.ops import define

    return define.Tensor


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


# ---------------------------------------------------------------------------------------------
# erfinv and the standard normal distribution (ndtr, ndtri, log_ndtr).

_ERFINV_A = (0.886226899, -1.645349621, 0.914624893, -0.140543331)
_ERFINV_B = (-2.118377725, 1.442710462, -0.329097515, 0.012229801)
_ERFINV_C = (-1.970840454, -1.624906493, 3.429567803, 1.641345311)
_ERFINV_D = (3.543889200, 1.637067800)


def _erfinv_float64(y):
    """Pavlis' rational first guess (ATen's calc_erfinv) and Newton steps: on erf(x) = y in
    the middle, on erfc(|x|) = 1 - |y| (exact there) in the tails. PyTorch's CPU kernel is
    MKL's, accurate to the last bit or two; Newton on erf alone stalls near +-1, where erf
    rounds to a few values. +-inf at +-1, nan beyond."""
    xp = array_namespace(y)
    y = _float64(y)
    y_abs = xp.abs(y)
    a, b, c, d = _ERFINV_A, _ERFINV_B, _ERFINV_C, _ERFINV_D
    z = y * y
    num = ((a[3] * z + a[2]) * z + a[1]) * z + a[0]
    den = (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + 1.0
    x = y * num / den
    for _ in range(2):
        x = x - (_erf_float64(x) - y) / (_TWO_OVER_SQRT_PI * xp.exp(-x * x))
    q = 1.0 - xp.where(y_abs < 1, y_abs, 0.0)
    z = xp.sqrt(-xp.log(q / 2.0))
    num = ((c[3] * z + c[2]) * z + c[1]) * z + c[0]
    den = (d[1] * z + d[0]) * z + 1.0
    t = num / den
    for _ in range(3):
        t = t + (_erfc_float64(t) - q) / (_TWO_OVER_SQRT_PI * xp.exp(-t * t))
    x = xp.where(y_abs <= 0.7, x, xp.copysign(t, y))
    x = xp.where(y_abs == 1, xp.copysign(math.inf, y), x)
    return xp.where(y_abs <= 1, x, math.nan)  # (nan too)


_SQRT_PI = math.sqrt(math.pi)


@pointwise(
    "ErfinvBackward0",
    kind="float",
    self=lambda grad, self, F: 0.5 * _SQRT_PI * F.exp(F.erfinv(self) ** 2) * grad,
)
def erfinv(self):
    """The inverse of erf on (-1, 1); +-inf at +-1 and nan outside."""
    _no_kernel("erfinv_vml_cpu", self, _FLOATS)
    return _erfinv_float64(self).astype(self.dtype)


# fmt: off
_NDTRI_P0 = (-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1,
             1.39312609387279679503e1, -1.23916583867381258016e0)
_NDTRI_Q0 = (1.0, 1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1,
             -2.25462687854119370527e2, 2.00260212380060660359e2, -8.20372256168333339912e1,
             1.59056225126211695515e1, -1.18331621121330003142e0)
_NDTRI_P1 = (4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1,
             4.40805073893200834700e1, 1.46849561928858024014e1, 2.18663306850790267539e0,
             -1.40256079171354495875e-1, -3.50424626827848203418e-2, -8.57456785154685413611e-4)
_NDTRI_Q1 = (1.0, 1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1,
             1.50425385692907503408e1, 2.50464946208309415979e0, -1.42182922854787788574e-1,
             -3.80806407691578277194e-2, -9.33259480895457427372e-4)
_NDTRI_P2 = (3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0,
             1.33303460815807542389e0, 2.01485389549179081538e-1, 1.23716634817820021358e-2,
             3.01581553508235416007e-4, 2.65806974686737550832e-6, 6.23974539184983293730e-9)
_NDTRI_Q2 = (1.0, 6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0,
             2.16236993594496635890e-1, 1.34204006088543189037e-2, 3.28014464682127739104e-4,
             2.89247864745380683936e-6, 6.79019408009981274425e-9)
# fmt: on
_EXP_MINUS_2 = 0.13533528323661269189
_SQRT_2PI = 2.50662827463100050242


def _ndtri_float64(p):
    """Cephes' ndtri, as ATen's calc_ndtri: a rational function of p - 1/2 in the middle, of
    1 / sqrt(-2 log p) in the tails (two of them, split at p = exp(-32))."""
    xp = array_namespace(p)
    p = _float64(p)
    upper = p > 1.0 - _EXP_MINUS_2
    y = xp.where(upper, 1.0 - p, p)
    middle = y > _EXP_MINUS_2
    c = y - 0.5
    c2 = c * c
    central = (c + c * (c2 * _horner(c2, _NDTRI_P0) / _horner(c2, _NDTRI_Q0))) * _SQRT_2PI
    x = xp.sqrt(-2.0 * xp.log(xp.where(middle | (y <= 0), 0.5, y)))
    x0 = x - xp.log(x) / x
    z = 1.0 / x
    near = z * _horner(z, _NDTRI_P1) / _horner(z, _NDTRI_Q1)
    far = z * _horner(z, _NDTRI_P2) / _horner(z, _NDTRI_Q2)
    tail = x0 - xp.where(x < 8.0, near, far)
    out = xp.where(middle, central, xp.where(upper, tail, -tail))
    out = xp.where((p < 0) | (p > 1), math.nan, out)
    return xp.where(p == 0, -math.inf, xp.where(p == 1, math.inf, out))


@pointwise(
    "SpecialNdtriBackward0",
    kind="float",
    self=lambda grad, result, F: grad * _SQRT_2PI * F.exp(result**2 / 2),
)
def ndtri(self):
    """The standard normal quantile: ndtr(ndtri(p)) = p; -inf at 0, inf at 1, nan outside.
    PyTorch's CPU kernel has no half-precision variant."""
    _no_kernel("ndtri_cpu", self, _FLOATS)
    _no_half("ndtri_cpu", self)
    return _ndtri_float64(self).astype(self.dtype)


def _no_half(kernel, array):
    if array.dtype in HALF_ARRAYS:
        name = dtypes.scalar_type_name(dtypes.from_numpy_dtype(array.dtype))
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")


_SQRT1_2 = math.sqrt(0.5)


def ndtr(self):
    """The standard normal distribution function, as PyTorch composes it in C++:
    (1 + erf(x / sqrt 2)) * 0.5, each step a node (so its grad_fn is MulBackward1)."""
    if not isinstance(self, _tensor_type()):
        raise TypeError(
            f"special_ndtr(): argument 'input' (position 1) must be Tensor, not "
            f"{type(self).__name__}"
        )
    if self.dtype.category == dtypes.COMPLEX:
        name = dtypes.scalar_type_name(self.dtype)
        raise NotImplementedError(f"\"erf_vml_cpu\" not implemented for '{name}'")
    scaled = scalar_overloads.mul_scalar(self, _SQRT1_2)
    return scalar_overloads.mul_scalar(scalar_overloads.add_scalar(erf(scaled), 1), 0.5)


def _log_ndtr_float64(x):
    """ATen's calc_log_ndtr: log1p(-erfc(x / sqrt 2) / 2) from -1 up; below, log(erfcx(t) / 2)
    - t^2 with t = -x / sqrt 2, which stays finite where ndtr underflows to 0."""
    xp = array_namespace(x)
    x = _float64(x)
    t = x * _SQRT1_2
    low = x < -1.0
    u = -xp.where(low, t, -1.0)
    left = xp.log(_erfcx_large(u) / 2) - u * u
    right = xp.log1p(-_erfc_float64(t) / 2)
    return xp.where(low, left, right)


@pointwise(
    "SpecialLogNdtrBackward0",
    kind="float",
    self=lambda grad, self, result, F: grad / _SQRT_2PI * F.exp(-(result + self**2 / 2)),
)
def log_ndtr(self):
    """log of the standard normal distribution function, accurate far into the left tail.
    PyTorch's CPU kernel has no half-precision variant."""
    _no_kernel("log_ndtr_cpu", self, _FLOATS)
    _no_half("log_ndtr_cpu", self)
    return _log_ndtr_float64(self).astype(self.dtype)


# ---------------------------------------------------------------------------------------------
# Modified Bessel functions of the first kind, orders 0 and 1, and their exponentially scaled
# forms: Cephes' Chebyshev expansions on [0, 8] and, in 32/x, beyond (ATen's calc_i0, ...).

# fmt: off
_I0_A = (-4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
         1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
         -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
         9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
         -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
         1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
         -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
         1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
         -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
         1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
_I0_B = (-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
         3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
         1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
         -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
         7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
         -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
         3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
         2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
         8.04490411014108831608e-1)
_I1_A = (2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
         -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
         3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
         -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
         9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
         -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
         4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
         -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
         2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
         -1.76416518357834055153e-1, 2.52587186443633654823e-1)
_I1_B = (7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
         -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
         -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
         4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
         -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
         3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
         -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
         -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
         7.78576235018280120474e-1)
# fmt: on


def _chebyshev(x, coefficients):
    """Cephes' chbevl: a Chebyshev series by Clenshaw's recurrence."""
    b0, b1, b2 = coefficients[0] + 0 * x, 0.0, 0.0
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel_float64(x, order: int, scaled: bool):
    """I0 or I1 of x (times exp(-|x|) when scaled); I1 is odd, I0 even."""
    xp = array_namespace(x)
    x = _float64(x)
    ax = xp.abs(x)
    a, b = (_I0_A, _I0_B) if order == 0 else (_I1_A, _I1_B)
    near = _chebyshev(ax / 2.0 - 2.0, a)
    if order == 1:
        near = near * ax
    far_x = xp.where(ax > 8, ax, 8.0)
    far = _chebyshev(32.0 / far_x - 2.0, b)
    if scaled:
        out = xp.where(ax <= 8, near, far / xp.sqrt(ax))
    else:
        growth = xp.exp(ax)
        out = xp.where(ax <= 8, growth * near, growth * far / xp.sqrt(ax))
    return xp.where(x < 0, -out, out) if order == 1 else out


@pointwise("I0Backward0", kind="float", self=lambda grad, self, F: grad * formula_op(F, i1)(self))
def i0(self):
    """The modified Bessel function of the first kind of order 0 (even, inf at +-inf)."""
    _no_kernel("i0_vml_cpu", self, _FLOATS)
    return _bessel_float64(self, 0, False).astype(self.dtype)


@pointwise(
    "SpecialI0EBackward0",
    kind="float",
    self=lambda grad, self, result, F: grad * (formula_op(F, i1e)(self) - F.sgn(self) * result),
)
def i0e(self):
    """exp(-|x|) I0(x), which stays finite (and goes to 0) where I0 overflows."""
    _no_kernel("i0e_cpu", self, _FLOATS)
    return _bessel_float64(self, 0, True).astype(self.dtype)


def _epsilon(x):
    kind = x.dtype
    if not isinstance(kind, dtypes.dtype):
        kind = dtypes.from_numpy_dtype(kind)
    return dtypes.finfo(kind).eps


def _i1_derivative(grad, self, result, F):
    """I1' = I0 - I1 / x, and 1/2 at |x| <= eps, where the quotient is 0/0 (ATen's
    i1_backward)."""
    eps = _epsilon(self)
    not_tiny = F.abs(self) > eps
    safe = F.where(not_tiny, self, eps)
    return grad * F.where(not_tiny, F.i0(safe) - result * F.reciprocal(safe), 0.5)


def _i1e_derivative(grad, self, result, F):
    """(exp(-|x|) I1)' = I0e - I1e (sgn x + 1/x), and 1/2 at |x| <= eps (ATen's
    i1e_backward)."""
    eps = _epsilon(self)
    not_tiny = F.abs(self) > eps
    safe = F.where(not_tiny, self, eps)
    slope = formula_op(F, i0e)(safe) - result * (F.sgn(safe) + F.reciprocal(safe))
    return grad * F.where(not_tiny, slope, 0.5)


@pointwise("SpecialI1Backward0", kind="float", self=_i1_derivative)
def i1(self):
    """The modified Bessel function of the first kind of order 1 (odd)."""
    _no_kernel("i1_cpu", self, _FLOATS)
    return _bessel_float64(self, 1, False).astype(self.dtype)


@pointwise("SpecialI1EBackward0", kind="float", self=_i1e_derivative)
def i1e(self):
    """exp(-|x|) I1(x)."""
    _no_kernel("i1e_cpu", self, _FLOATS)
    return _bessel_float64(self, 1, True).astype(self.dtype)


# ---------------------------------------------------------------------------------------------
# The matrix exponential, as ATen's linalg_matrix_exp: Bader, Blanes and Casas' optimized
# Taylor polynomials ("Computing the Matrix Exponential with an Optimized Taylor Polynomial
# Approximation", Mathematics 7 (2019) 1174) of degree 1, 2, 4, 8, 12 or 18, picked per matrix
# by its 1-norm, and beyond the last bound degree 18 with scaling and squaring.

# The largest 1-norm each degree serves, in float32 and in float64.
# fmt: off
_THETAS_32 = (1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02,
              5.800524627688768e-01, 1.461661507209034e00, 3.010066362817634e00)
_THETAS_64 = (2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04,
              4.991228871115323e-02, 2.996158913811580e-01, 1.090863719290036e00)
# fmt: on

_SQRT_177 = 0.1330413469565007072504e2
_T8_X3 = 2.0 / 3.0
_T8 = (
    _T8_X3 * ((1.0 + _SQRT_177) / 88.0),  # x1
    _T8_X3 * ((1.0 + _SQRT_177) / 352.0),  # x2
    (-271.0 + 29.0 * _SQRT_177) / (315.0 * _T8_X3),  # x4
    (-11.0 + 11.0 * _SQRT_177) / (1260.0 * _T8_X3),  # x5
    (-99.0 + 11.0 * _SQRT_177) / (5040.0 * _T8_X3),  # x6
    (89.0 - _SQRT_177) / (5040.0 * _T8_X3),  # x7
    (857.0 - 58.0 * _SQRT_177) / 630.0,  # y2
)
# fmt: off
_T12 = ((9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
        (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031,
         0.01108844528519167989),
        (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968,
         0.00610700528898058230),
        (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079,
         -0.00675951846863086359))
_T18 = ((0.0, -1.00365581030144618291e-01, -8.02924648241156932449e-03,
         -8.92138498045729985177e-04, 0.0),
        (0.0, 3.97849749499645077844e-01, 1.36783778460411720168e00,
         4.98289622525382669416e-01, -6.37898194594723280150e-04),
        (-1.09676396052962061844e01, 1.68015813878906206114e00, 5.71779846478865511061e-02,
         -6.98210122488052056106e-03, 3.34975017086070470649e-05),
        (-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
         2.95552570429315521194e-02, -1.39180257516060693404e-05),
        (0.0, 0.0, -9.23364619367118555360e-02, -1.69364939002081722752e-02,
         -1.40086798182036094347e-05))
# fmt: on


def _combination(matrices, coefficients):
    """sum_j c_j M_j, the coefficients in the matrices' precision, accumulated from 0 as
    ATen's _compute_linear_combination (a zero coefficient still meets an inf)."""
    xp = array_namespace(matrices[0])
    real = xp.real(matrices[0]).dtype
    total = xp.zeros_like(matrices[0])
    for c, m in zip(coefficients, matrices, strict=True):
        total = total + xp.asarray(c, dtype=real) * m
    return total


def _powers(a, count):
    """[I, A, A^2, A^3, A^6][:count], as ATen's _fill_matrix_powers."""
    xp = array_namespace(a)
    identity = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    out = [identity, a]
    if count > 2:
        out.append(a @ a)
    if count > 3:
        out.append(a @ out[2])
    if count > 4:
        out.append(out[3] @ out[3])
    return out


def _taylor_1(a):
    i, a1 = _powers(a, 2)
    return i + a1


def _taylor_2(a):
    i, a1, a2 = _powers(a, 3)
    return i + a1 + a2 / 2.0


def _taylor_4(a):
    i, a1, a2 = _powers(a, 3)
    tail = a2 @ _combination([i, a1, a2], (1 / 2.0, 1 / 6.0, 1 / 24.0))
    return _combination([i, a1, a2, tail], (1.0, 1.0, 0.0, 1.0))


def _taylor_8(a):
    x1, x2, x4, x5, x6, x7, y2 = _T8
    i, a1, a2 = _powers(a, 3)
    a4 = a2 @ _combination([a1, a2], (x1, x2))
    a8 = _combination([a2, a4], (_T8_X3, 1.0)) @ _combination([i, a1, a2, a4], (x4, x5, x6, x7))
    return _combination([i, a1, a2, a4, a8], (1.0, 1.0, y2, 0.0, 1.0))


def _taylor_12(a):
    powers = _powers(a, 4)
    b0, b1, b2, b3 = (_combination(powers, row) for row in _T12)
    b2 = b2 + b3 @ b3
    return b0 + (b1 + b2) @ b2


def _taylor_18(a):
    powers = _powers(a, 5)
    b0, b1, b2, b3, b4 = (_combination(powers, row) for row in _T18)
    b3 = b3 + b0 @ b4
    return b1 + (b2 + b3) @ b3


def _scaled_and_squared(a, norm, theta):
    """exp(A) = exp(A / 2^s)^(2^s), with s the least that brings the 1-norm under theta."""
    xp = array_namespace(a)
    s = xp.maximum(0.0, xp.ceil(xp.log2(norm / xp.asarray(theta, dtype=norm.dtype))))
    s = xp.where(xp.isfinite(s), s, 0).astype(xp.int64)
    out = _taylor_18(a / (2.0**s)[:, None, None].astype(norm.dtype))
    for step in range(int(s.max()) if s.size else 0):
        again = s > step
        out[again] = out[again] @ out[again]
    return out


def _matrix_exp_array(a):
    xp = array_namespace(a)
    n = a.shape[-1]
    if n == 0:
        return a.copy()
    if n == 1:
        return xp.exp(a)
    wide = a.astype("float32") if a.dtype in HALF_ARRAYS else a
    stack = wide.reshape((-1, n, n))
    single = xp.real(stack).dtype == xp.float32
    thetas = _THETAS_32 if single else _THETAS_64
    norm = xp.abs(stack).sum(axis=-2).max(axis=-1)
    # A nan or an infinite entry matches no interval: the result stays nan, as PyTorch's.
    out = xp.full_like(stack, math.nan)
    batched = stack.shape[0] > 1  # PyTorch takes degree 18 for every matrix of a batch
    lower = -1.0
    for theta, taylor in zip(
        thetas[:5], (_taylor_1, _taylor_2, _taylor_4, _taylor_8, _taylor_12), strict=True
    ):
        chosen = (lower < norm) & (norm <= theta) & (not batched)
        if chosen.any():
            out[chosen] = taylor(stack[chosen])
        lower = theta
    large = ((norm >= thetas[4]) | batched) & xp.isfinite(norm)
    if large.any():
        out[large] = _scaled_and_squared(stack[large], norm[large], thetas[5])
    return out.reshape(a.shape).astype(a.dtype)


def _matrix_exp_derivative(grad, self, F):
    """exp([[A^T, G], [0, A^T]]) holds the gradient in its upper right block (Mathias' block
    formula, ATen's linalg_matrix_exp_differential)."""
    n = self.shape[-1]
    at = F.transpose(self, -2, -1)
    if not F.records_graph and at.dtype.kind == "c":
        at = at.conj()  # the adjoint, for complex A (the engine has no conj op to record)
    block = F.zeros((*self.shape[:-2], 2 * n, 2 * n), self)
    block[..., :n, :n] = at  # (written into slices, as PyTorch does: CopySlices)
    block[..., n:, n:] = at
    block[..., :n, n:] = grad
    return formula_op(F, _linalg_matrix_exp)(block)[..., :n, n:]


@op("LinalgMatrixExpBackward0", self=_matrix_exp_derivative)
def _linalg_matrix_exp(self):
    return _matrix_exp_array(self)


def matrix_exp(self):
    """torch.matrix_exp / torch.linalg.matrix_exp: exp(A) of each square matrix of the batch.
    A matrix with a nan or an infinite entry gives nan throughout."""
    name = "linalg.matrix_exp"
    if self.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if self.shape[-1] != self.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are "
            f"{self.shape[-2]} by {self.shape[-1]} matrices"
        )
    if self.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. "
            f"Got {dtypes.scalar_type_name(self.dtype)}"
        )
    return _linalg_matrix_exp(self)


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


TENSOR_METHODS: dict = {
    "lgamma": lgamma,
    "digamma": digamma,
    "polygamma": _polygamma_method,
    "mvlgamma": mvlgamma,
    "erfinv": erfinv,
    "i0": i0,
    "matrix_exp": matrix_exp,
}
TENSOR_IN_PLACE: dict = {
    "lgamma_": lgamma,
    "digamma_": digamma,
    "polygamma_": _polygamma_method,
    "mvlgamma_": _mvlgamma_in_place,
    "erfinv_": erfinv,
    "i0_": i0,
}
