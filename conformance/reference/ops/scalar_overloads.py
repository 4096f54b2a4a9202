"""`tensor * 2` inside a derivative formula, recorded as PyTorch records it.

PyTorch's derivative formulas are C++, where `grad * 2` calls mul(Tensor, Scalar) and a
create_graph backward records MulBackward1, `1 + x` records AddBackward1, `x - 1`
SubBackward1 and `x / 2` DivBackward1; `1 - x` and `1 / x` fill a fresh tensor with the number
and subtract or divide in place (SubBackward0, DivBackward0). In Python, `x * 2` wraps the 2 in
a tensor and records MulBackward0. The engine's formulas are Python running on Tensors under
create_graph, so the operators below take the C++ overloads while `define.IN_FORMULA` says a
formula is running, and the Python ones otherwise (one integer test, only when the other
operand is a Python number).
"""

from __future__ import annotations

from conformance.reference.ops import define, pointwise
from conformance.reference.ops.define import pointwise as pointwise_op

_NUMBERS = (int, float, bool)


@pointwise_op("MulBackward1", numbers_in_float32=True, self=lambda grad, other: grad * other)
def mul_scalar(self, other):
    return self * other


@pointwise_op("AddBackward1", self=lambda grad: grad)
def add_scalar(self, other):
    return self + other


@pointwise_op("SubBackward1", self=lambda grad: grad)
def sub_scalar(self, other):
    return self - other


@pointwise_op(
    "DivBackward1", kind="float", numbers_in_float32=True, self=lambda grad, other: grad / other
)
def div_scalar(self, other):
    return self / other


# Each operator below is on the path of every `a + b` in user code: one class test first, and
# positional calls (a keyword argument sends an op through its slower binding path). They are
# Tensor's operators themselves (methods.py binds them), so each turns the op's TypeError into
# NotImplemented, as torch.Tensor's do, without a wrapper's extra call.


def add(self, other):
    try:
        if other.__class__ in _NUMBERS and define.IN_FORMULA[0]:
            return add_scalar(self, other)
        return pointwise.add(self, other)
    except TypeError:
        return NotImplemented


def sub(self, other):
    try:
        if other.__class__ in _NUMBERS and define.IN_FORMULA[0]:
            return sub_scalar(self, other)
        return pointwise.sub(self, other)
    except TypeError:
        return NotImplemented


def number_minus(number, tensor):
    """number - tensor as PyTorch's C++ operator computes it: a tensor filled with the number,
    minus the tensor (SubBackward0, with no edge to the filled one)."""
    return pointwise.sub(tensor.new_full(tensor.shape, number), tensor)


def reverse_sub(self, other):
    """number - tensor: RsubBackward1 in Python; number_minus in a formula."""
    try:
        if isinstance(other, define.Tensor):
            return pointwise.sub(other, self)
        if define.IN_FORMULA[0]:
            return number_minus(other, self)
        return pointwise.rsub_number(self, other)
    except TypeError:
        return NotImplemented


def mul(self, other):
    try:
        if other.__class__ in _NUMBERS and define.IN_FORMULA[0]:
            return mul_scalar(self, other)
        return pointwise.mul(self, other)
    except TypeError:
        return NotImplemented


def true_divide(self, other):
    try:
        if other.__class__ in _NUMBERS and define.IN_FORMULA[0]:
            return div_scalar(self, other)
        return pointwise.true_divide(self, other)
    except TypeError:
        return NotImplemented


def reverse_divide(self, other):
    """number / tensor: reciprocal then a product in Python (as PyTorch's Tensor.__rtruediv__
    does); a filled tensor divided by self in a formula."""
    try:
        if define.IN_FORMULA[0] and other.__class__ in _NUMBERS:
            return pointwise.true_divide(self.new_full(self.shape, other), self)
        return pointwise.reciprocal(self) * other  # the operator: `other` may be reflected
    except TypeError:
        return NotImplemented
