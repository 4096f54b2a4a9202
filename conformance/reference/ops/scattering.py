"""Writing into a tensor at indices: scatter, scatter_add, scatter_reduce, index_add,
index_copy, index_fill, index_put, masked_scatter and put, out of place and in place, with
PyTorch's checks and derivatives."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
TENSOR_IN_PLACE: dict = {}
