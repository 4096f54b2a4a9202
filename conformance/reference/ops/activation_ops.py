"""sigmoid and relu, and the derivative ops of tanh, sigmoid and relu: ops of their own (not
formulas) so that a create_graph backward records them as PyTorch does.
"""

from __future__ import annotations

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import pointwise
from conformance.reference.ops.pointwise_common import opmath

# tanh's, sigmoid's and relu's derivatives are ops of their own, as in PyTorch: a create_graph
# backward records TanhBackwardBackward0 and so on, and relu's gradient stays attached to the
# graph through the saved output (its own derivative there is zero, not missing).


@pointwise(
    "TanhBackwardBackward0",
    operands=("grad_output", "output"),
    grad_output=lambda grad, output, F: F.tanh_backward(grad, output),
    output=lambda grad, grad_output, output: grad * (-2 * output * grad_output),
)
def tanh_backward(grad_output, output):
    """grad * (1 - output**2), the factor rounded once as PyTorch's fused multiply-add does
    (computed exactly in float64 for float32 and narrower outputs)."""
    if output.dtype == dtypes.float64.np:
        return grad_output * (1 - output * output)
    xp = array_namespace(output)
    wide = output.astype(dtypes.float64.np)
    xp.multiply(wide, wide, out=wide)  # in place: this runs on every tanh backward
    xp.subtract(1, wide, out=wide)
    factor = wide.astype(dtypes.float32.np)
    if output.dtype == dtypes.float32.np:
        return xp.multiply(grad_output, factor, out=factor)
    return (opmath(grad_output) * factor).astype(output.dtype)


@pointwise(
    "SigmoidBackward0", kind="float", self=lambda grad, result, F: F.sigmoid_backward(grad, result)
)
def sigmoid(self):
    xp = array_namespace(self)
    # exp of a large negative input would overflow; split by sign as stable libraries do.
    work = opmath(self)
    positive = work >= 0
    z = xp.exp(-xp.abs(work))
    return xp.where(positive, 1 / (1 + z), z / (1 + z)).astype(self.dtype, copy=False)


@pointwise(
    "SigmoidBackwardBackward0",
    operands=("grad_output", "output"),
    grad_output=lambda grad, output, F: F.sigmoid_backward(grad, output),
    output=lambda grad, grad_output, output: grad * grad_output * (-2 * output + 1),
)
def sigmoid_backward(grad_output, output):
    """grad * (1 - output) * output, in PyTorch's order of multiplication. PyTorch's CPU
    kernel computes bfloat16 in float32 but float16 in float16, each product rounded."""
    if output.dtype == dtypes.float16.np:
        return grad_output * (1 - output) * output
    y = opmath(output)
    return (opmath(grad_output) * (1 - y) * y).astype(output.dtype, copy=False)


@pointwise("ReluBackward0", self=lambda grad, result, F: F.threshold_backward(grad, result, 0))
def relu(self):
    if self.dtype == bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    return array_namespace(self).maximum(self, 0).astype(self.dtype, copy=False)


@pointwise(
    "ThresholdBackwardBackward0",
    operands=("grad_output", "self"),
    grad_output=lambda grad, self, threshold, F: F.threshold_backward(grad, self, threshold),
    self=lambda grad, F: F.zeros_like(grad),
)
def threshold_backward(grad_output, self, threshold):
    """The gradient where self > threshold, zero elsewhere (a nan self passes the gradient)."""
    return (
        array_namespace(self)
        .where(self <= threshold, 0, grad_output)
        .astype(grad_output.dtype, copy=False)
    )
