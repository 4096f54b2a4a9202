"""Matrix inverse, determinants and linear solves: torch.linalg.inv (torch.inverse),
torch.linalg.det (torch.det), torch.linalg.slogdet (torch.slogdet), torch.logdet,
torch.linalg.solve, torch.linalg.matrix_power (torch.matrix_power) and torch.linalg.cholesky
(torch.cholesky), over the array namespace's LAPACK-backed linalg functions. (The solves
with triangular factors are in linalg_solvers.py.)

PyTorch reports a singular matrix by the index of the first zero pivot of its LU
factorization (LAPACK getrf's `info`). NumPy and CuPy do not hand that index back, so
_first_zero_pivots runs the same partial-pivoting elimination to find it: an exact zero pivot
only, as getrf, so a merely ill-conditioned matrix inverts (to large values) as in PyTorch.
Cholesky's error names the first leading minor that is not positive-definite, found the same
way (_first_non_positive_minors, as potrf).
"""

from __future__ import annotations

import math

from conformance.reference import dtypes, return_types, warn_once
from conformance.reference.devices import array_namespace
from conformance.reference.ops import creation, selection, shape
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.linalg import matmul
from conformance.reference.tensor import Tensor

__all__ = [
    "cholesky",
    "det",
    "inverse",
    "logdet",
    "matrix_power",
    "slogdet",
]


class _LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (torch._C._LinAlgError): a RuntimeError for a matrix the
    factorization cannot handle (singular, not positive-definite)."""


_LinAlgError.__module__ = "torch._C"
LinAlgError = _LinAlgError


def _square_float(name: str, A, low_precision: str = "refuse") -> None:
    """PyTorch's checks, in its order: at least 2 dims, square, floating, then half
    precision, which inv/slogdet refuse by name and det/solve reach LAPACK's lu with."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    if A.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. "
            f"Got {dtypes.scalar_type_name(A.dtype)}"
        )
    if A.dtype in (dtypes.float16, dtypes.bfloat16):
        if low_precision == "refuse":
            raise RuntimeError(
                f"{name}: Low precision dtypes not supported. "
                f"Got {dtypes.scalar_type_name(A.dtype)}"
            )
        raise NotImplementedError(
            f"\"lu_cpu\" not implemented for '{dtypes.scalar_type_name(A.dtype)}'"
        )


def _first_zero_pivots(a):
    """Per matrix of the batch, the 1-based column of the first exactly zero pivot of LU with
    partial pivoting (0 when there is none), in a's own precision, as LAPACK's getf2: the
    pivot is the first entry of largest magnitude (idamax, where a nan never compares
    greater unless it comes first), a zero pivot skips the column's scaling."""
    xp = array_namespace(a)
    n = a.shape[-1]
    work = a.reshape(-1, n, n).copy()
    rows = xp.arange(work.shape[0])
    info = xp.zeros(work.shape[0], dtype=xp.int64)
    for k in range(n):
        column = xp.abs(work[:, k:, k])
        pivot = xp.argmax(xp.where(xp.isnan(column), -1, column), axis=1)
        pivot = xp.where(xp.isnan(column[:, 0]), 0, pivot) + k
        swapped = work[rows, pivot].copy()
        work[rows, pivot] = work[:, k]
        work[:, k] = swapped
        head = work[:, k, k]
        zero = head == 0
        info = xp.where((info == 0) & zero, k + 1, info)
        factors = work[:, k + 1 :, k] / xp.where(zero, 1, head)[:, None]
        factors = xp.where(zero[:, None], 0, factors)
        work[:, k + 1 :, k + 1 :] -= factors[:, :, None] * work[:, k, None, k + 1 :]
    return info.reshape(a.shape[:-2])


def _raise_if_singular(a, message):
    """Raise `message` (formatted with the pivot's index) for the first singular matrix, with
    the "(Batch element i): " PyTorch adds for a batched input."""
    if a.shape[-1] == 0:
        return
    info = _first_zero_pivots(a).reshape(-1)
    failed = [int(i) for i in array_namespace(a).nonzero(info)[0][:1]]
    if failed:
        batch = f"(Batch element {failed[0]}): " if a.ndim > 2 else ""
        raise _LinAlgError(message(batch, int(info[failed[0]])))


def _mT(F, a):
    return F.transpose(a, -2, -1)


# -- inverse -----------------------------------------------------------------------------------


@op(
    "LinalgInvExBackward0",
    A=lambda grad, result, F: -(_mT(F, result) @ grad @ _mT(F, result)),
)
def _inv(A):
    _raise_if_singular(
        A,
        lambda batch, i: (
            f"linalg.inv: {batch}The diagonal element {i} is zero, the inversion could not be "
            "completed because the input matrix is singular."
        ),
    )
    if A.shape[-1] == 0:
        return A.copy()
    return array_namespace(A).linalg.inv(A)


def inv(A):
    """torch.linalg.inv, through linalg_inv_ex as in PyTorch (hence its node's name); its
    gradient is -A^-T grad A^-T, from the saved inverse."""
    _square_float("linalg.inv", A)
    return _inv(A)


def inverse(input):  # noqa: A002 - torch's name
    """torch.inverse: torch.linalg.inv under its old name, with linalg.inv's messages."""
    return inv(input)


# -- determinants ------------------------------------------------------------------------------


def _det_derivative(grad, A, result, F):
    """grad det(A) A^-T. PyTorch 2.13 takes it, in an ordinary backward, from a solve with A's
    LU factors whose right side is grad * det: a matrix whose determinant is exactly 0 gets a
    zero gradient there, not its cofactors (which only a create_graph backward, through
    PyTorch's SVD formula, gives; here a create_graph backward goes through the inverse)."""
    if F.records_graph:
        g = (grad * result)[..., None, None]
        return g * _mT(F, formula_op(F, _inv)(A))
    xp = array_namespace(A)
    if A.shape[-1] == 0:
        return xp.zeros_like(A)
    singular = (result == 0)[..., None, None]
    eye = xp.eye(A.shape[-1], dtype=A.dtype)
    inverse = xp.linalg.inv(xp.where(singular, eye, A))
    return xp.where(singular, 0, (grad * result)[..., None, None] * xp.swapaxes(inverse, -1, -2))


@op("LinalgDetBackward0", A=_det_derivative)
def _det(A):
    xp = array_namespace(A)
    if A.shape[-1] == 0:
        return xp.ones(A.shape[:-2], dtype=A.dtype)
    return xp.linalg.det(A)


def det(A):
    """torch.linalg.det: the product of the LU pivots, signed by the row swaps."""
    _square_float("linalg.det", A, low_precision="lu")
    return _det(A)


@op(
    "LinalgSlogdetBackward0",
    # The sign is piecewise constant: only logabsdet carries a gradient, grad A^-T.
    A=lambda grads, A, F: grads[1][..., None, None] * _mT(F, formula_op(F, _inv)(A)),
)
def _slogdet(A):
    xp = array_namespace(A)
    if A.shape[-1] == 0:
        return xp.ones(A.shape[:-2], dtype=A.dtype), xp.zeros(A.shape[:-2], dtype=A.dtype)
    sign, logabsdet = xp.linalg.slogdet(A)
    return sign.astype(A.dtype), logabsdet.astype(A.dtype)


def _linalg_slogdet(A):
    """torch.linalg.slogdet: (sign, log|det|); a singular matrix gives (0, -inf), and its
    gradient, grad A^-T, is then not finite, as PyTorch's."""
    _square_float("linalg.slogdet", A)
    return return_types.linalg_slogdet(_slogdet(A))


def slogdet(input):  # noqa: A002 - torch's name
    """torch.slogdet: linalg.slogdet, returned as torch.return_types.slogdet."""
    _square_float("linalg.slogdet", input)
    return return_types.slogdet(_slogdet(input))


def logdet(input):  # noqa: A002 - torch's name
    """torch.logdet: log(det), nan for a negative determinant. PyTorch builds it from slogdet
    and a where (WhereBackward0 over LinalgSlogdetBackward0), which this does too."""
    _square_float("logdet", input)
    sign, logabsdet = _slogdet(input)
    nan = Tensor._wrap(
        array_namespace(sign._data).full((), math.nan, dtype=sign._data.dtype),
        sign.dtype,
        sign.device,
    )
    return selection.where(sign == -1, nan, logabsdet)


# -- solve -------------------------------------------------------------------------------------


@op(
    "LinalgSolveExBackward0",
    A=lambda grad, A, result, left, vector, F: _solve_A_derivative(
        grad, A, result, left, vector, F
    ),
    # grad A^-T for XA = B, A^-T grad for AX = B: a solve with A^T.
    B=lambda grad, A, left, vector, F: formula_op(F, _solve)(_mT(F, A), grad, left, vector),
)
def _solve(A, B, left=True, vector=False):
    _raise_if_singular(
        A,
        lambda batch, i: (
            f"torch.linalg.solve: {batch}The solver failed because the input matrix is singular."
        ),
    )
    xp = array_namespace(A)
    if vector:
        B = B[..., None]
    if not left:
        A, B = xp.swapaxes(A, -1, -2), xp.swapaxes(B, -1, -2)
    batch = xp.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    A = xp.broadcast_to(A, batch + A.shape[-2:])
    B = xp.broadcast_to(B, batch + B.shape[-2:])
    X = xp.linalg.solve(A, B) if A.shape[-1] else xp.zeros(B.shape, dtype=B.dtype)
    if not left:
        X = xp.swapaxes(X, -1, -2)
    return X[..., 0] if vector else X


def _solve_A_derivative(grad, A, result, left, vector, F):
    """-gB X^T for AX = B, -X^T gB for XA = B, with gB the gradient of B."""
    gB = formula_op(F, _solve)(_mT(F, A), grad, left, vector)
    if vector:
        gB, result = F.unsqueeze(gB, -1), F.unsqueeze(result, -1)
    return -(gB @ _mT(F, result)) if left else -(_mT(F, result) @ gB)


def solve(A, B, *, left=True):
    """torch.linalg.solve: X with AX = B (XA = B for left=False). B is a batch of vectors when
    it is 1-D or has A's shape without the last dim; batch dims broadcast."""
    return _solve(A, B, left, _check_solve(A, B, left))


def _check_solve(A, B, left):
    """linalg.solve's (and solve_ex's) checks, in PyTorch's order; whether B is vectors."""
    if A.ndim < 2:
        raise RuntimeError("linalg.solve: The input tensor A must have at least 2 dimensions.")
    if A.dtype is not B.dtype:
        raise RuntimeError(
            "linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{dtypes.scalar_type_name(A.dtype)} and B of type "
            f"{dtypes.scalar_type_name(B.dtype)} instead"
        )
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if B.ndim < 1 or (B.ndim < 2 and not vector):
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    _square_float("linalg.solve", A, low_precision="lu")
    n = A.shape[-1]
    rows, cols = (B.shape[-1], 1) if vector else (B.shape[-2], B.shape[-1])
    if (rows if left else cols) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation {equation} "
            f"({n}x{n} and {rows}x{cols})"
        )
    if vector and not left:  # only reachable with 1x1 matrices: B is taken as a column
        raise RuntimeError(
            "linalg.solve: Vector broadcasting of the left hand side is not supported for "
            "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)"
        )
    return vector


# -- matrix powers -----------------------------------------------------------------------------


def _matrix_power(A, n, name, position=2):
    """ATen's composition, so the graph is PyTorch's: A^0 is a clone of A overwritten with the
    identity (CopyBackwards: A gets a zero gradient), A^-1 is the inverse, other negative
    powers invert first, A^1 is a clone (never A itself), A^2 and A^3 are products in order,
    higher powers go by the binary digits of n, squaring as they go."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(
            f"{name}(): argument 'n' (position {position}) must be int, not {type(n).__name__}"
        )
    if A.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_power: The input tensor A must have at least 2 dimensions."
        )
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            "linalg.matrix_power: A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    if n == 0:
        eye = creation.eye(A.shape[-1], dtype=A.dtype, device=A.device)
        return shape.clone(A).copy_(eye.expand_as(A))
    if n == -1:
        return inv(A)
    if n < 0:
        A, n = inv(A), -n
    if n == 1:
        return shape.clone(A)
    if n == 2:
        return matmul(A, A)
    if n == 3:
        return matmul(matmul(A, A), A)
    square = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        square = A if square is None else matmul(square, square)
        if bit:
            result = square if result is None else matmul(result, square)
    return result


def matrix_power(input, n):  # noqa: A002 - torch's name
    """torch.matrix_power (and Tensor.matrix_power): A^n for an integer n."""
    return _matrix_power(input, n, "matrix_power")


def _matrix_power_method(self, n):
    """Tensor.matrix_power: n is the method's first argument in its type error."""
    return _matrix_power(self, n, "matrix_power", position=1)


def _linalg_matrix_power(A, n):
    """torch.linalg.matrix_power: the same, with its own name in the argument error."""
    return _matrix_power(A, n, "linalg_matrix_power")


# -- Cholesky ----------------------------------------------------------------------------------


def _first_non_positive_minors(a):
    """Per matrix, the order of the first leading minor that is not positive-definite (0 when
    all are), from the lower triangle only, as LAPACK's potrf: column by column, the
    diagonal left after the earlier columns' contribution must be > 0 (nan is not)."""
    xp = array_namespace(a)
    n = a.shape[-1]
    work = a.reshape(-1, n, n)
    low = xp.zeros_like(work)
    info = xp.zeros(work.shape[0], dtype=xp.int64)
    for j in range(n):
        rest = work[:, j, j] - (low[:, j, :j] ** 2).sum(axis=-1)
        bad = ~(rest > 0)
        info = xp.where((info == 0) & bad, j + 1, info)
        head = xp.sqrt(xp.where(bad, 1, rest))
        low[:, j, j] = head
        column = work[:, j + 1 :, j] - (low[:, j + 1 :, :j] * low[:, j, None, :j]).sum(axis=-1)
        low[:, j + 1 :, j] = column / head[:, None]
    return info.reshape(a.shape[:-2])


def _tril(F, x, diagonal):
    return F.tril(x, diagonal) if F.records_graph else array_namespace(x).tril(x, diagonal)


def _cholesky_derivative(grad, result, upper, F):
    """PyTorch's (after Murray, arXiv:1602.07527): with P = tril(L^T gL), the gradient is
    L^-T (P + tril(P, -1)^T) L^-1 / 2, symmetric, though the forward reads only the lower
    triangle. (PyTorch solves with the triangles; here the inverse of L is recorded.)"""
    L, gL = (_mT(F, result), _mT(F, grad)) if upper else (result, grad)
    P = _tril(F, _mT(F, L) @ gL, 0)
    S = (P + _mT(F, _tril(F, P, -1))) * 0.5
    L_inverse = formula_op(F, _inv)(L)
    return _mT(F, L_inverse) @ S @ L_inverse


def _cholesky_forward(A, upper, name):
    """L from A's lower triangle, or, for upper=True, U = L^T from its upper triangle."""
    xp = array_namespace(A)
    if upper:
        A = xp.swapaxes(A, -1, -2)
    info = _first_non_positive_minors(A).reshape(-1) if A.shape[-1] else A.shape[-1:]
    failed = [int(i) for i in array_namespace(A).nonzero(info)[0][:1]]
    if failed:
        batch = f"(Batch element {failed[0]}): " if A.ndim > 2 else ""
        raise _LinAlgError(
            f"{name}: {batch}The factorization could not be completed because the input is not "
            f"positive-definite (the leading minor of order {int(info[failed[0]])} is not "
            "positive-definite)."
        )
    L = xp.linalg.cholesky(A) if A.shape[-1] else A.copy()
    return xp.swapaxes(L, -1, -2).copy() if upper else L


@op("LinalgCholeskyExBackward0", A=_cholesky_derivative)
def _linalg_cholesky(A, upper=False):
    return _cholesky_forward(A, upper, "linalg.cholesky")


@op("CholeskyBackward0", self=_cholesky_derivative)
def _old_cholesky(self, upper=False):
    return _cholesky_forward(self, upper, "cholesky")


def _linalg_cholesky_checked(A, *, upper=False):
    """torch.linalg.cholesky: L with A = L L^T read from A's lower triangle (U with A = U^T U
    from its upper triangle for upper=True); the error names the first leading minor that
    is not positive-definite."""
    check_cholesky_input(A)
    return _linalg_cholesky(A, upper)


def check_cholesky_input(A):
    """linalg.cholesky's (and cholesky_ex's) checks, in PyTorch's order."""
    if A.ndim < 2:
        raise RuntimeError("linalg.cholesky: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            "linalg.cholesky: A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    if A.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            "linalg.cholesky: Expected a floating point or complex tensor as input. "
            f"Got {dtypes.scalar_type_name(A.dtype)}"
        )
    _no_cholesky_kernel(A)


def _no_cholesky_kernel(A):
    if A.dtype in (dtypes.float16, dtypes.bfloat16) or A.dtype.category < dtypes.FLOATING:
        raise NotImplementedError(
            f"\"cholesky_cpu\" not implemented for '{dtypes.scalar_type_name(A.dtype)}'"
        )


_CHOLESKY_DEPRECATED = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
    "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\n"
    "L = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\n"
    "should be replaced with\nU = torch.linalg.cholesky(A).mH\n"
    "This transform will produce equivalent results for all valid (symmetric positive "
    "definite) inputs."
)


def cholesky(input, upper=False):  # noqa: A002 - torch's name
    """torch.cholesky (and Tensor.cholesky): deprecated, warning once, with its own node
    (CholeskyBackward0) and no floating-point check: an integer reaches the missing kernel."""
    if input.ndim < 2:
        raise RuntimeError("cholesky: The input tensor A must have at least 2 dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            "cholesky: A must be batches of square matrices, but they are "
            f"{input.shape[-2]} by {input.shape[-1]} matrices"
        )
    warn_once.warn_once(_CHOLESKY_DEPRECATED)
    _no_cholesky_kernel(input)
    return _old_cholesky(input, upper)


TENSOR_METHODS: dict = {
    "cholesky": cholesky,
    "matrix_power": _matrix_power_method,
    "inverse": inverse,
    "det": det,
    "slogdet": slogdet,
    "logdet": logdet,
}
