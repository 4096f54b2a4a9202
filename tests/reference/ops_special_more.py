"""Rows of test_op_gradients.py's table for torch.special's entr, erfcx, xlog1py, zeta,
gammainc/gammaincc and round. The Bessel functions and the orthogonal polynomials have no
rows: PyTorch gives them no derivative (their results never require grad)."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase("special-entr", lambda t, a: t.special.entr(a), [(2, 3)], low=0.05, high=3.0),
    OpCase("special-erfcx", lambda t, a: t.special.erfcx(a), [(6,)], low=-3.0, high=6.0),
    OpCase(
        "special-xlog1py",
        lambda t, a, b: t.special.xlog1py(a, b),
        [(2, 3), (3,)],
        low=-0.5,
        high=2.0,
    ),
    OpCase(
        "special-xlog1py-number-input",
        lambda t, b: t.special.xlog1py(2.5, b),
        [(4,)],
        low=-0.5,
        high=2.0,
    ),
    OpCase(
        "special-xlog1py-number-other",
        lambda t, a: t.special.xlog1py(a, 1.5),
        [(4,)],
        low=-2.0,
        high=2.0,
    ),
    # zeta is differentiable in q only (PyTorch's derivative in x is NotImplemented).
    OpCase(
        "special-zeta",
        lambda t, q: t.special.zeta(t.tensor([2.0, 3.0, 4.5]), q),
        [(2, 3)],
        low=0.3,
        high=4.0,
    ),
    OpCase("special-zeta-number-x", lambda t, q: t.special.zeta(3.0, q), [(4,)], low=0.3, high=4.0),
    OpCase(
        "special-gammainc",
        lambda t, x: t.special.gammainc(t.tensor([0.5, 2.0, 3.5]), x),
        [(3,)],
        low=0.1,
        high=3.0,
    ),
    OpCase(
        "special-gammaincc",
        lambda t, x: t.special.gammaincc(t.tensor([0.5, 2.0, 3.5]), x),
        [(3,)],
        low=0.1,
        high=3.0,
    ),
    OpCase("special-round", lambda t, a: t.special.round(a), [(5,)]),
    OpCase("special-round-decimals", lambda t, a: t.special.round(a, decimals=2), [(5,)]),
]
