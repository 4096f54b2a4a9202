"""A stand-in for CuPy on machines without a GPU: NumPy underneath, CuPy's boundary on top.

CuPy arrays refuse to turn into host arrays behind the caller's back: `np.exp(gpu_array)`,
`np.asarray(gpu_array)` and `gpu_array + host_array` raise TypeError, reductions give 0-d
arrays rather than NumPy scalars, and `flags` has no `writeable`. An op that reaches for `np`
where it should use its `xp` works on the CPU and breaks only on a GPU. This module wraps each
NumPy array in a `DeviceArray` that keeps those rules, and offers a namespace (`xp`) whose
functions take and give DeviceArrays, so CI catches such an op without a GPU
(CONFORMANCE_SIMULATED_CUDA=1). It says nothing about speed, kernels or CuPy's own coverage.
"""

from __future__ import annotations

import operator
import types
from typing import Any

import numpy as np

IMPLICIT_CONVERSION = (
    "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a "
    "NumPy array explicitly."
)


def _refuse_host(value: Any) -> None:
    raise TypeError(f"Unsupported type {type(value)}")


def unwrap(value: Any, allow_host: bool = False) -> Any:
    """The NumPy array inside a DeviceArray (recursively in lists, tuples and slices); a host
    array among a device function's arguments is refused, as CuPy refuses it."""
    if type(value) is DeviceArray:
        return value._a
    if isinstance(value, np.ndarray):
        if not allow_host:
            _refuse_host(value)
        return value
    if isinstance(value, list | tuple):
        return type(value)(unwrap(v, allow_host) for v in value)
    if isinstance(value, slice):
        return slice(*(unwrap(v, allow_host) for v in (value.start, value.stop, value.step)))
    return value


def wrap(value: Any) -> Any:
    """Device arrays for NumPy results: arrays and NumPy scalars (CuPy gives 0-d arrays)."""
    if isinstance(value, np.ndarray):
        return DeviceArray(value)
    if isinstance(value, np.generic):
        return DeviceArray(np.asarray(value))
    if isinstance(value, tuple):
        if hasattr(value, "_fields"):  # np.linalg's named results (QRResult, SVDResult, ...)
            return type(value)(*(wrap(v) for v in value))
        return tuple(wrap(v) for v in value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


class Flags:
    """CuPy's flags: contiguity and ownership, and no `writeable`."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, array: np.ndarray) -> None:
        self.c_contiguous = array.flags.c_contiguous
        self.f_contiguous = array.flags.f_contiguous
        self.owndata = array.flags.owndata


class DeviceArray:
    """A NumPy array standing for an array in GPU memory."""

    __slots__ = ("_a",)
    __array_ufunc__ = None  # np.exp(device_array) raises TypeError
    __hash__ = None

    def __init__(self, array: np.ndarray) -> None:
        self._a = array

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_a":
            object.__setattr__(self, name, value)
        else:  # `a.shape = ...`, which raises AttributeError where a copy would be needed
            setattr(self._a, name, value)

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(IMPLICIT_CONVERSION)

    def __array_function__(self, func, types_, args, kwargs):
        return NotImplemented  # NumPy then raises TypeError, as it does for CuPy arrays

    @property
    def __cuda_array_interface__(self) -> dict:
        return {"shape": self._a.shape, "typestr": self._a.dtype.str, "version": 3}

    def get(self) -> np.ndarray:
        """The host copy (cupy.ndarray.get)."""
        return self._a.copy()

    @property
    def flags(self) -> Flags:
        return Flags(self._a)

    @property
    def data(self) -> types.SimpleNamespace:
        """CuPy's memory pointer: only its address (`ptr`) is read."""
        return types.SimpleNamespace(ptr=self._a.__array_interface__["data"][0])

    @property
    def base(self) -> Any:
        return None if self._a.base is None else DeviceArray(self._a.base)

    @property
    def T(self) -> DeviceArray:  # noqa: N802 - NumPy's name
        return DeviceArray(self._a.T)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # no __array_interface__, buffer or the like: not on the host
            raise AttributeError(name)
        attribute = getattr(self._a, name)
        if not callable(attribute):
            return wrap(attribute) if isinstance(attribute, np.ndarray) else attribute
        if name in ("item", "tolist"):  # host values, as CuPy gives them
            return attribute

        def method(*args: Any, **kwargs: Any) -> Any:
            return wrap(attribute(*unwrap(args), **unwrap_kwargs(kwargs)))

        return method

    def __getitem__(self, key: Any) -> DeviceArray:
        return wrap(self._a[unwrap(key, allow_host=True)])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._a[unwrap(key, allow_host=True)] = unwrap(value)

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        return (wrap(row) for row in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __complex__(self) -> complex:
        return complex(self._a)

    def __repr__(self) -> str:
        return f"DeviceArray({self._a!r})"

    def __copy__(self) -> DeviceArray:
        return DeviceArray(self._a.copy())

    def __deepcopy__(self, memo: dict) -> DeviceArray:
        return DeviceArray(self._a.copy())

    def __reduce__(self):
        return (DeviceArray, (self._a,))


def unwrap_kwargs(kwargs: dict) -> dict:
    return {k: unwrap(v) for k, v in kwargs.items()} if kwargs else kwargs


def _binary(op):
    def forward(self, other):
        return wrap(op(self._a, unwrap(other)))

    def reflected(self, other):
        return wrap(op(unwrap(other), self._a))

    return forward, reflected


def _in_place(op):
    def update(self, other):
        self._a = op(self._a, unwrap(other))
        return self

    return update


_BINARY = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "matmul": operator.matmul,
    "and": operator.and_,
    "or": operator.or_,
    "xor": operator.xor,
    "lshift": operator.lshift,
    "rshift": operator.rshift,
}
for _name, _op in _BINARY.items():
    _forward, _reflected = _binary(_op)
    setattr(DeviceArray, f"__{_name}__", _forward)
    setattr(DeviceArray, f"__r{_name}__", _reflected)
    # In place on the NumPy array itself, so views of it see the write.
    setattr(DeviceArray, f"__i{_name}__", _in_place(getattr(operator, f"i{_name.rstrip('_')}")))
for _name in ("lt", "le", "eq", "ne", "gt", "ge"):
    setattr(DeviceArray, f"__{_name}__", _binary(getattr(operator, _name))[0])
for _name, _op in (("neg", operator.neg), ("pos", operator.pos), ("abs", abs)):
    setattr(DeviceArray, f"__{_name}__", lambda self, _op=_op: wrap(_op(self._a)))
DeviceArray.__invert__ = lambda self: wrap(~self._a)


class Ufunc:
    """A NumPy ufunc over DeviceArrays, with the methods CuPy's ufuncs have."""

    def __init__(self, ufunc: np.ufunc) -> None:
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return wrap(self._ufunc(*unwrap(args), **unwrap_kwargs(kwargs)))

    def outer(self, a: Any, b: Any) -> Any:
        return wrap(self._ufunc.outer(unwrap(a), unwrap(b)))

    def reduce(self, a: Any, *args: Any, **kwargs: Any) -> Any:
        return wrap(self._ufunc.reduce(unwrap(a), *unwrap(args), **unwrap_kwargs(kwargs)))

    def accumulate(self, a: Any, *args: Any, **kwargs: Any) -> Any:
        return wrap(self._ufunc.accumulate(unwrap(a), *unwrap(args), **unwrap_kwargs(kwargs)))

    def at(self, a: DeviceArray, indices: Any, b: Any = None) -> None:
        """In place, every repeat of a position counted (CuPy 13 and later)."""
        self._ufunc.at(a._a, unwrap(indices, allow_host=True), unwrap(b))


# Keyword arguments CuPy's namesakes lack, which NumPy would accept silently.
_NO_SUCH_KEYWORD = {"as_strided": {"subok", "writeable"}}

# Functions CuPy runs only on its arrays (as methods of the first argument, or after checking
# it): a Python number there raises, where NumPy would make it an array.
_ARRAY_FIRST = {
    *("all", "any", "sum", "prod", "mean", "amax", "amin", "max", "min", "argmax", "argmin"),
    *("count_nonzero", "nonzero", "sort", "argsort", "cumsum", "cumprod", "transpose"),
    *("reshape", "squeeze", "expand_dims", "moveaxis", "ravel", "diagonal"),
}

# Functions that take host data and put it on the device, as their CuPy namesakes do.
_TRANSFERS = {"asarray", "array", "asanyarray", "ascontiguousarray"}


class Namespace(types.SimpleNamespace):
    """NumPy's namespace (or a submodule of it) over DeviceArrays."""

    def __init__(self, module: types.ModuleType) -> None:
        super().__init__()
        self._module = module

    def __getattr__(self, name: str) -> Any:
        if name == "ndarray":
            return DeviceArray
        if name == "asnumpy":
            return lambda a: a.get() if type(a) is DeviceArray else np.asarray(a)
        attribute = getattr(self._module, name)
        if isinstance(attribute, types.ModuleType):
            return Namespace(attribute)
        if isinstance(attribute, np.ufunc):
            self.__dict__[name] = Ufunc(attribute)
            return self.__dict__[name]
        if isinstance(attribute, type) or not callable(attribute):
            return attribute  # dtypes and constants
        allow_host = name in _TRANSFERS
        refused = _NO_SUCH_KEYWORD.get(name, ())

        array_first = name in _ARRAY_FIRST

        def function(*args: Any, **kwargs: Any) -> Any:
            if array_first and args and type(args[0]) is not DeviceArray:
                raise TypeError(f"'a' must be a cupy.ndarray object, not {type(args[0])}.")
            for keyword in refused:
                if keyword in kwargs:
                    raise TypeError(f"{name}() got an unexpected keyword argument '{keyword}'")
            args = unwrap(args, allow_host)
            kwargs = {k: unwrap(v, allow_host) for k, v in kwargs.items()}
            return wrap(attribute(*args, **kwargs))

        function.__name__ = name
        self.__dict__[name] = function  # looked up once per name
        return function


xp = Namespace(np)
