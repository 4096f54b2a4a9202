"""torch.return_types (conformance/reference/return_types.py) against real PyTorch: the same
type names, fields, MRO, constructor and its errors, repr, and pickling, for each op that
returns one."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import conformance.reference as ref

CALLS = {
    "max": lambda t, x: t.max(x, 0),
    "min": lambda t, x: t.min(x, 1, keepdim=True),
    "sort": lambda t, x: t.sort(x),
    "topk": lambda t, x: t.topk(x, 1),
    "kthvalue": lambda t, x: t.kthvalue(x, 1),
    "median": lambda t, x: t.median(x, 0),
    "nanmedian": lambda t, x: t.nanmedian(x, 0),
    "mode": lambda t, x: t.mode(x),
    "cummax": lambda t, x: t.cummax(x, 0),
    "cummin": lambda t, x: t.cummin(x, 1),
    "aminmax": lambda t, x: t.aminmax(x),
    "slogdet": lambda t, x: t.slogdet(x),
    "linalg_slogdet": lambda t, x: t.linalg.slogdet(x),
}


def _shape_of(result):
    t = type(result)
    public = [a for a in dir(t) if not a.startswith("_")]
    mro = [c.__name__ for c in t.__mro__]
    return (t.__module__, t.__name__, mro, t.__match_args__, t.n_fields, public)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_op_returns_torchs_named_tuple(name):
    values = [[3.0, 1.0], [2.0, 5.0]]
    expected = CALLS[name](torch, torch.tensor(values))
    got = CALLS[name](ref, ref.tensor(values))
    assert _shape_of(got) == _shape_of(expected)
    assert type(got) is getattr(ref.return_types, name)
    assert repr(got) == repr(expected)
    for field in type(expected).__match_args__:
        # float32 slogdet may differ from LAPACK's in the last bit; the rest are exact
        np.testing.assert_allclose(
            getattr(got, field).tolist(), getattr(expected, field).tolist(), rtol=1e-6
        )
    first, second = got
    assert first is got[0] and second is got[1]


@pytest.mark.parametrize("argument", [(1, 2), [1, 2], "ab", 5, (1,), (1, 2, 3)])
def test_constructor_takes_one_sequence_with_torchs_errors(argument):
    try:
        expected = torch.return_types.max(argument)
    except TypeError as error:
        with pytest.raises(TypeError) as got:
            ref.return_types.max(argument)
        assert str(got.value) == str(error)
    else:
        got = ref.return_types.max(argument)
        assert tuple(got) == tuple(expected) and repr(got) == repr(expected)


def test_pickles_to_the_engines_type():
    result = ref.return_types.sort((1, [2, 3]))
    again = pickle.loads(pickle.dumps(result))
    assert type(again) is ref.return_types.sort and again == result
    assert again.indices == [2, 3]
    match again:
        case ref.return_types.sort(values, indices):
            assert (values, indices) == (1, [2, 3])
