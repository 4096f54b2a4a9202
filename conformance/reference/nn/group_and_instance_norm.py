"""group_norm and instance_norm (layer_norm and batch_norm are in normalization.py).

group_norm is one op, as PyTorch's native_group_norm (NativeGroupNormBackward0, with the mean
and rstd as further outputs), its derivatives PyTorch's infinitely differentiable formula
written with `F`, so a create_graph backward records PyTorch's nodes. instance_norm is
composed as PyTorch composes it, from batch_norm.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import fp_errors
from conformance.reference.devices import array_namespace
from conformance.reference.nn.activations import _floating_kernel
from conformance.reference.nn.common import _reference
from conformance.reference.nn.normalization import _LONGEST_EMULATED_ROW, batch_norm
from conformance.reference.ops.define import Joint, op
from conformance.reference.ops.fused_multiply_add import fused_multiply_add
from conformance.reference.ops.pointwise import opmath
from conformance.reference.ops.rowwise_moments import rowwise_moments
from conformance.reference.tensor import Tensor


def _unsqueeze_(F, a, dim):
    """Tensor.unsqueeze_, which PyTorch's formula applies to fresh sums (UnsqueezeBackward1
    under create_graph)."""
    return a.unsqueeze_(dim) if F.records_graph else F.unsqueeze(a, dim)


def _group_norm_backward(grads, input, result1, result2, weight, groups, eps, F):
    """FunctionsManual's infinitely_differentiable_native_group_norm_backward, op for op (its
    values are those of PyTorch's native_group_norm_backward kernel too). The saved mean and
    rstd are the node's own outputs, so under create_graph the first derivative reaches this
    node through them, and their gradients (dmean, drstd: a second backward's) come back here
    through var_mean_backward, as in PyTorch (only when both are defined)."""
    dY, dmean, drstd = grads
    n, channels = input.shape[0], input.shape[1]
    g, d = groups, channels // groups
    hxw = math.prod(input.shape[2:])
    s = 1.0 / max(d * hxw, 1)  # (no spatial elements: nothing is scaled by it)
    X = F.reshape(input, (n, g, d, hxw))
    mean = F.reshape(result1, (n, g, 1, 1))
    rstd = F.reshape(result2, (n, g, 1, 1))
    gamma = None if weight is None else F.reshape(weight, (1, g, d, 1))
    dX = dgamma = dbeta = None
    both = dmean is not None and drstd is not None
    if dY is not None:
        dY = F.reshape(dY, (n, g, d, hxw))
        ds = _unsqueeze_(F, F.sum(dY * X, 3), -1)
        db = _unsqueeze_(F, F.sum(dY, 3), -1)
    rstd_cube = rstd * rstd * rstd
    if both:
        dvar = -0.5 * rstd_cube * F.reshape(drstd, (n, g, 1, 1))
        from_stats = 2.0 * s * dvar * (X - F.sum(X, (2, 3), True) * s)
        from_stats = from_stats + F.expand(F.reshape(dmean, (n, g, 1, 1)), X.shape) * s
    if dY is not None:
        a = rstd if gamma is None else rstd * gamma
        b = _unsqueeze_(F, F.sum(ds if gamma is None else ds * gamma, 2), -2)
        c = _unsqueeze_(F, F.sum(db if gamma is None else db * gamma, 2), -2)
        b = (c * mean - b) * rstd_cube * s
        c = -b * mean - c * rstd * s
        dX = a * dY + b * X + c
        if both:
            dX = dX + from_stats
        dX = F.reshape(dX, input.shape)
        if weight is not None:
            dgamma = F.reshape(F.sum((ds - db * mean) * rstd, 0), weight.shape)
        dbeta = F.reshape(F.sum(db, 0), (channels,))
    elif both:
        dX = F.reshape(from_stats, input.shape)
    return dX, dgamma, dbeta


_GN_BACKWARD = Joint(_group_norm_backward)


@op(
    "NativeGroupNormBackward0",
    input=_GN_BACKWARD[0],
    weight=_GN_BACKWARD[1],
    bias=_GN_BACKWARD[2],
)
def _native_group_norm(input, weight, bias, groups, eps):
    """(output, mean, rstd), the mean and 1 / sqrt(biased var + eps) per (sample, group) in
    shape (N, groups), as PyTorch's native_group_norm returns them; group_norm keeps the
    output. They are computed in float32 for float16 and bfloat16 inputs."""
    xp = array_namespace(input)
    x = opmath(input)
    n = x.shape[0]
    rows = x.reshape(n, groups, math.prod(x.shape[1:]) // groups)
    mean, var = _group_moments(rows, input.dtype.itemsize)
    with fp_errors.quiet():
        if rows.dtype == np.float64:
            rstd = 1 / xp.sqrt(var + eps)
        else:  # (PyTorch adds the double eps in double, then rounds rstd to float)
            rstd = (1 / xp.sqrt(var.astype(np.float64) + eps)).astype(rows.dtype)
    # Per channel, scale = rstd * weight and shift = bias - scale * mean, then x * scale +
    # shift, with PyTorch's CPU kernel's fused multiply-adds (an infinite weight then gives
    # nan, not +-inf); without weight or bias, (x - mean) * rstd.
    per_channel = (n, groups, x.shape[1] // groups, 1)
    spatial = math.prod(x.shape[2:])
    grouped = x.reshape(n, groups, per_channel[2], spatial)
    if weight is None and bias is None:
        out = ((grouped - mean[..., None]) * rstd[..., None]).reshape(x.shape)
    else:
        scale = xp.broadcast_to(rstd[..., None], per_channel)
        if weight is not None:
            scale = scale * weight.reshape(per_channel[1:])
        beta = 0 if bias is None else bias.reshape(per_channel[1:])
        shift = fused_multiply_add(-scale, mean[..., None], beta, x.dtype)
        out = fused_multiply_add(scale, grouped, shift, x.dtype).reshape(x.shape)
    dtype = input.dtype
    return (
        out.astype(dtype, copy=False),
        mean.reshape(n, groups).astype(dtype, copy=False),
        rstd.reshape(n, groups).astype(dtype, copy=False),
    )


def _group_moments(rows, itemsize: int):
    """Mean and biased variance over the last axis of rows (N, groups, elements), as
    PyTorch's CPU kernel takes them (ops/rowwise_moments.py) where that is emulated, else a
    two-pass mean and variance (nan for groups of no elements, as PyTorch's 0 / 0)."""
    xp = array_namespace(rows)
    length = rows.shape[-1]
    if xp is np and 0 < length <= _LONGEST_EMULATED_ROW:
        mean, var = rowwise_moments(rows.reshape(-1, length), itemsize)
        return mean.reshape(rows.shape[:2] + (1,)), var.reshape(rows.shape[:2] + (1,))
    if not length:
        mean = rows.sum(axis=2, keepdims=True)
        return mean, mean + xp.nan
    mean = rows.mean(axis=2, keepdims=True)
    return mean, ((rows - mean) ** 2).mean(axis=2, keepdims=True)


_native_group_norm.node.keeps_missing_grads = True  # dmean and drstd stay None unless given


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
    return _native_group_norm(input, weight, bias, num_groups, eps)[0]


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
