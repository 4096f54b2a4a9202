"""Rows of test_op_gradients.py's table for scaled_dot_product_attention, multi-head attention and
the Transformer layers."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = []
