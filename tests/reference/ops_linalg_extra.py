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
]
