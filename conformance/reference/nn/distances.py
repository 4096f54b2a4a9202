"""normalize, cosine_similarity, pairwise_distance and pdist.

PyTorch composes the first three from other ops (in Python for normalize, in C++ for the other
two), so the graph shows those steps; the few steps that are C++ calls with a node of their own
(clamp_min, add with a Scalar, the old at::norm) are declared here under PyTorch's names.
pdist is one kernel (PdistBackward0), with its gradient a kernel of its own.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace, scatter_add
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.common import _masked, _reference, broadcast_shapes
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.norms import _norm_grad, vector_norm_dims
from conformance.reference.ops.reductions import dims_of
from conformance.reference.ops.scalar_overloads import add_scalar
from conformance.reference.tensor import Tensor


@op(
    "ClampMinBackward0",
    self=lambda grad, self, min, F: _masked(grad, self >= min, F),
)
def _clamp_min(self, min):  # noqa: A002
    """max(self, min), a nan staying nan; no gradient where clamped (nor at a nan)."""
    return array_namespace(self).maximum(self, min).astype(self.dtype, copy=False)


@op(
    "NormBackward1",
    self=lambda grad, self, ord, result, dims, keepdim, F: _norm_grad(
        F, grad, self, ord, result, dims, keepdim
    ),
)
def _norm_dims(self, ord, dims, keepdim):
    """at::norm(self, p, dim, keepdim), which C++ code still calls: linalg.vector_norm's
    values and derivative, under the old node name."""
    return vector_norm_dims.forward(self, ord, dims, keepdim, None)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """input / max(norm(input, p, dim), eps), the norm broadcast back over dim."""
    denom = _clamp_min(input.norm(p, dim, keepdim=True), eps).expand_as(input)
    if out is not None:
        return _reference().div(input, denom, out=out)
    return input / denom


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over dim.

    As PyTorch 2.x computes it: each input is divided by its own norm first (so the result
    stays within [-1, 1] and nothing overflows), the norms cloned and clamped in place under
    no_grad, so the gradient flows through them as if unclamped.
    """
    common = dtypes.result_type(x1, x2)
    if common.category != dtypes.FLOATING:
        raise RuntimeError(
            "expected common dtype to be floating point, yet common dtype is "
            f"{scalar_type_name(common)}"
        )
    x1 = x1 if x1.dtype.category == dtypes.FLOATING else x1.to(common)
    x2 = x2 if x2.dtype.category == dtypes.FLOATING else x2.to(common)
    if x1.shape != x2.shape:  # expand_outplace: both expanded, or neither
        shape = broadcast_shapes(x1.shape, x2.shape)
        x1, x2 = x1.expand(shape), x2.expand(shape)
    reference = _reference()
    norms = []
    for x in (x1, x2):
        norm = reference.linalg.vector_norm(x, 2, dim, keepdim=True).clone()
        with reference.no_grad():
            norm.clamp_(min=eps)
        norms.append(norm)
    return ((x1 / norms[0]) * (x2 / norms[1])).sum(dim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """norm(x1 - x2 + eps, p) over the last dimension: eps keeps the norm's gradient finite
    where the inputs are equal."""
    last = max(x1.ndim, x2.ndim) - 1
    difference = add_scalar(x1 - x2, eps)  # AddBackward1, as in the kernel
    return _norm_dims(difference, float(p), dims_of(last, difference.ndim), keepdim)


def _pdist_pairs(self):
    """The signed differences x[i] - x[j] of the rows, for i < j in row-major order (pdist's
    order), and the pair indices."""
    xp = array_namespace(self)
    i, j = xp.triu_indices(self.shape[0], k=1)
    return self[i] - self[j], i, j


def _pdist_forward(self, p):
    """The p-norm of each row difference, as the kernel reduces it: the count of nonzero
    differences for p = 0 (a nan stays nan), their largest magnitude for p = inf, the square
    root of the sum of squares for p = 2, (sum |d|**p) ** (1 / p) otherwise."""
    xp = array_namespace(self)
    n, m = self.shape
    if n <= 1:
        return xp.zeros((0,), self.dtype)
    if m == 0:
        return xp.zeros((n * (n - 1) // 2,), self.dtype)
    if self.dtype not in (np.float32, np.float64):  # the kernel's AT_DISPATCH_FLOATING_TYPES
        name = scalar_type_name(dtypes.from_numpy_dtype(self.dtype))
        raise NotImplementedError(f"\"pdist\" not implemented for '{name}'")
    diff = xp.abs(_pdist_pairs(self)[0])
    if p == 0:
        return xp.minimum(xp.ceil(diff), 1).sum(axis=1, dtype=self.dtype)
    if p == 1:
        return diff.sum(axis=1, dtype=self.dtype)
    if p == 2:
        return xp.sqrt((diff * diff).sum(axis=1, dtype=self.dtype))
    if p == math.inf:
        return xp.max(diff, axis=1)
    return ((diff**p).sum(axis=1, dtype=self.dtype) ** (1.0 / p)).astype(self.dtype, copy=False)


def _pdist_not_implemented(grad):
    raise NotImplementedError("the derivative for '_pdist_backward' is not implemented.")


@op(
    "PdistBackwardBackward0",
    grad=_pdist_not_implemented,
    self=_pdist_not_implemented,
    pdist=_pdist_not_implemented,
)
def pdist_backward(grad, self, p, pdist):
    """_pdist_backward: each pair's gradient, added to its first row and taken from its second,
    by the kernel's formula for p (zero where the distance is 0; for 0 < p < 1, also where the
    difference is 0). PyTorch has no derivative for it: a second backward raises."""
    xp = array_namespace(self)
    out = xp.zeros(self.shape, self.dtype)
    if p == 0 or grad.size == 0 or self.size == 0:
        return out
    diff, i, j = _pdist_pairs(self)
    g, dist = grad[:, None], pdist[:, None]
    sign = xp.sign(diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        if p == 1:
            pair = sign * g
        elif p == math.inf:
            # 1 where |d| is the distance, as the kernel writes it (nan where either is).
            pair = g * sign * (1 - xp.minimum(1, xp.ceil(xp.abs(xp.abs(diff) - dist))))
        else:
            if p < 2:
                pair = sign * xp.abs(diff) ** (p - 1) * g / dist ** (p - 1)
                if p < 1:
                    pair = xp.where(diff == 0, 0, pair)
            elif p == 2:
                pair = g * diff / dist
            else:
                pair = diff * xp.abs(diff) ** (p - 2) * g / dist ** (p - 1)
            pair = xp.where(dist == 0, 0, pair)
    pair = pair.astype(self.dtype, copy=False)
    scatter_add(out, i, pair)
    scatter_add(out, j, -pair)
    return out


@op(
    "PdistBackward0",
    self=lambda grad, self, p, result, F: formula_op(F, pdist_backward)(grad, self, p, result),
)
def _pdist(self, p):
    return _pdist_forward(self, p)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distance between each pair of rows of a 2-D input, the upper triangle of
    cdist(input, input) read row by row."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input.dtype.category != dtypes.FLOATING:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return _pdist(input, float(p))
