"""Rows of test_op_gradients.py's table for the pointwise ops beyond issue 4's list (conformance/reference/ops/pointwise.py)."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401

CASES: list[OpCase] = []
