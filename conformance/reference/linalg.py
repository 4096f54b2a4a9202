"""torch.linalg: the vector norm and matrix products under their torch.linalg names."""

from __future__ import annotations

from conformance.reference.ops.linalg import matmul
from conformance.reference.ops.reductions import linalg_vector_norm as vector_norm

__all__ = ["matmul", "vector_norm"]
