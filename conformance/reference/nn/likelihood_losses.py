"""poisson_nll_loss and gaussian_nll_loss: the negative log-likelihoods of a Poisson and of a
Gaussian, composed step for step as PyTorch composes them. (nll_loss, of a categorical
distribution, is in cross_entropy.py; the reduction helpers are in reduction.py.)
"""

from __future__ import annotations

import math
from typing import Any

from conformance.reference.nn.common import _reference
from conformance.reference.nn.reduction import _REDUCTIONS, _apply_reduction, _reduction
from conformance.reference.ops.scalar_overloads import add_scalar, mul_scalar
from conformance.reference.tensor import Tensor


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: Any = None,
    eps: float = 1e-8,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """exp(input) - target * input (log_input), or input - target * log(input + eps); full
    adds Stirling's term target * log(target) - target + log(2 pi target) / 2 where target > 1."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    reference = _reference()
    if log_input:
        loss = reference.exp(input) - target * input
    else:
        loss = input - target * reference.log(add_scalar(input, eps))
    if full:
        stirling = (
            target * reference.log(target)
            - target
            + mul_scalar(reference.log(mul_scalar(target, 2 * math.pi)), 0.5)
        )
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _apply_reduction(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """(log(max(var, eps)) + (input - target)**2 / max(var, eps)) / 2, plus log(2 pi) / 2
    with full. PyTorch composes it in Python; var may be one dim short (or of size one in one
    dim) for one variance shared along it, or a float."""
    reference = _reference()
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * reference.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (
            input.ndim == var.ndim
            and sum(b for a, b in zip(input.shape, var.shape, strict=True) if a != b) == 1
        ):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with reference.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (reference.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply_reduction(loss, reduction)
