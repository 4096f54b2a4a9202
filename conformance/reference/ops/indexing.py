"""Indexing: x[...] (basic indexing makes views, advanced and boolean indexing copy),
x[...] = v (in place), and the joins cat and stack."""

from __future__ import annotations

__all__: list[str] = []
TENSOR_METHODS: dict = {}
