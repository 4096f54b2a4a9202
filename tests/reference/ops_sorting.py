"""Rows of test_op_gradients.py's table for sorting and selection (conformance/reference/ops/sorting.py).

Each row's slices are short enough that PyTorch's CPU kernels keep equal elements in index
order (up to 16 for sort, 3 for topk, 2 for kthvalue, any length for median(dim)), so the
special values, which tie often, send the gradient where PyTorch sends it. mode's NaNs take
the kernel's own order (sorting._kernel_mode), so its rows have special values too.
"""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    OpCase("sort", lambda t, a: t.sort(a).values, [(2, 5)]),
    OpCase(
        "sort-descending-stable",
        lambda t, a: t.sort(a, dim=0, descending=True, stable=True).values,
        [(3, 2)],
    ),
    OpCase("sort-method-indices-used", lambda t, a: a.sort(1)[0] * a.argsort(1), [(2, 4)]),
    OpCase("msort", lambda t, a: t.msort(a), [(4, 2)]),
    OpCase("topk", lambda t, a: t.topk(a, 2).values, [(4, 3)]),
    OpCase("topk-smallest-dim0", lambda t, a: a.topk(1, 0, largest=False).values, [(2, 3)]),
    OpCase("kthvalue", lambda t, a: t.kthvalue(a, 2).values, [(3, 2)]),
    OpCase("kthvalue-keepdim", lambda t, a: a.kthvalue(1, 0, True).values, [(2, 3)]),
    OpCase("median", lambda t, a: t.median(a), [(2, 3)]),
    OpCase("median-dim", lambda t, a: a.median(1).values, [(3, 4)]),
    OpCase("median-dim-keepdim", lambda t, a: t.median(a, 0, keepdim=True).values, [(5, 2)]),
    OpCase("nanmedian", lambda t, a: t.nanmedian(a), [(2, 3)]),
    OpCase("nanmedian-dim", lambda t, a: a.nanmedian(1).values, [(4, 3)]),
    OpCase("mode", lambda t, a: t.mode(a).values, [(3, 5)]),
    OpCase("mode-dim0-keepdim", lambda t, a: a.mode(0, True).values, [(4, 2)]),
]
