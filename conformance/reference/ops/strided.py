"""Views by explicit strides: as_strided, Tensor.unfold, and the other stride-level views,
sharing storage and version counter, with PyTorch's checks and derivatives."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
TENSOR_IN_PLACE: dict = {}
