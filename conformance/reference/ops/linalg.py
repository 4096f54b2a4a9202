"""Matrix products: matmul (and @), mm, bmm, mv, dot, outer. Unlike elementwise ops they do
not promote dtypes: mixing float32 and float64 is an error, as in PyTorch."""

from __future__ import annotations

__all__: list[str] = []
TENSOR_METHODS: dict = {}
