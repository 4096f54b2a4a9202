"""gumbel_softmax: a softmax of the logits perturbed by Gumbel noise, composed in Python as
PyTorch composes it, so the graph (AddBackward0, DivBackward0, SoftmaxBackward0, and for
hard=True the straight-through sum) and the draws from the global generator read the same."""

from __future__ import annotations

import warnings

from conformance.reference.nn.common import _reference
from conformance.reference.tensor import Tensor


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """softmax((logits + g) / tau) with g = -log(Exponential(1)) ~ Gumbel(0, 1). With hard,
    the one-hot of the sample's argmax plus (y_soft - y_soft.detach()): exactly one-hot in
    value, with y_soft's gradient (the straight-through estimator). eps has no effect."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    reference = _reference()
    gumbels = -reference.empty_like(logits).exponential_().log()
    gumbels = (logits + gumbels) / tau
    y_soft = gumbels.softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = reference.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


__all__ = ["gumbel_softmax"]
