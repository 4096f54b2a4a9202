"""inv, det, slogdet, logdet and solve (conformance/reference/ops/linalg_decompositions.py)
against real PyTorch: values in float32 and float64 with batches, result types, the dtypes and
shapes refused (with PyTorch's words), and the singular-matrix errors that name a pivot."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

RNG = np.random.default_rng(7)
A = RNG.standard_normal((2, 3, 3)) + 4 * np.eye(3)
B = RNG.standard_normal((2, 3, 2))

UNARY = {
    "linalg.inv": lambda t, a: t.linalg.inv(a),
    "inverse": lambda t, a: t.inverse(a),
    "inverse-method": lambda t, a: a.inverse(),
    "linalg.det": lambda t, a: t.linalg.det(a),
    "det": lambda t, a: t.det(a),
    "det-method": lambda t, a: a.det(),
    "linalg.slogdet": lambda t, a: t.linalg.slogdet(a),
    "slogdet": lambda t, a: t.slogdet(a),
    "slogdet-method": lambda t, a: a.slogdet(),
    "logdet": lambda t, a: t.logdet(a),
    "logdet-method": lambda t, a: a.logdet(),
}


def _outcome(fn):
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
        return type(exc).__name__, str(exc)
    outs = out if isinstance(out, tuple) else (out,)
    return (
        type(out).__name__,
        [str(o.dtype) for o in outs],
        [tuple(o.shape) for o in outs],
        [type(o.grad_fn).__name__ for o in outs],
        [o.detach().numpy() for o in outs],
    )


def _same(ours, theirs, rtol):
    assert ours[:4] == theirs[:4]
    if len(ours) == 2:  # both raised, with the same error
        return
    if isinstance(ours[4], list):
        for a, b in zip(ours[4], theirs[4], strict=True):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype,rtol", [("float32", 1e-5), ("float64", 1e-10)])
@pytest.mark.parametrize("name", UNARY)
def test_values_types_and_nodes(name, dtype, rtol):
    for shape_of in (lambda a: a, lambda a: a[0], lambda a: a[:, :0, :0]):
        arr = shape_of(A)
        ours = _outcome(
            lambda arr=arr: UNARY[name](
                ref, ref.tensor(arr, dtype=getattr(ref, dtype)).requires_grad_()
            )
        )
        theirs = _outcome(
            lambda arr=arr: UNARY[name](
                torch, torch.tensor(arr, dtype=getattr(torch, dtype)).requires_grad_()
            )
        )
        _same(ours, theirs, rtol)


REFUSED = [
    np.ones(3),  # 1-D
    np.ones((2, 3)),  # not square
    np.ones((2, 2), dtype=np.int64),
    np.ones((3,), dtype=np.int64),  # the rank is checked before the dtype
    np.ones((2, 3), dtype=np.int64),  # and squareness too
    np.ones((2, 2), dtype=bool),
]


@pytest.mark.parametrize("name", UNARY)
def test_refused_inputs(name):
    for arr in REFUSED:
        ours = _outcome(lambda arr=arr: UNARY[name](ref, ref.tensor(arr)))
        theirs = _outcome(lambda arr=arr: UNARY[name](torch, torch.tensor(arr)))
        assert ours[:2] == theirs[:2]
    for low in ("float16", "bfloat16"):
        ours = _outcome(lambda low=low: UNARY[name](ref, ref.eye(2, dtype=getattr(ref, low))))
        theirs = _outcome(
            lambda low=low: UNARY[name](torch, torch.eye(2, dtype=getattr(torch, low)))
        )
        assert ours[:2] == theirs[:2]


SINGULAR = [
    [[1.0, 2.0], [2.0, 4.0]],  # the second pivot vanishes after the row swap
    [[0.0, 0.0], [0.0, 0.0]],
    [[0.0, 1.0, 2.0], [0.0, 3.0, 4.0], [0.0, 5.0, 6.0]],  # a zero first column
    [[2.0, 4.0, 6.0], [1.0, 2.0, 3.0], [1.0, 0.0, 1.0]],  # a zero third pivot
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]],
    [[2.0, 1.0], [4.0, 2.0]],
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_singular_inverse_names_the_zero_pivot(dtype):
    for matrix in SINGULAR:
        for stacked in (np.array(matrix), np.stack([np.eye(len(matrix)), matrix]), [matrix]):
            arr = np.asarray(stacked)
            for fn in (
                lambda t, a: t.linalg.inv(a),
                lambda t, a: t.linalg.solve(a, a[..., 0]),
            ):
                ours = _outcome(
                    lambda fn=fn, arr=arr: fn(ref, ref.tensor(arr, dtype=getattr(ref, dtype)))
                )
                theirs = _outcome(
                    lambda fn=fn, arr=arr: fn(torch, torch.tensor(arr, dtype=getattr(torch, dtype)))
                )
                assert ours[:2] == theirs[:2]
    assert issubclass(ref.linalg.LinAlgError, RuntimeError)
    with pytest.raises(ref.linalg.LinAlgError):
        ref.linalg.inv(ref.zeros(2, 2))


def test_singular_determinants():
    """det 0 and slogdet (0, -inf); logdet -inf, and nan for a negative determinant. In an
    ordinary backward PyTorch hands an exactly singular matrix a zero det gradient."""
    # SINGULAR[3] is left out: PyTorch's inv finds its third pivot exactly zero, while its det,
    # through another LU, rounds to -6.7e-16 (sign -1) there.
    for matrix in SINGULAR[:3] + SINGULAR[4:] + [[[-1.0, 0.0], [0.0, 1.0]]]:
        for name in ("linalg.det", "linalg.slogdet", "logdet"):
            ours = _outcome(
                lambda m=matrix, name=name: UNARY[name](ref, ref.tensor(m, dtype=ref.float64))
            )
            theirs = _outcome(
                lambda m=matrix, name=name: UNARY[name](torch, torch.tensor(m, dtype=torch.float64))
            )
            _same(ours, theirs, 1e-12)
        grads = []
        for t in (ref, torch):
            a = t.tensor(matrix, dtype=t.float64, requires_grad=True)
            t.linalg.det(a).backward()
            grads.append(a.grad.numpy())
        np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)


SOLVES = [
    ((3, 3), (3, 2), {}),
    ((2, 3, 3), (3,), {}),  # a vector B broadcasts over A's batch
    ((2, 3, 3), (2, 3), {}),  # B with A's shape less the last dim: a batch of vectors
    ((2, 3, 3), (3, 4), {}),
    ((1, 3, 3), (2, 3, 2), {}),
    ((3, 3), (2, 3), {"left": False}),
    ((2, 1, 3, 3), (4, 5, 3), {"left": False}),
    ((0, 3, 3), (3,), {}),
]


@pytest.mark.parametrize("dtype,rtol", [("float32", 1e-5), ("float64", 1e-10)])
def test_solve_values_and_shapes(dtype, rtol):
    for a_shape, b_shape, kwargs in SOLVES:
        a = RNG.standard_normal(a_shape) + 4 * np.eye(3)
        b = RNG.standard_normal(b_shape)
        results = []
        for t in (ref, torch):
            x = t.linalg.solve(
                t.tensor(a, dtype=getattr(t, dtype), requires_grad=True),
                t.tensor(b, dtype=getattr(t, dtype)),
                **kwargs,
            )
            results.append(_outcome(lambda x=x: x))
        _same(*results, rtol)


SOLVE_MISUSE = [
    (np.ones(3), np.ones(3), {}),
    (np.ones((2, 3)), np.ones(2), {}),
    (np.eye(2), np.ones(3), {}),
    (np.eye(2), np.ones((3, 3)), {}),
    (np.eye(2), np.ones(2), {"left": False}),
    (np.eye(2), np.ones((2, 3)), {"left": False}),
    (np.eye(1), np.ones(1), {"left": False}),
    (np.eye(2), np.ones((2, 2), dtype=np.int64), {}),
    (np.eye(2, dtype=np.int64), np.ones((2, 2), dtype=np.int64), {}),
    (np.eye(2), np.float64(1.0), {}),
]


def test_solve_misuse():
    for a, b, kwargs in SOLVE_MISUSE:
        ours = _outcome(
            lambda a=a, b=b, kw=kwargs: ref.linalg.solve(ref.tensor(a), ref.tensor(b), **kw)
        )
        theirs = _outcome(
            lambda a=a, b=b, kw=kwargs: torch.linalg.solve(torch.tensor(a), torch.tensor(b), **kw)
        )
        assert ours[:2] == theirs[:2]
    for low in ("float16", "bfloat16"):
        outcomes = [
            _outcome(
                lambda t=t, low=low: t.linalg.solve(
                    t.eye(2, dtype=getattr(t, low)), t.ones(2, dtype=getattr(t, low))
                )
            )
            for t in (ref, torch)
        ]
        assert outcomes[0][:2] == outcomes[1][:2]


def test_slogdet_named_tuples():
    for t in (ref, torch):
        a = t.tensor([[2.0, 0.0], [0.0, -3.0]])
        linalg_result, old_result = t.linalg.slogdet(a), t.slogdet(a)
        assert type(linalg_result).__name__ == "linalg_slogdet"
        assert type(old_result).__name__ == "slogdet"
        assert linalg_result.sign.item() == -1.0
        assert abs(old_result.logabsdet.item() - np.log(6.0)) < 1e-6
        assert repr(old_result).startswith("torch.return_types.slogdet(\nsign=")


POWERS = [
    (np.ones((2, 2), dtype=np.int64), [0, 1, 2, 5, -1]),
    (np.ones((2, 2), dtype=bool), [0, 1, 2]),
    (np.eye(2, dtype=np.float16), [0, 2, -1]),
    (np.ones(3), [2]),
    (np.ones((2, 3)), [2]),
    (np.ones((0, 2, 2)), [5, -3]),
    (np.zeros((2, 2)), [-1, -2]),
    (np.ones((2, 2)), [2.0, True]),
]


def test_matrix_power_dtypes_and_misuse():
    """Integers and bool multiply (bool only while no product is needed); a negative power
    needs linalg.inv, with its messages; n must be an int."""
    for arr, powers in POWERS:
        for n in powers:
            for call in (
                lambda t, a, n: t.linalg.matrix_power(a, n),
                lambda t, a, n: t.matrix_power(a, n),
                lambda t, a, n: a.matrix_power(n),
            ):
                ours = _outcome(lambda arr=arr, n=n, call=call: call(ref, ref.tensor(arr), n))
                theirs = _outcome(lambda arr=arr, n=n, call=call: call(torch, torch.tensor(arr), n))
                assert ours[:3] == theirs[:3], (arr.dtype, arr.shape, n)
                if len(ours) > 2:
                    np.testing.assert_allclose(ours[4][0], theirs[4][0])


NOT_POSITIVE_DEFINITE = [
    [[1.0, 2.0], [2.0, 1.0]],  # order 2
    [[0.0, 0.0], [0.0, 1.0]],  # order 1: a zero diagonal
    [[-1.0, 0.0], [0.0, 1.0]],
    [[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]],  # order 2, exactly singular
    [[4.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 3.0, 1.0]],  # the third diagonal left is -9
    [[float("nan"), 0.0], [0.0, 1.0]],
]


@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cholesky_names_the_leading_minor(dtype):
    calls = (
        lambda t, a: t.linalg.cholesky(a),
        lambda t, a: t.linalg.cholesky(a.mT, upper=True),
        lambda t, a: t.cholesky(a),
    )
    for matrix in NOT_POSITIVE_DEFINITE:
        for arr in (np.array(matrix), np.stack([np.eye(len(matrix)), matrix])):
            for call in calls:
                ours = _outcome(
                    lambda c=call, a=arr: c(ref, ref.tensor(a, dtype=getattr(ref, dtype)))
                )
                theirs = _outcome(
                    lambda c=call, a=arr: c(torch, torch.tensor(a, dtype=getattr(torch, dtype)))
                )
                assert ours[:2] == theirs[:2]


@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
def test_cholesky_values_nodes_and_misuse():
    """Only the lower triangle is read (the upper for upper=True); torch.cholesky records
    CholeskyBackward0 and, unlike linalg.cholesky, has no floating-point check of its own."""
    # Its own generator: the module's RNG depends on which tests ran first, and for some draws
    # the upper triangle (noise included) was not positive-definite.
    rng = np.random.default_rng(283)
    m = rng.standard_normal((2, 3, 3))
    spd = m @ np.swapaxes(m, -1, -2) + np.eye(3) + 0.1 * np.triu(rng.standard_normal((3, 3)), 1)
    calls = [
        lambda t, a: t.linalg.cholesky(a),
        lambda t, a: t.linalg.cholesky(a, upper=True),
        lambda t, a: t.cholesky(a),
        lambda t, a: t.cholesky(a, True),
        lambda t, a: a.cholesky(upper=True),
    ]
    for call in calls:
        for dtype, rtol in (("float32", 1e-5), ("float64", 1e-10)):
            for arr in (spd, spd[0], spd[:, :0, :0]):
                ours = _outcome(
                    lambda c=call, a=arr, d=dtype: c(
                        ref, ref.tensor(a, dtype=getattr(ref, d)).requires_grad_()
                    )
                )
                theirs = _outcome(
                    lambda c=call, a=arr, d=dtype: c(
                        torch, torch.tensor(a, dtype=getattr(torch, d)).requires_grad_()
                    )
                )
                _same(ours, theirs, rtol)
        for arr in REFUSED + [np.eye(2, dtype=np.float16)]:
            ours = _outcome(lambda c=call, a=arr: c(ref, ref.tensor(a)))
            theirs = _outcome(lambda c=call, a=arr: c(torch, torch.tensor(a)))
            assert ours[:2] == theirs[:2]
