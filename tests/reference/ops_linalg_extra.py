"""Rows of test_op_gradients.py's table for the linear algebra beyond matmul (conformance/reference/ops/linalg.py and linalg_decompositions.py)."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401

CASES: list[OpCase] = [
    OpCase("addmm", lambda t, c, a, b: t.addmm(c, a, b), [(2, 4), (2, 3), (3, 4)]),
    OpCase(
        "addmm-beta-alpha-broadcast",
        lambda t, c, a, b: t.addmm(c, a, b, beta=0.5, alpha=-2),
        [(4,), (2, 3), (3, 4)],
    ),
    OpCase("addmm-beta-0", lambda t, c, a, b: c.addmm(a, b, beta=0), [(2, 2), (2, 3), (3, 2)]),
    OpCase("addmv", lambda t, c, a, v: t.addmv(c, a, v, beta=2, alpha=0.5), [(2,), (2, 3), (3,)]),
    OpCase("addr", lambda t, c, u, v: t.addr(c, u, v, alpha=3), [(2, 3), (2,), (3,)]),
    OpCase(
        "baddbmm",
        lambda t, c, a, b: t.baddbmm(c, a, b, beta=-1, alpha=0.5),
        [(1, 2, 4), (3, 2, 3), (3, 3, 4)],
    ),
    OpCase("addbmm", lambda t, c, a, b: t.addbmm(c, a, b), [(2, 4), (3, 2, 3), (3, 3, 4)]),
    OpCase("vdot", lambda t, a, b: t.vdot(a, b), [(4,), (4,)]),
    OpCase("inner", lambda t, a, b: t.inner(a, b), [(2, 3), (4, 3)]),
    OpCase("inner-vectors", lambda t, a, b: a.inner(b), [(3,), (3,)]),
    OpCase("kron", lambda t, a, b: t.kron(a, b), [(2, 3), (2, 2)]),
    OpCase("kron-ranks", lambda t, a, b: a.kron(b), [(3,), (2, 2)]),
    OpCase(
        "tensordot", lambda t, a, b: t.tensordot(a, b, dims=([0, 2], [1, 0])), [(2, 3, 4), (4, 2)]
    ),
    OpCase("tensordot-int", lambda t, a, b: t.tensordot(a, b, 1), [(2, 3), (3, 2)]),
    OpCase("linalg-cross", lambda t, a, b: t.linalg.cross(a, b), [(2, 3), (1, 3)]),
    OpCase("cross-dim", lambda t, a, b: t.cross(a, b, dim=0), [(3, 2), (3, 2)]),
    OpCase(
        "multi-dot",
        lambda t, a, b, c: t.linalg.multi_dot([a, b, c]),
        [(4, 2), (2, 3), (3, 1)],
    ),
    OpCase(
        "multi-dot-vectors",
        lambda t, a, b, c: t.linalg.multi_dot([a, b, c]),
        [(3,), (3, 2), (2,)],
    ),
    OpCase("einsum-mm", lambda t, a, b: t.einsum("ij,jk->ik", a, b), [(2, 3), (3, 2)]),
    OpCase("einsum-bmm", lambda t, a, b: t.einsum("bij,bkj->bik", a, b), [(2, 2, 3), (2, 4, 3)]),
    OpCase("einsum-trace", lambda t, a: t.einsum("ii", a), [(3, 3)]),
    OpCase("einsum-diagonal", lambda t, a: t.einsum("bii->bi", a), [(2, 3, 3)]),
    OpCase("einsum-transpose", lambda t, a: t.einsum("ij->ji", a), [(2, 3)]),
    OpCase("einsum-outer", lambda t, a, b: t.einsum("i,j", a, b), [(3,), (2,)]),
    OpCase("einsum-sum-axes", lambda t, a: t.einsum("ijk->j", a), [(2, 3, 2)]),
    OpCase(
        "einsum-ellipsis-chain",
        lambda t, a, b, c: t.einsum("...ij,jk,kl->...il", a, b, c),
        [(2, 2, 3), (3, 4), (4, 2)],
    ),
    OpCase("einsum-summed-alone", lambda t, a, b: t.einsum("ij,jk->", [a, b]), [(2, 3), (3, 2)]),
    OpCase("matrix-norm-fro", lambda t, a: t.linalg.matrix_norm(a), [(2, 3, 2)]),
    OpCase("matrix-norm-1", lambda t, a: t.linalg.matrix_norm(a, 1), [(3, 2)]),
    OpCase("matrix-norm-minus-1", lambda t, a: t.linalg.matrix_norm(a, -1, keepdim=True), [(2, 3)]),
    OpCase(
        "matrix-norm-inf", lambda t, a: t.linalg.matrix_norm(a, float("inf"), (0, 2)), [(3, 2, 2)]
    ),
    OpCase("matrix-norm-minus-inf", lambda t, a: t.linalg.matrix_norm(a, -float("inf")), [(2, 3)]),
    OpCase("linalg-norm-matrix-dims", lambda t, a: t.linalg.norm(a, dim=(1, 0)), [(2, 3)]),
    OpCase("linalg-norm-vector", lambda t, a: t.linalg.norm(a, 3, dim=1), [(2, 3)]),
    # linalg_decompositions.py. The matrices are 3 I plus entries within 0.3 (nan read as 0),
    # so every drawn or special input stays invertible and well conditioned: the rows check
    # the calculus, not LAPACK's handling of inf and nan.
    OpCase("linalg-inv", lambda t, a: t.linalg.inv(_invertible(t, a)), [(3, 3)], -0.25, 0.25),
    OpCase("inverse-batch", lambda t, a: _invertible(t, a).inverse(), [(2, 3, 3)], -0.25, 0.25),
    OpCase("linalg-det", lambda t, a: t.linalg.det(_invertible(t, a)), [(2, 3, 3)], -0.25, 0.25),
    OpCase("det-method", lambda t, a: _invertible(t, -a).det(), [(3, 3)], -0.25, 0.25),
    OpCase(
        "slogdet-logabsdet",
        lambda t, a: t.linalg.slogdet(_invertible(t, a)).logabsdet,
        [(2, 3, 3)],
        -0.25,
        0.25,
    ),
    OpCase("slogdet-both", lambda t, a: sum(t.slogdet(_invertible(t, a))), [(3, 3)], -0.25, 0.25),
    OpCase("logdet", lambda t, a: t.logdet(_invertible(t, a)), [(2, 2, 2)], -0.25, 0.25),
    OpCase(
        "solve",
        lambda t, a, b: t.linalg.solve(_invertible(t, a), _finite(t, b)),
        [(3, 3), (3, 2)],
        -0.25,
        0.25,
    ),
    OpCase(
        "solve-vector-broadcast",
        lambda t, a, b: t.linalg.solve(_invertible(t, a), _finite(t, b)),
        [(2, 3, 3), (3,)],
        -0.25,
        0.25,
    ),
    OpCase(
        "solve-batch-vectors",
        lambda t, a, b: t.linalg.solve(_invertible(t, a), _finite(t, b)),
        [(2, 3, 3), (2, 3)],
        -0.25,
        0.25,
    ),
    OpCase(
        "solve-right",
        lambda t, a, b: t.linalg.solve(_invertible(t, a), _finite(t, b), left=False),
        [(1, 3, 3), (2, 4, 3)],
        -0.25,
        0.25,
    ),
    OpCase("matrix-power-0", lambda t, a: t.linalg.matrix_power(a, 0), [(2, 2)]),
    OpCase("matrix-power-1", lambda t, a: a.matrix_power(1), [(2, 2)]),
    OpCase("matrix-power-3", lambda t, a: t.matrix_power(a, 3), [(2, 3, 3)], -1.0, 1.0),
    OpCase("matrix-power-6", lambda t, a: t.linalg.matrix_power(a, 6), [(3, 3)], -0.5, 0.5),
    OpCase(
        "matrix-power-minus-1",
        lambda t, a: t.linalg.matrix_power(_invertible(t, a), -1),
        [(3, 3)],
        -0.25,
        0.25,
    ),
    OpCase(
        "matrix-power-minus-5",
        lambda t, a: t.linalg.matrix_power(_invertible(t, a), -5),
        [(2, 2, 2)],
        -0.25,
        0.25,
    ),
    OpCase("linalg-cholesky", lambda t, a: t.linalg.cholesky(_spd(t, a)), [(3, 3)], -0.25, 0.25),
    OpCase(
        "linalg-cholesky-upper-batch",
        lambda t, a: t.linalg.cholesky(_spd(t, a), upper=True),
        [(2, 3, 3)],
        -0.25,
        0.25,
    ),
]


def _spd(t, a):
    """A symmetric positive-definite matrix from a: _invertible(a) times its transpose."""
    m = _invertible(t, a)
    return m @ m.mT


def _finite(t, a):
    """a with nan read as 0 and clamped to [-0.3, 0.3]: finite whatever the test feeds in."""
    return t.where(a == a, a, 0.0).clamp(-0.3, 0.3)


def _invertible(t, a):
    """3 I + _finite(a): diagonally dominant, so invertible with a condition number under 2."""
    return _finite(t, a) + 3 * t.eye(a.shape[-1], dtype=a.dtype)
