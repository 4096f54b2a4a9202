"""Rows of test_op_gradients.py's table for ops that rearrange elements (conformance/reference/ops/rearranging.py)."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401

CASES: list[OpCase] = []
