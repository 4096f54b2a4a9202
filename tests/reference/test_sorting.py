"""Sorting and selection (conformance/reference/ops/sorting.py) against real PyTorch: values,
indices, dtypes, named tuples, 0-d and empty inputs, the errors for misuse, grad_fn names, and
where the gradient goes.

Indices of equal elements are compared only where PyTorch fixes them: sort(stable=True),
median(dim) (its comparator breaks ties by index), and the short slices on which its CPU
kernels keep equal elements in index order (up to 16 for sort and mode, 3 for topk, 2 for
kthvalue).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

NAN, INF = float("nan"), float("inf")
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _observe(result):
    """A result as plain data: (dtype, shape, values) per tensor, with the named tuple's type."""
    if isinstance(result, tuple):
        return (type(result).__name__, tuple(_observe(r) for r in result))
    values = result.double() if result.dtype.is_floating_point else result
    return (str(result.dtype), tuple(result.shape), values.tolist())


def _outcome(t, call):
    """What `call(t)` gives: its observed result, or the error's type and message."""
    try:
        return _observe(call(t))
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc))


def _same(call):
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    # NaN != NaN in a list comparison: compare reprs, which print nan alike.
    assert repr(ours) == repr(theirs)


OPS = {
    "sort": lambda t, x: t.sort(x),
    "sort-descending": lambda t, x: t.sort(x, 0, True),
    "argsort": lambda t, x: t.argsort(x, descending=True),
    "msort": lambda t, x: t.msort(x),
    "topk": lambda t, x: t.topk(x, 2),
    "topk-smallest": lambda t, x: x.topk(1, 0, largest=False),
    "kthvalue": lambda t, x: t.kthvalue(x, 2, 0),
    "median": lambda t, x: t.median(x),
    "median-dim": lambda t, x: t.median(x, 1, keepdim=True),
    "nanmedian": lambda t, x: x.nanmedian(),
    "nanmedian-dim": lambda t, x: t.nanmedian(x, -1),
    "mode": lambda t, x: t.mode(x, 0),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", OPS)
def test_dtypes_values_and_refusals_match_torch(name, dtype):
    """Each dtype's values, indices and result dtypes, or PyTorch's refusal (topk of bool,
    kthvalue, median and nanmedian of bool) with its type and message."""
    rows = [[2, 0, 1], [1, 1, 0]]

    def call(t):
        x = t.tensor(rows).to(getattr(t, dtype))
        return OPS[name](t, x)

    _same(call)


@pytest.mark.parametrize("name", ["sort", "argsort", "msort", "topk", "median", "mode"])
def test_complex_inputs_are_refused_as_torch_refuses_them(name):
    call = {
        "sort": lambda t, x: t.sort(x),
        "argsort": lambda t, x: t.argsort(x),
        "msort": lambda t, x: t.msort(x),
        "topk": lambda t, x: t.topk(x, 1),
        "median": lambda t, x: t.median(x, 0),
        "mode": lambda t, x: t.mode(x),
    }[name]
    _same(lambda t: call(t, t.zeros(3, dtype=t.complex64)))


SPECIAL = [3.0, NAN, 1.0, -INF, 0.0, -0.0, 1.0, INF, NAN, 2.0, -1.0, 0.0]


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.sort(x),
        lambda t, x: t.sort(x, descending=True),
        lambda t, x: t.sort(x.view(3, 4), 0, True),
        lambda t, x: t.sort(x.view(3, 4).t(), dim=1, descending=False),
        lambda t, x: t.argsort(x.view(4, 3), dim=0),
        lambda t, x: t.topk(x.view(4, 3), 2),
        lambda t, x: t.topk(x.view(4, 3), 3, largest=False),
        lambda t, x: t.kthvalue(x.view(6, 2), 1),
        lambda t, x: t.kthvalue(x.view(6, 2), 2, 1, True),
        lambda t, x: t.median(x.view(3, 4), 1),
        lambda t, x: t.median(x.view(2, 6), 0, True),
        lambda t, x: t.nanmedian(x.view(3, 4), 1),
        lambda t, x: t.nanmedian(x.view(4, 3), 1),
        lambda t, x: t.median(x),
        lambda t, x: t.nanmedian(x),
        lambda t, x: t.median(x[:3]),
        lambda t, x: t.nanmedian(x[:4]),
    ],
)
def test_nan_is_largest_and_ties_keep_index_order_where_torch_fixes_it(call):
    """NaN sorts above inf; 0.0 and -0.0 are equal and keep their order; median propagates
    NaN (its index is the first NaN), nanmedian skips it."""
    _same(lambda t: call(t, t.tensor(SPECIAL, dtype=t.float64)))


def test_stable_sort_keeps_equal_elements_in_order_on_long_slices():
    """stable=True is PyTorch's promise for any length (its unstable sort reorders ties past 16
    elements), ascending and descending."""
    values = np.random.default_rng(0).integers(0, 4, (3, 200)).astype(float)
    values[0, ::7] = NAN
    for descending in (False, True):
        _same(lambda t, d=descending: t.sort(t.tensor(values), stable=True, descending=d))
        _same(lambda t, d=descending: t.argsort(t.tensor(values), dim=0, descending=d, stable=True))


def test_median_without_dim_is_the_lower_middle_value_not_the_mean():
    _same(lambda t: t.median(t.tensor([4.0, 1.0, 3.0, 2.0])))
    _same(lambda t: t.median(t.tensor([[4, 1], [3, 2]])))
    _same(lambda t: t.nanmedian(t.tensor([NAN, 4.0, NAN, 1.0, 3.0, 2.0])))
    _same(lambda t: t.nanmedian(t.tensor([NAN, NAN])))


def test_mode_is_the_smallest_most_frequent_value_at_its_last_occurrence():
    _same(lambda t: t.mode(t.tensor([3.0, 1.0, 3.0, 1.0, 2.0])))
    _same(lambda t: t.mode(t.tensor([0.0, -0.0, 1.0])))
    values = np.random.default_rng(1).integers(0, 5, (4, 16))
    _same(lambda t: t.mode(t.tensor(values), 1))
    _same(lambda t: t.mode(t.tensor(values), 0, True))
    _same(lambda t: t.mode(t.tensor(values, dtype=t.float32) - 2, 1))


def test_topk_unsorted_selects_the_same_elements():
    """With sorted=False PyTorch chooses the order; the set of values is fixed."""
    values = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0]
    ours = ref.topk(ref.tensor(values), 3, sorted=False)
    theirs = torch.topk(torch.tensor(values), 3, sorted=False)
    assert sorted(ours.values.tolist()) == sorted(theirs.values.tolist())
    assert sorted(ours.indices.tolist()) == sorted(theirs.indices.tolist())


EDGES = {
    "sort-0d": lambda t: t.sort(t.tensor(5.0)),
    "sort-0d-dim-1": lambda t: t.sort(t.tensor(5.0), -1, True),
    "sort-0d-dim-out-of-range": lambda t: t.sort(t.tensor(5.0), 1),
    "sort-empty": lambda t: t.sort(t.zeros(0)),
    "sort-empty-2d": lambda t: t.sort(t.zeros(2, 0), 0),
    "sort-dim-out-of-range": lambda t: t.sort(t.zeros(2, 3), 2),
    "argsort-0d": lambda t: t.argsort(t.tensor(5.0)),
    "msort-0d": lambda t: t.msort(t.tensor(5.0)),
    "msort-3d": lambda t: t.msort(t.arange(24.0).view(2, 3, 4).flip(0)),
    "topk-0d-k1": lambda t: t.topk(t.tensor(5.0), 1),
    "topk-0d-k0": lambda t: t.topk(t.tensor(5.0), 0),
    "topk-0d-k2": lambda t: t.topk(t.tensor(5.0), 2),
    "topk-k-too-large": lambda t: t.topk(t.zeros(2, 3), 4),
    "topk-k-negative": lambda t: t.topk(t.zeros(2, 3), -1),
    "topk-k0": lambda t: t.topk(t.zeros(2, 3), 0),
    "topk-empty-k0": lambda t: t.topk(t.zeros(0), 0),
    "topk-empty-k1": lambda t: t.topk(t.zeros(0), 1),
    "topk-empty-rows": lambda t: t.topk(t.zeros(0, 3), 2, 1),
    "topk-bool-k-too-large": lambda t: t.topk(t.zeros(3, dtype=t.bool), 5),
    "topk-dim-out-of-range": lambda t: t.topk(t.zeros(2, 3), 1, 2),
    "topk-dim-none": lambda t: t.topk(t.zeros(2, 3), 1, None),
    "topk-k-float": lambda t: t.topk(t.zeros(2, 3), 1.5),
    "kthvalue-0d": lambda t: t.kthvalue(t.tensor(5.0), 1),
    "kthvalue-0d-k2": lambda t: t.kthvalue(t.tensor(5.0), 2),
    "kthvalue-k0": lambda t: t.kthvalue(t.zeros(2, 3), 0),
    "kthvalue-k-too-large": lambda t: t.kthvalue(t.zeros(2, 3), 4),
    "kthvalue-empty": lambda t: t.kthvalue(t.zeros(0), 1),
    "kthvalue-empty-rows": lambda t: t.kthvalue(t.zeros(0, 3), 1, 1),
    "kthvalue-empty-dim": lambda t: t.kthvalue(t.zeros(0, 3), 1, 0),
    "kthvalue-dim-none": lambda t: t.kthvalue(t.zeros(2, 3), 1, None),
    "kthvalue-bool-k-too-large": lambda t: t.kthvalue(t.zeros(2, dtype=t.bool), 5),
    "median-0d": lambda t: t.median(t.tensor(5.0)),
    "median-0d-dim": lambda t: t.median(t.tensor(5.0), 0, True),
    "median-empty": lambda t: t.median(t.zeros(0)),
    "median-empty-int64": lambda t: t.median(t.zeros(0, dtype=t.int64)),
    "median-empty-dim": lambda t: t.median(t.zeros(0), 0),
    "median-empty-rows": lambda t: t.median(t.zeros(2, 0), 0),
    "median-empty-dim-2d": lambda t: t.median(t.zeros(2, 0), 1),
    "median-dim-out-of-range": lambda t: t.median(t.zeros(2, 3), 5),
    "median-dim-none": lambda t: t.median(t.zeros(2, 3), None),
    "nanmedian-empty": lambda t: t.nanmedian(t.zeros(0)),
    "nanmedian-empty-dim": lambda t: t.nanmedian(t.zeros(2, 0), 1),
    "mode-0d": lambda t: t.mode(t.tensor(5.0)),
    "mode-empty": lambda t: t.mode(t.zeros(0)),
    "mode-empty-rows": lambda t: t.mode(t.zeros(2, 0), 0),
    "mode-empty-dim": lambda t: t.mode(t.zeros(0, 3), 0),
    "mode-dim-none": lambda t: t.mode(t.zeros(2, 3), None),
}


@pytest.mark.parametrize("name", EDGES)
def test_zero_dim_empty_inputs_and_misuse_match_torch(name):
    _same(EDGES[name])


@pytest.mark.parametrize(
    "call, node",
    [
        (lambda t, x: t.sort(x).values, "SortBackward0"),
        (lambda t, x: x.sort(0, True).values, "SortBackward0"),
        (lambda t, x: t.sort(x, stable=True).values, "SortBackward1"),
        (lambda t, x: t.sort(x, stable=None).values, "SortBackward1"),
        (lambda t, x: x.msort(), "SortBackward0"),
        (lambda t, x: t.topk(x, 1).values, "TopkBackward0"),
        (lambda t, x: t.kthvalue(x, 1).values, "KthvalueBackward0"),
        (lambda t, x: t.median(x), "MedianBackward0"),
        (lambda t, x: t.median(x, 0).values, "MedianBackward1"),
        (lambda t, x: t.nanmedian(x), "NanmedianBackward0"),
        (lambda t, x: x.nanmedian(1).values, "NanmedianBackward1"),
        (lambda t, x: t.mode(x, 1).values, "ModeBackward0"),
    ],
)
def test_grad_fn_names_match_torch(call, node):
    names = []
    for t in (ref, torch):
        out = call(t, t.tensor([[2.0, 1.0], [0.5, 3.0]], requires_grad=True))
        names.append(type(out.grad_fn).__name__)
    assert names == [node, node]


def test_indices_are_int64_without_grad_and_results_are_fresh_tensors():
    """Named tuples unpack and name their fields; indices never require grad; the values are
    copies, not views of the input."""
    for t in (ref, torch):
        x = t.tensor([[2.0, 1.0, 3.0]], requires_grad=True)
        for result in (t.sort(x), t.topk(x, 2), t.kthvalue(x, 1), t.median(x, 1), t.mode(x)):
            values, indices = result
            assert values is result.values and indices is result.indices
            assert indices.dtype == t.int64 and not indices.requires_grad
            assert values._base is None
            assert repr(result).startswith(f"torch.return_types.{type(result).__name__}(")
        assert not t.argsort(x).requires_grad


def _gradient(t, call, values):
    x = t.tensor(values, dtype=t.float64, requires_grad=True)
    out = call(t, x)
    out.backward(t.ones_like(out) * t.arange(1.0, out.numel() + 1, dtype=t.float64).view(out.shape))
    return x.grad.tolist()


@pytest.mark.parametrize(
    "call, values",
    [
        (lambda t, x: t.sort(x, descending=True).values, [1.0, 3.0, 2.0, 3.0]),
        (lambda t, x: t.topk(x, 2, 0).values, [[1.0, 5.0], [4.0, 2.0], [3.0, 0.0]]),
        (lambda t, x: t.kthvalue(x, 2, 1, True).values, [[3.0, 1.0], [0.0, 2.0]]),
        (lambda t, x: t.median(x, 1).values, [[1.0, 2.0, 2.0, 3.0], [NAN, 1.0, NAN, 0.0]]),
        (lambda t, x: t.nanmedian(x, 0).values, [[NAN, 1.0], [2.0, 1.0], [NAN, 1.0]]),
        (lambda t, x: t.mode(x, 1).values, [[2.0, 1.0, 2.0, 1.0], [4.0, 4.0, 0.0, 5.0]]),
        (lambda t, x: t.median(x), [1.0, 2.0, 2.0, 3.0, 2.0]),
        (lambda t, x: t.median(x), [1.0, NAN, 3.0, NAN]),
        (lambda t, x: t.nanmedian(x), [1.0, NAN, 3.0, NAN]),
        (lambda t, x: t.nanmedian(x), [NAN, NAN]),
        (lambda t, x: t.median(x), [0.0, -0.0, 1.0]),
    ],
)
def test_gradient_goes_where_torch_sends_it(call, values):
    """To the selected positions only; median without dim shares it among every element equal
    to the result (NaN counting as equal to a NaN result)."""
    ours, theirs = _gradient(ref, call, values), _gradient(torch, call, values)
    assert repr(ours) == repr(theirs)
