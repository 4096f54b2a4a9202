"""erfinv and the standard normal distribution: ndtr, ndtri and log_ndtr (these three are in
torch.special only), with PyTorch's values at the edges and their derivatives.

All stand on erf and erfc (ops/error_function.py): erfinv refines a first guess by Newton
steps on them (PyTorch's CPU kernel is MKL's), ndtri and log_ndtr are ATen's calc_ndtri
(Cephes') and calc_log_ndtr, and ndtr is composed as PyTorch composes it. What the
special-function modules share (_float64, _horner, the dtype check) is in special_common.py.
"""

from __future__ import annotations

import math

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops import scalar_overloads
from conformance.reference.ops.define import pointwise
from conformance.reference.ops.error_function import (
    _TWO_OVER_SQRT_PI,
    _erf_float64,
    _erfc_float64,
    _erfcx_large,
    erf,
)
from conformance.reference.ops.pointwise_common import HALF_ARRAYS, _no_kernel
from conformance.reference.ops.special_common import _FLOATS, _float64, _horner, _tensor_type

__all__ = ["erfinv"]


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


TENSOR_METHODS: dict = {"erfinv": erfinv}
TENSOR_IN_PLACE: dict = {"erfinv_": erfinv}
