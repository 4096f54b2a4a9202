"""Rows of test_op_gradients.py's table for the conv pool ops."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase(
        "conv2d",
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, stride=(2, 1), padding=1),
        [(2, 2, 4, 4), (3, 2, 3, 3), (3,)],
        forward_atol=1e-5,
    ),
    OpCase(
        "conv2d-groups-dilation",
        lambda t, x, w: t.nn.functional.conv2d(x, w, groups=2, dilation=(2, 1), padding=(0, 1)),
        [(1, 4, 5, 4), (4, 2, 2, 2)],
        forward_atol=1e-5,
    ),
    OpCase(
        "conv2d-same-unbatched",
        lambda t, x, w: t.nn.functional.conv2d(x, w, padding="same"),
        [(2, 4, 3), (2, 2, 3, 1)],
        forward_atol=1e-5,
    ),
    OpCase(
        "conv1d",
        lambda t, x, w, b: t.nn.functional.conv1d(x, w, b, stride=2, padding=1),
        [(2, 3, 6), (2, 3, 3), (2,)],
        forward_atol=1e-5,
    ),
    OpCase(
        "max-pool2d",
        lambda t, x: t.nn.functional.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
        [(2, 2, 5, 6)],
    ),
    OpCase(
        "max-pool2d-dilation-unbatched",
        lambda t, x: t.nn.functional.max_pool2d(x, (2, 3), stride=1, dilation=(2, 1)),
        [(2, 4, 4)],
    ),
    OpCase(
        "max-pool1d",
        lambda t, x: t.nn.functional.max_pool1d(x, 2, stride=1, padding=1),
        [(2, 2, 5)],
    ),
    OpCase(
        "avg-pool2d",
        lambda t, x: t.nn.functional.avg_pool2d(
            x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False
        ),
        [(2, 2, 5, 6)],
    ),
    OpCase(
        "avg-pool2d-divisor-override",
        lambda t, x: t.nn.functional.avg_pool2d(x, (2, 3), padding=(1, 0), divisor_override=4),
        [(2, 5, 6)],
    ),
    OpCase(
        "avg-pool1d",
        lambda t, x: t.nn.functional.avg_pool1d(x, 3, stride=2, padding=1),
        [(2, 2, 6)],
    ),
    OpCase(
        "adaptive-avg-pool2d",
        lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, (3, 2)),
        [(2, 2, 5, 5)],
    ),
    OpCase(
        "adaptive-avg-pool2d-upsampling",
        lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, (4, None)),
        [(2, 3, 3)],
    ),
]
