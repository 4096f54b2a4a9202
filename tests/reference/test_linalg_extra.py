"""The linear algebra beyond matmul (conformance/reference/ops/linalg.py) against real PyTorch:
result dtypes and shapes, graph nodes, errors and their messages, and beta == 0 not reading
self. Gradients are rows of test_op_gradients.py (ops_linalg_extra.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _outcome(t, program):
    """What `program(t)` gives: (dtype, shape, values, grad_fn name), or the error's type and
    message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns once a process: compared on their own
        try:
            out = program(t)
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            return (type(exc).__name__, str(exc))
    node = out.grad_fn
    return (
        str(out.dtype),
        tuple(out.shape),
        out.detach().double().numpy().round(4).tolist(),
        None if node is None else type(node).__name__,
    )


def _same(program):
    ours, theirs = _outcome(ref, program), _outcome(torch, program)
    assert ours == theirs


def _values(t, dtype, grad=False):
    """A maker of operands of any shape with small integer values (exact in every dtype)."""

    def make(*shape):
        n = int(np.prod(shape))
        out = (t.arange(n, dtype=t.float64) % 5 - 2).reshape(shape).to(dtype)
        return out.requires_grad_() if grad else out

    return make


DTYPES = ["float32", "float64", "int64", "bool", "float16", "bfloat16"]

PRODUCTS = {
    "addmm": lambda t, m: t.addmm(m(2, 4), m(2, 3), m(3, 4)),
    "addmm-alpha": lambda t, m: t.addmm(m(4), m(2, 3), m(3, 4), beta=2, alpha=3),
    "addmv": lambda t, m: t.addmv(m(2), m(2, 3), m(3)),
    "addr": lambda t, m: t.addr(m(2, 3), m(2), m(3)),
    "addr-beta": lambda t, m: t.addr(m(2, 3), m(2), m(3), beta=0),
    "baddbmm": lambda t, m: t.baddbmm(m(4), m(2, 2, 3), m(2, 3, 4)),
    "addbmm": lambda t, m: t.addbmm(m(2, 4), m(2, 2, 3), m(2, 3, 4)),
    "vdot": lambda t, m: t.vdot(m(5), m(5)),
    "inner": lambda t, m: t.inner(m(2, 3), m(4, 3)),
    "inner-0d": lambda t, m: t.inner(m(2, 3), m()),
    "kron": lambda t, m: t.kron(m(2, 3), m(2)),
    "tensordot": lambda t, m: t.tensordot(m(2, 3, 4), m(4, 3), ([1, 2], [1, 0])),
    "tensordot-0": lambda t, m: t.tensordot(m(2), m(3), 0),
    "linalg.cross": lambda t, m: t.linalg.cross(m(2, 3), m(1, 3)),
    "cross-default-dim": lambda t, m: t.cross(m(3, 3), m(3, 3)),
    "multi_dot": lambda t, m: t.linalg.multi_dot([m(3), m(3, 2), m(2, 4)]),
    "chain_matmul": lambda t, m: t.chain_matmul(m(2, 3), m(3, 2)),
    "einsum-mm": lambda t, m: t.einsum("ij,jk", m(2, 3), m(3, 2)),
    "einsum-bmm-transposed": lambda t, m: t.einsum("bji,bjk->bik", m(2, 3, 2), m(2, 3, 4)),
    "einsum-trace": lambda t, m: t.einsum("ii", m(3, 3)),
    "einsum-transpose": lambda t, m: t.einsum("ij->ji", m(2, 3)),
    "einsum-outer": lambda t, m: t.einsum("i,j->ij", m(3), m(2)),
    "einsum-elementwise": lambda t, m: t.einsum("ij,ij->ij", m(2, 3), m(2, 3)),
    "einsum-dot": lambda t, m: t.einsum("i,i", m(3), m(3)),
    "einsum-sum": lambda t, m: t.einsum("ij->", m(2, 3)),
    "einsum-ellipsis": lambda t, m: t.einsum("...ij->...j", m(2, 2, 3)),
    "einsum-broadcast": lambda t, m: t.einsum("bij,bjk->bik", m(2, 2, 3), m(1, 3, 4)),
    "einsum-upper-case": lambda t, m: t.einsum("Ba,aB", m(2, 3), m(3, 2)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", PRODUCTS)
def test_products_give_torchs_dtype_shape_values_or_error(name, dtype):
    _same(lambda t: PRODUCTS[name](t, _values(t, getattr(t, dtype))))


@pytest.mark.parametrize("name", PRODUCTS)
def test_products_record_torchs_node(name):
    _same(lambda t: PRODUCTS[name](t, _values(t, t.float64, grad=True)))


ERRORS = {
    "addmm-shapes": lambda t: t.addmm(t.ones(2, 4), t.ones(2, 3), t.ones(2, 4)),
    "addmm-self-shape": lambda t: t.addmm(t.ones(3, 4), t.ones(2, 3), t.ones(3, 4)),
    "addmm-vector": lambda t: t.addmm(t.ones(2, 4), t.ones(3), t.ones(3, 4)),
    "addmm-self-dtype": lambda t: t.addmm(t.ones(2, 4).double(), t.ones(2, 3), t.ones(3, 4)),
    "addmm-mat-dtypes": lambda t: t.addmm(t.ones(2, 4), t.ones(2, 3).double(), t.ones(3, 4)),
    "addmm-int-float-beta": lambda t: t.addmm(
        t.ones(2, 2).long(), t.ones(2, 2).long(), t.ones(2, 2).long(), beta=0.5
    ),
    "addmm-not-tensor": lambda t: t.addmm(t.ones(2, 2), [[1.0]], t.ones(2, 2)),
    "addmv-vec-size": lambda t: t.addmv(t.ones(2), t.ones(2, 3), t.ones(4)),
    "addmv-self-size": lambda t: t.addmv(t.ones(3), t.ones(2, 3), t.ones(3)),
    "addmv-dtypes": lambda t: t.addmv(t.ones(2), t.ones(2, 3).double(), t.ones(3)),
    "addmv-ranks": lambda t: t.addmv(t.ones(2), t.ones(3), t.ones(3)),
    "addr-self-shape": lambda t: t.addr(t.ones(2, 3), t.ones(2), t.ones(4)),
    "addr-rank": lambda t: t.addr(t.ones(2, 3), t.ones(2, 1), t.ones(3)),
    "addr-promotes": lambda t: t.addr(t.ones(2, 3), t.ones(2).double(), t.ones(3)),
    "addr-int-float-alpha": lambda t: t.addr(
        t.ones(2, 3).long(), t.ones(2).long(), t.ones(3).long(), alpha=0.5
    ),
    "baddbmm-batch2": lambda t: t.baddbmm(t.ones(2, 2, 4), t.ones(2, 2, 3), t.ones(3, 3, 4)),
    "baddbmm-self": lambda t: t.baddbmm(t.ones(3, 2, 4), t.ones(2, 2, 3), t.ones(2, 3, 4)),
    "baddbmm-rank": lambda t: t.baddbmm(t.ones(2, 2, 4), t.ones(2, 3), t.ones(2, 3, 4)),
    "addbmm-batches": lambda t: t.addbmm(t.ones(2, 4), t.ones(2, 2, 3), t.ones(3, 3, 4)),
    "addbmm-self": lambda t: t.addbmm(t.ones(3, 4), t.ones(2, 2, 3), t.ones(2, 3, 4)),
    "vdot-sizes": lambda t: t.vdot(t.ones(3), t.ones(4)),
    "vdot-dtypes": lambda t: t.vdot(t.ones(3), t.ones(3).double()),
    "vdot-rank": lambda t: t.vdot(t.ones(3, 1), t.ones(3)),
    "tensordot-sizes": lambda t: t.tensordot(t.ones(2, 3), t.ones(4, 3), dims=([1], [0])),
    "tensordot-dtypes": lambda t: t.tensordot(t.ones(2, 3), t.ones(3, 3).double(), dims=1),
    "tensordot-negative": lambda t: t.tensordot(t.ones(2, 3), t.ones(3, 3), dims=-1),
    "tensordot-too-many": lambda t: t.tensordot(t.ones(2, 3), t.ones(3, 3), dims=3),
    "tensordot-default": lambda t: t.tensordot(t.ones(2, 3), t.ones(3, 3)),
    "tensordot-lists": lambda t: t.tensordot(t.ones(2, 3), t.ones(2, 3), dims=([0, 1], [0])),
    "inner-last-dim": lambda t: t.inner(t.ones(2, 3), t.ones(4)),
    "inner-dtypes": lambda t: t.inner(t.ones(2, 3), t.ones(4, 3).long()),
    "kron-promotes": lambda t: t.kron(t.ones(2, 3).long(), t.ones(4)),
    "cross-no-3": lambda t: t.cross(t.ones(2, 4), t.ones(2, 4), dim=None),
    "linalg-cross-length": lambda t: t.linalg.cross(t.ones(2, 4), t.ones(2, 4)),
    "linalg-cross-ranks": lambda t: t.linalg.cross(t.ones(2, 3), t.ones(3)),
    "linalg-cross-broadcast": lambda t: t.linalg.cross(t.ones(2, 3), t.ones(4, 3)),
    "linalg-cross-dtypes": lambda t: t.linalg.cross(t.ones(2, 3), t.ones(2, 3).double()),
    "linalg-cross-dim": lambda t: t.linalg.cross(t.ones(2, 3), t.ones(2, 3), dim=2),
    "multi-dot-one": lambda t: t.linalg.multi_dot([t.ones(2, 3)]),
    "multi-dot-none": lambda t: t.linalg.multi_dot([]),
    "multi-dot-shapes": lambda t: t.linalg.multi_dot([t.ones(2, 3), t.ones(4, 4)]),
    "multi-dot-dtypes": lambda t: t.linalg.multi_dot([t.ones(2, 3), t.ones(3, 4).double()]),
    "multi-dot-rank": lambda t: t.linalg.multi_dot([t.ones(2, 3, 3), t.ones(3, 4)]),
    "multi-dot-vectors": lambda t: t.linalg.multi_dot([t.ones(3), t.ones(3)]),
    "chain-matmul-vector": lambda t: t.chain_matmul(t.ones(3), t.ones(3, 4)),
    "einsum-sizes": lambda t: t.einsum("ij,jk->ik", t.ones(2, 3), t.ones(4, 4)),
    "einsum-output-unknown": lambda t: t.einsum("ij->ik", t.ones(2, 3)),
    "einsum-output-twice": lambda t: t.einsum("ij->ii", t.ones(2, 3)),
    "einsum-rank": lambda t: t.einsum("ij", t.ones(2, 3, 4)),
    "einsum-too-few": lambda t: t.einsum("ij,jk", t.ones(2, 3)),
    "einsum-too-many": lambda t: t.einsum("ij", t.ones(2, 3), t.ones(3, 3)),
    "einsum-bad-subscript": lambda t: t.einsum("i1", t.ones(2, 3)),
    "einsum-diagonal-sizes": lambda t: t.einsum("ii", t.ones(2, 3)),
    "einsum-ellipsis-sizes": lambda t: t.einsum("...ij,...jk", t.ones(2, 2, 3), t.ones(3, 3, 4)),
    "einsum-ellipsis-rank": lambda t: t.einsum("...ij", t.ones(3)),
    "einsum-lone-dot": lambda t: t.einsum("i..j", t.ones(2, 3)),
    "einsum-two-ellipses": lambda t: t.einsum("......", t.ones(2)),
    "einsum-dtypes": lambda t: t.einsum("ij,jk", t.ones(2, 3), t.ones(3, 2).double()),
    "empty-addmm": lambda t: t.addmm(t.ones(2, 4), t.ones(2, 0), t.ones(0, 4), alpha=2),
    # kron folds the product with _unsafe_view, which cannot fold a layout the product
    # inherits from a transposed operand; other layouts fold.
    "kron-transposed-left": lambda t: t.kron(t.ones(3, 2).t(), t.ones(2, 2)),
    "kron-transposed-right": lambda t: t.kron(t.ones(3, 2), t.ones(2, 2).t()),
    "kron-both-transposed": lambda t: t.kron(t.ones(3, 2).t(), t.ones(2, 2).t()),
    "kron-column-slice": lambda t: t.kron(t.ones(3, 2)[:, :1], t.ones(2, 2)),
    "kron-vector-transposed": lambda t: t.kron(t.ones(3), t.ones(2, 2).t()),
    "kron-expanded": lambda t: t.kron(t.ones(3, 2).expand(2, 3, 2), t.ones(2, 2)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_misuse_raises_torchs_error_or_gives_torchs_result(name):
    _same(ERRORS[name])


@pytest.mark.parametrize("name", ["addmm", "addmv", "addr", "baddbmm", "addbmm"])
def test_beta_zero_does_not_read_self(name):
    """With beta=0 a nan in self does not reach the result (BLAS semantics), and self's
    gradient is still grad * 0."""

    def program(t):
        shapes = {
            "addmm": [(2, 2), (2, 3), (3, 2)],
            "addmv": [(2,), (2, 3), (3,)],
            "addr": [(2, 3), (2,), (3,)],
            "baddbmm": [(2, 2, 2), (2, 2, 3), (2, 3, 2)],
            "addbmm": [(2, 2), (2, 2, 3), (2, 3, 2)],
        }[name]
        self = t.full(shapes[0], float("nan"), requires_grad=True)
        a, b = (t.ones(s, requires_grad=True) for s in shapes[1:])
        out = getattr(t, name)(self, a, b, beta=0, alpha=2)
        out.sum().backward()
        return t.cat([out.flatten(), self.grad.flatten(), a.grad.flatten(), b.grad.flatten()])

    _same(program)


@pytest.mark.parametrize("program", ["cross", "chain_matmul"])
def test_deprecated_forms_warn_once_a_process(program, monkeypatch):
    """torch.cross without dim and torch.chain_matmul warn the first time in a process only
    (TORCH_WARN_ONCE), whatever Python's filters say."""
    from conformance.reference import warn_once

    monkeypatch.setattr(warn_once, "_SHOWN", set())  # as in a fresh process
    call = {
        "cross": lambda: ref.cross(ref.ones(2, 3), ref.ones(2, 3)),
        "chain_matmul": lambda: ref.chain_matmul(ref.ones(2, 3), ref.ones(3, 2)),
    }[program]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
        call()
    assert [w.category for w in caught] == [UserWarning]
    assert "deprecated" in str(caught[0].message)


def test_chain_matmul_of_one_matrix_is_a_copy():
    for t in (ref, torch):
        a = t.ones(2, 3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = t.chain_matmul(a)
        assert type(out.grad_fn).__name__ == "CloneBackward0"
        assert out.data_ptr() != a.data_ptr()


def test_multi_dot_picks_the_cheapest_order():
    """(a @ b) @ c costs 10*100*5 + 10*5*50; a @ (b @ c) 100*5*50 + 10*100*50: the graph shows
    which product came last."""
    for t in (ref, torch):
        a, b, c = (t.ones(s, requires_grad=True) for s in ((10, 100), (100, 5), (5, 50)))
        out = t.linalg.multi_dot([a, b, c])
        mm = out.grad_fn.next_functions[0][0]
        left = mm.next_functions[0][0]
        assert type(left).__name__ == "MmBackward0"  # a @ b was computed first


@pytest.mark.parametrize("name", ["addmm", "addmv", "baddbmm", "addbmm"])
@pytest.mark.parametrize("factors", [{"beta": 0.5}, {"alpha": 0.5}, {"beta": 1.5, "alpha": 2.5}])
def test_integer_products_truncate_float_factors(name, factors):
    shapes = {
        "addmm": [(2, 2), (2, 2), (2, 2)],
        "addmv": [(2,), (2, 2), (2,)],
        "baddbmm": [(1, 2, 2), (1, 2, 2), (1, 2, 2)],
        "addbmm": [(2, 2), (1, 2, 2), (1, 2, 2)],
    }[name]
    _same(lambda t: getattr(t, name)(*(t.ones(s).long() * 4 for s in shapes), **factors))


INF = float("inf")
NORMS = {
    "fro": lambda t, x, y, v: t.linalg.matrix_norm(x),
    "1": lambda t, x, y, v: t.linalg.matrix_norm(x, 1),
    "-1": lambda t, x, y, v: t.linalg.matrix_norm(x, -1),
    "inf": lambda t, x, y, v: t.linalg.matrix_norm(x, INF),
    "-inf": lambda t, x, y, v: t.linalg.matrix_norm(x, -INF),
    "1-dims-keepdim": lambda t, x, y, v: t.linalg.matrix_norm(x, 1, dim=(1, 0), keepdim=True),
    "inf-dims": lambda t, x, y, v: t.linalg.matrix_norm(x, INF, dim=(0, -1)),
    "batched-1": lambda t, x, y, v: t.linalg.matrix_norm(y, -1),
    "batched-inf-keepdim": lambda t, x, y, v: t.linalg.matrix_norm(y, INF, keepdim=True),
    "norm": lambda t, x, y, v: t.linalg.norm(x),
    "norm-3d": lambda t, x, y, v: t.linalg.norm(y),
    "norm-3d-ord": lambda t, x, y, v: t.linalg.norm(y, 2),
    "norm-matrix-1": lambda t, x, y, v: t.linalg.norm(x, 1),
    "norm-fro": lambda t, x, y, v: t.linalg.norm(x, "fro"),
    "norm-dims": lambda t, x, y, v: t.linalg.norm(y, 1, dim=(0, 2)),
    "norm-one-dim": lambda t, x, y, v: t.linalg.norm(y, 3, dim=1),
    "norm-vector-1": lambda t, x, y, v: t.linalg.norm(v, 1),
    "norm-vector-fro": lambda t, x, y, v: t.linalg.norm(v, "fro"),
    "norm-fro-one-dim": lambda t, x, y, v: t.linalg.norm(x, "fro", dim=1),
    "norm-three-dims": lambda t, x, y, v: t.linalg.norm(x, dim=(0, 1, 1)),
    "same-dims": lambda t, x, y, v: t.linalg.matrix_norm(x, dim=(1, 1)),
    "one-dim": lambda t, x, y, v: t.linalg.matrix_norm(x, dim=(0,)),
    "order-3": lambda t, x, y, v: t.linalg.matrix_norm(x, 3),
    "order-name": lambda t, x, y, v: t.linalg.matrix_norm(x, "abc"),
    "order-nan": lambda t, x, y, v: t.linalg.matrix_norm(x, float("nan")),
    "integer": lambda t, x, y, v: t.linalg.matrix_norm(x.detach().long()),
    "vector": lambda t, x, y, v: t.linalg.matrix_norm(v),
    "half": lambda t, x, y, v: t.linalg.matrix_norm(x.half(), 1),
    "dtype": lambda t, x, y, v: t.linalg.matrix_norm(x, 1, dtype=t.float64),
    "dtype-narrowing": lambda t, x, y, v: t.linalg.matrix_norm(x.double(), 1, dtype=t.float32),
    "empty-rows": lambda t, x, y, v: t.linalg.matrix_norm(t.ones(0, 3), 1),
    "empty-columns": lambda t, x, y, v: t.linalg.matrix_norm(t.ones(3, 0), INF),
    "empty-min": lambda t, x, y, v: t.linalg.matrix_norm(t.ones(3, 0), -1),
    "empty-batch": lambda t, x, y, v: t.linalg.matrix_norm(t.ones(2, 0, 0), 1, keepdim=True),
    "empty-fro": lambda t, x, y, v: t.linalg.matrix_norm(t.ones(3, 0)),
}


def _norm_outcome(t, name, arrays):
    """(dtype, shape, values, node name, gradients), or the error raised."""
    x, y, v = (t.tensor(a, dtype=t.float32, requires_grad=True) for a in arrays)
    try:
        out = NORMS[name](t, x, y, v)
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc))
    grads = []
    if out.requires_grad:
        found = t.autograd.grad(out.sum(), (x, y, v), allow_unused=True)
        grads = [None if g is None else g.numpy().round(5).tolist() for g in found]
    node = None if out.grad_fn is None else type(out.grad_fn).__name__
    values = out.detach().double().numpy().round(5).tolist()
    return (str(out.dtype), tuple(out.shape), values, node, grads)


@pytest.mark.parametrize("name", NORMS)
def test_norms_give_torchs_values_gradients_and_errors(name):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((3, 4), (2, 3, 4), (3,))]
    assert _norm_outcome(ref, name, arrays) == _norm_outcome(torch, name, arrays)
