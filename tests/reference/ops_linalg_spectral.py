"""Rows of test_op_gradients.py's table for the linalg spectral ops (QR, eigh, SVD, pinv, the
singular-value matrix norms and the *_ex variants). The matrices are a fixed diagonal with
well separated entries (3, 5, 7, ...) plus entries within 0.3 (nan read as 0), so every drawn
or special input keeps distinct, well separated singular values and eigenvalues: the rows check
the calculus, not LAPACK's handling of inf and nan. Eigenvectors and singular vectors are
determined up to sign, so the rows differentiate functions that do not depend on it."""

from __future__ import annotations

from opcase import OpCase

LOW, HIGH = -0.25, 0.25


def _finite(t, a):
    """a with nan read as 0 and clamped to [-0.3, 0.3]."""
    return t.where(a == a, a, 0.0).clamp(-0.3, 0.3)


def _separated(t, a):
    """diag(3, 5, 7, ...) (rectangular like a) plus _finite(a)."""
    m, n = a.shape[-2], a.shape[-1]
    steps = 2.0 * t.arange(1, n + 1, dtype=a.dtype) + 1
    return _finite(t, a) + t.eye(m, n, dtype=a.dtype) * steps


def _symmetric(t, a):
    m = _separated(t, a)
    return (m + m.mT) * 0.5


def _spd(t, a):
    m = _separated(t, a)
    return m @ m.mT


def _eigh_function(t, a, uplo="L"):
    """V diag(exp(L / 4)) V^T: a matrix function, whatever the eigenvectors' signs."""
    L, V = t.linalg.eigh(_symmetric(t, a), UPLO=uplo)
    return (V * (L * 0.25).exp().unsqueeze(-2)) @ V.mT


def _svd_function(t, a, full_matrices):
    """U diag(S^2) Vh over the first min(m, n) vectors, and U U^T: sign-free."""
    U, S, Vh = t.linalg.svd(_separated(t, a), full_matrices=full_matrices)
    k = S.shape[-1]
    U, Vh = U[..., :k], Vh[..., :k, :]
    return (U * (S * S).unsqueeze(-2)) @ Vh + (U @ U.mT).sum() + (Vh.mT @ Vh).sum()


def _qr_product(t, a, mode):
    Q, R = t.linalg.qr(_separated(t, a), mode=mode)
    return Q @ R.sin()


CASES: list[OpCase] = [
    OpCase("linalg-inv-ex", lambda t, a: t.linalg.inv_ex(_separated(t, a)).inverse, [(3, 3)]),
    OpCase(
        "linalg-cholesky-ex-upper",
        lambda t, a: t.linalg.cholesky_ex(_spd(t, a), upper=True)[0],
        [(2, 3, 3)],
        LOW,
        HIGH,
    ),
    OpCase(
        "linalg-solve-ex",
        lambda t, a, b: t.linalg.solve_ex(_separated(t, a), _finite(t, b)).result,
        [(2, 3, 3), (3,)],
        LOW,
        HIGH,
    ),
    OpCase("linalg-qr-Q-tall", lambda t, a: t.linalg.qr(_separated(t, a)).Q, [(4, 3)], LOW, HIGH),
    OpCase("linalg-qr-R-batch", lambda t, a: t.linalg.qr(_separated(t, a))[1], [(2, 3, 3)]),
    OpCase("linalg-qr-tall", lambda t, a: _qr_product(t, a, "reduced"), [(4, 3)], LOW, HIGH),
    OpCase("linalg-qr-wide", lambda t, a: _qr_product(t, a, "reduced"), [(2, 4)], LOW, HIGH),
    OpCase("linalg-qr-complete-wide", lambda t, a: _qr_product(t, a, "complete"), [(2, 3, 4)], LOW),
    OpCase("linalg-eigvalsh", lambda t, a: t.linalg.eigvalsh(_symmetric(t, a)), [(2, 3, 3)]),
    OpCase(
        "linalg-eigh-values-upper",
        lambda t, a: t.linalg.eigh(_symmetric(t, a), UPLO="U").eigenvalues,
        [(3, 3)],
    ),
    # float32 eigenvectors from two LAPACKs (MKL in torch, OpenBLAS in NumPy) part in the
    # last bits, which the exp and the products amplify: a looser forward bound.
    OpCase(
        "linalg-eigh-function",
        lambda t, a: _eigh_function(t, a),
        [(2, 3, 3)],
        LOW,
        HIGH,
        forward_atol=1e-4,
    ),
    OpCase("linalg-svdvals", lambda t, a: t.linalg.svdvals(_separated(t, a)), [(2, 4, 3)]),
    OpCase("linalg-svd-tall", lambda t, a: _svd_function(t, a, False), [(4, 3)], LOW, HIGH),
    OpCase("linalg-svd-wide-full", lambda t, a: _svd_function(t, a, True), [(2, 3, 4)], LOW, HIGH),
    OpCase("linalg-svd-square", lambda t, a: _svd_function(t, a, True), [(3, 3)], LOW, HIGH),
    OpCase(
        "svd-some",
        lambda t, a: (lambda U, S, V: (U * S.unsqueeze(-2)) @ V.mT)(*t.svd(_separated(t, a))),
        [(4, 2)],
    ),
    OpCase("linalg-pinv-tall", lambda t, a: t.linalg.pinv(_separated(t, a)), [(4, 3)]),
    OpCase("pinverse-wide", lambda t, a: t.pinverse(_separated(t, a)), [(2, 2, 3)]),
    OpCase(
        "linalg-pinv-hermitian",
        lambda t, a: t.linalg.pinv(_symmetric(t, a), hermitian=True),
        [(3, 3)],
    ),
    OpCase("matrix-norm-nuc", lambda t, a: t.linalg.matrix_norm(_separated(t, a), "nuc"), [(3, 2)]),
    OpCase(
        "matrix-norm-2-dims-keepdim",
        lambda t, a: t.linalg.matrix_norm(_separated(t, a).mT, 2, dim=(0, 2), keepdim=True),
        [(2, 4, 3)],
    ),
    OpCase(
        "linalg-norm-minus-2",
        lambda t, a: t.linalg.norm(_separated(t, a), -2, dim=(-1, -2)),
        [(2, 3, 4)],
    ),
]
