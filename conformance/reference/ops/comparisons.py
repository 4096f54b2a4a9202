"""Comparisons, predicates (isnan, isinf, signbit, ...), logical and bitwise ops: none has a
gradient, and most return bool tensors.
"""

from __future__ import annotations

import math

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.ops import inplace
from conformance.reference.ops.argument_errors import number_self_overloads
from conformance.reference.ops.define import op, pointwise
from conformance.reference.ops.pointwise_common import (
    _array_of,
    _no_kernel,
    opmath,
)
from conformance.reference.tensor import Tensor

_INTEGRAL = (dtypes.BOOL, dtypes.INTEGER)
# The comparisons' two schemas, as PyTorch's argument parser lists them when it refuses a call.
_COMPARISON = (
    "Tensor input, Tensor other, *, Tensor out = None",
    "Tensor input, Number other, *, Tensor out = None",
)

# The bitwise ops' three (their Number-self one has no out=).
_NUMBER_SELF = number_self_overloads("other", out=False)


@pointwise(None, kind="bool", overloads=_COMPARISON)
def eq(self, other):
    return self == other


@pointwise(None, kind="bool", overloads=_COMPARISON)
def ne(self, other):
    return self != other


@pointwise(None, kind="bool", overloads=_COMPARISON)
def lt(self, other):
    return self < other


@pointwise(None, kind="bool", overloads=_COMPARISON)
def le(self, other):
    return self <= other


@pointwise(None, kind="bool", overloads=_COMPARISON)
def gt(self, other):
    return self > other


@pointwise(None, kind="bool", overloads=_COMPARISON)
def ge(self, other):
    return self >= other


def _compare_in_place(out_of_place, compare, node):
    """x.eq_(y) and the other in-place comparisons. Unlike the out-of-place ones, PyTorch
    records them (EqBackward0 against a number, EqBackward1 against a tensor), with zero
    gradients (zeros_like in derivatives.yaml): a tensor compared in place passes no gradient
    back, where keeping its old node would pass its gradient through unchanged."""

    def forward(self, other):
        return compare(self, other).astype(self.dtype)

    zeros_for_self = lambda grad, F: F.zeros_like(grad)  # noqa: E731 - self's shape: in place
    number = op(f"{node}Backward0", self=zeros_for_self)(forward)
    tensor = op(
        f"{node}Backward1",
        self=zeros_for_self,
        other=lambda grad, other_shape, F: F.zeros(other_shape, grad),
    )(forward)

    refusing = out_of_place.in_place()  # (refuses a wrong `other` as eq_ does)

    def method(self, other):
        refusing.check_arguments((self, other))
        chosen = out_of_place
        if grad_mode.STATE.grad_enabled and (
            self.requires_grad or isinstance(other, Tensor) and other.requires_grad
        ):
            chosen = tensor if isinstance(other, Tensor) else number
            if chosen is tensor:  # (a plain op: the shapes are checked here, as PyTorch does,
                inplace.check_writable(self, needs_graph=True)  # after the leaf check)
                inplace.check_no_overlap(self)
                inplace.check_fits_output(self, [other])
        elif isinstance(other, Tensor):
            # (TensorIterator refuses a self that overlaps itself before it compares shapes)
            inplace.check_writable(self, needs_graph=False)
            inplace.check_no_overlap(self)
        return inplace.apply_inplace(self, lambda: chosen(self, other))

    method.__name__ = refusing._label
    return method


eq_ = _compare_in_place(eq, lambda a, b: a == b, "Eq")
ne_ = _compare_in_place(ne, lambda a, b: a != b, "Ne")
lt_ = _compare_in_place(lt, lambda a, b: a < b, "Lt")
le_ = _compare_in_place(le, lambda a, b: a <= b, "Le")
gt_ = _compare_in_place(gt, lambda a, b: a > b, "Gt")
ge_ = _compare_in_place(ge, lambda a, b: a >= b, "Ge")


@pointwise(None, kind="bool")
def logical_not(self):
    return array_namespace(self).logical_not(self)


@pointwise(None, kind="bool", tensors_only=True)
def logical_and(self, other):
    return array_namespace(self).logical_and(self, other)


@pointwise(None, kind="bool", tensors_only=True)
def logical_or(self, other):
    return array_namespace(self).logical_or(self, other)


@pointwise(None, kind="bool")
def isnan(self):
    return array_namespace(self).isnan(self)


@pointwise(None, kind="bool")
def isinf(self):
    return array_namespace(self).isinf(self)


@pointwise(None, kind="bool")
def isfinite(self):
    return array_namespace(self).isfinite(self)


@pointwise(None)
def bitwise_not(self):
    _no_kernel("bitwise_not_cpu", self, _INTEGRAL)
    return ~self


# (torch.bitwise_and(2, t): a Number self overload)
@pointwise(None, number_first=True, overloads=_NUMBER_SELF)
def bitwise_and(self, other):
    _no_kernel("bitwise_and_cpu", _array_of(self, other), _INTEGRAL)
    return self & other


# (torch.bitwise_or(2, t): a Number self overload)
@pointwise(None, number_first=True, overloads=_NUMBER_SELF)
def bitwise_or(self, other):
    _no_kernel("bitwise_or_cpu", _array_of(self, other), _INTEGRAL)
    return self | other


# (torch.bitwise_xor(2, t): a Number self overload)
@pointwise(None, number_first=True, overloads=_NUMBER_SELF)
def bitwise_xor(self, other):
    _no_kernel("bitwise_xor_cpu", _array_of(self, other), _INTEGRAL)
    return self ^ other


def _shift_operands(self, other):
    """Both operands as arrays of the computation dtype, and whether each shift count is out
    of range: negative (read as signed, so uint8's 255 is -1) or at least `limit`."""
    value = _array_of(self, other)
    xp, dtype = array_namespace(value), value.dtype
    a, b = xp.asarray(self).astype(dtype), xp.asarray(other).astype(dtype)
    signed = b.astype(f"i{dtype.itemsize}")
    return xp, a, b, signed


# (torch.bitwise_left_shift(2, t): a Number self overload)
@pointwise(None, number_first=True, overloads=_NUMBER_SELF)
def bitwise_left_shift(self, other):
    """a << b in two's complement (bits shifted out are lost); a count below zero or of the
    dtype's width or more gives 0, as ATen's kernel defines it (C leaves it undefined)."""
    xp, a, b, signed = _shift_operands(self, other)
    _no_kernel("lshift_cpu", a, (dtypes.INTEGER,))
    out = (signed < 0) | (signed >= 8 * a.itemsize)
    unsigned = f"u{a.itemsize}"
    count = xp.where(out, 0, b).astype(unsigned)
    shifted = (a.astype(unsigned) << count).astype(a.dtype)
    return xp.where(out, xp.zeros_like(a), shifted)


# (torch.bitwise_right_shift(2, t): a Number self overload)
@pointwise(None, number_first=True, overloads=_NUMBER_SELF)
def bitwise_right_shift(self, other):
    """a >> b, arithmetic for signed dtypes; a count out of range shifts by the width (less
    the sign bit), so it gives 0 or, for a negative signed value, -1, as ATen's kernel."""
    xp, a, b, signed = _shift_operands(self, other)
    _no_kernel("rshift_cpu", a, (dtypes.INTEGER,))
    widest = 8 * a.itemsize - (a.dtype.kind == "i")
    out = (signed < 0) | (signed >= widest)
    count = xp.where(out, 0, b).astype(a.dtype)
    filled = a >> widest if a.dtype.kind == "i" else xp.zeros_like(a)
    return xp.where(out, filled, a >> count)


@pointwise(None, kind="bool", tensors_only=True)
def logical_xor(self, other):
    return array_namespace(self).logical_xor(self, other)


def _in_place_without_graph(op):
    """logical_not_, logical_and_, logical_or_, logical_xor_: PyTorch records no node for
    them (their outputs are not differentiable), so it skips the autograd checks as well: a
    leaf that requires grad, or a view made in no_grad mode, may be changed, and the tensor
    keeps its old grad_fn. The version still goes up, and inference tensors are still refused.
    """

    refusing = op.in_place()

    def method(self, *args):
        refusing.check_arguments((self, *args))
        with grad_mode.no_grad():
            return inplace.apply_inplace(self, lambda: op(self, *args))

    method.__name__ = refusing._label
    return method


logical_not_ = _in_place_without_graph(logical_not)
logical_and_ = _in_place_without_graph(logical_and)
logical_or_ = _in_place_without_graph(logical_or)
logical_xor_ = _in_place_without_graph(logical_xor)


@pointwise(None, kind="bool")
def isposinf(self):
    return self == math.inf  # never for integers and bools


@pointwise(None, kind="bool")
def isneginf(self):
    return self == -math.inf


@pointwise(None, kind="bool")
def signbit(self):
    """Whether the sign bit is set: True for -0.0 and for a nan with its sign bit set."""
    if self.dtype.kind in "biu":
        return self < 0
    return array_namespace(self).signbit(opmath(self))


# Names PyTorch documents as aliases: the same op.
greater = gt.renamed("greater")
greater_equal = ge.renamed("greater_equal")
less = lt.renamed("less")
less_equal = le.renamed("less_equal")
not_equal = ne.renamed("not_equal")
greater_ = _compare_in_place(greater, lambda a, b: a > b, "Gt")
greater_equal_ = _compare_in_place(greater_equal, lambda a, b: a >= b, "Ge")
less_ = _compare_in_place(less, lambda a, b: a < b, "Lt")
less_equal_ = _compare_in_place(less_equal, lambda a, b: a <= b, "Le")
not_equal_ = _compare_in_place(not_equal, lambda a, b: a != b, "Ne")
