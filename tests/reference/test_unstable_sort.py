"""sort and argsort without stable=True, and mode: the order of equal elements (and of NaNs,
for mode), compared with PyTorch's CPU kernels index for index
(conformance/reference/ops/unstable_sort.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref
from conformance.reference.ops import unstable_sort

SHAPES = [((16,), 0), ((29,), 0), ((40, 30), 0), ((5, 100), 1), ((3, 7, 20), 1), ((1000,), 0)]
DTYPES = ["bool", "uint8", "int16", "int64", "float16", "bfloat16", "float32", "float64"]


def _indices(t, values, dtype, call):
    return call(t, t.tensor(values).to(getattr(t, dtype))).numpy()


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_ties_come_in_torchs_order(dtype, descending):
    """A few distinct values, so every slice has ties; NaNs too for the floating dtypes."""
    rng = np.random.default_rng(5)
    calls = {
        "sort": lambda t, x, d: t.sort(x, d, descending).indices,
        "sort-stable-false": lambda t, x, d: (
            t.sort(x, dim=d, descending=descending, stable=False).indices
        ),
        "argsort": lambda t, x, d: t.argsort(x, d, descending),
        "stable": lambda t, x, d: t.sort(x, dim=d, descending=descending, stable=True).indices,
    }
    for shape, dim in SHAPES:
        values = rng.integers(0, 2 if dtype == "bool" else 4, shape).astype(float)
        if "float" in dtype:
            values.flat[rng.integers(0, values.size, 3)] = np.nan
        for name, call in calls.items():
            ours, theirs = (
                _indices(t, values, dtype, lambda t, x, c=call, d=dim: c(t, x, d))
                for t in (ref, torch)
            )
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{name} {shape}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_mode_picks_the_index_torchs_kernel_picks(dtype):
    """mode's index is the last of its run after std::sort: past 16 elements not the last
    occurrence, and with NaN (which `<` cannot order) wherever the sort's steps leave it."""
    rng = np.random.default_rng(11)
    for shape, dim in [*SHAPES, ((3, 7, 20), 2), ((6, 5), 1), ((2, 0, 3), 2)]:
        for nans in (0, 1, 5):
            values = rng.integers(0, 2 if dtype == "bool" else 5, shape).astype(float)
            if "float" in dtype and values.size:
                values.flat[rng.integers(0, values.size, nans)] = np.nan
            ours, theirs = (t.tensor(values).to(getattr(t, dtype)).mode(dim) for t in (ref, torch))
            np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
            np.testing.assert_array_equal(
                ours.values.float().numpy(), theirs.values.float().numpy()
            )


SELECTIONS = {
    "topk": lambda t, x, k, d: t.topk(x, k, d),
    "topk-smallest": lambda t, x, k, d: t.topk(x, k, d, largest=False),
    "topk-unsorted": lambda t, x, k, d: t.topk(x, k, d, sorted=False),
    "topk-smallest-unsorted": lambda t, x, k, d: t.topk(x, k, d, False, False),
    "kthvalue": lambda t, x, k, d: t.kthvalue(x, k, d),
}


@pytest.mark.parametrize("name", list(SELECTIONS))
@pytest.mark.parametrize("dtype", ["uint8", "int64", "float16", "bfloat16", "float32"])
def test_selections_pick_what_torchs_kernels_pick(name, dtype):
    """topk (std::partial_sort for k up to 1/64 of the slice, std::nth_element above it, its
    unsorted results in the order that leaves) and kthvalue (ATen's quickselect): which of
    equal elements, and which NaN, each returns."""
    rng = np.random.default_rng(13)
    call = SELECTIONS[name]
    for shape, dim in [
        ((3,), 0),
        ((4,), 0),
        ((29,), 0),
        ((40, 30), 0),
        ((3, 7, 20), 2),
        ((700,), 0),
    ]:
        n = shape[dim]
        for k in sorted({1, 2, 3, max(1, n // 64), n // 2 or 1, n}):
            values = rng.integers(0, 4, shape).astype(float)
            if "float" in dtype:
                values.flat[rng.integers(0, values.size, 1 + values.size // 8)] = np.nan
            ours, theirs = (
                call(t, t.tensor(values).to(getattr(t, dtype)), min(k, n), dim)
                for t in (ref, torch)
            )
            message = f"{shape} k={k}"
            np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy(), message)


def test_topk_unsorted_keeps_the_order_nth_element_leaves():
    """Distinct values too: with sorted=False, above 1/64 of the slice, the k come in the
    order std::nth_element leaves them, not sorted."""
    values = np.random.default_rng(3).permutation(40).astype(np.float32)
    ours, theirs = (t.topk(t.tensor(values), 6, sorted=False) for t in (ref, torch))
    assert ours.indices.tolist() == theirs.indices.tolist()
    assert ours.values.tolist() != sorted(ours.values.tolist(), reverse=True)


def test_nanmedian_of_all_nan_slices_picks_torchs_nan():
    """nanmedian(dim) of a slice of NaNs only: std::nth_element's steps choose the index."""
    for n in (3, 4, 7, 20, 33):
        values = np.full((2, n), np.nan)
        values[1, 0] = 1.0
        ours, theirs = (t.nanmedian(t.tensor(values), 1) for t in (ref, torch))
        assert ours.indices.tolist() == theirs.indices.tolist(), n


@pytest.mark.parametrize("n", [274, 1000])
def test_the_heapsort_past_the_depth_limit_matches(n):
    """An organ-pipe sequence drives libstdc++'s introsort past its depth limit into the
    heapsort (checked below), which must reorder ties as PyTorch's does."""
    values = np.concatenate([np.arange(n // 2), np.arange(n // 2)[::-1]])
    heapsorts = []
    original = unstable_sort._Library._heapsort

    def counted(self, first, last):
        heapsorts.append(last - first)
        original(self, first, last)

    unstable_sort._Library._heapsort = counted
    try:
        ours = ref.sort(ref.tensor(values)).indices.tolist()
    finally:
        unstable_sort._Library._heapsort = original
    assert heapsorts
    assert ours == torch.sort(torch.tensor(values)).indices.tolist()


def test_long_integer_rows_sorted_ascending_are_stable():
    """ATen sorts a 1-D integer tensor of 32768 elements or more, ascending, by radix: stable.
    Descending, or as rows of a 2-D tensor, it does not."""
    values = np.random.default_rng(0).integers(0, 6, 40000)
    for call in (
        lambda t, x: t.sort(x).indices,
        lambda t, x: t.sort(x, descending=True).indices,
        lambda t, x: t.sort(x.reshape(2, 20000), 1).indices,
    ):
        ours, theirs = (call(t, t.tensor(values)).numpy() for t in (ref, torch))
        np.testing.assert_array_equal(ours, theirs)
