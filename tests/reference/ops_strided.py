"""Rows of test_op_gradients.py's table for the strided ops."""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    # Overlapping windows: one element is read by several outputs, its gradients add up.
    OpCase("as-strided-overlap", lambda t, a: a.as_strided((3, 3), (1, 1)), [(5,)]),
    OpCase(
        "as-strided-offset-squared", lambda t, a: a.as_strided((2, 3), (2, 1), 1) ** 2, [(4, 2)]
    ),
    # Strides address the storage, not the (transposed) view.
    OpCase(
        "as-strided-of-transpose",
        lambda t, a: a.t().as_strided((2, 2), (1, 3)) * a[0, :2],
        [(2, 3)],
    ),
    # An absolute storage offset into a slice's storage.
    OpCase("as-strided-of-slice", lambda t, a: a[1:].as_strided((2, 2), (2, 1), 2) ** 2, [(6,)]),
    # An expanded input holds each element twice: each copy gets half the gradient.
    OpCase("as-strided-of-expand", lambda t, a: a.expand(2, 4).as_strided((3,), (1,)) ** 2, [(4,)]),
    OpCase("unfold", lambda t, a: a.unfold(1, 3, 2), [(2, 7)]),
    OpCase("unfold-overlap-squared", lambda t, a: a.unfold(0, 2, 1) ** 2, [(4, 3)]),
    OpCase("unfold-0d", lambda t, a: a.unfold(0, 1, 1) * 2.0, [()]),
]
