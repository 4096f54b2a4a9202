"""Rows of test_op_gradients.py's table for the scattering ops
(conformance/reference/ops/scattering.py).

Where src is differentiable, index has src's shape (PyTorch's engine refuses src's gradient
otherwise). Scatter's indices name each position once; the reducing ops' name some twice, so
the gradients of sums, products, means and extremes over several elements are checked."""

from __future__ import annotations

from opcase import OpCase


def _once(t):
    """Each position of a 3x3 tensor named at most once along dim 0."""
    return t.tensor([[2, 0, 1], [0, 1, 2]])


def _twice(t):
    """Positions of a 3x2 tensor named twice (and one not at all) along dim 0."""
    return t.tensor([[0, 1], [0, 0], [2, 0]])


def _reduce(reduce: str, include_self: bool) -> OpCase:
    return OpCase(
        f"scatter-reduce-{reduce}{'' if include_self else '-exclude-self'}",
        lambda t, a, b: t.scatter_reduce(a, 0, _twice(t), b, reduce, include_self=include_self),
        [(3, 2), (3, 2)],
    )


def _mask(t):
    return t.tensor([[True, False], [False, True], [True, True]])


CASES: list[OpCase] = [
    OpCase("scatter-src", lambda t, a, b: t.scatter(a, 0, _once(t), b), [(3, 3), (2, 3)]),
    OpCase("scatter-value", lambda t, a: a.scatter(1, t.tensor([[0], [2]]), 1.5), [(2, 3)]),
    OpCase(
        "scatter-in-place",
        lambda t, a, b: (a * 1).scatter_(-1, t.tensor([[1, 0], [0, 1], [1, 0]]), b),
        [(3, 2), (3, 2)],
    ),
    OpCase("scatter-add", lambda t, a, b: t.scatter_add(a, 0, _twice(t), b), [(3, 2), (3, 2)]),
    OpCase(
        "scatter-add-in-place",
        lambda t, a, b: (a * 1).scatter_add_(0, _twice(t), b),
        [(3, 2), (3, 2)],
    ),
    *[
        _reduce(reduce, include_self)
        for reduce in ("sum", "prod", "mean", "amax", "amin")
        for include_self in (True, False)
    ],
    OpCase(
        "index-add-alpha",
        lambda t, a, b: t.index_add(a, 0, t.tensor([0, 2, 0]), b, alpha=2.5),
        [(3, 2), (3, 2)],
    ),
    OpCase(
        "index-add-in-place",
        lambda t, a, b: (a * 1).index_add_(1, t.tensor([1, 1]), b),
        [(2, 3), (2, 2)],
    ),
    OpCase("index-copy", lambda t, a, b: a.index_copy(1, t.tensor([2, 0]), b), [(2, 3), (2, 2)]),
    OpCase("index-fill", lambda t, a: a.index_fill(1, t.tensor([2, 0, 2]), -1.5), [(2, 3)]),
    OpCase(
        "index-fill-tensor",
        lambda t, a, v: t.index_fill(a, 0, t.tensor([1, 1, 2]), v),
        [(3, 2), ()],
    ),
    OpCase(
        "index-put",
        lambda t, a, b: t.index_put(a, (t.tensor([0, 2]),), b),
        [(3, 2), (2,)],
    ),
    OpCase(
        "index-put-accumulate",
        lambda t, a, b: t.index_put(a, (t.tensor([0, 2, 0]), t.tensor([1, 1, 1])), b, True),
        [(3, 2), (3,)],
    ),
    OpCase(
        "index-put-in-place-mask",
        lambda t, a, b: (a * 1).index_put_((_mask(t),), b),
        [(3, 2), (4,)],
    ),
    OpCase("masked-scatter", lambda t, a, b: t.masked_scatter(a, _mask(t), b), [(3, 2), (6,)]),
    OpCase(
        "masked-scatter-broadcast",
        lambda t, a, b: a.masked_scatter(t.tensor([True, False]), b),
        [(3, 1), (2, 3)],
    ),
]
CASES += [
    OpCase("put", lambda t, a, b: t.put(a, t.tensor([1, 4, -1]), b), [(2, 3), (3,)]),
    OpCase(
        "put-accumulate-in-place",
        lambda t, a, b: (a * 1).put_(t.tensor([[1, 1], [0, 1]]), b, accumulate=True),
        [(2, 3), (2, 2)],
    ),
]
