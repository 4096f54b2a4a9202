"""nn.Parameter and nn.Buffer: tensors that a Module registers when they are assigned to it.

A Parameter is a Tensor subclass, made the way PyTorch's `_make_subclass` makes it: it shares the
memory and the version counter of the tensor it wraps (as `detach()` does), is always a leaf,
and requires grad unless told otherwise. Ops on a Parameter return plain Tensors, because every
op builds its result with `Tensor._wrap`.
"""

from __future__ import annotations

from typing import Any

from conformance.reference import dtypes
from conformance.reference.tensor import Tensor


class _ParameterMeta(type):
    """isinstance(t, Parameter) also holds for tensors flagged `_is_param`, as in PyTorch."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if (
            cls is Parameter
            and isinstance(instance, Tensor)
            and instance.__dict__.get("_is_param", False)
        ):
            return True
        return super().__instancecheck__(instance)


class Parameter(Tensor, metaclass=_ParameterMeta):
    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            from conformance.reference.ops.creation import empty

            data = empty(0)
        param = object.__new__(cls)
        Tensor._init(param, data._data, data._dtype, data._device)
        # Shares memory and version counter with `data`, like detach(); never a view for autograd.
        param._version_counter = data._version_counter
        param._inference = data._inference
        if requires_grad and data._dtype.category < dtypes.FLOATING:
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        # Parameter(t) requires grad even under no_grad: the flag is set, not recorded.
        param._requires_grad = bool(requires_grad)
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        """Built in __new__; overriding __init__ keeps Tensor.__init__ off the built object."""

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        data = Tensor._wrap(self._data.copy(), self._dtype, self._device)
        result = type(self)(data, self._requires_grad)
        if self._grad is not None:
            result._grad = self._grad.__deepcopy__(memo)
        result.__dict__.update(self.__dict__)
        memo[id(self)] = result
        return result


class _BufferMeta(type):
    """nn.Buffer(t) returns a plain tensor flagged as a buffer; isinstance checks the flag."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Buffer:
            return isinstance(instance, Tensor) and instance.__dict__.get("_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(metaclass=_BufferMeta):
    """A tensor that a Module registers as a buffer (not a parameter) when assigned to it."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Any:
        if data is None:
            from conformance.reference.ops.creation import empty

            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


def is_lazy(param: Any) -> bool:
    """No lazy (uninitialised) parameters here."""
    return False
