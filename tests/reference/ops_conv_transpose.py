"""Rows of test_op_gradients.py's table for the conv transpose ops (and conv3d, which shares
their op, aten::convolution)."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase(
        "conv-transpose1d",
        lambda t, x, w, b: t.nn.functional.conv_transpose1d(x, w, b, stride=2, output_padding=1),
        [(2, 3, 4), (3, 2, 3), (2,)],
        forward_atol=1e-5,
    ),
    OpCase(
        # output_padding 2 >= stride 1 (allowed by the dilation): the input gradient's
        # convolution fits one position more than the input has.
        "conv-transpose1d-dilation-groups",
        lambda t, x, w: t.nn.functional.conv_transpose1d(
            x, w, padding=1, output_padding=2, groups=2, dilation=3
        ),
        [(1, 4, 4), (4, 1, 3)],
        forward_atol=1e-5,
    ),
    OpCase(
        "conv-transpose2d",
        lambda t, x, w, b: t.nn.functional.conv_transpose2d(
            x, w, b, stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2)
        ),
        [(1, 4, 3, 2), (4, 1, 2, 2), (2,)],
        forward_atol=1e-5,
    ),
    OpCase(
        "conv-transpose2d-unbatched",
        lambda t, x, w: t.nn.functional.conv_transpose2d(x, w, stride=2, padding=1),
        [(2, 3, 3), (2, 2, 3, 2)],
        forward_atol=1e-5,
    ),
    OpCase(
        "conv3d",
        lambda t, x, w, b: t.nn.functional.conv3d(
            x, w, b, stride=(1, 2, 1), padding=1, dilation=(2, 1, 1), groups=2
        ),
        [(1, 4, 3, 3, 2), (2, 2, 2, 2, 2), (2,)],
        forward_atol=1e-5,
    ),
    OpCase(
        "conv3d-same-unbatched",
        lambda t, x, w: t.nn.functional.conv3d(x, w, padding="same"),
        [(2, 3, 2, 3), (2, 2, 3, 1, 3)],
        forward_atol=1e-5,
    ),
    OpCase(
        "conv-transpose3d",
        lambda t, x, w, b: t.nn.functional.conv_transpose3d(
            x, w, b, stride=(2, 1, 2), padding=(1, 0, 0), output_padding=(1, 0, 1)
        ),
        [(1, 2, 2, 2, 2), (2, 2, 2, 1, 2), (2,)],
        forward_atol=1e-5,
    ),
]
