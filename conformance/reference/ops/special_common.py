"""What the special-function modules share: gamma_functions.py (lgamma, digamma, polygamma,
mvlgamma), normal_distribution.py (erfinv, ndtr, ndtri, log_ndtr) and bessel_functions.py (i0,
i0e, i1, i1e).

NumPy has none of these functions (and the engine takes nothing from SciPy), so each is
computed by the algorithm PyTorch's CPU kernel uses (ATen/native/Math.h: mostly Cephes), or,
where PyTorch calls a library (lgamma: the C library's, erfinv: MKL's), by one as accurate
(fdlibm's lgamma; Newton steps on erf and erfc). Most compute in float64 and round once to
the input's dtype; digamma and trigamma in float32 for float32 inputs, as PyTorch's kernels,
whose float32 cancellation near digamma's root is visible at 1e-7. Integer and bool inputs
give the default float dtype.
"""

from __future__ import annotations

from conformance.reference import dtypes

_FLOATS = (dtypes.FLOATING,)


def _float64(x):
    return x.astype("float64")


def _horner(x, coefficients):
    """c[0] x^n + ... + c[n], in Horner's order (Cephes' polevl)."""
    result = coefficients[0] + 0 * x
    for c in coefficients[1:]:
        result = result * x + c
    return result


def _tensor_type():
    from conformance.reference.ops import define

    return define.Tensor


def _input_or_x(op):
    """torch.special's one-tensor functions take their tensor as `input` or as `x` (the
    Python binding's name and the ATen schema's): `op` called either way."""

    def call(*args, **kwargs):
        for name in ("input", "x"):
            if name in kwargs:
                args = (kwargs.pop(name), *args)
        return op(*args, **kwargs)

    call.__name__ = call.__qualname__ = op.__name__.removesuffix("_op")
    call.__doc__ = op.__doc__
    return call
