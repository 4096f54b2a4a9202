"""layer_norm and batch_norm: each one op (NativeLayerNormBackward0,
NativeBatchNormBackward0) whose statistics are computed before the op and passed to it, so
that the derivatives can reuse them (under create_graph they recompute them from the input
wherever they depend on it, so that a second derivative sees that dependence).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference import dtypes, fp_errors
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops.define import op
from conformance.reference.ops.pointwise import opmath
from conformance.reference.ops.reductions import _accumulator, _double_on_cpu
from conformance.reference.tensor import Tensor

# -- layer norm ---------------------------------------------------------------------------


def _ln_stats(input, mean, rstd, axes, eps):
    """The statistics a derivative uses: recomputed from the input Tensor under create_graph
    (a second derivative must see how they depend on the input), the forward's otherwise."""
    if isinstance(input, Tensor):
        mean = input.mean(dim=axes, keepdim=True)
        centered = input - mean
        rstd = ((centered * centered).mean(dim=axes, keepdim=True) + eps).rsqrt()
    return mean, rstd


def _ln_input_grad(grad, input, weight, mean, rstd, normalized_ndim, eps, F):
    """rstd * (g - mean(g) - x_hat * mean(g * x_hat)) over the normalised dims, g being the
    gradient times the weight: the mean and the variance depend on every input of a row."""
    axes = tuple(range(input.ndim - normalized_ndim, input.ndim))
    mean, rstd = _ln_stats(input, mean, rstd, axes, eps)
    xhat = (input - mean) * rstd
    g = grad if weight is None else grad * weight
    n = math.prod(input.shape[input.ndim - normalized_ndim :])
    mean_g = F.sum(g, axes, keepdim=True) / n
    mean_g_xhat = F.sum(g * xhat, axes, keepdim=True) / n
    return (g - mean_g - xhat * mean_g_xhat) * rstd


def _batch_sum(a, normalized_ndim, F):
    """Sum over the leading (batch) dims, the normalised dims kept."""
    lead = tuple(range(a.ndim - normalized_ndim))
    return F.sum(a, lead) if lead else a


def _ln_weight_grad(grad, input, mean, rstd, normalized_ndim, eps, F):
    axes = tuple(range(input.ndim - normalized_ndim, input.ndim))
    mean, rstd = _ln_stats(input, mean, rstd, axes, eps)
    return _batch_sum(grad * ((input - mean) * rstd), normalized_ndim, F)


@op(
    "NativeLayerNormBackward0",
    input=_ln_input_grad,
    weight=_ln_weight_grad,
    bias=lambda grad, normalized_ndim, F: _batch_sum(grad, normalized_ndim, F),
)
def _layer_norm(input, weight, bias, mean, rstd, normalized_ndim, eps):
    """(input - mean) * rstd * weight + bias, in float32 for float16 and bfloat16 inputs."""
    out = (opmath(input) - mean) * rstd
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(input.dtype, copy=False)


def _check_layer_norm(input, normalized_shape, weight, bias):
    shape = list(normalized_shape)
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
            "one element, but got normalized_shape = []"
        )
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and list(param.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(param.shape)} and normalized_shape = {shape}"
            )
    if input.ndim < len(shape) or list(input.shape[input.ndim - len(shape) :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={shape}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"LayerNormKernelImpl\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    params = [p for p in (weight, bias) if p is not None]
    if all(p.dtype is input.dtype for p in params):
        return
    # PyTorch's CPU kernel takes float32 parameters with a float16 or bfloat16 input (mixed
    # precision), and nothing else that differs.
    if params[0].dtype is input.dtype:
        other = next(p for p in params if p.dtype is not input.dtype)
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input.dtype)} but found "
            f"{scalar_type_name(other.dtype)}"
        )
    if any(p.dtype is not dtypes.float32 for p in params):
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    if input.dtype is dtypes.float64:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing dims named by normalized_shape: mean 0 and (biased)
    variance 1 per row, then scaled by weight and shifted by bias."""
    if isinstance(normalized_shape, int):
        raise TypeError(
            "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int"
        )
    _check_layer_norm(input, normalized_shape, weight, bias)
    k = len(normalized_shape)
    data = input._data
    axes = tuple(range(data.ndim - k, data.ndim))
    xp = array_namespace(data)
    # float32 statistics are kept in double here, so that they are as exact as PyTorch's
    # (which keeps them in float with a compensated sum).
    work = data.astype(_double_on_cpu(_accumulator(data.dtype), data), copy=False)
    with fp_errors.quiet():
        n = math.prod(data.shape[data.ndim - k :])  # 0 gives nan statistics, silently
        mean = work.sum(axis=axes, keepdims=True) / n
        var = ((work - mean) ** 2).sum(axis=axes, keepdims=True) / n
        rstd = 1 / xp.sqrt(xp.maximum(var, 0) + eps)
    stat_dtype = _accumulator(data.dtype)
    as_tensor = lambda a: Tensor._wrap(  # noqa: E731
        a.astype(stat_dtype, copy=False), dtypes.from_numpy_dtype(stat_dtype), input.device
    )
    return _layer_norm(input, weight, bias, as_tensor(mean), as_tensor(rstd), k, eps)


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
