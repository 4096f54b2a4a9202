"""Rows of test_op_gradients.py's table for the margin, CTC and distance losses added in the eighth
session, and embedding_bag (of its weight: the weight's gradient is linear in the incoming one,
so its second derivative is zero, in PyTorch too). multi_margin_loss, multilabel_margin_loss,
pdist, ctc_loss and embedding_bag's per_sample_weights have no rows: PyTorch has no derivative
for their backward kernels, so their second derivatives raise (test_losses_extra.py checks
their gradients and that refusal instead)."""

from __future__ import annotations

from opcase import OpCase


def _f(t):
    return t.nn.functional


def _bags(mode, offsets=(0, 2, 2, 5), **kw):
    """embedding_bag of a (5, 3) weight: by default bags of 2, 0, 3 and 1 indices."""
    return lambda t, w: _f(t).embedding_bag(
        t.tensor([0, 2, 2, 4, 1, 3]), w, t.tensor(offsets), mode=mode, **kw
    )


def _cosine_distance(t):
    return lambda x, y: 1.0 - _f(t).cosine_similarity(x, y)


CASES: list[OpCase] = [
    OpCase(
        "triplet-margin-with-distance-loss",
        lambda t, a, p, n: _f(t).triplet_margin_with_distance_loss(a, p, n, margin=0.5),
        [(3, 4), (3, 4), (3, 4)],
    ),
    OpCase(
        "triplet-margin-with-distance-loss-swap",
        lambda t, a, p, n: _f(t).triplet_margin_with_distance_loss(
            a, p, n, swap=True, reduction="none"
        ),
        [(3, 4), (3, 4), (3, 4)],
    ),
    OpCase(
        "triplet-margin-with-distance-loss-cosine",
        lambda t, a, p, n: _f(t).triplet_margin_with_distance_loss(
            a, p, n, distance_function=_cosine_distance(t), margin=1.5, reduction="sum"
        ),
        [(3, 4), (3, 4), (3, 4)],
    ),
    OpCase("embedding-bag-sum", _bags("sum", padding_idx=4), [(5, 3)]),
    OpCase("embedding-bag-mean", _bags("mean", (0, 2, 2, 6), include_last_offset=True), [(5, 3)]),
    OpCase("embedding-bag-max", _bags("max", padding_idx=1), [(5, 3)]),
    OpCase(
        "embedding-bag-mean-2d",
        lambda t, w: _f(t).embedding_bag(t.tensor([[0, 2, 2], [4, 1, 3]]), w),
        [(5, 3)],
    ),
]
