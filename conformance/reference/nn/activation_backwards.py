"""The derivative ops of the nn activations: leaky_relu_backward, hardtanh_backward,
elu_backward, softplus_backward, log_sigmoid_backward, gelu_backward and glu_backward.

In PyTorch each activation's gradient is an op of its own, with derivatives of its own
(derivatives.yaml). So a create_graph backward records LeakyReluBackwardBackward0 and the like,
and where that op's derivative in its input is zeros_like(grad) (leaky_relu, hardtanh: the
gradient is piecewise constant in the input), the gradient still requires grad and a second
backward through it gives zeros, not an error. The forwards here run on arrays: an ordinary
backward calls them bare through formula_op, with no Tensor made.
"""

from __future__ import annotations

import math

from conformance.reference.devices import array_namespace
from conformance.reference.ops.cpu_loops import scalar_elements, with_scalar_body
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.pointwise import erf, opmath, sigmoid

__all__: list[str] = []


def _zeros_like_grad(grad, F):
    """The derivative of a gradient that is piecewise constant in the input: zero, yet the
    edge stays, as PyTorch's zeros_like(grad) keeps it."""
    return F.zeros_like(grad)


# -- leaky_relu and hardtanh (and relu6): constant slopes --------------------------------


@op(
    "LeakyReluBackwardBackward0",
    grad_output=lambda grad, self, negative_slope, F: formula_op(F, leaky_relu_backward)(
        grad, self, negative_slope, False
    ),
    self=_zeros_like_grad,
)
def leaky_relu_backward(grad_output, self, negative_slope, self_is_result):
    """The gradient where self > 0, times negative_slope elsewhere. From the in-place form's
    output (self_is_result) the sign is the input's only for a non-negative slope, so PyTorch
    refuses a negative one when the backward runs."""
    if self_is_result and negative_slope < 0:
        raise RuntimeError(
            "In-place leakyReLu backward calculation is triggered with a negative slope which "
            "is not supported. This is caused by calling in-place forward function with a "
            "negative slope, please call out-of-place version instead. File an issue at "
            "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
            "backward calculation with negative slope"
        )
    return array_namespace(self).where(self > 0, grad_output, grad_output * negative_slope)


@op(
    "HardtanhBackwardBackward0",
    grad_output=lambda grad, self, min_val, max_val, F: formula_op(F, hardtanh_backward)(
        grad, self, min_val, max_val
    ),
    self=_zeros_like_grad,
)
def hardtanh_backward(grad_output, self, min_val, max_val):
    """The gradient strictly between the limits, zero at or beyond them. A zero, not 0 * grad,
    so an inf gradient gives 0 there too. At a nan input PyTorch's CPU loop zeroes the gradient
    in its vector body (which tests inside) and passes it in its scalar one (which tests
    outside): see cpu_loops.py for which elements take which."""
    xp = array_namespace(self)
    keep = (self > min_val) & (self < max_val)
    scalar = scalar_elements(self.shape, (self,), grad_output.dtype.itemsize)
    keep = with_scalar_body(keep, ~((self <= min_val) | (self >= max_val)), scalar)
    return xp.where(keep, grad_output, xp.zeros_like(grad_output))


# -- elu ----------------------------------------------------------------------------------


def as_mask(condition, like, F):
    """A condition as 0 and 1 in `like`'s dtype, to multiply by (PyTorch's type_as)."""
    return condition.to(like.dtype) if F.records_graph else condition.astype(like.dtype)


def _elu_double_backward(
    grad, grad_output, alpha, scale, input_scale, is_result, self_or_result, F
):
    """elu_backward's derivative in its saved input (or output): only the negative side, where
    the slope is alpha * scale * input_scale * exp(x * input_scale) (or input_scale *
    (result + alpha * scale)), has one; PyTorch's mask tests < 0, where elu_backward tests
    <= 0, so it is 0 at 0. Composed as PyTorch's elu_double_backward, whose product by the
    scalar input_scale is a node of its own (MulBackward1), even where input_scale is 1."""
    x = self_or_result
    negative = as_mask(x < 0, grad, F)
    if is_result:
        return grad * grad_output * input_scale * negative
    backward = formula_op(F, elu_backward)
    return backward(grad * grad_output * input_scale, alpha, scale, input_scale, False, x) * (
        negative
    )


def _elu_grad_output_grad(grad, alpha, scale, input_scale, is_result, self_or_result, F):
    """elu_backward is linear in grad_output: the same op, applied to the incoming gradient."""
    backward = formula_op(F, elu_backward)
    return backward(grad, alpha, scale, input_scale, is_result, self_or_result)


@op(
    "EluBackwardBackward0",
    grad_output=_elu_grad_output_grad,
    self_or_result=_elu_double_backward,
)
def elu_backward(grad_output, alpha, scale, input_scale, is_result, self_or_result):
    """The ELU family's gradient (elu, and selu and celu, which are elu with other scales):
    scale above 0; below, from the input alpha * scale * input_scale * exp(x * input_scale),
    or from the in-place forms' output input_scale * (result + alpha * scale), which holds only
    for a non-negative alpha, so PyTorch refuses the rest when the backward runs. A nan takes
    the negative side (nan) in PyTorch's vector body, which tests x > 0, and the positive one
    in its scalar body, which tests x <= 0 (cpu_loops.py says which elements take which)."""
    if is_result and alpha < 0:
        raise RuntimeError(
            "In-place elu backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead."
        )
    x = self_or_result
    xp = array_namespace(x)
    if is_result:
        negative = grad_output * input_scale * (x + alpha * scale)
    else:
        negative = grad_output * (input_scale * alpha * scale) * xp.exp(x * input_scale)
    positive = x > 0
    scalar = scalar_elements(x.shape, (x,), grad_output.dtype.itemsize)
    positive = with_scalar_body(positive, ~(x <= 0), scalar)
    return xp.where(positive, grad_output * scale, negative).astype(grad_output.dtype)


# -- softplus and log_sigmoid -------------------------------------------------------------


def _softplus_double_backward(grad, grad_output, self, beta, threshold, F):
    """sigmoid(beta x)' * beta below the threshold, 0 beyond it (the identity's slope is
    constant there), composed as PyTorch's softplus_double_backward composes it."""
    x = self * beta
    below = as_mask(x < threshold, grad, F)
    return F.sigmoid_backward(grad * grad_output, F.sigmoid(x)) * below * beta


@op(
    "SoftplusBackwardBackward0",
    grad_output=lambda grad, self, beta, threshold, F: formula_op(F, softplus_backward)(
        grad, self, beta, threshold
    ),
    self=_softplus_double_backward,
)
def softplus_backward(grad_output, self, beta, threshold):
    """grad * z / (z + 1), z = exp(beta x): the identity's gradient beyond the threshold."""
    xp = array_namespace(self)
    z = xp.exp(self * beta)
    return xp.where(self * beta > threshold, grad_output, grad_output * z / (z + 1))


@op(None)
def silu_backward(grad_output, self):
    """silu_backward's kernel, which PyTorch's backward takes with grad mode off: in float32
    for float16 and bfloat16, rounded once."""
    xp = array_namespace(self)
    g, x = opmath(grad_output), opmath(self)
    sigmoid = 1 / (1 + xp.exp(-x))
    return (g * sigmoid * (1 + x * (1 - sigmoid))).astype(grad_output.dtype, copy=False)


@op(None)
def mish_backward(grad_output, self):
    """mish_backward's kernel, as silu_backward's: in float32 for half precision."""
    xp = array_namespace(self)
    g, x = opmath(grad_output), opmath(self)
    sigmoid = 1 / (1 + xp.exp(-x))
    tanh_softplus = xp.tanh(xp.log1p(xp.exp(x)))
    out = g * (tanh_softplus + x * sigmoid * (1 - tanh_softplus * tanh_softplus))
    return out.astype(grad_output.dtype, copy=False)


def _log_sigmoid_double_backward(grad, grad_output, self, F):
    """(1 - sigmoid(x))' = -sigmoid(x) (1 - sigmoid(x))."""
    z = F.sigmoid(self)
    return grad * grad_output * (z - 1) * z


@op(
    "LogSigmoidBackwardBackward0",
    grad_output=lambda grad, self, F: formula_op(F, log_sigmoid_backward)(grad, self),
    self=_log_sigmoid_double_backward,
)
def log_sigmoid_backward(grad_output, self):
    """grad * (1 - sigmoid(x)), written from z = exp(-|x|) without overflow as PyTorch's CPU
    kernel writes it (PyTorch's op also takes that buffer; here it is recomputed)."""
    xp = array_namespace(self)
    z = xp.exp(-xp.abs(self))
    return grad_output * xp.where(self < 0, 1 - z / (1 + z), z / (1 + z))


# -- gelu ---------------------------------------------------------------------------------

SQRT1_2 = math.sqrt(0.5)
GELU_PDF = 2 / math.sqrt(math.pi) * SQRT1_2 * 0.5  # 1 / sqrt(2 pi)
GELU_TANH_BETA = math.sqrt(2) * 2 / math.sqrt(math.pi) * 0.5  # sqrt(2 / pi)
GELU_TANH_KAPPA = 0.044715


def _gelu_double_backward(grad, grad_output, self, approximate, F):
    """gelu'' = 2 pdf - x^2 pdf exactly; for 'tanh' the second derivative of f g h with
    f = x / 2, g = 1 + tanh(u), h = u' (u the tanh's argument), expanded as PyTorch's
    gelu_double_backward expands it."""
    if approximate == "tanh":
        inner = GELU_TANH_BETA * (self + GELU_TANH_KAPPA * self**3)
        tanh_inner = F.tanh(inner)
        sech_inner = 1 / F.cosh(inner)
        f = 0.5 * self
        g = 1 - tanh_inner * tanh_inner
        h = GELU_TANH_BETA * (1 + 3 * GELU_TANH_KAPPA * self * self)
        f_prime_gh = 0.5 * g * h
        g_prime_fh = f * h * ((2 * sech_inner) * (-sech_inner * tanh_inner) * h)
        h_prime_fg = f * g * (6 * GELU_TANH_KAPPA * self * GELU_TANH_BETA)
        return grad * grad_output * (f_prime_gh + f_prime_gh + g_prime_fh + h_prime_fg)
    x_sq = self * self
    pdf = GELU_PDF * F.exp(-0.5 * x_sq)
    return grad * grad_output * (2 * pdf - x_sq * pdf)


@op(
    "GeluBackwardBackward0",
    grad_output=lambda grad, self, approximate, F: formula_op(F, gelu_backward)(
        grad, self, approximate
    ),
    self=_gelu_double_backward,
)
def gelu_backward(grad_output, self, approximate):
    """cdf + x * pdf exactly; for 'tanh' the derivative of its own formula."""
    xp = array_namespace(self)
    if approximate == "tanh":
        x_sq = self * self
        tanh_inner = xp.tanh(GELU_TANH_BETA * (self + GELU_TANH_KAPPA * x_sq * self))
        left = 0.5 * self
        right = 1 + tanh_inner
        inner_derivative = GELU_TANH_BETA * (1 + 3 * GELU_TANH_KAPPA * x_sq)
        right_derivative = left * (1 - tanh_inner * tanh_inner) * inner_derivative
        return grad_output * (0.5 * right + right_derivative)
    cdf = 0.5 * (1 + erf.forward(self * SQRT1_2))
    pdf = GELU_PDF * xp.exp(-0.5 * self * self)
    return grad_output * (cdf + self * pdf)


# -- glu ----------------------------------------------------------------------------------


def halves(self, dim):
    """The two halves of `self` along dim, as index tuples (work on arrays and Tensors)."""
    half = self.shape[dim] // 2
    before = (slice(None),) * dim
    return before + (slice(0, half),), before + (slice(half, None),)


def _glu_grad_output_grad(grad, self, dim, F):
    """glu_backward is linear in grad_output: its slope (glu_backward of ones), times the
    incoming gradient, each half summed into the output's shape."""
    first, second = halves(self, dim)
    shape = list(self.shape)
    shape[dim] //= 2
    ones = F.zeros(tuple(shape), grad) + 1
    slope = grad * formula_op(F, glu_backward)(ones, self, dim)
    return slope[first] + slope[second]


def _glu_double_backward(grad, grad_output, self, dim, F):
    """The second derivatives of a * sigmoid(b), composed as PyTorch's glu_double_backward."""
    first, second = halves(self, dim)
    a, gate = self[first], F.sigmoid(self[second])
    one_minus_gate = 1 - gate
    slope = gate * one_minus_gate
    grad_first, grad_second = grad[first], grad[second]
    grad_second_times_a = grad_second * a
    grad_a = grad_second * grad_output * slope
    curvature = slope * one_minus_gate - gate * slope
    grad_b = grad_second_times_a * grad_output * curvature + grad_first * grad_output * slope
    return F.cat([grad_a, grad_b], dim)


@op(
    "GluBackwardBackward0",
    grad_output=_glu_grad_output_grad,
    self=_glu_double_backward,
)
def glu_backward(grad_output, self, dim):
    """[grad * sigmoid(b), grad * a * sigmoid(b) * (1 - sigmoid(b))], a and b the halves."""
    first, second = halves(self, dim)
    a, gate = self[first], sigmoid.forward(self[second])
    return array_namespace(self).concatenate(
        [grad_output * gate, grad_output * a * gate * (1 - gate)], axis=dim
    )
