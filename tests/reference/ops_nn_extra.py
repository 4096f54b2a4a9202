"""Rows of test_op_gradients.py's table for the torch.nn activations, losses and layers beyond issue 4's list."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401

CASES: list[OpCase] = []
