"""Rows of test_op_gradients.py's table for local response norm, channel shuffle, grid sampling, max
unpooling in 3-D and the pooling aliases."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase(
        "local-response-norm-3d",
        lambda t, x: t.nn.functional.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.0),
        [(2, 5, 4)],
    ),
    OpCase(
        "local-response-norm-4d",
        lambda t, x: t.nn.functional.local_response_norm(x, 2, alpha=1.0, beta=0.6, k=2.0),
        [(2, 4, 3, 2)],
    ),
    OpCase(
        "local-response-norm-5d",
        lambda t, x: t.nn.functional.local_response_norm(x, 4, alpha=0.8, beta=1.5),
        [(1, 3, 2, 2, 3)],
    ),
]
CASES += [
    OpCase("channel-shuffle", lambda t, x: t.nn.functional.channel_shuffle(x, 3), [(2, 6, 2, 1)]),
    OpCase("channel-shuffle-3d", lambda t, x: t.nn.functional.channel_shuffle(x, 2), [(2, 4, 3)]),
]
CASES += [
    OpCase(
        "max-unpool3d",
        lambda t, x: t.nn.functional.max_unpool3d(
            *t.nn.functional.max_pool3d(x, 2, return_indices=True), 2, output_size=(5, 4, 5)
        ),
        [(1, 2, 5, 4, 5)],
    ),
    OpCase(
        "max-unpool3d-unbatched-strided",
        lambda t, x: t.nn.functional.max_unpool3d(
            *t.nn.functional.max_pool3d(x, (1, 2, 2), (2, 2, 2), 0, return_indices=True),
            (1, 2, 2),
            (2, 2, 2),
        ),
        [(2, 3, 4, 4)],
    ),
    OpCase(
        "max-pool2d-with-indices",
        lambda t, x: t.nn.functional.max_pool2d_with_indices(x, 2, 1)[0],
        [(1, 2, 4, 5)],
    ),
]


def _finite(t, g, scale=1.0):
    """The grid's special values made finite: torch's border and reflection kernels read out of
    bounds (and may crash) at a nan or infinite coordinate."""
    return t.nan_to_num(g, 0.0, 1.2, -1.2) * scale


CASES += [
    OpCase(
        "affine-grid-2d",
        lambda t, theta: t.nn.functional.affine_grid(theta, (2, 3, 4, 5), align_corners=False),
        [(2, 2, 3)],
    ),
    OpCase(
        "affine-grid-3d-align-corners",
        lambda t, theta: t.nn.functional.affine_grid(theta, [1, 2, 3, 2, 4], align_corners=True),
        [(1, 3, 4)],
    ),
    OpCase(
        "grid-sample-bilinear-zeros",
        lambda t, x, g: t.nn.functional.grid_sample(x, g, align_corners=False),
        [(2, 2, 3, 4), (2, 3, 2, 2)],
    ),
    OpCase(
        "grid-sample-bilinear-border-align-corners",
        lambda t, x, g: t.nn.functional.grid_sample(
            x, _finite(t, g), padding_mode="border", align_corners=True
        ),
        [(1, 2, 3, 4), (1, 3, 2, 2)],
    ),
    OpCase(
        "grid-sample-bilinear-reflection",
        lambda t, x, g: t.nn.functional.grid_sample(
            x, _finite(t, g, 1.5), padding_mode="reflection", align_corners=False
        ),
        [(1, 2, 3, 4), (1, 3, 2, 2)],
    ),
    OpCase(
        "grid-sample-nearest",
        lambda t, x, g: t.nn.functional.grid_sample(x, g, mode="nearest", align_corners=False),
        [(1, 2, 3, 4), (1, 3, 2, 2)],
    ),
    OpCase(
        "grid-sample-bicubic-zeros-align-corners",
        lambda t, x, g: t.nn.functional.grid_sample(x, g, mode="bicubic", align_corners=True),
        [(1, 2, 4, 4), (1, 2, 3, 2)],
    ),
    OpCase(
        "grid-sample-bicubic-reflection",
        lambda t, x, g: t.nn.functional.grid_sample(
            x, _finite(t, g), mode="bicubic", padding_mode="reflection", align_corners=False
        ),
        [(1, 2, 4, 3), (1, 2, 3, 2)],
    ),
    OpCase(
        "grid-sample-3d-trilinear-zeros",
        lambda t, x, g: t.nn.functional.grid_sample(x, g, align_corners=False),
        [(1, 2, 2, 3, 3), (1, 2, 2, 2, 3)],
    ),
    OpCase(
        "grid-sample-3d-border-align-corners",
        lambda t, x, g: t.nn.functional.grid_sample(
            x, _finite(t, g), padding_mode="border", align_corners=True
        ),
        [(1, 2, 2, 3, 3), (1, 2, 2, 2, 3)],
    ),
    OpCase(
        "grid-sample-3d-nearest-reflection",
        lambda t, x, g: t.nn.functional.grid_sample(
            x, _finite(t, g, 1.5), mode="nearest", padding_mode="reflection", align_corners=True
        ),
        [(1, 2, 2, 3, 3), (1, 2, 2, 2, 3)],
    ),
]

# Fixed samples make fractional max pooling deterministic.
_SAMPLES2 = [[[0.3, 0.7], [0.9, 0.1]]]
_SAMPLES3 = [[[0.3, 0.7, 0.5]], [[0.05, 0.95, 0.4]]]

CASES += [
    OpCase(
        "fractional-max-pool2d",
        lambda t, x: t.nn.functional.fractional_max_pool2d(
            x, 2, (4, 3), _random_samples=t.tensor(_SAMPLES2, dtype=x.dtype)
        ),
        [(1, 2, 7, 6)],
    ),
    OpCase(
        "fractional-max-pool2d-unbatched-ratio",
        lambda t, x: t.nn.functional.fractional_max_pool2d(
            x, (3, 2), output_ratio=(0.5, 0.5), _random_samples=t.tensor(_SAMPLES2, dtype=x.dtype)
        ),
        [(2, 8, 6)],
    ),
    OpCase(
        "fractional-max-pool3d",
        lambda t, x: t.nn.functional.fractional_max_pool3d(
            x, 2, (2, 3, 2), _random_samples=t.tensor(_SAMPLES3, dtype=x.dtype)
        ),
        [(2, 1, 4, 5, 4)],
    ),
]
