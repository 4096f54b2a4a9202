"""The activations of torch.nn.functional that vary those of activations.py: selu and celu
(the ELU family's two named settings), the shrinks (hardshrink, softshrink, tanhshrink),
hardsigmoid and hardswish, and prelu and rrelu (leaky relus with a learnt or a random slope),
with their in-place forms.

Where PyTorch has one kernel with a backward node of its own (selu's EluBackward0, celu,
hardshrink, softshrink, hardsigmoid, hardswish, prelu, rrelu), it is one op here under
PyTorch's name, and its gradient is an op of its own beside it (hardshrink_backward, ...), as
in PyTorch; selu and celu share elu's gradient op, elu_backward (activation_backwards.py), as
they share PyTorch's. tanhshrink is composed, as PyTorch composes it.
"""

from __future__ import annotations

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.activation_backwards import elu_backward
from conformance.reference.nn.activations import _elu_forward, _floating_kernel, _in_place
from conformance.reference.ops.cpu_loops import scalar_elements, with_scalar_body
from conformance.reference.ops.define import Joint, formula_op, no_derivative, op
from conformance.reference.ops.pointwise import opmath
from conformance.reference.tensor import Tensor

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# hardsigmoid_backward's kernel multiplies by the float literal 1.0f / 6.0f, in every dtype.
ONE_SIXTH_FLOAT = 0.1666666716337204


# -- the ELU family: elu(x) = x * scale where x > 0, alpha * scale * (exp(x * input_scale) - 1)
# elsewhere (activations.py's _elu_forward); selu and celu are its two named settings, with
# nodes of their own ---------------------------------------------------------------------------


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
        """The gradient where |x| > lambd, zero elsewhere. At a nan input PyTorch's CPU loop
        zeroes it in its vector body and passes it in its scalar one (cpu_loops.py)."""
        xp = array_namespace(self)
        keep = (self < -lambd) | (self > lambd)
        scalar = scalar_elements(self.shape, (self,), grad_output.dtype.itemsize)
        keep = with_scalar_body(keep, ~((self >= -lambd) & (self <= lambd)), scalar)
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


@op("NotImplemented", self=no_derivative("hardsigmoid_backward"))
def hardsigmoid_backward(grad_output, self):
    """grad / 6 on the open interval (-3, 3), zero elsewhere, 1/6 being the float literal
    1.0f / 6.0f in every dtype. PyTorch has no derivative for it: a create_graph backward
    records a node that refuses a further backward."""
    xp = array_namespace(self)
    inside = (self > -3) & (self < 3)
    scaled = grad_output * grad_output.dtype.type(ONE_SIXTH_FLOAT)
    return xp.where(inside, scaled, xp.zeros_like(grad_output))


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
    kernel). A nan is in neither outer range: PyTorch's vector body gives it the middle's nan,
    its scalar body, which tests x <= 3 for the middle, the gradient (cpu_loops.py)."""
    xp = array_namespace(self)
    middle = opmath(grad_output) * (opmath(self) / 3 + 0.5)  # (half precision: in float32)
    zeros = xp.zeros_like(grad_output)
    upper = self > 3
    scalar = scalar_elements(self.shape, (self,), grad_output.dtype.itemsize)
    upper = with_scalar_body(upper, ~(self <= 3), scalar)
    return xp.where(self < -3, zeros, xp.where(upper, grad_output, middle)).astype(
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
    _floating_kernel("prelu_cpu", input._data)
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
