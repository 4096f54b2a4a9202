"""Rows of test_op_gradients.py's table for local response norm, channel shuffle, grid sampling, max
unpooling in 3-D and the pooling aliases."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = []
