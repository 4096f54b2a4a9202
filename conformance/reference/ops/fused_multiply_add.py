"""a * b + c rounded once, as PyTorch's CPU kernels compute add with alpha, addcmul and lerp:
their loops are compiled to fused multiply-adds (one rounding where NumPy's a * b + c rounds
twice), so the last bit differs in about a quarter of the elements unless the fusion is copied.

NumPy has no fused multiply-add. For float32 and narrower the product of two values is exact in
float64, so computing there and rounding once gives the fused result. float64 has no wider type:
there the product's rounding error is recovered exactly (Dekker's product, with Veltkamp's
split) and added back with the sum's error (Knuth's two-sum), which gives the correctly rounded
result except in rare near-tie cases. Where a value is so large that the split overflows, or
not finite, the plain a * b + c is kept, whose infinities and nans are the fused ones.
"""

from __future__ import annotations

from conformance.reference.devices import array_namespace

_WIDENED = ("float32", "float16", "bfloat16")  # the products of these are exact in float64
_SPLITTER = 134217729.0  # 2**27 + 1: splits a float64 into two halves of 26 bits
_SPLIT_LIMIT = 2.0**996  # beyond it, _SPLITTER * x overflows


def fused_multiply_add(a, b, c, dtype):
    """a * b + c in `dtype` (a NumPy or CuPy dtype), rounded once for floating dtypes; each
    operand an array or a number already in that dtype's values."""
    xp = array_namespace(next((v for v in (a, b, c) if hasattr(v, "dtype")), a))
    name = str(dtype)
    if name in _WIDENED:
        wide = [xp.asarray(v, dtype).astype("float64") for v in (a, b, c)]
        return (wide[0] * wide[1] + wide[2]).astype(dtype)
    if name != "float64":
        return a * b + c
    a, b, c = (xp.asarray(v, "float64") for v in (a, b, c))
    errstate = getattr(xp, "errstate", None)  # (CuPy arrays raise no floating warnings)
    if errstate is None:
        return _float64_fused(xp, a, b, c)
    with errstate(all="ignore"):  # (overflow in a split, discarded below)
        return _float64_fused(xp, a, b, c)


def _float64_fused(xp, a, b, c):
    product = a * b
    plain = product + c
    # The sum's rounding error (Knuth's two-sum) and the product's (Dekker's), added back.
    c_part = plain - product
    sum_error = (product - (plain - c_part)) + (c - c_part)
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    product_error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + (
        a_low * b_low
    )
    total = plain + (sum_error + product_error)
    # A zero result keeps the plain sum's sign (-0.0 + -0.0 is -0.0, which the errors' +0.0
    # would turn positive).
    exact = xp.isfinite(total) & (total != 0)
    exact &= (xp.abs(a) < _SPLIT_LIMIT) & (xp.abs(b) < _SPLIT_LIMIT)
    return xp.where(exact, total, plain)


def _split(x):
    """x as high + low, each half of x's significand, both exact."""
    scaled = _SPLITTER * x
    high = scaled - (scaled - x)
    return high, x - high
