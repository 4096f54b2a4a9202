"""More of torch.nn.functional: the shrinking and hard activations, selu, celu, prelu, rrelu,
group and instance norm, pixel (un)shuffle, and the margin, embedding, Poisson and Gaussian
losses.

Where PyTorch has one kernel with a backward node of its own (selu's EluBackward0, celu,
hardshrink, softshrink, hardsigmoid, hardswish, prelu, rrelu, group_norm, soft_margin_loss),
it is one op here under PyTorch's name; where PyTorch composes other ops (tanhshrink,
instance_norm, the margin and embedding losses, poisson and gaussian NLL), so does this, step
for step, so the graph reads the same. The derivatives of the kernels are written with `F`,
so a create_graph backward gives the right second derivatives, though through ordinary ops
rather than PyTorch's *BackwardBackward nodes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.activations import _floating_kernel, _in_place
from conformance.reference.nn.common import _reference, no_grad_argument
from conformance.reference.nn.distances import _clamp_min, pairwise_distance
from conformance.reference.nn.normalization import batch_norm
from conformance.reference.nn.reduction import _REDUCTIONS, _reduce, _reduction
from conformance.reference.ops.define import Joint, formula_op, op
from conformance.reference.ops.pointwise import opmath
from conformance.reference.ops.scalar_overloads import (
    add_scalar,
    mul_scalar,
    number_minus,
    sub_scalar,
)
from conformance.reference.tensor import Tensor

__all__ = [
    "selu",
    "selu_",
    "celu",
    "celu_",
    "hardshrink",
    "softshrink",
    "tanhshrink",
    "hardsigmoid",
    "hardswish",
    "prelu",
    "rrelu",
    "rrelu_",
    "group_norm",
    "instance_norm",
    "pixel_shuffle",
    "pixel_unshuffle",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "multilabel_soft_margin_loss",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# cosine_embedding_loss's epsilon is a C++ float: 1e-12 rounded to float32.
COSINE_EPSILON = 9.999999960041972e-13
# hardsigmoid_backward's kernel multiplies by the float literal 1.0f / 6.0f, in every dtype.
ONE_SIXTH_FLOAT = 0.1666666716337204


# -- the ELU family: elu(x) = x * scale where x > 0, alpha * scale * (exp(x * input_scale) - 1)
# elsewhere; selu and celu are its two named settings, with nodes of their own ----------------


def _elu_double_backward(grad, grad_output, alpha, scale, input_scale, is_result, saved, F):
    """elu_backward's derivative in its saved tensor: only the negative side depends on it
    (PyTorch tests < 0 here, where elu_backward tests <= 0)."""
    negative = F.where(saved < 0, F.ones_like(grad), F.zeros_like(grad))
    if is_result:
        return grad * grad_output * input_scale * negative
    backward = formula_op(F, elu_backward)
    return backward(grad * grad_output * input_scale, alpha, scale, input_scale, False, saved) * (
        negative
    )


@op(
    "EluBackwardBackward0",
    grad_output=lambda grad, alpha, scale, input_scale, is_result, saved, F: formula_op(
        F, elu_backward
    )(grad, alpha, scale, input_scale, is_result, saved),
    saved=_elu_double_backward,
)
def elu_backward(grad_output, alpha, scale, input_scale, is_result, saved):
    """The ELU family's gradient, an op of its own as in PyTorch (so a create_graph backward
    records EluBackwardBackward0, for selu and celu too): scale above 0; below, from the input
    alpha * scale * input_scale * exp(x * input_scale), or from the output (in-place forms)
    input_scale * (result + alpha * scale). A nan takes the positive side."""
    xp = array_namespace(saved)
    if is_result:
        negative = grad_output * input_scale * (saved + alpha * scale)
    else:
        negative = grad_output * (input_scale * alpha * scale) * xp.exp(saved * input_scale)
    return xp.where(saved <= 0, negative, grad_output * scale).astype(grad_output.dtype)


def _elu_forward(self, alpha, scale, input_scale):
    _floating_kernel("elu_cpu", self)
    xp = array_namespace(self)
    x = opmath(self)
    out = xp.where(x <= 0, xp.expm1(x * input_scale) * (alpha * scale), x * scale)
    return out.astype(self.dtype, copy=False)


def _elu_ops(name: str) -> tuple:
    """The out-of-place op and the in-place one (whose derivative reads the output). The
    derivatives take their own input_scale: PyTorch's celu derivative uses 1 / float(alpha),
    alpha rounded to float32 first."""

    @op(
        f"{name}Backward0",
        self=lambda grad, self, alpha, scale, grad_input_scale, F: formula_op(F, elu_backward)(
            grad, alpha, scale, grad_input_scale, False, self
        ),
    )
    def out_of_place(self, alpha, scale, input_scale, grad_input_scale):
        return _elu_forward(self, alpha, scale, input_scale)

    @op(
        f"{name}Backward1",
        self=lambda grad, result, alpha, scale, grad_input_scale, F: formula_op(F, elu_backward)(
            grad, alpha, scale, grad_input_scale, True, result
        ),
    )
    def over_self(self, alpha, scale, input_scale, grad_input_scale):
        return _elu_forward(self, alpha, scale, input_scale)

    return out_of_place, over_self


_selu, _selu_over_self = _elu_ops("Elu")  # PyTorch's selu is elu with two constants
_celu, _celu_over_self = _elu_ops("Celu")


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha), the two constants of the self-normalising paper; PyTorch records
    it as the ELU kernel (EluBackward0)."""
    if inplace:
        return selu_(input)
    return _selu(input, SELU_ALPHA, SELU_SCALE, 1.0, 1.0)


def selu_(input: Tensor) -> Tensor:
    return _in_place(input, lambda: _selu_over_self(input, SELU_ALPHA, SELU_SCALE, 1.0, 1.0))


def _float_inverse(alpha: float) -> float:
    """1 / alpha with alpha rounded to float32, as PyTorch's celu derivative takes it."""
    return 1.0 / float(np.float32(alpha))


def _check_celu(alpha: float) -> None:
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)): elu with input_scale 1 / alpha."""
    if inplace:
        return celu_(input, alpha)
    _check_celu(alpha)
    return _celu(input, alpha, 1.0, 1.0 / alpha, _float_inverse(alpha))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    _check_celu(alpha)
    return _in_place(
        input, lambda: _celu_over_self(input, alpha, 1.0, 1.0 / alpha, _float_inverse(alpha))
    )


# -- shrinks and hard activations -------------------------------------------------------------


def _outside(self, lambd):
    """|x| > lambd as the forward kernels test it (a nan is outside: it stays nan)."""
    return ~((self >= -lambd) & (self <= lambd))


def _zeros_like_grad(grad, F):
    """The derivative of a gradient that is piecewise constant in the input: zero, with the
    edge kept (PyTorch's zeros_like(grad)), so a further backward gives zeros."""
    return F.zeros_like(grad)


def _shrink_backward(name: str):
    @op(
        f"{name}BackwardBackward0",
        grad_output=lambda grad, self, lambd, F: formula_op(F, backward)(grad, self, lambd),
        self=_zeros_like_grad,
    )
    def backward(grad_output, self, lambd):
        """The gradient where |x| > lambd, zero elsewhere and at a nan input, as PyTorch's
        vectorised CPU loop decides (its scalar loop, which only takes the last few elements
        that do not fill a vector, passes a nan's gradient)."""
        xp = array_namespace(self)
        keep = (self < -lambd) | (self > lambd)
        return xp.where(keep, grad_output, xp.zeros_like(grad_output))

    return backward


hardshrink_backward = _shrink_backward("Hardshrink")
softshrink_backward = _shrink_backward("Softshrink")


@op(
    "HardshrinkBackward0",
    self=lambda grad, self, lambd, F: formula_op(F, hardshrink_backward)(grad, self, lambd),
)
def _hardshrink(self, lambd):
    _floating_kernel("hardshrink_cpu", self)
    xp = array_namespace(self)
    return xp.where(_outside(self, lambd), self, 0).astype(self.dtype, copy=False)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere."""
    return _hardshrink(input, lambd)


@op(
    "SoftshrinkBackward0",
    self=lambda grad, self, lambd, F: formula_op(F, softshrink_backward)(grad, self, lambd),
)
def _softshrink(self, lambd):
    xp = array_namespace(self)
    x = opmath(self)
    # The kernel's middle branch is x * 0, which keeps a nan.
    out = xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0))
    return out.astype(self.dtype, copy=False)


def _largest(dtype: dtypes.dtype) -> str:
    """The largest finite value of a floating dtype, as C++ prints it (%g)."""
    big = {"bfloat16": 3.3895313892515355e38}.get(dtype.name) or float(np.finfo(dtype.np).max)
    return f"{big:g}"


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between; lambd must be non-negative
    (and representable in the input's dtype)."""
    _floating_kernel("softshrink_check", input._data)
    if not 0 <= lambd <= float(_largest(input.dtype)):
        raise RuntimeError(
            f"lambda must be in range [0, {_largest(input.dtype)}] for input dtype "
            f"{scalar_type_name(input.dtype)}, but found {lambd:g}"
        )
    return _softshrink(input, lambd)


def tanhshrink(input: Tensor) -> Tensor:
    """PyTorch composes it: input - input.tanh()."""
    return input - input.tanh()


def _not_implemented(grad):
    raise RuntimeError("derivative for aten::hardsigmoid_backward is not implemented")


@op("NotImplemented", self=_not_implemented)
def hardsigmoid_backward(grad_output, self):
    """grad / 6 on the open interval (-3, 3), zero elsewhere, 1/6 being the float literal
    1.0f / 6.0f in every dtype. PyTorch has no derivative for it: a create_graph backward
    records a node that refuses a further backward."""
    xp = array_namespace(self)
    inside = (self > -3) & (self < 3)
    scaled = grad_output * grad_output.dtype.type(ONE_SIXTH_FLOAT)
    return xp.where(inside, scaled, xp.zeros_like(grad_output))


hardsigmoid_backward.node.name = lambda node: "torch::autograd::NotImplemented"


@op(
    "HardsigmoidBackward0",
    self=lambda grad, self, F: formula_op(F, hardsigmoid_backward)(grad, self),
)
def _hardsigmoid(self):
    _floating_kernel("hardsigmoid_cpu", self)
    xp = array_namespace(self)
    x = opmath(self)
    return (xp.minimum(xp.maximum(x + 3, 0), 6) / 6).astype(self.dtype, copy=False)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between (slope 1/6 on the open
    interval only)."""
    if inplace:
        return _in_place(input, lambda: _hardsigmoid(input.clone()))
    return _hardsigmoid(input)


@op(
    "HardswishBackwardBackward0",
    grad_output=lambda grad, self, F: formula_op(F, hardswish_backward)(grad, self),
    self=lambda grad, grad_output, self, F: F.where(
        (self > -3) & (self < 3), grad * grad_output / 3, F.zeros_like(grad)
    ),
)
def hardswish_backward(grad_output, self):
    """0 below -3, grad * (x / 3 + 1/2) on [-3, 3], grad above (hardswish_backward's
    kernel)."""
    xp = array_namespace(self)
    middle = grad_output * (self / 3 + 0.5)
    zeros = xp.zeros_like(grad_output)
    return xp.where(self < -3, zeros, xp.where(self <= 3, middle, grad_output)).astype(
        grad_output.dtype
    )


def _hardswish_grad(grad, self, F):
    return formula_op(F, hardswish_backward)(grad, self)


@op("HardswishBackward0", self=_hardswish_grad)
def _hardswish(self):
    _floating_kernel("hardswish_cpu", self)
    xp = array_namespace(self)
    x = opmath(self)
    return (x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6).astype(self.dtype, copy=False)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    if inplace:
        return _in_place(input, lambda: _hardswish(input.clone()))
    return _hardswish(input)


# -- prelu and rrelu: leaky relus with a learnt or a random slope -----------------------------


def _prelu_zeros(like, F):
    return F.zeros_like(like)


@op(
    "PreluKernelBackwardBackward0",
    grad_output=lambda grads, self, weight, F: F.where(
        self >= 0, grads[0], grads[0] * weight + grads[1] * self
    ),
    self=lambda grads, grad_output, self, F: F.where(
        self >= 0, _prelu_zeros(grads[1], F), grads[1] * grad_output
    ),
    weight=lambda grads, grad_output, self, F: F.where(
        self >= 0, _prelu_zeros(grads[0], F), grads[0] * grad_output
    ),
)
def prelu_backward(grad_output, self, weight):
    """prelu's two gradients, one op as in PyTorch's _prelu_kernel_backward: the input's
    (the gradient where x > 0, times the weight elsewhere) and the weight's, of the broadcast
    shape (x times the gradient where x <= 0), which the node then sums to the weight's."""
    xp = array_namespace(self)
    positive = self > 0
    grad_self = xp.where(positive, grad_output, grad_output * weight).astype(self.dtype)
    grad_weight = xp.where(positive, xp.zeros_like(grad_self), grad_output * self)
    return grad_self, grad_weight.astype(weight.dtype, copy=False)


_PRELU_BACKWARD = Joint(
    lambda grad, self, weight, F: formula_op(F, prelu_backward)(grad, self, weight)
)


@op("PreluKernelBackward0", self=_PRELU_BACKWARD[0], weight=_PRELU_BACKWARD[1])
def _prelu(self, weight):
    return array_namespace(self).where(self > 0, self, self * weight).astype(self.dtype)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, weight * x elsewhere, one weight per channel (dim 1) or one for all.
    As PyTorch, the weight is viewed to broadcast along dim 1 first (ViewBackward0), for every
    input but a 1-D one."""
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {scalar_type_name(input.dtype)} and "
            f"{scalar_type_name(weight.dtype)}"
        )
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{weight.numel()} and channel size = {channels}."
        )
    if input.ndim != 1:
        shape = [1] * input.ndim
        if input.ndim >= 2:
            shape[1] = weight.numel()
        weight = weight.view(shape)
    return _prelu(input, weight)


@op(
    "RreluWithNoiseBackwardBackward0",
    grad_output=lambda grad, self, noise, slope, F: formula_op(F, rrelu_backward)(
        grad, self, noise, slope
    ),
    self=_zeros_like_grad,
)
def rrelu_backward(grad_output, self, noise, slope):
    """The gradient times the noise in training, else leaky_relu's with the mean slope (the
    sign of self is the input's, from the output too, the slopes being positive)."""
    if noise is not None:
        return grad_output * noise
    xp = array_namespace(self)
    return xp.where(self > 0, grad_output, grad_output * slope).astype(grad_output.dtype)


@op(
    "RreluWithNoiseBackward0",
    self=lambda grad, self, noise, slope, F: formula_op(F, rrelu_backward)(
        grad, self, noise, slope
    ),
)
def _rrelu(self, noise, slope):
    xp = array_namespace(self)
    if noise is not None:
        return (self * noise).astype(self.dtype, copy=False)
    return xp.where(self > 0, self, self * slope).astype(self.dtype, copy=False)


@op(
    "RreluWithNoiseBackward1",
    self=lambda grad, result, noise, slope, F: formula_op(F, rrelu_backward)(
        grad, result, noise, slope
    ),
)
def _rrelu_over_self(self, noise, slope):
    """The in-place form: its derivative reads the output (of the input's sign, the slopes
    being positive)."""
    return _rrelu.forward(self, noise, slope)


def _rrelu_args(input: Tensor, lower: float, upper: float, training: bool) -> tuple:
    """The noise (training with a proper range) or the mean slope (lower + upper) / 2."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"leaky_relu_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    if not training or upper - lower <= 1e-6:
        return None, (lower + upper) / 2
    from conformance.reference.ops import creation

    xp = array_namespace(input._data)
    draws = creation.random_source().random(tuple(input.shape))
    slopes = xp.asarray(lower + (upper - lower) * draws).astype(input.dtype.np)
    noise = xp.where(input._data > 0, xp.ones_like(slopes), slopes)
    return Tensor._wrap(noise, input.dtype, input.device), None


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """A leaky relu whose negative slope is drawn uniformly from [lower, upper] per element in
    training (from the reference generator: the draws are not PyTorch's), and is their mean
    (lower + upper) / 2 in evaluation."""
    if inplace:
        return rrelu_(input, lower, upper, training)
    noise, slope = _rrelu_args(input, lower, upper, training)
    return _rrelu(input, noise, slope)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    noise, slope = _rrelu_args(input, lower, upper, training)
    return _in_place(input, lambda: _rrelu_over_self(input, noise, slope))


# -- group and instance norm ------------------------------------------------------------------


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


# -- pixel shuffle ----------------------------------------------------------------------------


def _pixel_checks(name: str, input: Tensor) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )


@op(
    "PixelShuffleBackward0",
    self=lambda grad, upscale_factor, F: formula_op(F, _pixel_unshuffle)(grad, upscale_factor),
)
def _pixel_shuffle(self, upscale_factor):
    r = upscale_factor
    *batch, c, h, w = self.shape
    x = self.reshape(*batch, c // (r * r), r, r, h, w)
    k = len(batch)
    x = x.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return array_namespace(self).ascontiguousarray(x).reshape(*batch, c // (r * r), h * r, w * r)


@op(
    "PixelUnshuffleBackward0",
    self=lambda grad, downscale_factor, F: formula_op(F, _pixel_shuffle)(grad, downscale_factor),
)
def _pixel_unshuffle(self, downscale_factor):
    r = downscale_factor
    *batch, c, h, w = self.shape
    x = self.reshape(*batch, c, h // r, r, w // r, r)
    k = len(batch)
    x = x.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return array_namespace(self).ascontiguousarray(x).reshape(*batch, c * r * r, h // r, w // r)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r * r, H, W) to (*, C, H * r, W * r): each channel block of r * r becomes an
    r x r tile."""
    _pixel_checks("pixel_shuffle", input)
    if upscale_factor <= 0:
        raise RuntimeError(
            f"pixel_shuffle expects a positive upscale_factor, but got {upscale_factor}"
        )
    square = upscale_factor * upscale_factor
    if input.shape[-3] % square:
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible "
            f"by {square}"
        )
    return _pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of pixel_shuffle: each r x r tile becomes r * r channels."""
    _pixel_checks("pixel_unshuffle", input)
    if downscale_factor <= 0:
        raise RuntimeError(
            f"pixel_unshuffle expects a positive downscale_factor, but got {downscale_factor}"
        )
    for what, dim in (("height", -2), ("width", -1)):
        if input.shape[dim] % downscale_factor:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                f"input.size({dim})={input.shape[dim]} is not divisible by {downscale_factor}"
            )
    return _pixel_unshuffle(input, downscale_factor)


# -- losses -----------------------------------------------------------------------------------


def _apply_reduction(output: Tensor, reduction: str) -> Tensor:
    """ATen's apply_loss_reduction."""
    if reduction == "mean":
        return output.mean()
    return output.sum() if reduction == "sum" else output


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    output = _clamp_min(add_scalar(-target * (input1 - input2), margin), 0)
    return _apply_reduction(output, reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """x where target is 1, max(0, margin - x) where it is -1 (other targets sum both)."""
    reduction = _reduction(reduction, size_average, reduce)
    where = _reference().where
    zeros = _reference().zeros_like(input)
    margin_clamp = _clamp_min(number_minus(margin, input), 0)
    output = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return _apply_reduction(output, reduction)


def _soft_margin_double(grad, self, target, reduction, F):
    """d/dx of the gradient: norm * target**2 * z / (1 + z)**2, z = exp(-target * x)."""
    z = F.exp(self * -target)
    norm = 1 / math.prod(self.shape) if reduction == "mean" else 1
    return grad * norm * (target * target) * z / ((z + 1) * (z + 1))


def _soft_margin_grad_output_grad(grad, grad_output, self, target, reduction, F):
    """soft_margin_loss_backward is linear in grad_output: for a reduced loss, its slope at a
    gradient of one, weighted by the incoming gradient and summed, as PyTorch writes it."""
    backward = formula_op(F, soft_margin_loss_backward)
    if reduction == "none":
        return backward(grad, self, target, reduction)
    return (backward(F.ones_like(grad_output), self, target, reduction) * grad).sum()


@op(
    "SoftMarginLossBackwardBackward0",
    grad_output=_soft_margin_grad_output_grad,
    self=lambda grad, grad_output, self, target, reduction, F: _soft_margin_double(
        grad * grad_output, self, target, reduction, F
    ),
)
def soft_margin_loss_backward(grad_output, self, target, reduction):
    """soft_margin_loss's gradient, an op of its own as in PyTorch: -norm * target * z /
    (1 + z) * grad, z = exp(-target * x), norm 1 / numel for a mean."""
    z = array_namespace(self).exp(-target * self)
    norm = 1 / self.size if reduction == "mean" else 1
    return (-norm * target * z / (1 + z) * grad_output).astype(self.dtype, copy=False)


@op(
    "SoftMarginLossBackward0",
    self=lambda grad, self, target, reduction, F: formula_op(F, soft_margin_loss_backward)(
        grad, self, target, reduction
    ),
)
def _soft_margin_loss(self, target, reduction):
    xp = array_namespace(self)
    return _reduce(xp.log1p(xp.exp(-target * self)).astype(self.dtype, copy=False), reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """log(1 + exp(-target * input)): one kernel (no gradient for the target)."""
    reduction = _reduction(reduction, size_average, reduce)
    no_grad_argument("soft_margin_loss", "target", target)
    if input.dtype is dtypes.bool:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    if input.dtype.category != dtypes.FLOATING:
        raise RuntimeError(
            "result type Float can't be cast to the desired output type "
            f"{scalar_type_name(input.dtype)}"
        )
    if target.shape != input.shape:
        from conformance.reference.nn.common import broadcast_shapes

        shape = broadcast_shapes(input.shape, target.shape)
        input, target = input.expand(shape), target.expand(shape)
    return _soft_margin_loss(input, target, reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1, the
    cosine as ATen computes it (squared norms plus 1e-12 as a float, one sqrt)."""
    reduction = _reduction(reduction, size_average, reduce)
    dim = target.ndim
    if dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if dim == 1 and (input1.ndim != 2 or input2.ndim != 2):
        raise RuntimeError(
            "1D target tensor expects 2D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    if dim == 0 and (input1.ndim != 1 or input2.ndim != 1):
        raise RuntimeError(
            "0D target tensor expects 1D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    reference = _reference()
    prod_sum = (input1 * input2).sum(dim)
    mag_square1 = add_scalar((input1 * input1).sum(dim), COSINE_EPSILON)
    mag_square2 = add_scalar((input2 * input2).sum(dim), COSINE_EPSILON)
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    zeros = reference.zeros_like(cos)
    positive = number_minus(1, cos)
    negative = _clamp_min(sub_scalar(cos, margin), 0)
    output = reference.where(target == 1, positive, zeros) + reference.where(
        target == -1, negative, zeros
    )
    return _apply_reduction(output, reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin), d the pairwise distance; with swap, d(a, n) is
    replaced by d(p, n) where that is smaller."""
    reduction = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative "
            f"{dims[2]}D inputs"
        )
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = _reference().min(dist_neg, pairwise_distance(positive, negative, p, eps))
    output = _clamp_min(add_scalar(dist_pos, margin) - dist_neg, 0)
    return _apply_reduction(output, reduction)


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


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """The mean over classes of the binary cross entropy of sigmoid(input) (through
    logsigmoid); PyTorch composes it in Python."""
    from conformance.reference.nn.activations import logsigmoid

    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _apply_reduction(loss, reduction)
