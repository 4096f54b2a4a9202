"""Convolutions of torch.nn.functional (conv1d, conv2d), with PyTorch's checks, node names and
derivatives."""

from __future__ import annotations
