"""Special functions: erfinv, lgamma, digamma, polygamma, mvlgamma, i0 and the matrix
exponential, with PyTorch's values at the edges (0, poles, inf, nan) and derivatives."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
TENSOR_IN_PLACE: dict = {}
