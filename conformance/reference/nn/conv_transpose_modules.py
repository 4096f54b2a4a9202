"""The 3-D convolution and the transposed convolution layers: Conv3d, ConvTranspose1d,
ConvTranspose2d and ConvTranspose3d. They share Conv1d's settings, initialisation and repr
(conv_pool_modules._ConvNd); a transposed layer's weight is (in_channels, out_channels /
groups, *kernel_size), and its forward may be told the output size it should give."""

from __future__ import annotations

from typing import Any

from conformance.reference.nn import functional as F
from conformance.reference.nn.conv_pool_modules import _ConvNd, _ntuple
from conformance.reference.nn.module import Module
from conformance.reference.nn.parameter import Parameter
from conformance.reference.ops import creation
from conformance.reference.tensor import Tensor


class Conv3d(_ConvNd):
    """A 3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W) input."""

    _dims = 3

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        if self.padding_mode != "zeros":
            # PyTorch pads first, in the padding mode, then convolves without padding.
            input = F.pad(input, self._reversed_padding_repeated_twice(), mode=self.padding_mode)
            return F.conv3d(input, weight, bias, self.stride, 0, self.dilation, self.groups)
        return F.conv3d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """A transposed convolution's layer. The weight is (in_channels, out_channels / groups,
    *kernel_size), and as in PyTorch it is drawn with kaiming_uniform_(a=sqrt(5)) like
    Conv1d's, so its fan_in is out_channels / groups * prod(kernel_size): the weight's second
    dimension, not the layer's inputs. Only padding_mode='zeros' is accepted."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        # PyTorch checks the padding mode before _ConvNd's checks, so first.
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {self.__class__.__name__}'
            )
        Module.__init__(self)
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride, n)
        self.padding = _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed = True
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        shape = (in_channels, out_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple:
        """The output_padding that gives `output_size` (its spatial sizes, or all of the
        output's): each must lie between the smallest output, output_padding 0, and that plus
        stride - 1, PyTorch's ValueError otherwise. (It does not check the result against the
        dilation, as output_padding itself is.)"""
        if output_size is None:
            return self.output_padding
        n = self._dims
        non_spatial = 2 if input.dim() == n + 2 else 1
        if len(output_size) == non_spatial + n:
            output_size = output_size[non_spatial:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or "
                f"{non_spatial + n} elements (got {len(output_size)})"
            )
        sizes = input.shape[non_spatial:]
        smallest = [
            (sizes[d] - 1) * self.stride[d]
            - 2 * self.padding[d]
            + self.dilation[d] * (self.kernel_size[d] - 1)
            + 1
            for d in range(n)
        ]
        largest = [size + s - 1 for size, s in zip(smallest, self.stride, strict=True)]
        for size, low, high in zip(output_size, smallest, largest, strict=True):
            if size < low or size > high:
                # PyTorch prints input.size()[2:] even for an unbatched input.
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{smallest} to {largest} (for an input of "
                    f"torch.Size({list(input.shape[2:])}))"
                )
        return tuple(size - low for size, low in zip(output_size, smallest, strict=True))

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        if self.padding_mode != "zeros":  # set after construction
            raise ValueError(
                f"Only `zeros` padding mode is supported for {self.__class__.__name__}"
            )
        output_padding = self._output_padding(input, output_size)
        convolve = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._dims - 1]
        return convolve(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )

    def extra_repr(self) -> str:
        """_ConvNd's, with output_padding after the dilation when it is not zero."""
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class ConvTranspose1d(_ConvTransposeNd):
    """A 1-D transposed convolution (Conv1d's input gradient) over (N, C_in, L) or (C_in, L)
    input."""

    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """A 2-D transposed convolution over (N, C_in, H, W) or (C_in, H, W) input."""

    _dims = 2


class ConvTranspose3d(_ConvTransposeNd):
    """A 3-D transposed convolution over (N, C_in, D, H, W) or (C_in, D, H, W) input."""

    _dims = 3
