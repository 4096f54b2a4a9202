"""torch.special's orthogonal polynomials of x and the degree n: Chebyshev's T, U, V and W
(and their shifted forms on [0, 1]), Hermite's H and He, Laguerre's L and Legendre's P.

Each is ATen's *_forward kernel (ATen/native/Math.h), vectorized: the degree is the operand
truncated toward zero (2.9 is 2, -0.5 is 0; nan, +-inf and anything beyond int64 count as
negative), a negative degree gives 0, the endpoints have closed values, the Chebyshev ones
inside (-1, 1) use their trigonometric forms above a small degree, and the rest runs the
three-term recurrence, stopped early where it reaches nan. Hermite's polynomials are nan
above degree 128 (float32) or 512 (float64). Computed in the promoted dtype of x and n
(float32 for integers; no half-precision kernels); x and n may each be a Python number, not
both. None has a derivative: the result never requires grad.
"""

from __future__ import annotations

import math

from conformance.reference import fp_errors
from conformance.reference.devices import array_namespace
from conformance.reference.ops.argument_errors import number_self_overloads
from conformance.reference.ops.define import pointwise
from conformance.reference.ops.pointwise_common import _no_kernel
from conformance.reference.ops.special_common import _FLOATS

__all__ = [
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
]


def _operands(kernel, x, n):
    """x and n as arrays of one floating dtype, broadcast, and n as ATen's int64 degree."""
    like = x if hasattr(x, "dtype") else n
    _no_kernel(kernel, like, _FLOATS)
    if like.dtype.itemsize < 4:  # float16, bfloat16
        _no_kernel(kernel, like, ())
    xp = array_namespace(like)
    x, n = xp.broadcast_arrays(xp.asarray(x, dtype=like.dtype), xp.asarray(n, dtype=like.dtype))
    wide = n.astype("float64")
    usable = xp.isfinite(wide) & (xp.abs(wide) < 2.0**63)
    degree = xp.where(usable, xp.trunc(xp.where(usable, wide, 0)), -1).astype("int64")
    return xp, x, degree


def _recurrence(xp, degree, needed, p, q, step, first_k, k_stride, stop_at_nan=True):
    """The kernel's loop `r = step(k, p, q); p = q; q = r` run degree - 1 times (k from
    first_k by k_stride) where `needed`, stopping early where q is nan (the kernel's
    `!std::isnan(q)`); where it never runs, the result is q itself."""
    count = xp.where(needed, degree - 1, 0)
    r = q
    total = int(count.max()) if count.size else 0
    running = count > 0
    for j in range(total):
        if stop_at_nan:
            running = running & ~xp.isnan(q)
        running = running & (j < count)
        if not bool(running.any()):
            break
        k = float(first_k + j * k_stride)
        new = step(k, p, q)
        p, q = xp.where(running, q, p), xp.where(running, new, q)
        r = xp.where(running, new, r)
    return r


def _chebyshev(x, degree, xp, first, endpoint_values, closed, closed_from, y=None):
    """The Chebyshev family: y = x (or 2x - 1 for the shifted forms) in the recurrence
    r = 2y q - p from p = 1, q = first(y); `endpoint_values` gives the values at the ends
    of the interval, `closed` the trigonometric form used above degree `closed_from` inside."""
    y = x if y is None else y
    n = degree.astype(x.dtype)
    at_end, end_value = endpoint_values(x, y, n)
    inside = (degree > closed_from) & (xp.abs(y) < 1)
    with fp_errors.quiet():
        trig = closed(xp.where(inside, y, 0.0), n)
        start = first(y)
        needed = (degree >= 2) & ~at_end & ~inside
        twice = y + y
        looped = _recurrence(
            xp, degree, needed, xp.ones_like(y), start, lambda k, p, q: twice * q - p, 2, 1
        )
    out = xp.where(degree == 0, 1.0, xp.where(degree == 1, start, looped))
    out = xp.where(inside, trig, out)
    out = xp.where(at_end, end_value, out)
    return xp.where(degree < 0, 0.0, out).astype(x.dtype)


def _odd(degree):
    return degree % 2 == 1


def _t_ends(x, y, n):
    xp = array_namespace(x)
    return xp.abs(y) == 1, xp.where((y > 0) | ~_odd(n.astype("int64")), 1.0, -1.0)


def _u_ends(x, y, n):
    xp = array_namespace(x)
    return xp.abs(y) == 1, xp.where((y > 0) | ~_odd(n.astype("int64")), n + 1, -(n + 1))


def _v_ends(x, y, n):
    xp = array_namespace(x)
    odd = _odd(n.astype("int64"))
    return xp.abs(y) == 1, xp.where(y > 0, 1.0, xp.where(odd, -(n + n + 1), n + n + 1))


def _w_ends(x, y, n):
    xp = array_namespace(x)
    odd = _odd(n.astype("int64"))
    return xp.abs(y) == 1, xp.where(y > 0, n + n + 1, xp.where(odd, -1.0, 1.0))


def _shifted_ends(ends):
    """The shifted forms test x itself against 1 and 0 (not 2x - 1 against +-1)."""

    def at(x, y, n):
        xp = array_namespace(x)
        _, value = ends(x, xp.where(x == 1, 1.0, -1.0).astype(x.dtype), n)
        return (x == 1) | (x == 0), value

    return at


def _t_closed(y, n):
    xp = array_namespace(y)
    return xp.cos(n * xp.arccos(y))


def _u_closed(y, n):
    xp = array_namespace(y)
    angle = xp.arccos(y)
    sine = xp.sin(angle)
    safe = xp.where(sine != 0, sine, 1.0)
    return xp.where(
        sine != 0, xp.sin((n + 1) * angle) / safe, (n + 1) * xp.cos((n + 1) * angle) / y
    )


def _v_closed(y, n):
    xp = array_namespace(y)
    angle = xp.arccos(y)
    plain = xp.sin(angle / 2.0) != 1
    value = xp.cos((n + 0.5) * angle) / xp.cos(angle / 2.0)
    return xp.where(plain, value, xp.where(_odd(n.astype("int64")), -(n + n + 1), n + n + 1))


def _w_closed(y, n):
    xp = array_namespace(y)
    angle = xp.arccos(y)
    plain = xp.cos(angle / 2.0) != 1
    value = xp.sin((n + 0.5) * angle) / xp.sin(angle / 2.0)
    edge = xp.where(y > 0, n + n + 1, xp.where(_odd(n.astype("int64")), -1.0, 1.0))
    return xp.where(plain, value, edge)


# The polynomials' three schemas, as PyTorch's argument parser lists them.
_OVERLOADS = number_self_overloads("n", out=True, input="x", number="x")


def _declare(name, compute, doc):
    def forward(x, n):
        xp, x, degree = _operands(f"{name}_cpu", x, n)
        return compute(xp, x, degree)

    forward.__name__ = forward.__qualname__ = name
    forward.__doc__ = doc
    return pointwise(
        None,
        kind="float",
        operands=("x", "n"),
        number_first=True,
        label=f"special_{name}",
        overloads=_OVERLOADS,
    )(forward)


def _chebyshev_kind(ends, first, closed, closed_from, shifted=False):
    def compute(xp, x, degree):
        if shifted:
            y = x + x - 1.0
            return _chebyshev(x, degree, xp, first, _shifted_ends(ends), closed, closed_from, y=y)
        return _chebyshev(x, degree, xp, first, ends, closed, closed_from)

    return compute


chebyshev_polynomial_t = _declare(
    "chebyshev_polynomial_t",
    _chebyshev_kind(_t_ends, lambda y: y, _t_closed, 6),
    "T_n(x) = cos(n arccos x) on [-1, 1] (that form above degree 6).",
)
chebyshev_polynomial_u = _declare(
    "chebyshev_polynomial_u",
    _chebyshev_kind(_u_ends, lambda y: y + y, _u_closed, 8),
    "U_n(x) = sin((n + 1) t) / sin t, x = cos t (that form above degree 8); n + 1 at x = 1.",
)
chebyshev_polynomial_v = _declare(
    "chebyshev_polynomial_v",
    _chebyshev_kind(_v_ends, lambda y: y + y - 1.0, _v_closed, 8),
    "V_n(x) = cos((n + 1/2) t) / cos(t / 2), x = cos t (that form above degree 8).",
)
chebyshev_polynomial_w = _declare(
    "chebyshev_polynomial_w",
    _chebyshev_kind(_w_ends, lambda y: y + y + 1.0, _w_closed, 8),
    "W_n(x) = sin((n + 1/2) t) / sin(t / 2), x = cos t (that form above degree 8).",
)
shifted_chebyshev_polynomial_t = _declare(
    "shifted_chebyshev_polynomial_t",
    _chebyshev_kind(_t_ends, lambda y: y, _t_closed, 6, shifted=True),
    "T_n(2x - 1), on [0, 1].",
)
shifted_chebyshev_polynomial_u = _declare(
    "shifted_chebyshev_polynomial_u",
    _chebyshev_kind(_u_ends, lambda y: y + y, _u_closed, 6, shifted=True),
    "U_n(2x - 1) (the trigonometric form above degree 6, not 8 as for U).",
)
shifted_chebyshev_polynomial_v = _declare(
    "shifted_chebyshev_polynomial_v",
    _chebyshev_kind(_v_ends, lambda y: y + y - 1.0, _v_closed, 6, shifted=True),
    "V_n(2x - 1) (the trigonometric form above degree 6).",
)
shifted_chebyshev_polynomial_w = _declare(
    "shifted_chebyshev_polynomial_w",
    _chebyshev_kind(_w_ends, lambda y: y + y + 1.0, _w_closed, 4, shifted=True),
    "W_n(2x - 1) (the trigonometric form above degree 4).",
)


def _hermite(physicists):
    def compute(xp, x, degree):
        limit = 128 if x.dtype.itemsize == 4 else 512
        start = x + x if physicists else x
        needed = (degree >= 2) & (degree <= limit)
        # r = start q - k p: H's start is 2x and k = 2, 4, ...; He's is x and k = 1, 2, ...
        # (neither loop has a nan test)
        k = 2 if physicists else 1
        with fp_errors.quiet():
            looped = _recurrence(
                xp,
                degree,
                needed,
                xp.ones_like(x),
                start,
                lambda k, p, q: start * q - k * p,
                k,
                k,
                False,
            )
        out = xp.where(degree > limit, math.nan, looped)
        out = xp.where(degree == 1, start, out)
        out = xp.where(degree == 0, 1.0, out)
        return xp.where(degree < 0, 0.0, out).astype(x.dtype)

    return compute


hermite_polynomial_h = _declare(
    "hermite_polynomial_h",
    _hermite(True),
    "The physicists' Hermite polynomial H_n: nan above degree 128 (float32) or 512 (float64).",
)
hermite_polynomial_he = _declare(
    "hermite_polynomial_he",
    _hermite(False),
    "The probabilists' Hermite polynomial He_n: nan above degree 128 or 512, as H_n.",
)


def _laguerre(xp, x, degree):
    start = 1.0 - x
    with fp_errors.quiet():
        looped = _recurrence(
            xp,
            degree,
            (degree >= 2) & (x != 0),
            xp.ones_like(x),
            start,
            lambda k, p, q: (((k + k) + (1.0 - x)) * q - k * p) / (k + 1.0),
            1,
            1,
        )
    out = xp.where(degree == 1, start, looped)
    out = xp.where((degree == 0) | (x == 0), 1.0, out)
    return xp.where(degree < 0, 0.0, out).astype(x.dtype)


laguerre_polynomial_l = _declare(
    "laguerre_polynomial_l", _laguerre, "The Laguerre polynomial L_n: 1 at x = 0 for n >= 0."
)


def _legendre(xp, x, degree):
    at_end = xp.abs(x) == 1
    end_value = xp.where((x > 0) | ~_odd(degree), 1.0, -1.0)
    with fp_errors.quiet():
        looped = _recurrence(
            xp,
            degree,
            (degree >= 2) & ~at_end,
            xp.ones_like(x),
            x,
            lambda k, p, q: ((k + k + 1.0) * x * q - k * p) / (k + 1.0),
            1,
            1,
        )
    out = xp.where(degree == 1, x, looped)
    out = xp.where(degree == 0, 1.0, out)
    out = xp.where(at_end, end_value, out)
    return xp.where(degree < 0, 0.0, out).astype(x.dtype)


legendre_polynomial_p = _declare(
    "legendre_polynomial_p", _legendre, "The Legendre polynomial P_n: +-1 at x = +-1."
)
