"""normalize, cosine_similarity and pairwise_distance.

PyTorch composes these from other ops (in Python for normalize, in C++ for the other two),
so the graph shows those steps; the few steps that are C++ calls with a node of their own
(clamp_min, add with a Scalar, the old at::norm) are declared here under PyTorch's names.
"""

from __future__ import annotations

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.common import _masked, _reference, broadcast_shapes
from conformance.reference.ops.define import op
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
