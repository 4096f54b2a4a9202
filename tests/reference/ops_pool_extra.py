"""Rows of test_op_gradients.py's table for the pool extra ops."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase(
        "adaptive-max-pool2d",
        lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (3, 4)),
        [(2, 2, 5, 7)],
    ),
    OpCase(
        "adaptive-max-pool2d-unbatched-upsampling",
        lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (None, 6)),
        [(2, 3, 4)],
    ),
    OpCase(
        "adaptive-max-pool1d",
        lambda t, x: t.nn.functional.adaptive_max_pool1d(x, 3),
        [(2, 2, 7)],
    ),
    OpCase(
        "adaptive-avg-pool1d",
        lambda t, x: t.nn.functional.adaptive_avg_pool1d(x, 4),
        [(2, 2, 7)],
    ),
    OpCase(
        "adaptive-avg-pool3d",
        lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, (2, 3, 2)),
        [(1, 2, 3, 4, 5)],
    ),
    OpCase(
        "adaptive-avg-pool3d-unbatched",
        lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, (None, 2, 4)),
        [(2, 3, 5, 3)],
    ),
    OpCase(
        "max-pool3d",
        lambda t, x: t.nn.functional.max_pool3d(x, (2, 3, 2), (1, 2, 2), 1, (2, 1, 1), True),
        [(1, 2, 4, 5, 4)],
    ),
    OpCase(
        "max-pool3d-unbatched",
        lambda t, x: t.nn.functional.max_pool3d(x, 2),
        [(2, 4, 4, 3)],
    ),
    OpCase(
        "avg-pool3d",
        lambda t, x: t.nn.functional.avg_pool3d(
            x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False
        ),
        [(1, 2, 4, 5, 4)],
    ),
    OpCase(
        "avg-pool3d-divisor-override-unbatched",
        lambda t, x: t.nn.functional.avg_pool3d(
            x, (2, 1, 3), padding=(1, 0, 1), divisor_override=4
        ),
        [(2, 3, 2, 5)],
    ),
    OpCase(
        "lp-pool2d-inf",
        lambda t, x: t.nn.functional.lp_pool2d(x, float("inf"), 2),
        [(1, 2, 4, 4)],
    ),
    OpCase(
        "max-unpool2d",
        lambda t, x: t.nn.functional.max_unpool2d(
            *t.nn.functional.max_pool2d(x, 2, return_indices=True), 2, output_size=(5, 5)
        ),
        [(1, 2, 5, 5)],
    ),
    OpCase(
        "max-unpool1d-padded",
        lambda t, x: t.nn.functional.max_unpool1d(
            *t.nn.functional.max_pool1d(x, 2, 2, 1, return_indices=True), 2, 2, 1
        ),
        [(2, 2, 6)],
    ),
    OpCase(
        "unfold",
        lambda t, x: t.nn.functional.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        [(2, 2, 4, 5)],
    ),
    OpCase(
        "fold-overlapping",
        lambda t, x: t.nn.functional.fold(x, (4, 5), 3, padding=1),
        [(18, 20)],
    ),
]
