"""torch.conv2d, torch.layer_norm, torch.dropout and the other nn functions PyTorch also puts
in the torch namespace, with their ATen signatures (which differ from torch.nn.functional's:
positional arguments, integer reductions, embedding's weight first), calling the same
implementations."""

from __future__ import annotations

__all__: list[str] = []
