"""Rows of test_op_gradients.py's table for the torch.nn activations, losses and layers beyond issue 4's list."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401


def _f(t):
    return t.nn.functional


CASES: list[OpCase] = [
    OpCase("relu6", lambda t, a: _f(t).relu6(a * 4), [(8,)]),
    OpCase("hardtanh", lambda t, a: _f(t).hardtanh(a, -0.5, 0.7), [(8,)]),
    OpCase("elu", lambda t, a: _f(t).elu(a), [(8,)]),
    OpCase("elu-alpha", lambda t, a: _f(t).elu(a, 0.3), [(2, 4)]),
    OpCase(
        "elu-inplace",
        lambda t, a: _f(t).elu(a * 1, 0.7, inplace=True),
        [(2, 4)],
    ),
    OpCase(
        "hardtanh-inplace",
        lambda t, a: _f(t).hardtanh(a * 1, inplace=True),
        [(8,)],
    ),
    OpCase("threshold-inplace", lambda t, a: _f(t).threshold(a * 1, 0.2, -3.0, True), [(8,)]),
    OpCase("silu", lambda t, a: _f(t).silu(a), [(2, 4)]),
    OpCase("softplus", lambda t, a: _f(t).softplus(a), [(2, 4)]),
    OpCase("softplus-beta", lambda t, a: _f(t).softplus(a, 2.0, 1.5), [(2, 4)]),
    OpCase("logsigmoid", lambda t, a: _f(t).logsigmoid(a), [(2, 4)]),
    OpCase("softsign", lambda t, a: _f(t).softsign(a), [(2, 4)]),
    OpCase("mish", lambda t, a: _f(t).mish(a), [(2, 4)]),
    OpCase("threshold", lambda t, a: _f(t).threshold(a, 0.1, 5.0), [(8,)]),
    OpCase("gelu", lambda t, a: _f(t).gelu(a), [(2, 4)], low=-4.0, high=4.0),
    OpCase(
        "gelu-tanh", lambda t, a: _f(t).gelu(a, approximate="tanh"), [(2, 4)], low=-4.0, high=4.0
    ),
    OpCase("glu", lambda t, a: _f(t).glu(a), [(2, 4)]),
    OpCase("glu-dim0", lambda t, a: _f(t).glu(a, 0), [(4, 3)]),
    OpCase("normalize", lambda t, a: _f(t).normalize(a), [(3, 4)]),
    OpCase("normalize-p1-dim0", lambda t, a: _f(t).normalize(a, 1.0, 0), [(3, 4)], low=0.1),
    OpCase("cosine-similarity", lambda t, a, b: _f(t).cosine_similarity(a, b), [(3, 4), (3, 4)]),
    OpCase(
        "cosine-similarity-broadcast",
        lambda t, a, b: _f(t).cosine_similarity(a, b, dim=-1),
        [(3, 4), (1, 4)],
    ),
    OpCase("pairwise-distance", lambda t, a, b: _f(t).pairwise_distance(a, b), [(3, 4), (3, 4)]),
    OpCase(
        "pairwise-distance-p3",
        lambda t, a, b: _f(t).pairwise_distance(a, b, 3.0, keepdim=True),
        [(3, 4), (4,)],
    ),
    OpCase(
        "embedding",
        lambda t, w: _f(t).embedding(t.tensor([[0, 2], [4, 2]]), w),
        [(5, 3)],
    ),
    OpCase(
        "layer-norm",
        lambda t, x, w, b: _f(t).layer_norm(x, (4,), w, b),
        [(3, 4), (4,), (4,)],
        forward_atol=1e-4,
    ),
    OpCase(
        "layer-norm-2d-no-affine",
        lambda t, x: _f(t).layer_norm(x, (2, 3), eps=1e-3),
        [(2, 2, 3)],
        forward_atol=1e-4,
    ),
    OpCase("smooth-l1", lambda t, a, b: _f(t).smooth_l1_loss(a, b), [(2, 4), (2, 4)]),
    OpCase(
        "smooth-l1-beta-sum",
        lambda t, a, b: _f(t).smooth_l1_loss(a, b, reduction="sum", beta=0.5),
        [(2, 4), (4,)],
    ),
    OpCase(
        "smooth-l1-none",
        lambda t, a, b: _f(t).smooth_l1_loss(a, b, reduction="none", beta=2.0),
        [(8,), (8,)],
    ),
    OpCase("huber", lambda t, a, b: _f(t).huber_loss(a, b), [(2, 4), (2, 4)]),
    OpCase(
        "huber-delta-none",
        lambda t, a, b: _f(t).huber_loss(a, b, "none", 0.5),
        [(8,), (8,)],
    ),
    OpCase(
        "huber-weighted",
        lambda t, a, b, w: _f(t).huber_loss(a, b, "mean", 0.7, w),
        [(2, 4), (2, 4), (2, 4)],
    ),
    OpCase(
        "kl-div-batchmean",
        lambda t, a, b: _f(t).kl_div(a, b, reduction="batchmean"),
        [(2, 4), (2, 4)],
        low=0.1,
    ),
    OpCase("kl-div-mean", lambda t, a, b: _f(t).kl_div(a, b), [(2, 4), (2, 4)], low=0.1),
    OpCase(
        "kl-div-log-target",
        lambda t, a, b: _f(t).kl_div(a, b, reduction="none", log_target=True),
        [(2, 4), (2, 4)],
    ),
    OpCase("pad", lambda t, a: _f(t).pad(a, (1, 2)), [(2, 3)]),
    OpCase("pad-crop", lambda t, a: _f(t).pad(a, (-1, 2, 1, -1), value=0.5), [(3, 4)]),
]
