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


LAYER_SHAPES = [
    ((4, 7), 1),
    ((2, 3, 10), 1),
    ((3, 4, 5), 2),
    ((5, 33), 1),
    ((6, 1), 1),
    ((8, 64), 1),
]


def _layer_norm_gradients(t, x, dy, weight, bias, normalized):
    xx = t.tensor(x, requires_grad=True)
    w = None if weight is None else t.tensor(weight, requires_grad=True)
    b = None if bias is None else t.tensor(bias, requires_grad=True)
    t.nn.functional.layer_norm(xx, normalized, w, b).backward(t.tensor(dy))
    return [xx.grad.numpy()] + [p.grad.numpy() for p in (w, b) if p is not None]


@pytest.fixture
def one_torch_thread():
    """PyTorch splits layer_norm's rows among its threads for grad_weight and grad_bias and
    adds the threads' sums; the reference adds them as one thread does."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize(("shape", "dims"), LAYER_SHAPES)
def test_layer_norm_gradients_match_torch_bit_for_bit(shape, dims, affine, dtype, one_torch_thread):
    rng = np.random.default_rng(shape[-1] * 7 + dims)
    normalized = shape[-dims:]
    for _ in range(3):
        x = (rng.standard_normal(shape) * 2 + 0.5).astype(dtype)
        dy = rng.standard_normal(shape).astype(dtype)
        weight, bias = (
            rng.standard_normal(normalized).astype(dtype) if affine else None for _ in "wb"
        )
        ours, theirs = (
            _layer_norm_gradients(t, x, dy, weight, bias, normalized) for t in (ref, torch)
        )
        for mine, torchs in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(mine, torchs)


def test_layer_norm_grad_input_does_not_depend_on_torchs_threads():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 37)).astype(np.float32)
    dy = rng.standard_normal((9, 37)).astype(np.float32)
    weight = rng.standard_normal(37).astype(np.float32)
    ours, theirs = (_layer_norm_gradients(t, x, dy, weight, None, (37,))[0] for t in (ref, torch))
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0, 3, 4)])
def test_empty_inputs_keep_torchs_gradients(shape):
    """An empty input takes the plain path (found by test_random_programs' seeds 58898,
    97088 and 135616 when the kernel emulation first took it)."""
    seen = []
    for t in (ref, torch):
        x = t.zeros(shape, requires_grad=True)
        w = t.ones(shape[-1:], requires_grad=True)
        t.nn.functional.layer_norm(x, shape[-1:], w).sum().backward()
        seen.append((tuple(x.grad.shape), w.grad.tolist()))
    assert seen[0] == seen[1]
