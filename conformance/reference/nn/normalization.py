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
from conformance.reference.nn import batch_norm_sums, layer_norm_sums
from conformance.reference.ops.define import Joint, formula_op, op
from conformance.reference.ops.fused_multiply_add import fused_multiply_add
from conformance.reference.ops.pointwise import opmath
from conformance.reference.ops.pointwise_common import HALF_ARRAYS
from conformance.reference.ops.reductions import _accumulator, _double_on_cpu
from conformance.reference.ops.rowwise_moments import rowwise_moments
from conformance.reference.tensor import Tensor

# -- layer norm ---------------------------------------------------------------------------


def _defined(grads: tuple, weight: Any, bias: Any, none: Any) -> tuple:
    """(grad_input, grad_weight, grad_bias) with an empty gradient (PyTorch's undefined one)
    for an absent weight or bias."""
    grad_input, grad_weight, grad_bias = grads
    return grad_input, none if weight is None else grad_weight, none if bias is None else grad_bias


def _rows(a, normalized_ndim):
    """(M, N): the rows and the normalised size of an input whose last dims are normalised."""
    n = math.prod(a.shape[a.ndim - normalized_ndim :])
    return math.prod(a.shape[: a.ndim - normalized_ndim]), n


def _ln_double_backward(grads, grad_out, input, mean, rstd, weight, normalized_ndim, F):
    """FunctionsManual's layer_norm_double_backward, on (M, N) rows: the gradients of
    native_layer_norm_backward's (grad_input, grad_weight, grad_bias), weighted by `grads`, in
    its input, weight and grad_out. The saved mean and rstd are constants here (PyTorch's
    native_layer_norm gives them no gradient): the formula writes out how they depend on the
    input, so second derivatives are exact, but a third derivative through this node, as
    PyTorch's, sees the input only where the formula names it."""
    ggI, ggG, ggB = grads
    m, n = _rows(input, normalized_ndim)
    x = F.reshape(input, (m, n))
    gO = F.reshape(grad_out, (m, n))
    x_mu = x - F.reshape(mean, (m, 1))
    inv = F.reshape(rstd, (m, 1))
    inv2, inv3 = inv**2, inv**3
    gamma = 1.0 if weight is None else F.reshape(weight, (1, n))
    rowsum = lambda a: F.sum(a, (1,), keepdim=True)  # noqa: E731
    x_mu_inv3 = x_mu * inv3
    gI = None
    if ggI is not None:
        ggI = F.reshape(ggI, (m, n))
        gxhat = gO * gamma
        gxhat_mu_sum, gxhat_sum = rowsum(gxhat * x_mu), rowsum(gxhat)
        ggI_sum, ggI_mu_sum = rowsum(ggI), rowsum(ggI * x_mu)
        all_sub = (
            ggI_sum * gxhat_sum / n
            - rowsum(ggI * gxhat)
            + inv2 * gxhat_mu_sum * ggI_mu_sum * (3.0 / n)
        )
        gI = (
            x_mu_inv3 * all_sub / n
            + ggI_mu_sum * inv3 / n * (gxhat_sum / n - gxhat)
            + gxhat_mu_sum * inv3 / n * (ggI_sum / n - ggI)
        )
    if weight is not None and ggG is not None:
        ggG = F.reshape(ggG, (1, n))
        gI_G = (
            gO * ggG * inv + inv * rowsum(gO * ggG) / -n + x_mu_inv3 * rowsum(gO * ggG * x_mu) / -n
        )
        gI = gI_G if gI is None else gI + gI_G

    def first_grad_input(g, scale):  # native_layer_norm_backward's grad_input, on rows
        return scale * inv / n * (n * g - rowsum(g) - x_mu * inv2 * rowsum(g * x_mu))

    gG = ggO = None
    if weight is not None and ggI is not None:
        gG = F.reshape(F.sum(gO * first_grad_input(ggI, 1.0), (0,)), weight.shape)
    if ggI is not None:
        ggO = first_grad_input(ggI, gamma)
    if ggG is not None:
        ggO_G = ggG * x_mu * inv
        ggO = ggO_G if ggO is None else ggO + ggO_G
    if ggB is not None:
        ggB = F.reshape(ggB, (1, n))
        ggO = ggB if ggO is None else ggO + ggB
    if ggO is not None:
        ggO = F.reshape(F.expand(ggO, (m, n)), input.shape)
    return None if gI is None else F.reshape(gI, input.shape), gG, ggO


_LN_DOUBLE_BACKWARD = Joint(_ln_double_backward)


@op(
    "NativeLayerNormBackwardBackward0",
    grad_out=_LN_DOUBLE_BACKWARD[2],
    input=_LN_DOUBLE_BACKWARD[0],
    weight=_LN_DOUBLE_BACKWARD[1],
    bias=lambda: None,  # the gradients do not depend on the bias: PyTorch's Tensor()
)
def native_layer_norm_backward(grad_out, input, mean, rstd, weight, bias, normalized_ndim):
    """layer_norm's gradients (grad_input, grad_weight, grad_bias): an op of its own, as in
    PyTorch, so a create_graph backward records one NativeLayerNormBackwardBackward0 for the
    three. grad_input is rstd * (g - mean(g) - x_hat * mean(g * x_hat)) over the normalised
    dims, g being the gradient times the weight: the mean and the variance depend on every
    input of a row. An absent weight or bias gets an empty gradient (PyTorch's undefined one),
    which nothing reads."""
    xp = array_namespace(input)
    none = xp.empty((0,), dtype=input.dtype)
    if layer_norm_sums.applies(input, grad_out, weight):  # (its CPU kernel, bit for bit)
        grads = layer_norm_sums.backward(grad_out, input, mean, rstd, weight, normalized_ndim)
        return _defined(grads, weight, bias, none)
    axes = tuple(range(input.ndim - normalized_ndim, input.ndim))
    lead = tuple(range(input.ndim - normalized_ndim))
    x = opmath(input)
    xhat = (x - mean) * rstd
    g = grad_out if weight is None else grad_out * weight
    n = math.prod(input.shape[input.ndim - normalized_ndim :])
    # rstd * g + b * x + c, the form of PyTorch's CPU kernel, in which an infinite weight
    # turns a whole row to nan (infinity minus infinity in b).
    ds = (g * x).sum(axis=axes, keepdims=True)
    db = g.sum(axis=axes, keepdims=True)
    b = (db * mean - ds) * rstd * rstd * rstd / n
    c = -b * mean - db * rstd / n
    grad_input = (rstd * g + b * x + c).astype(input.dtype, copy=False)
    grad_weight = none if weight is None else (grad_out * xhat).sum(axis=lead)
    grad_bias = none if bias is None else grad_out.sum(axis=lead)
    if weight is not None:
        grad_weight = grad_weight.astype(weight.dtype, copy=False)
    if bias is not None:
        grad_bias = grad_bias.astype(bias.dtype, copy=False)
    return grad_input, grad_weight, grad_bias


native_layer_norm_backward.node.keeps_missing_grads = True  # the undefined ones stay None

_LN_BACKWARD = Joint(
    lambda grad, input, mean, rstd, weight, bias, normalized_ndim, F: formula_op(
        F, native_layer_norm_backward
    )(grad, input, mean, rstd, weight, bias, normalized_ndim)
)


@op(
    "NativeLayerNormBackward0",
    input=_LN_BACKWARD[0],
    weight=_LN_BACKWARD[1],
    bias=_LN_BACKWARD[2],
)
def _layer_norm(input, weight, bias, mean, rstd, normalized_ndim, eps):
    """(input - mean) * rstd * weight + bias as PyTorch's CPU kernels round it: the last
    product and the bias one fused multiply-add. The half-precision kernel (in float32) takes
    x * rstd - rstd * mean as one fused multiply-add first, so a row of one element comes
    out as that product's rounding error, not 0."""
    x = opmath(input)
    if input.dtype in HALF_ARRAYS:
        out = fused_multiply_add(x, rstd, -(rstd * mean), x.dtype)
        if weight is not None or bias is not None:
            scale = 1 if weight is None else weight
            out = fused_multiply_add(out, scale, 0 if bias is None else bias, x.dtype)
        return out.astype(input.dtype, copy=False)
    centred = x - mean
    if bias is None:
        out = centred * rstd if weight is None else centred * rstd * weight
    elif weight is None:
        out = fused_multiply_add(centred, rstd, bias, x.dtype)
    else:
        out = fused_multiply_add(centred * rstd, weight, bias, x.dtype)
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
    # The statistics as PyTorch's CPU kernel takes them (ops/rowwise_moments.py); for rows
    # too long to emulate step by step, and on a GPU, a two-pass mean and variance (in
    # double for float32), which may differ from PyTorch's in the last bit.
    stat_dtype = _accumulator(data.dtype)
    n = math.prod(data.shape[data.ndim - k :])  # 0 gives nan statistics, silently
    with fp_errors.quiet():
        if xp is np and 0 < n <= _LONGEST_EMULATED_ROW:
            rows = data.reshape(-1, n).astype(stat_dtype, copy=False)
            mean, var = rowwise_moments(rows, data.dtype.itemsize)
            stat_shape = data.shape[: data.ndim - k] + (1,) * k
            mean, var = mean.reshape(stat_shape), var.reshape(stat_shape)
        else:
            work = data.astype(_double_on_cpu(stat_dtype, data), copy=False)
            mean = work.sum(axis=axes, keepdims=True) / n
            var = ((work - mean) ** 2).sum(axis=axes, keepdims=True) / n
        # rstd from the variance in the statistics' dtype, as PyTorch computes it.
        var = xp.maximum(var, 0).astype(stat_dtype, copy=False)
        rstd = 1 / xp.sqrt(var + var.dtype.type(eps))
    as_tensor = lambda a: Tensor._wrap(  # noqa: E731
        a.astype(stat_dtype, copy=False), dtypes.from_numpy_dtype(stat_dtype), input.device
    )
    return _layer_norm(input, weight, bias, as_tensor(mean), as_tensor(rstd), k, eps)


_LONGEST_EMULATED_ROW = 1 << 16  # (the emulation steps through a row a vector at a time)


# -- batch norm ---------------------------------------------------------------------------


def _stat_axes(ndim: int) -> tuple:
    """Every axis but the channel axis (1)."""
    return (0, *range(2, ndim))


def _bn_double_backward(grads, grad_out, input, weight, mean, invstd, training, F):
    """FunctionsManual's batchnorm_double_backward: the gradients of
    native_batch_norm_backward's (grad_input, grad_weight, grad_bias), weighted by `grads`, in
    its input, weight and grad_out. The saved statistics are constants here, as in PyTorch
    (which gives them no gradient): the formula writes out how the batch statistics depend on
    the input, so second derivatives are exact, but a third derivative through this node, as
    PyTorch's, sees the input only where the formula names it."""
    ggI, ggG, ggB = grads
    axes = _stat_axes(input.ndim)
    m = math.prod(input.shape) // math.prod(invstd.shape)  # the values per channel
    x_mu = input - mean
    inv, inv2, inv3 = invstd, invstd**2, invstd**3
    gamma = 1.0 if weight is None else F.reshape(weight, invstd.shape)
    chansum = lambda a: F.sum(a, axes, keepdim=True)  # noqa: E731
    x_mu_inv3 = x_mu * inv3
    gO_mu_sum, gO_sum = chansum(grad_out * x_mu), chansum(grad_out)
    gI = None
    if ggI is not None and training:
        ggI_sum, ggI_mu_sum = chansum(ggI), chansum(ggI * x_mu)
        all_sub = (
            ggI_sum * gO_sum / m
            - chansum(grad_out * ggI)
            + inv2 * gO_mu_sum * ggI_mu_sum * (3.0 / m)
        )
        gI = gamma * (
            x_mu_inv3 * all_sub / m
            + ggI_mu_sum * inv3 / m * (gO_sum / m - grad_out)
            + gO_mu_sum * inv3 / m * (ggI_sum / m - ggI)
        )
    if weight is not None and ggG is not None:
        ggG = F.reshape(ggG, invstd.shape)
        if training:
            gI_G = ggG * (
                grad_out * inv + inv * gO_sum / -m + x_mu_inv3 * chansum(grad_out * x_mu) / -m
            )
        else:
            gI_G = ggG * inv * grad_out
        gI = gI_G if gI is None else gI + gI_G

    def first_grad_input(g, scale):  # native_batch_norm_backward's grad_input in training
        return scale * inv / m * (m * g - chansum(g) - x_mu * inv2 * chansum(g * x_mu))

    gG = ggO = None
    if weight is not None and ggI is not None:
        if training:
            gG = F.sum(ggI * first_grad_input(grad_out, 1.0), axes)
        else:
            gG = F.sum(ggI * grad_out * inv, axes)
    if ggI is not None:
        ggO = first_grad_input(ggI, gamma) if training else ggI * inv * gamma
    if ggG is not None:
        ggO_G = ggG * x_mu * inv
        ggO = ggO_G if ggO is None else ggO + ggO_G
    if ggB is not None:
        ggB = F.reshape(ggB, invstd.shape)
        ggO = ggB if ggO is None else ggO + ggB
    return gI, gG, ggO


_BN_DOUBLE_BACKWARD = Joint(_bn_double_backward)


@op(
    "NativeBatchNormBackwardBackward0",
    grad_out=_BN_DOUBLE_BACKWARD[2],
    input=_BN_DOUBLE_BACKWARD[0],
    weight=_BN_DOUBLE_BACKWARD[1],
)
def native_batch_norm_backward(grad_out, input, weight, bias, mean, invstd, training):
    """batch_norm's gradients (grad_input, grad_weight, grad_bias): an op of its own, as in
    PyTorch, so a create_graph backward records one NativeBatchNormBackwardBackward0 for the
    three. In training the batch statistics depend on the input too, which gives grad_input
    its two subtracted terms (the mean and the projection on x_hat of the gradient). An
    absent weight or bias gets an empty gradient (PyTorch's undefined one), which nothing
    reads."""
    xp = array_namespace(input)
    none = xp.empty((0,), dtype=input.dtype)
    if batch_norm_sums.applies(input, grad_out):  # (its contiguous kernel, bit for bit)
        grads = batch_norm_sums.backward(grad_out, input, weight, mean, invstd, training)
        return _defined(grads, weight, bias, none)
    axes = _stat_axes(input.ndim)
    scale = invstd if weight is None else invstd * weight.reshape(invstd.shape)
    # In the order of PyTorch's CPU kernel, whose sums over x - mean (not over x_hat) come out
    # exactly zero where they should, so that an infinite weight meets a zero (nan), not a
    # rounding error (an infinity).
    centered = input - mean
    dot = (grad_out * centered).sum(axis=axes, keepdims=True)
    total = grad_out.sum(axis=axes, keepdims=True)
    if training:
        n = input.size / invstd.size
        k = dot * invstd * invstd / n
        grad_input = (grad_out - total / n - centered * k) * scale
    else:
        grad_input = grad_out * scale
    grad_weight = none if weight is None else (dot * invstd).reshape(-1)
    grad_bias = none if bias is None else total.reshape(-1)
    return grad_input, grad_weight, grad_bias


native_batch_norm_backward.node.keeps_missing_grads = True  # the undefined ones stay None

# In eval mode the backward kernel computes its own invstd from the running variance, in
# double (1 / sqrt(var + eps)), where the forward's adds eps in the variance's dtype: so it
# gets its own (`backward_invstd`).
_BN_BACKWARD = Joint(
    lambda grad, input, weight, bias, mean, invstd, training, backward_invstd, F: formula_op(
        F, native_batch_norm_backward
    )(
        grad,
        input,
        weight,
        bias,
        mean,
        invstd if backward_invstd is None else backward_invstd,
        training,
    )
)


@op(
    "NativeBatchNormBackward0",
    input=_BN_BACKWARD[0],
    weight=_BN_BACKWARD[1],
    bias=_BN_BACKWARD[2],
)
def _batch_norm(input, weight, bias, mean, invstd, training, eps, backward_invstd=None):
    """(input - mean) * invstd * weight + bias, with mean and invstd shaped (1, C, 1, ...),
    computed as PyTorch's CPU kernel computes it: input * alpha + beta with alpha = invstd *
    weight and beta = bias - mean * alpha. The roundings are then PyTorch's, and so is an
    infinite weight (inf - inf: nan everywhere in its channel)."""
    alpha = invstd if weight is None else invstd * weight.reshape(mean.shape)
    if input.dtype not in (np.float32, np.float64):
        beta = -mean * alpha if bias is None else bias.reshape(mean.shape) - mean * alpha
        return (input * alpha + beta).astype(input.dtype, copy=False)
    # The kernel's compiled multiply-adds are fused (beta and the output each round once).
    beta = fused_multiply_add(
        -mean, alpha, 0 if bias is None else bias.reshape(mean.shape), input.dtype
    )
    return fused_multiply_add(input, alpha, beta, input.dtype)


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
    if training:
        size = input.shape
        size_prods = size[0] * math.prod(size[2:])
        if size_prods == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {size}"
            )
    if input.numel() == 0:
        return _empty_batch_norm(input, weight, bias)
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
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
    backward_invstd = None
    if not training and data.dtype == np.float32:
        var = running_var._data.reshape(shape).astype(np.float64)
        backward_invstd = as_tensor(1 / array_namespace(data).sqrt(var + eps))
    return _batch_norm(
        input,
        weight,
        bias,
        as_tensor(mean),
        as_tensor(invstd),
        bool(training),
        eps,
        backward_invstd,
    )


def _empty_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """PyTorch's batch norm of an empty input (_batch_norm_impl_index) skips every statistic
    and check: the running statistics are left as they are, and the result is input.clone()
    times weight[0] plus bias[0], so its graph is Clone, Mul and Add, and a weight or bias
    with no channels fails in select()."""
    output = input.clone()
    if weight is not None:
        output = output * weight.select(0, 0)
    if bias is not None:
        output = output + bias.select(0, 0)
    return output


def _batch_statistics(
    data, axes, shape, channels, training, running_mean, running_var, momentum, eps
):
    """The mean and 1 / sqrt(var + eps) batch norm normalises with: the batch's own (and then
    the running statistics are updated), or the running statistics in eval mode."""
    if training or running_mean is None or running_var is None:
        mean, var, squares = _channel_moments(data, axes, shape, channels)
        if training and running_mean is not None and running_var is not None:
            n = data.size / channels
            if squares is not None:
                _update_running_as_the_kernel(running_mean, running_var, mean, squares, n, momentum)
            else:
                unbiased = var.reshape(-1) * (n / (n - 1)) if n > 1 else var.reshape(-1) * np.inf
                _update_running(running_mean, mean.reshape(-1), momentum)
                _update_running(running_var, unbiased, momentum)
    else:  # (the running variance plus eps in its own dtype, as the kernel adds them)
        mean = running_mean._data.reshape(shape)
        var = running_var._data.reshape(shape)
        return mean, 1 / array_namespace(data).sqrt(var + var.dtype.type(eps))
    xp = array_namespace(data)
    if data.dtype == np.float32:  # (the batch variance plus the double eps in double)
        return mean, (1 / xp.sqrt(var.astype(np.float64) + eps)).astype(np.float32)
    return mean, 1 / xp.sqrt(var + eps)


def _channel_moments(data, axes, shape, channels):
    """The batch's mean and biased variance per channel. For a float32 or float64 input with
    more than one element per sample and channel, as PyTorch's CPU kernel takes them
    (batch_norm_cpu_collect_stats_contiguous_impl): a running sum in double, element by
    element, the mean rounded to the input's dtype, the squared deviations (in that dtype)
    summed the same way, the sum rounded to the dtype and divided there; with that sum of
    squares, for the running variance. Otherwise (its vectorized and threaded path, and half
    precision), a two-pass mean and variance, and None for the sum."""
    per_sample = math.prod(data.shape[2:])
    if array_namespace(data) is np and data.dtype in (np.float32, np.float64) and per_sample > 1:
        kind = data.dtype.type
        rows = np.moveaxis(data, 1, 0).reshape(channels, -1)
        count = rows.shape[1]
        total = np.cumsum(rows, axis=1, dtype=np.float64)[:, -1]
        mean = (total / count).astype(kind)
        deviations = rows - mean[:, None]
        squares = np.cumsum(deviations * deviations, axis=1, dtype=np.float64)[:, -1]
        squares = squares.astype(kind)
        return mean.reshape(shape), (squares / kind(count)).reshape(shape), squares
    mean = data.mean(axis=axes, keepdims=True)
    return mean, ((data - mean) ** 2).mean(axis=axes, keepdims=True), None


def _update_running_as_the_kernel(running_mean, running_var, mean, squares, n, momentum):
    """The running statistics' update as PyTorch's CPU kernel rounds it, beside the emulated
    moments: momentum in the statistics' dtype, the mean's update there, and the variance's
    (the sum of squares over n - 1) in double, rounded once."""
    kind = squares.dtype.type
    weight, keep = kind(momentum), kind(1) - kind(momentum)
    stat = running_mean._data
    stat[...] = (weight * mean.reshape(-1) + keep * stat).astype(stat.dtype, copy=False)
    with fp_errors.quiet():  # (one value per channel: 0 / 0, nan, as in PyTorch)
        unbiased = (squares / kind(n - 1)).astype(np.float64)
    stat = running_var._data
    blend = np.float64(weight) * unbiased + (keep * stat).astype(np.float64)
    stat[...] = blend.astype(stat.dtype, copy=False)


def _update_running(stat: Tensor, value: Any, momentum: float) -> None:
    """stat = (1 - momentum) * stat + momentum * value, in place. PyTorch's kernel writes the
    running statistics without bumping their version, and so does this."""
    data = stat._data
    data[...] = ((1 - momentum) * data + momentum * value).astype(data.dtype, copy=False)
