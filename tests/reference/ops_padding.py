"""Rows of test_op_gradients.py's table for F.pad's reflect, replicate and circular modes (and
the layers and convolutions that pad with them). A convolution after a circular pad has a
weight gradient that reads the padded input, so its second derivatives differentiate through
the CopySlices of the circular pad's copies (and test_second_order_graphs.py compares the
nodes that records with PyTorch's)."""

from __future__ import annotations

from opcase import OpCase


def _pad(mode, widths):
    return lambda t, a: t.nn.functional.pad(a, widths, mode=mode)


CASES: list[OpCase] = [
    OpCase("pad-reflect-1d", _pad("reflect", (2, 1)), [(2, 3, 4)]),
    OpCase("pad-reflect-1d-unbatched", _pad("reflect", (3, 3)), [(2, 4)]),
    OpCase("pad-reflect-1d-crop", _pad("reflect", (-1, 3)), [(2, 5)]),
    OpCase("pad-reflect-2d", _pad("reflect", (1, 2, 2, 0)), [(1, 2, 3, 4)]),
    OpCase("pad-reflect-2d-unbatched-crop", _pad("reflect", (2, -1, -1, 1)), [(2, 3, 4)]),
    OpCase("pad-reflect-3d", _pad("reflect", (1, 1, 0, 2, 1, 0)), [(1, 2, 2, 3, 3)]),
    OpCase("pad-reflect-3d-unbatched", _pad("reflect", (1, 0, 1, 1, 0, 1)), [(1, 2, 3, 3)]),
    OpCase("pad-replicate-1d", _pad("replicate", (3, 1)), [(2, 2, 3)]),
    OpCase("pad-replicate-1d-crop", _pad("replicate", (-2, 4)), [(2, 4)]),
    OpCase("pad-replicate-2d", _pad("replicate", (1, 2, 3, 0)), [(1, 2, 2, 3)]),
    OpCase("pad-replicate-2d-unbatched", _pad("replicate", (0, 1, 2, -1)), [(2, 3, 3)]),
    OpCase("pad-replicate-3d", _pad("replicate", (1, 0, 2, 1, 0, 2)), [(1, 1, 2, 2, 3)]),
    OpCase("pad-circular-1d", _pad("circular", (2, 3)), [(2, 2, 4)]),
    OpCase("pad-circular-1d-crop", _pad("circular", (-1, 2)), [(2, 4)]),
    OpCase("pad-circular-2d", _pad("circular", (1, 2, 2, 1)), [(1, 2, 3, 3)]),
    OpCase("pad-circular-2d-unbatched-crop", _pad("circular", (1, -1, -1, 2)), [(2, 3, 4)]),
    OpCase("pad-circular-3d", _pad("circular", (1, 0, 0, 1, 1, 1)), [(1, 1, 2, 2, 3)]),
    OpCase("reflection-pad2d-layer", lambda t, a: t.nn.ReflectionPad2d(1)(a), [(1, 2, 3, 3)]),
    OpCase("replication-pad1d-layer", lambda t, a: t.nn.ReplicationPad1d((0, 2))(a), [(2, 3)]),
    OpCase("circular-pad3d-layer", lambda t, a: t.nn.CircularPad3d(1)(a), [(1, 2, 2, 2)]),
    OpCase(
        "conv1d-reflect-padding",
        lambda t, x, w: t.nn.functional.conv1d(t.nn.functional.pad(x, (2, 2), mode="reflect"), w),
        [(1, 2, 5), (3, 2, 3)],
    ),
    OpCase(
        "conv2d-circular-padding",
        lambda t, x, w: t.nn.functional.conv2d(
            t.nn.functional.pad(x, (1, 1, 1, 1), mode="circular"), w
        ),
        [(1, 2, 3, 3), (2, 2, 3, 3)],
    ),
]
