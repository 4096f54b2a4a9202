"""Rows of test_op_gradients.py's table for adaptive_max_pool3d."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase(
        "adaptive-max-pool3d",
        lambda t, x: t.nn.functional.adaptive_max_pool3d(x, (2, 3, 2)),
        [(2, 2, 3, 5, 4)],
    ),
    OpCase(
        "adaptive-max-pool3d-unbatched-overlapping",
        lambda t, x: t.nn.functional.adaptive_max_pool3d(x, (None, 4, 5)),
        [(2, 2, 3, 3)],
    ),
    OpCase(
        "adaptive-max-pool3d-module",
        lambda t, x: t.nn.AdaptiveMaxPool3d(1)(x),
        [(1, 3, 2, 3, 2)],
    ),
]
