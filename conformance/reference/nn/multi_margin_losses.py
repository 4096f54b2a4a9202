"""multi_margin_loss and multilabel_margin_loss: one CPU kernel each in PyTorch
(MultiMarginLossBackward0, MultilabelMarginLossBackward0), declared here as one op each.

What the kernels do that is not obvious:
- a term counts only where its margin z is strictly positive, so a nan z (a nan input) adds
  nothing and passes no gradient, where an elementwise max(0, z) would give nan;
- the per-sample sum is divided by the number of classes, whatever the reduction;
- an input may be 0-d (one sample of one class), 1-d (one sample) or 2-d (a batch); a 1-d
  target of one element gives a 1-element 'none' result for multi_margin_loss, a 0-d target a
  0-d one, and multilabel_margin_loss gives a 0-d result for any unbatched input;
- neither kernel has a derivative of its own gradient: a create_graph backward records a
  torch::autograd::NotImplemented node that refuses a further backward;
- an empty batch returns before the dtype dispatch, so an integer input with no rows is not
  refused, and the reduced value of an empty batch is whatever memory PyTorch allocated (here
  nan for a mean and 0 for a sum).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.common import no_grad_argument
from conformance.reference.nn.reduction import _reduction
from conformance.reference.ops.cascade_sum import _sequential
from conformance.reference.ops.define import formula_op, no_derivative, op
from conformance.reference.tensor import Tensor


def _frames(ndim: int, shape: tuple) -> tuple[int, int]:
    """(samples, classes): a 0-d input is one sample of one class, a 1-d input one sample."""
    if ndim <= 1:
        return 1, (shape[0] if ndim else 1)
    return shape[0], shape[1]


def _check_input(input: Tensor) -> tuple[int, int]:
    ndim = input.ndim
    if not ((ndim == 2 and input.shape[1] != 0) or (ndim == 1 and input.shape[0]) or ndim == 0):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    return _frames(ndim, input.shape)


def _check_dtypes(kernel: str, self: Any, target: Any, weight: Any = None) -> None:
    """The kernel's dispatch: a float32 or float64 input (no half types), then an int64
    target and a weight of the input's dtype (PyTorch's data_ptr checks)."""
    if self.dtype not in (np.float32, np.float64):  # AT_DISPATCH_FLOATING_TYPES
        name = scalar_type_name(dtypes.from_numpy_dtype(self.dtype))
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")
    for array, expected in ((target, np.dtype(np.int64)), (weight, self.dtype)):
        if array is not None and array.dtype != expected:
            want = scalar_type_name(dtypes.from_numpy_dtype(expected))
            found = scalar_type_name(dtypes.from_numpy_dtype(array.dtype))
            raise RuntimeError(f"expected scalar type {want} but found {found}")


def _scaled_by_grad(grad_input, grad_output, reduction):
    """The per-sample gradient times the incoming one: one number for a reduced (or 0-d)
    loss, one per row otherwise."""
    if reduction != "none" or grad_output.ndim == 0:
        return grad_input * grad_output.reshape(())
    return grad_input * grad_output.reshape(-1, 1)


# -- multi_margin_loss ----------------------------------------------------------------------


def _multi_margin_terms(self, target, p, margin, weight):
    """Per sample and class: z = margin - x[target] + x (in the input's dtype), whether the
    term counts (z > 0, not the target class), and the weight of the sample's target."""
    xp = array_namespace(self)
    nframe, dim = _frames(self.ndim, self.shape)
    x = self.reshape(nframe, dim)
    t = target.reshape(nframe, 1)
    if bool(((t < 0) | (t >= dim)).any()):
        raise RuntimeError("target out of range")
    picked = xp.take_along_axis(x, t, axis=1)
    z = (xp.asarray(margin, dtype=self.dtype) - picked) + x
    counts = (z > 0) & (xp.arange(dim) != t)
    w = None if weight is None else weight.reshape(-1)[t]
    return x, z, counts, w, dim


def _multi_margin_forward(self, target, p, margin, weight, reduction):
    xp = array_namespace(self)
    nframe, dim = _frames(self.ndim, self.shape)
    shape = (nframe,) if reduction == "none" and target.ndim > 0 else ()
    if self.size == 0:
        return _empty_reduction(xp, shape, self.dtype, reduction)
    _check_dtypes("multi_margin_loss_cpu_kernel", self, target, weight)
    _, z, counts, w, dim = _multi_margin_terms(self, target, p, margin, weight)
    h = z if p == 1 else z * z
    if w is not None:
        h = h * w
    # The kernel adds each sample's terms in class order, in the input's dtype, and the
    # samples' losses in order in double.
    per_sample = _in_order(xp.where(counts, h, 0).T) / self.dtype.type(dim)
    if reduction == "none":
        return per_sample.reshape(shape)
    total = _in_order(per_sample.astype(np.float64))
    if reduction == "mean":
        total = total / per_sample.shape[0]
    return xp.asarray(total, dtype=self.dtype)


def _in_order(values):
    """The sum over axis 0 added in order from 0, as the CPU kernels' loops add (NumPy's own
    sum is pairwise); CuPy's sum on a GPU."""
    if array_namespace(values) is not np:
        return values.sum(axis=0)
    return _sequential(values)


def _empty_reduction(xp, shape, dtype, reduction):
    """An empty batch: PyTorch returns its result uninitialised; 0 / 0 for a mean here."""
    value = np.nan if reduction == "mean" and np.issubdtype(dtype, np.floating) else 0
    return xp.full(shape, value, dtype=dtype)


@op(
    "NotImplemented",
    grad_output=no_derivative("multi_margin_loss_backward"),
    self=no_derivative("multi_margin_loss_backward"),
)
def multi_margin_loss_backward(grad_output, self, target, p, margin, weight, reduction):
    """g * (1, or 2z for p=2) * weight[target] at each counted class, minus their sum at the
    target class, g being 1 / classes (1 / (samples * classes) for a mean) in the input's
    dtype."""
    xp = array_namespace(self)
    if self.size == 0:
        return xp.zeros(self.shape, self.dtype)
    nframe, dim = _frames(self.ndim, self.shape)
    _, z, counts, w, dim = _multi_margin_terms(self, target, p, margin, weight)
    g = self.dtype.type(1.0 / (nframe * dim) if reduction == "mean" else 1.0 / dim)
    h = xp.broadcast_to(g, z.shape) if p == 1 else self.dtype.type(2) * g * z
    if w is not None:
        h = h * w
    h = xp.where(counts, h, 0).astype(self.dtype, copy=False)
    t = target.reshape(nframe, 1)
    grad = xp.where(xp.arange(dim) == t, -_in_order(h.T)[:, None], h)
    return _scaled_by_grad(grad, grad_output, reduction).reshape(self.shape)


@op(
    "MultiMarginLossBackward0",
    self=lambda grad, self, target, p, margin, weight, reduction, F: formula_op(
        F, multi_margin_loss_backward
    )(grad, self, target, p, margin, weight, reduction),
)
def _multi_margin_loss(self, target, p, margin, weight, reduction):
    return _multi_margin_forward(self, target, p, margin, weight, reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """sum over classes d != y of max(0, margin - x[y] + x[d])**p * weight[y], divided by the
    number of classes; p is 1 or 2. No gradient for the weight (PyTorch refuses one that
    requires grad)."""
    reduction = _reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    no_grad_argument("multi_margin_loss", "weight", weight)
    nframe, dim = _check_input(input)
    if target.ndim > 1 or target.numel() != nframe:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{nframe}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    if weight is not None and weight.numel() != dim:
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got {list(weight.shape)}")
    return _multi_margin_loss(input, target, int(p), float(margin), weight, reduction)


# -- multilabel_margin_loss -----------------------------------------------------------------


def _multilabel_terms(self, target):
    """Per sample, target slot s and class d: the slots before the first negative target
    count; z = 1 - x[target[s]] + x[d] counts where d is none of the sample's targets and
    z > 0. Also the one-hot of each counting slot's class (a class listed twice counts
    twice)."""
    xp = array_namespace(self)
    nframe, dim = _frames(self.ndim, self.shape)
    x = self.reshape(nframe, dim)
    t = target.reshape(nframe, dim)
    valid = xp.cumsum(t < 0, axis=1) == 0
    onehot = (t[:, :, None] == xp.arange(dim)) & valid[:, :, None]
    is_target = onehot.any(axis=1)
    picked = xp.take_along_axis(x, xp.where(valid, t, 0), axis=1)
    z = (self.dtype.type(1) - picked)[:, :, None] + x[:, None, :]
    counts = valid[:, :, None] & ~is_target[:, None, :] & (z > 0)
    return z, counts, onehot


def _check_multilabel_target(target, dim):
    if target.size and (int(target.min()) < -1 or int(target.max()) >= dim):
        raise RuntimeError("argument #2 'target' is out of range")


def _multilabel_forward(self, target, reduction):
    xp = array_namespace(self)
    nframe, dim = _frames(self.ndim, self.shape)
    shape = (nframe,) if reduction == "none" and target.ndim > 1 else ()
    if self.size == 0:
        return _empty_reduction(xp, shape, self.dtype, reduction)
    _check_multilabel_target(target, dim)
    _check_dtypes("multilabel_margin_loss_forward_out_frame", self, target)
    z, counts, _ = _multilabel_terms(self, target)
    # Each sample's sum is accumulated in double and rounded to the input's dtype.
    per_sample = xp.where(counts, z, 0).sum(axis=(1, 2), dtype=np.float64).astype(self.dtype)
    if reduction == "none" and shape:
        return per_sample / self.dtype.type(dim)
    total = per_sample.sum(dtype=np.float64) / dim
    if reduction == "mean":
        total = total / nframe
    return xp.asarray(total, dtype=self.dtype)


@op(
    "NotImplemented",
    grad_output=no_derivative("multilabel_margin_loss_backward"),
    self=no_derivative("multilabel_margin_loss_backward"),
)
def multilabel_margin_loss_backward(grad_output, self, target, reduction):
    """+g at each counted class d and -g at the slot's target class, once per counted
    (slot, class) pair; g = 1 / classes (1 / (samples * classes) for a mean)."""
    xp = array_namespace(self)
    if self.size == 0:
        return xp.zeros(self.shape, self.dtype)
    nframe, dim = _frames(self.ndim, self.shape)
    _check_multilabel_target(target, dim)
    z, counts, onehot = _multilabel_terms(self, target)
    g = self.dtype.type(1.0 / (nframe * dim) if reduction == "mean" else 1.0 / dim)
    per_class = counts.sum(axis=1)  # how often each class d counts, over slots
    per_slot = counts.sum(axis=2)  # how many classes count against each slot's target
    at_targets = (onehot * per_slot[:, :, None]).sum(axis=1)
    grad = (per_class - at_targets).astype(self.dtype) * g
    return _scaled_by_grad(grad, grad_output, reduction).reshape(self.shape)


@op(
    "MultilabelMarginLossBackward0",
    self=lambda grad, self, target, reduction, F: formula_op(F, multilabel_margin_loss_backward)(
        grad, self, target, reduction
    ),
)
def _multilabel_margin_loss(self, target, reduction):
    return _multilabel_forward(self, target, reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """For each target class y (the target row's entries before its first -1) and each class
    d that is no target: max(0, 1 - x[y] + x[d]), summed and divided by the number of
    classes."""
    reduction = _reduction(reduction, size_average, reduce)
    nframe, dim = _check_input(input)
    if input.ndim <= 1:
        consistent = target.ndim <= 1 and target.numel() == dim
    else:
        consistent = target.ndim == 2 and tuple(target.shape) == (nframe, dim)
    if not consistent:
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    return _multilabel_margin_loss(input, target, reduction)


__all__ = ["multi_margin_loss", "multilabel_margin_loss"]
