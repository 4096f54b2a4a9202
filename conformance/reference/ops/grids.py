"""Grids and pairwise tables: meshgrid (both indexings), cartesian_prod, combinations and
cdist, with PyTorch's checks and derivatives."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
TENSOR_IN_PLACE: dict = {}
