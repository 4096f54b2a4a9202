"""Rows of test_op_gradients.py's table for the conv transpose ops."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = []
