"""Tensor methods and operators, each routed to the op that implements it.

Kept apart from tensor.py so that the Tensor class stays about state, and so a reader sees in
one table which method is which op.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any

from conformance.reference import dtypes
from conformance.reference import memory_formats as formats
from conformance.reference.devices import placement
from conformance.reference.ops import (
    argument_errors,
    creation,
    define,
    inplace,
    metadata_changes,
    pointwise,
    reductions,
    scalar_overloads,
    shape,
)
from conformance.reference.ops.argument_errors import need_tensor
from conformance.reference.ops.define import PointwiseOp
from conformance.reference.tensor import Tensor
from conformance.reference.warn_once import warn_once

NUMBER = (bool, int, float, complex)


def _reversed(self: Tensor) -> Tensor:
    """x.T: the dimensions reversed; deprecated except for 2-D tensors, with one warning per
    process for 0-D tensors and one for the other sizes (1-D included), as in PyTorch."""
    if self.ndim == 0:
        warn_once(
            "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
        )
    elif self.ndim != 2:
        warn_once(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
            "deprecated and it will throw an error in a future release. Consider `x.mT` to "
            "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
            "reverse the dimensions of a tensor."
        )
    return shape.permute(self, tuple(reversed(range(self.ndim))))


def _matrix_transpose(self: Tensor) -> Tensor:
    """x.mT: the last two dimensions swapped; matrices and batches of them (a 0-D tensor is
    returned itself, with a warning once per process)."""
    if self.ndim == 0:
        warn_once(
            "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases."
        )
        return self
    if self.ndim < 2:
        raise RuntimeError(
            "tensor.mT is only supported on matrices or batches of matrices. Got "
            f"{self.ndim}-D tensor."
        )
    return shape.transpose(self, -2, -1)


def positive(input: Tensor) -> Tensor:
    """+x: the tensor itself (not a copy, no node); refused for bool, as torch refuses it."""
    if input._dtype is dtypes.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _contains(self: Tensor, element: Any) -> bool:
    """`v in x`: whether any element equals v (a tensor or a number)."""
    if not isinstance(element, Tensor | numbers.Number):
        raise RuntimeError(
            "Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
            f"{type(element)}."
        )
    return bool((element == self).any().item())


def _reversed_iteration(self: Tensor) -> Tensor:
    """reversed(x): x flipped along its first dim; a 0-dim tensor is its own reverse."""
    return self if self.ndim == 0 else self.flip(0)


def _invert(self: Tensor) -> Tensor:
    """~x: integers and bools only, refused in Python before any kernel, as torch.Tensor does."""
    if self._dtype.category > dtypes.INTEGER:
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return pointwise.bitwise_not(self)


def _power(self: Tensor, exponent: Any) -> Tensor:
    if isinstance(exponent, Tensor):
        return pointwise.pow_tensor(self, exponent)
    return pointwise.pow_number(self, exponent)


def _reverse_power(self: Tensor, base: Any) -> Tensor:
    return pointwise.pow_base_number(base, self)


def _like_other(name: str, compute: Any) -> Any:
    """x.view_as(other) and its kin take their shape or dtype from a tensor, which the
    argument parser checks first."""

    def method(self: Tensor, other: Any) -> Any:
        need_tensor(name, "other", 1, other)
        return compute(self, other)

    method.__name__ = name
    return method


def _filling(compute: Any) -> Any:
    """fill_ and zero_: in place, and allowed on expanded tensors (they read nothing)."""

    def method(self: Tensor, *args: Any) -> Tensor:
        return inplace.apply_inplace(self, lambda: compute(self, *args), check_overlap=False)

    return method


def _inplace(compute: Any) -> Any:
    """x.op_(...): PyTorch checks, in this order, that x may be changed in place (a leaf, a
    view of one), the op's own rules (no bool subtraction), that x's elements do not share
    memory, then the shapes and the result's dtype (TensorIterator), then runs the kernel."""
    name = compute.__name__ + "_"
    if isinstance(compute, PointwiseOp):
        compute = compute.in_place()
    direct = getattr(compute, "write_into", None)
    result_dtype = getattr(compute, "result_dtype", None)
    check_arguments = getattr(compute, "check_arguments", None)
    only_differentiable = getattr(compute, "records_only_differentiable_self", False)
    keyword_alpha = getattr(compute, "keyword_alpha", False)

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if keyword_alpha and (len(args) > 1 or args and "other" in kwargs):
            (_, *args), kwargs = argument_errors.positional_alpha(compute, (self, *args), kwargs)
        if direct is not None and not kwargs:
            done = direct(self, args)
            if done is not None:
                return done
        recorded = any(isinstance(a, Tensor) and a._requires_grad for a in args)
        if only_differentiable and self._dtype.category < dtypes.FLOATING:
            recorded = False
        inplace.check_writable(self, needs_graph=recorded)
        if check_arguments is not None:
            check_arguments(compute.bind((self, *args), dict(kwargs)))
        inplace.check_no_overlap(self)
        if result_dtype is not None and not kwargs:
            # PyTorch refuses a result self cannot hold before its kernel runs (so x //= 2.5 on
            # an integer x is a cast error, and b &= 1.5 on a bool b is not a missing kernel).
            result = result_dtype(self, *args)
            if not dtypes.can_cast(result, self._dtype):
                inplace.check_fits_output(self, [a for a in args if isinstance(a, Tensor)])
                inplace.check_castable(result, self)
        try:
            return inplace.apply_inplace(self, lambda: compute(self, *args, **kwargs))
        except RuntimeError as error:
            # No kernel for the dtype (NotImplementedError), or the integer division kernel's
            # zero check: PyTorch checks the shapes before either.
            if isinstance(error, NotImplementedError) or str(error) == "ZeroDivisionError":
                inplace.check_fits_output(self, [a for a in args if isinstance(a, Tensor)])
            raise

    method.__name__ = name
    return method


def _fill(self: Tensor, value: Any) -> Tensor:
    """fill_: the new value is `value` broadcast to self (FillBackward3 for a tensor value,
    which gets the gradient's sum; FillBackward2 for a number)."""
    return pointwise.filled(self, value, pointwise.fill_in_place, pointwise.fill_in_place_tensor)


def _copy(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """copy_: src broadcast to self, which it may not outgrow (PyTorch's two errors). A Python
    number is taken as the tensor torch.tensor makes of it (and wraps as that would)."""
    if isinstance(src, NUMBER):
        src = creation.tensor(src, device=self._device)
    need_tensor("copy_", "other", 1, src)
    inplace.check_no_overlap(self)  # (before the shapes, as PyTorch's copy_ checks)
    inplace.check_fits_output(self, [src])
    return pointwise.copy_from(self, src.to(self._device))


# PyTorch's copy_ (written by hand, not generated) records nothing for an integer or bool self,
# so it checks no view or leaf rule there: x_int_view.copy_(float_requiring_grad) only
# broadcasts and casts.
_copy.records_only_differentiable_self = True


def to_arguments(args: tuple, kwargs: dict) -> tuple[Any, Any, bool]:
    """(device, dtype, copy) from the ways to() is called: to(dtype), to(device),
    to(device, dtype), to(other), keywords; a positional bool is non_blocking, ignored."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype, device = arg._dtype, arg._device
        elif arg is not None and not isinstance(arg, bool):
            device = arg
    return device, dtype, copy


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """to(dtype), to(device), to(device, dtype), to(other), each with memory_format: self
    itself when nothing changes."""
    memory_format = kwargs.pop("memory_format", None)
    device, dtype, copy = to_arguments(args, kwargs)
    target_device = self._device if device is None else placement(device)
    target_dtype = self._dtype if dtype is None else dtype
    strides = None
    if memory_format is not None and memory_format is not formats.preserve_format:
        strides = formats.strides_for(memory_format, tuple(self.shape), self.stride())
        if strides == self.stride():
            strides = None  # already laid out so
    if (
        target_device == self._device
        and target_dtype is self._dtype
        and not copy
        and strides is None
    ):
        return self
    return pointwise.to_copy(self, target_dtype, target_device, strides)


def _converter(dtype: dtypes.dtype) -> Any:
    def convert(self: Tensor, memory_format: Any = None) -> Tensor:
        return to(self, dtype, memory_format=memory_format)

    return convert


METHODS = {
    "eq_": pointwise.eq_,
    "ne_": pointwise.ne_,
    "lt_": pointwise.lt_,
    "le_": pointwise.le_,
    "gt_": pointwise.gt_,
    "ge_": pointwise.ge_,
    "greater_": pointwise.greater_,
    "greater_equal_": pointwise.greater_equal_,
    "less_": pointwise.less_,
    "less_equal_": pointwise.less_equal_,
    "not_equal_": pointwise.not_equal_,
    # arithmetic
    "add": pointwise.add,
    "sub": pointwise.sub,
    "subtract": pointwise.subtract,
    "mul": pointwise.mul,
    "multiply": pointwise.multiply,
    "div": pointwise.div,
    "divide": pointwise.div,
    "true_divide": pointwise.true_divide,
    "floor_divide": pointwise.floor_divide,
    "remainder": pointwise.remainder,
    "fmod": pointwise.fmod,
    "pow": _power,
    "neg": pointwise.neg,
    "negative": pointwise.negative,
    "absolute": pointwise.absolute,
    "sgn": pointwise.sgn,
    "signbit": pointwise.signbit,
    "frac": pointwise.frac,
    "atan2": pointwise.atan2,
    "arctan2": pointwise.arctan2,
    "asinh": pointwise.asinh,
    "acosh": pointwise.acosh,
    "atanh": pointwise.atanh,
    "arcsinh": pointwise.arcsinh,
    "arccosh": pointwise.arccosh,
    "arctanh": pointwise.arctanh,
    "hypot": pointwise.hypot,
    "logaddexp": pointwise.logaddexp,
    "logaddexp2": pointwise.logaddexp2,
    "xlogy": pointwise.xlogy,
    "copysign": pointwise.copysign,
    "fmax": pointwise.fmax,
    "fmin": pointwise.fmin,
    "heaviside": pointwise.heaviside,
    "deg2rad": pointwise.deg2rad,
    "rad2deg": pointwise.rad2deg,
    "nan_to_num": pointwise.nan_to_num,
    "float_power": pointwise.float_power,
    "logit": pointwise.logit,
    "sinc": pointwise.sinc,
    "lerp": pointwise.lerp,
    "addcmul": pointwise.addcmul,
    "addcdiv": pointwise.addcdiv,
    "erf": pointwise.erf,
    "erfc": pointwise.erfc,
    "clamp_min": pointwise.clamp_min,
    "clamp_max": pointwise.clamp_max,
    "reciprocal": pointwise.reciprocal,
    "abs": pointwise.abs,
    "sign": pointwise.sign,
    "exp": pointwise.exp,
    "log": pointwise.log,
    "log1p": pointwise.log1p,
    "log2": pointwise.log2,
    "log10": pointwise.log10,
    "expm1": pointwise.expm1,
    "exp2": pointwise.exp2,
    "sinh": pointwise.sinh,
    "cosh": pointwise.cosh,
    "asin": pointwise.asin,
    "acos": pointwise.acos,
    "atan": pointwise.atan,
    "arcsin": pointwise.arcsin,
    "arccos": pointwise.arccos,
    "arctan": pointwise.arctan,
    "floor": pointwise.floor,
    "ceil": pointwise.ceil,
    "round": pointwise.round,
    "trunc": pointwise.trunc,
    "square": pointwise.square,
    "sqrt": pointwise.sqrt,
    "rsqrt": pointwise.rsqrt,
    "sin": pointwise.sin,
    "cos": pointwise.cos,
    "tan": pointwise.tan,
    "tanh": pointwise.tanh,
    "sigmoid": pointwise.sigmoid,
    "relu": pointwise.relu,
    "clamp": pointwise.clamp,
    "clip": pointwise.clamp,
    "maximum": pointwise.maximum,
    "minimum": pointwise.minimum,
    "eq": pointwise.eq,
    "ne": pointwise.ne,
    "lt": pointwise.lt,
    "le": pointwise.le,
    "gt": pointwise.gt,
    "ge": pointwise.ge,
    "greater": pointwise.greater,
    "greater_equal": pointwise.greater_equal,
    "less": pointwise.less,
    "less_equal": pointwise.less_equal,
    "not_equal": pointwise.not_equal,
    "logical_not": pointwise.logical_not,
    "logical_and": pointwise.logical_and,
    "logical_or": pointwise.logical_or,
    "logical_xor": pointwise.logical_xor,
    "bitwise_not": pointwise.bitwise_not,
    "bitwise_and": pointwise.bitwise_and,
    "bitwise_or": pointwise.bitwise_or,
    "bitwise_xor": pointwise.bitwise_xor,
    "bitwise_left_shift": pointwise.bitwise_left_shift,
    "positive": positive,
    "bitwise_right_shift": pointwise.bitwise_right_shift,
    "isnan": pointwise.isnan,
    "isinf": pointwise.isinf,
    "isfinite": pointwise.isfinite,
    "isposinf": pointwise.isposinf,
    "isneginf": pointwise.isneginf,
    "gcd": pointwise.gcd,
    "lcm": pointwise.lcm,
    "ldexp": pointwise.ldexp,
    "nextafter": pointwise.nextafter,
    "frexp": pointwise.frexp,
    "fix": pointwise.fix,
    # in place, without a graph (see comparisons.py)
    "logical_not_": pointwise.logical_not_,
    "logical_and_": pointwise.logical_and_,
    "logical_or_": pointwise.logical_or_,
    "logical_xor_": pointwise.logical_xor_,
    # reductions (more in the TENSOR_METHODS of reductions.py and its siblings)
    "sum": reductions.sum,
    "mean": reductions.mean,
    # shape
    "view": shape.view,
    "reshape": shape.reshape,
    "expand": shape.expand,
    "transpose": shape.transpose,
    "t": shape.t,
    "permute": shape.permute,
    "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze,
    "flatten": shape.flatten,
    "select": shape.select,
    "narrow": shape.narrow,
    "unbind": shape.unbind,
    "split": shape.split,
    "chunk": shape.chunk,
    "clone": shape.clone,
    # conversions
    "to": to,
    "float": _converter(dtypes.float32),
    "double": _converter(dtypes.float64),
    "half": _converter(dtypes.float16),
    "bfloat16": _converter(dtypes.bfloat16),
    "long": _converter(dtypes.int64),
    "int": _converter(dtypes.int32),
    "short": _converter(dtypes.int16),
    "char": _converter(dtypes.int8),
    "byte": _converter(dtypes.uint8),
    "bool": _converter(dtypes.bool),
    "cpu": lambda self, memory_format=None: to(self, "cpu"),
    "cuda": lambda self, device=None, non_blocking=False: to(
        self, "cuda" if device is None else device
    ),
    "new_zeros": lambda self, *size, dtype=None, device=None, requires_grad=False: creation.filled(
        size, 0, dtype or self._dtype, device or self._device, requires_grad
    ),
    "new_ones": lambda self, *size, dtype=None, device=None, requires_grad=False: creation.filled(
        size, 1, dtype or self._dtype, device or self._device, requires_grad
    ),
    "new_full": lambda self, size, fill_value, dtype=None, device=None, requires_grad=False: (
        creation.full(
            size,
            fill_value,
            dtype=dtype or self._dtype,
            device=device or self._device,
            requires_grad=requires_grad,
        )
    ),
    "new_empty": lambda self, *size, dtype=None, device=None, requires_grad=False: creation.empty(
        *size,
        dtype=dtype or self._dtype,
        device=device or self._device,
        requires_grad=requires_grad,
    ),
    "new_tensor": lambda self, data, dtype=None, device=None, requires_grad=False: creation.tensor(
        data, dtype=dtype or self._dtype, device=device or self._device, requires_grad=requires_grad
    ),
    "view_as": _like_other("view_as", lambda self, other: shape.view(self, other.shape)),
    "reshape_as": _like_other("reshape_as", lambda self, other: shape.reshape(self, other.shape)),
    "expand_as": _like_other("expand_as", lambda self, other: shape.expand(self, other.shape)),
    "type_as": _like_other("type_as", lambda self, other: to(self, other._dtype)),
    "contiguous": lambda self, memory_format=formats.contiguous_format: (
        self if self.is_contiguous(memory_format) else shape.clone(self, memory_format)
    ),
    "is_nonzero": lambda self: Tensor.__bool__(self),
    "new_empty_strided": lambda self, size, stride, *, dtype=None, device=None, **grad: (
        creation.empty_strided(
            size, stride, dtype=dtype or self._dtype, device=device or self._device, **grad
        )
    ),
    "equal": _like_other(
        "equal",
        lambda self, other: bool(
            self.shape == other.shape and pointwise.eq(self, other)._data.all()
        ),
    ),
}

IN_PLACE = {
    "add_": pointwise.add,
    "sub_": pointwise.sub,
    "mul_": pointwise.mul,
    "div_": pointwise.div,
    "divide_": pointwise.div,
    "true_divide_": pointwise.true_divide,
    "subtract_": pointwise.subtract,
    "multiply_": pointwise.multiply,
    "negative_": pointwise.negative,
    "absolute_": pointwise.absolute,
    "atan2_": pointwise.atan2,
    "arctan2_": pointwise.arctan2,
    "clamp_min_": pointwise.clamp_min,
    "clamp_max_": pointwise.clamp_max,
    "sgn_": pointwise.sgn,
    "frac_": pointwise.frac,
    "asinh_": pointwise.asinh,
    "acosh_": pointwise.acosh,
    "atanh_": pointwise.atanh,
    "arcsinh_": pointwise.arcsinh,
    "arccosh_": pointwise.arccosh,
    "arctanh_": pointwise.arctanh,
    "hypot_": pointwise.hypot,
    "xlogy_": pointwise.xlogy,
    "copysign_": pointwise.copysign,
    "heaviside_": pointwise.heaviside,
    "deg2rad_": pointwise.deg2rad,
    "rad2deg_": pointwise.rad2deg,
    "nan_to_num_": pointwise.nan_to_num,
    "float_power_": pointwise.float_power_in_place,
    "logit_": pointwise.logit,
    "sinc_": pointwise.sinc,
    "lerp_": pointwise.lerp,
    "addcmul_": pointwise.addcmul,
    "addcdiv_": pointwise.addcdiv,
    "erf_": pointwise.erf,
    "erfc_": pointwise.erfc,
    "pow_": _power,
    "floor_divide_": pointwise.floor_divide_in_place,
    "remainder_": pointwise.remainder,
    "fmod_": pointwise.fmod,
    "bitwise_and_": pointwise.bitwise_and,
    "bitwise_or_": pointwise.bitwise_or,
    "bitwise_xor_": pointwise.bitwise_xor,
    "bitwise_left_shift_": pointwise.bitwise_left_shift,
    "bitwise_right_shift_": pointwise.bitwise_right_shift,
    "bitwise_not_": pointwise.bitwise_not,
    "neg_": pointwise.neg,
    "abs_": pointwise.abs,
    "exp_": pointwise.exp,
    "log_": pointwise.log,
    "sqrt_": pointwise.sqrt,
    "sin_": pointwise.sin,
    "cos_": pointwise.cos,
    "tanh_": pointwise.tanh,
    "sigmoid_": pointwise.sigmoid,
    "relu_": pointwise.relu,
    "acos_": pointwise.acos,
    "asin_": pointwise.asin,
    "atan_": pointwise.atan,
    "arccos_": pointwise.arccos,
    "arcsin_": pointwise.arcsin,
    "arctan_": pointwise.arctan,
    "cosh_": pointwise.cosh,
    "sinh_": pointwise.sinh,
    "tan_": pointwise.tan,
    "ceil_": pointwise.ceil,
    "floor_": pointwise.floor,
    "round_": pointwise.round,
    "trunc_": pointwise.trunc,
    "fix_": pointwise.fix,
    "gcd_": pointwise.gcd,
    "lcm_": pointwise.lcm,
    "nextafter_": pointwise.nextafter,
    "ldexp_": pointwise.ldexp_in_place,
    "exp2_": pointwise.exp2,
    "expm1_": pointwise.expm1,
    "log10_": pointwise.log10,
    "log1p_": pointwise.log1p,
    "log2_": pointwise.log2,
    "reciprocal_": pointwise.reciprocal,
    "rsqrt_": pointwise.rsqrt,
    "sign_": pointwise.sign,
    "square_": pointwise.square,
    "copy_": _copy,
}

OPERATORS = {
    "__add__": scalar_overloads.add,
    "__radd__": scalar_overloads.add,
    "__sub__": scalar_overloads.sub,
    "__rsub__": scalar_overloads.reverse_sub,
    "__mul__": scalar_overloads.mul,
    "__rmul__": scalar_overloads.mul,
    "__truediv__": scalar_overloads.true_divide,
    "__rtruediv__": scalar_overloads.reverse_divide,
    "__floordiv__": pointwise.floor_divide,
    "__rfloordiv__": lambda self, other: pointwise.floor_divide(other, self),
    "__mod__": pointwise.remainder,
    "__rmod__": lambda self, other: pointwise.remainder(other, self),
    "__pow__": _power,
    "__rpow__": _reverse_power,
    "__neg__": pointwise.neg,
    "__abs__": pointwise.abs,
    "__eq__": pointwise.eq,
    "__ne__": pointwise.ne,
    "__lt__": pointwise.lt,
    "__le__": pointwise.le,
    "__gt__": pointwise.gt,
    "__ge__": pointwise.ge,
    "__and__": pointwise.bitwise_and,
    "__rand__": pointwise.bitwise_and,
    "__or__": pointwise.bitwise_or,
    "__ror__": pointwise.bitwise_or,
    "__xor__": pointwise.bitwise_xor,
    "__rxor__": pointwise.bitwise_xor,
    "__lshift__": pointwise.bitwise_left_shift,
    "__rlshift__": lambda self, other: pointwise.bitwise_left_shift(other, self),
    "__rshift__": pointwise.bitwise_right_shift,
    "__rrshift__": lambda self, other: pointwise.bitwise_right_shift(other, self),
    "__invert__": _invert,
    "__pos__": positive,
    "__contains__": _contains,
    "__reversed__": _reversed_iteration,
    "__iadd__": pointwise.add,
    "__isub__": pointwise.sub,
    "__imul__": pointwise.mul,
    "__itruediv__": pointwise.true_divide,
    "__ifloordiv__": pointwise.floor_divide_in_place,
    "__imod__": pointwise.remainder,
    "__ipow__": _power,
    "__iand__": pointwise.bitwise_and,
    "__ior__": pointwise.bitwise_or,
    "__ixor__": pointwise.bitwise_xor,
    "__ilshift__": pointwise.bitwise_left_shift,
    "__irshift__": pointwise.bitwise_right_shift,
}


UNARY_OPERATORS = frozenset(
    ("__neg__", "__pos__", "__abs__", "__invert__", "__contains__", "__reversed__")
)


def _operator(fn: Any) -> Any:
    """A binary operator as torch.Tensor has it: an operand the op refuses with a TypeError
    (a string, None, a list, an object of the user's) gives NotImplemented, so Python tries
    the other operand's reflected method and then raises its own "unsupported operand
    type(s)" error, and == and != fall back to identity. The method form (x.add("s")) still
    raises the op's TypeError."""

    def operator(self: Tensor, other: Any) -> Any:
        try:
            return fn(self, other)
        except TypeError:
            return NotImplemented

    operator.__name__ = getattr(fn, "__name__", "operator")
    operator.__doc__ = getattr(fn, "__doc__", None)
    return operator


def _method(fn: Any) -> Any:
    """Functions and Ops both bind as methods (Ops are descriptors), properties (x.H) as
    themselves; other callables are wrapped so they bind as methods too."""
    if isinstance(fn, define.Op | property) or inspect.isfunction(fn):
        return fn

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = getattr(fn, "__name__", "method")
    method.__doc__ = getattr(fn, "__doc__", None)
    return method


FILLING = {
    "fill_": _filling(_fill),
    "zero_": _filling(pointwise.zero_in_place),
}

METADATA = {
    **metadata_changes.METADATA,
    "resize_": inplace.resize,
    "resize_as_": lambda self, other: inplace.resize(self, tuple(other.shape)),
}


_clamp_inplace = _inplace(pointwise.clamp)


def _clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """clamp_: with a Python number for a bound, PyTorch's check names self's type as C++
    does ("long int"); with tensor bounds only, as the general in-place check does ("Long")."""
    if any(b is not None and not isinstance(b, Tensor) for b in (min, max)):
        result = pointwise.clamp.result_dtype(self, min, max)
        if not dtypes.can_cast(result, self._dtype):
            raise RuntimeError(
                f"result type {dtypes.scalar_type_name(result)} can't be cast to the desired "
                f"output type {dtypes.cpp_type_name(self._dtype)}"
            )
    return _clamp_inplace(self, min, max)


_clamp_.__name__ = "clamp_"


def install() -> None:
    """Bind every method; op modules may add their own through a TENSOR_METHODS table."""
    from conformance.reference.ops import (
        bessel_functions,
        complex_parts,
        counts_and_covariance,
        extremes,
        gamma_functions,
        gathering,
        grids,
        householder_product,
        index_writes,
        indexing,
        linalg,
        linalg_decompositions,
        linalg_lu,
        linalg_solvers,
        linalg_spectral,
        matrix_exponential,
        nn_functions,
        normal_distribution,
        norms,
        picking,
        random_sampling,
        rearranging,
        repeat_and_flip,
        rolls_and_tiles,
        runtime,
        scattering,
        scatters,
        searching,
        softmax,
        sorting,
        splits_and_stacks,
        statistics,
        strided,
        variance,
        view_copies,
    )

    for module in (
        reductions,
        extremes,
        variance,
        norms,
        softmax,
        shape,
        linalg,
        indexing,
        gathering,
        repeat_and_flip,
        sorting,
        rearranging,
        splits_and_stacks,
        rolls_and_tiles,
        picking,
        statistics,
        counts_and_covariance,
        linalg_decompositions,
        linalg_solvers,
        linalg_lu,
        linalg_spectral,
        scattering,
        runtime,
        scatters,
        index_writes,
        searching,
        grids,
        random_sampling,
        strided,
        gamma_functions,
        normal_distribution,
        bessel_functions,
        matrix_exponential,
        complex_parts,
        nn_functions,
        view_copies,
        householder_product,
    ):
        METHODS.update(getattr(module, "TENSOR_METHODS", {}))
        for name, fn in getattr(module, "TENSOR_IN_PLACE", {}).items():
            IN_PLACE[name] = fn
    for name, fn in METHODS.items():
        setattr(Tensor, name, _method(fn))
    for name, fn in IN_PLACE.items():
        setattr(Tensor, name, _inplace(fn))
    for name, fn in OPERATORS.items():
        if name in UNARY_OPERATORS or fn.__module__ == scalar_overloads.__name__:
            # (scalar_overloads' operators return NotImplemented themselves)
            setattr(Tensor, name, _method(fn))
        elif name.startswith("__i"):
            setattr(Tensor, name, _operator(_inplace(fn)))
        else:
            setattr(Tensor, name, _operator(fn))
    for name in ("__matmul__", "__rmatmul__"):
        setattr(Tensor, name, _operator(METHODS[name]))
    for name, fn in {**METADATA, **FILLING}.items():
        setattr(Tensor, name, fn)
    Tensor.clamp_ = Tensor.clip_ = _clamp_
    Tensor.T = property(_reversed)
    Tensor.mT = property(_matrix_transpose)
    Tensor.__hash__ = lambda self: id(self)


install()
