"""torch.linalg.solve_triangular and the LU family (conformance/reference/ops/linalg_solvers.py,
ops/linalg_lu.py) against real PyTorch: values, result dtypes, shapes, errors and their
messages, graph nodes. Gradients are rows of test_op_gradients.py (ops_linalg_more.py)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from side_by_side import assert_same

import conformance.reference as ref

_RNG = np.random.default_rng(7)
_SQUARE = _RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
_RHS = _RNG.standard_normal((2, 3, 2))


def _a(t, dtype="float64", shape=(3, 3)):
    data = np.resize(_SQUARE, shape) if shape != (3, 3) else _SQUARE[0]
    return t.tensor(data, dtype=getattr(t, dtype))


def _b(t, dtype="float64", shape=(3, 2)):
    return t.tensor(np.resize(_RHS, shape), dtype=getattr(t, dtype))


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.linalg.solve_triangular(_a(t), _b(t), upper=True),
        lambda t: t.linalg.solve_triangular(_a(t), _b(t), upper=False, unitriangular=True),
        lambda t: t.linalg.solve_triangular(_a(t), _b(t, shape=(2, 3)), upper=True, left=False),
        lambda t: t.linalg.solve_triangular(
            _a(t, shape=(2, 1, 3, 3)), _b(t, shape=(3, 3, 2)), upper=False
        ),
        lambda t: t.linalg.solve_triangular(_a(t, shape=(0, 3, 3)), _b(t), upper=True),
        lambda t: t.linalg.solve_triangular(_a(t, shape=(0, 0)), _b(t, shape=(0, 2)), upper=True),
        # the result has A's dtype: B is cast to it
        lambda t: t.linalg.solve_triangular(_a(t, "float32"), _b(t), upper=True),
        lambda t: t.linalg.solve_triangular(_a(t), _b(t, "int32"), upper=True),
        # a zero on the diagonal is no error: inf and nan
        lambda t: t.linalg.solve_triangular(
            t.tensor([[0.0, 1], [0, 1]]), t.tensor([[1.0], [2]]), upper=True
        ),
        lambda t: t.linalg.solve_triangular(t.zeros(2, 2), t.ones(2, 1), upper=True),
    ],
)
def test_solve_triangular_values_and_dtypes(make) -> None:
    assert_same(make, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.linalg.solve_triangular(_a(t), _b(t)),  # upper has no default
        lambda t: t.linalg.solve_triangular(_a(t)[0], _b(t), upper=True),
        lambda t: t.linalg.solve_triangular(_a(t), _b(t)[0], upper=True),
        lambda t: t.linalg.solve_triangular(_b(t, shape=(3, 4)), _b(t), upper=True),
        lambda t: t.linalg.solve_triangular(_a(t), _b(t, shape=(4, 2)), upper=True),
        lambda t: t.linalg.solve_triangular(_a(t), _b(t), upper=True, left=False),
        lambda t: t.linalg.solve_triangular(
            _a(t, shape=(2, 3, 3)), _b(t, shape=(3, 3, 2)), upper=True
        ),
        *[
            (lambda t, d=d: t.linalg.solve_triangular(_a(t, d), _b(t, d), upper=True))
            for d in ("int32", "int64", "bool", "float16", "bfloat16")
        ],
    ],
)
def test_solve_triangular_errors(make) -> None:
    assert_same(make, rtol=0, atol=0)


def test_solve_triangular_upper_is_keyword_only() -> None:
    """(PyTorch's parser words it "takes from 3 to 2 positional arguments": only the type is
    compared.)"""
    for t in (ref, torch):
        with pytest.raises(TypeError):
            t.linalg.solve_triangular(_a(t), _b(t), True)
        with pytest.raises(TypeError):
            t.linalg.vander(t.ones(3), 2)  # and vander's N


def test_solve_triangular_node_and_no_torch_level_name() -> None:
    for t in (ref, torch):
        a = _a(t).requires_grad_()
        x = t.linalg.solve_triangular(a, _b(t), upper=True)
        assert type(x.grad_fn).__name__ == "LinalgSolveTriangularBackward0"
        assert x._base is None
        assert not hasattr(t, "linalg_solve_triangular")


def test_solve_triangular_casts_b_without_a_node() -> None:
    """B of another dtype is cast inside the op: no ToCopyBackward0, its gradient in its dtype."""
    seen = []
    for t in (ref, torch):
        a = t.eye(2, requires_grad=True)
        b = t.ones(2, 1, dtype=t.float64, requires_grad=True)
        x = t.linalg.solve_triangular(a, b, upper=True)
        x.sum().backward()
        names = [type(n).__name__ for n, _ in x.grad_fn.next_functions]
        seen.append((str(x.dtype), names, str(b.grad.dtype), b.grad.tolist()))
    assert seen[0] == seen[1]


# -- LU ---------------------------------------------------------------------------------------

_WIDE = np.array([[1.0, 2, 3, 4], [5, 6, 7, 8], [9, 1, 2, 5]])


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.linalg.lu_factor(t.tensor(_SQUARE)),
        lambda t: t.linalg.lu_factor(t.tensor(_WIDE, dtype=t.float32)),
        lambda t: t.linalg.lu_factor(t.tensor(_WIDE.T.copy())),
        lambda t: t.linalg.lu_factor_ex(t.tensor(_SQUARE)),
        lambda t: t.linalg.lu_factor_ex(t.zeros(2, 3, 3)),  # singular: only info says so
        lambda t: t.linalg.lu_factor(t.zeros(0, 3, 3)),
        lambda t: t.linalg.lu_factor(t.zeros(0, 0)),
        lambda t: t.linalg.lu(t.tensor(_SQUARE, dtype=t.float32)),
        lambda t: t.linalg.lu(t.tensor(_WIDE)),
        lambda t: t.linalg.lu(t.tensor(_WIDE.T.copy())),
        lambda t: t.linalg.lu(t.zeros(3, 3)),
        lambda t: t.linalg.lu(t.ones(3, 0)),
        lambda t: t.linalg.lu_solve(*t.linalg.lu_factor(t.tensor(_SQUARE)), _b(t, shape=(2, 3, 2))),
        lambda t: t.linalg.lu_solve(
            *t.linalg.lu_factor(t.tensor(_SQUARE)), _b(t, shape=(2, 2, 3)), left=False, adjoint=True
        ),
        lambda t: t.lu_unpack(*t.linalg.lu_factor(t.tensor(_WIDE))),
    ],
)
def test_lu_values_and_dtypes(make) -> None:
    assert_same(make, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.linalg.lu_factor(t.tensor([[1.0, 0], [0, 0]])),
        lambda t: t.linalg.lu_factor(t.zeros(2, 3, 3)),
        lambda t: t.linalg.lu_factor_ex(t.zeros(2, 3, 3), check_errors=True),
        lambda t: t.linalg.lu_factor(t.ones(3)),
        lambda t: t.linalg.lu(t.ones(3)),
        lambda t: t.linalg.lu(_a(t), pivot=False),
        lambda t: t.linalg.lu_factor(_a(t), pivot=False),
        *[
            (lambda t, d=d: t.linalg.lu_factor(_a(t, d)))
            for d in ("int32", "bool", "float16", "bfloat16")
        ],
        lambda t: t.linalg.lu_solve(t.ones(3), t.ones(3, dtype=t.int32), t.ones(3, 1)),
        lambda t: t.linalg.lu_solve(t.ones(3, 3), t.ones(3, dtype=t.int32), _b(t)),
        lambda t: t.linalg.lu_solve(
            t.ones(3, 3, dtype=t.int32), t.ones(3, dtype=t.int32), t.ones(3, 1, dtype=t.int32)
        ),
        lambda t: t.linalg.lu_solve(t.ones(3, 3), t.ones(2, dtype=t.int32), t.ones(3, 1)),
        lambda t: t.linalg.lu_solve(t.ones(3, 3), t.ones(3, dtype=t.int32), t.ones(4, 1)),
        lambda t: t.linalg.lu_solve(
            t.ones(3, 3), t.ones(3, dtype=t.int32), t.ones(4, 1), left=False
        ),
        lambda t: t.linalg.lu_solve(t.ones(3, 3), t.ones(3), t.ones(3, 1)),
        lambda t: t.linalg.lu_solve(t.ones(3, 3), t.ones(3, dtype=t.int32), t.ones(3)),
        lambda t: t.linalg.lu_solve(t.ones(2, 3), t.ones(2, dtype=t.int32), t.ones(3, 1)),
        lambda t: t.linalg.lu_solve(t.ones(2, 3, 3), t.ones(3, dtype=t.int32), t.ones(3, 1)),
        lambda t: t.linalg.lu_solve(t.ones(3, 3), t.tensor([3, 3, 9], dtype=t.int32), t.ones(3, 1)),
    ],
)
def test_lu_errors(make) -> None:
    assert_same(make, rtol=0, atol=0)


def test_lu_named_tuples_nodes_and_layouts() -> None:
    """The return types, which outputs carry a node, and the strides LAPACK leaves: lu_factor's
    LU and a left solve column-major, linalg.lu's factors row-major."""
    seen = []
    for t in (ref, torch):
        a = t.tensor(_WIDE, requires_grad=True)
        square = t.tensor(_SQUARE, requires_grad=True)
        factor, ex, lu = t.linalg.lu_factor(a), t.linalg.lu_factor_ex(a), t.linalg.lu(a)
        x = t.linalg.lu_solve(*t.linalg.lu_factor(square), _b(t))
        outs = [*factor, *ex, *lu, x]
        seen.append(
            (
                [
                    (type(r).__name__, r._fields if hasattr(r, "_fields") else r.__match_args__)
                    for r in (factor, ex, lu)
                ],
                [None if o.grad_fn is None else type(o.grad_fn).__name__ for o in outs],
                [o.requires_grad for o in outs],
                [o.stride() for o in outs],
                [str(o.dtype) for o in outs],
            )
        )
    assert seen[0] == seen[1]


def test_deprecated_lu_and_lu_solve() -> None:
    """torch.lu gives (LU, pivots) as a plain tuple, _lu_with_info with get_infos, and never
    raises for a singular matrix; torch.lu_solve(B, LU, pivots) is linalg.lu_solve reversed."""
    seen = []
    for t in (ref, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pair = t.lu(t.zeros(3, 3))
            triple = t.lu(t.tensor(_SQUARE), get_infos=True)
            method = t.tensor(_SQUARE).lu()
            x = t.lu_solve(_b(t), *t.lu(t.tensor(_SQUARE)))
            y = _b(t).lu_solve(*triple[:2])
        seen.append(
            (
                type(pair).__name__,
                type(triple).__name__,
                type(method).__name__,
                triple.info.tolist(),
                pair[0].tolist(),
                np.round(x.numpy(), 8).tolist(),
                np.round(y.numpy(), 8).tolist(),
            )
        )
    assert seen[0] == seen[1]


_FIRST_WARNINGS = """
import warnings, torch
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    LU, pivots = torch.lu(torch.eye(2))
    torch.lu(torch.eye(2))
    torch.lu_solve(torch.ones(2, 1), LU, pivots)
    torch.ones(2, 1).lu_solve(LU, pivots)
for w in caught:
    print(repr(str(w.message).split(" (Triggered internally")[0]))
"""


def test_deprecated_lu_and_lu_solve_warn_once() -> None:
    """Each warns the first time in a process only (PyTorch's is compared from a fresh
    process, without the C++ location it appends)."""
    from conformance.reference import warn_once
    from conformance.reference.ops import linalg_lu

    warn_once._SHOWN.difference_update({linalg_lu._LU_DEPRECATED, linalg_lu._LU_SOLVE_DEPRECATED})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LU, pivots = ref.lu(ref.eye(2))
        ref.lu(ref.eye(2))
        ref.lu_solve(ref.ones(2, 1), LU, pivots)
        ref.ones(2, 1).lu_solve(LU, pivots)
    ours = [repr(str(w.message)) for w in caught]
    theirs = subprocess.run(
        [sys.executable, "-c", _FIRST_WARNINGS], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(ours) == 2 and ours == theirs
    assert all(w.category is UserWarning for w in caught)


# -- vander, diagonal, tensorinv, tensorsolve, renorm, adjoint, is_conj, is_neg, resolve_neg ---

_M = _RNG.standard_normal((24, 24)) + 6 * np.eye(24)
_S = _RNG.standard_normal((6, 6)) + 4 * np.eye(6)
_V = _RNG.standard_normal(6)


def _x(t):
    return t.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.linalg.vander(t.arange(3.0)),
        lambda t: t.linalg.vander(t.arange(3.0), N=2),
        lambda t: t.linalg.vander(t.arange(3.0), N=0),
        lambda t: t.linalg.vander(t.tensor([1, 2, 3])),
        lambda t: t.linalg.vander(t.tensor([1, 2], dtype=t.uint8), N=4),  # int64, as cumprod
        lambda t: t.linalg.vander(t.tensor([1, 2], dtype=t.int32), N=4),
        lambda t: t.linalg.vander(t.tensor([True, False])),
        lambda t: t.linalg.vander(t.tensor([1, 2], dtype=t.float16)),
        lambda t: t.linalg.vander(t.tensor([1, 2], dtype=t.bfloat16)),
        lambda t: t.linalg.vander(t.tensor(2.0)),
        lambda t: t.linalg.vander(t.ones(2, 3)),
        lambda t: t.linalg.vander(t.ones(0)),
        lambda t: t.linalg.vander(t.ones(0), N=3),
        lambda t: t.linalg.diagonal(t.arange(24.0).reshape(2, 3, 4)),
        lambda t: t.linalg.diagonal(t.arange(24.0).reshape(2, 3, 4), offset=1, dim1=0, dim2=2),
        lambda t: t.linalg.diagonal(t.arange(24.0).reshape(2, 3, 4), offset=-5),
        lambda t: t.linalg.diagonal(t.arange(4.0)),
        lambda t: t.linalg.tensorinv(t.tensor(_M).reshape(4, 6, 8, 3), ind=2),
        lambda t: t.linalg.tensorinv(t.tensor(_M[:4, :4]).reshape(4, 2, 2), 1),
        lambda t: t.linalg.tensorinv(t.ones(4, 6, 8, 3), ind=0),
        lambda t: t.linalg.tensorinv(t.ones(4, 6, 8, 2), ind=2),
        lambda t: t.linalg.tensorinv(t.ones(4, 6, 8, 3), 2),  # singular: named "inv"
        lambda t: t.linalg.tensorinv(t.ones(4, 6, 8, 3, dtype=t.int32), ind=2),
        lambda t: t.linalg.tensorsolve(t.tensor(_S).reshape(2, 3, 6), t.tensor(_V).reshape(2, 3)),
        lambda t: t.linalg.tensorsolve(
            t.tensor(_S).reshape(6, 2, 3), t.tensor(_V).reshape(2, 3), dims=(0,)
        ),
        lambda t: t.linalg.tensorsolve(t.ones(3, 6, 2), t.ones(2, 3), dims=0),
        lambda t: t.linalg.tensorsolve(t.ones(2, 3, 6), t.ones(3, 2)),
        lambda t: t.linalg.tensorsolve(t.ones(2, 3, 5), t.ones(2, 3)),
        lambda t: t.linalg.tensorsolve(t.ones(4, 2, 6), t.ones(2, 3)),
        lambda t: t.linalg.tensorsolve(t.ones(2, 3, 6), t.ones(2, 3, dtype=t.float64)),
        lambda t: t.linalg.tensorsolve(t.ones(2, 3, 6, dtype=t.int64), t.ones(2, 3, dtype=t.int64)),
        lambda t: t.renorm(_x(t), 2, 0, 5),
        lambda t: t.renorm(_x(t), 1, 1, 3),
        lambda t: t.renorm(_x(t), p=2, dim=0, maxnorm=5),
        lambda t: _x(t).renorm(2, -1, 1),
        lambda t: t.renorm(_x(t), -1, 0, 5),
        lambda t: t.renorm(_x(t), 0, 0, 5),
        lambda t: t.renorm(_x(t), 2, 0, -1),
        lambda t: t.renorm(_x(t), 2, 2, 5),
        lambda t: t.renorm(t.arange(6).reshape(2, 3), 2, 0, 5),
        lambda t: t.renorm(_x(t).half(), 2, 0, 5),
        lambda t: t.renorm(_x(t).bfloat16(), 3, 0, 5),
        lambda t: t.renorm(t.ones(3), 2, 0, 1),
        lambda t: t.renorm(t.tensor(3.0), 2, 0, 1),
        lambda t: t.renorm(t.ones(0, 3), 2, 0, 1),
        lambda t: t.renorm(_x(t), float("inf"), 0, 1),
        lambda t: t.renorm(_x(t).double(), 3, 1, 2),
        lambda t: (lambda y: (y.renorm_(2, 0, 1), y)[1])(_x(t)),
        lambda t: t.adjoint(_x(t)),
        lambda t: _x(t).adjoint(),
        lambda t: t.adjoint(t.ones(3)),
        lambda t: t.resolve_neg(_x(t)),
        lambda t: _x(t).resolve_neg(),
    ],
)
def test_more_values_dtypes_and_errors(make) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(make, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("p", [2, 1, 3.5, 0.5])
@pytest.mark.parametrize("maxnorm", [1.0, 0.1, 1e-3])
def test_renorm_of_one_element_slices_is_torchs_to_the_bit(p, maxnorm) -> None:
    """A slice of one element has the norm |x| (PyTorch does not take (|x|^p)^(1/p)), and the
    factor is computed in float32 for float32, maxnorm rounded to it (seed 131256)."""
    x = np.random.default_rng(3).standard_normal((200, 1)) * 3
    seen = [t.renorm(t.tensor(x, dtype=t.float32), p, 0, maxnorm).numpy() for t in (ref, torch)]
    np.testing.assert_array_equal(seen[0], seen[1])
    norms = [t.linalg.vector_norm(t.tensor(x, dtype=t.float32), p, 1).numpy() for t in (ref, torch)]
    np.testing.assert_array_equal(norms[0], norms[1])


def test_views_identity_and_flags() -> None:
    seen = []
    for t in (ref, torch):
        a = t.arange(6.0).reshape(2, 3).clone().requires_grad_()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zero_d = t.tensor(2.0)
            same = t.adjoint(zero_d) is zero_d
        seen.append(
            (
                t.is_conj(a),
                t.is_neg(a),
                a.is_neg(),
                a.is_conj(),
                t.resolve_neg(a) is a,
                a.resolve_neg() is a,
                t.adjoint(a)._base is a,
                t.linalg.diagonal(a)._base is a,
                type(t.adjoint(a).grad_fn).__name__,
                type(t.linalg.diagonal(a).grad_fn).__name__,
                type(t.renorm(a, 2, 0, 1).grad_fn).__name__,
                type(t.linalg.vander(a).grad_fn).__name__,
                t.linalg.vander(a).stride(),
                same,
            )
        )
        for f in (t.is_conj, t.is_neg):
            with pytest.raises(TypeError, match="must be Tensor, not int"):
                f(3)
    assert seen[0] == seen[1]


@pytest.mark.parametrize(
    "call",
    [
        # Not rows of the gradient table: the engine records a View where PyTorch records
        # ReshapeAlias after tensorinv's inverse, and linalg.solve's vector case records other
        # second-derivative nodes (both known in test_second_order_graphs.py).
        lambda t, a, b: t.linalg.tensorinv(a.reshape(4, 2, 2) + 0 * b.sum(), ind=1),
        lambda t, a, b: t.linalg.tensorsolve(a.reshape(2, 2, 4), b.reshape(2, 2)),
        lambda t, a, b: t.linalg.tensorsolve(a.reshape(4, 2, 2), b.reshape(2, 2), (0,)),
    ],
)
def test_tensorinv_tensorsolve_gradients(call) -> None:
    a, b = _S[:4, :4] + 2 * np.eye(4), _V[:4]
    seen = []
    for t in (ref, torch):
        xs = [t.tensor(a, requires_grad=True), t.tensor(b, requires_grad=True)]
        out = call(t, *xs)
        out.backward(t.ones_like(out))
        seen.append((out.detach().numpy(), xs[0].grad.numpy(), xs[1].grad.numpy()))
    for ours, theirs in zip(*seen, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
