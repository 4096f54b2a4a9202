"""torch.tensor's rules for nested Python data, against real PyTorch."""

from __future__ import annotations

import pytest
import torch

import conformance.reference as ref


@pytest.mark.parametrize(
    "data",
    [[[1, 2], [1, 2, 3]], [[[1], [2]], [[1], [2, 3]]], [[1.5, 2], [3, 4, 5], [6]]],
    ids=["rows", "deep", "three-rows"],
)
def test_ragged_nested_lists_raise_pytorchs_error(data):
    with pytest.raises(ValueError) as theirs:
        torch.tensor(data)
    with pytest.raises(ValueError) as ours:
        ref.tensor(data)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "data",
    [[[1, 2], [3, 4]], [True, False], [1, 2.5], [[1.0], [2.0]], [], [[], []], 3, 2.5, True],
)
def test_nested_data_gives_pytorchs_values_dtype_and_shape(data):
    ours, theirs = ref.tensor(data), torch.tensor(data)
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.tolist() == theirs.tolist()
