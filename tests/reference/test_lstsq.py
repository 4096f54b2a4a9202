"""torch.linalg.lstsq (conformance/reference/ops/linalg_spectral.py) against real PyTorch, both
run side by side: the four outputs per driver (which are empty, their shapes and dtypes, the
minimum-norm solution for wide and rank-deficient A), rcond's default and truncation, vector
and batched B with PyTorch's broadcasting, empty matrices, the errors in PyTorch's words, the
named tuple and grad_fn names, and the gradients of the solution and the residuals (against
PyTorch's, finite differences and PyTorch's second derivatives)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

RNG = np.random.default_rng(23)
DRIVERS = [None, "gels", "gelsy", "gelsd", "gelss"]


def _rank_deficient(m, n, r, batch=()):
    return RNG.standard_normal(batch + (m, r)) @ RNG.standard_normal(batch + (r, n))


# (A, B, full rank): gels only promises anything for a full-rank A.
PROBLEMS = {
    "tall": (RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2)), True),
    "square": (RNG.standard_normal((3, 3)), RNG.standard_normal((3, 2)), True),
    "wide": (RNG.standard_normal((3, 5)), RNG.standard_normal((3, 2)), True),
    "tall-rank-2": (_rank_deficient(5, 3, 2), RNG.standard_normal((5, 2)), False),
    "wide-rank-2": (_rank_deficient(3, 5, 2), RNG.standard_normal((3, 2)), False),
    "batched": (RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 4, 2)), True),
    "batched-one-deficient": (
        np.stack([RNG.standard_normal((5, 3)), _rank_deficient(5, 3, 2)]),
        RNG.standard_normal((2, 5, 2)),
        False,
    ),
    "vector": (RNG.standard_normal((5, 3)), RNG.standard_normal(5), True),
    "batched-vector": (RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5)), True),
    "broadcast-batches": (
        RNG.standard_normal((2, 1, 5, 3)),
        RNG.standard_normal((1, 3, 5, 2)),
        True,
    ),
    # B with one dim fewer than A but not A's shape less its last dim: a matrix, whose batch
    # PyTorch still reads as B.shape[:-1].
    "matrix-one-dim-fewer": (RNG.standard_normal((1, 5, 3)), RNG.standard_normal((5, 2)), True),
    "empty-rows": (np.zeros((0, 3)), np.zeros((0, 2)), True),
    "empty-columns": (np.zeros((5, 0)), RNG.standard_normal((5, 2)), True),
    "empty-batch": (np.zeros((0, 5, 3)), np.zeros((0, 5, 2)), True),
}


def _run(t, a, b, dtype, **kwargs):
    A = t.tensor(a, dtype=getattr(t, dtype)).requires_grad_()
    B = t.tensor(b, dtype=getattr(t, dtype)).requires_grad_()
    return t.linalg.lstsq(A, B, **kwargs)


def _summary(out):
    return (
        type(out).__name__,
        [str(o.dtype) for o in out],
        [tuple(o.shape) for o in out],
        [type(o.grad_fn).__name__ for o in out],
        [o.requires_grad for o in out],
    )


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-9), ("float32", 2e-4)])
@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("name", PROBLEMS)
def test_outputs_match_torch(name, driver, dtype, tol):
    a, b, full_rank = PROBLEMS[name]
    ours, theirs = (_run(t, a, b, dtype, driver=driver) for t in (ref, torch))
    assert _summary(ours) == _summary(theirs)
    np.testing.assert_array_equal(ours.rank.numpy(), theirs.rank.numpy())
    np.testing.assert_allclose(
        ours.singular_values.detach().numpy(), theirs.singular_values.numpy(), rtol=tol, atol=tol
    )
    if full_rank or driver != "gels":  # gels on a rank-deficient A: whatever LAPACK left
        for mine, torchs in zip(ours[:2], theirs[:2], strict=True):
            np.testing.assert_allclose(
                mine.detach().numpy(), torchs.detach().numpy(), rtol=tol, atol=tol
            )


def test_wide_and_rank_deficient_solutions_have_minimum_norm():
    for name in ("wide", "wide-rank-2", "tall-rank-2"):
        a, b, _ = PROBLEMS[name]
        for t in (ref, torch):
            solution = t.linalg.lstsq(t.tensor(a), t.tensor(b), driver="gelsy").solution
            np.testing.assert_allclose(solution.numpy(), np.linalg.pinv(a) @ b, atol=1e-10)


def test_default_driver_gives_no_residuals_and_named_fields():
    a, b, _ = PROBLEMS["tall"]
    for t in (ref, torch):
        out = t.linalg.lstsq(t.tensor(a), t.tensor(b))
        assert type(out).__module__ == "torch.return_types"
        assert type(out).__name__ == "linalg_lstsq"
        assert out.residuals.shape == (0,) and out.singular_values.shape == (0,)
        assert out.rank.dtype == t.int64 and out.rank.item() == 3
        assert out[0] is out.solution


# s = (1.848, 0.765, 7.07e-4): rcond between them truncates; gelsd reads rcond >= 1 as eps,
# gelss keeps nothing, gelsy keeps the first. (At rcond = 0.5 the second singular value of
# diag(1, 0.5) sits on the threshold: gelss and gelsd drop it, gelsy keeps it, and so does not
# the reference's gelsy, which decides by the singular values.)
RCOND_A = np.concatenate([np.diag([1.0, 1e-3, 1e-8]), np.ones((1, 3))])
RCOND_B = RNG.standard_normal((4, 2))


@pytest.mark.parametrize("rcond", [None, 1e-7, 1e-2, 0.6, 2.0, 0.0, -1.0])
@pytest.mark.parametrize("driver", ["gelsy", "gelsd", "gelss"])
def test_rcond_truncates_like_torch(rcond, driver):
    ours, theirs = (
        t.linalg.lstsq(t.tensor(RCOND_A), t.tensor(RCOND_B), rcond, driver=driver)
        for t in (ref, torch)
    )
    assert ours.rank.item() == theirs.rank.item()
    if driver == "gelsy" and theirs.rank.item() < 3:
        return  # gelsy truncates its pivoted QR, not the SVD: only the rank is the same
    for mine, torchs in zip(ours[:2], theirs[:2], strict=True):
        np.testing.assert_allclose(mine.numpy(), torchs.numpy(), rtol=1e-8, atol=1e-10)


def test_default_rcond_is_eps_times_max_dim():
    """Singular values just above and just below eps * max(m, n) * s1."""
    eps = np.finfo(np.float64).eps
    for ratio, rank in ((60 * eps, 3), (2 * eps, 2)):
        a = np.diag([1.0, 0.5, ratio])[:, :3]
        a = np.concatenate([a, np.zeros((2, 3))])  # 5 x 3: the threshold is 5 eps
        for t in (ref, torch):
            got = t.linalg.lstsq(t.tensor(a), t.tensor(np.ones((5, 1))), driver="gelsd").rank
            assert got.item() == rank


ERRORS = [
    ((), (), "float64", {}),
    ((3,), (3,), "float64", {}),
    ((3, 3), (), "float64", {}),
    ((5, 3), (5, 2), "mixed", {}),
    ((3, 5, 3), (3,), "float64", {}),
    ((5, 3), (2, 5, 2), "float64", {}),
    ((5, 3), (4, 2), "float64", {}),
    ((5, 3), (4,), "float64", {}),
    ((2, 5, 3), (1, 5), "float64", {}),
    ((2, 5, 3), (5, 2), "float64", {}),
    ((2, 3, 5, 3), (3, 5, 2), "float64", {}),
    ((3, 5, 3), (2, 5, 2), "float64", {}),
    ((5, 3), (5, 2), "float64", {"driver": "gesv"}),
    ((5, 3), (5, 2), "float64", {"driver": 3}),
    ((5, 3), (5, 2), "int64", {"driver": "gesv"}),
    ((5, 3), (5, 2), "float16", {}),
    ((5, 3), (5, 2), "bfloat16", {}),
    ((5, 3), (5, 2), "int64", {}),
    ((5, 3), (5, 2), "bool", {}),
    ((5, 3), (5, 2), "int64", {"rcond": 0.1}),
    ((5, 3), (5, 2), "float16", {"rcond": 0.1}),
    ((3, 3), (2,), "int32", {}),
]


def _error(t, a_shape, b_shape, dtype, kwargs):
    a_dtype = getattr(t, "float64" if dtype == "mixed" else dtype)
    b_dtype = getattr(t, "float32" if dtype == "mixed" else dtype)
    try:
        t.linalg.lstsq(t.ones(a_shape, dtype=a_dtype), t.ones(b_shape, dtype=b_dtype), **kwargs)
    except Exception as exc:  # noqa: BLE001 - the error is what is compared
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize("a_shape,b_shape,dtype,kwargs", ERRORS)
def test_errors_match_torch(a_shape, b_shape, dtype, kwargs):
    theirs = _error(torch, a_shape, b_shape, dtype, kwargs)
    assert theirs is not None
    assert _error(ref, a_shape, b_shape, dtype, kwargs) == theirs


def test_only_solution_and_residuals_are_differentiable():
    a, b, _ = PROBLEMS["tall"]
    for t in (ref, torch):
        out = _run(t, a, b, "float64", driver="gelsd")
        assert out.rank.grad_fn is None and out.singular_values.grad_fn is None
        assert not out.singular_values.requires_grad
        assert out.solution.grad_fn is out.residuals.grad_fn
        assert [n is None for n, _ in out.solution.grad_fn.next_functions] == [False, False]


GRADIENT_CASES = ["tall", "wide", "square", "vector", "batched-vector", "broadcast-batches"]
GRADIENT_CASES += ["matrix-one-dim-fewer", "tall-rank-2"]


def _gradients(t, a, b, driver, weights, create_graph=False):
    A = t.tensor(a).requires_grad_()
    B = t.tensor(b).requires_grad_()
    out = t.linalg.lstsq(A, B, driver=driver)
    loss = (out.solution * t.tensor(weights[0])).sum()
    if out.residuals.numel():
        loss = loss + (out.residuals * t.tensor(weights[1][: out.residuals.shape[-1]])).sum()
    return t.autograd.grad(loss, (A, B), create_graph=create_graph), (A, B)


def _weights(a, b):
    """Random weights for the solution (of the shape PyTorch gives it) and residuals."""
    shape = tuple(torch.linalg.lstsq(torch.tensor(a), torch.tensor(b)).solution.shape)
    return RNG.standard_normal(shape), RNG.standard_normal(2)


@pytest.mark.parametrize("driver", ["gelsy", "gelsd", "gels"])
@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradients_match_torch(name, driver):
    a, b, full_rank = PROBLEMS[name]
    if driver == "gels" and not full_rank:
        pytest.skip("gels assumes full rank")
    weights = _weights(a, b)
    (ours, _), (theirs, _) = (_gradients(t, a, b, driver, weights) for t in (ref, torch))
    for mine, torchs in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine.numpy(), torchs.numpy(), rtol=1e-9, atol=1e-9)


def test_gradients_match_finite_differences():
    """Of the solution and the residuals (gelsd, tall and full rank), entry by entry."""
    a, b, _ = PROBLEMS["tall"]
    weights = _weights(a, b)

    def loss(a, b):
        out = ref.linalg.lstsq(ref.tensor(a), ref.tensor(b), driver="gelsd")
        return float((out.solution.numpy() * weights[0]).sum() + out.residuals.numpy() @ weights[1])

    (grad_a, grad_b), _ = _gradients(ref, a, b, "gelsd", weights)
    for array, grad, other in ((a, grad_a, b), (b, grad_b, a)):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            step = np.zeros_like(array)
            step[index] = 1e-6
            args = ((array + step, other), (array - step, other))
            if array is b:
                args = tuple((other, x) for x, _ in args)
            numeric[index] = (loss(*args[0]) - loss(*args[1])) / 2e-6
        np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["tall", "wide", "vector"])
def test_second_derivatives_match_torch(name):
    a, b, _ = PROBLEMS[name]
    weights = _weights(a, b)
    results = []
    for t in (ref, torch):
        (grad_a, grad_b), (A, B) = _gradients(t, a, b, "gelsd", weights, create_graph=True)
        results.append(t.autograd.grad((grad_a**2).sum() + (grad_b**2).sum(), (A, B)))
    for mine, torchs in zip(*results, strict=True):
        np.testing.assert_allclose(mine.detach().numpy(), torchs.numpy(), rtol=1e-7, atol=1e-8)


def test_residuals_alone_give_gradients_like_torch():
    """Without a gradient for the solution, only the residuals' term (no pinv)."""
    a, b, _ = PROBLEMS["batched"]
    grads = []
    for t in (ref, torch):
        A, B = t.tensor(a).requires_grad_(), t.tensor(b).requires_grad_()
        grads.append(t.autograd.grad(t.linalg.lstsq(A, B, driver="gelss").residuals.sum(), (A, B)))
    for mine, torchs in zip(*grads, strict=True):
        np.testing.assert_allclose(mine.numpy(), torchs.numpy(), rtol=1e-9, atol=1e-9)
