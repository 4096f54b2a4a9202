"""Rows of test_op_gradients.py's table for sorting and selection (conformance/reference/ops/sorting.py)."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401

CASES: list[OpCase] = []
