"""Advanced indexing of tensors with empty dimensions, side by side with PyTorch: an index into
a dimension of size 0 is refused even where the result would be empty (x[[0]] on a (0, 0)
tensor), while an out-of-range index whose result is empty is not checked at all (x[[5]] on a
(3, 0) tensor). The engine returned an empty tensor for the first until a random program
(seed 547568, nonzero of a 0-dim False, then x[[0, -1]]) showed it."""

from __future__ import annotations

import warnings

import pytest
import torch

import conformance.reference as ref

CASES = [
    ((0, 0), [0, -1]),
    ((0, 0), ([0],)),
    ((0, 3), ([0],)),
    ((0,), ([0],)),
    ((3, 0), ([5],)),
    ((0, 3), ([],)),
    ((3, 0, 2), (slice(None), [0])),
    ((3, 0, 2), (slice(None), [])),
    ((2, 0), ([1], slice(None))),
]


def outcome(t, shape, key):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a list key is deprecated as a tuple of indices)
        try:
            return ("shape", tuple(t.zeros(shape)[key].shape))
        except IndexError as exc:
            return ("IndexError", str(exc))


@pytest.mark.parametrize(("shape", "key"), CASES, ids=[f"{s}-{k}" for s, k in CASES])
def test_indexing_empty_dimensions_as_in_torch(shape, key):
    assert outcome(ref, shape, key) == outcome(torch, shape, key)
