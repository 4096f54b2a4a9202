"""torch.nn.functional.pad, constant mode: constant_pad_nd, whose gradient is the same op
with the widths negated (a negative width crops)."""

from __future__ import annotations

from typing import Any

from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import formula_op, op
from conformance.reference.tensor import Tensor


@op(
    "ConstantPadNdBackward0",
    self=lambda grad, pad, F: formula_op(F, constant_pad_nd)(grad, tuple(-p for p in pad), 0),
)
def constant_pad_nd(self, pad, value=0):
    """A new array: `pad` = (left, right) pairs from the last dim backwards, a negative width
    cropping. Its gradient is the same op with the widths negated."""
    shape, source, target = list(self.shape), [slice(None)] * self.ndim, [slice(None)] * self.ndim
    for i in range(len(pad) // 2):
        dim = self.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        shape[dim] = self.shape[dim] + left + right
        source[dim] = slice(max(-left, 0), self.shape[dim] - max(-right, 0))
        kept = self.shape[dim] - max(-left, 0) - max(-right, 0)
        target[dim] = slice(max(left, 0), max(left, 0) + kept)
    out = array_namespace(self).full(shape, value, dtype=self.dtype)
    out[tuple(target)] = self[tuple(source)]
    return out


def _check_pad(input: Tensor, pad: Any) -> tuple:
    if not isinstance(pad, tuple | list):
        raise TypeError(
            f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}"
        )
    for position, width in enumerate(pad):
        if not isinstance(width, int) or isinstance(width, bool):
            raise TypeError(
                "pad(): argument 'pad' (position 2) must be tuple of ints, but found element of "
                f"type {type(width).__name__} at pos {position}"
            )
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}"
        )
    check_crops(input, pad)
    return tuple(pad)


def check_crops(input: Tensor, pad: Any) -> None:
    """PyTorch crops negative widths with narrow(), the left side first: narrow's error when a
    dim would go below zero."""
    for i in range(len(pad) // 2):
        size = input.shape[input.ndim - 1 - i]
        for width in pad[2 * i : 2 * i + 2]:
            if width < 0:
                size += width
                if size < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative widths, crop) the last len(pad) // 2 dims: `pad` lists
    (left, right) widths starting from the last dim. Only mode='constant' is implemented."""
    if mode != "constant":
        if mode in ("reflect", "replicate", "circular"):
            raise NotImplementedError(f"conformance.reference: pad mode {mode!r} is not supported")
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    return constant_pad_nd(input, _check_pad(input, pad), 0 if value is None else value)
