"""Ops that pick, per element, one of their operands (or a bound): clamp and its one-sided
forms, maximum and minimum, fmax and fmin (which ignore a nan), and where. Their gradients go
to the side that was picked.
"""

from __future__ import annotations

from conformance.reference.devices import array_namespace
from conformance.reference.ops.argument_errors import invalid_arguments, need_tensor
from conformance.reference.ops.define import is_number, pointwise
from conformance.reference.ops.pointwise_common import (
    _NUMBERS,
    _is_tensor,
    _no_kernel,
)

_CLAMP_OVERLOADS = (
    "Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None",
    "Tensor input, Number min = None, Number max = None, *, Tensor out = None",
)


def _bounds_alike(self, min=None, max=None):  # noqa: A002
    """Both bounds tensors or both numbers (either may be None): PyTorch has no overload for
    one of each."""
    if (
        _is_tensor(min)
        and max is not None
        and not _is_tensor(max)
        or (_is_tensor(max) and min is not None and not _is_tensor(min))
    ):
        raise invalid_arguments("clamp", _CLAMP_OVERLOADS, (self, min, max))


def _within_bounds(grad, self, min, max, F):  # noqa: A002
    """clamp's gradient for self: where self lies within the bounds given, ties included."""
    lower = self >= min if min is not None else None
    upper = self <= max if max is not None else None
    within = upper if lower is None else lower if upper is None else lower & upper
    return F.where(within, grad, 0)


def _clamp(self, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if hasattr(min, "dtype") or hasattr(max, "dtype"):  # (tensor bounds: one kernel, no bools)
        _no_kernel("clamp_cpu", self, _NUMBERS)
    return array_namespace(self).clip(self, min, max).astype(self.dtype, copy=False)


clamp_number = pointwise(
    "ClampBackward1", operands=("self", "min", "max"), check=_bounds_alike, self=_within_bounds
)(_clamp)

# With tensor bounds each bound gets a gradient where it is the one picked; where min > max
# the result is max everywhere, so max gets it all (PyTorch's clamp_backward_min_max).
clamp_tensor = pointwise(
    "ClampBackward0",
    operands=("self", "min", "max"),
    check=_bounds_alike,
    self=_within_bounds,
    min=lambda grad, self, min, max, F: F.where(
        self < min if max is None else (self < min) & (min < max), grad, 0
    ),
    max=lambda grad, self, min, max, F: F.where(
        self > max if min is None else (self > max) | (max < min), grad, 0
    ),
)(_clamp)


def _passes_as_number(bound):
    """PyTorch's argument parser takes a zero-dimensional tensor that does not require grad
    for a Number, so one may sit beside a number bound."""
    return _is_tensor(bound) and bound.ndim == 0 and not bound.requires_grad


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    """Each element of input held within [min, max]. Tensor bounds (ClampBackward0) get
    gradients of their own; number bounds (ClampBackward1) none."""
    if _is_tensor(min) != _is_tensor(max) and min is not None and max is not None:
        if _passes_as_number(min):
            min = min.item()  # noqa: A001
        elif _passes_as_number(max):
            max = max.item()  # noqa: A001
    op = clamp_tensor if _is_tensor(min) or _is_tensor(max) else clamp_number
    return op(input, min, max) if out is None else op(input, min, max, out=out)


# The in-place form checks the result dtype first (x.clamp_(0.5) on integers is a cast error).
clamp.result_dtype = lambda self, min=None, max=None: (  # noqa: A006
    clamp_tensor if _is_tensor(min) or _is_tensor(max) else clamp_number
).result_dtype(self, min, max)


def _extremum_grad(F, grad, self, other, loses):
    """Half the gradient to each side of a tie, none to the side that `loses`, all of it
    otherwise: so where a nan is compared (no tie, no loser) both sides get it all."""
    return F.where(loses, 0, F.where(self == other, grad / 2, grad))


@pointwise(
    "MaximumBackward0",
    tensors_only=True,
    self=lambda grad, self, other, F: _extremum_grad(F, grad, self, other, self < other),
    other=lambda grad, self, other, F: _extremum_grad(F, grad, self, other, self > other),
)
def maximum(self, other):
    return array_namespace(self).maximum(self, other)


@pointwise(
    "MinimumBackward0",
    tensors_only=True,
    self=lambda grad, self, other, F: _extremum_grad(F, grad, self, other, self > other),
    other=lambda grad, self, other, F: _extremum_grad(F, grad, self, other, self < other),
)
def minimum(self, other):
    return array_namespace(self).minimum(self, other)


@pointwise(
    "WhereBackward0",
    operands=("self", "other"),
    number_first=True,
    self=lambda grad, condition, F: F.where(condition, grad, 0),
    other=lambda grad, condition, F: F.where(condition, 0, grad),
)
def where_values(condition, self, other):
    return array_namespace(condition).where(condition, self, other)


_WHERE = (
    "Tensor condition",
    "Tensor condition, Tensor input, Tensor other, *, Tensor out = None",
    "Tensor condition, Number self, Tensor other",
    "Tensor condition, Tensor input, Number other",
    "Tensor condition, Number self, Number other",
)


def where(condition, input=None, other=None):  # noqa: A002
    """torch.where(condition, input, other); with one argument, the indices of nonzeros."""
    if input is None and other is None:
        need_tensor("where", "condition", 1, condition)
        return condition.nonzero(as_tuple=True)
    if not _array_like(condition) or not all(
        _array_like(v) or is_number(v) for v in (input, other)
    ):
        raise invalid_arguments("where", _WHERE, (condition, input, other))
    if not _is_tensor(input) and not _is_tensor(other) and _is_tensor(condition):
        # Two Python numbers: the result has their dtype (bool, int64 or the default float,
        # promoted together) and the condition's shape and device.
        from conformance.reference.ops.creation import tensor

        input = tensor(input, device=condition.device)  # noqa: A001
    return where_values(_as_condition(condition), input, other)


def _array_like(value):
    """A tensor, or an array (the engine's own derivative formulas call where on arrays)."""
    return _is_tensor(value) or hasattr(value, "dtype")


def _as_condition(condition):
    if _is_tensor(condition):
        return condition._data.astype(bool, copy=False)
    return condition


@pointwise(
    "ClampMinBackward0",
    operands=("self", "min"),
    self=lambda grad, self, min, F: F.where(self >= min, grad, 0),
)
def clamp_min_number(self, min):  # noqa: A002
    _no_kernel("clamp_min_scalar_cpu", self, _NUMBERS)
    return array_namespace(self).maximum(self, min)


@pointwise(
    "ClampMinBackward1",
    self=lambda grad, self, min, F: F.where(self >= min, grad, 0),
    min=lambda grad, self, min, F: F.where(self < min, grad, 0),
)
def clamp_min_tensor(self, min):  # noqa: A002
    return array_namespace(self).maximum(self, min)


@pointwise(
    "ClampMaxBackward0",
    operands=("self", "max"),
    self=lambda grad, self, max, F: F.where(self <= max, grad, 0),
)
def clamp_max_number(self, max):  # noqa: A002
    _no_kernel("clamp_max_scalar_cpu", self, _NUMBERS)
    return array_namespace(self).minimum(self, max)


@pointwise(
    "ClampMaxBackward1",
    self=lambda grad, self, max, F: F.where(self <= max, grad, 0),
    max=lambda grad, self, max, F: F.where(self > max, grad, 0),
)
def clamp_max_tensor(self, max):  # noqa: A002
    return array_namespace(self).minimum(self, max)


def clamp_min(input, min):  # noqa: A002
    """max(input, min); a nan on either side gives nan. A tensor bound gets its own gradient
    (ClampMinBackward1), a number bound none (ClampMinBackward0)."""
    return (clamp_min_tensor if _is_tensor(min) else clamp_min_number)(input, min)


def clamp_max(input, max):  # noqa: A002
    """min(input, max), as clamp_min."""
    return (clamp_max_tensor if _is_tensor(max) else clamp_max_number)(input, max)


@pointwise(
    "FmaxBackward0",
    tensors_only=True,
    self=lambda grad, self, other, F: F.where((self >= other) | (other != other), grad, 0),
    other=lambda grad, self, other, F: F.where((self >= other) | (other != other), 0, grad),
)
def fmax(self, other):
    """maximum that ignores a nan on one side (nan only if both are); a tie goes to self."""
    return array_namespace(self).fmax(self, other)


@pointwise(
    "FminBackward0",
    tensors_only=True,
    self=lambda grad, self, other, F: F.where((self <= other) | (other != other), grad, 0),
    other=lambda grad, self, other, F: F.where((self <= other) | (other != other), 0, grad),
)
def fmin(self, other):
    """minimum that ignores a nan on one side, as fmax."""
    return array_namespace(self).fmin(self, other)


clip = clamp  # PyTorch's alias: the same op, so the same node (ClampBackward1)
