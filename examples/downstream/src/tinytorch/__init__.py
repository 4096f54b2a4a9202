"""tinytorch: a few of torch's tensor operations over NumPy, no autograd.

It is the downstream example of torch-conformance, so it departs from PyTorch in two small,
deliberate ways that the conformance suite catches (and the expectations file records):
`sum` of an integer tensor gives float32 (PyTorch keeps int64), and adding a Python float to an
integer tensor truncates instead of promoting to float32.
"""

from __future__ import annotations

import numpy as np

__version__ = "0.1.0"


class dtype:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"tinytorch.{self.name}"

    def __str__(self) -> str:
        return self.name


float32, float64, int64, bool = dtype("float32"), dtype("float64"), dtype("int64"), dtype("bool")
_BY_NAME = {d.name: d for d in (float32, float64, int64, bool)}


class Tensor:
    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    @property
    def shape(self) -> tuple[int, ...]:
        return self._array.shape

    @property
    def dtype(self) -> dtype:
        return _BY_NAME[self._array.dtype.name]

    @property
    def device(self) -> str:
        return "cpu"

    def numpy(self) -> np.ndarray:
        return self._array

    def tolist(self) -> list:
        return self._array.tolist()

    def item(self) -> float | int | bool:
        return self._array.item()

    def sum(self) -> Tensor:
        return sum(self)

    def __add__(self, other: object) -> Tensor:
        return add(self, other)

    __radd__ = __add__

    def __mul__(self, other: object) -> Tensor:
        return mul(self, other)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"tensor({self._array.tolist()})"


def _array(data: object, dtype: dtype | None = None) -> np.ndarray:
    array = np.array(data)
    if dtype is not None:
        return array.astype(dtype.name)
    if array.dtype.kind == "f":
        return array.astype(np.float32)  # torch's default float dtype
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    return array


def tensor(data: object, dtype: dtype | None = None, device: str | None = None) -> Tensor:
    return Tensor(_array(data, dtype))


def _shape(size: tuple) -> tuple[int, ...]:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def ones(*size: int, dtype: dtype | None = None, device: str | None = None) -> Tensor:
    return Tensor(np.ones(_shape(size), dtype=(dtype or float32).name))


def zeros(*size: int, dtype: dtype | None = None, device: str | None = None) -> Tensor:
    return Tensor(np.zeros(_shape(size), dtype=(dtype or float32).name))


def _operand(value: object, like: np.ndarray) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._array
    # Deliberate departure: a Python number takes the tensor's dtype, so int + 2.5 truncates.
    return np.asarray(value).astype(like.dtype)


def add(a: Tensor, b: object) -> Tensor:
    return Tensor(a._array + _operand(b, a._array))


def mul(a: Tensor, b: object) -> Tensor:
    return Tensor(a._array * _operand(b, a._array))


def sum(a: Tensor) -> Tensor:
    # Deliberate departure: PyTorch sums integer tensors to int64; this gives float32.
    return Tensor(np.asarray(a._array.sum(), dtype=np.float32))
