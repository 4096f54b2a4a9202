"""Rows of test_op_gradients.py's table for the grids ops.

meshgrid's grids are views that only one input reaches each; a row combines both so every
input gets a gradient. cdist's own node (CdistBackward0) has no row: PyTorch does not
implement its second derivative, which the table checks (tests/reference/test_grids.py
checks its gradients and that refusal). Its p=2 matrix-product path (EuclideanDistBackward0)
is differentiable twice, but its create_graph graph computes grad / distance once per input
where PyTorch shares it (test_second_order_graphs.py compares the graphs), so test_grids.py
checks its second derivatives instead.
"""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase(
        "meshgrid-xy",
        lambda t, a, b: (lambda g: g[0] * 2.0 + g[1])(t.meshgrid(a, b, indexing="xy")),
        [(3,), (2,)],
    ),
    OpCase(
        "meshgrid-ij-list",
        lambda t, a, b, c: (lambda g: g[0] * g[1] - g[2])(t.meshgrid([a, b, c], indexing="ij")),
        [(2,), (3,), ()],
    ),
    OpCase("cartesian-prod", lambda t, a, b: t.cartesian_prod(a, b), [(3,), (2,)]),
    OpCase("combinations", lambda t, a: t.combinations(a), [(4,)]),
    OpCase(
        "combinations-with-replacement",
        lambda t, a: t.combinations(a, r=3, with_replacement=True),
        [(3,)],
    ),
]
