"""Solves with triangular factors: torch.triangular_solve (deprecated, with its warning),
cholesky_solve and cholesky_inverse (from a Cholesky factor), and lu_unpack (P, L and U from a
packed LU factorization). Forward and back substitution run on the array namespace, so every
device has them; the gradients are PyTorch's (FunctionsManual.cpp), each computed once for all
its inputs (Joint), as derivatives.yaml declares them together."""

from __future__ import annotations

import numpy as np

from conformance.reference import dtypes, return_types, warn_once
from conformance.reference.devices import array_namespace
from conformance.reference.ops import creation
from conformance.reference.ops.define import Joint, check_broadcastable, formula_op, op
from conformance.reference.ops.linalg_decompositions import _LinAlgError, _mT, _tril

__all__ = [
    "cholesky_inverse",
    "cholesky_solve",
    "lu_unpack",
    "triangular_solve",
]


# -- triangular solves: triangular_solve, cholesky_solve, cholesky_inverse, lu_unpack ----------


def _substitute(A, B, upper, transpose, unitriangular):
    """X with op(A) X = B, op(A) = A or A^T, by substitution row after row, as BLAS trsm
    solves: only A's triangle is read (its diagonal taken as ones when unitriangular), a
    zero on the diagonal gives inf and nan rather than an error, and batch dims broadcast."""
    xp = array_namespace(A)
    if transpose:
        A, upper = xp.swapaxes(A, -1, -2), not upper
    batch = xp.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    A = xp.broadcast_to(A, batch + A.shape[-2:])
    B = xp.broadcast_to(B, batch + B.shape[-2:])
    beside = xp.triu(A, 1) if upper else xp.tril(A, -1)
    X = xp.zeros(B.shape, dtype=B.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in reversed(range(A.shape[-1])) if upper else range(A.shape[-1]):
            row = B[..., i, :] - (beside[..., i, :, None] * X).sum(axis=-2)
            X[..., i, :] = row if unitriangular else row / A[..., i, i, None]
    return X


def _column_major(X):
    """X with each matrix laid out column-major, as LAPACK writes PyTorch's results (strides
    (m*n, 1, m)): a later reshape of it records ReshapeAlias, as PyTorch's does."""
    xp = array_namespace(X)
    return xp.swapaxes(xp.ascontiguousarray(xp.swapaxes(X, -1, -2)), -1, -2)


def _triangle(F, x, upper, unitriangular):
    """The part of a gradient that A's triangle receives (no diagonal when unitriangular)."""
    if upper:
        return (
            F.triu(x, int(unitriangular))
            if F.records_graph
            else array_namespace(x).triu(x, int(unitriangular))
        )
    return _tril(F, x, -int(unitriangular))


def _triangular_solve_grads(grad, A, result, upper, transpose, unitriangular, F):
    """PyTorch's triangular_solve_backward: b's gradient solves with op(A)^T, A's is
    -gB X^T (-X gB^T when transposed) kept to A's triangle."""
    gB = formula_op(F, _triangular_solve)(grad, A, upper, not transpose, unitriangular)
    gA = -(result @ _mT(F, gB)) if transpose else -(gB @ _mT(F, result))
    return gB, _triangle(F, gA, upper, unitriangular)


_TRIANGULAR_SOLVE_BACKWARD = Joint(_triangular_solve_grads)


@op(
    "TriangularSolveBackward0",
    self=_TRIANGULAR_SOLVE_BACKWARD[0],
    A=_TRIANGULAR_SOLVE_BACKWARD[1],
)
def _triangular_solve(self, A, upper, transpose, unitriangular):
    """The solution alone: what the gradients of the solvers solve with."""
    return _substitute(A, self, upper, transpose, unitriangular)


def _triangular_solve_pair_grads(grads, A, result0, upper, transpose, unitriangular, F):
    """The solution's gradients, the cloned coefficient's added to A's."""
    grad_x, grad_m = grads  # (None where that output was not used)
    if grad_x is None:
        return None, grad_m
    gB, gA = _triangular_solve_grads(grad_x, A, result0, upper, transpose, unitriangular, F)
    return gB, gA if grad_m is None else gA + grad_m


_TRIANGULAR_SOLVE_PAIR_BACKWARD = Joint(_triangular_solve_pair_grads)


@op(
    "TriangularSolveBackward0",
    self=_TRIANGULAR_SOLVE_PAIR_BACKWARD[0],
    A=_TRIANGULAR_SOLVE_PAIR_BACKWARD[1],
)
def _triangular_solve_pair(self, A, upper, transpose, unitriangular):
    """(solution, a copy of A broadcast to the solution's batch): the cloned coefficient
    passes its gradient to A."""
    X = _substitute(A, self, upper, transpose, unitriangular)
    xp = array_namespace(A)
    return X, xp.broadcast_to(A, X.shape[:-2] + A.shape[-2:]).copy()


# An output left unused sends no gradient (None), as in PyTorch: nothing is added for it.
_triangular_solve_pair.node.keeps_missing_grads = True


def _check_solver(name, b, A, b_label="b", kernel=None):
    """The checks cholesky_solve and triangular_solve share, in PyTorch's order."""
    if b.dtype is not A.dtype:
        raise RuntimeError(
            f"Expected {b_label} and A to have the same dtype, but found {b_label} of type "
            f"{dtypes.scalar_type_name(b.dtype)} and A of type "
            f"{dtypes.scalar_type_name(A.dtype)} instead."
        )
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            "A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    if A.shape[-1] != b.shape[-2]:
        raise RuntimeError(
            f"Incompatible matrix sizes for {name}: each A matrix is {A.shape[-1]} by "
            f"{A.shape[-1]} but each b matrix is {b.shape[-2]} by {b.shape[-1]}"
        )
    check_broadcastable([np.empty(b.shape[:-2], bool), np.empty(A.shape[:-2], bool)])  # batches
    if A.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(
            f"\"{kernel or name}_cpu\" not implemented for '{dtypes.scalar_type_name(A.dtype)}'"
        )


_TRIANGULAR_SOLVE_DEPRECATED = (
    "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular"
    "and will be removed in a future PyTorch release.\n"
    "torch.linalg.solve_triangular has its arguments reversed and does not return a copy of one "
    "of the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
    "X = torch.linalg.solve_triangular(A, B)."
)


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):  # noqa: A002
    """torch.triangular_solve (deprecated, warning once; PyTorch's message runs two words
    together, "solve_triangularand"): (solution, cloned_coefficient) with op(A) X = b, for
    A upper (or lower) triangular, op(A) = A^T when transpose, ones taken on the diagonal
    when unitriangular. A zero on the diagonal gives inf and nan, not an error."""
    warn_once.warn_once(_TRIANGULAR_SOLVE_DEPRECATED)
    if input.ndim < 2:
        raise RuntimeError(
            "torch.triangular_solve: Expected b to have at least 2 dimensions, but it has "
            f"{input.ndim} dimensions instead"
        )
    if A.ndim < 2:
        raise RuntimeError(
            "torch.triangular_solve: Expected A to have at least 2 dimensions, but it has "
            f"{A.ndim} dimensions instead"
        )
    _check_solver("triangular_solve", input, A)
    pair = _triangular_solve_pair(input, A, bool(upper), bool(transpose), bool(unitriangular))
    return return_types.triangular_solve(pair)


def _solve_triangular_grads(grad, self, result, upper, left, unitriangular, F):
    """PyTorch's linalg_solve_triangular_backward: B's gradient solves with A^T (the other
    triangle, on the same side); A's is -gB X^T (-X^T gB when left=False) kept to A's
    triangle, its diagonal left out when unitriangular."""
    gB = formula_op(F, _solve_triangular)(_mT(F, self), grad, not upper, left, unitriangular)
    gA = -(gB @ _mT(F, result)) if left else -(_mT(F, result) @ gB)
    return _triangle(F, gA, upper, unitriangular), gB


_SOLVE_TRIANGULAR_BACKWARD = Joint(_solve_triangular_grads)


@op(
    "LinalgSolveTriangularBackward0",
    self=_SOLVE_TRIANGULAR_BACKWARD[0],
    B=_SOLVE_TRIANGULAR_BACKWARD[1],
)
def _solve_triangular(self, B, upper, left, unitriangular):
    """X with A X = B, or X A = B when not left (solved as A^T X^T = B^T), in A's dtype and
    column-major either way, as PyTorch's:
    B is cast inside the op, so no ToCopyBackward0 is recorded (B's gradient is cast back)."""
    B = B.astype(self.dtype, copy=False)
    if left:
        return _column_major(_substitute(self, B, upper, False, unitriangular))
    xp = array_namespace(B)
    X = xp.swapaxes(_substitute(self, xp.swapaxes(B, -1, -2), upper, True, unitriangular), -1, -2)
    return _column_major(X)


def linalg_solve_triangular(A, B, *, upper=None, left=True, unitriangular=False):
    """torch.linalg.solve_triangular: X with A X = B (X A = B when left=False) for A upper or
    lower triangular (`upper` has no default), reading only that triangle (ones on its
    diagonal when unitriangular). The result has A's dtype, B cast to it; batch dims
    broadcast; a zero on the diagonal gives inf and nan, not an error."""
    if upper is None:  # required, in the words of PyTorch's argument parser
        raise TypeError(
            'linalg_solve_triangular() missing 1 required positional arguments: "upper"'
        )
    name = "linalg.solve_triangular"
    for label, x in (("A", A), ("B", B)):
        if x.ndim < 2:
            raise RuntimeError(f"{name}: The input tensor {label} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    if A.shape[-1] != B.shape[-2 if left else -1]:
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
            f"{B.shape[-2]}x{B.shape[-1]})"
        )
    check_broadcastable([np.empty(B.shape[:-2], bool), np.empty(A.shape[:-2], bool)])
    if A.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(
            f"\"triangular_solve_cpu\" not implemented for '{dtypes.scalar_type_name(A.dtype)}'"
        )
    return _solve_triangular(A, B, bool(upper), bool(left), bool(unitriangular))


def _cholesky_solve_grads(grad, input2, result, upper, F):
    """PyTorch's cholesky_solve_backward: B's gradient is a solve with the same factor; the
    factor's, -(C + C^T) L (-U (C + C^T) for upper) with C = gB X^T."""
    gB = formula_op(F, _cholesky_solve)(grad, input2, upper)
    common = gB @ _mT(F, result)
    common = common + _mT(F, common)
    return gB, -(input2 @ common) if upper else -(common @ input2)


_CHOLESKY_SOLVE_BACKWARD = Joint(_cholesky_solve_grads)


@op(
    "CholeskySolveBackward0",
    self=_CHOLESKY_SOLVE_BACKWARD[0],
    input2=_CHOLESKY_SOLVE_BACKWARD[1],
)
def _cholesky_solve(self, input2, upper):
    """X with L L^T X = B (U^T U X = B for upper): two triangular solves."""
    Y = _substitute(input2, self, upper, upper, False)
    return _substitute(input2, Y, upper, not upper, False)


def cholesky_solve(input, input2, upper=False):  # noqa: A002 - PyTorch's names
    """torch.cholesky_solve(B, L): X with A X = B for A = L L^T given its Cholesky factor
    (A = U^T U for upper=True); only the factor's triangle is read, batch dims broadcast."""
    if input.ndim < 2:
        raise RuntimeError(
            f"b should have at least 2 dimensions, but has {input.ndim} dimensions instead"
        )
    if input2.ndim < 2:
        raise RuntimeError(
            f"u should have at least 2 dimensions, but has {input2.ndim} dimensions instead"
        )
    _check_solver("cholesky_solve", input, input2)
    return _cholesky_solve(input, input2, bool(upper))


def _cholesky_inverse_grad(grad, self, result, upper, F):
    """PyTorch's cholesky_inverse_backward: with C = X (G + G^T) X, -C L (-U C for upper),
    over the whole input, the triangle the forward ignored included."""
    common = result @ (grad + _mT(F, grad)) @ result
    return -(self @ common) if upper else -(common @ self)


@op("CholeskyInverseBackward0", self=_cholesky_inverse_grad)
def _cholesky_inverse(self, upper):
    xp = array_namespace(self)
    diagonal = xp.diagonal(self, axis1=-2, axis2=-1).reshape(-1, self.shape[-1])
    zero = xp.nonzero((diagonal == 0).any(axis=-1))[0][:1]
    if zero.size:
        which = int(zero[0])
        element = int(xp.nonzero(diagonal[which] == 0)[0][0]) + 1
        batch = f"(Batch element {which}): " if self.ndim > 2 else ""
        raise _LinAlgError(
            f"cholesky_inverse: {batch}The diagonal element {element} is zero, the inversion "
            "could not be completed because the input matrix is singular."
        )
    eye = xp.broadcast_to(xp.eye(self.shape[-1], dtype=self.dtype), self.shape)
    return _cholesky_solve.forward(eye, self, upper)


def cholesky_inverse(input, upper=False):  # noqa: A002 - PyTorch's name
    """torch.cholesky_inverse(L): the inverse of A = L L^T (U^T U for upper=True) from its
    Cholesky factor, reading only the factor's triangle; a zero on its diagonal is singular."""
    if input.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            "cholesky_inverse: A must be batches of square matrices, but they are "
            f"{input.shape[-2]} by {input.shape[-1]} matrices"
        )
    if input.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(
            '"cholesky_inverse_out_cpu" not implemented for '
            f"'{dtypes.scalar_type_name(input.dtype)}'"
        )
    return _cholesky_inverse(input, bool(upper))


def _lu_unpack_grad(grads, LU_data_shape, unpack_data, F):
    """PyTorch's lu_unpack_backward: L's strictly lower part and U's upper part, each padded
    with zeros to LU's shape, added."""
    grad_L, grad_U = grads
    m, n = LU_data_shape[-2:]
    if not unpack_data:
        return F.zeros(LU_data_shape, grad_L)
    lower, upper = _tril(F, grad_L, -1), _triangle(F, grad_U, True, False)
    batch = tuple(LU_data_shape[:-2])
    if m > n:
        upper = F.cat([upper, F.zeros(batch + (m - n, n), upper)], -2)
    elif m < n:
        lower = F.cat([lower, F.zeros(batch + (m, n - m), lower)], -1)
    return lower + upper


@op(
    "LuUnpackBackward0",
    LU_data=lambda grads, LU_data_shape, unpack_data, F: _lu_unpack_grad(
        grads, LU_data_shape, unpack_data, F
    ),
)
def _lu_unpack_data(LU_data, unpack_data):
    """(L, U): L unit lower triangular (m by k), U upper triangular (k by n), k = min(m, n);
    empty when not unpacked (still with the node)."""
    xp = array_namespace(LU_data)
    if not unpack_data:
        empty = xp.zeros(0, dtype=LU_data.dtype)
        return empty, empty.copy()
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    L = xp.tril(LU_data[..., :, :k], -1) + xp.eye(m, k, dtype=LU_data.dtype)
    return L, xp.triu(LU_data[..., :k, :])


def _permutation_matrix(pivots, m, dtype):
    """P (m by m, per matrix of pivots' batch) with A = P L U: the row swaps of the 1-based
    pivots, applied in order to the identity's columns."""
    xp = array_namespace(pivots)
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    count = int(np.prod(batch, dtype=np.int64))
    pivots = pivots.reshape((count, k))
    order = xp.broadcast_to(xp.arange(m), (count, m)).copy()
    rows = xp.arange(count)
    for i in range(k):
        target = pivots[:, i].astype(np.int64) - 1
        first, second = order[rows, i].copy(), order[rows, target].copy()
        order[rows, i], order[rows, target] = second, first
    P = xp.zeros((count, m, m), dtype=dtype)
    P[rows[:, None], order, xp.arange(m)[None, :]] = 1
    return P.reshape(batch + (m, m))


def _permutation(LU_data, LU_pivots):
    """lu_unpack's P, for the pivots broadcast to LU_data's batch."""
    xp = array_namespace(LU_data._data)
    pivots = xp.broadcast_to(LU_pivots._data, tuple(LU_data.shape[:-2]) + LU_pivots.shape[-1:])
    P = _permutation_matrix(pivots, LU_data.shape[-2], LU_data._data.dtype)
    return creation._finish(P, LU_data.dtype, LU_data.device, False)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """torch.lu_unpack: (P, L, U) from linalg.lu_factor's compact LU and its int32 pivots,
    with A = P L U. L and U carry the gradient back to LU_data; P has none. What is not
    unpacked comes back empty."""
    if LU_data.ndim < 2:
        raise RuntimeError(
            "torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
            f"{list(LU_data.shape)} instead"
        )
    if LU_pivots.dtype is not dtypes.int32:
        raise RuntimeError(
            "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 "
            "dtype.\nNote: this function is intended to be used with the output produced by "
            "torch.linalg.lu_factor"
        )
    m, n = LU_data.shape[-2:]
    pivots = LU_pivots._data
    if unpack_pivots and (
        LU_pivots.shape[-1:] != (min(m, n),) or bool(((pivots < 1) | (pivots > m)).any())
    ):
        raise RuntimeError(
            "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.Did you "
            "properly pass the result of lu_factor?"
        )
    L, U = _lu_unpack_data(LU_data, bool(unpack_data))
    if unpack_pivots:
        P = _permutation(LU_data, LU_pivots)
    else:
        P = creation.zeros(0, dtype=LU_data.dtype, device=LU_data.device)
    return return_types.lu_unpack((P, L, U))


TENSOR_METHODS: dict = {
    "cholesky_inverse": cholesky_inverse,
    "cholesky_solve": cholesky_solve,
    "triangular_solve": triangular_solve,
}
