"""pixel_shuffle and pixel_unshuffle: channel blocks to spatial tiles and back, each one op
(PixelShuffleBackward0, PixelUnshuffleBackward0) whose derivative is the other.
"""

from __future__ import annotations

from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import formula_op, op
from conformance.reference.tensor import Tensor


def _pixel_checks(name: str, input: Tensor) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )


@op(
    "PixelShuffleBackward0",
    self=lambda grad, upscale_factor, F: formula_op(F, _pixel_unshuffle)(grad, upscale_factor),
)
def _pixel_shuffle(self, upscale_factor):
    r = upscale_factor
    *batch, c, h, w = self.shape
    x = self.reshape(*batch, c // (r * r), r, r, h, w)
    k = len(batch)
    x = x.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return array_namespace(self).ascontiguousarray(x).reshape(*batch, c // (r * r), h * r, w * r)


@op(
    "PixelUnshuffleBackward0",
    self=lambda grad, downscale_factor, F: formula_op(F, _pixel_shuffle)(grad, downscale_factor),
)
def _pixel_unshuffle(self, downscale_factor):
    r = downscale_factor
    *batch, c, h, w = self.shape
    x = self.reshape(*batch, c, h // r, r, w // r, r)
    k = len(batch)
    x = x.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return array_namespace(self).ascontiguousarray(x).reshape(*batch, c * r * r, h // r, w // r)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r * r, H, W) to (*, C, H * r, W * r): each channel block of r * r becomes an
    r x r tile."""
    _pixel_checks("pixel_shuffle", input)
    if upscale_factor <= 0:
        raise RuntimeError(
            f"pixel_shuffle expects a positive upscale_factor, but got {upscale_factor}"
        )
    square = upscale_factor * upscale_factor
    if input.shape[-3] % square:
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible "
            f"by {square}"
        )
    return _pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of pixel_shuffle: each r x r tile becomes r * r channels."""
    _pixel_checks("pixel_unshuffle", input)
    if downscale_factor <= 0:
        raise RuntimeError(
            f"pixel_unshuffle expects a positive downscale_factor, but got {downscale_factor}"
        )
    for what, dim in (("height", -2), ("width", -1)):
        if input.shape[dim] % downscale_factor:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                f"input.size({dim})={input.shape[dim]} is not divisible by {downscale_factor}"
            )
    return _pixel_unshuffle(input, downscale_factor)
