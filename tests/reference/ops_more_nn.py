"""Rows of test_op_gradients.py's table for nn/activation_variants.py (selu, celu, the shrinks,
hardsigmoid, hardswish, prelu, rrelu), group_and_instance_norm.py, pixel_shuffle.py,
margin_losses.py (the margin, embedding and multilabel losses) and likelihood_losses.py
(Poisson, Gaussian)."""

from __future__ import annotations

from opcase import OpCase, positive


def _f(t):
    return t.nn.functional


def _sign(t, a):
    """+-1 targets from a tensor's values, without a gradient."""
    return (a.detach() > 0).to(a.dtype) * 2 - 1


CASES: list[OpCase] = [
    OpCase("selu", lambda t, a: _f(t).selu(a), [(2, 4)]),
    OpCase("selu-inplace", lambda t, a: _f(t).selu(a * 1, inplace=True), [(2, 4)]),
    OpCase("celu", lambda t, a: _f(t).celu(a, 0.7), [(2, 4)]),
    OpCase(
        "celu-inplace",
        lambda t, a: _f(t).celu(a * 1, 1.3, inplace=True),
        [(2, 4)],
    ),
    OpCase("hardshrink", lambda t, a: _f(t).hardshrink(a, 0.5), [(2, 4)]),
    OpCase("softshrink", lambda t, a: _f(t).softshrink(a, 0.5), [(2, 4)]),
    OpCase("tanhshrink", lambda t, a: _f(t).tanhshrink(a), [(2, 4)]),
    OpCase("hardswish", lambda t, a: _f(t).hardswish(a * 2), [(2, 4)]),
    OpCase("prelu", lambda t, a, w: _f(t).prelu(a, w), [(2, 3, 4), (3,)]),
    OpCase("prelu-one-weight", lambda t, a, w: _f(t).prelu(a, w), [(2, 3), (1,)]),
    OpCase("rrelu-eval", lambda t, a: _f(t).rrelu(a, 0.1, 0.4), [(2, 4)]),
    OpCase("rrelu-eval-inplace", lambda t, a: _f(t).rrelu(a * 1, inplace=True), [(2, 4)]),
    OpCase(
        "group-norm",
        lambda t, a, w, b: _f(t).group_norm(a, 2, w, b),
        [(2, 4, 3), (4,), (4,)],
        forward_atol=1e-4,
    ),
    OpCase(
        "instance-norm",
        lambda t, a, w, b: _f(t).instance_norm(a, weight=w, bias=b),
        [(2, 3, 4), (3,), (3,)],
        forward_atol=1e-4,
    ),
    OpCase("pixel-shuffle", lambda t, a: _f(t).pixel_shuffle(a, 2), [(1, 4, 2, 3)]),
    OpCase("pixel-unshuffle", lambda t, a: _f(t).pixel_unshuffle(a, 2), [(2, 1, 4, 2)]),
    OpCase(
        "margin-ranking-loss",
        lambda t, a, b: _f(t).margin_ranking_loss(a, b, _sign(t, a - b * 0.5), 0.3),
        [(6,), (6,)],
    ),
    OpCase(
        "hinge-embedding-loss",
        lambda t, a: _f(t).hinge_embedding_loss(a, _sign(t, a + 0.3), 1.5, reduction="sum"),
        [(2, 4)],
    ),
    OpCase("soft-margin-loss", lambda t, a: _f(t).soft_margin_loss(a, _sign(t, a + 0.3)), [(2, 4)]),
    OpCase(
        "cosine-embedding-loss",
        lambda t, a, b: _f(t).cosine_embedding_loss(a, b, _sign(t, a[:, 0]), 0.1),
        [(3, 4), (3, 4)],
    ),
    OpCase(
        "triplet-margin-loss",
        lambda t, a, b, c: _f(t).triplet_margin_loss(a, b, c, swap=True),
        [(3, 4), (3, 4), (3, 4)],
    ),
    OpCase("poisson-nll-loss", lambda t, a, b: _f(t).poisson_nll_loss(a, b), [(2, 4), (2, 4)]),
    positive(
        "poisson-nll-loss-full",
        lambda t, a, b: _f(t).poisson_nll_loss(a, b * 2, log_input=False, full=True),
        [(2, 4), (2, 4)],
    ),
    OpCase(
        "gaussian-nll-loss",
        lambda t, a, b, v: _f(t).gaussian_nll_loss(a, b, v.abs() + 0.1, full=True),
        [(2, 4), (2, 4), (2, 4)],
    ),
    OpCase(
        "multilabel-soft-margin-loss",
        lambda t, a: _f(t).multilabel_soft_margin_loss(a, (a.detach() > 0.2).to(a.dtype)),
        [(3, 4)],
    ),
]
