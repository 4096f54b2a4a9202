"""Gradients of binary ops where a 0-dim operand of one dtype meets a dimensioned one of
another (a bfloat16 vector and a float64 0-dim tensor that requires grad), compared bit for bit
with PyTorch, in an ordinary backward and under create_graph.

PyTorch's promotion does not let the 0-dim tensor raise the dtype of the other, so every step
of the derivative formula runs in the dimensioned operand's dtype; NumPy's promotion would run
it in the 0-dim array's. Before the engine ran such nodes' derivatives on Tensors, the plain
backward differed from PyTorch in 28 of the 30 half-precision cases below (create_graph agreed
in all)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

OPS = {
    "atan2": lambda t, a, b: t.atan2(a, b),
    "mul": lambda t, a, b: a * b,
    "div": lambda t, a, b: a / b,
    "pow": lambda t, a, b: t.pow(a.abs(), b),
    "addcmul": lambda t, a, b: t.addcmul(a, a, b),
    "addcdiv": lambda t, a, b: t.addcdiv(a, a, b),
    "logaddexp": lambda t, a, b: t.logaddexp(a, b),
    "dist": lambda t, a, b: t.dist(a, b),
    "hypot": lambda t, a, b: t.hypot(a, b),
    "xlogy": lambda t, a, b: t.xlogy(a.abs(), b.abs()),
    "sub-alpha": lambda t, a, b: t.sub(a, b, alpha=2.0),
    "where": lambda t, a, b: t.where(a > 0, a, b),
}
DIMENSIONED = ("bfloat16", "float16", "float32")
ZERO_DIM = ("float64", "float32")


def gradient(t, op, dimensioned, zero_dim, swap, create_graph):
    rng = np.random.default_rng(3)
    a = t.tensor(rng.standard_normal(6).astype(np.float32), dtype=getattr(t, dimensioned))
    b = t.tensor(rng.standard_normal(()) + 1.5, dtype=getattr(t, zero_dim), requires_grad=True)
    y = OPS[op](t, *((b, a) if swap else (a, b)))
    (found,) = t.autograd.grad(y.sum(), b, create_graph=create_graph)
    return found.dtype, found.detach().double().numpy()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("zero_dim", ZERO_DIM)
@pytest.mark.parametrize("dimensioned", DIMENSIONED)
@pytest.mark.parametrize("op", OPS)
def test_zero_dim_operand_gradient_as_in_torch(op, dimensioned, zero_dim, swap, create_graph):
    if dimensioned == zero_dim:
        pytest.skip("one dtype: nothing to promote")
    args = (op, dimensioned, zero_dim, swap, create_graph)
    theirs = gradient(torch, *args)
    ours = gradient(ref, *args)
    assert str(ours[0]) == str(theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
