"""Vector norms: torch.norm and torch.linalg.vector_norm (reference/linalg.py exports it and
builds the matrix norms on it), and renorm, which rescales the slices whose norm is too large.

The dim helpers and accumulation dtypes come from reductions.py. The kernel and the gradient
(_vector_norm, _norm_grad) serve torch.dist (statistics.py) and nn's distances and embedding too.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import shape
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.reductions import (
    _accumulator,
    dims_of,
)

__all__ = ["norm", "renorm"]


# -- norms ------------------------------------------------------------------------------------


def _vector_norm(a, ord, dims, keepdim):
    xp = array_namespace(a)
    magnitude = xp.abs(a.astype(_accumulator(a.dtype), copy=False))
    if ord == 2:
        out = xp.sqrt((magnitude * magnitude).sum(axis=dims, keepdims=keepdim))
    elif ord == 1:
        out = magnitude.sum(axis=dims, keepdims=keepdim)
    elif ord == math.inf:
        out = magnitude.max(axis=dims, keepdims=keepdim)
    elif ord == -math.inf:
        out = magnitude.min(axis=dims, keepdims=keepdim)
    elif ord == 0:
        out = (magnitude != 0).sum(axis=dims, keepdims=keepdim, dtype=magnitude.dtype)
    elif _one_element_each(a.shape, dims):  # PyTorch gives |x| itself, not (|x|^p)^(1/p)
        out = magnitude.sum(axis=dims, keepdims=keepdim)
    else:
        with np.errstate(divide="ignore"):
            out = (magnitude**ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
    return out.astype(a.real.dtype if a.dtype.kind == "c" else a.dtype)


def _one_element_each(shape, dims) -> bool:
    """Whether a reduction over `dims` (None: all) takes one element into each result."""
    reduced = shape if dims is None else [shape[d] for d in np.atleast_1d(dims)]
    return math.prod(reduced) == 1


def _norm_grad(F, grad, self, ord, result, dims, keepdim):
    """PyTorch's norm_backward: sign(x) for the 1-norm, x / norm for the 2-norm (0 at a zero
    norm), the ties of the largest |x| for the inf-norm, and none at all for the 0-"norm".
    Reduced dims named in `dims` are put back one unsqueeze each, even when the norm reduced
    every dim (PyTorch's unsqueeze_multiple); `dims` None is every dim with none named (no
    dim given, or dist's norm), and the 0-d gradient broadcasts as it is."""
    if ord == 0:
        return None
    if dims is None:
        dims = tuple(range(self.ndim))
    elif not keepdim and self.ndim:
        grad = F.unsqueeze_dims(grad, dims, self.ndim)
        if ord != 1:
            result = F.unsqueeze_dims(result, dims, self.ndim)
    if ord == 1:
        return F.sgn(self) * grad
    with np.errstate(divide="ignore", invalid="ignore"):
        if ord == 2:
            return grad * F.masked_fill(self / result, result == 0, 0)
        if math.isinf(ord):
            magnitude = F.abs(self)
            mask = (magnitude == result) | F.isnan(magnitude)
            return F.sgn(self) * (grad / F.sum(mask, dims, True) * mask)
        if ord < 1:
            scaled = F.sgn(self) * F.masked_fill(F.abs(self) ** (ord - 1), self == 0, 0)
            return scaled * grad * result ** (1 - ord)
        scale = F.masked_fill(grad / result ** (ord - 1), result == 0, 0)
        if ord < 2:
            return F.sgn(self) * F.abs(self) ** (ord - 1) * scale
        return self * F.abs(self) ** (ord - 2) * scale


@op(
    "LinalgVectorNormBackward0",
    self=lambda grad, self, ord, result, dims, keepdim, F: _norm_grad(
        F, grad, self, ord, result, dims, keepdim
    ),
)
def vector_norm_dims(self, ord, dims, keepdim, dtype):
    return _vector_norm(self if dtype is None else self.astype(dtype.np), ord, dims, keepdim)


def _ord_text(ord):
    return str(int(ord)) if math.isfinite(ord) and ord == int(ord) else str(ord)


def linalg_vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.vector_norm: (sum |x|^ord)^(1/ord) over dims (all by default); ord may be
    inf, -inf or 0 (the count of nonzeros)."""
    if x.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {scalar_type_name(x.dtype)}"
        )
    if not isinstance(ord, int | float) or isinstance(ord, bool):
        raise TypeError(
            "linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
            f"{type(ord).__name__}"
        )
    ord = float(ord)
    dims = dims_of(dim, x.ndim)
    if x.numel() == 0 and (ord < 0 or ord == math.inf):
        where = "an empty tensor because the operation does"
        for d in () if dim is None else dims:
            if x.shape[d] == 0:
                where = f"the dimension {d}because this dimension is empty and the operation does"
                break
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {_ord_text(ord)} norm on {where} not have an "
            "identity"
        )
    if dim is None or not isinstance(dim, int) and not len(dim):
        dims = None  # every dim, none named: the gradient puts none back
    return vector_norm_dims(x, ord, dims, keepdim, dtype)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: 'fro' and numbers are vector norms over dim (all by default), as in PyTorch
    2.x, which routes them to linalg.vector_norm."""
    if out is not None:
        raise NotImplementedError("conformance.reference: norm(out=...) is not supported")
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return linalg_vector_norm(input, 2, dim, keepdim, dtype=dtype)
        if p == "fro":
            raise RuntimeError(
                f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}"
            )
        raise NotImplementedError(f"conformance.reference: matrix norm p={p!r} is not supported")
    return linalg_vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


# -- renorm ------------------------------------------------------------------------------------


def _renorm_grad(grad, self, p, dim, maxnorm, F):
    """PyTorch's renorm_backward: where the norm exceeded maxnorm, the derivative of
    x * maxnorm / (norm + 1e-7), written with norm_backward; elsewhere grad as it is."""
    dims = tuple(d for d in range(self.ndim) if d != dim)
    norm = formula_op(F, vector_norm_dims)(self, p, dims, True, None)
    grad_output = F.sum(self * grad, dims, True)
    nb = _norm_grad(F, grad_output, self, p, norm, dims, True)
    invnorm = F.reciprocal(norm + 1e-7)
    factor = invnorm * maxnorm
    return F.where(norm > maxnorm, factor * (grad - invnorm * nb), grad)


@op("RenormBackward0", self=_renorm_grad)
def _renorm(self, p, dim, maxnorm):
    """Each slice along `dim` scaled by maxnorm / (norm + 1e-7) where its p-norm exceeds
    maxnorm. ATen takes the norm in CUDA's accumulation type on every device (float32 for
    float32 and the half types) and computes the factor there, maxnorm rounded to it."""
    xp = array_namespace(self)
    dims = tuple(d for d in range(self.ndim) if d != dim)
    wide = np.float64 if self.dtype == np.float64 else np.float32
    norm = _vector_norm(self.astype(wide), p, dims, True)
    limit, eps = wide(maxnorm), wide(1e-7)
    with np.errstate(divide="ignore"):
        factor = xp.where(norm > limit, limit / (norm + eps), wide(1))
    return self * factor.astype(self.dtype)


def renorm(input, p, dim, maxnorm):  # noqa: A002 - PyTorch's names
    """torch.renorm and Tensor.renorm (renorm_ in place): every slice input.select(dim, i)
    whose p-norm exceeds maxnorm rescaled to norm maxnorm (slightly under: 1e-7 is added to
    the norm). Needs 2 dims or more, p > 0, maxnorm >= 0, a floating input."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions"
        )
    dim = shape.wrap_dim(dim, input.ndim)
    if input.dtype.category < dtypes.FLOATING:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{dtypes.scalar_type_name(input.dtype)}"
        )
    return _renorm(input, float(p), dim, maxnorm)


TENSOR_METHODS: dict = {
    "norm": norm,
    "renorm": renorm,
}
TENSOR_IN_PLACE: dict = {"renorm_": renorm}
