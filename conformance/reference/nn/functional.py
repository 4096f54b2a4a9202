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
from conformance.reference.ops.define import formula_op, op, pointwise
from conformance.reference.ops.indexing import _add_at
from conformance.reference.ops.pointwise import erf as _erf
from conformance.reference.ops.pointwise import opmath
from conformance.reference.ops.reductions import (
    _accumulator,
    _double_on_cpu,
    _norm_grad,
    dims_of,
    vector_norm_dims,
)
from conformance.reference.ops.shape import unsafe_view
from conformance.reference.tensor import Size, Tensor

__all__ = [
    "linear",
    "relu",
    "relu_",
    "leaky_relu",
    "relu6",
    "hardtanh",
    "hardtanh_",
    "elu",
    "elu_",
    "silu",
    "softplus",
    "logsigmoid",
    "softsign",
    "mish",
    "threshold",
    "threshold_",
    "glu",
    "gelu",
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
    "one_hot",
    "embedding",
    "layer_norm",
    "pad",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "dropout",
    "batch_norm",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
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


def _masked(grad, keep, F):
    """The gradient where `keep`, zero elsewhere (an inf gradient too, which 0 * grad is not)."""
    return F.where(keep, grad, F.zeros_like(grad))


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
    sigmoid = 1 / (1 + F.exp(-self))
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
    sigmoid = 1 / (1 + F.exp(-self))
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


def _dim(dim: int, ndim: int) -> int:
    """dim in [-ndim, ndim), made non-negative; PyTorch's IndexError otherwise."""
    low, high = -max(ndim, 1), max(ndim, 1) - 1
    if not low <= dim <= high:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
        )
    return dim % max(ndim, 1)


# -- normalize and distances --------------------------------------------------------------
#
# PyTorch composes these from other ops (in Python for normalize, in C++ for the other two),
# so the graph shows those steps; the few steps that are C++ calls with a node of their own
# (clamp_min, add with a Scalar, the old at::norm) are declared here under PyTorch's names.


@op(
    "ClampMinBackward0",
    self=lambda grad, self, min, F: _masked(grad, self >= min, F),
)
def _clamp_min(self, min):  # noqa: A002
    """max(self, min), a nan staying nan; no gradient where clamped (nor at a nan)."""
    return array_namespace(self).maximum(self, min).astype(self.dtype, copy=False)


@pointwise("AddBackward1", self=lambda grad: grad)
def _add_scalar(self, other):
    """tensor + Scalar inside a PyTorch kernel (Python's `+` records AddBackward0)."""
    return self + other


@op(
    "NormBackward1",
    self=lambda grad, self, ord, result, dims, keepdim, F: _norm_grad(
        F, grad, self, ord, result, dims, keepdim
    ),
)
def _norm_dims(self, ord, dims, keepdim):
    """at::norm(self, p, dim, keepdim), which C++ code still calls: linalg.vector_norm's
    values and derivative, under the old node name."""
    return vector_norm_dims.forward(self, ord, dims, keepdim, None)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """input / max(norm(input, p, dim), eps), the norm broadcast back over dim."""
    denom = _clamp_min(input.norm(p, dim, keepdim=True), eps).expand_as(input)
    if out is not None:
        return _reference().div(input, denom, out=out)
    return input / denom


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over dim.

    As PyTorch 2.x computes it: each input is divided by its own norm first (so the result
    stays within [-1, 1] and nothing overflows), the norms cloned and clamped in place under
    no_grad, so the gradient flows through them as if unclamped.
    """
    common = dtypes.result_type(x1, x2)
    if common.category != dtypes.FLOATING:
        raise RuntimeError(
            "expected common dtype to be floating point, yet common dtype is "
            f"{scalar_type_name(common)}"
        )
    x1 = x1 if x1.dtype.category == dtypes.FLOATING else x1.to(common)
    x2 = x2 if x2.dtype.category == dtypes.FLOATING else x2.to(common)
    if x1.shape != x2.shape:  # expand_outplace: both expanded, or neither
        shape = broadcast_shapes(x1.shape, x2.shape)
        x1, x2 = x1.expand(shape), x2.expand(shape)
    reference = _reference()
    norms = []
    for x in (x1, x2):
        norm = reference.linalg.vector_norm(x, 2, dim, keepdim=True).clone()
        with reference.no_grad():
            norm.clamp_(min=eps)
        norms.append(norm)
    return ((x1 / norms[0]) * (x2 / norms[1])).sum(dim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """norm(x1 - x2 + eps, p) over the last dimension: eps keeps the norm's gradient finite
    where the inputs are equal."""
    last = max(x1.ndim, x2.ndim) - 1
    difference = _add_scalar(x1 - x2, eps)
    return _norm_dims(difference, float(p), dims_of(last, difference.ndim), keepdim)


# -- one_hot and embedding ----------------------------------------------------------------


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor with a trailing class axis: 1 at each index, 0 elsewhere. With
    num_classes=-1 the count is inferred as max + 1 (impossible for an empty input)."""
    _require_tensor("one_hot", tensor)
    if tensor.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    data = tensor._data
    xp = array_namespace(data)
    if data.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if int(data.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(data.max()) + 1
        elif num_classes <= int(data.max()):
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = (data[..., None] == xp.arange(num_classes)).astype(np.int64)
    return Tensor._wrap(out, dtypes.int64, tensor.device)


def _embedding_double_grad(grad, indices, padding_idx, F):
    """The rows the indices pick from a weight-shaped gradient, none at padding_idx (PyTorch
    ignores scale_grad_by_freq here)."""
    padded = F.unsqueeze(indices == padding_idx, -1)
    rows = grad[indices]
    return F.where(padded, F.zeros_like(rows), rows)


@op("EmbeddingDenseBackwardBackward0", grad_output=_embedding_double_grad)
def _embedding_backward(grad_output, indices, num_weights, padding_idx, scale_grad_by_freq):
    """The weight's gradient: each index's gradient row added into its row of the weight,
    none into padding_idx, each divided by how often its index occurs if asked to."""
    xp = array_namespace(grad_output)
    flat = indices.reshape(-1)
    rows = grad_output.reshape(flat.shape[0], grad_output.shape[-1])
    if scale_grad_by_freq:
        counts = xp.bincount(flat, minlength=num_weights).astype(rows.dtype)
        rows = rows / counts[flat][:, None]
    keep = flat != padding_idx
    out = xp.zeros((num_weights, grad_output.shape[-1]), grad_output.dtype)
    _add_at(out, flat[keep], rows[keep])
    return out


@op(
    "EmbeddingBackward0",
    weight=lambda grad, weight_shape, indices, padding_idx, scale_grad_by_freq, F: formula_op(
        F, _embedding_backward
    )(grad, indices, weight_shape[0], padding_idx, scale_grad_by_freq),
)
def _embedding(weight, indices, padding_idx, scale_grad_by_freq):
    return weight[indices]


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of `weight` that `input` indexes. padding_idx's row gets no gradient; with
    max_norm, the rows looked up are first renormalised in place (without a gradient)."""
    rows = weight.shape[0] if weight.ndim else 0
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= rows or padding_idx < -rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % rows if padding_idx < 0 else padding_idx
    else:
        padding_idx = -1
    if sparse:
        raise NotImplementedError("conformance.reference: sparse gradients are not supported")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if input.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)"
        )
    indices = input._data
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return _embedding(weight, input, padding_idx, scale_grad_by_freq)


def _renorm_rows(weight: Tensor, indices: Any, max_norm: float, norm_type: float) -> None:
    """embedding_renorm_: each row looked up whose norm exceeds max_norm is scaled in place
    by max_norm / (norm + 1e-7), under no_grad (the version counter moves)."""
    xp = array_namespace(indices)
    picked = xp.unique(indices.reshape(-1))
    data = weight._data
    with fp_errors.quiet():
        norms = _vector_norm_array(data[picked], float(norm_type))
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1).astype(data.dtype)
    data[picked] = data[picked] * scale[:, None]
    weight._version_counter[0] += 1


def _vector_norm_array(rows: Any, ord: float) -> Any:
    return vector_norm_dims.forward(rows, ord, (1,), False, None)


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


# -- pad ----------------------------------------------------------------------------------


@op(
    "ConstantPadNdBackward0",
    self=lambda grad, pad, F: formula_op(F, constant_pad_nd)(grad, tuple(-p for p in pad), 0),
)
def constant_pad_nd(self, pad, value=0):
    """A new array: `pad` = (left, right) pairs from the last dim backwards, a negative width
    cropping. Its gradient is the same op with the widths negated."""
    shape, source, target = list(self.shape), [slice(None)] * self.ndim, [slice(None)] * self.ndim
    for i in range(len(pad) // 2):
        dim = self.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        shape[dim] = self.shape[dim] + left + right
        source[dim] = slice(max(-left, 0), self.shape[dim] - max(-right, 0))
        kept = self.shape[dim] - max(-left, 0) - max(-right, 0)
        target[dim] = slice(max(left, 0), max(left, 0) + kept)
    out = array_namespace(self).full(shape, value, dtype=self.dtype)
    out[tuple(target)] = self[tuple(source)]
    return out


def _check_pad(input: Tensor, pad: Any) -> tuple:
    if not isinstance(pad, tuple | list):
        raise TypeError(
            f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}"
        )
    for position, width in enumerate(pad):
        if not isinstance(width, int) or isinstance(width, bool):
            raise TypeError(
                "pad(): argument 'pad' (position 2) must be tuple of ints, but found element of "
                f"type {type(width).__name__} at pos {position}"
            )
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}"
        )
    for i in range(len(pad) // 2):
        # PyTorch crops with narrow(), the left side first.
        size = input.shape[input.ndim - 1 - i]
        for width in pad[2 * i : 2 * i + 2]:
            if width < 0:
                size += width
                if size < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")
    return tuple(pad)


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative widths, crop) the last len(pad) // 2 dims: `pad` lists
    (left, right) widths starting from the last dim. Only mode='constant' is implemented."""
    if mode != "constant":
        if mode in ("reflect", "replicate", "circular"):
            raise NotImplementedError(f"conformance.reference: pad mode {mode!r} is not supported")
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    return constant_pad_nd(input, _check_pad(input, pad), 0 if value is None else value)


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
        if not loss.size:  # nan, without NumPy's "Mean of empty slice" warning
            return array_namespace(loss).full((), np.nan, loss.dtype)
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


# -- smooth L1, Huber and Kullback-Leibler ------------------------------------------------


def _smooth_l1_grad(grad, self, target, reduction, beta, F):
    """smooth_l1_loss_backward: +-1 beyond beta, (x - y) / beta within, a nan difference
    giving nan; over the element count for a mean."""
    x = self - target
    norm = _per_element(grad, math.prod(self.shape), reduction)
    return F.where(x <= -beta, -norm, F.where(x >= beta, norm, x * norm / beta))


@op(
    "SmoothL1LossBackward0",
    self=_smooth_l1_grad,
    target=lambda grad, self, target, reduction, beta, F: (
        -_smooth_l1_grad(grad, self, target, reduction, beta, F)
    ),
)
def _smooth_l1_loss(self, target, reduction, beta, dtype):
    xp = array_namespace(self)
    z = xp.abs(opmath(self.astype(dtype.np, copy=False) - target.astype(dtype.np, copy=False)))
    loss = xp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    return _reduce(loss.astype(dtype.np, copy=False), reduction)


def _loss_dtype(kernel: str, input: Tensor, target: Tensor) -> dtypes.dtype:
    """The kernel computes in the promoted dtype, which must be floating."""
    dtype = dtypes.result_type(input, target)
    if dtype.category != dtypes.FLOATING:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}'")
    return dtype


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 * (x - y)**2 / beta where |x - y| < beta, |x - y| - 0.5 * beta elsewhere. With
    beta == 0 it is l1_loss, and PyTorch calls l1_loss (its graph shows abs and mean)."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _broadcast(input, target)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    dtype = _loss_dtype("smooth_l1_cpu", input, target)
    return _smooth_l1_loss(input, target, reduction, beta, dtype)


def _huber_grad(grad, self, target, reduction, delta, F):
    x = self - target
    norm = _per_element(grad, math.prod(self.shape), reduction)
    return F.where(x <= -delta, -norm * delta, F.where(x >= delta, norm * delta, x * norm))


@op(
    "HuberLossBackward0",
    self=_huber_grad,
    target=lambda grad, self, target, reduction, delta, F: (
        -_huber_grad(grad, self, target, reduction, delta, F)
    ),
)
def _huber_loss(self, target, reduction, delta, dtype):
    xp = array_namespace(self)
    z = xp.abs(opmath(self.astype(dtype.np, copy=False) - target.astype(dtype.np, copy=False)))
    loss = xp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    return _reduce(loss.astype(dtype.np, copy=False), reduction)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """0.5 * (x - y)**2 where |x - y| < delta, delta * (|x - y| - 0.5 * delta) elsewhere:
    smooth_l1_loss times delta. A weight multiplies each loss (a mean divides by the count,
    not by the weights' sum)."""
    _warn_size(input, target)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    input, target = _broadcast(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    dtype = _loss_dtype("huber_cpu", input, target)
    if input.dtype.category < dtypes.FLOATING:  # the output is allocated like the input
        raise RuntimeError(
            f"result type {scalar_type_name(dtype)} can't be cast to the desired output type "
            f"{scalar_type_name(input.dtype)}"
        )
    if weight is None:
        return _huber_loss(input, target, reduction, delta, dtype)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = _huber_loss(input, target, "none", delta, dtype) * weight
    if reduction == "none":
        return weighted
    return weighted.sum() if reduction == "sum" else weighted.mean()


@pointwise(
    "XlogyBackward0",
    kind="float",
    self=lambda grad, self, other, F: grad * formula_op(F, _xlogy)(self != 0, other),
    other=lambda grad, self, other: grad * self / other,
)
def _xlogy(self, other):
    """self * log(other), 0 where self == 0 (even where log(other) is -inf or nan), nan where
    other is nan (torch.xlogy)."""
    xp = array_namespace(other)
    product = xp.where(self == 0, 0, self * xp.log(other))
    return xp.where(xp.isnan(other), other, product).astype(product.dtype, copy=False)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """The pointwise KL divergence target * (log(target) - input), the input being
    log-probabilities (and the target too with log_target). 'batchmean' sums and divides by
    the batch size, as the mathematical definition does; 'mean' divides by every element and
    warns about it."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    if reduction not in (*_REDUCTIONS, "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if input.dtype.category < dtypes.FLOATING or target.dtype.category < dtypes.FLOATING:
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        output = _reference().exp(target) * (target - input)
    else:
        output = _xlogy(target, target) - target * input
    if reduction == "mean":
        return output.mean()
    if reduction in ("sum", "batchmean"):
        output = output.sum()
    if reduction == "batchmean" and input.ndim != 0:
        output = output / input.shape[0]
    return output


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
