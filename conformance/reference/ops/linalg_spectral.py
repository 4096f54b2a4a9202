"""Factorizations by orthogonal matrices and what is built on them: QR, the symmetric
eigendecomposition, the SVD, singular values, the pseudo-inverse and matrix rank, and the *_ex
variants of the LU-based decompositions, with PyTorch's checks, conventions and derivatives."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
TENSOR_IN_PLACE: dict = {}
