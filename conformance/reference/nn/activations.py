"""The activation functions of torch.nn.functional, with their in-place forms.

relu, sigmoid, tanh and the softmaxes call the tensor ops of the same name; most of the
others are one PyTorch kernel each, declared here as one op with its derivative beside it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn import activation_backwards as backwards
from conformance.reference.nn.common import _dim, _require_tensor
from conformance.reference.ops import scalar_conversion
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.pointwise import HALF_ARRAYS, opmath
from conformance.reference.ops.pointwise import erf as _erf
from conformance.reference.tensor import Tensor

# -- activations --------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    _require_tensor("relu", input)
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def _slope(negative_slope, array):
    """Half precision kernels read the slope in float32 (and compute in it)."""
    return np.float32(negative_slope) if array.dtype in HALF_ARRAYS else negative_slope


@op(
    "LeakyReluBackward0",
    self=lambda grad, self, negative_slope, F: formula_op(F, backwards.leaky_relu_backward)(
        grad, self, negative_slope, False
    ),
)
def _leaky_relu(self, negative_slope):
    _floating_kernel("leaky_relu_cpu", self)
    return (
        array_namespace(self)
        .where(self > 0, self, opmath(self) * _slope(negative_slope, self))
        .astype(self.dtype, copy=False)
    )


@op(
    "LeakyReluBackward1",
    self=lambda grad, result, negative_slope, F: formula_op(F, backwards.leaky_relu_backward)(
        grad, result, negative_slope, True
    ),
)
def _leaky_relu_over_self(self, negative_slope):
    """The in-place form: the input is overwritten, so the derivative reads the output (whose
    sign is the input's for a non-negative slope), as PyTorch's LeakyReluBackward1 does."""
    return _leaky_relu.forward(self, negative_slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    if inplace:
        from conformance.reference.ops import inplace as _inplace

        return _inplace.apply_inplace(input, lambda: _leaky_relu_over_self(input, negative_slope))
    return _leaky_relu(input, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


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
    return input.softmax(dim, dtype=dtype)  # (the method, as torch's: a number has none)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return input.log_softmax(dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None):
    """softmax(-input), composed as PyTorch composes it: SoftmaxBackward0 over NegBackward0
    (with dtype, the cast comes after the negation: ToCopyBackward0 between them)."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return (-input).softmax(dim, dtype=dtype)


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
    return formula_op(F, backwards.hardtanh_backward)(grad, self, min_val, max_val)


@op("HardtanhBackward0", self=_hardtanh_grad)
def _hardtanh(self, min_val, max_val):
    _check_hardtanh(self, min_val, max_val)
    return array_namespace(self).clip(self, min_val, max_val).astype(self.dtype, copy=False)


@op(
    "HardtanhBackward0",
    self=lambda grad, original, min_val, max_val, F: _hardtanh_grad(
        grad, original, min_val, max_val, F
    ),
)
def _hardtanh_over_self(self, original, min_val, max_val):
    """The in-place form: as PyTorch, the derivative reads a copy of the input taken before
    the write (see _original), and the node keeps the out-of-place name."""
    return _hardtanh.forward(self, min_val, max_val)


def _original(input: Tensor) -> Tensor:
    """What PyTorch saves for an in-place op whose derivative reads its input: a clone taken
    before the write, recorded (CloneBackward0), so a create_graph backward reaches the input
    through it. Without a graph to record there is nothing to save."""
    if input.requires_grad and grad_mode.STATE.grad_enabled:
        return input.clone()
    return input


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
        original = _original(input)
        return _in_place(input, lambda: _hardtanh_over_self(input, original, min_val, max_val))
    return _hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """hardtanh(input, 0, 6), as PyTorch computes it (HardtanhBackward0)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _elu_forward(self, alpha, scale, input_scale):
    """The ELU family's kernel (elu, and selu and celu, activation_variants.py): x * scale
    where x > 0, alpha * scale * expm1(x * input_scale) where x < 0. A zero takes the positive
    side, as PyTorch's kernel gives it: it keeps its sign whatever alpha's (the negative side
    would give elu(0, alpha=-1) = -0.0), and so does a nan."""
    _floating_kernel("elu_cpu", self)
    xp = array_namespace(self)
    x = opmath(self)
    out = xp.where(x < 0, xp.expm1(x * input_scale) * (alpha * scale), x * scale)
    return out.astype(self.dtype, copy=False)


@op(
    "EluBackward0",
    self=lambda grad, self, alpha, F: formula_op(F, backwards.elu_backward)(
        grad, alpha, 1.0, 1.0, False, self
    ),
)
def _elu(self, alpha):
    return _elu_forward(self, alpha, 1.0, 1.0)


@op(
    "EluBackward1",
    self=lambda grad, result, alpha, F: formula_op(F, backwards.elu_backward)(
        grad, alpha, 1.0, 1.0, True, result
    ),
)
def _elu_over_self(self, alpha):
    """The in-place form: its derivative reads the output (see elu_backward)."""
    return _elu_forward(self, alpha, 1.0, 1.0)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, alpha * (exp(x) - 1) elsewhere."""
    if inplace:
        return _in_place(input, lambda: _elu_over_self(input, alpha))
    return _elu(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def _silu_grad(grad, self, F):
    """As derivatives.yaml has it: silu_backward's kernel with grad mode off (an ordinary
    backward), the differentiable form, which takes the sigmoid op (SigmoidBackward0), with it
    on (create_graph)."""
    if not grad_mode.STATE.grad_enabled:
        return formula_op(F, backwards.silu_backward)(grad, self)
    sigmoid = F.sigmoid(self)
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
    return formula_op(F, backwards.softplus_backward)(grad, self, beta, threshold)


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
    return formula_op(F, backwards.log_sigmoid_backward)(grad, self)


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
    """As silu's: mish_backward's kernel with grad mode off, the sigmoid op under
    create_graph."""
    if not grad_mode.STATE.grad_enabled:
        return formula_op(F, backwards.mish_backward)(grad, self)
    sigmoid = F.sigmoid(self)
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
    """In place, the derivative reads a copy of the input from before the write (see
    _original): under create_graph threshold_backward reaches the input through it."""
    return _threshold.forward(self, threshold, value)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """`value` where input <= threshold, the input elsewhere."""
    if inplace:
        return threshold_(input, threshold, value)
    threshold, value = _in_dtype(input, threshold, value)
    return _threshold(input, threshold, value)


def _in_dtype(input: Tensor, *numbers: float) -> tuple:
    """Scalar arguments converted to input's dtype, with PyTorch's overflow check (-1.0 does
    not fit uint8)."""
    if input.dtype is dtypes.bool:
        return numbers  # (the kernel refuses bool first)
    return tuple(scalar_conversion.scalar(n, input.dtype)[()] for n in numbers)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    threshold, value = _in_dtype(input, threshold, value)
    original = _original(input)
    return _in_place(input, lambda: _threshold_over_self(input, original, threshold, value))


def _gelu_grad(grad, self, approximate, F):
    return formula_op(F, backwards.gelu_backward)(grad, self, approximate)


@op("GeluBackward0", self=_gelu_grad)
def _gelu(self, approximate):
    _floating_kernel("GeluKernelImpl", self)
    xp = array_namespace(self)
    x = opmath(self)
    if approximate == "tanh":
        inner = backwards.GELU_TANH_BETA * (x + backwards.GELU_TANH_KAPPA * x * x * x)
        out = 0.5 * x * (1 + xp.tanh(inner))
    else:
        out = x * 0.5 * (1 + _erf.forward(x * backwards.SQRT1_2))
    return out.astype(self.dtype, copy=False)


def gelu(input: Tensor, *, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF (through erf); approximate='tanh' uses
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))).

    Known departure: PyTorch's float32 (and bfloat16) CPU kernel gives nan at +inf, where this
    formula (and PyTorch's float64 and float16 kernels) give inf."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _gelu(input, approximate)


def _glu_grad(grad, self, dim, F):
    return formula_op(F, backwards.glu_backward)(grad, self, dim)


@op("GluBackward0", self=_glu_grad)
def _glu(self, dim):
    _floating_kernel("glu_cpu", self)
    first, second = backwards.halves(self, dim)
    x = opmath(self)
    out = x[first] / (1 + array_namespace(x).exp(-x[second]))
    return out.astype(self.dtype, copy=False)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), a and b the two halves of the input along dim."""
    if input.dim() == 0:  # (dim(), as torch's: a number is an AttributeError naming it)
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = _dim(dim, input.ndim)
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {dim} is size {input.shape[dim]}"
        )
    return _glu(input, dim)
