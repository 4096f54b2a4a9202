"""Rows of test_op_gradients.py's table for the resampling ops (nn/resampling.py): the modes
of F.interpolate beyond nearest, linear and bilinear."""

from __future__ import annotations

from opcase import OpCase


def _up(t, x, **kw):
    return t.nn.functional.interpolate(x, **kw)


CASES: list[OpCase] = [
    OpCase(
        "interpolate-bicubic",
        lambda t, x: _up(t, x, scale_factor=1.6, mode="bicubic"),
        [(1, 2, 3, 4)],
    ),
    OpCase(
        "interpolate-bicubic-corners-down",
        lambda t, x: _up(t, x, size=(2, 5), mode="bicubic", align_corners=True),
        [(1, 1, 4, 3)],
    ),
    OpCase(
        "interpolate-trilinear",
        lambda t, x: _up(t, x, scale_factor=(1.5, 0.7, 2), mode="trilinear"),
        [(1, 2, 2, 3, 2)],
    ),
    OpCase(
        "interpolate-trilinear-corners",
        lambda t, x: _up(t, x, size=(3, 2, 4), mode="trilinear", align_corners=True),
        [(1, 1, 2, 3, 3)],
    ),
    OpCase("interpolate-nearest-3d", lambda t, x: _up(t, x, size=(3, 5, 2)), [(1, 2, 2, 3, 3)]),
    OpCase(
        "interpolate-nearest-exact-3d",
        lambda t, x: _up(t, x, scale_factor=1.6, mode="nearest-exact"),
        [(1, 1, 2, 3, 2)],
    ),
    OpCase(
        "interpolate-area-3d",
        lambda t, x: _up(t, x, size=(2, 3, 2), mode="area"),
        [(1, 2, 3, 4, 3)],
    ),
    OpCase(
        "interpolate-area-2d", lambda t, x: _up(t, x, scale_factor=0.6, mode="area"), [(1, 2, 5, 4)]
    ),
    OpCase("interpolate-area-1d", lambda t, x: _up(t, x, size=4, mode="area"), [(2, 2, 5)]),
    OpCase(
        "interpolate-bilinear-antialias",
        lambda t, x: _up(t, x, size=(2, 3), mode="bilinear", antialias=True),
        [(1, 2, 5, 7)],
    ),
    OpCase(
        "interpolate-bicubic-antialias",
        lambda t, x: _up(t, x, scale_factor=(0.4, 1.5), mode="bicubic", antialias=True),
        [(1, 1, 6, 3)],
    ),
    OpCase(
        "interpolate-bicubic-antialias-corners",
        lambda t, x: _up(t, x, size=(3, 2), mode="bicubic", antialias=True, align_corners=True),
        [(1, 1, 7, 5)],
    ),
    OpCase(
        "interpolate-lanczos-antialias",
        lambda t, x: _up(t, x, size=(2, 5), mode="lanczos", antialias=True),
        [(1, 1, 7, 3)],
    ),
]
