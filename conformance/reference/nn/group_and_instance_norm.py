"""group_norm and instance_norm (layer_norm and batch_norm are in normalization.py).

group_norm is one op, as PyTorch's kernel (NativeGroupNormBackward0), its derivatives written
with `F`, so a create_graph backward gives the right second derivatives, though through
ordinary ops rather than PyTorch's *BackwardBackward nodes. instance_norm is composed as
PyTorch composes it, from batch_norm.
"""

from __future__ import annotations

import math

from conformance.reference.devices import array_namespace
from conformance.reference.nn.activations import _floating_kernel
from conformance.reference.nn.common import _reference
from conformance.reference.nn.normalization import batch_norm
from conformance.reference.ops.define import op
from conformance.reference.ops.pointwise import opmath
from conformance.reference.tensor import Tensor


def _group_stats(x, groups, eps, F):
    """Per (sample, group): the centred values and 1 / sqrt(biased var + eps), in the shape
    (N, groups, -1)."""
    count = math.prod(x.shape[1:]) // groups
    rows = F.reshape(x, (x.shape[0], groups, count))
    centred = rows - F.sum(rows, (2,), keepdim=True) / count
    rstd = 1 / F.sqrt(F.sum(centred * centred, (2,), keepdim=True) / count + eps)
    return centred, rstd


def _channel_shape(x) -> tuple:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _group_norm_input_grad(grad, input, weight, groups, eps, F):
    """rstd * (g - mean(g) - x_hat * mean(g * x_hat)) per group, g = grad * weight."""
    centred, rstd = _group_stats(input, groups, eps, F)
    xhat = centred * rstd
    g = grad if weight is None else grad * F.reshape(weight, _channel_shape(input))
    g = F.reshape(g, xhat.shape)
    count = xhat.shape[-1]
    mean_g = F.sum(g, (2,), keepdim=True) / count
    mean_g_xhat = F.sum(g * xhat, (2,), keepdim=True) / count
    return F.reshape((g - mean_g - xhat * mean_g_xhat) * rstd, input.shape)


def _group_norm_weight_grad(grad, input, groups, eps, F):
    centred, rstd = _group_stats(input, groups, eps, F)
    xhat = F.reshape(centred * rstd, input.shape)
    return F.sum(grad * xhat, (0, *range(2, input.ndim)))


@op(
    "NativeGroupNormBackward0",
    input=_group_norm_input_grad,
    weight=_group_norm_weight_grad,
    bias=lambda grad, F: F.sum(grad, (0, *range(2, grad.ndim))),
)
def _group_norm(input, weight, bias, groups, eps):
    xp = array_namespace(input)
    x = opmath(input)
    rows = x.reshape(x.shape[0], groups, math.prod(x.shape[1:]) // groups)
    mean = rows.mean(axis=2, keepdims=True) if rows.shape[-1] else rows.sum(2, keepdims=True)
    var = ((rows - mean) ** 2).mean(axis=2, keepdims=True) if rows.shape[-1] else mean
    out = ((rows - mean) / xp.sqrt(var + eps)).reshape(x.shape)
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(input.dtype, copy=False)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample over each group of num_groups channels (with the spatial dims),
    then scale and shift per channel."""
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    size = [input.shape[0] * input.shape[1] // num_groups, num_groups, *input.shape[2:]]
    if math.prod(size[2:]) * size[0] == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}"
        )
    channels = input.shape[1]
    if channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and (param.ndim != 1 or param.numel() != channels):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(param.shape)} and input of shape "
                f"{list(input.shape)}"
            )
    _floating_kernel("GroupNormKernelImpl", input._data)
    return _group_norm(input, weight, bias, num_groups, eps)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch norm of each (sample, channel) on its own, as PyTorch computes it: the input
    viewed as one sample of N * C channels, the parameters and running statistics repeated N
    times, and the running statistics then set to the mean over the samples of theirs."""
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {input.shape}"
        )
    n, c = input.shape[0], input.shape[1]
    shape = (1, n * c, *input.shape[2:])
    repeat = lambda t: None if t is None else t.repeat(n)  # noqa: E731
    stats = [repeat(t) for t in (running_mean, running_var)]
    out = batch_norm(
        input.contiguous().view(shape),
        stats[0],
        stats[1],
        repeat(weight),
        repeat(bias),
        use_input_stats,
        momentum,
        eps,
    )
    if use_input_stats:
        with _reference().no_grad():
            for stat, repeated in zip((running_mean, running_var), stats, strict=True):
                if stat is not None:
                    stat._data[...] = repeated._data.reshape(n, c).mean(axis=0)
    return out.view(input.shape)
