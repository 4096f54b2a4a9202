"""torch.linalg.householder_product and torch.orgqr (ops/householder_product.py) against
torch: values, the node, first and second derivatives, finite differences, and the checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

CASES = [((5, 3), 2), ((4, 4), 4), ((2, 6, 3), 3), ((3, 1, 4, 2), 1)]


def _run(t, A, tau, weights):
    a, tt = t.tensor(A, requires_grad=True), t.tensor(tau, requires_grad=True)
    Q = t.linalg.householder_product(a, tt)
    grad_a, grad_tau = t.autograd.grad((Q * t.tensor(weights)).sum(), (a, tt), create_graph=True)
    second = t.autograd.grad((grad_a**2).sum() + (grad_tau**3).sum(), (a, tt))
    return Q.grad_fn.name(), [x.detach().numpy() for x in (Q, grad_a, grad_tau, *second)]


@pytest.mark.parametrize(("shape", "k"), CASES)
def test_values_and_derivatives_match_torch(shape, k):
    rng = np.random.default_rng(len(shape) + k)
    A = rng.standard_normal(shape)
    tau = rng.random(shape[:-2] + (k,)) * 1.5
    weights = rng.standard_normal(shape)
    (ours_name, ours), (theirs_name, theirs) = (_run(t, A, tau, weights) for t in (ref, torch))
    assert ours_name == theirs_name == "LinalgHouseholderProductBackward0"
    for mine, torchs in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, torchs, rtol=1e-9, atol=1e-10)


def test_gradcheck_and_orgqr():
    rng = np.random.default_rng(3)
    a = ref.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    tau = ref.tensor(rng.random(3), requires_grad=True)
    assert ref.autograd.gradcheck(ref.linalg.householder_product, (a, tau))
    np.testing.assert_array_equal(ref.orgqr(a, tau).detach().numpy(), a.orgqr(tau).detach().numpy())


def test_no_reflector_gives_no_gradient_as_in_torch():
    for t in (ref, torch):
        a = t.randn(3, 3, dtype=t.float64, requires_grad=True)
        tau = t.zeros(0, dtype=t.float64, requires_grad=True)
        Q = t.linalg.householder_product(a, tau)
        Q.sum().backward()
        assert a.grad is None and tau.grad is None
        assert Q.tolist() == t.eye(3, dtype=t.float64).tolist()


REFUSED = {
    "vector": lambda t: t.linalg.householder_product(t.randn(4), t.rand(2)),
    "tau-rank": lambda t: t.linalg.householder_product(t.randn(4, 3), t.rand(2, 1)),
    "wide": lambda t: t.linalg.householder_product(t.randn(2, 3), t.rand(1)),
    "long-tau": lambda t: t.linalg.householder_product(t.randn(4, 3), t.rand(4)),
    "batch": lambda t: t.linalg.householder_product(t.randn(2, 4, 3), t.rand(3, 2)),
    "dtype": lambda t: t.linalg.householder_product(t.randn(4, 3), t.rand(2, dtype=t.float64)),
    "half": lambda t: t.linalg.householder_product(t.randn(4, 3).half(), t.rand(2).half()),
    "int": lambda t: t.orgqr(t.randn(4, 3).int(), t.rand(2).int()),
}


@pytest.mark.parametrize("call", REFUSED.values(), ids=REFUSED.keys())
def test_checks_match_torch(call):
    seen = []
    for t in (ref, torch):
        with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is compared below
            call(t)
        seen.append((type(caught.value).__name__, str(caught.value)))
    assert seen[0] == seen[1]
