"""torch.linalg: the vector and matrix norms and the matrix products under their torch.linalg
names, and the inverse, determinants, solve, matrix power and Cholesky factor
(ops/linalg_decompositions.py)."""

from __future__ import annotations

import math

from conformance.reference import dtypes
from conformance.reference.ops import creation, extremes, joins, norms, reductions, shape
from conformance.reference.ops import parsed_functions as _parsed
from conformance.reference.ops.householder_product import householder_product
from conformance.reference.ops.linalg import linalg_cross as cross
from conformance.reference.ops.linalg import matmul, multi_dot
from conformance.reference.ops.linalg_decompositions import LinAlgError, det, inv, solve
from conformance.reference.ops.linalg_decompositions import (
    _linalg_cholesky_checked as cholesky,
)
from conformance.reference.ops.linalg_decompositions import _linalg_matrix_power as matrix_power
from conformance.reference.ops.linalg_decompositions import _linalg_slogdet as slogdet
from conformance.reference.ops.linalg_least_squares import linalg_lstsq as lstsq
from conformance.reference.ops.linalg_lu import linalg_lu as lu
from conformance.reference.ops.linalg_lu import linalg_lu_factor as lu_factor
from conformance.reference.ops.linalg_lu import linalg_lu_factor_ex as lu_factor_ex
from conformance.reference.ops.linalg_lu import linalg_lu_solve as lu_solve
from conformance.reference.ops.linalg_solvers import linalg_solve_triangular as solve_triangular
from conformance.reference.ops.linalg_spectral import linalg_cholesky_ex as cholesky_ex
from conformance.reference.ops.linalg_spectral import linalg_eigh as eigh
from conformance.reference.ops.linalg_spectral import linalg_eigvalsh as eigvalsh
from conformance.reference.ops.linalg_spectral import linalg_inv_ex as inv_ex
from conformance.reference.ops.linalg_spectral import linalg_matrix_rank as matrix_rank
from conformance.reference.ops.linalg_spectral import linalg_pinv as pinv
from conformance.reference.ops.linalg_spectral import linalg_qr as qr
from conformance.reference.ops.linalg_spectral import linalg_solve_ex as solve_ex
from conformance.reference.ops.linalg_spectral import linalg_svd as svd
from conformance.reference.ops.linalg_spectral import linalg_svdvals as svdvals
from conformance.reference.ops.matrix_exponential import matrix_exp
from conformance.reference.ops.norms import linalg_vector_norm as vector_norm

__all__ = [
    "LinAlgError",
    "householder_product",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "inv_ex",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]

_SINGULAR_VALUE_ORDERS = ("nuc", 2, -2)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """torch.linalg.matrix_norm over the two dims `dim`. As ATen computes them: 'fro' is the
    vector 2-norm of the entries (LinalgVectorNormBackward0); 1 and -1 the largest and
    smallest column sum of |A| (vector 1-norms, then amax or amin: AmaxBackward0 on top), inf
    and -inf the same over rows; 'nuc', 2 and -2 the sum, largest and smallest of the singular
    values of A with `dim` moved last (svdvals, then sum, amax or amin)."""
    if A.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            "linalg.matrix_norm: Expected a floating point or complex tensor as input. "
            f"Got {dtypes.scalar_type_name(A.dtype)}"
        )
    if A.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."
        )
    dims = tuple(dim) if isinstance(dim, list | tuple) else (dim,)
    if len(dims) != 2:
        raise RuntimeError(
            f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}"
        )
    first, second = (shape.wrap_dim(d, A.ndim) for d in dims)
    if first == second:
        raise RuntimeError(
            f"linalg.matrix_norm: dims must be different. Got ({dims[0]}, {dims[1]})"
        )
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif not (math.isinf(ord) or ord in (1, -1, 2, -2)):
        raise RuntimeError(f"linalg.matrix_norm: Order {norms._ord_text(ord)} not supported.")
    if ord in _SINGULAR_VALUE_ORDERS and A.dtype in (dtypes.float16, dtypes.bfloat16):
        raise RuntimeError(
            "linalg.matrix_norm: Low precision dtypes not supported. "
            f"Got {dtypes.scalar_type_name(A.dtype)}"
        )
    if dtype is not None and dtypes.promote_types(A.dtype, dtype) is not dtype:
        raise RuntimeError(
            f"linalg.matrix_norm: the dtype of the input ({dtypes.scalar_type_name(A.dtype)}) "
            "should be convertible without narrowing to the specified dtype "
            f"({dtypes.scalar_type_name(dtype)})"
        )
    if ord == "fro":
        return vector_norm(A, 2, (first, second), keepdim, dtype=dtype)
    if ord in _SINGULAR_VALUE_ORDERS:
        return _singular_value_norm(A, ord, first, second, keepdim, dtype)
    if ord > 0 and A.numel() == 0:  # ATen's answer for an empty matrix: zeros, no graph
        sizes = [1 if d in (first, second) else n for d, n in enumerate(A.shape)]
        if not keepdim:
            sizes = [n for d, n in enumerate(A.shape) if d not in (first, second)]
        return creation.zeros(sizes, dtype=dtype or A.dtype, device=A.device)
    if math.isinf(ord):
        first, second = second, first
    if not keepdim and first < second:
        second -= 1
    sums = vector_norm(A, 1, first, keepdim, dtype=dtype)
    return (extremes.amax if ord > 0 else extremes.amin)(sums, second, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm or a matrix norm, chosen by `dim` (one dim or two) or,
    without dim, by the rank of A when an ord is given; with neither, the 2-norm of all
    entries."""
    if dim is not None:
        dims = [dim] if isinstance(dim, int) else list(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {dims}"
            )
    elif ord is not None and A.ndim not in (1, 2) and not isinstance(ord, str):
        raise RuntimeError(
            "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
            f"Got {A.ndim}D."
        )
    else:
        dims = None
    if (
        isinstance(ord, str)
        or (dims is not None and len(dims) == 2)
        or (dims is None and ord is not None and A.ndim == 2)
    ):
        matrix_dims = tuple(dims) if dims is not None else (-2, -1)
        return matrix_norm(A, "fro" if ord is None else ord, matrix_dims, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


def _singular_value_norm(A, ord, first, second, keepdim, dtype):  # noqa: A002 - torch's name
    """ATen's: permute `dim` to the end, take svdvals, then sum ('nuc'), amax (2) or amin
    (-2) over them; keepdim puts the two dims back by unsqueeze and the inverse permutation.
    An empty matrix's 2-norm is 0 (amax is given a zero); its -2-norm is amin's error."""
    if dtype is not None:
        A = A.to(dtype)
    order = [d for d in range(A.ndim) if d not in (first, second)] + [first, second]
    values = svdvals(A.permute(order))
    if ord == "nuc":
        result = reductions.sum(values, -1)
    elif ord == 2 and values.shape[-1] == 0:
        result = creation.zeros(values.shape[:-1], dtype=values.dtype, device=values.device)
    else:
        result = (extremes.amax if ord == 2 else extremes.amin)(values, -1)
    if keepdim:
        inverse = [order.index(d) for d in range(A.ndim)]
        result = result.unsqueeze(-1).unsqueeze(-1).permute(inverse)
    return result


def vecdot(x, y, *, dim=-1):
    """torch.linalg.vecdot: the dot product along `dim` of two broadcast tensors of one
    floating dtype, composed as PyTorch composes it: (x * y).sum(dim) (SumBackward1)."""
    if x.dtype is not y.dtype:
        raise RuntimeError(
            "linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
            f"{dtypes.scalar_type_name(x.dtype)} and y of type "
            f"{dtypes.scalar_type_name(y.dtype)} instead"
        )
    if x.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            "linalg.vecdot: Expected a floating point or complex tensor as input. Got "
            f"{dtypes.scalar_type_name(x.dtype)}"
        )
    return (x * y).sum(dim)


_COND_ORDERS = (None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf)


def cond(A, p=None):
    """torch.linalg.cond: the condition number in norm p, as ATen computes it: the ratio of
    the extreme singular values for p = None, 2 and -2 (narrowed, divided, squeezed); the sum
    of the singular values times the sum of their reciprocals for 'nuc'; otherwise
    norm(A) * norm(inv(A)), a singular A's inverse taken as infinite, and nan read as inf.
    PyTorch's backward through the last kind fails (the inverse is changed in place after
    LinalgInvEx saved it), and so does this one."""
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p not in _COND_ORDERS or isinstance(p, bool):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if p is None or p in (2, -2):
        values = svdvals(A)
        largest, smallest = values.narrow(-1, 0, 1), values.narrow(-1, values.shape[-1] - 1, 1)
        ratio = smallest / largest if p == -2 else largest / smallest
        return ratio.squeeze(-1)
    if A.shape[-1] != A.shape[-2]:
        shown = p if isinstance(p, str) or not math.isfinite(p) else int(p)
        raise RuntimeError(
            f"linalg.cond(ord={shown}): A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    if p == "nuc":
        values = svdvals(A)
        return values.sum(-1) * values.reciprocal().sum(-1)
    inverse, info = inv_ex(A)
    # In place, as ATen does: the inverse's version goes up, so (as in PyTorch) a backward
    # through these orders fails the saved-tensor check of LinalgInvEx.
    inverse.masked_fill_((info > 0).unsqueeze(-1).unsqueeze(-1), math.inf)
    result = matrix_norm(A, p) * matrix_norm(inverse, p)
    return result.nan_to_num(math.inf, math.inf, -math.inf)


def vander(x, *, N=None):  # noqa: N803 - PyTorch's name
    """torch.linalg.vander: the powers x^0 ... x^(N-1) along a new last dim (N = x.size(-1)
    by default), composed as ATen composes it: a column of ones concatenated to the cumprod
    of x expanded N - 1 times (so integers come back int64, as cumprod promotes them). Bool
    and half precision are refused; a 0-dim x is one element, which makes N = 1 too few."""
    if x.dtype not in (dtypes.float32, dtypes.float64) and x.dtype.category != dtypes.INTEGER:
        raise RuntimeError(
            "linalg.vander supports floating point, complex, and integer tensors, but got "
            f"{dtypes.scalar_type_name(x.dtype)}"
        )
    x = x.unsqueeze(-1) if x.ndim == 0 else x
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = x.unsqueeze(-1).expand(*x.shape, n - 1).cumprod(-1)
    ones = powers.new_ones((*x.shape, 1))
    return joins.cat([ones, powers], -1)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: torch.diagonal with the last two dims as default (keyword-only
    arguments); a view (DiagonalBackward0)."""
    return A.diagonal(offset, dim1, dim2)


def tensorinv(A, ind=2):
    """torch.linalg.tensorinv: the inverse of A read as a matrix whose rows are A's first
    `ind` dims and whose columns are the rest, given back with the two groups swapped
    (reshape, linalg.inv, reshape, as ATen composes it)."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, columns = A.shape[:ind], A.shape[ind:]
    if math.prod(columns) != math.prod(rows):
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == "
            f"prod(self.shape[:ind]), but got {math.prod(columns)} != {math.prod(rows)}"
        )
    inverse, info = inv_ex(A.reshape(math.prod(rows), -1))
    if int(info):  # checked under the name "inv", not linalg.inv's
        raise LinAlgError(
            f"inv: The diagonal element {int(info)} is zero, the inversion could not be "
            "completed because the input matrix is singular."
        )
    return inverse.reshape(*columns, *rows)


def tensorsolve(A, B, dims=None):
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) = B; the dims of A named in
    `dims` are moved last first. Composed as ATen does: reshape A to a square matrix and B
    to a vector, linalg.solve, reshape to A.shape[B.ndim:]."""
    if dims is not None:
        if not isinstance(dims, tuple | list):
            raise TypeError(
                "linalg_tensorsolve(): argument 'dims' must be tuple of ints, not "
                f"{type(dims).__name__}"
            )
        dims = list(dims)
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    result_shape = A.shape[B.ndim :]
    size = math.prod(result_shape)
    if B.numel() != size:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {size} != {B.numel()}"
        )
    return solve(A.reshape(size, size), B.reshape(size)).reshape(result_shape)


# PyTorch's argument parser in front of the exported functions (see ops/parsed_functions.py).
_parsed.export_parsed(globals(), _parsed.LINALG_INPUT, _parsed.LINALG_OTHERS, "linalg_")
