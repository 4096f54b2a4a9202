"""nll_loss, cross_entropy, binary_cross_entropy and binary_cross_entropy_with_logits.

nll_loss and the binary cross entropies are one kernel each, declared as one op with their
derivatives; cross_entropy is composed (log_softmax, then nll_loss), as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.activations import _logsigmoid, log_softmax
from conformance.reference.nn.common import broadcast_shapes, no_grad_argument
from conformance.reference.nn.reduction import _reduce, _reduction
from conformance.reference.ops import pointwise
from conformance.reference.ops.cascade_sum import _ceil_log2
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.scalar_overloads import div_scalar, mul_scalar
from conformance.reference.tensor import Tensor

# -- negative log likelihood and cross entropy --------------------------------------------


def _array(value: Any) -> Any:
    return value._data if isinstance(value, Tensor) else value


def _nll_picks(self, target, weight, ignore_index):
    """Per target position: the chosen class, its weight (0 where ignored) and a mask.

    The class axis is 1 (0 for an unbatched input); targets equal to ignore_index count for
    nothing. Out-of-range targets fail as in PyTorch.
    """
    xp = array_namespace(self)
    classes = self.shape[0] if self.ndim == 1 else self.shape[1]
    target = xp.asarray(target).astype(np.int64, copy=False)
    keep = target != ignore_index
    bad = keep & ((target < 0) | (target >= classes))
    if bad.any():
        raise IndexError(f"Target {int(target[bad].reshape(-1)[0])} is out of bounds.")
    chosen = xp.where(keep, target, 0)
    w = xp.ones(classes, self.dtype) if weight is None else weight.astype(self.dtype)
    return chosen, xp.where(keep, w[chosen], 0).astype(self.dtype, copy=False)


def _class_last(self):
    """The input with its class axis last, so that picks index the last axis."""
    return self if self.ndim == 1 else array_namespace(self).moveaxis(self, 1, -1)


def _nll_forward(self, target, weight, reduction, ignore_index):
    xp = array_namespace(self)
    chosen, w = _nll_picks(self, target, weight, ignore_index)
    picked = xp.take_along_axis(_class_last(self), chosen[..., None], axis=-1)[..., 0]
    losses = -picked * w
    if reduction == "none":
        return losses
    if xp is np:  # (the CPU kernel's order; CUDA's is not emulated)
        kept = (np.asarray(target) != ignore_index).reshape(-1)
        total = _cascaded(losses.reshape(-1), kept)
        if weight is None:
            total_weight = self.dtype.type(int(kept.sum()))
        else:
            total_weight = _cascaded(w.reshape(-1), kept)
    else:
        total, total_weight = losses.sum(dtype=self.dtype), w.sum(dtype=self.dtype)
    if reduction == "sum":
        return xp.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return xp.asarray(total / total_weight).astype(self.dtype)


_NLL_LEVELS = 8  # ATen's cascade_sum_num_levels in nll_loss


def _cascaded(values, kept):
    """Sum the kept values as ATen's CPU nll_loss kernels add them up: one position at a
    time into the lowest of eight partial sums; after a kept position i, each level j whose
    bits (i's bits j*p to (j+1)*p, p = 4 for fewer than 2**32 positions) are all zero is
    added into the next and cleared; then the levels are added from the lowest. An ignored
    position adds nothing and moves nothing up. Values are NumPy scalars of the input's
    dtype, so each addition rounds as the kernel's scalar_t does (half precision through
    float, as c10::Half does)."""
    zero = values.dtype.type(0)
    n = len(values)
    power = max(4, _ceil_log2(n) // _NLL_LEVELS)
    mask = (1 << power) - 1
    partial = [zero] * _NLL_LEVELS
    for i in np.flatnonzero(kept).tolist():
        partial[0] = partial[0] + values[i]
        for j in range(_NLL_LEVELS - 1):
            if i & (mask << (j * power)):
                break
            partial[j + 1] = partial[j + 1] + partial[j]
            partial[j] = zero
    total = zero
    for level in partial:
        total = total + level
    return total


def _nll_loss_backward(grad_output, self, target, weight, reduction, ignore_index):
    """-weight[target] at the target class, 0 elsewhere, times the incoming gradient (divided
    by the total weight for a mean). It reads only the input's shape, but takes the input, as
    PyTorch's nll_loss_backward does: its derivative there is zeros_like(grad), so the gradient
    stays attached to the graph and a second backward gives zeros."""
    xp = array_namespace(self)
    zeros = xp.zeros(self.shape, grad_output.dtype)
    chosen, w = _nll_picks(zeros, target, weight, ignore_index)
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            w = w / w.sum()
    onehot = _class_last(zeros)  # a view: writing it writes `zeros`
    xp.put_along_axis(onehot, chosen[..., None], -w[..., None], axis=-1)
    if reduction == "none" and self.ndim > 1:
        grad_output = grad_output.reshape(grad_output.shape[0], 1, *grad_output.shape[1:])
    return grad_output * zeros


def _nll_loss_ops(node_name: str, backward_name: str) -> tuple:
    """nll_loss (or nll_loss2d) and its derivative op: the derivative is linear in the
    gradient, and its slope there is the loss itself, taken of the incoming gradient."""
    backward = op(
        backward_name,
        grad_output=lambda grad, target, weight, reduction, ignore_index, F: formula_op(F, forward)(
            grad, target, weight, reduction, ignore_index
        ),
        self=lambda grad, F: F.zeros_like(grad),
    )(_nll_loss_backward)
    forward = op(
        node_name,
        self=lambda grad, self, target, weight, reduction, ignore_index, F: formula_op(F, backward)(
            grad, self, target, weight, reduction, ignore_index
        ),
    )(_nll_forward)
    return forward, backward


_nll_loss, nll_loss_backward = _nll_loss_ops("NllLossBackward0", "NllLossBackwardBackward0")
_nll_loss2d, nll_loss2d_backward = _nll_loss_ops("NllLoss2DBackward0", "NllLoss2DBackwardBackward0")


def _check_nll(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0]})."
        )
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
        expected = [input.shape[0], *input.shape[2:]]
        raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
    if target.dtype not in (dtypes.int64, dtypes.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {scalar_type_name(target.dtype)}"
        )
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}"
        )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-input[n, target[n]] * weight[target[n]], averaged by the total weight for a mean.

    1- and 2-D inputs give NllLossBackward0, 4-D inputs NllLoss2DBackward0; other ranks are
    viewed as 4-D and back, as PyTorch does.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if input.ndim >= 1:  # (a 0-d input fails the dimension check first)
        kernel = "nll_loss_forward" if input.ndim <= 2 else "nll_loss2d_forward"
        no_grad_argument(kernel, "weight", weight)
    _check_nll(input, target, weight)
    if input.ndim <= 2:
        return _nll_loss(input, target, weight, reduction, ignore_index)
    if input.ndim == 4:
        return _nll_loss2d(input, target, weight, reduction, ignore_index)
    n, c = input.shape[0], input.shape[1]
    flat = input.reshape(n, c, 1, -1) if input.numel() else input.reshape(n, c, 0, 0)
    flat_target = target.reshape(n, 1, -1) if target.numel() else target.reshape(n, 0, 0)
    out = _nll_loss2d(flat, flat_target, weight, reduction, ignore_index)
    return out.view(n, *input.shape[2:]) if reduction == "none" else out


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """log_softmax over the class axis, then nll_loss (class-index targets), or the sum of
    -target * log_softmax (a target of class probabilities, same shape as the input)."""
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    if input.shape == target.shape:
        return _cross_entropy_probabilities(
            input, target, weight, ignore_index, reduction, label_smoothing, class_dim
        )
    log_probs = log_softmax(input, class_dim)
    nll = nll_loss(log_probs, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0.0:
        return nll
    # Smoothing mixes in the loss against the uniform distribution: -mean over classes.
    ignored = Tensor._wrap(_array(target) == ignore_index, dtypes.bool, input.device)
    if weight is not None:
        weighted = log_probs * weight.reshape(_class_shape(input.ndim, class_dim, classes))
        smooth = -weighted.sum(class_dim)
    else:
        smooth = -log_probs.sum(class_dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        keep = _array(target).reshape(-1) != ignore_index
        if weight is not None:
            denominator = float(_array(weight)[_array(target).reshape(-1)[keep]].sum())
        else:
            denominator = float(keep.sum())
        smooth = smooth.sum() / denominator
    elif reduction == "sum":
        smooth = smooth.sum()
    # tensor * number inside PyTorch's kernel, not Python's `*`: MulBackward1
    return mul_scalar(nll, 1 - label_smoothing) + mul_scalar(smooth, label_smoothing / classes)


def _class_shape(ndim: int, class_dim: int, classes: int) -> tuple:
    return tuple(classes if i == class_dim else 1 for i in range(ndim))


def _cross_entropy_probabilities(
    input, target, weight, ignore_index, reduction, label_smoothing, class_dim
):
    if target.dtype.category != dtypes.FLOATING:
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{scalar_type_name(target.dtype)}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    classes = input.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    log_probs = log_softmax(input, class_dim)
    products = log_probs * target
    if weight is not None:
        products = products * weight.reshape(_class_shape(input.ndim, class_dim, classes))
    if reduction == "none":
        return -products.sum(class_dim)
    total = -products.sum()
    if reduction == "sum":
        return total
    if input.numel() == 0:
        return total * math.nan
    return div_scalar(total, input.numel() / classes)  # DivBackward1, as in the kernel


# -- binary cross entropy -----------------------------------------------------------------

# PyTorch's kernel clamps with the float literal 1e-12f, which is 9.99999996e-13 in double.
_EPSILON = float(np.float32(1e-12))


def _scaled(result, weight, self, reduction):
    """A loss gradient times the weight, then over the element count for a mean, in
    PyTorch's order (its kernels' mul_ and div_ record MulBackward0 and DivBackward1)."""
    if weight is not None:
        result = result * weight
    return result / math.prod(self.shape) if reduction == "mean" else result


def _bce_input_grad(grad, grad_output, self, target, weight, reduction):
    """binary_cross_entropy_backward's slope in self, as PyTorch's
    binary_cross_entropy_double_backward writes it (with its own 1e-12, not the clamp)."""
    above = self + 1e-12
    below = 1 - self + 1e-12
    curvature = (self * self - 2 * self * target + target) / (above**2 * below**2)
    return _scaled(curvature * (grad * grad_output), weight, self, reduction)


def _bce_grad_output_grad(grad, self, target, weight, reduction):
    """binary_cross_entropy_backward is linear in grad_output: its slope, times the incoming
    gradient, summed for a reduced loss."""
    slope = (self - target) / ((self + 1e-12) * (1 - self + 1e-12)) * grad
    if weight is not None:
        slope = slope * weight
    if reduction == "none":
        return slope
    slope = slope.sum()
    return slope / math.prod(self.shape) if reduction == "mean" else slope


def _bce_target_grad_of_grad(grad, grad_output, self, weight, reduction, F):
    """binary_cross_entropy_backward's slope in target: -1 / max((1 - x) x, 1e-12). PyTorch
    clamps in place under no_grad: the values change, the graph of (1 - x) x stays."""
    result = -grad * grad_output
    if weight is not None:
        result = result * weight
    denominator = (1 - self) * self
    if F.records_graph:
        with grad_mode.no_grad():
            denominator.clamp_(min=1e-12)
    else:
        denominator = array_namespace(denominator).maximum(denominator, 1e-12)
    result = result / denominator
    return result / math.prod(self.shape) if reduction == "mean" else result


@op(
    "BinaryCrossEntropyBackwardBackward0",
    grad_output=lambda grad, self, target, weight, reduction: _bce_grad_output_grad(
        grad, self, target, weight, reduction
    ),
    self=lambda grad, grad_output, self, target, weight, reduction: _bce_input_grad(
        grad, grad_output, self, target, weight, reduction
    ),
    target=_bce_target_grad_of_grad,
)
def binary_cross_entropy_backward(grad_output, self, target, weight, reduction):
    """binary_cross_entropy's gradient in its input, an op of its own as in PyTorch:
    grad * (x - y) / max((1 - x) x, eps), eps PyTorch's float literal 1e-12f."""
    xp = array_namespace(self)
    result = grad_output * (self - target) / xp.maximum((1 - self) * self, _EPSILON)
    return _scaled(result, weight, self, reduction)


def _bce_grad(grad, self, target, weight, reduction, F):
    return formula_op(F, binary_cross_entropy_backward)(grad, self, target, weight, reduction)


def _bce_target_grad(grad, self, weight, reduction, F):
    """-logit(x) times the gradient, as PyTorch's binary_cross_entropy_target_backward."""
    return _scaled(-F.logit(self) * grad, weight, self, reduction)


@op("BinaryCrossEntropyBackward0", self=_bce_grad, target=_bce_target_grad)
def _binary_cross_entropy(self, target, weight, reduction):
    xp = array_namespace(self)
    # PyTorch clamps each log at -100, so a confident wrong prediction costs 100, not inf.
    with np.errstate(divide="ignore"):
        log_p = xp.maximum(xp.log(self), -100)
        log_q = xp.maximum(xp.log(1 - self), -100)
    loss = -(target * log_p + (1 - target) * log_q)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.astype(self.dtype, copy=False), reduction)


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-(target * log(input) + (1 - target) * log(1 - input)), logs clamped at -100."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():  # (a number: AttributeError naming size, as in torch)
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    no_grad_argument("binary_cross_entropy", "weight", weight)
    if target.dtype is not input.dtype:
        raise RuntimeError(
            f"Found dtype {scalar_type_name(target.dtype)} but expected "
            f"{scalar_type_name(input.dtype)}"
        )
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"binary_cross_entropy\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    _check_probabilities(input._data, target._data)
    if weight is not None:
        weight = weight.expand(broadcast_shapes(target.shape, weight.shape))
    return _binary_cross_entropy(input, target, weight, reduction)


def _check_probabilities(input, target):
    """PyTorch's kernel checks element by element, the input's then the target's, so the first
    bad element in memory order names the culprit (nan counts as outside [0, 1])."""
    bad_input = ~((input >= 0) & (input <= 1)).reshape(-1)
    bad_target = ~((target >= 0) & (target <= 1)).reshape(-1)
    bad = bad_input | bad_target
    if bad.any():
        name = "input" if bad_input[int(bad.argmax())] else "target"
        raise RuntimeError(f"all elements of {name} should be between 0 and 1")


def _log_sigmoid(x, F):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for large |x|."""
    return -F.relu(-x) - F.log1p(F.exp(-F.abs(x)))


def _bce_logits_grad(grad, self, target, weight, pos_weight, reduction, F):
    """sigmoid(x) - y (with pos_weight: (p y + 1 - y) sigmoid(x) - p y), times the gradient,
    composed in PyTorch's order."""
    if pos_weight is None:
        result = F.sigmoid(self) - target
    else:
        t = pos_weight * target
        result = (t + 1 - target) * F.sigmoid(self) - t
    return _scaled(result * grad, weight, self, reduction)


def _bce_logits_target_grad(grad, self, weight, pos_weight, reduction, F):
    """-x (with pos_weight: log_sigmoid(-x) - log_sigmoid(x) p), times the gradient."""
    if pos_weight is None:
        result = -self
    else:
        log_sigmoid = formula_op(F, _logsigmoid)
        result = log_sigmoid(-self) - log_sigmoid(self) * pos_weight
    return _scaled(result * grad, weight, self, reduction)


class _ArrayF:
    """The few array functions the forward shares with the derivative formulas."""

    @staticmethod
    def relu(a):
        return array_namespace(a).maximum(a, 0)

    @staticmethod
    def log1p(a):
        return array_namespace(a).log1p(a)

    @staticmethod
    def exp(a):
        return array_namespace(a).exp(a)

    @staticmethod
    def abs(a):
        return array_namespace(a).abs(a)


@op(
    "BinaryCrossEntropyWithLogitsBackward0",
    self=_bce_logits_grad,
    target=_bce_logits_target_grad,
)
def _binary_cross_entropy_with_logits(self, target, weight, pos_weight, reduction):
    log_sigmoid = _log_sigmoid(self, _ArrayF)
    if pos_weight is not None:
        log_sigmoid = log_sigmoid * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * self - log_sigmoid
    if weight is not None:
        loss = loss * weight
    # PyTorch's composite computes (1 - target).mul_(input)...: in place on a tensor of the
    # target's dtype, so the loss has the target's dtype whatever the input's.
    return _reduce(loss.astype(target.dtype, copy=False), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of sigmoid(input), computed stably from the logits; pos_weight
    scales the loss of the positive targets."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():  # (a number: AttributeError naming size, as in torch)
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    no_grad_argument("binary_cross_entropy_with_logits", "weight", weight)
    no_grad_argument("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    _check_logits_dtypes(input, target)
    return _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)


def _check_logits_dtypes(input, target):
    """PyTorch's composite takes log_sigmoid(input) first, then computes (1 - target) and
    multiplies it by input in place: so integer logits have no kernel, a bool target cannot
    be subtracted from, and an integer target cannot hold the product."""
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"log_sigmoid_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    if target.dtype is dtypes.bool:  # (PyTorch's message speaks of two bool tensors here)
        pointwise.no_bool_subtraction(target, target)
    if target.dtype.category != dtypes.FLOATING:
        raise RuntimeError(
            f"result type {scalar_type_name(dtypes.result_type(target, input))} can't be cast "
            f"to the desired output type {scalar_type_name(target.dtype)}"
        )
