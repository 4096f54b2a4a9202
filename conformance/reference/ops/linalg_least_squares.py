"""torch.linalg.lstsq: least squares through one SVD, with each LAPACK driver's (gels, gelsy,
gelsd, gelss) outputs, rank and residual rules and rcond cut-off as PyTorch returns them, and
PyTorch's linalg_lstsq_backward (through pinv, plus the residuals' term)."""

from __future__ import annotations

from conformance.reference import dtypes, return_types
from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import Joint, formula_op, op
from conformance.reference.ops.linalg import _broadcast_batch
from conformance.reference.ops.linalg_decompositions import _mT
from conformance.reference.ops.linalg_spectral import _pinv, _pinv_derivative
from conformance.reference.tensor import Tensor

_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lstsq_kept(xp, values, rcond, driver):
    """Which singular values each driver keeps, as its LAPACK routine decides the rank: gels
    keeps all (it assumes full rank); gelss those above max(rcond, or eps for rcond < 0) * s1;
    gelsd those above rcond * s1, rcond outside (0, 1) meaning eps; gelsy (rank by condition
    estimates on a pivoted QR, here by the singular values) those above rcond * s1, and always
    the first of a nonzero matrix. eps is LAPACK's dlamch('E'), half NumPy's."""
    top = values[..., :1]
    eps = xp.finfo(values.dtype).eps / 2
    if driver == "gels":
        return values > 0
    if driver == "gelss":
        threshold = (rcond if rcond >= 0 else eps) * top
        return values > xp.maximum(threshold, xp.finfo(values.dtype).tiny)
    if driver == "gelsd":
        return values > (rcond if 0 < rcond < 1 else eps) * top
    kept = values > max(rcond, 0.0) * top
    kept[..., 0] |= top[..., 0] > 0
    return kept


def _lstsq_derivatives(grads, A, B, result0, vector, F):
    """PyTorch's linalg_lstsq_backward: the solution's gradient through X = pinv(A) B
    (pinv_backward for A, pinv(A)^T gX for B, pinv at its default tolerance whatever rcond
    was), plus the residuals' L = sum over rows of (A X - B)^2: as A^T (A X - B) = 0 at the
    solution, 2 (A X - B) diag(gL) X^T for A and -2 (A X - B) diag(gL) for B."""
    gX, gL = grads[0], grads[1]
    X = result0
    if vector:
        B, X = F.unsqueeze(B, -1), F.unsqueeze(X, -1)
        gX = None if gX is None else F.unsqueeze(gX, -1)
    gA = gB = None
    if gX is not None:
        data = A._data if F.records_graph else A
        m, n = A.shape[-2:]
        rtol = array_namespace(data).finfo(data.dtype).eps * max(m, n)
        P = formula_op(F, _pinv)(A, 0.0, rtol, False)
        gA = _pinv_derivative(gX @ _mT(F, B), A, P, F)
        gB = _mT(F, P) @ gX
    if gL is not None and 0 not in gL.shape:
        R = (A @ X - B) * F.unsqueeze(gL, -2) * 2
        gA = R @ _mT(F, X) if gA is None else gA + R @ _mT(F, X)
        gB = -R if gB is None else gB - R
    if vector and gB is not None:
        gB = gB[..., 0]
    return gA, gB


_LSTSQ_BACKWARD = Joint(_lstsq_derivatives)


@op("LinalgLstsqBackward0", A=_LSTSQ_BACKWARD[0], B=_LSTSQ_BACKWARD[1])
def _lstsq(A, B, rcond, driver, vector, batch):
    """(solution, residuals, rank, singular values) from A's SVD: the minimum-norm solution
    over the singular values the driver keeps, which is what gelsy, gelsd and gelss give for
    any A and gels for a full-rank one. rank and the singular values have A's own batch shape,
    the solution and residuals the broadcast `batch`."""
    xp = array_namespace(A)
    m, n = A.shape[-2:]
    if vector:
        B = B[..., None]
    B = xp.broadcast_to(B, batch + B.shape[-2:])
    if A.size == 0:
        values = xp.zeros(A.shape[:-2] + (min(m, n),), dtype=A.dtype)
        X = xp.zeros(batch + (n, B.shape[-1]), dtype=A.dtype)
        rank = xp.zeros(A.shape[:-2], dtype=xp.int64)
    else:
        U, values, Vh = xp.linalg.svd(A, full_matrices=False)
        kept = _lstsq_kept(xp, values, rcond, driver)
        inverse = xp.where(kept, 1 / xp.where(kept, values, 1), 0).astype(A.dtype)
        X = xp.swapaxes(Vh, -1, -2) @ (inverse[..., None] * (xp.swapaxes(U, -1, -2) @ B))
        rank = kept.sum(axis=-1).astype(xp.int64)
    empty = xp.zeros((0,), dtype=A.dtype)
    # ATen sums the rows n: of what LAPACK leaves in B; gelsy's and rank-deficient ones are
    # not residuals, so it gives none for gelsy, nor for gelsd and gelss unless every matrix
    # of the batch has rank n. gels zeroes B for n = 0.
    full_rank = driver == "gels" or (driver != "gelsy" and bool((rank == n).all()))
    residuals = empty
    if m > n and full_rank:
        residuals = ((A @ X - B) ** 2).sum(axis=-2)
        if driver == "gels" and n == 0:
            residuals = xp.zeros_like(residuals)
    if driver == "gels":
        rank = xp.zeros((0,), dtype=xp.int64)
    if driver in ("gels", "gelsy"):
        values = empty
    return (X[..., 0] if vector else X), residuals, rank, values


_lstsq.node.keeps_missing_grads = True  # as PyTorch's: an unused output adds nothing


def linalg_lstsq(A, B, rcond=None, *, driver=None):
    """torch.linalg.lstsq: the least-squares solution of A X = B, with what the LAPACK driver
    (CPU default 'gelsy') also reports: residuals (squared norms of A X - B per column, only
    for m > n and drivers that leave them, see _lstsq), rank (not gels) and singular values
    (gelsd and gelss), each an empty tensor otherwise. B is a vector (batch) when it has A's
    shape without the last dim; rcond defaults to eps * max(m, n). Only the solution and
    residuals are differentiable (LinalgLstsqBackward0)."""
    if driver is not None and not isinstance(driver, str):
        raise TypeError(
            f"linalg_lstsq(): argument 'driver' must be str, not {type(driver).__name__}"
        )
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if A.dtype is not B.dtype:
        raise RuntimeError(
            "torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
            f"input's dtype {dtypes.scalar_type_name(A.dtype)} and other's dtype "
            f"{dtypes.scalar_type_name(B.dtype)}"
        )
    dim_diff = A.ndim - B.ndim
    if not 0 <= dim_diff <= 1:
        raise RuntimeError(
            "torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
            "(input.dim() - other.dim()) <= 1"
        )
    vector = B.ndim == 1 or (dim_diff == 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if A.shape[-2] != B.shape[-1 if vector else -2]:
        raise RuntimeError(
            f"torch.linalg.lstsq: input.size(-2) should match other.size({-1 if vector else -2})"
        )
    # With one dim fewer, B's batch is read as its shape less one dim, even when B is a matrix.
    batch = _broadcast_batch(A.shape[:-2], B.shape[:-1] if dim_diff else B.shape[:-2])
    if driver is None:
        driver = "gelsy"
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(
            "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
        )
    if A.dtype not in (dtypes.float32, dtypes.float64):
        if rcond is None:  # the default rcond asks for eps first
            raise RuntimeError("This function doesn't handle types other than float and double")
        raise NotImplementedError(
            f"\"linalg_lstsq_cpu\" not implemented for '{dtypes.scalar_type_name(A.dtype)}'"
        )
    if rcond is None:
        rcond = dtypes.finfo(A.dtype).eps * max(A.shape[-2], A.shape[-1])
    solution, residuals, rank, values = _lstsq(A, B, float(rcond), driver, vector, batch)
    # The singular values are an output of the node but not differentiable, as in PyTorch.
    values = Tensor._wrap(values._data, values.dtype, values.device)
    return return_types.linalg_lstsq((solution, residuals, rank, values))
