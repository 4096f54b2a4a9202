"""The losses of a difference or a divergence: mse_loss, l1_loss, smooth_l1_loss, huber_loss
and kl_div. (nll_loss and the cross entropies are in cross_entropy.py.)

mse_loss, smooth_l1_loss and huber_loss are one kernel each, declared as one op with its
derivatives; l1_loss, the weighted forms and kl_div are composed, as in PyTorch.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.activation_backwards import as_mask
from conformance.reference.nn.common import _reference
from conformance.reference.nn.reduction import (
    _REDUCTIONS,
    _broadcast,
    _per_element,
    _reduce,
    _reduction,
    _warn_size,
)
from conformance.reference.ops.argument_errors import need_tensor
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.pointwise import opmath, xlogy
from conformance.reference.tensor import Tensor


def _mse_double(grad, self, reduction):
    """The second derivative of mse_loss: 2 per element, over the count for a mean."""
    return _per_element(grad * 2, math.prod(self.shape), reduction)


def _mse_grad_output_grad(grad, grad_output, self, target, reduction, F):
    backward = formula_op(F, mse_loss_backward)
    if reduction == "none":
        return backward(grad, self, target, reduction)
    return (backward(F.ones_like(grad_output), self, target, reduction) * grad).sum()


@op(
    "MseLossBackwardBackward0",
    grad_output=_mse_grad_output_grad,
    self=lambda grad, grad_output, self, reduction: _mse_double(
        grad * grad_output, self, reduction
    ),
    target=lambda grad, grad_output, target, reduction: (
        -_mse_double(grad * grad_output, target, reduction)
    ),
)
def mse_loss_backward(grad_output, self, target, reduction):
    """mse_loss's gradient, an op of its own as in PyTorch (a create_graph backward records
    MseLossBackwardBackward0), rounded as its kernel rounds: norm * (self - target) * grad,
    norm being 2 (over the element count for a mean) in the gradient's dtype."""
    dtype = grad_output.dtype
    norm = 2 / self.size if self.size else math.inf  # (ATen's 2. / 0 is inf, no error)
    norm = norm if reduction == "mean" else 2
    return dtype.type(norm) * (self.astype(dtype) - target.astype(dtype)) * grad_output


@op(
    "MseLossBackward0",
    self=lambda grad, self, target, reduction, F: formula_op(F, mse_loss_backward)(
        grad, self, target, reduction
    ),
    target=lambda grad, self, target, reduction, F: formula_op(F, mse_loss_backward)(
        grad, target, self, reduction
    ),
)
def _mse_loss(self, target, reduction, dtype):
    """`dtype` is the promoted dtype of the two (PyTorch promotes inside the kernel)."""
    diff = self.astype(dtype.np, copy=False) - target.astype(dtype.np, copy=False)
    return _reduce(diff * diff, reduction)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean (or sum, or each) of (input - target) ** 2: one MseLossBackward0 node."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _broadcast(input, target)
    if weight is not None:
        return _weighted(((input - target) ** 2), weight, input, reduction)
    dtype = dtypes.result_type(input, target)
    if dtype.category < dtypes.FLOATING:
        raise NotImplementedError(f"\"mse_cpu\" not implemented for '{scalar_type_name(dtype)}'")
    return _mse_loss(input, target, reduction, dtype)


def _weighted(errors: Tensor, weight: Tensor, input: Tensor, reduction: str) -> Tensor:
    """The weighted losses PyTorch composes in Python: a mean divides by the weights' sum."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = errors * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    return weighted.sum() / weight.sum()


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """PyTorch composes it: (input - target).abs(), then mean or sum."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _broadcast(input, target)
    errors = (input - target).abs()
    if weight is not None:
        return _weighted(errors, weight, input, reduction)
    if reduction == "mean":
        return errors.mean()
    if reduction == "sum":
        return errors.sum()
    return errors


# -- smooth L1, Huber and Kullback-Leibler ------------------------------------------------


def _smooth_l1_double(grad, self, target, reduction, beta, F):
    """smooth_l1_loss_backward's slope in self: 1 / beta within beta of the target, 0 beyond
    (over the element count for a mean)."""
    within = as_mask(F.abs(self - target) < beta, grad, F)
    return _per_element(grad * within / beta, math.prod(self.shape), reduction)


@op(
    "SmoothL1LossBackwardBackward0",
    grad_output=lambda grad, self, target, reduction, beta, F: formula_op(
        F, smooth_l1_loss_backward
    )(grad, self, target, reduction, beta),
    self=lambda grad, grad_output, self, target, reduction, beta, F: _smooth_l1_double(
        grad * grad_output, self, target, reduction, beta, F
    ),
    target=lambda grad, grad_output, self, target, reduction, beta, F: (
        -_smooth_l1_double(grad * grad_output, self, target, reduction, beta, F)
    ),
)
def smooth_l1_loss_backward(grad_output, self, target, reduction, beta):
    """smooth_l1_loss's gradient, an op of its own as in PyTorch: +-1 beyond beta, (x - y) /
    beta within, a nan difference giving nan; over the element count for a mean. The target's
    gradient is this op with self and target swapped."""
    xp = array_namespace(self)
    x = self - target
    norm = _per_element(grad_output, math.prod(self.shape), reduction)
    return xp.where(x <= -beta, -norm, xp.where(x >= beta, norm, x * norm / beta))


def _smooth_l1_grad(grad, self, target, reduction, beta, F):
    return formula_op(F, smooth_l1_loss_backward)(grad, self, target, reduction, beta)


@op(
    "SmoothL1LossBackward0",
    self=_smooth_l1_grad,
    target=lambda grad, self, target, reduction, beta, F: _smooth_l1_grad(
        grad, target, self, reduction, beta, F
    ),
)
def _smooth_l1_loss(self, target, reduction, beta, dtype):
    xp = array_namespace(self)
    z = xp.abs(opmath(self.astype(dtype.np, copy=False) - target.astype(dtype.np, copy=False)))
    loss = xp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    return _reduce(loss.astype(dtype.np, copy=False), reduction)


def _loss_dtype(kernel: str, input: Tensor, target: Tensor) -> dtypes.dtype:
    """The kernel computes in the promoted dtype, which must be floating."""
    dtype = dtypes.result_type(input, target)
    if dtype.category != dtypes.FLOATING:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}'")
    return dtype


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 * (x - y)**2 / beta where |x - y| < beta, |x - y| - 0.5 * beta elsewhere. With
    beta == 0 it is l1_loss, and PyTorch calls l1_loss (its graph shows abs and mean)."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _broadcast(input, target)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    dtype = _loss_dtype("smooth_l1_cpu", input, target)
    return _smooth_l1_loss(input, target, reduction, beta, dtype)


def _huber_double(grad, self, target, reduction, delta, F):
    """huber_loss_backward's slope in self: 1 within delta of the target, 0 beyond (over the
    element count for a mean)."""
    within = as_mask(F.abs(self - target) < delta, grad, F)
    return _per_element(grad * within, math.prod(self.shape), reduction)


def _huber_grad_output_grad(grad, grad_output, self, target, reduction, delta, F):
    """huber_loss_backward is linear in grad_output: for a reduced loss, its slope (at a
    gradient of one) weighted by the incoming gradient and summed, as PyTorch writes it."""
    backward = formula_op(F, huber_loss_backward)
    if reduction == "none":
        return backward(grad, self, target, reduction, delta)
    return (backward(F.ones_like(grad_output), self, target, reduction, delta) * grad).sum()


@op(
    "HuberLossBackwardBackward0",
    grad_output=_huber_grad_output_grad,
    self=lambda grad, grad_output, self, target, reduction, delta, F: _huber_double(
        grad * grad_output, self, target, reduction, delta, F
    ),
    target=lambda grad, grad_output, self, target, reduction, delta, F: (
        -_huber_double(grad * grad_output, self, target, reduction, delta, F)
    ),
)
def huber_loss_backward(grad_output, self, target, reduction, delta):
    """huber_loss's gradient, an op of its own as in PyTorch: +-delta beyond delta, x - y
    within; over the element count for a mean. The target's is this op with the two swapped."""
    xp = array_namespace(self)
    x = self - target
    norm = _per_element(grad_output, math.prod(self.shape), reduction)
    return xp.where(x <= -delta, -norm * delta, xp.where(x >= delta, norm * delta, x * norm))


def _huber_grad(grad, self, target, reduction, delta, F):
    return formula_op(F, huber_loss_backward)(grad, self, target, reduction, delta)


@op(
    "HuberLossBackward0",
    self=_huber_grad,
    target=lambda grad, self, target, reduction, delta, F: _huber_grad(
        grad, target, self, reduction, delta, F
    ),
)
def _huber_loss(self, target, reduction, delta, dtype):
    xp = array_namespace(self)
    z = xp.abs(opmath(self.astype(dtype.np, copy=False) - target.astype(dtype.np, copy=False)))
    loss = xp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    return _reduce(loss.astype(dtype.np, copy=False), reduction)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """0.5 * (x - y)**2 where |x - y| < delta, delta * (|x - y| - 0.5 * delta) elsewhere:
    smooth_l1_loss times delta. A weight multiplies each loss (a mean divides by the count,
    not by the weights' sum)."""
    _warn_size(input, target)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    input, target = _broadcast(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    dtype = _loss_dtype("huber_cpu", input, target)
    if input.dtype.category < dtypes.FLOATING:  # the output is allocated like the input
        raise RuntimeError(
            f"result type {scalar_type_name(dtype)} can't be cast to the desired output type "
            f"{scalar_type_name(input.dtype)}"
        )
    if weight is None:
        return _huber_loss(input, target, reduction, delta, dtype)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = _huber_loss(input, target, "none", delta, dtype) * weight
    if reduction == "none":
        return weighted
    return weighted.sum() if reduction == "sum" else weighted.mean()


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """The pointwise KL divergence target * (log(target) - input), the input being
    log-probabilities (and the target too with log_target). 'batchmean' sums and divides by
    the batch size, as the mathematical definition does; 'mean' divides by every element and
    warns about it."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    if reduction not in (*_REDUCTIONS, "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    need_tensor("kl_div", "input", 1, input)
    need_tensor("kl_div", "target", 2, target)
    if input.dtype.category < dtypes.FLOATING or target.dtype.category < dtypes.FLOATING:
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        output = _reference().exp(target) * (target - input)
    else:
        output = xlogy(target, target) - target * input
    if reduction == "mean":
        return output.mean()
    if reduction in ("sum", "batchmean"):
        output = output.sum()
    if reduction == "batchmean" and input.ndim != 0:
        output = output / input.shape[0]
    return output
