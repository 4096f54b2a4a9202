"""Rows of test_op_gradients.py's table for the searching ops (quantile and nanquantile;
searchsorted and bucketize give indices and have no gradient).

Every slice is at most 16 long, where PyTorch's CPU sort keeps equal elements (the special
values tie often) in index order, so the gradient reaches the element PyTorch sends it to.
A row whose q is an input draws it from [0, 1]; the special values put q out of range, and
then both engines must refuse it alike.
"""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase("quantile", lambda t, a: t.quantile(a, 0.3), [(2, 5)]),
    OpCase(
        "quantile-q-tensor-dim-keepdim",
        lambda t, a: t.quantile(a, a.new_tensor([0.25, 0.8, 1.0]), dim=1, keepdim=True),
        [(3, 4)],
    ),
    OpCase(
        "quantile-q-input-dim0",
        lambda t, a, q: t.quantile(a, q, dim=0),
        [(5, 3), (2,)],
        low=0.0,
        high=1.0,
    ),
    OpCase("quantile-lower", lambda t, a: a.quantile(0.4, -1, interpolation="lower"), [(2, 6)]),
    OpCase("quantile-higher", lambda t, a: a.quantile(0.4, 0, interpolation="higher"), [(4, 2)]),
    OpCase(
        "quantile-midpoint",
        lambda t, a: t.quantile(a, a.new_tensor([0.1, 0.5]), interpolation="midpoint"),
        [(3, 3)],
    ),
    OpCase(
        "quantile-nearest",
        lambda t, a: t.quantile(a, a.new_tensor([0.125, 0.625]), 1, interpolation="nearest"),
        [(2, 5)],
    ),
    OpCase("nanquantile", lambda t, a: t.nanquantile(a, 0.7, dim=1), [(3, 4)]),
    OpCase(
        "nanquantile-q-input",
        lambda t, a, q: a.nanquantile(q, keepdim=True),
        [(2, 3), (3,)],
        low=0.0,
        high=1.0,
    ),
    OpCase(
        "nanquantile-midpoint",
        lambda t, a: t.nanquantile(a, a.new_tensor([0.3, 0.9]), 0, interpolation="midpoint"),
        [(4, 2)],
    ),
]
