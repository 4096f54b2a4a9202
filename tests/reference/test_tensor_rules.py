"""torch.tensor of nested data, and what x[i] saves, against real PyTorch."""

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


@pytest.mark.parametrize(
    "make_index", [lambda t: t.tensor([0, 2]), lambda t: t.tensor([True, False, True])]
)
def test_changing_an_index_tensor_after_indexing_breaks_backward_as_in_pytorch(make_index):
    """x[i] saves i: modifying i in place makes the backward raise, with PyTorch's message."""
    messages = []
    for t in (ref, torch):
        x = t.ones(3, requires_grad=True)
        index = make_index(t)
        y = x[index]
        index.fill_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as error:
            y.sum().backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


EMPTY_LAYOUTS = {
    "zeros": lambda t: t.zeros(3, 0),
    "zeros-3d": lambda t: t.zeros(2, 0, 4),
    "empty": lambda t: t.empty(0, 3),
    "full": lambda t: t.full((0, 5), 1.0),
    "arange": lambda t: t.arange(0),
    "elementwise": lambda t: t.zeros(4, 0) * 2,
    "clone": lambda t: t.ones(0, 2, 3).clone(),
    "cat": lambda t: t.cat([t.zeros(0, 3), t.zeros(0, 3)]),
    "reshape": lambda t: t.zeros(0, 6).reshape(2, 0, 3),
    "slice-of-non-empty": lambda t: t.ones(2, 3)[:, :0],
    "sum-over-empty": lambda t: t.zeros(0, 3, 2).sum(0),
}


@pytest.mark.parametrize("name", list(EMPTY_LAYOUTS))
def test_empty_tensors_have_pytorchs_strides(name):
    """NumPy 2 gives new empty arrays zero strides; PyTorch lays them out contiguously, a
    dimension of size 0 stepping as one of size 1."""
    make = EMPTY_LAYOUTS[name]
    assert make(ref).stride() == make(torch).stride()
    assert make(ref).is_contiguous() == make(torch).is_contiguous()
