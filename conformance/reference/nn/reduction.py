"""What every loss shares: the reduction argument ('none', 'mean', 'sum', or the deprecated
size_average and reduce pair), the reduction of elementwise losses and of their gradients, and
the broadcasting of input against target (with PyTorch's warning when their sizes differ)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from conformance.reference.devices import array_namespace
from conformance.reference.nn.common import broadcast_shapes
from conformance.reference.ops.cascade_sum import summed
from conformance.reference.ops.reductions import _mean
from conformance.reference.tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction: str, size_average: Any = None, reduce: Any = None) -> str:
    """The reduction to use, from the new argument or the deprecated pair (with its warning)."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        if size_average and reduce:
            reduction = "mean"
        elif reduce:
            reduction = "sum"
        else:
            reduction = "none"
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            UserWarning,
            stacklevel=3,
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Any, reduction: str) -> Any:
    """Apply the reduction to an array of elementwise losses (the forward of a loss op), as
    ATen's apply_loss_reduction does: its mean() and sum(), which add in the order of
    PyTorch's sum kernel (cascade_sum), not NumPy's."""
    if reduction == "mean":
        if not loss.size:  # nan, without NumPy's "Mean of empty slice" warning
            return array_namespace(loss).full((), np.nan, loss.dtype)
        return _mean(loss, None, False)
    if reduction == "sum":
        return summed(loss)
    return loss


def _apply_reduction(output: Tensor, reduction: str) -> Tensor:
    """ATen's apply_loss_reduction."""
    if reduction == "mean":
        return output.mean()
    return output.sum() if reduction == "sum" else output


def _per_element(grad: Any, n: int, reduction: str) -> Any:
    """A loss gradient as seen by each element: a mean divides it by the element count."""
    return grad / n if reduction == "mean" else grad


def _warn_size(input: Tensor, target: Tensor) -> None:
    """torch.nn.functional's size check: it calls target.size() then input.size(), so a Python
    number in either place is an AttributeError naming `size`."""
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _broadcast(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """torch.broadcast_tensors: both expanded to their common shape (no-ops when equal)."""
    if input.shape == target.shape:
        return input, target
    shape = broadcast_shapes(input.shape, target.shape)
    if input.shape != shape:
        input = input.expand(shape)
    if target.shape != shape:
        target = target.expand(shape)
    return input, target
