"""QR, eigh, SVD, pinv, matrix_rank, the singular-value matrix norms and the *_ex variants
(conformance/reference/ops/linalg_spectral.py) against real PyTorch: values in float32 and
float64 with batches and empty matrices, named tuples, grad_fn names, the dtypes and shapes
refused (with PyTorch's words), info of the *_ex variants, and the backward errors of QR."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

RNG = np.random.default_rng(11)
TALL = RNG.standard_normal((2, 4, 3))
SQUARE = RNG.standard_normal((2, 3, 3))
SYMMETRIC = SQUARE + np.swapaxes(SQUARE, -1, -2)

# Results that do not depend on the signs LAPACK picks for eigenvectors and singular vectors;
# QR's are fixed by geqrf, so Q and R are compared as they are.
CALLS = {
    "linalg.qr": lambda t, a: t.linalg.qr(a),
    "linalg.qr-complete": lambda t, a: t.linalg.qr(a, mode="complete"),
    "linalg.qr-r": lambda t, a: t.linalg.qr(a, mode="r"),
    "qr-some-false": lambda t, a: t.qr(a, some=False),
    "qr-method": lambda t, a: a.qr(),
    "linalg.eigvalsh": lambda t, a: t.linalg.eigvalsh(a + a.mT),
    "linalg.eigh-values": lambda t, a: t.linalg.eigh(a + a.mT, UPLO="U").eigenvalues,
    "linalg.svdvals": lambda t, a: t.linalg.svdvals(a),
    "linalg.svd-S": lambda t, a: t.linalg.svd(a).S,
    "svd-S": lambda t, a: t.svd(a).S,
    "svd-method-no-uv": lambda t, a: a.svd(compute_uv=False),
    "linalg.pinv": lambda t, a: t.linalg.pinv(a),
    "linalg.pinv-rtol": lambda t, a: t.linalg.pinv(a, rtol=0.4),
    "linalg.pinv-atol": lambda t, a: t.linalg.pinv(a, atol=1.0),
    "linalg.pinv-rcond": lambda t, a: t.linalg.pinv(a, 0.3),
    "linalg.pinv-hermitian": lambda t, a: t.linalg.pinv(a + a.mT, hermitian=True, atol=0.5),
    "pinverse-method": lambda t, a: a.pinverse(),
    "matrix_rank": lambda t, a: t.linalg.matrix_rank(a),
    "matrix_rank-atol": lambda t, a: t.linalg.matrix_rank(a, atol=1.0, rtol=0.1),
    "matrix_rank-tol": lambda t, a: t.linalg.matrix_rank(a, 1.0),
    "matrix_rank-hermitian": lambda t, a: t.linalg.matrix_rank(a + a.mT, hermitian=True),
    "matrix_norm-nuc": lambda t, a: t.linalg.matrix_norm(a, "nuc"),
    "matrix_norm-2": lambda t, a: t.linalg.matrix_norm(a, 2, keepdim=True),
    "norm-nuc-dims": lambda t, a: t.linalg.norm(a, "nuc", dim=(0, 2)),
    "inv_ex": lambda t, a: t.linalg.inv_ex(a + 3 * t.eye(a.shape[-1], dtype=a.dtype)),
    "cholesky_ex": lambda t, a: t.linalg.cholesky_ex(a @ a.mT),
    "solve_ex": lambda t, a: t.linalg.solve_ex(a, a[..., 0]),
}
SQUARE_ONLY = {"linalg.eigvalsh", "linalg.eigh-values", "linalg.pinv-hermitian", "inv_ex"}
SQUARE_ONLY |= {"matrix_rank-hermitian", "cholesky_ex", "solve_ex"}


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
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


def _compare(call, array, dtype, rtol):
    ours = _outcome(
        lambda: call(ref, ref.tensor(array, dtype=getattr(ref, dtype)).requires_grad_())
    )
    theirs = _outcome(
        lambda: call(torch, torch.tensor(array, dtype=getattr(torch, dtype)).requires_grad_())
    )
    assert ours[:4] == theirs[:4]
    if len(ours) > 2:
        for a, b in zip(ours[4], theirs[4], strict=True):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype,rtol", [("float32", 1e-4), ("float64", 1e-10)])
@pytest.mark.parametrize("name", CALLS)
def test_values_types_and_nodes(name, dtype, rtol):
    arrays = [SQUARE, SQUARE[0], SQUARE[:, :0, :0], np.zeros((0, 3, 3))]
    if name not in SQUARE_ONLY:
        arrays += [TALL, np.swapaxes(TALL, -1, -2), TALL[0, :0], TALL[0, :, :0]]
    for array in arrays:
        _compare(CALLS[name], array, dtype, rtol)


def test_gauge_free_products_of_eigh_and_svd_match_torch():
    """V diag(L) V^T rebuilds the matrix and U diag(S) Vh too, whatever the signs."""
    for t in (ref, torch):
        a = t.tensor(SYMMETRIC)
        L, V = t.linalg.eigh(a)
        np.testing.assert_allclose(((V * L.unsqueeze(-2)) @ V.mT).numpy(), SYMMETRIC, atol=1e-12)
        b = t.tensor(TALL)
        U, S, Vh = t.linalg.svd(b, full_matrices=False)
        np.testing.assert_allclose(((U * S.unsqueeze(-2)) @ Vh).numpy(), TALL, atol=1e-12)
        U, S, V = t.svd(b)
        assert V._base is not None  # V is Vh transposed: a view
        np.testing.assert_allclose(((U * S.unsqueeze(-2)) @ V.mT).numpy(), TALL, atol=1e-12)


@pytest.mark.parametrize("uplo", ["L", "U", "l"])
def test_eigh_reads_one_triangle(uplo):
    values = [t.linalg.eigvalsh(t.tensor(SQUARE), UPLO=uplo).numpy() for t in (ref, torch)]
    np.testing.assert_allclose(values[0], values[1], rtol=1e-12)


REFUSED = [
    np.ones(3),
    np.ones((2, 3)),
    np.ones((3, 3), dtype=np.int64),
    np.ones((3, 3), dtype=bool),
    np.ones((3, 3), dtype=np.float16),
]
REFUSING = {
    "linalg.qr": lambda t, a: t.linalg.qr(a),
    "linalg.qr-mode": lambda t, a: t.linalg.qr(a, mode="full"),
    "linalg.eigh": lambda t, a: t.linalg.eigh(a),
    "linalg.eigh-uplo": lambda t, a: t.linalg.eigh(a, UPLO="X"),
    "linalg.svd": lambda t, a: t.linalg.svd(a),
    "svd": lambda t, a: t.svd(a),
    "linalg.pinv": lambda t, a: t.linalg.pinv(a),
    "matrix_rank": lambda t, a: t.linalg.matrix_rank(a),
    "matrix_norm-2": lambda t, a: t.linalg.matrix_norm(a, -2),
    "inv_ex": lambda t, a: t.linalg.inv_ex(a),
    "cholesky_ex": lambda t, a: t.linalg.cholesky_ex(a),
    "solve_ex": lambda t, a: t.linalg.solve_ex(a, a),
    "bfloat16": lambda t, a: t.linalg.svdvals(a.to(t.bfloat16)),
}


@pytest.mark.parametrize("name", REFUSING)
def test_refused_inputs_raise_torchs_errors(name):
    for array in REFUSED:
        ours = _outcome(lambda a=array: REFUSING[name](ref, ref.tensor(a)))
        theirs = _outcome(lambda a=array: REFUSING[name](torch, torch.tensor(a)))
        assert ours[:4] == theirs[:4], array.dtype


SINGULAR = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 1.0]]])
NOT_PD = np.array([[4.0, 2, 1, 0], [2, 5, 3, 1], [1, 3, -5, 2], [0, 1, 2, 6]])


def test_ex_variants_report_info_as_int32():
    """info is getrf's first zero pivot (potrf's failing minor), per matrix, int32; the
    factor of a failed Cholesky is what potrf leaves."""
    for name, call in [
        ("inv", lambda t, a: t.linalg.inv_ex(a).info),
        ("solve", lambda t, a: t.linalg.solve_ex(a, t.ones(2, 2, dtype=a.dtype)).info),
        ("cholesky", lambda t, a: t.linalg.cholesky_ex(a).info),
    ]:
        ours = call(ref, ref.tensor(SINGULAR))
        theirs = call(torch, torch.tensor(SINGULAR))
        assert str(ours.dtype) == str(theirs.dtype) == "torch.int32", name
        assert ours.tolist() == theirs.tolist(), name
    for upper in (False, True):
        ours = ref.linalg.cholesky_ex(ref.tensor(NOT_PD), upper=upper)
        theirs = torch.linalg.cholesky_ex(torch.tensor(NOT_PD), upper=upper)
        assert type(ours).__name__ == "linalg_cholesky_ex" and int(ours.info) == int(theirs.info)
        np.testing.assert_allclose(ours.L.numpy(), theirs.L.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, a: t.linalg.inv_ex(a, check_errors=True),
        lambda t, a: t.linalg.solve_ex(a, a, check_errors=True),
        lambda t, a: t.linalg.cholesky_ex(a, check_errors=True),
        lambda t, a: t.linalg.cholesky_ex(a[1:] - 3, check_errors=True),
    ],
)
def test_check_errors_raises_torchs_linalg_error(call):
    ours = _outcome(lambda: call(ref, ref.tensor(SINGULAR)))
    theirs = _outcome(lambda: call(torch, torch.tensor(SINGULAR)))
    assert ours == theirs


@pytest.mark.parametrize(
    "shape,mode", [((3, 2), "r"), ((3, 2), "complete"), ((2, 3), "r")], ids=str
)
def test_qr_backward_refuses_what_torch_refuses(shape, mode):
    array = RNG.standard_normal(shape)
    outcomes = []
    for t in (ref, torch):
        Q, R = t.linalg.qr(t.tensor(array, requires_grad=True), mode=mode)
        outcomes.append((tuple(Q.shape), type(R.grad_fn).__name__, _outcome(R.sum().backward)))
    assert outcomes[0] == outcomes[1]


def test_modified_eigenvectors_fail_backward_as_output_1():
    messages = []
    for t in (ref, torch):
        a = t.tensor(SYMMETRIC[0], requires_grad=True)
        L, V = t.linalg.eigh(a)
        V.mul_(2)
        messages.append(_outcome(lambda L=L, V=V: (L.sum() + V.sum()).backward()))
    assert messages[0] == messages[1]
    assert "output 1 of LinalgEigh" in messages[0][1]


def test_second_order_gradient_of_svd_and_qr_outputs():
    """A create_graph backward reads the saved U, S, Vh (outputs 0, 1, 2 of one node)."""
    seen = []
    for t in (ref, torch):
        a = t.tensor(TALL[0], requires_grad=True)
        U, S, Vh = t.linalg.svd(a, full_matrices=False)
        Q, R = t.linalg.qr(a)
        y = ((U * S.unsqueeze(-2)) @ Vh).pow(2).sum() + (Q @ R.exp()).sum()
        (g,) = t.autograd.grad(y, a, create_graph=True)
        (h,) = t.autograd.grad(g.pow(2).sum(), a)
        seen.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(seen[0][0], seen[1][0], rtol=1e-9)
    np.testing.assert_allclose(seen[0][1], seen[1][1], rtol=1e-8)


def test_torch_qr_warns_deprecation():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ref.qr(ref.tensor(TALL[0]))
    texts = [str(w.message) for w in caught]
    assert not texts or texts[0].startswith("torch.qr is deprecated in favor of torch.linalg.qr")
