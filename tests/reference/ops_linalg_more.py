"""Rows of test_op_gradients.py's table for the torch.linalg functions added last:
solve_triangular (conformance/reference/ops/linalg_solvers.py) and the LU family
(ops/linalg_lu.py).

Drawn values are made finite and the factors well conditioned: where a triangular solve meets
inf or nan, the nan pattern is the BLAS library's (trsm skips zeros), which the engine does
not reproduce."""

from __future__ import annotations

import warnings

from opcase import OpCase


def _finite(a):
    return a.nan_to_num(0.0, 2.0, -2.0)


def _factor(t, a, upper=False):
    """A well-conditioned triangular factor: the drawn triangle with 3 added on the diagonal."""
    a, eye = _finite(a), t.eye(a.shape[-1], dtype=a.dtype)
    return (a.triu() if upper else a.tril()) + 3 * eye


CASES: list[OpCase] = [
    OpCase(
        "linalg-solve-triangular-upper",
        lambda t, a, b: t.linalg.solve_triangular(_factor(t, a, True), _finite(b), upper=True),
        [(3, 3), (3, 2)],
    ),
    OpCase(
        "linalg-solve-triangular-lower-batch",
        lambda t, a, b: t.linalg.solve_triangular(_factor(t, a), _finite(b), upper=False),
        [(2, 3, 3), (3, 2)],
    ),
    OpCase(
        "linalg-solve-triangular-right",
        lambda t, a, b: t.linalg.solve_triangular(
            _factor(t, a, True), _finite(b), upper=True, left=False
        ),
        [(3, 3), (2, 3)],
    ),
    OpCase(
        "linalg-solve-triangular-unit-full-matrix",
        lambda t, a, b: t.linalg.solve_triangular(
            _finite(a), _finite(b), upper=False, unitriangular=True
        ),
        [(3, 3), (2, 3, 1)],
    ),
]


def _quiet(call):
    """torch.lu and torch.lu_solve warn once per process (tested in test_linalg_more.py)."""

    def quiet(t, *xs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call(t, *xs)

    return quiet


def _pivoted(t, a):
    """A matrix whose pivots are clear, its rows reversed so that every step swaps: drawn
    matrices of equal entries would otherwise factor through cancellations whose last bits
    are the BLAS library's (fused multiply-adds), not the engine's."""
    eye = t.eye(*a.shape[-2:], dtype=a.dtype)
    return (_finite(a) + 5 * eye).flip(-2)


def _flat(parts, t):
    return t.cat([part.flatten() for part in parts])


CASES += [
    OpCase("linalg-lu-factor", lambda t, a: t.linalg.lu_factor(_pivoted(t, a)).LU, [(3, 3)]),
    OpCase(
        "linalg-lu-factor-ex-wide",
        lambda t, a: t.linalg.lu_factor_ex(_pivoted(t, a)).LU,
        [(2, 3, 4)],
    ),
    OpCase(
        "linalg-lu-factor-ex-tall", lambda t, a: t.linalg.lu_factor_ex(_pivoted(t, a))[0], [(4, 2)]
    ),
    OpCase("linalg-lu", lambda t, a: _flat(t.linalg.lu(_pivoted(t, a))[1:], t), [(3, 3)]),
    OpCase("linalg-lu-wide", lambda t, a: _flat(t.linalg.lu(_pivoted(t, a))[1:], t), [(3, 5)]),
    OpCase(
        "linalg-lu-tall-batch", lambda t, a: _flat(t.linalg.lu(_pivoted(t, a))[1:], t), [(2, 4, 3)]
    ),
    OpCase("linalg-lu-L-only-wide", lambda t, a: t.linalg.lu(_pivoted(t, a)).L, [(2, 4)]),
    OpCase("linalg-lu-U-only-tall", lambda t, a: t.linalg.lu(_pivoted(t, a)).U, [(4, 2)]),
    OpCase("linalg-lu-U-only", lambda t, a: t.linalg.lu(_pivoted(t, a)).U, [(3, 3)]),
    *[
        OpCase(
            f"linalg-lu-solve{'' if left else '-right'}{'-adjoint' if adjoint else ''}",
            lambda t, a, b, left=left, adjoint=adjoint: t.linalg.lu_solve(
                *t.linalg.lu_factor(_factor(t, a) + _finite(a).triu(1)),
                _finite(b),
                left=left,
                adjoint=adjoint,
            ),
            [(3, 3), (3, 2) if left else (2, 3)],
        )
        for left in (True, False)
        for adjoint in (False, True)
    ],
    OpCase(
        "linalg-lu-solve-batch-broadcast",
        lambda t, a, b: t.linalg.lu_solve(*t.linalg.lu_factor(_factor(t, a)), _finite(b)),
        [(2, 3, 3), (3, 1)],
    ),
    OpCase(
        "lu-solve-deprecated",
        _quiet(lambda t, a, b: t.lu_solve(_finite(b), *t.lu(_factor(t, a, True)))),
        [(3, 3), (3, 2)],
    ),
]

CASES += [
    OpCase("linalg-vander", lambda t, a: t.linalg.vander(a), [(3,)]),
    OpCase("linalg-vander-N-batch", lambda t, a: t.linalg.vander(a, N=4), [(2, 3)]),
    OpCase("linalg-diagonal", lambda t, a: t.linalg.diagonal(a, offset=1), [(2, 3, 4)]),
    OpCase("renorm-2", lambda t, a: t.renorm(a, 2, 0, 1.5), [(3, 4)]),
    OpCase("renorm-1-dim-1", lambda t, a: a.renorm(1, 1, 2.0), [(3, 4)]),
    OpCase("renorm-3-in-place", lambda t, a: (a * 1).renorm_(3, -1, 1.0), [(2, 3, 2)]),
    OpCase("adjoint", lambda t, a: t.adjoint(a) * 2, [(2, 3, 4)]),
]
