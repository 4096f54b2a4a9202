"""Ops that move elements without computing new values: joins beyond cat and stack, rolls,
rotations, tiling, triangles and diagonals, and the NumPy-style aliases of the view ops."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
