"""torch.matrix_exp (also torch.linalg.matrix_exp): exp(A) of each square matrix of a batch, as
ATen's linalg_matrix_exp computes it (an optimized Taylor polynomial picked by the 1-norm, with
scaling and squaring beyond), and its derivative by Mathias' block formula.
"""

from __future__ import annotations

import math

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.pointwise_common import HALF_ARRAYS

__all__ = ["matrix_exp"]


# The matrix exponential, as ATen's linalg_matrix_exp: Bader, Blanes and Casas' optimized
# Taylor polynomials ("Computing the Matrix Exponential with an Optimized Taylor Polynomial
# Approximation", Mathematics 7 (2019) 1174) of degree 1, 2, 4, 8, 12 or 18, picked per matrix
# by its 1-norm, and beyond the last bound degree 18 with scaling and squaring.

# The largest 1-norm each degree serves, in float32 and in float64.
# fmt: off
_THETAS_32 = (1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02,
              5.800524627688768e-01, 1.461661507209034e00, 3.010066362817634e00)
_THETAS_64 = (2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04,
              4.991228871115323e-02, 2.996158913811580e-01, 1.090863719290036e00)
# fmt: on

_SQRT_177 = 0.1330413469565007072504e2
_T8_X3 = 2.0 / 3.0
_T8 = (
    _T8_X3 * ((1.0 + _SQRT_177) / 88.0),  # x1
    _T8_X3 * ((1.0 + _SQRT_177) / 352.0),  # x2
    (-271.0 + 29.0 * _SQRT_177) / (315.0 * _T8_X3),  # x4
    (-11.0 + 11.0 * _SQRT_177) / (1260.0 * _T8_X3),  # x5
    (-99.0 + 11.0 * _SQRT_177) / (5040.0 * _T8_X3),  # x6
    (89.0 - _SQRT_177) / (5040.0 * _T8_X3),  # x7
    (857.0 - 58.0 * _SQRT_177) / 630.0,  # y2
)
# fmt: off
_T12 = ((9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
        (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031,
         0.01108844528519167989),
        (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968,
         0.00610700528898058230),
        (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079,
         -0.00675951846863086359))
_T18 = ((0.0, -1.00365581030144618291e-01, -8.02924648241156932449e-03,
         -8.92138498045729985177e-04, 0.0),
        (0.0, 3.97849749499645077844e-01, 1.36783778460411720168e00,
         4.98289622525382669416e-01, -6.37898194594723280150e-04),
        (-1.09676396052962061844e01, 1.68015813878906206114e00, 5.71779846478865511061e-02,
         -6.98210122488052056106e-03, 3.34975017086070470649e-05),
        (-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
         2.95552570429315521194e-02, -1.39180257516060693404e-05),
        (0.0, 0.0, -9.23364619367118555360e-02, -1.69364939002081722752e-02,
         -1.40086798182036094347e-05))
# fmt: on


def _combination(matrices, coefficients):
    """sum_j c_j M_j, the coefficients in the matrices' precision, accumulated from 0 as
    ATen's _compute_linear_combination (a zero coefficient still meets an inf)."""
    xp = array_namespace(matrices[0])
    real = xp.real(matrices[0]).dtype
    total = xp.zeros_like(matrices[0])
    for c, m in zip(coefficients, matrices, strict=True):
        total = total + xp.asarray(c, dtype=real) * m
    return total


def _powers(a, count):
    """[I, A, A^2, A^3, A^6][:count], as ATen's _fill_matrix_powers."""
    xp = array_namespace(a)
    identity = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    out = [identity, a]
    if count > 2:
        out.append(a @ a)
    if count > 3:
        out.append(a @ out[2])
    if count > 4:
        out.append(out[3] @ out[3])
    return out


def _taylor_1(a):
    i, a1 = _powers(a, 2)
    return i + a1


def _taylor_2(a):
    i, a1, a2 = _powers(a, 3)
    return i + a1 + a2 / 2.0


def _taylor_4(a):
    i, a1, a2 = _powers(a, 3)
    tail = a2 @ _combination([i, a1, a2], (1 / 2.0, 1 / 6.0, 1 / 24.0))
    return _combination([i, a1, a2, tail], (1.0, 1.0, 0.0, 1.0))


def _taylor_8(a):
    x1, x2, x4, x5, x6, x7, y2 = _T8
    i, a1, a2 = _powers(a, 3)
    a4 = a2 @ _combination([a1, a2], (x1, x2))
    a8 = _combination([a2, a4], (_T8_X3, 1.0)) @ _combination([i, a1, a2, a4], (x4, x5, x6, x7))
    return _combination([i, a1, a2, a4, a8], (1.0, 1.0, y2, 0.0, 1.0))


def _taylor_12(a):
    powers = _powers(a, 4)
    b0, b1, b2, b3 = (_combination(powers, row) for row in _T12)
    b2 = b2 + b3 @ b3
    return b0 + (b1 + b2) @ b2


def _taylor_18(a):
    powers = _powers(a, 5)
    b0, b1, b2, b3, b4 = (_combination(powers, row) for row in _T18)
    b3 = b3 + b0 @ b4
    return b1 + (b2 + b3) @ b3


def _scaled_and_squared(a, norm, theta):
    """exp(A) = exp(A / 2^s)^(2^s), with s the least that brings the 1-norm under theta."""
    xp = array_namespace(a)
    s = xp.maximum(0.0, xp.ceil(xp.log2(norm / xp.asarray(theta, dtype=norm.dtype))))
    s = xp.where(xp.isfinite(s), s, 0).astype(xp.int64)
    out = _taylor_18(a / (2.0**s)[:, None, None].astype(norm.dtype))
    for step in range(int(s.max()) if s.size else 0):
        again = s > step
        out[again] = out[again] @ out[again]
    return out


def _matrix_exp_array(a):
    xp = array_namespace(a)
    n = a.shape[-1]
    if n == 0:
        return a.copy()
    if n == 1:
        return xp.exp(a)
    wide = a.astype("float32") if a.dtype in HALF_ARRAYS else a
    stack = wide.reshape((-1, n, n))
    single = xp.real(stack).dtype == xp.float32
    thetas = _THETAS_32 if single else _THETAS_64
    norm = xp.abs(stack).sum(axis=-2).max(axis=-1)
    # A nan or an infinite entry matches no interval: the result stays nan, as PyTorch's.
    out = xp.full_like(stack, math.nan)
    batched = stack.shape[0] > 1  # PyTorch takes degree 18 for every matrix of a batch
    lower = -1.0
    for theta, taylor in zip(
        thetas[:5], (_taylor_1, _taylor_2, _taylor_4, _taylor_8, _taylor_12), strict=True
    ):
        chosen = (lower < norm) & (norm <= theta) & (not batched)
        if chosen.any():
            out[chosen] = taylor(stack[chosen])
        lower = theta
    large = ((norm >= thetas[4]) | batched) & xp.isfinite(norm)
    if large.any():
        out[large] = _scaled_and_squared(stack[large], norm[large], thetas[5])
    return out.reshape(a.shape).astype(a.dtype)


def _matrix_exp_derivative(grad, self, F):
    """exp([[A^T, G], [0, A^T]]) holds the gradient in its upper right block (Mathias' block
    formula, ATen's linalg_matrix_exp_differential)."""
    n = self.shape[-1]
    at = F.transpose(self, -2, -1)
    if not F.records_graph and at.dtype.kind == "c":
        at = at.conj()  # the adjoint, for complex A (the engine has no conj op to record)
    block = F.zeros((*self.shape[:-2], 2 * n, 2 * n), self)
    block[..., :n, :n] = at  # (written into slices, as PyTorch does: CopySlices)
    block[..., n:, n:] = at
    block[..., :n, n:] = grad
    return formula_op(F, _linalg_matrix_exp)(block)[..., :n, n:]


@op("LinalgMatrixExpBackward0", self=_matrix_exp_derivative)
def _linalg_matrix_exp(self):
    return _matrix_exp_array(self)


def matrix_exp(input):  # noqa: A002 - PyTorch's keyword
    """torch.matrix_exp / torch.linalg.matrix_exp: exp(A) of each square matrix of the batch.
    A matrix with a nan or an infinite entry gives nan throughout."""
    name = "linalg.matrix_exp"
    if input.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are "
            f"{input.shape[-2]} by {input.shape[-1]} matrices"
        )
    if input.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. "
            f"Got {dtypes.scalar_type_name(input.dtype)}"
        )
    return _linalg_matrix_exp(input)


TENSOR_METHODS: dict = {"matrix_exp": matrix_exp}
