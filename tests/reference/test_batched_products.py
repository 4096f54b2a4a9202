"""bmm, baddbmm and matmul's batched path with operands of mixed dtypes, wrong ranks and
empty batches: each outcome (the result's dtype, values, shape and node, or the error) is
compared with PyTorch's. PyTorch checks in an order its messages show: baddbmm compares input
and batch1 first ("Input dtypes must be the same"), then the ranks and sizes; the kernel is
chosen by batch1's dtype (no bool kernel) before batch2's is compared; and a product with
nothing to multiply returns, in batch2's dtype, before any of that (random program seed
22767)."""

from __future__ import annotations

import itertools

import pytest
import torch

import conformance.reference as ref

DTYPES = ["bool", "int64", "float32", "bfloat16"]
SHAPES = [
    ((3, 1, 2), (3, 2, 3)),
    ((3, 1, 2), (3, 3, 3)),
    ((0, 1, 2), (0, 2, 3)),
    ((3, 1, 0), (3, 0, 3)),
    ((3, 1, 2), (3, 2)),
    ((3,), (3, 2, 3)),
]


def _outcome(call):
    try:
        r = call()
    except (RuntimeError, IndexError) as exc:
        return type(exc).__name__, str(exc)
    return str(r.dtype), r.flatten()[:3].tolist(), tuple(r.shape), type(r.grad_fn).__name__


def _same(call):
    assert _outcome(lambda: call(ref)) == _outcome(lambda: call(torch))


@pytest.mark.parametrize("first, second", list(itertools.product(DTYPES, DTYPES)))
def test_bmm_and_matmul_with_mixed_dtypes_behave_as_torch(first, second):
    for a, b in SHAPES + [((2,), (3, 2, 3)), ((3, 1, 2), (3, 2, 0))]:

        def bmm(t, a=a, b=b):
            return t.bmm(t.ones(a, dtype=getattr(t, first)), t.ones(b, dtype=getattr(t, second)))

        def matmul(t, a=a, b=b):
            x, y = t.ones(a, dtype=getattr(t, first)), t.ones(b, dtype=getattr(t, second))
            return t.matmul(x, y)

        _same(bmm)
        _same(matmul)


@pytest.mark.parametrize("beta", [1, 0.5, 0])
@pytest.mark.parametrize("input_dtype", ["bool", "int64", "float32"])
def test_baddbmm_checks_in_torch_order(input_dtype, beta):
    for first, second in itertools.product(DTYPES, DTYPES):
        for a, b in SHAPES:

            def baddbmm(t, a=a, b=b, first=first, second=second):
                x = t.ones(1, dtype=getattr(t, input_dtype))
                b1, b2 = t.ones(a, dtype=getattr(t, first)), t.ones(b, dtype=getattr(t, second))
                return t.baddbmm(x, b1, b2, beta=beta)

            _same(baddbmm)


@pytest.mark.parametrize("shapes", SHAPES[:4])
def test_baddbmm_records_its_node_for_floats(shapes):
    def call(t):
        x = t.ones(1, requires_grad=True)
        return t.baddbmm(x, t.ones(shapes[0], requires_grad=True), t.ones(shapes[1]))

    _same(call)
