"""Rows of test_op_gradients.py's table for the reductions and scans in conformance/reference/ops/statistics.py."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401

CASES: list[OpCase] = []
