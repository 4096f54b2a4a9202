"""batch_norm's backward on contiguous float32 inputs of three or more dimensions, bit for bit
against torch 2.13 (nn/batch_norm_sums.py): grad_input, grad_weight and grad_bias, in
training and in eval mode, with and without an affine transform.

Before, NumPy's pairwise channel sums made all three differ from torch's in the last bit for
nearly every input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

SHAPES = [(4, 3, 7), (2, 3, 5, 6), (16, 4, 3, 3), (3, 2, 2, 3, 4), (5, 3, 16), (2, 5, 9)]


def _gradients(t, x, dy, stats, training, affine):
    weight, bias, running_mean, running_var = (t.tensor(s) for s in stats)
    xx = t.tensor(x, requires_grad=True)
    if affine:
        weight.requires_grad_()
        bias.requires_grad_()
    y = t.nn.functional.batch_norm(
        xx,
        running_mean,
        running_var,
        weight if affine else None,
        bias if affine else None,
        training=training,
    )
    y.backward(t.tensor(dy))
    grads = [xx.grad]
    if affine:
        grads += [weight.grad, bias.grad]
    return [g.numpy() for g in grads]


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_gradients_match_torch_bit_for_bit(shape, training, affine):
    rng = np.random.default_rng(len(shape) * 10 + shape[-1])
    for _ in range(3):
        x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
        dy = rng.standard_normal(shape).astype(np.float32)
        channels = shape[1]
        stats = [
            rng.standard_normal(channels).astype(np.float32),
            rng.standard_normal(channels).astype(np.float32),
            rng.standard_normal(channels).astype(np.float32),
            (rng.random(channels) + 0.5).astype(np.float32),
        ]
        ours, theirs = (_gradients(t, x, dy, stats, training, affine) for t in (ref, torch))
        for mine, torchs in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(mine, torchs)
