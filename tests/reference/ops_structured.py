"""Rows of test_op_gradients.py's table for the view scatters and index_reduce
(conformance/reference/ops/scatters.py) and the structured statistics and solvers.

as_strided_scatter's input gradient is PyTorch's formula, not the derivative (see
scatters.py), so its row differentiates src alone: finite differences would refuse the other.
index_reduce's indices name a position twice and leave one out, so the products, means and
extremes over several elements are checked."""

from __future__ import annotations

import warnings

from opcase import OpCase


def _index(t):
    return t.tensor([0, 2, 0])


def _in_beta(call):
    """index_reduce's "is in beta" warning comes once per process in both engines, so whether
    a row sees it depends on which tests ran first in that process: the rows hide it (the
    warning itself is tested in test_structured_ops.py)."""

    def quiet(t, *xs):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"index_reduce\(\) is in beta")
            return call(t, *xs)

    return quiet


def _index_reduce(reduce: str, include_self: bool) -> OpCase:
    return OpCase(
        f"index-reduce-{reduce}{'' if include_self else '-exclude-self'}",
        _in_beta(
            lambda t, a, b: t.index_reduce(a, 0, _index(t), b, reduce, include_self=include_self)
        ),
        [(3, 2), (3, 2)],
    )


CASES: list[OpCase] = [
    OpCase("diagonal-scatter", lambda t, a, b: t.diagonal_scatter(a, b), [(3, 4), (3,)]),
    OpCase(
        "diagonal-scatter-offset-dims",
        lambda t, a, b: a.diagonal_scatter(b, -1, 2, 0),
        [(3, 2, 4), (2, 3)],
    ),
    OpCase("select-scatter", lambda t, a, b: t.select_scatter(a, b, 1, -1), [(3, 4), (3,)]),
    OpCase("slice-scatter", lambda t, a, b: t.slice_scatter(a, b, 1, 1, None, 2), [(3, 5), (3, 2)]),
    OpCase("slice-scatter-default", lambda t, a, b: a.slice_scatter(b), [(3, 2), (3, 2)]),
    OpCase(
        "as-strided-scatter-src",
        lambda t, b: t.as_strided_scatter(t.zeros(3, 4, dtype=b.dtype), b, (2, 2), (4, 1), 1),
        [(2, 2)],
    ),
    OpCase(
        "index-reduce-in-place",
        _in_beta(lambda t, a, b: (a * 1).index_reduce_(0, _index(t), b, "amax")),
        [(3, 2), (3, 2)],
    ),
    *[
        _index_reduce(reduce, include_self)
        for reduce in ("prod", "mean", "amax", "amin")
        for include_self in (True, False)
    ],
]

CASES += [
    OpCase("cov", lambda t, a: t.cov(a), [(3, 5)]),
    OpCase("cov-vector-correction-0", lambda t, a: t.cov(a, correction=0), [(6,)]),
    OpCase(
        "cov-weights",
        lambda t, a: a.cov(
            fweights=t.tensor([1, 2, 1, 3]), aweights=t.tensor([0.5, 1.0, 2.0, 0.25], dtype=a.dtype)
        ),
        [(2, 4)],
    ),
    OpCase("corrcoef", lambda t, a: t.corrcoef(a), [(3, 5)]),
]

CASES += [
    OpCase("gradient-uniform", lambda t, a: t.gradient(a, spacing=2.0)[0], [(5,)]),
    OpCase(
        "gradient-edge-order-2-dims",
        lambda t, a: t.stack(t.gradient(a, spacing=[2.0, 0.5], edge_order=2)),
        [(3, 4)],
    ),
    OpCase(
        "gradient-coordinates",
        lambda t, a: t.gradient(
            a, spacing=(t.tensor([0.0, 1, 3, 4, 7], dtype=a.dtype),), dim=1, edge_order=2
        )[0],
        [(2, 5)],
    ),
]


def _finite(a):
    """Drawn values with inf and nan replaced: where a triangular solve meets them, the nan
    pattern is the BLAS library's (trsm skips zeros), which the engine does not reproduce."""
    return a.nan_to_num(0.0, 2.0, -2.0)


def _factor(t, a, upper=False):
    """A well-conditioned triangular factor from a drawn matrix: its triangle, 3 added on the
    diagonal (the other triangle is masked, as the solvers never read it)."""
    a, eye = _finite(a), t.eye(a.shape[-1], dtype=a.dtype)
    return (a.triu() if upper else a.tril()) + 3 * eye


def _triangular_solve(t, *args):
    """torch.triangular_solve without its deprecation warning (once per process, and torch's
    names the C++ line that raised it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t.triangular_solve(*args)


def _pivots(t):
    return t.tensor([3, 3, 3], dtype=t.int32)


CASES += [
    OpCase(
        "cholesky-solve",
        lambda t, b, a: t.cholesky_solve(_finite(b), _factor(t, a)),
        [(3, 2), (3, 3)],
    ),
    OpCase(
        "cholesky-solve-upper-batch",
        lambda t, b, a: _finite(b).cholesky_solve(_factor(t, a, True), upper=True),
        [(2, 3, 2), (3, 3)],
    ),
    OpCase("cholesky-inverse", lambda t, a: t.cholesky_inverse(_factor(t, a)), [(3, 3)]),
    OpCase(
        "cholesky-inverse-upper",
        lambda t, a: _factor(t, a, True).cholesky_inverse(True),
        [(2, 3, 3)],
    ),
    OpCase(
        "triangular-solve",
        lambda t, b, a: _triangular_solve(t, _finite(b), _factor(t, a, True)).solution,
        [(3, 2), (3, 3)],
    ),
    OpCase(
        "triangular-solve-lower-transpose-unit",
        lambda t, b, a: _triangular_solve(t, _finite(b), _finite(a), False, True, True).solution,
        [(2, 3, 2), (3, 3)],
    ),
    OpCase(
        "triangular-solve-cloned-coefficient",
        lambda t, b, a: (lambda r: r.solution * r.cloned_coefficient.sum())(
            _triangular_solve(t, _finite(b), _factor(t, a))
        ),
        [(3, 1), (3, 3)],
    ),
    OpCase(
        "lu-unpack",
        lambda t, a: t.cat([part.flatten() for part in t.lu_unpack(a, _pivots(t))[1:]]),
        [(4, 3)],
    ),
    OpCase(
        "lu-unpack-wide",
        lambda t, a: t.cat(
            [part.flatten() for part in t.lu_unpack(a, _pivots(t), True, False)[1:]]
        ),
        [(3, 5)],
    ),
]
