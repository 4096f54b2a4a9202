"""torch.special: the special functions under their SciPy-style names.

Most are the torch.* functions themselves (gammaln is lgamma, psi is digamma, expit is sigmoid,
multigammaln is mvlgamma); a few exist only here (i0e, i1, i1e, ndtr, ndtri, log_ndtr). The
ops live in ops/gamma_functions.py, normal_distribution.py, bessel_functions.py and the
pointwise families. special.round is left out: PyTorch's records RoundBackward1 (its decimals
overload), which the engine's round does not.
"""

from __future__ import annotations

from conformance.reference.ops.bessel_functions import i0, i0e, i1, i1e
from conformance.reference.ops.gamma_functions import digamma, polygamma
from conformance.reference.ops.gamma_functions import digamma as psi
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
    xlogy,
)
from conformance.reference.ops.pointwise import sigmoid as expit
from conformance.reference.ops.softmax import log_softmax, logsumexp, softmax

__all__ = [
    "digamma",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "sinc",
    "softmax",
    "xlogy",
]
