"""torch.nn.utils.convert_conv{2,3}d_weight_memory_format: lay out the weights of every
(transposed) convolution in a module tree in the given memory format, in place."""

from __future__ import annotations

from typing import Any

from conformance.reference.nn.module import Module

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module: Module, memory_format: Any, classes: tuple) -> Module:
    """The weight keeps its identity (its .data is replaced), so optimizers still hold it."""
    if isinstance(module, classes):
        module.weight.data = module.weight.detach().clone(memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, classes)
    return module


def convert_conv2d_weight_memory_format(module: Module, memory_format: Any) -> Module:
    """Conv2d and ConvTranspose2d weights (typically to torch.channels_last)."""
    from conformance.reference import nn

    return _convert(module, memory_format, (nn.Conv2d, nn.ConvTranspose2d))


def convert_conv3d_weight_memory_format(module: Module, memory_format: Any) -> Module:
    """Conv3d and ConvTranspose3d weights (typically to torch.channels_last_3d)."""
    from conformance.reference import nn

    return _convert(module, memory_format, (nn.Conv3d, nn.ConvTranspose3d))
