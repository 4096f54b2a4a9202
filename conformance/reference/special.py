"""torch.special: the special functions under their SciPy-style names.

Most are the torch.* functions themselves (gammaln is lgamma, psi is digamma, expit is sigmoid,
multigammaln is mvlgamma); a few exist only here (i0e, i1, i1e, ndtr, ndtri, log_ndtr). The
ops live in ops/gamma_functions.py, normal_distribution.py, bessel_functions.py and the
pointwise families. gammainc and gammaincc are igamma and igammac (the same nodes); round is
the decimals overload of torch.round (RoundBackward1). entr, erfcx, xlog1py, zeta and round
are in ops/special_more.py, the Bessel functions in bessel_functions.py and the orthogonal
polynomials in polynomials.py.
"""

from __future__ import annotations

from conformance.reference.ops import parsed_functions as _parsed
from conformance.reference.ops.bessel_functions import (
    airy_ai,
    bessel_j0,
    bessel_j1,
    bessel_y0,
    bessel_y1,
    i0,
    i0e,
    i1,
    i1e,
    modified_bessel_i0,
    modified_bessel_i1,
    modified_bessel_k0,
    modified_bessel_k1,
    scaled_modified_bessel_k0,
    scaled_modified_bessel_k1,
    spherical_bessel_j0,
)
from conformance.reference.ops.binary_math import xlogy_named
from conformance.reference.ops.define import PointwiseOp as _PointwiseOp
from conformance.reference.ops.gamma_functions import digamma, polygamma
from conformance.reference.ops.gamma_functions import digamma as psi
from conformance.reference.ops.gamma_functions import igamma as gammainc
from conformance.reference.ops.gamma_functions import igammac as gammaincc
from conformance.reference.ops.gamma_functions import lgamma as gammaln
from conformance.reference.ops.gamma_functions import mvlgamma as multigammaln
from conformance.reference.ops.normal_distribution import erfinv, log_ndtr, ndtr, ndtri
from conformance.reference.ops.pointwise import (
    erf,
    erfc,
    exp2,
    expm1,
    log1p,
    logit,
    sinc,
)
from conformance.reference.ops.pointwise import sigmoid as expit
from conformance.reference.ops.polynomials import (
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from conformance.reference.ops.softmax import log_softmax, logsumexp, softmax
from conformance.reference.ops.special_more import entr, erfcx, round, xlog1py, zeta

__all__ = [
    "airy_ai",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "sinc",
    "softmax",
    "spherical_bessel_j0",
    "xlog1py",
    "xlogy",
    "zeta",
]


xlogy = xlogy_named("special_xlogy")

# PyTorch refuses an argument of the wrong type by the ATen name (special_expit, not sigmoid).
for _name in __all__:
    if isinstance(globals()[_name], _PointwiseOp):
        globals()[_name] = globals()[_name].renamed(f"special_{_name}")

# PyTorch's argument parser in front of the exported functions (see ops/parsed_functions.py).
_parsed.export_parsed(globals(), _parsed.SPECIAL_INPUT, _parsed.SPECIAL_OTHERS, "special_")
