"""LU with partial pivoting: torch.linalg.lu_factor, lu_factor_ex, lu and lu_solve, and the
deprecated torch.lu and torch.lu_solve (each warning once, in PyTorch's words).

The factorization is LAPACK getrf's, written out on the array namespace (so every device has
it): for each column the first entry of largest magnitude is the pivot, its row swapped up
(the 1-based row is kept in `pivots`), the entries below divided by it and the trailing block
updated. A zero pivot is no error there: getrf reports the first one in `info` and goes on.
The gradients are PyTorch's (FunctionsManual.cpp: linalg_lu_backward, lu_factor_ex_backward,
linalg_lu_solve_LU), written with triangular solves, so a create_graph backward records the
nodes PyTorch records."""

from __future__ import annotations

import numpy as np

from conformance.reference import dtypes, return_types, warn_once
from conformance.reference.devices import array_namespace
from conformance.reference.ops import creation
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.linalg_decompositions import _mT, _tril
from conformance.reference.ops.linalg_solvers import (
    _column_major,
    _lu_unpack_data,
    _permutation_matrix,
    _solve_triangular,
    _substitute,
    _triangle,
    lu_unpack,
)

__all__ = ["lu", "lu_solve"]


def _getrf(A):
    """(LU, pivots, info) of each matrix of A (m by n), as LAPACK's getf2: L's multipliers
    below the diagonal, U on and above it, pivots 1-based (int32), info the 1-based column
    of the first exactly zero pivot (0 when none). A nan in a column wins the pivot only
    when it comes first (idamax never finds it greater)."""
    xp = array_namespace(A)
    m, n = A.shape[-2:]
    k, batch = min(m, n), A.shape[:-2]
    count = int(np.prod(batch, dtype=np.int64))
    work = A.reshape((count, m, n)).copy()
    rows = xp.arange(count)
    pivots = xp.zeros((count, k), dtype=np.int32)
    info = xp.zeros(count, dtype=np.int32)
    tiny = np.finfo(A.dtype).tiny
    for j in range(k):
        column = xp.abs(work[:, j:, j])
        pivot = xp.argmax(xp.where(xp.isnan(column), -1, column), axis=1)
        pivot = xp.where(xp.isnan(column[:, 0]), 0, pivot) + j
        pivots[:, j] = pivot + 1
        swapped = work[rows, pivot].copy()
        work[rows, pivot] = work[:, j]
        work[:, j] = swapped
        head = work[:, j, j]
        zero = head == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(np.int32)
        # As getf2: times the pivot's reciprocal (divided only below the smallest normal
        # number); a zero pivot leaves its column unscaled (all zeros: the pivot is largest).
        head = xp.where(zero, 1, head)[:, None]
        below = work[:, j + 1 :, j]
        work[:, j + 1 :, j] = xp.where(xp.abs(head) >= tiny, below * (1 / head), below / head)
        work[:, j + 1 :, j + 1 :] -= work[:, j + 1 :, j, None] * work[:, j, None, j + 1 :]
    return (
        work.reshape(A.shape),
        pivots.reshape(batch + (k,)),
        info.reshape(batch),
    )


def _unpack(F, LU, pivots, unpack_pivots=True):
    """(P, L, U) of a packed factorization, inside a derivative: torch.lu_unpack on Tensors
    (LuUnpackBackward0 recorded, as in PyTorch), its array forward otherwise."""
    if F.records_graph:
        return lu_unpack(LU, pivots, True, unpack_pivots)
    L, U = _lu_unpack_data.forward(LU, True)
    return _permutation_matrix(pivots, LU.shape[-2], LU.dtype) if unpack_pivots else None, L, U


def _narrow(F, x, dim, length):
    """x.narrow(dim, 0, length): a view (SliceBackward0) in a create_graph backward."""
    if F.records_graph:
        return x.narrow(dim, 0, length)
    return x[..., :length, :] if dim == -2 else x[..., :length]


def _solve(F, A, B, upper, left=True, unitriangular=False):
    return formula_op(F, _solve_triangular)(A, B, upper, left, unitriangular)


def _lu_backward(L_grad, U_grad, P, L, U, pivot, F):
    """PyTorch's linalg_lu_backward. Square: P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T.
    Wide (m < n, U = [U1 U2]) and tall (m > n, L = [L1; L2]): the extra block's gradient
    passes through the one triangular solve it meets. An undefined (None) gradient adds
    nothing."""
    if L_grad is None and U_grad is None:
        return None
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        A_grad = None if L_grad is None else _tril(F, _mT(F, L) @ L_grad, -1)
        if U_grad is not None:
            upper = _triangle(F, U_grad @ _mT(F, U), True, False)
            A_grad = upper if A_grad is None else A_grad + upper
        A_grad = _solve(F, _mT(F, U), A_grad, False, left=False)
        A_grad = _solve(F, _mT(F, L), A_grad, True, unitriangular=True)
    elif m < n:
        A_grad = None if L_grad is None else _mT(F, L) @ L_grad
        if U_grad is not None:
            product = _triangle(F, U_grad, True, False) @ _mT(F, U)
            A_grad = -product if A_grad is None else A_grad - product
        U1 = _narrow(F, U, -1, k)
        A_grad = _solve(F, _mT(F, U1), _tril(F, A_grad, -1), False, left=False)
        if U_grad is not None:
            U2_grad = U_grad[..., k:] if not F.records_graph else U_grad.narrow(-1, k, n - k)
            U1_grad = _triangle(F, _narrow(F, U_grad, -1, k), True, False)
            A_grad = F.cat([A_grad + U1_grad, U2_grad], -1)
        A_grad = _solve(F, _mT(F, L), A_grad, True, unitriangular=True)
        if U_grad is None:
            A_grad = F.cat([A_grad, F.zeros(A_grad.shape[:-1] + (n - k,), A_grad)], -1)
    else:
        A_grad = None if U_grad is None else U_grad @ _mT(F, U)
        if L_grad is not None:
            product = _mT(F, L) @ _tril(F, L_grad, -1)
            A_grad = -product if A_grad is None else A_grad - product
        L1 = _narrow(F, L, -2, k)
        A_grad = _solve(F, _mT(F, L1), _triangle(F, A_grad, True, False), True, unitriangular=True)
        if L_grad is not None:
            L2_grad = L_grad[..., k:, :] if not F.records_graph else L_grad.narrow(-2, k, m - k)
            L1_grad = _tril(F, _narrow(F, L_grad, -2, k), -1)
            A_grad = F.cat([A_grad + L1_grad, L2_grad], -2)
        A_grad = _solve(F, _mT(F, U), A_grad, False, left=False)
        if L_grad is None:
            A_grad = F.cat([A_grad, F.zeros(A_grad.shape[:-2] + (m - k, n), A_grad)], -2)
    return P @ A_grad if pivot else A_grad


def _lu_factor_ex_grad(grads, result0, result1, pivot, F):
    """PyTorch's lu_factor_ex_backward: unpack LU and go on as linalg.lu's backward, with the
    gradient's first k columns as L's and first k rows as U's. Neither is masked to its
    triangle: the products linalg.lu's backward takes them into read only that part."""
    P, L, U = _unpack(F, result0, result1, pivot)
    grad = grads[0]
    k = min(result0.shape[-2:])
    return _lu_backward(_narrow(F, grad, -1, k), _narrow(F, grad, -2, k), P, L, U, pivot, F)


@op("LinalgLuFactorExBackward0", A=_lu_factor_ex_grad)
def _lu_factor_ex(A, pivot):
    """(LU, pivots, info), LU column-major as LAPACK leaves it."""
    LU, pivots, info = _getrf(A)
    return _column_major(LU), pivots, info


_lu_factor_ex.node.keeps_missing_grads = True


def _check_factorable(name, A, pivot):
    if A.ndim < 2:
        raise RuntimeError(
            f"{name}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead"
        )
    if A.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(
            f"\"lu_cpu\" not implemented for '{dtypes.scalar_type_name(A.dtype)}'"
        )
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def _raise_if_zero_pivot(name, info):
    """check_errors: the first matrix of the batch with a zero on U's diagonal."""
    flat = info._data.reshape(-1)
    failed = [int(i) for i in array_namespace(flat).nonzero(flat)[0][:1]]
    if failed:
        batch = f"(Batch element {failed[0]}): " if info.ndim else ""
        j = int(flat[failed[0]])
        raise RuntimeError(  # a plain RuntimeError, not torch.linalg.LinAlgError
            f"torch.{name}: {batch}U[{j},{j}] is zero and using it on lu_solve would result in "
            "a division by zero. If you still want to perform the factorization, consider "
            "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
        )


def linalg_lu_factor_ex(A, *, pivot=True, check_errors=False):
    """torch.linalg.lu_factor_ex: (LU, pivots, info): the packed factorization of A (m by n)
    with P A = L U, int32 1-based pivots, and getrf's info (a zero pivot is only reported).
    Only LU is differentiable (LinalgLuFactorExBackward0). Pivoting cannot be turned off on
    the CPU."""
    _check_factorable("torch.lu_factor", A, pivot)
    result = return_types.linalg_lu_factor_ex(_lu_factor_ex(A, bool(pivot)))
    if check_errors:
        _raise_if_zero_pivot("linalg.lu_factor_ex", result.info)
    return result


def linalg_lu_factor(A, *, pivot=True):
    """torch.linalg.lu_factor: (LU, pivots); unlike lu_factor_ex it raises for a zero pivot
    (a singular square matrix), naming U's diagonal entry (1-based)."""
    _check_factorable("torch.lu_factor", A, pivot)
    LU, pivots, info = _lu_factor_ex(A, bool(pivot))
    _raise_if_zero_pivot("linalg.lu_factor", info)
    return return_types.linalg_lu_factor((LU, pivots))


@op(
    "LinalgLuBackward0",
    A=lambda grads, P, result0, result1, pivot, F: _lu_backward(
        grads[0], grads[1], P, result0, result1, pivot, F
    ),
)
def _linalg_lu(A, P, LU, pivot):
    """(L, U) of A, from its factorization LU made beforehand; P is not differentiable, so it
    is made outside the op and given to the derivative as a plain input."""
    return _lu_unpack_data.forward(LU, True)


_linalg_lu.node.keeps_missing_grads = True


def linalg_lu(A, *, pivot=True):
    """torch.linalg.lu: (P, L, U) with A = P L U, L unit lower triangular (m by k), U upper
    triangular (k by n), k = min(m, n). A singular matrix factors without error. P carries
    no gradient; L and U share LinalgLuBackward0."""
    _check_factorable("linalg.lu", A, pivot)
    LU, pivots, _ = _getrf(A._data)
    P = _permutation_matrix(pivots, A.shape[-2], LU.dtype)
    P = creation._finish(P, A.dtype, A.device, False)
    L, U = _linalg_lu(A, P, LU, bool(pivot))
    return return_types.linalg_lu((P, L, U))


def _lu_solve_LU_grad(grad, LU, pivots, result, left, adjoint, F):
    """PyTorch's linalg_lu_solve_LU: through gR = U^-T op(-gX) op(X)^T when left != adjoint
    (gL = tril(L^-T gR U^T, -1), gU = triu(gR)), else through gR = -P^T op(X) op(gX)^T P
    L^-T (gL = tril(gR, -1), gU = triu(L^T gR U^-T))."""
    P, L, U = _unpack(F, LU, pivots, left == adjoint)
    X, gX = result, grad
    if left != adjoint:
        product = (gX if left else _mT(F, gX)) @ (_mT(F, X) if left else X)
        gR = _solve(F, _mT(F, U), -product, False)
        gL = _tril(F, _solve(F, _mT(F, L), gR @ _mT(F, U), True, unitriangular=True), -1)
        return gL + _triangle(F, gR, True, False)
    gR = -(_mT(F, P) @ (X if left else _mT(F, X)) @ (_mT(F, gX) if left else gX) @ P)
    gR = _solve(F, _mT(F, L), gR, True, left=False, unitriangular=True)
    gU = _triangle(F, _solve(F, _mT(F, U), _mT(F, L) @ gR, False, left=False), True, False)
    return _tril(F, gR, -1) + gU


@op(
    "LinalgLuSolveBackward0",
    LU=_lu_solve_LU_grad,
    B=lambda grad, LU, pivots, left, adjoint, F: formula_op(F, _lu_solve)(
        LU, pivots, grad, left, not adjoint
    ),
)
def _lu_solve(LU, pivots, B, left, adjoint):
    """X with A X = B (A^T X = B when adjoint; X A = B, X A^T = B when not left), A = P L U:
    a right-hand solve is the left-hand one of the transposes."""
    xp = array_namespace(B)
    if not left:
        B, adjoint = xp.swapaxes(B, -1, -2), not adjoint
    P = _permutation_matrix(pivots, LU.shape[-2], LU.dtype)
    if adjoint:  # U^T L^T P^T X = B
        Y = _substitute(LU, B, True, True, False)
        X = P @ _substitute(LU, Y, False, True, True)
    else:  # P L U X = B
        Y = _substitute(LU, xp.swapaxes(P, -1, -2) @ B, False, False, True)
        X = _substitute(LU, Y, True, False, False)
    X = _column_major(X)  # as PyTorch's: so the transposed solution of a right solve is not
    return X if left else xp.swapaxes(X, -1, -2)


def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """torch.linalg.lu_solve: X with A X = B from A's lu_factor (LU, pivots); adjoint solves
    with A^T, left=False solves X A = B. Batch dims of LU and B broadcast; pivots must match
    LU's batch exactly."""
    name = "linalg.lu_solve"
    if LU.ndim < 2:
        raise RuntimeError(f"torch.{name}: The input tensor A must have at least 2 dimensions.")
    if LU.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            f"torch.{name}: Expected a floating point or complex tensor as input. Got "
            f"{dtypes.scalar_type_name(LU.dtype)}"
        )
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(
            f"torch.{name}: A must be batches of square matrices, but they are "
            f"{LU.shape[-2]} by {LU.shape[-1]} matrices"
        )
    if B.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    n = LU.shape[-1]
    if n != B.shape[-2 if left else -1]:
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    if B.dtype is not LU.dtype:
        raise RuntimeError(
            f"{name}: Expected LU and B to have the same dtype, but found LU of type "
            f"{dtypes.scalar_type_name(LU.dtype)} and B of type "
            f"{dtypes.scalar_type_name(B.dtype)} instead"
        )
    if pivots.shape[-1:] != (n,) and pivots.shape[:-1] == LU.shape[:-2]:
        raise RuntimeError(
            f"{name}: Number of pivots per batch should be same as the dimension of the matrix"
        )
    if pivots.dtype is not dtypes.int32:
        raise RuntimeError(f"{name}: pivots should be a Tensor of scalar type torch.int32")
    if pivots.shape != LU.shape[:-1]:
        raise RuntimeError(
            f"{name}: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots "
            f"with shape {list(pivots.shape)} instead"
        )
    if bool((pivots._data > n).any()):
        raise RuntimeError(
            "Pivots given to lu_solve must all be smaller or equal to LU.size(-2). Did you "
            "properly pass the result of lu_factor?"
        )
    return _lu_solve(LU, pivots, B, bool(left), bool(adjoint))


_LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and "
    "will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\n"
    "should be replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)"
)


def lu(A, pivot=True, get_infos=False):
    """torch.lu and Tensor.lu (deprecated, warning once): (LU, pivots), a plain tuple, or with
    get_infos the named (LU, pivots, info). Unlike linalg.lu_factor it never raises for a
    singular matrix."""
    warn_once.warn_once(_LU_DEPRECATED)
    _check_factorable("torch.lu_factor", A, pivot)
    LU, pivots, info = _lu_factor_ex(A, bool(pivot))
    if get_infos:
        return return_types._lu_with_info((LU, pivots, info))
    return LU, pivots


_LU_SOLVE_DEPRECATED = (
    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
    "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
    "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\n"
    "X = torch.linalg.lu_solve(LU, pivots, B)"
)


def lu_solve(input, LU_data, LU_pivots):  # noqa: A002 - PyTorch's name
    """torch.lu_solve and Tensor.lu_solve (deprecated, warning once; PyTorch's message runs
    "lu_solveand" together): linalg.lu_solve with the arguments reversed."""
    warn_once.warn_once(_LU_SOLVE_DEPRECATED)
    return linalg_lu_solve(LU_data, LU_pivots, input)


TENSOR_METHODS: dict = {"lu": lu, "lu_solve": lu_solve}
