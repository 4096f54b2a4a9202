"""The padding layers: ConstantPad1d/2d/3d, ZeroPad1d/2d/3d, ReflectionPad1d/2d/3d,
ReplicationPad1d/2d/3d and CircularPad1d/2d/3d, each F.pad in its mode with the widths the module
holds. `padding` is an int (every side) or any iterable, kept as a tuple whatever its length:
PyTorch checks the length only when F.pad runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.reference.nn import functional as F
from conformance.reference.nn.module import Module
from conformance.reference.tensor import Tensor


def _widths(padding: Any, n: int) -> tuple:
    """PyTorch's _ntuple: any iterable kept as a tuple (of whatever length), else repeated."""
    return tuple(padding) if isinstance(padding, Iterable) else (padding,) * n


class _ConstantPadNd(Module):
    _widths_count = 0

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__()
        self.value = value
        self.padding = _widths(padding, self._widths_count)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim: an int, or (left, right)."""

    _widths_count = 2


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims: an int, or (left, right, top, bottom)."""

    _widths_count = 4


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims: an int, or (left, right, top, bottom, front, back)."""

    _widths_count = 6


class _ZeroPad:
    """Pads with 0.0; prints only the widths."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    pass


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    pass


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    pass


class _ModePadNd(Module):
    """A pad in a non-constant mode: it prints only its widths."""

    _widths_count = 0
    _mode = ""

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _widths(padding, self._widths_count)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Mirrors the last dim about its edge samples (which are not repeated): (left, right)."""

    _widths_count, _mode = 2, "reflect"


class ReflectionPad2d(_ModePadNd):
    """Mirrors the last two dims: an int, or (left, right, top, bottom)."""

    _widths_count, _mode = 4, "reflect"


class ReflectionPad3d(_ModePadNd):
    """Mirrors the last three dims: an int, or (left, right, top, bottom, front, back)."""

    _widths_count, _mode = 6, "reflect"


class ReplicationPad1d(_ModePadNd):
    """Repeats the edge samples of the last dim: an int, or (left, right)."""

    _widths_count, _mode = 2, "replicate"


class ReplicationPad2d(_ModePadNd):
    """Repeats the edges of the last two dims: an int, or (left, right, top, bottom)."""

    _widths_count, _mode = 4, "replicate"


class ReplicationPad3d(_ModePadNd):
    """Repeats the edges of the last three dims: an int, or six widths."""

    _widths_count, _mode = 6, "replicate"


class _CircularPadNd(_ModePadNd):
    """Wraps around; unlike the other layers it checks the input's rank itself, with a
    ValueError, before F.pad would raise its NotImplementedError."""

    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        dims = self._widths_count // 2
        if input.dim() not in (dims + 1, dims + 2):
            raise ValueError(
                f"expected {dims + 1}D or {dims + 2}D input (got {input.dim()}D input)"
            )
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    """Wraps the last dim around: an int, or (left, right)."""

    _widths_count = 2


class CircularPad2d(_CircularPadNd):
    """Wraps the last two dims around: an int, or (left, right, top, bottom)."""

    _widths_count = 4


class CircularPad3d(_CircularPadNd):
    """Wraps the last three dims around: an int, or six widths."""

    _widths_count = 6
