"""The gradients of the nn kernels are ops of their own, as in PyTorch (derivatives.yaml):
under create_graph=True a backward records LeakyReluBackwardBackward0, EluBackwardBackward0,
NllLossBackwardBackward0 and so on, not the composite formula's nodes. Each case compares with
real PyTorch, in float64: the top node of each first gradient, the node names reachable from
it, which gradients require grad, and the values of the first, second and third derivatives.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from graphs import reachable_node_names

import conformance.reference as ref


def _f(t):
    return t.nn.functional


def _derivatives(t, call, arrays, upstreams):
    """First, second and third derivatives of sum(call(xs) * v) in each input (each later
    order differentiates the sum of the previous gradients, weighted), with the first
    gradients' graphs and every order's requires_grad."""
    xs = [t.tensor(a, dtype=t.float64, requires_grad=True) for a in arrays]
    out = call(t, *xs)
    target = (out * t.tensor(upstreams[0], dtype=t.float64)).sum()
    orders, firsts = [], None
    for weights in upstreams[1:] + [None]:
        grads = t.autograd.grad(target, xs, create_graph=weights is not None, allow_unused=True)
        if firsts is None:
            firsts = grads
        orders.append(
            [
                (None, False) if g is None else (g.detach().numpy().copy(), g.requires_grad)
                for g in grads
            ]
        )
        live = [(g, w) for g, w in zip(grads, weights or [], strict=False) if g is not None]
        live = [(g, w) for g, w in live if g.requires_grad]
        if not live:
            break
        target = sum((g * t.tensor(w[: g.numel()].reshape(g.shape))).sum() for g, w in live)
    graphs = [
        None
        if g is None or g.grad_fn is None
        else (type(g.grad_fn).__name__, reachable_node_names(g.grad_fn))
        for g in firsts
    ]
    return graphs, orders


def _upstreams(shape, arrays, rng):
    n = max(a.size for a in arrays)
    return [rng.uniform(-1, 1, shape)] + [[rng.uniform(-1, 1, n) for _ in arrays] for _ in range(2)]


def _compare(call, arrays):
    rng = np.random.default_rng(5)
    shape = tuple(call(torch, *[torch.tensor(a) for a in arrays]).shape)
    upstreams = _upstreams(shape, arrays, rng)
    ours = _derivatives(ref, call, arrays, upstreams)
    theirs = _derivatives(torch, call, arrays, upstreams)
    assert ours[0] == theirs[0]
    assert len(ours[1]) == len(theirs[1])
    for order, (mine, expected) in enumerate(zip(ours[1], theirs[1], strict=True)):
        for (value, grad), (want, want_grad) in zip(mine, expected, strict=True):
            assert grad == want_grad, f"order {order + 1}: requires_grad"
            if want is None:
                assert value is None
            else:
                np.testing.assert_allclose(value, want, rtol=1e-10, atol=1e-12)


def _values(rng, shape, *specials, low=-2.0, high=2.0):
    """Random values with some exact ones (kinks, thresholds) at the front."""
    values = rng.uniform(low, high, shape).ravel()
    values[: len(specials)] = specials
    return values.reshape(shape)


_RNG = np.random.default_rng(11)
ACTIVATIONS = {
    "leaky_relu": (lambda t, a: _f(t).leaky_relu(a, 0.1), [_values(_RNG, (6,), 0.0)]),
    "leaky_relu_inplace": (
        lambda t, a: _f(t).leaky_relu(a * 1, 0.2, inplace=True),
        [_values(_RNG, (6,), 0.0)],
    ),
    "hardtanh": (
        lambda t, a: _f(t).hardtanh(a, -0.5, 0.7),
        [_values(_RNG, (8,), -0.5, 0.7)],
    ),
    "hardtanh_inplace": (
        lambda t, a: _f(t).hardtanh(a * 1, inplace=True),
        [_values(_RNG, (8,), -1.0, 1.0)],
    ),
    "relu6": (lambda t, a: _f(t).relu6(a * 4), [_values(_RNG, (8,), 0.0, 1.5)]),
    "threshold_inplace": (
        lambda t, a: _f(t).threshold(a * 1, 0.2, -3.0, True),
        [_values(_RNG, (8,), 0.2)],
    ),
    "elu": (lambda t, a: _f(t).elu(a, 0.3), [_values(_RNG, (2, 4), 0.0)]),
    "elu_inplace": (
        lambda t, a: _f(t).elu(a * 1, 0.7, inplace=True),
        [_values(_RNG, (2, 4), 0.0)],
    ),
    "softplus": (lambda t, a: _f(t).softplus(a), [_values(_RNG, (2, 4), 0.0)]),
    "softplus_threshold": (
        lambda t, a: _f(t).softplus(a, 2.0, 1.5),
        [_values(_RNG, (2, 4), 0.75)],
    ),
    "logsigmoid": (lambda t, a: _f(t).logsigmoid(a), [_values(_RNG, (2, 4), 0.0, -30.0)]),
    "gelu": (lambda t, a: _f(t).gelu(a), [_values(_RNG, (2, 4), 0.0)]),
    "gelu_tanh": (
        lambda t, a: _f(t).gelu(a, approximate="tanh"),
        [_values(_RNG, (2, 4), 0.0)],
    ),
    "glu": (lambda t, a: _f(t).glu(a), [_values(_RNG, (2, 4))]),
    "glu_dim0": (lambda t, a: _f(t).glu(a, 0), [_values(_RNG, (4, 3))]),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradient_records_torchs_derivative_op(name: str) -> None:
    call, arrays = ACTIVATIONS[name]
    _compare(call, arrays)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: _f(t).leaky_relu(x, 0.1),
        lambda t, x: _f(t).hardtanh(x, -0.5, 0.7),
        lambda t, x: _f(t).relu6(x * 4),
    ],
)
def test_piecewise_linear_gradient_stays_attached_with_zero_derivative(call) -> None:
    """The derivative op's own derivative in its input is zeros_like(grad): the gradient
    requires grad, and differentiating it again gives zeros (an error if it were detached)."""
    results = []
    for t in (ref, torch):
        x = t.tensor([-1.5, -0.2, 0.3, 2.0], dtype=t.float64, requires_grad=True)
        (g,) = t.autograd.grad(call(t, x).sum(), x, create_graph=True)
        (h,) = t.autograd.grad(g.sum(), x)
        results.append((g.requires_grad, h.numpy().tolist()))
    assert results[0] == results[1] == (True, [0.0] * 4)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: _f(t).leaky_relu(x * 1, -0.1, inplace=True),
        lambda t, x: _f(t).elu(x * 1, -0.5, inplace=True),
    ],
)
def test_in_place_backward_from_output_refuses_negative_slope(call) -> None:
    """The in-place forms' gradients read the output, whose sign is the input's only for a
    non-negative slope: PyTorch refuses the rest when the backward runs, not before."""
    messages = []
    for t in (ref, torch):
        x = t.tensor([-1.0, 2.0], dtype=t.float64, requires_grad=True)
        y = call(t, x)
        with pytest.raises(RuntimeError) as caught:
            y.sum().backward()
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


def _pair(shape, *specials, low=-2.0, high=2.0):
    """An input and a target, the first elements of their difference at `specials`."""
    target = _RNG.uniform(low, high, shape)
    input = target + _values(_RNG, shape, *specials, low=low - high, high=high - low)
    if low >= 0:
        input = np.clip(input, low, high)
    return [input, target]


def _nll(reduction, **kwargs):
    return lambda t, a: _f(t).nll_loss(a, t.tensor([1, 0, 2]), reduction=reduction, **kwargs)


LOSSES = {
    **{
        f"smooth_l1_{reduction}": (
            lambda t, a, b, r=reduction: _f(t).smooth_l1_loss(a, b, reduction=r, beta=0.5),
            _pair((2, 4), 0.5, -0.5, 0.0),
        )
        for reduction in ("mean", "sum", "none")
    },
    **{
        f"huber_{reduction}": (
            lambda t, a, b, r=reduction: _f(t).huber_loss(a, b, reduction=r, delta=0.7),
            _pair((2, 4), 0.7, -0.7, 0.0),
        )
        for reduction in ("mean", "sum", "none")
    },
    "huber_weighted": (
        lambda t, a, b: _f(t).huber_loss(
            a, b, weight=t.full((2, 4), 0.3, dtype=t.float64), reduction="sum"
        ),
        _pair((2, 4), 0.0),
    ),
    "nll_mean": (_nll("mean"), [_values(_RNG, (3, 4))]),
    "nll_sum_ignore": (_nll("sum", ignore_index=0), [_values(_RNG, (3, 4))]),
    "nll_none_weight": (
        lambda t, a: _f(t).nll_loss(
            a,
            t.tensor([1, 0, 2]),
            t.tensor([0.5, 2.0, 1.0, 1.5], dtype=t.float64),
            reduction="none",
        ),
        [_values(_RNG, (3, 4))],
    ),
    "nll_2d": (
        lambda t, a: _f(t).nll_loss(a, t.tensor([[[0, 1], [2, 1]], [[1, 1], [0, 2]]])),
        [_values(_RNG, (2, 3, 2, 2))],
    ),
    "cross_entropy": (
        lambda t, a: _f(t).cross_entropy(a, t.tensor([1, 0, 2])),
        [_values(_RNG, (3, 4))],
    ),
    **{
        f"bce_{reduction}": (
            lambda t, a, b, r=reduction: _f(t).binary_cross_entropy(a, b, reduction=r),
            [_values(_RNG, (2, 3), low=0.1, high=0.9), _values(_RNG, (2, 3), low=0, high=1)],
        )
        for reduction in ("mean", "sum", "none")
    },
    "bce_weighted": (
        lambda t, a, b: _f(t).binary_cross_entropy(a, b, t.full((3,), 0.4, dtype=t.float64)),
        [_values(_RNG, (2, 3), low=0.1, high=0.9), _values(_RNG, (2, 3), low=0, high=1)],
    ),
    **{
        f"bce_logits_{reduction}": (
            lambda t, a, b, r=reduction: _f(t).binary_cross_entropy_with_logits(a, b, reduction=r),
            [_values(_RNG, (2, 3)), _values(_RNG, (2, 3), low=0, high=1)],
        )
        for reduction in ("mean", "none")
    },
    "bce_logits_pos_weight": (
        lambda t, a, b: _f(t).binary_cross_entropy_with_logits(
            a,
            b,
            weight=t.full((2, 3), 0.6, dtype=t.float64),
            pos_weight=t.full((3,), 1.5, dtype=t.float64),
        ),
        [_values(_RNG, (2, 3)), _values(_RNG, (2, 3), low=0, high=1)],
    ),
}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradient_records_torchs_derivative_op(name: str) -> None:
    call, arrays = LOSSES[name]
    _compare(call, arrays)


def test_nll_loss_gradient_stays_attached_with_zero_derivative() -> None:
    results = []
    for t in (ref, torch):
        x = t.tensor([[0.2, -1.0, 0.5], [1.5, 0.3, -0.7]], dtype=t.float64, requires_grad=True)
        (g,) = t.autograd.grad(_f(t).nll_loss(x, t.tensor([2, 0])), x, create_graph=True)
        (h,) = t.autograd.grad(g.sum(), x)
        results.append((g.requires_grad, h.numpy().tolist()))
    assert results[0] == results[1] == (True, [[0.0] * 3] * 2)


def test_nll_loss_saves_its_input_for_the_version_check() -> None:
    """nll_loss_backward takes the input (for its shape and its zero derivative), so the node
    saves it, and writing the input in place before the backward fails, as in PyTorch."""
    for t in (ref, torch):
        x = t.tensor([[0.2, -1.0, 0.5]], dtype=t.float64, requires_grad=True)
        a = x * 1
        loss = _f(t).nll_loss(a, t.tensor([2]))
        a.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()
