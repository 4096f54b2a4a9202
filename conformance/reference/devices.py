"""torch.device and the array library behind each device type.

The CPU is NumPy. Every op reaches its arrays through `xp` (NumPy or, for CUDA, CuPy), so a
backend slots in without touching the ops.
"""

from __future__ import annotations

import numpy as np

# Every device type PyTorch 2.13 parses, in the order its error message lists them.
DEVICE_TYPES = (
    *("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve"),
    *("fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone"),
)


class device:  # noqa: N801 - PyTorch's spelling
    """A device type and optional index: device('cuda:1'), device('cpu'), device('cuda', 0)."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        name, _, number = type.partition(":")
        if name not in DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device "
                f"string: {type}"
            )
        if number:
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        self.type = name
        self.index = index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def as_device(value: device | str | int | None) -> device:
    """The device an argument names; an int means that CUDA device, as in PyTorch."""
    if value is None:
        return CPU
    if isinstance(value, device):
        return value
    if isinstance(value, int):
        return device("cuda", value)
    return device(value)


def array_module(dev: device):
    """The array namespace (`xp`) that holds tensors on `dev`."""
    if dev.type == "cpu":
        return np
    if dev.type == "cuda":
        # A CPU-only build of PyTorch fails the same way on any CUDA request.
        raise AssertionError("Torch not compiled with CUDA enabled")
    raise RuntimeError(f"conformance.reference has no {dev.type} backend")


def transfer(tensor, dtype, target: device):
    """A copy of `tensor` on another device (and dtype)."""
    xp = array_module(target)
    data = tensor._data.get() if hasattr(tensor._data, "get") else tensor._data
    return type(tensor)._wrap(xp.asarray(data, dtype=dtype.np), dtype, target)
