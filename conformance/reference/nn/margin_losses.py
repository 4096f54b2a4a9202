"""The margin losses: margin_ranking_loss, hinge_embedding_loss, soft_margin_loss,
cosine_embedding_loss, triplet_margin_loss, triplet_margin_with_distance_loss and
multilabel_soft_margin_loss. (multi_margin_loss and multilabel_margin_loss are in
multi_margin_losses.py; the losses of a difference or a divergence in losses.py; the negative
log-likelihoods in cross_entropy.py and likelihood_losses.py.)

soft_margin_loss is one kernel, as in PyTorch (SoftMarginLossBackward0, with its gradient an op
of its own); the others are composed, step for step as PyTorch composes them, so the graph
reads the same. The reduction helpers are in reduction.py.
"""

from __future__ import annotations

import math
from typing import Any

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.common import _reference, no_grad_argument
from conformance.reference.nn.distances import _clamp_min, pairwise_distance
from conformance.reference.nn.reduction import _REDUCTIONS, _apply_reduction, _reduce, _reduction
from conformance.reference.ops.argument_errors import need_tensor
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.scalar_overloads import add_scalar, number_minus, sub_scalar
from conformance.reference.tensor import Tensor

# cosine_embedding_loss's epsilon is a C++ float: 1e-12 rounded to float32.
COSINE_EPSILON = 9.999999960041972e-13


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():  # (torch's dim())
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    output = _clamp_min(add_scalar(-target * (input1 - input2), margin), 0)
    return _apply_reduction(output, reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """x where target is 1, max(0, margin - x) where it is -1 (other targets sum both)."""
    reduction = _reduction(reduction, size_average, reduce)
    where = _reference().where
    zeros = _reference().zeros_like(input)
    margin_clamp = _clamp_min(number_minus(margin, input), 0)
    output = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return _apply_reduction(output, reduction)


def _soft_margin_double(grad, self, target, reduction, F):
    """d/dx of the gradient: norm * target**2 * z / (1 + z)**2, z = exp(-target * x)."""
    z = F.exp(self * -target)
    norm = 1 / math.prod(self.shape) if reduction == "mean" else 1
    return grad * norm * (target * target) * z / ((z + 1) * (z + 1))


def _soft_margin_grad_output_grad(grad, grad_output, self, target, reduction, F):
    """soft_margin_loss_backward is linear in grad_output: for a reduced loss, its slope at a
    gradient of one, weighted by the incoming gradient and summed, as PyTorch writes it."""
    backward = formula_op(F, soft_margin_loss_backward)
    if reduction == "none":
        return backward(grad, self, target, reduction)
    return (backward(F.ones_like(grad_output), self, target, reduction) * grad).sum()


@op(
    "SoftMarginLossBackwardBackward0",
    grad_output=_soft_margin_grad_output_grad,
    self=lambda grad, grad_output, self, target, reduction, F: _soft_margin_double(
        grad * grad_output, self, target, reduction, F
    ),
)
def soft_margin_loss_backward(grad_output, self, target, reduction):
    """soft_margin_loss's gradient, an op of its own as in PyTorch: -norm * target * z /
    (1 + z) * grad, z = exp(-target * x), norm 1 / numel for a mean."""
    z = array_namespace(self).exp(-target * self)
    norm = 1 / self.size if self.size else math.inf  # (ATen's 1. / 0 is inf, no error)
    norm = norm if reduction == "mean" else 1
    return (-norm * target * z / (1 + z) * grad_output).astype(self.dtype, copy=False)


@op(
    "SoftMarginLossBackward0",
    self=lambda grad, self, target, reduction, F: formula_op(F, soft_margin_loss_backward)(
        grad, self, target, reduction
    ),
)
def _soft_margin_loss(self, target, reduction):
    xp = array_namespace(self)
    return _reduce(xp.log1p(xp.exp(-target * self)).astype(self.dtype, copy=False), reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """log(1 + exp(-target * input)): one kernel (no gradient for the target)."""
    reduction = _reduction(reduction, size_average, reduce)
    need_tensor("soft_margin_loss", "input", 1, input)  # (torch._C._nn's argument parser)
    need_tensor("soft_margin_loss", "target", 2, target)
    no_grad_argument("soft_margin_loss", "target", target)
    if input.dtype is dtypes.bool:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    shape = input.shape
    if target.shape != shape:
        from conformance.reference.nn.common import broadcast_shapes

        shape = broadcast_shapes(input.shape, target.shape)
    if shape != input.shape:  # (ATen computes into a tensor shaped like input)
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape {list(shape)}"
        )
    if input.dtype.category != dtypes.FLOATING:
        result = dtypes.promote_types(input.dtype, target.dtype)
        if result.category != dtypes.FLOATING:
            result = dtypes.get_default_dtype()
        raise RuntimeError(
            f"result type {scalar_type_name(result)} can't be cast to the desired output type "
            f"{scalar_type_name(input.dtype)}"
        )
    return _soft_margin_loss(input, target.expand(shape), reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1, the
    cosine as ATen computes it (squared norms plus 1e-12 as a float, one sqrt)."""
    reduction = _reduction(reduction, size_average, reduce)
    dim = target.ndim
    if dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if dim == 1 and (input1.ndim != 2 or input2.ndim != 2):
        raise RuntimeError(
            "1D target tensor expects 2D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    if dim == 0 and (input1.ndim != 1 or input2.ndim != 1):
        raise RuntimeError(
            "0D target tensor expects 1D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    reference = _reference()
    prod_sum = (input1 * input2).sum(dim)
    mag_square1 = add_scalar((input1 * input1).sum(dim), COSINE_EPSILON)
    mag_square2 = add_scalar((input2 * input2).sum(dim), COSINE_EPSILON)
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    zeros = reference.zeros_like(cos)
    positive = number_minus(1, cos)
    negative = _clamp_min(sub_scalar(cos, margin), 0)
    output = reference.where(target == 1, positive, zeros) + reference.where(
        target == -1, negative, zeros
    )
    return _apply_reduction(output, reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin), d the pairwise distance; with swap, d(a, n) is
    replaced by d(p, n) where that is smaller."""
    reduction = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative "
            f"{dims[2]}D inputs"
        )
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = _reference().min(dist_neg, pairwise_distance(positive, negative, p, eps))
    output = _clamp_min(add_scalar(dist_pos, margin) - dist_neg, 0)
    return _apply_reduction(output, reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """The mean over classes of the binary cross entropy of sigmoid(input) (through
    logsigmoid); PyTorch composes it in Python."""
    from conformance.reference.nn.activations import logsigmoid

    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _apply_reduction(loss, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Any = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) for any distance function d (pairwise_distance by
    default), composed in Python as PyTorch does: `margin + dist_pos` is a Python add
    (AddBackward0), and with swap, d(a, n) is replaced by d(p, n) where that is smaller."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative "
            f"{dims[2]}D inputs"
        )
    reference = _reference()
    if distance_function is None:
        distance_function = reference.pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = reference.minimum(dist_neg, distance_function(positive, negative))
    loss = reference.clamp_min(margin + dist_pos - dist_neg, 0)
    return _apply_reduction(loss, reduction)
