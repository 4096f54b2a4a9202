"""Searching sorted values and quantiles: searchsorted, bucketize, quantile and nanquantile,
with PyTorch's interpolation modes, checks and derivatives."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
TENSOR_IN_PLACE: dict = {}
