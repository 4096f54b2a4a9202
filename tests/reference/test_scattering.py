"""The scatter family (conformance/reference/ops/scattering.py) against real PyTorch: values,
dtypes, grad_fn names, errors (type and message) and warnings, out of place and in place.

Each case is a function of the engine namespace, run on both engines; the outcomes must be
equal. Duplicate indices appear only where the result is defined (sums, products, means,
extremes), never for scatter or index_copy, where which write lands is unspecified."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref
from conformance.reference.ops import scattering


def _outcome(t, case):
    """(dtype, shape, values, grad_fn name, warnings), or the error as (type name, message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = case(t)
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            return (type(exc).__name__, str(exc).split(" (Triggered internally")[0])
    name = None if out.grad_fn is None else type(out.grad_fn).__name__
    values = out.detach().float().numpy() if out.dtype == t.bfloat16 else out.detach().numpy()
    shown = [str(w.message).split(" (Triggered internally")[0] for w in caught]
    return (str(out.dtype), tuple(out.shape), values, name, shown)


def _same(case) -> None:
    ours, theirs = _outcome(ref, case), _outcome(torch, case)
    if len(theirs) == 2 or len(ours) == 2:
        assert ours == theirs
        return
    assert ours[0] == theirs[0], "dtype"
    assert ours[1] == theirs[1], "shape"
    np.testing.assert_array_equal(ours[2], theirs[2])
    assert ours[3:] == theirs[3:], "grad_fn name and warnings"


def _x(t, dtype="float32"):
    return t.arange(1, 13).reshape(3, 4).to(getattr(t, dtype))


def _src(t, dtype="float32"):
    return (-t.arange(8)).reshape(2, 4).to(getattr(t, dtype))


def _i(t):
    return t.tensor([[0, 1, 2, 0], [0, 0, 0, 0]])


def _perm(t):
    """An index naming each position at most once along dim 0."""
    return t.tensor([[2, 0, 1, 2], [0, 1, 2, 1]])


SCATTER = {
    "src": lambda t: t.scatter(_x(t), 0, _perm(t), _src(t)),
    "value": lambda t: t.scatter(_x(t), 1, t.tensor([[3], [0], [1]]), 2.5),
    "value-keyword": lambda t: t.scatter(_x(t), 0, _perm(t), value=-1),
    "src-keyword": lambda t: t.scatter(_x(t), 0, _perm(t), src=_src(t)),
    "method": lambda t: _x(t).scatter(-2, _perm(t), _src(t)),
    "src-larger-than-index": lambda t: t.scatter(_x(t), 0, _perm(t)[:1, :2], _src(t)),
    "int32-index": lambda t: t.scatter(_x(t), 0, _perm(t).int(), _src(t)),
    "value-truncated-into-long": lambda t: t.scatter(_x(t, "int64"), 0, _perm(t), 2.7),
    "value-into-bool": lambda t: t.scatter(_x(t, "bool"), 0, _perm(t), 0),
    "value-overflows-uint8": lambda t: t.scatter(_x(t, "uint8"), 0, _perm(t), 300),
    "value-wraps-into-uint8": lambda t: t.scatter(_x(t, "uint8"), 0, _perm(t), -1),
    "float16": lambda t: t.scatter(_x(t, "float16"), 0, _perm(t), _src(t, "float16")),
    "bfloat16": lambda t: t.scatter(_x(t, "bfloat16"), 0, _perm(t), _src(t, "bfloat16")),
    "zero-dim": lambda t: t.scatter(t.tensor(2.0), 0, t.tensor(0), t.tensor(4.0)),
    "zero-dim-self-vector-index": lambda t: t.scatter(t.tensor(2.0), 0, t.tensor([0]), 5.0),
    "vector-self-zero-dim-index": lambda t: t.scatter(t.zeros(4), 0, t.tensor(1), t.tensor(2.0)),
    "empty-index": lambda t: t.scatter(_x(t), 0, t.zeros(0, 4, dtype=t.int64), _src(t)),
    "empty-float-index": lambda t: t.scatter(_x(t), 0, t.zeros(0), _src(t)),
    "empty-index-checks-dtype": lambda t: t.scatter(_x(t), 0, t.zeros(0), _src(t, "float64")),
    "reduce-add-src": lambda t: t.scatter(_x(t), 0, _i(t), _src(t), reduce="add"),
    "reduce-multiply-value": lambda t: _x(t).scatter(0, _i(t), 1.5, reduce="multiply"),
    "reduce-add-value-long": lambda t: _x(t, "int64").scatter(0, _i(t), 2.5, reduce="add"),
    "reduce-add-bfloat16-rounds-once": lambda t: t.full((3,), 256, dtype=t.bfloat16).scatter(
        0, t.tensor([0, 0, 0]), 1.0, reduce="add"
    ),
    "reduce-mean-refused": lambda t: t.scatter(_x(t), 0, _i(t), 1.0, reduce="mean"),
    "float-index": lambda t: t.scatter(_x(t), 0, _perm(t).float(), _src(t)),
    "src-dtype": lambda t: t.scatter(_x(t), 0, _perm(t), _src(t, "float64")),
    "src-int-into-float": lambda t: t.scatter(_x(t), 0, _perm(t), _src(t, "int64")),
    "index-ndim": lambda t: t.scatter(_x(t), 0, t.tensor([0]), _src(t)),
    "src-ndim": lambda t: t.scatter(_x(t), 0, t.zeros(1, 1, dtype=t.int64), t.ones(1, 1, 1)),
    "src-zero-dim": lambda t: t.scatter(_x(t), 0, t.zeros(1, 4, dtype=t.int64), t.tensor(3.0)),
    "src-fewer-dims": lambda t: t.scatter(_x(t), 0, t.zeros(2, 4, dtype=t.int64), t.ones(4)),
    "index-larger-than-self": lambda t: t.scatter(_x(t), 0, t.zeros(4, 4, dtype=t.int64), 1.0),
    "index-larger-than-src": lambda t: t.scatter(_x(t), 1, t.zeros(3, 1, dtype=t.int64), _src(t)),
    "index-out-of-bounds": lambda t: t.scatter(_x(t), 0, _perm(t) + 3, _src(t)),
    "negative-index": lambda t: t.scatter(_x(t), 1, -_perm(t), 0.0),
    "dim-out-of-range": lambda t: t.scatter(_x(t), 2, _perm(t), _src(t)),
}


@pytest.mark.parametrize("name", SCATTER)
def test_scatter_matches_torch(name: str) -> None:
    _same(SCATTER[name])


def test_scatter_reduce_with_a_tensor_src_warns_once_per_process() -> None:
    """TORCH_WARN_ONCE: the first scatter(..., reduce=) with a tensor src warns, later ones do
    not, in place or not; a number for src never warns."""
    scattering.warn_once.__globals__["_SHOWN"].discard(scattering._REDUCE_WITH_SRC)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x = ref.zeros(3)
        x.scatter_(0, ref.tensor([0]), 2.0, reduce="add")
        x.scatter_(0, ref.tensor([0]), ref.ones(1), reduce="add")
        ref.scatter(x, 0, ref.tensor([0]), ref.ones(1), reduce="multiply")
    assert [str(w.message) for w in caught] == [scattering._REDUCE_WITH_SRC]
    assert x.tolist() == [3.0, 0.0, 0.0]


SCATTER_ADD = {
    "duplicates-add-up": lambda t: t.scatter_add(_x(t), 0, _i(t), _src(t)),
    "method-dim-1": lambda t: _x(t).scatter_add(1, t.tensor([[3, 3], [0, 3], [1, 1]]), _x(t)),
    "long": lambda t: t.scatter_add(_x(t, "int64"), 0, _i(t), _src(t, "int64")),
    "bool-is-or": lambda t: t.scatter_add(_x(t, "bool"), 0, _i(t), _src(t, "bool")),
    "float16-adds-in-float32": lambda t: t.scatter_add(
        t.zeros(3, dtype=t.float16),
        0,
        t.tensor([0, 0, 0]),
        t.tensor([60000.0, 60000.0, -60000.0], dtype=t.float16),
    ),
    "zero-dim": lambda t: t.scatter_add(t.tensor(2.0), 0, t.tensor(0), t.tensor(4.0)),
    "index-out-of-bounds": lambda t: t.scatter_add(_x(t), 0, _i(t) - 4, _src(t)),
    "src-dtype": lambda t: t.scatter_add(_x(t), 0, _i(t), _src(t, "float64")),
    "number-src": lambda t: t.scatter_add(_x(t), 0, _i(t), 1.0),
}


@pytest.mark.parametrize("name", SCATTER_ADD)
def test_scatter_add_matches_torch(name: str) -> None:
    _same(SCATTER_ADD[name])


def _reduce_case(reduce: str, include_self: bool, dtype: str):
    return lambda t: t.scatter_reduce(
        _x(t, dtype), 0, _i(t), _src(t, dtype), reduce, include_self=include_self
    )


SCATTER_REDUCE = {
    f"{reduce}-{include}-{dtype}": _reduce_case(reduce, include, dtype)
    for reduce in ("sum", "prod", "mean", "amax", "amin")
    for include in (True, False)
    for dtype in ("float32", "int64", "uint8", "bool", "float16", "bfloat16")
}
SCATTER_REDUCE.update(
    {
        "old-name-max": lambda t: t.scatter_reduce(_x(t), 0, _i(t), _src(t), "max"),
        "old-name-min": lambda t: _x(t).scatter_reduce(0, _i(t), _src(t), "min"),
        "unknown-reduce": lambda t: t.scatter_reduce(_x(t), 0, _i(t), _src(t), "add"),
        "include-self-not-bool": lambda t: t.scatter_reduce(
            _x(t), 0, _i(t), _src(t), "sum", include_self=1
        ),
        "nan-wins-amax": lambda t: t.scatter_reduce(
            t.zeros(2), 0, t.tensor([0, 0, 0]), t.tensor([float("nan"), 1.0, float("inf")]), "amax"
        ),
        "nan-wins-amin": lambda t: t.scatter_reduce(
            t.zeros(2), 0, t.tensor([0, 0, 1]), t.tensor([1.0, float("nan"), 2.0]), "amin"
        ),
        "integer-mean-rounds-down": lambda t: t.scatter_reduce(
            t.tensor([7, 8]),
            0,
            t.tensor([0, 0, 0]),
            t.tensor([-1, -2, -2]),
            "mean",
            include_self=False,
        ),
        "float16-mean-in-float32": lambda t: t.scatter_reduce(
            t.zeros(3, dtype=t.float16),
            0,
            t.tensor([0, 0, 0]),
            t.tensor([60000.0, 60000.0, -60000.0], dtype=t.float16),
            "mean",
        ),
        "zero-dim": lambda t: t.scatter_reduce(
            t.tensor(2.0), 0, t.tensor(0), t.tensor(4.0), "prod"
        ),
        "empty-index": lambda t: t.scatter_reduce(
            _x(t), 0, t.zeros(0, 4, dtype=t.int64), _src(t), "amin", include_self=False
        ),
        "index-out-of-bounds": lambda t: t.scatter_reduce(_x(t), 1, _i(t) + 4, _src(t), "sum"),
    }
)


@pytest.mark.parametrize("name", SCATTER_REDUCE)
def test_scatter_reduce_matches_torch(name: str) -> None:
    _same(SCATTER_REDUCE[name])


def _rows(t, dtype="float32"):
    return t.arange(6).reshape(3, 2).to(getattr(t, dtype))


INDEX_OPS = {
    "add": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([0, 2, 0]), _rows(t)),
    "add-alpha": lambda t: t.ones(3, 2).index_add(0, t.tensor([0, 2, 0]), _rows(t), alpha=2),
    "add-dim-1": lambda t: t.index_add(t.ones(3, 2), 1, t.tensor([1]), _rows(t)[:, :1]),
    "add-int32-index": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([0, 2, 0]).int(), _rows(t)),
    "add-long-alpha-truncated": lambda t: t.index_add(
        t.ones(3, 2, dtype=t.int64), 0, t.tensor([0, 2, 0]), _rows(t, "int64"), alpha=2.5
    ),
    "add-bool": lambda t: t.index_add(
        t.zeros(3, 2).bool(), 0, t.tensor([0, 0]), _rows(t)[:2].bool()
    ),
    "add-zero-dim": lambda t: t.index_add(t.tensor(1.0), 0, t.tensor([0]), t.tensor(2.0)),
    "add-empty-index": lambda t: t.index_add(
        t.ones(3, 2), 0, t.tensor([], dtype=t.int64), _rows(t)[:0]
    ),
    "add-float-index": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([0.0, 2, 0]), _rows(t)),
    "add-source-dtype": lambda t: t.index_add(
        t.ones(3, 2), 0, t.tensor([0, 2, 0]), _rows(t, "float64")
    ),
    "add-index-matrix": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([[0], [2], [0]]), _rows(t)),
    "add-count": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([0, 2]), _rows(t)),
    "add-slice-shape": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([0, 2, 0]), _rows(t)[:, :1]),
    "add-dim-beyond-source": lambda t: t.index_add(t.ones(2, 3, 4), 2, t.tensor([0]), t.ones(2, 1)),
    "add-negative-index": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([0, -1, 0]), _rows(t)),
    "add-out-of-bounds": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([0, 3, 0]), _rows(t)),
    "add-out-of-bounds-last-dim": lambda t: t.index_add(
        t.ones(2, 2, 3), 2, t.tensor([3]), t.ones(2, 2, 1)
    ),
    "add-out-of-bounds-middle-dim": lambda t: t.index_add(
        t.ones(2, 2, 3), 1, t.tensor([2]), t.ones(2, 1, 3)
    ),
    "add-out-of-bounds-vector": lambda t: t.index_add(t.ones(3), 0, t.tensor([-1]), t.ones(1)),
    "add-number-source": lambda t: t.index_add(t.ones(3, 2), 0, t.tensor([0]), 1.0),
    "copy": lambda t: t.index_copy(t.ones(3, 2), 0, t.tensor([2, 0, 1]), _rows(t)),
    "copy-dim-1": lambda t: t.ones(3, 2).index_copy(1, t.tensor([1]), _rows(t)[:, :1]),
    "copy-zero-dim": lambda t: t.index_copy(t.tensor(1.0), 0, t.tensor([0]), t.tensor(2.0)),
    "copy-int32-index": lambda t: t.index_copy(
        t.ones(3, 2), 0, t.tensor([2, 0, 1]).int(), _rows(t)
    ),
    "copy-source-dtype": lambda t: t.index_copy(
        t.ones(3, 2), 0, t.tensor([2, 0, 1]), _rows(t, "int64")
    ),
    "copy-negative-index": lambda t: t.index_copy(t.ones(3, 2), 0, t.tensor([2, -1, 1]), _rows(t)),
    "copy-out-of-bounds": lambda t: t.index_copy(t.ones(3, 2), 0, t.tensor([2, 3, 1]), _rows(t)),
    "copy-count": lambda t: t.index_copy(t.ones(3, 2), 0, t.tensor([2, 0]), _rows(t)),
    "copy-index-matrix": lambda t: t.index_copy(t.ones(3, 2), 0, t.tensor([[0]]), _rows(t)[:1]),
    "copy-scalar-source": lambda t: t.index_copy(t.ones(3, 2), 0, t.tensor([0, 1]), t.tensor(1.0)),
    "copy-dimensionality": lambda t: t.index_copy(t.ones(2, 3, 4), 1, t.tensor([0]), t.ones(2, 1)),
    "copy-slice-shapes": lambda t: t.index_copy(t.ones(2, 3, 4), 1, t.tensor([0]), t.ones(2, 1, 5)),
    "fill": lambda t: t.index_fill(t.ones(3, 2), 0, t.tensor([2, 0]), 5),
    "fill-negative-index": lambda t: t.ones(3, 2).index_fill(0, t.tensor([-1]), 5.5),
    "fill-tensor": lambda t: t.index_fill(t.ones(3, 2), 1, t.tensor([1]), t.tensor(-2.0)),
    "fill-long-tensor-into-float": lambda t: t.index_fill(
        t.ones(3, 2), 0, t.tensor([0]), t.tensor(7)
    ),
    "fill-float-into-long": lambda t: t.index_fill(
        t.ones(3, 2, dtype=t.int64), 0, t.tensor([0]), 2.7
    ),
    "fill-wraps-into-uint8": lambda t: t.index_fill(
        t.ones(3, 2, dtype=t.uint8), 0, t.tensor([0]), -1
    ),
    "fill-overflows-uint8": lambda t: t.index_fill(
        t.ones(3, 2, dtype=t.uint8), 0, t.tensor([0]), 300
    ),
    "fill-bool": lambda t: t.index_fill(t.ones(3, 2).bool(), 1, t.tensor([0]), 0),
    "fill-zero-dim": lambda t: t.index_fill(t.tensor(1.0), 0, t.tensor([0]), 3),
    "fill-zero-dim-index": lambda t: t.index_fill(t.ones(3, 2), 0, t.tensor(1), 3),
    "fill-vector-value": lambda t: t.index_fill(t.ones(3, 2), 0, t.tensor([0]), t.tensor([1.0])),
    "fill-int32-index": lambda t: t.index_fill(t.ones(3, 2), 0, t.tensor([0]).int(), 1),
    "fill-index-matrix": lambda t: t.index_fill(t.ones(3, 2), 0, t.tensor([[0]]), 1),
    "fill-out-of-bounds": lambda t: t.index_fill(t.ones(3, 2), 0, t.tensor([-4]), 1),
    "fill-dim-out-of-range": lambda t: t.index_fill(t.ones(3, 2), 2, t.tensor([0]), 1),
}


@pytest.mark.parametrize("name", INDEX_OPS)
def test_index_ops_match_torch(name: str) -> None:
    _same(INDEX_OPS[name])


def _mask(t):
    return t.tensor([[True, False], [False, True], [True, True]])


PUT_AND_MASKED = {
    "put": lambda t: t.index_put(t.ones(3, 2), (t.tensor([0, 2]),), t.tensor([5.0, 6.0])),
    "put-list-of-indices": lambda t: t.index_put(t.ones(3, 2), [t.tensor([0, 2])], t.tensor(5.0)),
    "put-accumulate-duplicates": lambda t: t.index_put(
        t.ones(3, 2), (t.tensor([0, 2, 0]),), t.tensor([5.0, 6.0]), accumulate=True
    ),
    "put-two-indices": lambda t: t.index_put(
        t.ones(3, 2), (t.tensor([0, 2, 0]), t.tensor([1, 0, 1])), t.tensor([5.0, 6, 7]), True
    ),
    "put-mask": lambda t: t.index_put(t.ones(3, 2), (_mask(t),), t.tensor([1.0, 2, 3, 4])),
    "put-int32": lambda t: t.index_put(t.ones(3, 2), (t.tensor([1]).int(),), t.tensor(5.0)),
    "put-bfloat16-accumulates-in-bfloat16": lambda t: t.full((3,), 256, dtype=t.bfloat16).index_put(
        (t.tensor([0, 0, 0]),), t.ones(3, dtype=t.bfloat16), accumulate=True
    ),
    "put-values-dtype": lambda t: t.index_put(t.ones(3, 2), (t.tensor([0]),), t.tensor([5, 6])),
    "put-values-number": lambda t: t.index_put(t.ones(3, 2), (t.tensor([0]),), 5.0),
    "put-indices-tensor": lambda t: t.index_put(t.ones(3, 2), t.tensor([0]), t.tensor(5.0)),
    "put-indices-none": lambda t: t.index_put(t.ones(3, 2), (None, t.tensor([1])), t.tensor(5.0)),
    "put-float-index": lambda t: t.index_put(t.ones(3, 2), (t.tensor([0.0]),), t.tensor(5.0)),
    "put-too-many": lambda t: t.index_put(t.ones(3, 2), (t.tensor([0]),) * 3, t.tensor(5.0)),
    "put-out-of-bounds": lambda t: t.index_put(t.ones(3, 2), (t.tensor([3]),), t.tensor(5.0)),
    "put-shape-mismatch": lambda t: t.index_put(t.ones(3, 2), (t.tensor([0]),), t.ones(3)),
    "masked-scatter": lambda t: t.masked_scatter(t.ones(3, 2), _mask(t), _rows(t)),
    "masked-scatter-method": lambda t: t.ones(3, 2).masked_scatter(_mask(t), t.arange(4.0)),
    "masked-scatter-broadcasts-self": lambda t: t.masked_scatter(t.ones(2), _mask(t), _rows(t)),
    "masked-scatter-broadcasts-mask": lambda t: t.masked_scatter(
        t.ones(3, 2), t.tensor([True, False]), _rows(t)
    ),
    "masked-scatter-in-place-mask-larger": lambda t: t.ones(2).masked_scatter_(_mask(t), _rows(t)),
    "masked-scatter-in-place": lambda t: t.ones(3, 2).masked_scatter_(
        t.tensor([False, True]), _rows(t)
    ),
    "masked-scatter-too-few": lambda t: t.masked_scatter(t.ones(3, 2), _mask(t), t.arange(3.0)),
    "masked-scatter-long-mask": lambda t: t.masked_scatter(t.ones(3, 2), _mask(t).long(), _rows(t)),
    "masked-scatter-source-dtype": lambda t: t.masked_scatter(
        t.ones(3, 2), _mask(t), _rows(t, "float64")
    ),
    "masked-scatter-no-broadcast": lambda t: t.masked_scatter(
        t.ones(3, 2), t.ones(5, dtype=t.bool), _rows(t)
    ),
}


@pytest.mark.parametrize("name", PUT_AND_MASKED)
def test_index_put_and_masked_scatter_match_torch(name: str) -> None:
    _same(PUT_AND_MASKED[name])


IN_PLACE = {
    "scatter_": lambda t, x: x.scatter_(0, t.tensor([[1, 0]]), t.tensor([[5.0, 6.0]])),
    "scatter_-value": lambda t, x: x.scatter_(1, t.tensor([[1], [0]]), 7.0),
    "scatter_add_": lambda t, x: x.scatter_add_(0, t.tensor([[1, 1]]), t.tensor([[5.0, 6.0]])),
    "scatter_reduce_": lambda t, x: x.scatter_reduce_(
        0, t.tensor([[1, 1]]), t.tensor([[5.0, -6.0]]), "amax", include_self=False
    ),
    "index_add_": lambda t, x: x.index_add_(1, t.tensor([0, 0]), t.ones(2, 2), alpha=-1),
    "index_copy_": lambda t, x: x.index_copy_(0, t.tensor([1]), t.tensor([[8.0, 9.0]])),
    "index_fill_": lambda t, x: x.index_fill_(1, t.tensor([1]), t.tensor(-3.0)),
    "index_put_": lambda t, x: x.index_put_((t.tensor([1, 1]),), t.tensor(4.0), accumulate=True),
    "masked_scatter_": lambda t, x: x.masked_scatter_(t.tensor([True, False]), t.tensor([7.0, 8])),
    "put_": lambda t, x: x.put_(t.tensor([3, 0]), t.tensor([7.0, 8])),
}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_forms_write_into_self_and_record_the_op(name: str) -> None:
    """The same values as torch, in self's own memory, one version later, with the op's node
    as self's grad_fn; and a leaf that requires grad is refused, as for any in-place op."""
    seen = []
    for t in (ref, torch):
        base = t.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x = base * 1
        version = x._version
        out = IN_PLACE[name](t, x)
        assert out is x
        seen.append((x.tolist(), x._version - version, type(x.grad_fn).__name__))
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            IN_PLACE[name](t, t.ones(2, 2, requires_grad=True))
    assert seen[0] == seen[1]


def test_in_place_form_of_a_view_rebases_the_base() -> None:
    """x[0].scatter_add_(...) changes x's row in place: x gets CopySlices, and the gradient
    through it is PyTorch's."""
    seen = []
    for t in (ref, torch):
        a = t.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        src = t.tensor([10.0, 20.0], requires_grad=True)
        x = a * 2
        x[0].scatter_add_(0, t.tensor([2, 2]), src)
        (x * x).sum().backward()
        seen.append((x.grad_fn.name(), x.tolist(), a.grad.tolist(), src.grad.tolist()))
    assert seen[0] == seen[1]


def _backward_outcome(t, case):
    try:
        case(t).sum().backward()
    except (RuntimeError, IndexError) as exc:
        return type(exc).__name__, str(exc)
    return "no error"


BACKWARD_ERRORS = {
    "scatter-src-larger-than-index": lambda t: t.scatter(
        t.zeros(3, 4, requires_grad=True),
        0,
        t.tensor([[0, 1, 2, 0]]),
        t.ones(3, 4, requires_grad=True),
    ),
    "scatter-add-src-larger-than-index": lambda t: t.scatter_add(
        t.zeros(3, 4), 0, t.tensor([[0, 1, 2, 0]]), t.ones(3, 4, requires_grad=True)
    ),
    "scatter-reduce-src-larger-than-index": lambda t: t.scatter_reduce(
        t.zeros(3, 4), 1, t.tensor([[0], [1]]), t.ones(2, 2, requires_grad=True), "mean"
    ),
    "src-larger-but-not-differentiated": lambda t: t.scatter(
        t.zeros(3, 4, requires_grad=True), 0, t.tensor([[0, 1, 2, 0]]), t.ones(3, 4)
    ),
    "scatter-with-reduce": lambda t: t.scatter(
        t.zeros(3, requires_grad=True), 0, t.tensor([0, 0]), 2.0, reduce="multiply"
    ),
    "scatter-reduce-old-name": lambda t: t.scatter_reduce(
        t.zeros(3, requires_grad=True), 0, t.tensor([0, 0]), t.ones(2), "max"
    ),
    "index-fill-tensor-negative-index": lambda t: t.index_fill(
        t.zeros(3), 0, t.tensor([-1]), t.tensor(2.0, requires_grad=True)
    ),
    "index-fill-number-negative-index": lambda t: t.index_fill(
        t.zeros(3, requires_grad=True), 0, t.tensor([-1]), 2.0
    ),
}


@pytest.mark.parametrize("name", BACKWARD_ERRORS)
def test_backward_errors_match_torch(name: str) -> None:
    """Where PyTorch refuses a backward (a src gradient of the wrong shape, a node without a
    derivative, a reduce name only the forward accepts, a negative index for index_select)."""
    assert _backward_outcome(ref, BACKWARD_ERRORS[name]) == _backward_outcome(
        torch, BACKWARD_ERRORS[name]
    )


def test_scatter_with_reduce_records_pytorchs_not_implemented_node() -> None:
    for t in (ref, torch):
        x = t.zeros(3, requires_grad=True)
        out = t.scatter(x, 0, t.tensor([0]), 2.0, reduce="add")
        assert out.grad_fn.name() == "torch::autograd::NotImplemented"


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize(
    "src", [[2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 3.0, 4.0], [2.0, 3.0, 0.0, 0.0]], ids=str
)
def test_scatter_reduce_prod_gradient_around_zeros(src: list, include_self: bool) -> None:
    """A zero gets the product of the others; two zeros meeting give each a zero gradient;
    a zero in self is handled apart from src's."""
    seen = []
    for t in (ref, torch):
        a = t.tensor([0.0, 5.0], dtype=t.float64, requires_grad=True)
        b = t.tensor(src, dtype=t.float64, requires_grad=True)
        out = t.scatter_reduce(a, 0, t.tensor([0, 0, 1, 1]), b, "prod", include_self=include_self)
        out.backward(t.tensor([1.5, -2.0], dtype=t.float64))
        seen.append((out.tolist(), a.grad.tolist(), b.grad.tolist()))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_extremes_share_the_gradient_among_ties(reduce: str) -> None:
    """Ties (self's value counted too, even with include_self=False, as PyTorch counts it)
    split a position's gradient evenly."""
    seen = []
    for t in (ref, torch):
        for include_self in (True, False):
            a = t.tensor([1.0, 1.0], requires_grad=True)
            b = t.tensor([1.0, 1.0, 0.5, -3.0], requires_grad=True)
            out = t.scatter_reduce(
                a, 0, t.tensor([0, 0, 1, 1]), b, reduce, include_self=include_self
            )
            out.backward(t.tensor([3.0, 6.0]))
            seen.append((out.tolist(), a.grad.tolist(), b.grad.tolist()))
    assert seen[:2] == seen[2:]


def test_index_add_duplicates_are_summed_with_alpha_in_the_gradient() -> None:
    seen = []
    for t in (ref, torch):
        a = t.ones(3, 2, requires_grad=True)
        b = t.arange(6.0).reshape(3, 2).requires_grad_()
        out = t.index_add(a, 0, t.tensor([0, 2, 0]), b, alpha=2)
        out.backward(t.arange(6.0).reshape(3, 2))
        seen.append((out.tolist(), a.grad.tolist(), b.grad.tolist(), type(out.grad_fn).__name__))
    assert seen[0] == seen[1]


def test_index_fill_value_gradient_counts_each_slice_once() -> None:
    seen = []
    for t in (ref, torch):
        v = t.tensor(2.0, requires_grad=True)
        out = t.index_fill(t.zeros(3, 2), 0, t.tensor([1, 1, 2]), v)
        out.backward(t.arange(6.0).reshape(3, 2))
        seen.append((out.tolist(), v.grad.item(), type(out.grad_fn).__name__))
    assert seen[0] == seen[1]


def test_rounds_reduce_as_ufunc_at_does() -> None:
    """The reduction CuPy takes (no ufunc.at there), run here on NumPy arrays: products and
    extremes with repeated positions, in index order, as NumPy's ufunc.at."""
    rng = np.random.default_rng(0)
    index = rng.integers(0, 3, (6, 4))
    values = rng.standard_normal((6, 4))
    for ufunc in (np.multiply, np.maximum, np.minimum):
        ours, theirs = np.ones((3, 4)), np.ones((3, 4))
        scattering.reduce_in_rounds(ufunc, ours, scattering._key(index, 0), values)
        ufunc.at(theirs, scattering._key(index, 0), values)
        np.testing.assert_array_equal(ours, theirs)


def test_prod_src_gradient_refuses_a_second_derivative_where_zeros_meet() -> None:
    """Two zeros sent to one position: the first derivative is PyTorch's, but differentiating
    it again raises through an Error node, as PyTorch's DelayedError does."""
    seen = []
    for t in (ref, torch):
        a = t.tensor([1.0, 2.0], dtype=t.float64, requires_grad=True)
        b = t.tensor([0.0, 0.0, 3.0], dtype=t.float64, requires_grad=True)
        out = t.scatter_reduce(a, 0, t.tensor([0, 0, 1]), b, "prod")
        (g,) = t.autograd.grad(out.sum(), b, create_graph=True)
        with pytest.raises(RuntimeError) as caught:
            g.sum().backward()
        seen.append((g.tolist(), g.grad_fn.name(), repr(g).split("grad_fn=")[1], str(caught.value)))
    assert seen[0] == seen[1]


PUT = {
    "put": lambda t: t.put(t.zeros(2, 3), t.tensor([0, 5, -1]), t.tensor([1.0, 2, 3])),
    "put-index-matrix": lambda t: t.put(t.zeros(2, 3), t.tensor([[0, 5]]), t.tensor([1.0, 2])),
    "put-accumulate": lambda t: t.put(t.zeros(2, 3), t.tensor([0, 0]), t.tensor([1.0, 2]), True),
    "put-method-accumulate": lambda t: t.zeros(2, 3).put(
        t.tensor([1, -5]), t.tensor([4.0, 1]), accumulate=True
    ),
    "put-transposed": lambda t: t.put(
        t.arange(6.0).reshape(2, 3).t(), t.tensor([1]), t.tensor([9.0])
    ),
    "put-zero-dim": lambda t: t.put(t.tensor(1.0), t.tensor(0), t.tensor(5.0)),
    "put-empty-index": lambda t: t.put(t.zeros(2, 3), t.tensor([], dtype=t.int64), t.tensor([])),
    "put-long": lambda t: t.put(t.zeros(2, 3).long(), t.tensor([1]), t.tensor([4])),
    "put-out-of-range": lambda t: t.put(t.zeros(2, 3), t.tensor([6]), t.tensor([1.0])),
    "put-negative-out-of-range": lambda t: t.put(t.zeros(2, 3), t.tensor([-7]), t.tensor([1.0])),
    "put-int32-index": lambda t: t.put(t.zeros(2, 3), t.tensor([0]).int(), t.tensor([1.0])),
    "put-source-dtype": lambda t: t.put(t.zeros(2, 3), t.tensor([0]), t.tensor([1.0]).double()),
    "put-count": lambda t: t.put(t.zeros(2, 3), t.tensor([0, 1]), t.tensor([1.0])),
    "put-into-empty": lambda t: t.put(t.zeros(0), t.tensor([0]), t.tensor([5.0])),
}


@pytest.mark.parametrize("name", PUT)
def test_put_matches_torch(name: str) -> None:
    _same(PUT[name])
