"""nn.Parameter and nn.Buffer: tensors that a Module registers when they are assigned to it;
and their placeholders of a shape not known yet, UninitializedParameter and UninitializedBuffer
(what the lazy modules hold until their first forward).

A Parameter is a Tensor subclass, made the way PyTorch's `_make_subclass` makes it: it shares the
memory and the version counter of the tensor it wraps (as `detach()` does), is always a leaf,
and requires grad unless told otherwise. Ops on a Parameter return plain Tensors, because every
op builds its result with `Tensor._wrap`.
"""

from __future__ import annotations

import sys
from typing import Any

from conformance.reference import dtypes
from conformance.reference.tensor import Size, Tensor


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


# -- uninitialised parameters and buffers (the lazy modules' placeholders) --------------------

_DATA_SLOT = Tensor.__dict__["_data"]
_READABLE = [0]  # above zero while an allowed method or a property runs
# The engine's modules that stand for torch's own Python code, which handles placeholders as
# objects (Module, the lazy modules, optimizers). The engine's other modules stand for torch's
# kernels, which a placeholder never reaches: PyTorch refuses the call before any of them runs.
_PYTHON_LEVEL = (
    "conformance.reference.nn.module",
    "conformance.reference.nn.lazy",
    "conformance.reference.nn.parameter",
    "conformance.reference.nn.containers",
    "conformance.reference.nn.utils",
    "conformance.reference.optim",
)


def _asked_by_an_op(frame: Any) -> bool:
    """Whether the code in `frame` is one of the engine's ops (see _PYTHON_LEVEL)."""
    caller = frame.f_globals.get("__name__", "")
    return caller.startswith("conformance.reference.") and not caller.startswith(_PYTHON_LEVEL)


def _readable(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs) with the data of uninitialised tensors readable."""
    _READABLE[0] += 1
    try:
        return fn(*args, **kwargs)
    finally:
        _READABLE[0] -= 1


# What the refusal names when it is not a method: torch prints the function's Python object.
_AN_OP = "an operation on it"


def _refusal(cls: type, func: str) -> ValueError:
    return ValueError(
        f"Attempted to use an uninitialized parameter in {func}. This error happens when you are "
        "using a `LazyModule` or explicitly manipulating "
        f"`torch.nn.parameter.{cls.__name__}` objects. When using LazyModules Call `forward` "
        "with a dummy batch to initialize the parameters before calling torch functions"
    )


class UninitializedTensorMixin:
    """A placeholder whose shape is not known yet: it holds an empty tensor that only a few
    methods may touch (PyTorch's `_allowed_methods`: size, copy_, the dtype and device
    conversions), so a lazy module can be moved and cast before its first forward.

    PyTorch refuses everything else in `__torch_function__`, with a ValueError, before any
    kernel runs. Here the gate is `__getattribute__`: a public Tensor method looked up on the
    placeholder is refused by name (as torch names it), and an op of the engine (operators,
    torch.* and nn functions, in-place methods) is refused at its first look at the
    placeholder, whatever attribute it reads; the `_data` property refuses whatever else would
    read the data. Properties (dtype, device, requires_grad, ndim, data, ...) are allowed to
    user code and to Module, as in PyTorch, except `shape`, which PyTorch overrides to say why.
    """

    __slots__ = ()
    _allowed_methods = frozenset(
        {
            "size",
            "copy_",
            "is_complex",
            "is_floating_point",
            "half",
            "float",
            "double",
            "char",
            "short",
            "int",
            "long",
            "cuda",
            "cpu",
            "to",
        }
    )
    cls_to_become: type

    @property
    def _data(self) -> Any:
        if _READABLE[0]:
            return _DATA_SLOT.__get__(self)
        raise _refusal(type(self), _AN_OP)

    @_data.setter
    def _data(self, value: Any) -> None:
        _DATA_SLOT.__set__(self, value)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__") or _READABLE[0]:
            return object.__getattribute__(self, name)
        if _asked_by_an_op(sys._getframe(1)):
            # Any attribute, even the dtype: an op must not validate the placeholder (and
            # raise its own error) before refusing it, as torch refuses first.
            raise _refusal(type(self), _AN_OP)
        if name.startswith("_"):
            return object.__getattribute__(self, name)
        on_tensor = getattr(Tensor, name, None)
        if on_tensor is None or getattr(type(self), name, None) is not on_tensor:
            return object.__getattribute__(self, name)  # the placeholder's own, or set on it
        if isinstance(on_tensor, property):
            return self._keep_kind(_readable(object.__getattribute__, self, name))
        if not callable(on_tensor):
            return object.__getattribute__(self, name)
        if name not in UninitializedTensorMixin._allowed_methods:
            raise _refusal(type(self), f"<method '{name}' of 'torch._C.TensorBase' objects>")

        def allowed(*args: Any, **kwargs: Any) -> Any:
            return self._keep_kind(_readable(on_tensor, self, *args, **kwargs))

        return allowed

    def __setattr__(self, name: str, value: Any) -> None:
        # Setters may read the data (grad's checks its shape); PyTorch allows them all.
        _readable(object.__setattr__, self, name, value)

    def _keep_kind(self, result: Any) -> Any:
        """What an allowed method or a property returns; UninitializedBuffer overrides it."""
        return result

    @property
    def shape(self) -> Size:
        if _READABLE[0]:
            return Size(_DATA_SLOT.__get__(self).shape)
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes."
        )

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give it data of `shape` (uninitialised memory, as torch.empty) on its device and
        dtype unless told otherwise, and make it a `cls_to_become` in place: the same object,
        so an optimizer built before the first forward holds the materialised parameter."""
        from conformance.reference.ops.creation import empty

        if device is None:
            device = self.data.device
        if dtype is None:
            dtype = self.data.dtype
        if self.requires_grad and dtype.category < dtypes.FLOATING:
            # PyTorch's `.data =` refuses this before the class changes.
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or complex "
                "dtype"
            )
        self.data = empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    def share_memory_(self) -> None:
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: int) -> Any:
        """Pickled as a fresh placeholder that keeps only requires_grad (dtype and device are
        not kept), as in PyTorch."""
        return (type(self), (self.requires_grad,))


def is_lazy(param: Any) -> bool:
    """Whether `param` is an UninitializedParameter or an UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (a lazy module's weight before its first
    forward): isinstance(p, Parameter) holds, so modules register it and optimizers accept
    it; materialize() turns it into a Parameter in place."""

    cls_to_become = Parameter

    def __new__(
        cls, requires_grad: bool = True, device: Any = None, dtype: Any = None
    ) -> UninitializedParameter:
        from conformance.reference.ops.creation import empty

        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        """Built in __new__."""

    def __deepcopy__(self, memo: dict) -> UninitializedParameter:
        """A new placeholder with the same requires_grad, device and dtype."""
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, self.data.device, self.data.dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy batch norm's running statistics): it is
    flagged as an nn.Buffer (so assigning it to a module registers a buffer), and
    materialize() turns it into a plain Tensor in place. Unlike UninitializedParameter, the
    tensors its conversions (`to`, `double`, ...) and properties (`data`, `T`) return are
    UninitializedBuffers, as torch's default `__torch_function__` keeps the subclass; so
    Module.double() leaves it a placeholder."""

    cls_to_become = Tensor

    def __new__(
        cls,
        requires_grad: bool = False,
        device: Any = None,
        dtype: Any = None,
        persistent: bool = True,
    ) -> UninitializedBuffer:
        from conformance.reference.ops.creation import empty

        data = empty(0, device=device, dtype=dtype)
        if requires_grad and data._dtype.category < dtypes.FLOATING:
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        buffer = object.__new__(cls)
        Tensor._init(buffer, data._data, data._dtype, data._device)
        buffer._requires_grad = bool(requires_grad)
        buffer.persistent = persistent
        buffer._is_buffer = True
        return buffer

    def __init__(
        self,
        requires_grad: bool = False,
        device: Any = None,
        dtype: Any = None,
        persistent: bool = True,
    ) -> None:
        """Built in __new__."""

    def _keep_kind(self, result: Any) -> Any:
        if type(result) is not Tensor:
            return result
        buffer = object.__new__(UninitializedBuffer)
        Tensor._init(buffer, result._data, result._dtype, result._device)
        buffer._requires_grad = result._requires_grad
        buffer._grad_fn = result._grad_fn
        buffer._version_counter = result._version_counter
        return buffer
