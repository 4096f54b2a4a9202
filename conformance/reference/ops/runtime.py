"""Runtime settings and small introspection helpers of the torch namespace: thread counts,
typename and is_same_size. (The print options live in printing.py, the generator's state in
random_sampling.py.)

The engine computes in one thread: each op is one call into NumPy or CuPy, and no op splits
its work across threads of its own. So it reports one intra-op and one inter-op thread until
told otherwise; set_num_threads keeps the number it is given (what PyTorch documents:
get_num_threads returns what set_num_threads set) without changing how the engine runs.
"""

from __future__ import annotations

import numbers
from typing import Any

from conformance.reference.tensor import Tensor

__all__ = [
    "get_device",
    "get_num_interop_threads",
    "is_storage",
    "get_num_threads",
    "is_same_size",
    "set_num_threads",
    "typename",
]

_threads = [1]


def get_num_threads() -> int:
    """The number of intra-op threads: 1 here, or what set_num_threads last set."""
    return _threads[0]


def set_num_threads(num: int) -> None:
    """torch.set_num_threads: a positive int (not a bool), checked as PyTorch checks it."""
    if not isinstance(num, numbers.Integral) or isinstance(num, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads[0] = int(num)


def get_num_interop_threads() -> int:
    """The number of inter-op threads: the engine runs ops one after another, in one."""
    return 1


def get_device(input: Tensor) -> int:
    """The index of a tensor's CUDA device; -1 on the CPU."""
    return input.get_device()


def is_storage(obj: Any, /) -> bool:
    """Whether `obj` is a storage: the engine's tensors expose none, so never."""
    return False


def typename(obj: Any, /) -> str:
    """A tensor's legacy type name (`torch.FloatTensor`), else the object's qualified type
    name, as PyTorch spells it (a builtin's without its module)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def _need_tensor(name: str, position: int, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"is_same_size(): argument '{name}' (position {position}) must be Tensor, not "
            f"{type(value).__name__}"
        )


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have the same shape (dtypes and devices may differ)."""
    _need_tensor("input", 1, input)
    _need_tensor("other", 2, other)
    return tuple(input.shape) == tuple(other.shape)


def _is_same_size_method(self: Tensor, other: Tensor) -> bool:
    """x.is_same_size(other): the method counts its positions without self."""
    _need_tensor("other", 1, other)
    return tuple(self.shape) == tuple(other.shape)


TENSOR_METHODS = {"is_same_size": _is_same_size_method}
