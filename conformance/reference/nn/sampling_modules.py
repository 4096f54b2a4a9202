"""LocalResponseNorm, CrossMapLRN2d, ChannelShuffle, MaxUnpool3d and FractionalMaxPool2d/3d: the
modules over local_response_norm.py, channel_shuffle.py, unpooling.py and fractional_pooling.py."""

from __future__ import annotations

from typing import Any

from conformance.reference.nn.channel_shuffle import channel_shuffle
from conformance.reference.nn.fractional_pooling import fractional_max_pool2d, fractional_max_pool3d
from conformance.reference.nn.local_response_norm import CrossMapLRN2d as _CrossMapLRN2d
from conformance.reference.nn.local_response_norm import local_response_norm
from conformance.reference.nn.module import Module
from conformance.reference.nn.unpooling import _ntuple, max_unpool3d
from conformance.reference.tensor import Tensor


class LocalResponseNorm(Module):
    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """LocalResponseNorm's legacy twin over 4-D input, a custom Function (see
    local_response_norm.py for how its values and gradients differ); k defaults to the int 1."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: Any = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return _CrossMapLRN2d.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class ChannelShuffle(Module):
    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class MaxUnpool3d(Module):
    """The settings are triples (PyTorch's _triple), the stride defaulting to the kernel size;
    forward() takes the indices and an optional output_size."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, 3)
        self.stride = _ntuple(stride if stride is not None else kernel_size, 3)
        self.padding = _ntuple(padding, 3)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return max_unpool3d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _FractionalMaxPoolNd(Module):
    """The settings as tuples (torch's _pair/_triple); `_random_samples` is a buffer (None
    unless given); exactly one of output_size and output_ratio, a ratio strictly in (0, 1)."""

    _dims = 0

    def __init__(
        self,
        kernel_size: Any,
        output_size: Any = None,
        output_ratio: Any = None,
        return_indices: bool = False,
        _random_samples: Any = None,
    ) -> None:
        super().__init__()
        n = self._dims
        self.kernel_size = _ntuple(kernel_size, n)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, n) if output_size is not None else None
        self.output_ratio = _ntuple(output_ratio, n) if output_ratio is not None else None
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ValueError(
                f"{name} requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    _dims = 2

    def forward(self, input: Tensor) -> Any:
        return fractional_max_pool2d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    _dims = 3

    def forward(self, input: Tensor) -> Any:
        return fractional_max_pool3d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )
