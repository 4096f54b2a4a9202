"""Rows of test_op_gradients.py's table for the margin, CTC and distance losses added in the eighth
session."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = []
