"""Rows of test_op_gradients.py's table for the linear algebra beyond matmul (conformance/reference/ops/linalg.py and linalg_decompositions.py)."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401

CASES: list[OpCase] = []
