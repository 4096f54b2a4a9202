"""Factorizations by orthogonal matrices and what is built on them: QR, the symmetric
eigendecomposition, the SVD, singular values, the pseudo-inverse and matrix rank,
and the *_ex variants of the LU-based decompositions, with PyTorch's checks,
conventions and derivatives.

The forwards are the array namespace's LAPACK-backed xp.linalg.qr, eigh and svd (NumPy and
CuPy both have them, batched). QR is unique once R's diagonal signs are fixed, and geqrf fixes
them as PyTorch's LAPACK does; eigenvectors and singular vectors are not unique (each may flip
sign), so only functions invariant under that flip are PyTorch's to the last bit of meaning.
The derivatives are PyTorch's (FunctionsManual.cpp: linalg_qr_backward, linalg_eig_backward,
svd_backward, pinv_backward): each reads the outputs it needs, so an in-place change to one of
them is caught at backward as in PyTorch.
"""

from __future__ import annotations

import math

from conformance.reference import dtypes, return_types, warn_once
from conformance.reference.devices import array_namespace
from conformance.reference.ops import rearranging
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.linalg_decompositions import (
    _check_solve,
    _cholesky_forward,
    _first_non_positive_minors,
    _first_zero_pivots,
    _LinAlgError,
    _mT,
    _solve,
    _solve_A_derivative,
    _square_float,
    _tril,
    check_cholesky_input,
)
from conformance.reference.tensor import Tensor

__all__ = ["pinverse", "qr", "svd"]


def _float_matrix(name: str, A, kernel: str, qr_mode: str | None = None) -> None:
    """linalg.qr's and linalg.svd's checks: at least 2 dims, floating, (qr's mode,) then no
    half-precision LAPACK kernel (NotImplementedError naming it)."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. "
            f"Got {dtypes.scalar_type_name(A.dtype)}"
        )
    if qr_mode is not None and qr_mode not in _QR_MODES:
        raise RuntimeError(
            f"qr received unrecognized mode '{qr_mode}' but expected one of 'reduced' "
            "(default), 'r', or 'complete'"
        )
    if A.dtype in (dtypes.float16, dtypes.bfloat16):
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{dtypes.scalar_type_name(A.dtype)}'"
        )


def _eye_like(a, rows: int, cols: int):
    """The first `cols` columns of the rows x rows identity, for every matrix of a's batch: the
    orthogonal factor of an empty matrix, as LAPACK leaves it."""
    xp = array_namespace(a)
    eye = xp.eye(rows, cols, dtype=a.dtype)
    return xp.broadcast_to(eye, a.shape[:-2] + (rows, cols)).copy()


def _triu(F, x, diagonal=0):
    return F.triu(x, diagonal) if F.records_graph else array_namespace(x).triu(x, diagonal)


def _diagonal(F, x):
    if F.records_graph:
        return rearranging.diagonal(x, 0, -2, -1)
    return array_namespace(x).diagonal(x, axis1=-2, axis2=-1)


def _diag_embed(F, v):
    if F.records_graph:
        return rearranging.diag_embed(v)
    xp = array_namespace(v)
    return v[..., None] * xp.eye(v.shape[-1], dtype=v.dtype)


def _right_solve(F, G, M):
    """G M^-1 (X M = G), recorded as a solve under create_graph. PyTorch solves with the
    triangle; here the general solve (LinalgSolveExBackward0 in a second-order graph)."""
    return formula_op(F, _solve)(M, G, False, False)


# -- the *_ex variants ---------------------------------------------------------------------------


def _info(info, xp):
    """LAPACK's info as PyTorch hands it back: int32, one per matrix."""
    return xp.asarray(info, dtype=xp.int32)


@op(
    "LinalgInvExBackward0",
    A=lambda grads, result0, F: -(_mT(F, result0) @ grads[0] @ _mT(F, result0)),
)
def _inv_ex(A):
    xp = array_namespace(A)
    if A.shape[-1] == 0:
        return A.copy(), xp.zeros(A.shape[:-2], dtype=xp.int32)
    info = _first_zero_pivots(A)
    singular = (info != 0)[..., None, None]
    eye = xp.eye(A.shape[-1], dtype=A.dtype)
    inverse = xp.linalg.inv(xp.where(singular, eye, A))
    return xp.where(singular, math.nan, inverse).astype(A.dtype), _info(info, xp)


def _raise_first(info, message) -> None:
    """check_errors=True: raise `message` for the first failed matrix of the batch."""
    flat = info.reshape(-1)
    failed = [int(i) for i in array_namespace(flat).nonzero(flat)[0][:1]]
    if failed:
        batch = f"(Batch element {failed[0]}): " if info.ndim else ""
        raise _LinAlgError(message(batch, int(flat[failed[0]])))


def linalg_inv_ex(A, *, check_errors=False):
    """torch.linalg.inv_ex: (inverse, info), info being getrf's (the first zero pivot, 1-based;
    0 for an invertible matrix), int32. A singular matrix's inverse is whatever LAPACK left
    (infinities and nans in PyTorch); here it is all nan."""
    _square_float("linalg.inv", A)
    inverse, info = _inv_ex(A)
    if check_errors:
        _raise_first(
            info._data,
            lambda batch, i: (
                f"linalg.inv_ex: {batch}The diagonal element {i} is zero, the inversion could "
                "not be completed because the input matrix is singular."
            ),
        )
    return return_types.linalg_inv_ex((inverse, info))


def _cholesky_ex_derivative(grads, result0, upper, F):
    from conformance.reference.ops.linalg_decompositions import _cholesky_derivative

    return _cholesky_derivative(grads[0], result0, upper, F)


@op("LinalgCholeskyExBackward0", A=_cholesky_ex_derivative)
def _cholesky_ex(A, upper=False):
    """A failed matrix is left as potrf leaves it: the columns before the failing one
    factored, the failing diagonal entry what was left of it (not positive), the later columns
    A's own lower triangle; the other triangle zero."""
    xp = array_namespace(A)
    lower = xp.swapaxes(A, -1, -2) if upper else A
    n = A.shape[-1]
    if n == 0:
        return A.copy(), xp.zeros(A.shape[:-2], dtype=xp.int32)
    info = _first_non_positive_minors(lower)
    failed = info != 0
    eye = xp.eye(n, dtype=A.dtype)
    L = _cholesky_forward(xp.where(failed[..., None, None], eye, A), upper, "linalg.cholesky")
    if bool(failed.any()):
        partial = _partial_cholesky(lower, info)
        L = xp.where(failed[..., None, None], xp.swapaxes(partial, -1, -2) if upper else partial, L)
    return L, _info(info, xp)


def _partial_cholesky(a, info):
    """potf2's work up to the failing column (1-based `info`, per matrix), in lower form."""
    xp = array_namespace(a)
    n = a.shape[-1]
    work = a.reshape(-1, n, n)
    stop = info.reshape(-1)
    low = xp.tril(work).copy()
    for j in range(n):
        active = (stop == 0) | (j < stop)
        rest = work[:, j, j] - (low[:, j, :j] ** 2).sum(axis=-1)
        done = active & (j + 1 < stop)  # columns before the failing one are factored
        head = xp.sqrt(xp.where(done, rest, 1))
        column = (work[:, j + 1 :, j] - (low[:, j + 1 :, :j] * low[:, j, None, :j]).sum(-1)) / (
            head[:, None]
        )
        low[:, j, j] = xp.where(done, head, xp.where(j + 1 == stop, rest, low[:, j, j]))
        low[:, j + 1 :, j] = xp.where(done[:, None], column, low[:, j + 1 :, j])
    return low.reshape(a.shape)


def linalg_cholesky_ex(A, *, upper=False, check_errors=False):
    """torch.linalg.cholesky_ex: (L, info), info being the order of the first leading minor
    that is not positive-definite (0 when A is), int32, as potrf reports it."""
    check_cholesky_input(A)
    L, info = _cholesky_ex(A, upper)
    if check_errors:
        _raise_first(
            info._data,
            lambda batch, i: (
                f"linalg.cholesky_ex: {batch}The factorization could not be completed because "
                f"the input is not positive-definite (the leading minor of order {i} is not "
                "positive-definite)."
            ),
        )
    return return_types.linalg_cholesky_ex((L, info))


@op(
    "LinalgSolveExBackward0",
    A=lambda grads, A, result0, left, vector, F: _solve_A_derivative(
        grads[0], A, result0, left, vector, F
    ),
    B=lambda grads, A, left, vector, F: formula_op(F, _solve)(_mT(F, A), grads[0], left, vector),
)
def _solve_ex(A, B, left=True, vector=False):
    xp = array_namespace(A)
    if A.shape[-1] == 0:
        return _solve.forward(A, B, left, vector), xp.zeros(A.shape[:-2], dtype=xp.int32)
    info = _first_zero_pivots(A)
    singular = (info != 0)[..., None, None]
    X = _solve.forward(xp.where(singular, xp.eye(A.shape[-1], dtype=A.dtype), A), B, left, vector)
    batch = X.shape[: X.ndim - (1 if vector else 2)]
    singular = xp.broadcast_to(singular, batch + singular.shape[-2:])
    X = xp.where(singular[..., 0] if vector else singular, math.nan, X).astype(X.dtype)
    return X, _info(xp.broadcast_to(info, batch), xp)


def linalg_solve_ex(A, B, *, left=True, check_errors=False):
    """torch.linalg.solve_ex: (result, info), info as linalg.inv_ex's, int32. The solution and
    its gradient are linalg.solve's (its node is this one's, LinalgSolveExBackward0); a
    singular system's solution is all nan here (LAPACK's leftovers in PyTorch)."""
    result, info = _solve_ex(A, B, left, _check_solve(A, B, left))
    if check_errors:
        _raise_first(
            info._data,
            lambda batch, i: (
                f"torch.linalg.solve_ex: {batch}The solver failed because the input matrix "
                "is singular."
            ),
        )
    return return_types.linalg_solve_ex((result, info))


# -- QR ------------------------------------------------------------------------------------------

_QR_MODES = ("reduced", "complete", "r")


def _qr_derivative(grads, result0, result1, mode, F):
    """PyTorch's linalg_qr_backward. For m >= n, with X = gR R^T - Q^T gQ:
    gA = (gQ + Q (triu(X) + triu(X, 1)^T)) R^-T; for m < n, A = Q [R1 R2] and
    gA = [Q tril(Y - Y^T) R1^-T, 0] + Q gR with Y = -X."""
    if mode == "r":
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
            "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
            "linalg.qr."
        )
    gQ, gR = grads
    Q, R = result0, result1
    m, n = Q.shape[-2], R.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError(
            "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
        )
    if gQ is not None and gR is not None:
        X = gR @ _mT(F, R) - _mT(F, Q) @ gQ
    elif gQ is not None:
        X = -(_mT(F, Q) @ gQ)
    else:
        X = gR @ _mT(F, R)
    if m >= n:
        gA = Q @ (_triu(F, X) + _mT(F, _triu(F, X, 1)))
        if gQ is not None:
            gA = gA + gQ
        return _right_solve(F, gA, _mT(F, R))
    Y = -X
    gA = _right_solve(F, Q @ _tril(F, Y - _mT(F, Y), 0), _mT(F, R[..., :m]))
    gA = F.cat([gA, F.zeros(gA.shape[:-1] + (n - m,), gA)], -1)
    return gA if gR is None else gA + Q @ gR


@op("LinalgQrBackward0", A=_qr_derivative)
def _qr(A, mode="reduced"):
    xp = array_namespace(A)
    m, n = A.shape[-2:]
    k = min(m, n)
    if A.size == 0:
        R = xp.zeros(A.shape[:-2] + ((m if mode == "complete" else k), n), dtype=A.dtype)
        Q = _eye_like(A, m, m if mode == "complete" else k)
    elif mode == "r":
        Q, R = None, xp.linalg.qr(A, mode="r")
    else:
        Q, R = xp.linalg.qr(A, mode=mode)
    if mode == "r":
        Q = xp.zeros((0,), dtype=A.dtype)
    return Q, R


def linalg_qr(A, mode="reduced"):
    """torch.linalg.qr: A = QR with R upper triangular, as LAPACK's geqrf and orgqr make them
    (R's diagonal may be negative). mode='complete' gives the square Q; mode='r' only R, Q
    then being an empty tensor, and the decomposition no longer differentiable."""
    _float_matrix("linalg.qr", A, "geqrf_cpu", mode)
    return return_types.linalg_qr(_qr(A, mode))


_QR_DEPRECATED = (
    "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
    "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string parameter "
    "'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\n"
    "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')"
)


def qr(input, some=True):  # noqa: A002 - torch's name
    """torch.qr (and Tensor.qr): deprecated, warning once; linalg.qr with some=True for
    'reduced' and some=False for 'complete', returned as torch.return_types.qr."""
    warn_once.warn_once(_QR_DEPRECATED)
    _float_matrix("linalg.qr", input, "geqrf_cpu")
    return return_types.qr(_qr(input, "reduced" if some else "complete"))


# -- the symmetric eigendecomposition ----------------------------------------------------------


def _eigh_derivative(grads, result0, result1, F):
    """PyTorch's linalg_eig_backward for a symmetric A = V diag(L) V^T:
    gA = V (skew(V^T gV) / 2E + diag(gL)) V^T with E_ij = L_j - L_i off the diagonal; a
    repeated eigenvalue divides by zero there (inf, nan), as in PyTorch. Without a gradient
    for V (eigvalsh), V diag(gL) V^T, finite for repeated eigenvalues too."""
    gL, gV = grads
    L, V = result0, result1
    if gV is None:
        return (V * F.unsqueeze(gL, -2)) @ _mT(F, V)
    VhgV = _mT(F, V) @ gV
    VhgV = (VhgV - _mT(F, VhgV)) * 0.5
    E = F.unsqueeze(L, -2) - F.unsqueeze(L, -1) + _identity(F, L)
    gA = VhgV / E
    if gL is not None:
        gA = gA + _diag_embed(F, gL)
    return V @ (gA @ _mT(F, V))


def _identity(F, v):
    """The identity matrix of v's size and dtype, on its device (a constant, no graph)."""
    data = v._data if F.records_graph else v
    eye = array_namespace(data).eye(v.shape[-1], dtype=data.dtype)
    return Tensor._wrap(eye, v.dtype, v.device) if F.records_graph else eye


@op("LinalgEighBackward0", A=_eigh_derivative)
def _eigh(A, UPLO="L"):
    xp = array_namespace(A)
    if A.size == 0:
        return xp.zeros(A.shape[:-1], dtype=A.dtype), _eye_like(A, A.shape[-1], A.shape[-1])
    L, V = xp.linalg.eigh(A, UPLO=UPLO)
    return L, V


_eigh.node.keeps_missing_grads = True  # eigvalsh's backward has no gradient for V


def _checked_eigh(A, UPLO):
    """linalg.eigh's checks, then the decomposition, in ascending eigenvalue order."""
    if A.ndim < 2:
        raise RuntimeError("linalg.eigh: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            "linalg.eigh: A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U") or len(UPLO) != 1:
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    if A.dtype.category < dtypes.FLOATING or A.dtype in (dtypes.float16, dtypes.bfloat16):
        raise NotImplementedError(
            f"\"linalg_eigh_cpu\" not implemented for '{dtypes.scalar_type_name(A.dtype)}'"
        )
    return _eigh(A, UPLO.upper())


def linalg_eigh(A, UPLO="L"):
    """torch.linalg.eigh: (eigenvalues ascending, eigenvectors as columns) of a symmetric
    matrix, read from its lower triangle (UPLO='L') or upper one ('U') only. Each eigenvector
    is determined up to its sign: differentiate only what does not depend on it."""
    return return_types.linalg_eigh(_checked_eigh(A, UPLO))


def linalg_eigvalsh(A, UPLO="L"):
    """torch.linalg.eigvalsh: the eigenvalues alone, through the same node as eigh (as
    PyTorch's LinalgEighBackward0), whose gradient is V diag(gL) V^T."""
    return _checked_eigh(A, UPLO)[0]


# -- the singular value decomposition ------------------------------------------------------------


def _svd_derivative(grads, result0, result1, result2, full_matrices, F):
    """PyTorch's svd_backward (real case), for A = U diag(S) Vh with distinct singular values
    (and, when A is not square, full rank): E_jk = S_k^2 - S_j^2 off the diagonal and
    gA = U [(skew(U^T gU) S + S skew(Vh gVh^T)) / E + diag(gS)] Vh, plus
    (I - U U^T) gU S^-1 Vh for m > n, or U S^-1 gVh (I - Vh^T Vh) for m < n. full_matrices
    narrows U and Vh (and their gradients) to the first min(m, n) vectors first."""
    gU, gS, gVh = grads
    U, S, Vh = result0, result1, result2
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    if full_matrices:
        U, Vh = U[..., :k], Vh[..., :k, :]
        gU = None if gU is None else gU[..., :k]
        gVh = None if gVh is None else gVh[..., :k, :]
    if gU is None and gVh is None:
        if m >= n:
            return U @ (F.unsqueeze(gS, -1) * Vh)
        return (U * F.unsqueeze(gS, -2)) @ Vh
    UhgU = None if gU is None else _skew(F, _mT(F, U) @ gU)
    VhgV = None if gVh is None else _skew(F, Vh @ _mT(F, gVh))
    S2 = S * S
    E = F.unsqueeze(S2, -2) - F.unsqueeze(S2, -1) + _identity(F, S)
    if gU is not None and gVh is not None:
        gA = (UhgU * F.unsqueeze(S, -2) + F.unsqueeze(S, -1) * VhgV) / E
    elif gU is not None:
        gA = (UhgU / E) * F.unsqueeze(S, -2)
    else:
        gA = F.unsqueeze(S, -1) * (VhgV / E)
    if gS is not None:
        gA = gA + _diag_embed(F, gS)
    if m > n and gU is not None:
        gA = U @ gA
        gUSinv = gU / F.unsqueeze(S, -2)
        gA = gA + gUSinv - U @ (_mT(F, U) @ gUSinv)
        return gA @ Vh
    if m < n and gVh is not None:
        gA = gA @ Vh
        SinvgVh = gVh / F.unsqueeze(S, -1)
        gA = gA + SinvgVh - (SinvgVh @ _mT(F, Vh)) @ Vh
        return U @ gA
    return U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh


def _skew(F, X):
    return X - _mT(F, X)


@op("LinalgSvdBackward0", A=_svd_derivative)
def _svd(A, full_matrices=True):
    xp = array_namespace(A)
    m, n = A.shape[-2:]
    k = min(m, n)
    if A.size == 0:
        S = xp.zeros(A.shape[:-2] + (k,), dtype=A.dtype)
        U = _eye_like(A, m, m if full_matrices else k)
        Vh = xp.swapaxes(_eye_like(A, n, n if full_matrices else k), -1, -2).copy()
        return U, S, Vh
    U, S, Vh = xp.linalg.svd(A, full_matrices=full_matrices)
    return U, S, Vh


_svd.node.keeps_missing_grads = True  # svdvals' backward has no gradients for U and Vh


def _checked_svd(A, full_matrices):
    _float_matrix("linalg.svd", A, "linalg_svd_cpu")
    return _svd(A, full_matrices)


def linalg_svd(A, full_matrices=True):
    """torch.linalg.svd: A = U diag(S) Vh, S descending, by LAPACK's gesdd. Each pair of
    singular vectors is determined up to a common sign: differentiate only what does not
    depend on it."""
    return return_types.linalg_svd(_checked_svd(A, full_matrices))


def linalg_svdvals(A):
    """torch.linalg.svdvals: the singular values, descending, through linalg.svd's node
    (LinalgSvdBackward0, whose gradient is then U diag(gS) Vh)."""
    return _checked_svd(A, False)[1]


def svd(input, some=True, compute_uv=True):  # noqa: A002 - torch's name
    """torch.svd (and Tensor.svd): linalg.svd with full_matrices=not some, returning V, not
    Vh (a transposed view, TransposeBackward0). With compute_uv=False, U and V are square
    zero matrices outside the graph, and only S is computed."""
    if input.ndim < 2:
        raise RuntimeError(
            "linalg.svd: input should have at least 2 dimensions, but has "
            f"{input.ndim} dimensions instead"
        )
    if not compute_uv:
        S = linalg_svdvals(input)
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        U = input.new_zeros(batch + (m, m))
        V = input.new_zeros(batch + (n, n))
        return return_types.svd((U, S, V))
    U, S, Vh = _checked_svd(input, not some)
    return return_types.svd((U, S, Vh.mT))


# -- pseudo-inverse and rank ---------------------------------------------------------------------


def _tolerances(A, atol, rtol):
    """PyTorch's get_atol_rtol: atol defaults to 0; rtol to eps * max(m, n) of A's dtype when
    neither is given, to 0 when a positive atol is given without it."""
    default = dtypes.finfo(A.dtype).eps * max(A.shape[-2], A.shape[-1])
    atol = 0.0 if atol is None else atol
    if rtol is None:
        given = atol if not isinstance(atol, Tensor) else atol._data
        rtol = default if not _any_positive(given) else 0.0
    return atol, rtol


def _any_positive(value) -> bool:
    if isinstance(value, int | float):
        return value > 0
    return bool((value > 0).all())


def _threshold(xp, top, atol, rtol):
    """max(atol, rtol * top), per matrix, in float64 as PyTorch computes it."""
    atol = atol._data if isinstance(atol, Tensor) else atol
    rtol = rtol._data if isinstance(rtol, Tensor) else rtol
    atol = xp.asarray(atol, dtype=xp.float64)[..., None]
    rtol = xp.asarray(rtol, dtype=xp.float64)[..., None]
    return xp.maximum(atol, rtol * top.astype(xp.float64))


@op("LinalgPinvBackward0", A=lambda grad, A, result, F: _pinv_derivative(grad, A, result, F))
def _pinv(A, atol=0.0, rtol=None, hermitian=False):
    xp = array_namespace(A)
    m, n = A.shape[-2:]
    if A.size == 0:
        return xp.zeros(A.shape[:-2] + (n, m), dtype=A.dtype)
    if hermitian:
        L, V = xp.linalg.eigh(A)
        top = xp.abs(L).max(axis=-1, keepdims=True)
        keep = xp.abs(L) > _threshold(xp, top, atol, rtol)
        inverse = xp.where(keep, 1 / xp.where(keep, L, 1), 0).astype(A.dtype)
        return (V * inverse[..., None, :]) @ xp.swapaxes(V, -1, -2)
    U, values, Vh = xp.linalg.svd(A, full_matrices=False)
    keep = values > _threshold(xp, values[..., :1], atol, rtol)
    inverse = xp.where(keep, 1 / xp.where(keep, values, 1), 0).astype(A.dtype)
    return (xp.swapaxes(Vh, -1, -2) * inverse[..., None, :]) @ xp.swapaxes(U, -1, -2)


def _pinv_derivative(grad, A, result, F):
    """PyTorch's pinv_backward: the derivative of A+ written with A+ itself (Golub and
    Pereyra), in its two arrangements for wide and tall A."""
    m, n = A.shape[-2], A.shape[-1]
    P, Ph, gh = result, _mT(F, result), _mT(F, grad)
    if m <= n:
        K = gh @ P
        KPh = K @ Ph
        return -_mT(F, P @ K) + KPh - (A @ P) @ KPh + (Ph @ P) @ (gh - K @ A)
    K = P @ gh
    PhK = Ph @ K
    return -_mT(F, K @ P) + ((gh - A @ K) @ P) @ Ph + PhK - (PhK @ P) @ A


def _check_pinv(A, name="linalg.pinv"):
    if A.ndim < 2 or A.dtype not in (dtypes.float32, dtypes.float64):
        sizes = ", ".join(map(str, A.shape))
        raise RuntimeError(
            f"{name}({_TYPE_LETTERS.get(A.dtype.name, A.dtype.name)}{{[{sizes}]}}): expected a "
            "tensor with 2 or more dimensions of float, double, cfloat or cdouble types"
        )


_TYPE_LETTERS = {
    "float16": "Half",
    "bfloat16": "BFloat16",
    "float32": "Float",
    "float64": "Double",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def linalg_pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """torch.linalg.pinv: the Moore-Penrose pseudo-inverse from the SVD (from eigh for
    hermitian=True, reading the lower triangle), dropping singular values at or below
    max(atol, rtol * the largest); rcond, the old positional form, is rtol with atol 0. One
    node, LinalgPinvBackward0."""
    _check_pinv(A)
    if rcond is not None:
        atol, rtol = 0.0, rcond
    atol, rtol = _tolerances(A, atol, rtol)
    return _pinv(A, atol, rtol, hermitian)


def pinverse(input, rcond=1e-15):  # noqa: A002 - torch's name
    """torch.pinverse (and Tensor.pinverse): linalg.pinv with rtol=rcond."""
    return linalg_pinv(input, rcond)


def linalg_matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """torch.linalg.matrix_rank: how many singular values (|eigenvalues| for hermitian=True)
    exceed max(atol, rtol * the largest), as int64; tol, the old positional form, is atol
    with rtol 0."""
    if A.ndim < 2:
        raise RuntimeError(
            "torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions."
        )
    if A.dtype not in (dtypes.float32, dtypes.float64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, atol, rtol)
    data = A._data
    xp = array_namespace(data)
    if data.size == 0:
        rank = xp.zeros(data.shape[:-2], dtype=xp.int64)
    else:
        if hermitian:
            values = xp.abs(xp.linalg.eigh(data)[0])
            top = values.max(axis=-1, keepdims=True)
        else:
            values = xp.linalg.svd(data, compute_uv=False)
            top = values[..., :1]
        rank = (values > _threshold(xp, top, atol, rtol)).sum(axis=-1).astype(xp.int64)
    return Tensor._wrap(rank, dtypes.int64, A.device)


TENSOR_METHODS: dict = {"qr": qr, "svd": svd, "pinverse": pinverse}
TENSOR_IN_PLACE: dict = {}
