"""Rows of test_op_gradients.py's table for the reductions and scans in conformance/reference/ops/statistics.py."""

from __future__ import annotations

from opcase import OpCase, positive  # noqa: F401

CASES: list[OpCase] = [
    OpCase("cumprod", lambda t, a: a.cumprod(1), [(2, 4)]),
    OpCase("cumprod-dim0", lambda t, a: t.cumprod(a, 0), [(3, 2)]),
    OpCase(
        "cumprod-with-zero", lambda t, a: (a * t.tensor([1.0, 0.0, 1.0, 0.0])).cumprod(-1), [(2, 4)]
    ),
    OpCase("cummax", lambda t, a: t.cummax(a, 1).values, [(2, 4)]),
    OpCase("cummin-dim0", lambda t, a: a.cummin(0)[0], [(3, 2)]),
    OpCase("logcumsumexp", lambda t, a: a.logcumsumexp(1), [(2, 4)]),
    OpCase("aminmax", lambda t, a: t.stack(list(t.aminmax(a))), [(2, 3)]),
    OpCase("aminmax-dim", lambda t, a: t.aminmax(a, dim=1, keepdim=True).max * 2, [(2, 3)]),
    OpCase("var-mean", lambda t, a: t.var_mean(a, 1)[0] + 3 * t.var_mean(a, 1)[1], [(2, 3)]),
    OpCase("var-mean-all", lambda t, a: t.stack(t.var_mean(a, correction=0)), [(2, 3)]),
    OpCase("std-mean", lambda t, a: t.stack(t.std_mean(a, 0, keepdim=True)), [(3, 2)]),
    OpCase("nansum", lambda t, a: a.nansum(), [(2, 3)]),
    OpCase("nansum-dim", lambda t, a: t.nansum(a, 1, keepdim=True), [(2, 3)]),
    OpCase("nanmean", lambda t, a: a.nanmean(0), [(2, 3)]),
    OpCase("diff", lambda t, a: a.diff(), [(2, 4)]),
    OpCase("diff-n2-prepend", lambda t, a, b: t.diff(a, 2, 0, prepend=b), [(3, 2), (1, 2)]),
    OpCase("dist", lambda t, a, b: t.dist(a, b), [(2, 3), (3,)]),
    OpCase("dist-p1", lambda t, a, b: t.dist(a, b, 1), [(2, 3), (2, 3)]),
    OpCase("dist-p3", lambda t, a, b: a.dist(b, 3), [(4,), (4,)]),
    OpCase("dist-inf", lambda t, a, b: t.dist(a, b, float("inf")), [(4,), (4,)]),
]
