"""sort and argsort without stable=True: the order of equal elements, compared with
PyTorch's CPU kernel index for index (conformance/reference/ops/unstable_sort.py)."""

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


@pytest.mark.parametrize("n", [274, 1000])
def test_the_heapsort_past_the_depth_limit_matches(n):
    """An organ-pipe sequence drives libstdc++'s introsort past its depth limit into the
    heapsort (checked below), which must reorder ties as PyTorch's does."""
    values = np.concatenate([np.arange(n // 2), np.arange(n // 2)[::-1]])
    heapsorts = []
    original = unstable_sort._Introsort._heapsort

    def counted(self, first, last):
        heapsorts.append(last - first)
        original(self, first, last)

    unstable_sort._Introsort._heapsort = counted
    try:
        ours = ref.sort(ref.tensor(values)).indices.tolist()
    finally:
        unstable_sort._Introsort._heapsort = original
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
