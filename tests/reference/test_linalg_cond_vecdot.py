"""torch.linalg.cond and torch.linalg.vecdot (conformance/reference/linalg.py) against real
PyTorch: values, node names, shapes, singular inputs and the errors for misuse."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import conformance.reference as ref

CALLS = {
    "vecdot": lambda t, x, y, A: t.linalg.vecdot(x, y),
    "vecdot-dim0": lambda t, x, y, A: t.linalg.vecdot(x, y.view(3, 1).expand(3, 3)[:2], dim=0),
    "vecdot-dtypes-differ": lambda t, x, y, A: t.linalg.vecdot(x, y.double()),
    "vecdot-integers": lambda t, x, y, A: t.linalg.vecdot(x.int(), y.int()),
    "vecdot-broadcast-fails": lambda t, x, y, A: t.linalg.vecdot(x, t.ones(2)),
    "vecdot-dim-out-of-range": lambda t, x, y, A: t.linalg.vecdot(x, y, dim=2),
    "cond-batch": lambda t, x, y, A: t.linalg.cond(t.stack([A, A * 2 + 1]), 1),
    "cond-singular-2": lambda t, x, y, A: t.linalg.cond(t.tensor([[1.0, 0.0], [0.0, 0.0]])),
    "cond-singular-1": lambda t, x, y, A: t.linalg.cond(t.tensor([[1.0, 0.0], [0.0, 0.0]]), 1),
    "cond-singular-nuc": lambda t, x, y, A: t.linalg.cond(t.zeros(2, 2), "nuc"),
    "cond-not-square-1": lambda t, x, y, A: t.linalg.cond(t.ones(2, 3), 1),
    "cond-not-square-inf": lambda t, x, y, A: t.linalg.cond(t.ones(2, 3), math.inf),
    "cond-not-square-fro": lambda t, x, y, A: t.linalg.cond(t.ones(2, 3), "fro"),
    "cond-vector": lambda t, x, y, A: t.linalg.cond(t.ones(3)),
    "cond-integers": lambda t, x, y, A: t.linalg.cond(A.int()),
    "cond-bad-order": lambda t, x, y, A: t.linalg.cond(A, 3),
}
for _order in [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf]:
    CALLS[f"cond-{_order}"] = lambda t, x, y, A, p=_order: t.linalg.cond(A, p)


def _outcome(t, name):
    x = t.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=t.float64, requires_grad=True)
    y = t.tensor([1.0, 0.0, -1.0], dtype=t.float64)
    A = t.tensor([[1.0, 2.0], [3.0, 4.5]], dtype=t.float64, requires_grad=True)
    try:
        out = CALLS[name](t, x, y, A)
        grad = None
        if out.requires_grad:  # PyTorch's backward through cond's norm(A) norm(inv A) fails
            (grad,) = t.autograd.grad(out.sum(), A if name.startswith("cond") else x)
            grad = grad.numpy()
    except Exception as error:  # noqa: BLE001 - an error is an outcome to compare
        return type(error).__name__, str(error)
    return out.detach().numpy(), type(out.grad_fn).__name__, tuple(out.shape), grad


@pytest.mark.parametrize("name", list(CALLS))
def test_matches_torch(name):
    ours, theirs = _outcome(ref, name), _outcome(torch, name)
    if isinstance(theirs[0], str):
        assert ours == theirs
        return
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    assert ours[1:3] == theirs[1:3]
    if theirs[3] is not None:
        np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-8, atol=1e-12)
