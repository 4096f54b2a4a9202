"""torch.device and the array library behind each device type.

The CPU is NumPy. Every op reaches its arrays through `xp` (NumPy or, for CUDA, CuPy), so a
backend slots in without touching the ops.
"""

from __future__ import annotations

import os
import re

import numpy as np

# Every device type PyTorch 2.13 parses, in the order its error message lists them.
DEVICE_TYPES = (
    *("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve"),
    *("fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone"),
)


# PyTorch's grammar for a device string: a type, then optionally ':' and an index without
# leading zeros.
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?")


class device:  # noqa: N801 - PyTorch's spelling
    """A device type and optional index: device('cuda:1'), device('cpu'), device('cuda', 0)."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not type:
            raise RuntimeError("Device string must not be empty")
        match = _DEVICE_STRING.fullmatch(type)
        if match is None:
            raise RuntimeError(f"Invalid device string: '{type}'")
        name, number = match.groups()
        if name not in DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device "
                f"string: {name}"
            )
        self.type = name
        self.index = int(number) if number is not None else index

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
CUDA0 = device("cuda", 0)


def as_device(value: device | str | int | None) -> device:
    """The device an argument names; an int means that CUDA device, as in PyTorch."""
    if value is None:
        return CPU
    if isinstance(value, device):
        return value
    if isinstance(value, int):
        return device("cuda", value)
    return device(value)


class CudaBackend:
    """What backs the `cuda` device: CuPy on a real GPU, or, when CONFORMANCE_SIMULATED_CUDA=1,
    NumPy arrays behind CuPy's host/device boundary (simulated_cuda.py) that carry device
    cuda:0. The simulated device enforces every placement rule (mixed devices, transfers,
    numpy() on CUDA) and catches host NumPy calls on device arrays without a GPU; it is a test
    of placement and array-namespace logic, never a GPU result, and says so in its name."""

    def __init__(self) -> None:
        self.kind, self.xp, self.count, self.name = "none", None, 0, None
        if os.environ.get("CONFORMANCE_SIMULATED_CUDA") == "1":
            self.simulate()
            return
        try:
            import cupy

            count = cupy.cuda.runtime.getDeviceCount()
        except Exception:  # no CuPy, no driver, or no device: no CUDA
            return
        if count:
            self.kind, self.xp, self.count = "cupy", cupy, count
            props = cupy.cuda.runtime.getDeviceProperties(0)
            self.name = (
                props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
            )

    def simulate(self) -> None:
        from conformance.reference import simulated_cuda

        self.kind, self.xp, self.count = "simulated", simulated_cuda.xp, 1
        self.name = "cuda (simulated)"

    @property
    def available(self) -> bool:
        return self.count > 0


CUDA = CudaBackend()


# The device set_default_device chose for factories called without one; None is the CPU.
_default_device: device | None = None


def set_default_device(value: device | str | int | None) -> None:
    """torch.set_default_device: where factories (zeros, tensor, randn, ...) put a tensor when
    the call names no device. The name is checked now, the device only when a tensor is made,
    as in PyTorch; None restores the CPU."""
    global _default_device
    _default_device = None if value is None else as_device(value)


def get_default_device() -> device:
    """torch.get_default_device: the device a factory would use now (`cuda` is cuda:0)."""
    return CPU if _default_device is None else placement(_default_device)


def placement(value: device | str | int | None) -> device:
    """The device a new tensor lives on: the default device when none is named, `cuda` means
    the current CUDA device (cuda:0), and asking for CUDA without a backend fails as a
    CPU-only PyTorch build does."""
    if value is None:
        if _default_device is None:
            return CPU
        value = _default_device
    dev = as_device(value)
    if dev.type == "cuda":
        array_module(dev)
        index = 0 if dev.index is None else dev.index
        if index >= CUDA.count:
            raise RuntimeError(
                "CUDA error: invalid device ordinal\nCUDA kernel errors might be asynchronously "
                "reported at some other API call, so the stacktrace below might be incorrect."
            )
        return dev if dev.index is not None else CUDA0
    if dev.type != "cpu":
        array_module(dev)
    return dev


def array_module(dev: device):
    """The array namespace (`xp`) that holds tensors on `dev`."""
    if dev.type == "cpu":
        return np
    if dev.type == "cuda":
        if CUDA.xp is None:
            # A CPU-only build of PyTorch fails the same way on any CUDA request.
            raise AssertionError("Torch not compiled with CUDA enabled")
        return CUDA.xp
    raise RuntimeError(f"conformance.reference has no {dev.type} backend")


def array_namespace(array):
    """NumPy for host arrays (and plain numbers), CuPy for arrays on a GPU: the `xp` an op
    computes with (Chainer's get_array_module)."""
    if array.__class__ is np.ndarray:  # the common case, without a failed attribute lookup
        return np
    return CUDA.xp if hasattr(array, "__cuda_array_interface__") else np


def scatter_add(out, key, values) -> None:
    """out[key] += values in place, adding up every position the key names more than once:
    add.at (CuPy has it since v13 and deprecates cupyx.scatter_add, which older ones need)."""
    xp = array_namespace(out)
    if hasattr(xp.add, "at"):
        xp.add.at(out, key, values)
    else:
        import cupyx

        cupyx.scatter_add(out, key, values)


def move_array(array, target: device):
    """`array` in the array library of `target`: a host-device copy where the libraries differ,
    and always a new array (a transfer never aliases its source)."""
    xp = array_module(target)
    on_gpu = hasattr(array, "__cuda_array_interface__")
    if xp is np:
        return array.get() if on_gpu else array.copy()
    return xp.asarray(array) if not on_gpu else array.copy()


def transfer(tensor, dtype, target: device):
    """A copy of `tensor` on another device (and dtype), outside autograd."""
    data = move_array(tensor._data, target)
    return type(tensor)._wrap(data.astype(dtype.np, copy=False), dtype, target)
