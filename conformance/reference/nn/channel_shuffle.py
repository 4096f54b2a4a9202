"""channel_shuffle and native_channel_shuffle: the C channels, read as groups x (C / groups),
transposed to (C / groups) x groups. A copy, never a view.

channel_shuffle records ChannelShuffleBackward0, whose derivative is the inverse shuffle (the
same op with C / groups groups). native_channel_shuffle computes the same values but torch
gives it no derivative: its node is NotImplemented, and a backward through it fails.
"""

from __future__ import annotations

from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import formula_op, no_derivative, op
from conformance.reference.tensor import Tensor

__all__ = ["channel_shuffle", "native_channel_shuffle"]


def _shuffled(self, groups):
    n, c, *rest = self.shape
    x = self.reshape(n, groups, c // groups, *rest).swapaxes(1, 2)
    return array_namespace(self).ascontiguousarray(x).reshape(self.shape)


@op(
    "ChannelShuffleBackward0",
    self=lambda grad, groups, F: formula_op(F, _channel_shuffle)(grad, grad.shape[1] // groups),
)
def _channel_shuffle(self, groups):
    return _shuffled(self, groups)


@op("NotImplemented", self=no_derivative("native_channel_shuffle"))
def _native_channel_shuffle(self, groups):
    return _shuffled(self, groups)


def _check(name: str, input: Tensor, groups: int) -> None:
    """ATen's checks, in its order: the argument's type, then groups > 0, the rank, and the
    division (of dim 1, batched or not)."""
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(
            f"{name}(): argument 'groups' (position 2) must be int, not {type(groups).__name__}"
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    if input.ndim <= 2:
        raise RuntimeError(
            "channel_shuffle expects input with > 2 dims, but got input with sizes "
            f"{list(input.shape)}"
        )
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and "
            f"{groups} groups."
        )


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, g * k, *) -> (N, k * g, *): channel i * k + j moves to j * g + i."""
    _check("channel_shuffle", input, groups)
    return _channel_shuffle(input, groups)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """channel_shuffle's values without a derivative."""
    _check("native_channel_shuffle", input, groups)
    return _native_channel_shuffle(input, groups)
