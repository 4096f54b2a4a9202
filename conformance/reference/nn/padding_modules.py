"""ConstantPad1d/2d/3d and ZeroPad1d/2d/3d: F.pad in constant mode with the widths the module
holds. (The reflection, replication and circular pads are not here: the reference's F.pad has
only the constant mode.)"""

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
