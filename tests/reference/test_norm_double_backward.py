"""layer_norm's and batch_norm's gradients are ops of their own, as in PyTorch
(native_layer_norm_backward, native_batch_norm_backward): under create_graph=True a backward
records one NativeLayerNormBackwardBackward0 / NativeBatchNormBackwardBackward0 node for the
input, weight and bias gradients together, every one of them requires grad, and the third
derivatives are PyTorch's (which treat the saved statistics as constants, so they are not the
exact third derivatives: the engine must agree with PyTorch, not with finite differences).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_double_backward_nodes import _compare

import conformance.reference as ref


def _f(t):
    return t.nn.functional


_RNG = np.random.default_rng(17)


def _u(*shape):
    return _RNG.uniform(-1.5, 1.5, shape)


CASES = {
    "layer_norm_affine": (
        lambda t, x, w, b: _f(t).layer_norm(x, (4,), w, b),
        [_u(3, 4), _u(4), _u(4)],
    ),
    "layer_norm_2d_weight_only": (
        lambda t, x, w: _f(t).layer_norm(x, (2, 3), w, eps=1e-3),
        [_u(2, 2, 3), _u(2, 3)],
    ),
    "layer_norm_no_affine": (lambda t, x: _f(t).layer_norm(x, (3,)), [_u(2, 2, 3)]),
    "batch_norm_training": (
        lambda t, x, w, b: _f(t).batch_norm(x, None, None, w, b, training=True),
        [_u(4, 3), _u(3), _u(3)],
    ),
    "batch_norm_training_4d": (
        lambda t, x, w, b: _f(t).batch_norm(x, None, None, w, b, training=True, eps=1e-3),
        [_u(2, 3, 2, 2), _u(3), _u(3)],
    ),
    "batch_norm_training_no_affine": (
        lambda t, x: _f(t).batch_norm(x, None, None, training=True),
        [_u(3, 2, 4)],
    ),
    "batch_norm_eval": (
        lambda t, x, w, b: _f(t).batch_norm(
            x,
            t.tensor([0.1, -0.2, 0.3], dtype=t.float64),
            t.tensor([0.5, 1.5, 2.0], dtype=t.float64),
            w,
            b,
        ),
        [_u(4, 3), _u(3), _u(3)],
    ),
    "batch_norm_running_stats_training": (
        lambda t, x, w: _f(t).batch_norm(
            x, t.zeros(3, dtype=t.float64), t.ones(3, dtype=t.float64), w, training=True
        ),
        [_u(5, 3), _u(3)],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_norm_gradient_records_torchs_derivative_op(name: str) -> None:
    """Top node and reachable node names of each first gradient, requires_grad of every
    order, and the first, second and third derivatives' values, against PyTorch."""
    call, arrays = CASES[name]
    _compare(call, arrays)


def _first_grads(t, call, arrays, upstream):
    xs = [t.tensor(a, dtype=t.float64, requires_grad=True) for a in arrays]
    y = call(t, *xs)
    grads = t.autograd.grad((y * t.tensor(upstream)).sum(), xs, create_graph=True)
    return xs, grads


@pytest.mark.parametrize("name", ["layer_norm_affine", "batch_norm_training"])
def test_weight_and_bias_gradients_stay_attached(name: str) -> None:
    """With a constant upstream gradient the bias gradient is a constant too, yet it is an
    output of the derivative op, so it requires grad, and differentiating it gives zeros in
    the input (and the weight gradient's derivative in the input is PyTorch's)."""
    call, arrays = CASES[name]
    upstream = np.random.default_rng(3).uniform(-1, 1, arrays[0].shape)
    results = []
    for t in (ref, torch):
        xs, (gx, gw, gb) = _first_grads(t, call, arrays, upstream)
        (h_bias,) = t.autograd.grad(gb.sum(), xs[0], retain_graph=True, allow_unused=True)
        (h_weight,) = t.autograd.grad((gw * gw).sum(), xs[0])
        results.append(
            (
                [g.requires_grad for g in (gx, gw, gb)],
                [type(g.grad_fn).__name__ for g in (gx, gw, gb)],
                None if h_bias is None else h_bias.numpy().copy(),
                h_weight.numpy().copy(),
            )
        )
    (flags, names, h_bias, h_weight), (want_flags, want_names, want_bias, want_weight) = results
    assert flags == want_flags == [True, True, True]
    assert names == want_names
    assert (h_bias is None) == (want_bias is None)
    if want_bias is not None:
        np.testing.assert_array_equal(h_bias, want_bias)
    np.testing.assert_allclose(h_weight, want_weight, rtol=1e-10, atol=1e-12)


def test_third_derivative_is_torchs_not_the_exact_one() -> None:
    """PyTorch's double-backward formula reads the saved mean and rstd as constants, so
    differentiating it again misses their dependence on the input: its third derivative
    differs from finite differences of its second. The engine reproduces PyTorch's."""
    call, arrays = CASES["layer_norm_affine"]
    upstream = np.random.default_rng(4).uniform(-1, 1, (3, 4))
    values = []
    for t in (ref, torch):
        xs, (gx, _, _) = _first_grads(t, call, arrays, upstream)
        (hx,) = t.autograd.grad((gx * gx).sum(), xs[0], create_graph=True)
        (kx,) = t.autograd.grad(hx[0, 1], xs[0])
        values.append(kx.numpy().copy())
    np.testing.assert_allclose(values[0], values[1], rtol=1e-10, atol=1e-12)
