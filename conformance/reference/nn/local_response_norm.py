"""local_response_norm of torch.nn.functional, and CrossMapLRN2d's autograd Function.

torch composes local_response_norm in Python: the squares, zero-padded across channels,
averaged over a window of `size` channels (avg_pool2d on 3-D input, avg_pool3d otherwise, the
channels made a depth), then input / (k + alpha * mean) ** beta. So does the reference, step
for step, so the graph reads DivBackward0, PowBackward0, AddBackward0, MulBackward0,
ViewBackward0, SqueezeBackward1, AvgPool3DBackward0, ConstantPadNdBackward0, ...

nn.CrossMapLRN2d is another thing: a legacy (Lua Torch) custom autograd Function whose forward
keeps a running sum over channels and whose backward is written out by hand. Both have quirks
that the reference keeps, since they are what torch computes:
- the forward never drops the first channel's square from the running sum: from channel
  pre_pad = (size - 1) // 2 + 1 on, the window is channels [c - pre_pad + 1, c + pre_pad - 1]
  plus channel 0;
- the backward is not that forward's derivative: it sums grad * output / scale over the
  channels [c - (size - (size - 1) / 2), c + size - 1 - (size - (size - 1) / 2)], a window
  shifted one channel down from the symmetric one, and knows nothing of channel 0's quirk;
- the backward writes through out= arguments, so differentiating it again (create_graph=True)
  fails as torch's does.
"""

from __future__ import annotations

from typing import Any

from conformance.reference import dtypes, grad_mode
from conformance.reference.autograd import Function
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.padding import pad
from conformance.reference.nn.pooling import avg_pool2d
from conformance.reference.nn.pooling3d import avg_pool3d
from conformance.reference.tensor import Tensor

__all__ = ["local_response_norm"]


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """input / (k + alpha * the mean of the squares over `size` neighbouring channels) ** beta;
    an empty input is returned itself (the same object), as torch returns it."""
    dim = input.dim()
    if dim < 3:
        # torch's message, with the run of spaces its source's line continuation leaves.
        raise ValueError(
            f"Expected 3D or higher dimensionality{' ' * 26}input (got {dim} dimensions)"
        )
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.size()
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


def _channel_sums(values: Any, windows: list) -> Any:
    """For each channel c, the sum of values over channels windows[c] (a list of ranges)."""
    xp = array_namespace(values)
    return xp.stack([values[:, w].sum(axis=1) for w in windows], axis=1)


class CrossMapLRN2d(Function):
    """torch.nn.modules._functions.CrossMapLRN2d: its node is CrossMapLRN2dBackward."""

    @staticmethod
    def forward(ctx, input, size, alpha=1e-4, beta=0.75, k=1):
        ctx.size, ctx.alpha, ctx.beta, ctx.k = size, alpha, beta, k
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        # torch squares into a buffer of input's dtype, then scales it in place by a float.
        if input.dtype is dtypes.bool:
            raise RuntimeError("result type Long can't be cast to the desired output type Bool")
        if input.dtype.category != dtypes.FLOATING:
            raise RuntimeError(
                "result type Float can't be cast to the desired output type "
                f"{scalar_type_name(input.dtype)}"
            )
        channels = input.shape[1]
        if channels == 0:
            raise IndexError(
                f"select(): index 0 out of range for tensor of size {list(input.shape)} at "
                "dimension 1"
            )
        x = input._data
        square = x * x
        pre_pad = int((size - 1) / 2 + 1)
        # The running sum: channel 0 always, then [max(1, c - pre_pad + 1), c + pre_pad - 1].
        windows = [
            [0, *range(max(1, c - pre_pad + 1), min(c + pre_pad - 1, channels - 1) + 1)]
            for c in range(channels)
        ]
        scale = _channel_sums(square, windows) * (alpha / size) + k
        ctx.scale = scale
        output = Tensor._wrap(scale ** (-beta) * x, input.dtype, input.device)
        ctx.save_for_backward(input, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, output = ctx.saved_tensors
        if grad_mode.is_grad_enabled() and (grad_output.requires_grad or output.requires_grad):
            raise RuntimeError(
                "mul(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad."
            )
        size, channels = ctx.size, input.shape[1]
        inverse_pre_pad = int(size - (size - 1) / 2)
        if inverse_pre_pad + channels > channels + size - 1:
            # torch narrows a buffer of channels + size - 1 planes from inverse_pre_pad.
            raise RuntimeError(
                f"start ({inverse_pre_pad}) + length ({channels}) exceeds dimension size "
                f"({channels + size - 1})."
            )
        g, x, scale = grad_output._data, input._data, ctx.scale
        ratio = g * output._data / scale
        low, high = inverse_pre_pad, size - 1 - inverse_pre_pad
        windows = [range(max(0, c - low), min(channels - 1, c + high) + 1) for c in range(channels)]
        accumulated = _channel_sums(ratio, windows)
        grad = scale ** (-ctx.beta) * g - (2 * ctx.alpha * ctx.beta / size) * x * accumulated
        return Tensor._wrap(grad, input.dtype, input.device), None, None, None, None
