"""Rows of test_op_gradients.py's table for the special functions ops."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase("lgamma", lambda t, a: t.lgamma(a), [(6,)], low=0.2, high=6.0),
    OpCase("lgamma-negative", lambda t, a: a.lgamma(), [(5,)], low=-2.9, high=-2.1),
    OpCase("digamma", lambda t, a: t.digamma(a), [(6,)], low=0.2, high=12.0),
    OpCase("digamma-negative", lambda t, a: a.digamma(), [(5,)], low=-1.9, high=-1.1),
    OpCase("polygamma-1", lambda t, a: t.polygamma(1, a), [(2, 3)], low=0.2, high=4.0),
    OpCase("polygamma-2", lambda t, a: a.polygamma(2), [(5,)], low=0.3, high=12.0),
    OpCase("polygamma-3-negative", lambda t, a: t.polygamma(3, a), [(4,)], low=-0.9, high=-0.1),
    OpCase("mvlgamma", lambda t, a: t.mvlgamma(a, 3), [(2, 3)], low=1.2, high=5.0),
    OpCase("mvlgamma-p1", lambda t, a: a.mvlgamma(p=1), [(4,)], low=0.3, high=3.0),
    OpCase("erfinv", lambda t, a: t.erfinv(a), [(2, 3)], low=-0.95, high=0.95),
    OpCase("special-erfinv-tail", lambda t, a: t.special.erfinv(a), [(4,)], low=0.75, high=0.99),
    OpCase("special-ndtri", lambda t, a: t.special.ndtri(a), [(5,)], low=0.02, high=0.98),
    OpCase("special-ndtr", lambda t, a: t.special.ndtr(a), [(5,)], low=-3.0, high=3.0),
    OpCase("special-log-ndtr", lambda t, a: t.special.log_ndtr(a), [(6,)], low=-6.0, high=3.0),
    OpCase("i0", lambda t, a: t.i0(a), [(2, 3)], low=-10.0, high=10.0),
    OpCase("special-i0", lambda t, a: t.special.i0(a), [(3,)]),
    OpCase("special-i0e", lambda t, a: t.special.i0e(a), [(6,)], low=-10.0, high=10.0),
    OpCase("special-i1", lambda t, a: t.special.i1(a), [(6,)], low=-10.0, high=10.0),
    OpCase("special-i1e", lambda t, a: t.special.i1e(a), [(6,)], low=-10.0, high=10.0),
    # One matrix: the degree follows the 1-norm (12 here, scaling and squaring below).
    OpCase("matrix-exp-small", lambda t, a: t.matrix_exp(a), [(3, 3)], low=-0.08, high=0.08),
    OpCase("matrix-exp", lambda t, a: t.matrix_exp(a), [(3, 3)]),
    OpCase("matrix-exp-batch", lambda t, a: a.matrix_exp(), [(2, 2, 2)], low=-1.0, high=1.0),
]
