"""The activation functions of torch.nn.functional, with their in-place forms.

relu, sigmoid, tanh and the softmaxes call the tensor ops of the same name; most of the
others are one PyTorch kernel each, declared here as one op with its derivative beside it.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.common import _dim, _masked, _reference, _require_tensor
from conformance.reference.ops.define import op
from conformance.reference.ops.pointwise import erf as _erf
from conformance.reference.ops.pointwise import opmath
from conformance.reference.tensor import Tensor

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


# -- more activations ---------------------------------------------------------------------
#
# Each of these is one PyTorch CPU kernel with a backward node of its own. The forwards follow
# the kernels' formulas (in float32 for float16 and bfloat16, rounded once), so the values at
# 0, inf and nan are PyTorch's; the derivatives are the formulas of its *_backward kernels.


def _floating_kernel(kernel: str, array: Any) -> None:
    """These kernels exist for floating dtypes only: PyTorch's NotImplementedError otherwise."""
    dtype = dtypes.from_numpy_dtype(array.dtype)
    if dtype.category != dtypes.FLOATING:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}'")


def _check_hardtanh(self, min_val, max_val):
    if self.dtype == bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    # The limits are converted to the integer type first: -0.5 becomes 0, and passes.
    if self.dtype.kind == "u" and (int(min_val) < 0 or int(max_val) < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")


def _hardtanh_grad(grad, self, min_val, max_val, F):
    """hardtanh_backward: the gradient strictly between the limits, none at or beyond them,
    and none at a nan input, as PyTorch's vectorised CPU loop decides. (Its scalar loop, which
    only takes the last few elements that do not fill a vector, passes a nan's gradient.)"""
    return _masked(grad, (self > min_val) & (self < max_val), F)


@op("HardtanhBackward0", self=_hardtanh_grad)
def _hardtanh(self, min_val, max_val):
    _check_hardtanh(self, min_val, max_val)
    return array_namespace(self).clip(self, min_val, max_val).astype(self.dtype, copy=False)


@op(
    "HardtanhBackward0",
    self=lambda grad, result, min_val, max_val, F: _hardtanh_grad(
        grad, result, min_val, max_val, F
    ),
)
def _hardtanh_over_self(self, min_val, max_val):
    """The in-place form reads its output: clamped, it is at a limit exactly where the input
    was at or beyond it, so the gradient is the same (PyTorch keeps the node's name)."""
    return _hardtanh.forward(self, min_val, max_val)


def _in_place(input: Tensor, compute: Any) -> Tensor:
    from conformance.reference.ops import inplace as _inplace

    return _inplace.apply_inplace(input, compute)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """Clamp to [min_val, max_val], with a node of its own (not clamp's)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _in_place(input, lambda: _hardtanh_over_self(input, min_val, max_val))
    return _hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """hardtanh(input, 0, 6), as PyTorch computes it (HardtanhBackward0)."""
    return hardtanh(input, 0.0, 6.0, inplace)


@op(
    "EluBackward0",
    self=lambda grad, self, alpha, F: F.where(self <= 0, grad * alpha * F.exp(self), grad),
)
def _elu(self, alpha):
    _floating_kernel("elu_cpu", self)
    xp = array_namespace(self)
    x = opmath(self)
    return xp.where(x <= 0, xp.expm1(x) * alpha, x).astype(self.dtype, copy=False)


def _elu_result_grad(grad, result, alpha, F):
    """From the output: alpha * exp(x) is result + alpha where x <= 0, which only holds for a
    positive alpha; PyTorch refuses the rest when the backward runs."""
    if alpha < 0:
        raise RuntimeError(
            "In-place elu backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead."
        )
    return F.where(result <= 0, grad * (result + alpha), grad)


@op("EluBackward1", self=_elu_result_grad)
def _elu_over_self(self, alpha):
    return _elu.forward(self, alpha)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, alpha * (exp(x) - 1) elsewhere."""
    if inplace:
        return _in_place(input, lambda: _elu_over_self(input, alpha))
    return _elu(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def _silu_grad(grad, self, F):
    """silu_backward's kernel, or under create_graph PyTorch's differentiable form, which
    takes the sigmoid op (SigmoidBackward0)."""
    sigmoid = F.sigmoid(self) if F.records_graph else 1 / (1 + F.exp(-self))
    return grad * sigmoid * (1 + self * (1 - sigmoid))


@op("SiluBackward0", self=_silu_grad)
def _silu(self):
    _floating_kernel("silu_cpu", self)
    x = opmath(self)
    return (x / (1 + array_namespace(x).exp(-x))).astype(self.dtype, copy=False)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x), computed as PyTorch's kernel does: x / (1 + exp(-x))."""
    if inplace:
        return _in_place(input, lambda: _silu(input.clone()))
    return _silu(input)


def _softplus_grad(grad, self, beta, threshold, F):
    """Beyond the threshold the forward is the identity, and so is the gradient."""
    z = F.exp(self * beta)
    return F.where(self * beta > threshold, grad, grad * z / (z + 1))


@op("SoftplusBackward0", self=_softplus_grad)
def _softplus(self, beta, threshold):
    _floating_kernel("softplus_cpu", self)
    xp = array_namespace(self)
    x = opmath(self)
    scaled = x * beta
    out = xp.where(scaled > threshold, x, xp.log1p(xp.exp(scaled)) / beta)
    return out.astype(self.dtype, copy=False)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    return _softplus(input, beta, threshold)


def _log_sigmoid_grad(grad, self, F):
    """log_sigmoid_backward, from z = exp(-|x|): 1 - sigmoid(x) written without overflow."""
    negative = self < 0
    z = F.exp(-F.abs(self))
    return grad * F.where(negative, 1 - z / (1 + z), z / (1 + z))


@op("LogSigmoidBackward0", self=_log_sigmoid_grad)
def _logsigmoid(self):
    _floating_kernel("log_sigmoid_cpu", self)
    xp = array_namespace(self)
    x = opmath(self)
    out = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))
    return out.astype(self.dtype, copy=False)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow for large |x|."""
    return _logsigmoid(input)


def softsign(input: Tensor) -> Tensor:
    """PyTorch composes it in Python: input / (input.abs() + 1)."""
    return input / (input.abs() + 1)


def _mish_grad(grad, self, F):
    """As silu's: the sigmoid op under create_graph."""
    sigmoid = F.sigmoid(self) if F.records_graph else 1 / (1 + F.exp(-self))
    tanh_softplus = F.tanh(F.log1p(F.exp(self)))
    return grad * (tanh_softplus + self * sigmoid * (1 - tanh_softplus * tanh_softplus))


@op("MishBackward0", self=_mish_grad)
def _mish(self):
    _floating_kernel("mish_cpu", self)
    xp = array_namespace(self)
    x = opmath(self)
    return (x * xp.tanh(xp.log1p(xp.exp(x)))).astype(self.dtype, copy=False)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)), the softplus without a threshold."""
    if inplace:
        return _in_place(input, lambda: _mish(input.clone()))
    return _mish(input)


@op(
    "ThresholdBackward0",
    self=lambda grad, self, threshold, F: F.threshold_backward(grad, self, threshold),
)
def _threshold(self, threshold, value):
    if self.dtype == bool:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    xp = array_namespace(self)
    return xp.where(self <= threshold, value, self).astype(self.dtype, copy=False)


@op(
    "ThresholdBackward1",
    self=lambda grad, original, threshold, F: F.threshold_backward(grad, original, threshold),
)
def _threshold_over_self(self, original, threshold, value):
    """In place, PyTorch saves a copy of the input from before the write (`original`, passed
    detached: threshold_backward's own derivative in its input is zero anyway)."""
    return _threshold.forward(self, threshold, value)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """`value` where input <= threshold, the input elsewhere."""
    if inplace:
        return threshold_(input, threshold, value)
    return _threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    original = input.detach().clone()
    return _in_place(input, lambda: _threshold_over_self(input, original, threshold, value))


_SQRT1_2 = math.sqrt(0.5)
_GELU_PDF = 2 / math.sqrt(math.pi) * _SQRT1_2 * 0.5  # 1 / sqrt(2 pi)
_GELU_TANH_BETA = math.sqrt(2) * 2 / math.sqrt(math.pi) * 0.5  # sqrt(2 / pi)
_GELU_TANH_KAPPA = 0.044715


def _gelu_grad(grad, self, approximate, F):
    """gelu_backward: cdf + x * pdf exactly; for 'tanh' the derivative of its own formula."""
    if approximate == "tanh":
        x_sq = self * self
        tanh_inner = F.tanh(_GELU_TANH_BETA * (self + _GELU_TANH_KAPPA * x_sq * self))
        left = 0.5 * self
        right = 1 + tanh_inner
        inner_derivative = _GELU_TANH_BETA * (1 + 3 * _GELU_TANH_KAPPA * x_sq)
        right_derivative = left * (1 - tanh_inner * tanh_inner) * inner_derivative
        return grad * (0.5 * right + right_derivative)
    cdf = 0.5 * (1 + F.erf(self * _SQRT1_2))
    pdf = _GELU_PDF * F.exp(-0.5 * self * self)
    return grad * (cdf + self * pdf)


@op("GeluBackward0", self=_gelu_grad)
def _gelu(self, approximate):
    _floating_kernel("GeluKernelImpl", self)
    xp = array_namespace(self)
    x = opmath(self)
    if approximate == "tanh":
        inner = _GELU_TANH_BETA * (x + _GELU_TANH_KAPPA * x * x * x)
        out = 0.5 * x * (1 + xp.tanh(inner))
    else:
        out = x * 0.5 * (1 + _erf.forward(x * _SQRT1_2))
    return out.astype(self.dtype, copy=False)


def gelu(input: Tensor, *, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF (through erf); approximate='tanh' uses
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))).

    Known departure: PyTorch's float32 (and bfloat16) CPU kernel gives nan at +inf, where this
    formula (and PyTorch's float64 and float16 kernels) give inf."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _gelu(input, approximate)


def _halves(self, dim):
    """The two halves of `self` along dim, as index tuples (work on arrays and Tensors)."""
    half = self.shape[dim] // 2
    before = (slice(None),) * dim
    return before + (slice(0, half),), before + (slice(half, None),)


def _glu_grad(grad, self, dim, F):
    first, second = _halves(self, dim)
    a, gate = self[first], F.sigmoid(self[second])
    return F.cat([grad * gate, grad * a * gate * (1 - gate)], dim)


@op("GluBackward0", self=_glu_grad)
def _glu(self, dim):
    _floating_kernel("glu_cpu", self)
    first, second = _halves(self, dim)
    x = opmath(self)
    out = x[first] / (1 + array_namespace(x).exp(-x[second]))
    return out.astype(self.dtype, copy=False)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), a and b the two halves of the input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = _dim(dim, input.ndim)
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {dim} is size {input.shape[dim]}"
        )
    return _glu(input, dim)
