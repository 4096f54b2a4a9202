"""Rows of test_op_gradients.py's table for the ops of tests/reference/test_more_ops.py: the
in-place forms (each records its op's node on the changed tensor), ldexp, nextafter, frexp,
fix, round with decimals, igamma and igammac (in x: PyTorch has no derivative in a), rsub, ravel, sum_to_size and the splits. (vander has no row: its
backward fails in PyTorch, a version error its composition makes; test_more_ops.py checks
that the engine's fails the same way.)"""

from __future__ import annotations

from opcase import OpCase, positive

CASES: list[OpCase] = [
    # in place on a non-leaf: the op's own node, its gradient unchanged
    OpCase("acos-in-place", lambda t, a: (a * 1).acos_(), [(5,)], low=-0.9, high=0.9),
    OpCase("tan-in-place", lambda t, a: (a * 1).tan_(), [(5,)], low=-1.2, high=1.2),
    positive("log2-in-place", lambda t, a: (a * 1).log2_(), [(5,)]),
    positive("rsqrt-in-place", lambda t, a: (a * 1).rsqrt_(), [(5,)]),
    OpCase("square-in-place", lambda t, a: (a * 1).square_(), [(2, 3)]),
    OpCase("expm1-top-level-in-place", lambda t, a: t.expm1_(a * 1), [(4,)]),
    OpCase("cumsum-in-place", lambda t, a: (a * 1).cumsum_(1), [(2, 3)]),
    OpCase("cumprod-in-place", lambda t, a: (a * 1).cumprod_(0), [(3, 2)]),
    OpCase(
        "addmm-in-place",
        lambda t, s, a, b: (s * 1).addmm_(a, b, beta=0.5, alpha=2),
        [(2, 3), (2, 4), (4, 3)],
    ),
    OpCase("addmv-in-place", lambda t, s, a, b: (s * 1).addmv_(a, b), [(2,), (2, 3), (3,)]),
    OpCase("addr-in-place", lambda t, s, a, b: (s * 1).addr_(a, b, alpha=3), [(2, 3), (2,), (3,)]),
    OpCase(
        "baddbmm-in-place",
        lambda t, s, a, b: (s * 1).baddbmm_(a, b),
        [(2, 2, 3), (2, 2, 4), (2, 4, 3)],
    ),
    OpCase(
        "addbmm-in-place", lambda t, s, a, b: (s * 1).addbmm_(a, b), [(2, 3), (3, 2, 4), (3, 4, 3)]
    ),
    # new ops
    OpCase("ldexp", lambda t, a, b: t.ldexp(a, b), [(2, 3), (3,)]),
    OpCase("ldexp-int-exponent", lambda t, a: t.ldexp(a, t.tensor([3, 1, 0])), [(2, 3)]),
    OpCase("ldexp-in-place", lambda t, a, b: (a * 1).ldexp_(b), [(4,), (4,)]),
    OpCase("nextafter", lambda t, a, b: t.nextafter(a, b), [(4,), (4,)]),
    OpCase("frexp-mantissa", lambda t, a: t.frexp(a).mantissa, [(5,)], low=0.55, high=0.95),
    OpCase("frexp-mantissa-signs", lambda t, a: t.frexp(a * 3)[0], [(5,)]),
    OpCase("fix", lambda t, a: t.fix(a), [(5,)]),
    OpCase("round-decimals", lambda t, a: t.round(a * 3, decimals=1), [(5,)]),
    OpCase("igamma", lambda t, x: t.igamma(t.tensor([0.5, 2.0, 3.5]), x), [(3,)], low=0.1, high=3),
    OpCase(
        "igammac", lambda t, x: t.igammac(t.tensor([0.5, 2.0, 3.5]), x), [(2, 3)], low=0.1, high=3
    ),
    OpCase("igamma-in-place", lambda t, x: t.full_like(x, 1.5).igamma_(x), [(3,)], low=0.1, high=3),
    OpCase("rsub-tensor", lambda t, a, b: t.rsub(a, b, alpha=3), [(2, 3), (3,)]),
    OpCase("rsub-number", lambda t, a: t.rsub(a, 2.5, alpha=0.5), [(4,)]),
    OpCase("ravel-contiguous", lambda t, a: t.ravel(a), [(2, 3)]),
    OpCase("ravel-transposed", lambda t, a: a.t().ravel(), [(2, 3)]),
    OpCase("sum-to-size", lambda t, a: a.sum_to_size(2, 1), [(2, 3)]),
    OpCase("sum-to-size-leading", lambda t, a: a.sum_to_size(3), [(2, 3)]),
    OpCase("split-with-sizes", lambda t, a: a.split_with_sizes([1, 3], dim=1)[1], [(2, 4)]),
    OpCase("unsafe-split", lambda t, a: t.unsafe_split(a, 2)[1] * 3, [(5,)]),
    OpCase("unsafe-chunk", lambda t, a: a.unsafe_chunk(2, 1)[0], [(2, 4)]),
    OpCase("unsafe-split-with-sizes", lambda t, a: a.unsafe_split_with_sizes([3, 1])[0], [(4,)]),
]
