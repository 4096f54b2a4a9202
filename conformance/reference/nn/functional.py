"""torch.nn.functional: layers and losses as functions.

Where PyTorch computes a function with one kernel and one backward node (linear's addmm,
mse_loss, nll_loss, the binary cross entropies, batch norm), it is declared here as one op with
its derivatives beside it (see ops/define.py), under PyTorch's node name, so `grad_fn` and
`next_functions` read as they do in PyTorch. Where PyTorch composes other ops (l1_loss,
cross_entropy, dropout), so does this module, and the graph shows the same steps.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from conformance.reference import dtypes, fp_errors
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.shape import unsafe_view
from conformance.reference.tensor import Size, Tensor

__all__ = [
    "linear",
    "relu",
    "relu_",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "dropout",
    "batch_norm",
    "mse_loss",
    "l1_loss",
    "nll_loss",
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


def _reference() -> Any:
    """The torch-like namespace, looked up when called (it imports this package)."""
    from conformance import reference

    return reference


def _require_tensor(name: str, value: Any, argument: str = "input") -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}(): argument '{argument}' (position 1) must be Tensor, not "
            f"{type(value).__name__}"
        )


# -- linear -------------------------------------------------------------------------------
#
# PyTorch computes a 2-D linear as addmm(bias, input, weight.t()): one matmul forward, and
# backward one matmul per input that needs a gradient (the bias gradient is a sum). Other
# ranks are flattened to 2-D and viewed back, as PyTorch does.


def _mat2_grad(grad, mat1, F):
    """mat1.T @ grad, computed as (grad.T @ mat1).T: the same product, laid out so that the
    gradient of a Linear weight (mat2 is weight.t()) comes out row-major like the weight, as
    PyTorch's gradient layout contract makes it."""
    return F.transpose(F.transpose(grad, 0, 1) @ mat1, 0, 1)


@op(
    "AddmmBackward0",
    self=lambda grad: grad,
    mat1=lambda grad, mat2, F: grad @ F.transpose(mat2, 0, 1),
    mat2=_mat2_grad,
)
def addmm(self, mat1, mat2):
    """self + mat1 @ mat2 (self broadcasts; its gradient is summed back by the engine)."""
    out = mat1 @ mat2
    out += self
    return out


@op(
    "MmBackward0",
    self=lambda grad, mat2, F: grad @ F.transpose(mat2, 0, 1),
    mat2=lambda grad, self, F: _mat2_grad(grad, self, F),
)
def mm(self, mat2):
    return self @ mat2


def _check_linear(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's messages name the operands of the addmm (with a bias: self, mat1, mat2) or mm
    (without one: m1, m2) that linear becomes, and addmm checks the bias first."""
    if bias is None:
        if input._dtype is not weight._dtype:
            raise RuntimeError(
                "expected m1 and m2 to have the same dtype, but got: "
                f"{cpp_type_name(input._dtype)} != {cpp_type_name(weight._dtype)}"
            )
    else:
        if bias._dtype is not weight._dtype:
            raise RuntimeError(
                "self and mat2 must have the same dtype, but got "
                f"{scalar_type_name(bias._dtype)} and {scalar_type_name(weight._dtype)}"
            )
        if input._dtype is not weight._dtype:
            raise RuntimeError(
                "mat1 and mat2 must have the same dtype, but got "
                f"{scalar_type_name(input._dtype)} and {scalar_type_name(weight._dtype)}"
            )
    if weight.ndim == 2 and input.ndim >= 1 and input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]})"
        )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias."""
    _require_tensor("linear", input)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.ndim}D and {weight.ndim}D"
        )
    _check_linear(input, weight, bias)
    if weight.ndim != 2:
        if bias is not None and input.ndim >= 2:  # PyTorch's addmm path wants a matrix
            raise RuntimeError(f"mat2 must be a matrix, got {weight.ndim}-D tensor")
        out = _reference().matmul(input, weight.t())
        return out if bias is None else out + bias
    if input.ndim == 2:
        if bias is None:
            return mm(input, weight.t())
        _check_bias(bias, (input.shape[0], weight.shape[0]))
        return addmm(bias, input, weight.t())
    out_shape = (*input.shape[:-1], weight.shape[0])
    flat = input.reshape(-1, input.shape[-1])
    if bias is None:
        out = mm(flat, weight.t())
        return out.squeeze(0) if input.ndim == 1 else unsafe_view(out, out_shape)
    _check_bias(bias, (flat.shape[0], weight.shape[0]))
    return addmm(bias, flat, weight.t()).view(out_shape)


def _check_bias(bias: Tensor, target: tuple) -> None:
    """addmm expands its `self` to the product's shape; PyTorch's message if it cannot."""
    shape = bias._data.shape
    if shape == target[1:]:  # the usual (out_features,) bias
        return
    if len(shape) > len(target):
        return
    padded = (1,) * (len(target) - len(shape)) + shape
    for i, (have, want) in enumerate(zip(padded, target, strict=True)):
        if have != 1 and have != want:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size "
                f"({have}) at non-singleton dimension {i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(shape)}"
            )


# -- activations --------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    _require_tensor("relu", input)
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


@op(
    "LeakyReluBackward0",
    self=lambda grad, self, negative_slope, F: F.where(self > 0, grad, grad * negative_slope),
)
def _leaky_relu(self, negative_slope):
    return (
        array_namespace(self)
        .where(self > 0, self, self * negative_slope)
        .astype(self.dtype, copy=False)
    )


@op(
    "LeakyReluBackward1",
    self=lambda grad, result, negative_slope, F: F.where(result > 0, grad, grad * negative_slope),
)
def _leaky_relu_over_self(self, negative_slope):
    """The in-place form: the input is overwritten, so the derivative reads the output (whose
    sign is the input's for a positive slope), as PyTorch's LeakyReluBackward1 does."""
    return _leaky_relu.forward(self, negative_slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    if inplace:
        from conformance.reference.ops import inplace as _inplace

        return _inplace.apply_inplace(input, lambda: _leaky_relu_over_self(input, negative_slope))
    return _leaky_relu(input, negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """Without dim, PyTorch guesses (0 for 0-, 1- and 3-D inputs, else 1) and warns."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None):
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _reference().softmax(input, dim, dtype=dtype)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _reference().log_softmax(input, dim, dtype=dtype)


# -- dropout ------------------------------------------------------------------------------


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p).

    As PyTorch on the CPU: the input itself when p == 0 or not training; otherwise input times
    a mask (MulBackward0), the mask drawn from the reference generator.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    from conformance.reference.ops import creation

    if p == 1:
        noise = creation.zeros((), dtype=input.dtype, device=input.device)
    else:
        keep = creation._generator[0].random(tuple(input.shape)) < (1 - p)
        scaled = keep.astype(input.dtype.np) / np.asarray(1 - p, dtype=input.dtype.np)
        xp = array_namespace(input._data)
        noise = Tensor._wrap(xp.asarray(scaled), input.dtype, input.device)
    return input.mul_(noise) if inplace else input * noise


# -- batch norm ---------------------------------------------------------------------------


def _bn_stats(input, mean, invstd, training, eps):
    """The statistics a derivative uses. Under create_graph in training they are recomputed
    from the input Tensor, so that a second derivative sees how they depend on the input;
    otherwise the forward's values (constants) serve."""
    if training and isinstance(input, Tensor):
        axes = _stat_axes(input.ndim)
        mean = input.mean(dim=axes, keepdim=True)
        centered = input - mean
        invstd = ((centered * centered).mean(dim=axes, keepdim=True) + eps).rsqrt()
    return mean, invstd


def _bn_input_grad(grad, input, weight, mean, invstd, training, eps, F):
    """d(out)/d(input). In training the batch statistics depend on the input too, which gives
    the two subtracted terms (the mean and the projection on x_hat of the gradient)."""
    mean, invstd = _bn_stats(input, mean, invstd, training, eps)
    scale = invstd if weight is None else invstd * F.reshape(weight, invstd.shape)
    if not training:
        return grad * scale
    axes = _stat_axes(input.ndim)
    n = math.prod(input.shape) / math.prod(invstd.shape)
    xhat = (input - mean) * invstd
    mean_grad = F.sum(grad, axes, keepdim=True) / n
    mean_grad_xhat = F.sum(grad * xhat, axes, keepdim=True) / n
    return (grad - mean_grad - xhat * mean_grad_xhat) * scale


def _bn_weight_grad(grad, input, mean, invstd, training, eps, F):
    mean, invstd = _bn_stats(input, mean, invstd, training, eps)
    return F.sum(grad * ((input - mean) * invstd), _stat_axes(input.ndim))


def _stat_axes(ndim: int) -> tuple:
    """Every axis but the channel axis (1)."""
    return (0, *range(2, ndim))


@op(
    "NativeBatchNormBackward0",
    input=_bn_input_grad,
    weight=_bn_weight_grad,
    bias=lambda grad, F: F.sum(grad, _stat_axes(grad.ndim)),
)
def _batch_norm(input, weight, bias, mean, invstd, training, eps):
    """(input - mean) * invstd * weight + bias, with mean and invstd shaped (1, C, 1, ...),
    computed as PyTorch's CPU kernel computes it: input * alpha + beta with alpha = invstd *
    weight and beta = bias - mean * alpha. The roundings are then PyTorch's, and so is an
    infinite weight (inf - inf: nan everywhere in its channel)."""
    alpha = invstd if weight is None else invstd * weight.reshape(mean.shape)
    beta = -mean * alpha if bias is None else bias.reshape(mean.shape) - mean * alpha
    return (input * alpha + beta).astype(input.dtype, copy=False)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1). Training uses the batch's mean and biased variance and
    moves the running statistics towards them (the running variance takes the unbiased
    variance); evaluation uses the running statistics."""
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
    if training:
        size = input.shape
        size_prods = size[0] * math.prod(size[2:])
        if size_prods == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {size}"
            )
    channels = input.shape[1] if input.ndim > 1 else 1
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and stat.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {stat.numel()}")
    data = input._data
    axes = _stat_axes(data.ndim)
    shape = tuple(channels if i == 1 else 1 for i in range(data.ndim))
    with fp_errors.quiet():  # statistics of inf and nan inputs are nan, silently
        mean, invstd = _batch_statistics(
            data, axes, shape, channels, training, running_mean, running_var, momentum, eps
        )
    as_tensor = lambda a: Tensor._wrap(a.astype(data.dtype, copy=False), input.dtype, input.device)  # noqa: E731
    return _batch_norm(input, weight, bias, as_tensor(mean), as_tensor(invstd), bool(training), eps)


def _batch_statistics(
    data, axes, shape, channels, training, running_mean, running_var, momentum, eps
):
    """The mean and 1 / sqrt(var + eps) batch norm normalises with: the batch's own (and then
    the running statistics are updated), or the running statistics in eval mode."""
    if training or running_mean is None or running_var is None:
        mean = data.mean(axis=axes, keepdims=True)
        var = ((data - mean) ** 2).mean(axis=axes, keepdims=True)
        if training and running_mean is not None and running_var is not None:
            n = data.size / channels
            unbiased = var.reshape(-1) * (n / (n - 1)) if n > 1 else var.reshape(-1) * np.inf
            _update_running(running_mean, mean.reshape(-1), momentum)
            _update_running(running_var, unbiased, momentum)
    else:
        mean = running_mean._data.reshape(shape)
        var = running_var._data.reshape(shape)
    return mean, 1 / array_namespace(data).sqrt(var + eps)


def _update_running(stat: Tensor, value: Any, momentum: float) -> None:
    """stat = (1 - momentum) * stat + momentum * value, in place. PyTorch's kernel writes the
    running statistics without bumping their version, and so does this."""
    data = stat._data
    data[...] = ((1 - momentum) * data + momentum * value).astype(data.dtype, copy=False)


# -- losses -------------------------------------------------------------------------------

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
    """Apply the reduction to an array of elementwise losses (the forward of a loss op)."""
    if reduction == "mean":
        return loss.mean(dtype=loss.dtype)
    if reduction == "sum":
        return loss.sum(dtype=loss.dtype)
    return loss


def _per_element(grad: Any, n: int, reduction: str) -> Any:
    """A loss gradient as seen by each element: a mean divides it by the element count."""
    return grad / n if reduction == "mean" else grad


def _warn_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
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


def broadcast_shapes(*shapes: tuple) -> Size:
    """The common shape, with PyTorch's message when two sizes disagree."""
    ndim = max(len(s) for s in shapes)
    result = [1] * ndim
    for s in shapes:
        for i, size in enumerate(s):
            at = ndim - len(s) + i
            if result[at] == 1:
                result[at] = size
            elif size != 1 and size != result[at]:
                a, b = (result[at], size) if len(shapes) == 2 else (result[at], size)
                raise RuntimeError(
                    f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                    f"non-singleton dimension {at}"
                )
    return Size(result)


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
    norm = 2 / self.size if reduction == "mean" else 2
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


# -- negative log likelihood and cross entropy --------------------------------------------


def _array(value: Any) -> Any:
    return value._data if isinstance(value, Tensor) else value


def _like(reference: Any, array: Any) -> Any:
    """`array` as the derivative's kind of value: a constant Tensor under create_graph."""
    if isinstance(reference, Tensor):
        return Tensor._wrap(array, reference._dtype, reference._device)
    return array


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
    if reduction == "sum":
        return losses.sum(dtype=self.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (losses.sum(dtype=self.dtype) / w.sum(dtype=self.dtype)).astype(self.dtype)


def _nll_grad(grad, self_shape, target, weight, reduction, ignore_index, F):
    """-weight[target] at the target class, 0 elsewhere, times the incoming gradient (divided
    by the total weight for a mean)."""
    like = _array(grad)
    xp = array_namespace(like)
    t = _array(target)
    zeros = xp.zeros(self_shape, like.dtype)
    chosen, w = _nll_picks(zeros, t, _array(weight), ignore_index)
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            w = w / w.sum()
    onehot = _class_last(zeros)  # a view: writing it writes `zeros`
    xp.put_along_axis(onehot, chosen[..., None], -w[..., None], axis=-1)
    coefficients = _like(grad, zeros)
    if reduction == "none" and len(self_shape) > 1:
        grad = F.reshape(grad, (grad.shape[0], 1, *grad.shape[1:]))
    return grad * coefficients


_NLL_FORMULAS = {"self": _nll_grad}
_nll_loss = op("NllLossBackward0", **_NLL_FORMULAS)(_nll_forward)
_nll_loss2d = op("NllLoss2DBackward0", **_NLL_FORMULAS)(_nll_forward)


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
    return _mul_number(nll, 1 - label_smoothing) + _mul_number(smooth, label_smoothing / classes)


@op("MulBackward1", self=lambda grad, other: grad * other)
def _mul_number(self, other):
    """tensor * number inside a PyTorch kernel (not Python's `*`): MulBackward1."""
    return (self * other).astype(self.dtype, copy=False)


@op("DivBackward1", self=lambda grad, other: grad / other)
def _div_number(self, other):
    """tensor / number inside a PyTorch kernel: DivBackward1."""
    return (self / other).astype(self.dtype, copy=False)


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
    return _div_number(total, input.numel() / classes)


# -- binary cross entropy -----------------------------------------------------------------

# PyTorch's kernel clamps with the float literal 1e-12f, which is 9.99999996e-13 in double.
_EPSILON = float(np.float32(1e-12))


def _bce_grad(grad, self, target, weight, reduction, F):
    denominator = F.clamp((1 - self) * self, _EPSILON)
    result = _per_element(grad, math.prod(self.shape), reduction) * (self - target) / denominator
    return result if weight is None else result * weight


def _bce_target_grad(grad, self, weight, reduction, F):
    result = _per_element(grad, math.prod(self.shape), reduction) * (F.log(1 - self) - F.log(self))
    return result if weight is None else result * weight


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
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if target.dtype is not input.dtype:
        raise RuntimeError(
            f"Found dtype {scalar_type_name(target.dtype)} but expected "
            f"{scalar_type_name(input.dtype)}"
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
    if pos_weight is None:
        result = F.sigmoid(self) - target
    else:
        t = pos_weight * target
        result = (t + 1 - target) * F.sigmoid(self) - t
    result = result * _per_element(grad, math.prod(self.shape), reduction)
    return result if weight is None else result * weight


def _bce_logits_target_grad(grad, self, weight, pos_weight, reduction, F):
    if pos_weight is None:
        result = -self
    else:
        result = _log_sigmoid(-self, F) - _log_sigmoid(self, F) * pos_weight
    result = result * _per_element(grad, math.prod(self.shape), reduction)
    return result if weight is None else result * weight


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
    return _reduce(loss.astype(self.dtype, copy=False), reduction)


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
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    return _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)
