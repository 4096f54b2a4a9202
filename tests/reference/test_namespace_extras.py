"""torch.finfo, torch.iinfo, torch.layout and the small torch.* functions beside them
(scalar_tensor, empty_strided, empty_permuted, randint_like, initial_seed, is_complex,
is_nonzero, detach, nonzero_static, get_device, is_storage, bilinear), against real PyTorch."""

from __future__ import annotations

import pytest
import torch

import conformance.reference as ref


def outcome(call):
    try:
        value = call()
    except Exception as e:  # noqa: BLE001 - compared as type and text
        return type(e).__name__, str(e)
    return repr(value)


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16", "complex64"])
def test_finfo_matches_torch(name: str) -> None:
    ours, theirs = ref.finfo(getattr(ref, name)), torch.finfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
        assert type(getattr(ours, field)) is type(getattr(theirs, field)), field


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name: str) -> None:
    ours, theirs = ref.iinfo(getattr(ref, name)), torch.iinfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    for field in ("bits", "max", "min", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field


def test_finfo_defaults_and_errors_match_torch() -> None:
    for call in (
        lambda t: t.finfo(),
        lambda t: t.finfo(t.int32),
        lambda t: t.iinfo(t.float32),
        lambda t: t.iinfo(t.bool),
        lambda t: t.finfo(t.float32) == t.finfo(t.float32),
        lambda t: t.finfo(t.float32) == t.finfo(t.float64),
    ):
        assert outcome(lambda c=call: c(ref)) == outcome(lambda c=call: c(torch))


def test_layout_is_strided() -> None:
    assert repr(ref.strided) == repr(torch.strided) == "torch.strided"
    assert ref.ones(2).layout is ref.strided
    assert ref.ones(2, 3).t().layout is ref.strided
    assert outcome(lambda: ref.layout()) == outcome(lambda: torch.layout())


CALLS = {
    "scalar_tensor int": lambda t: t.scalar_tensor(3),
    "scalar_tensor bool": lambda t: t.scalar_tensor(True),
    "scalar_tensor dtype grad": lambda t: t.scalar_tensor(2.5, dtype=t.float64, requires_grad=True),
    "scalar_tensor 0-dim tensor": lambda t: t.scalar_tensor(t.tensor(3)),
    "scalar_tensor tensor": lambda t: t.scalar_tensor(t.ones(2)),
    "empty_strided strides": lambda t: t.empty_strided((2, 3), (1, 2)).stride(),
    "empty_strided contiguous": lambda t: t.empty_strided((2, 3), (1, 2)).is_contiguous(),
    "empty_strided zero stride": lambda t: t.empty_strided((2, 3), (0, 1)).stride(),
    "empty_strided overlap write": lambda t: t.empty_strided((2, 3), (0, 1)).add_(1),
    "empty_strided empty": lambda t: t.empty_strided((0, 3), (3, 1)).shape,
    "empty_strided dims": lambda t: t.empty_strided((2, 3), (1,)),
    "empty_strided negative": lambda t: t.empty_strided((2, -1), (1, 1)),
    "empty_strided dtype": lambda t: t.empty_strided([2], [1], dtype=t.int64).dtype,
    "randint_like dtype": lambda t: t.randint_like(t.ones(3, dtype=t.float64), 5).dtype,
    "randint_like int32": lambda t: t.randint_like(t.ones(3, dtype=t.int32), 5, 6),
    "randint_like high kw": lambda t: t.randint_like(t.ones(2, 2), high=1),
    "randint_like order": lambda t: t.randint_like(t.ones(3), 5, 2),
    "is_complex": lambda t: t.is_complex(t.ones(1)),
    "is_complex number": lambda t: t.is_complex(1.0),
    "is_nonzero": lambda t: t.is_nonzero(t.tensor([[0.5]])),
    "is_nonzero zero": lambda t: t.is_nonzero(t.tensor(0.0)),
    "is_nonzero empty": lambda t: t.is_nonzero(t.tensor([])),
    "is_nonzero two": lambda t: t.is_nonzero(t.tensor([1, 2])),
    "is_nonzero int": lambda t: t.is_nonzero(1),
    "detach": lambda t: t.detach(t.ones(2, requires_grad=True) * 2),
    "nonzero_static padded": lambda t: t.nonzero_static(t.tensor([0, 3, 0, 5]), size=3),
    "nonzero_static cut": lambda t: t.nonzero_static(t.tensor([[0, 3], [4, 0]]), size=1),
    "nonzero_static fill": lambda t: t.tensor([1, 2]).nonzero_static(size=4, fill_value=7),
    "nonzero_static 0-dim": lambda t: t.nonzero_static(t.tensor(5), size=2),
    "nonzero_static negative": lambda t: t.nonzero_static(t.tensor([1]), size=-1),
    "empty_permuted channels last": lambda t: t.empty_permuted((2, 3, 4, 5), (0, 2, 3, 1)).stride(),
    "empty_permuted transposed": lambda t: t.empty_permuted((2, 3), (1, 0)).stride(),
    "empty_permuted empty": lambda t: t.empty_permuted((2, 0, 3), (2, 1, 0)).stride(),
    "empty_permuted duplicate": lambda t: t.empty_permuted((2, 3), (0, 0)),
    "get_device": lambda t: t.get_device(t.ones(1)),
    "is_storage": lambda t: t.is_storage(t.ones(1)),
    "bilinear node": lambda t: t.bilinear(
        t.ones(2, 3), t.ones(2, 4), t.ones(5, 3, 4, requires_grad=True), t.ones(5)
    ).grad_fn.name(),
    "bilinear values": lambda t: t.bilinear(
        t.arange(6.0).reshape(2, 3), t.ones(2, 4), t.ones(5, 3, 4), t.arange(5.0)
    ),
}


@pytest.mark.parametrize("name", CALLS)
def test_namespace_function_matches_torch(name: str) -> None:
    call = CALLS[name]
    assert outcome(lambda: call(ref)) == outcome(lambda: call(torch))


def test_detach_shares_memory_and_version() -> None:
    x = ref.ones(2, requires_grad=True)
    d = ref.detach(x)
    d.zero_()
    assert x.tolist() == [0.0, 0.0] and x._version == d._version == 1


def test_initial_seed_is_the_last_seed() -> None:
    ref.manual_seed(1234)
    assert ref.initial_seed() == 1234
    chosen = ref.seed()
    assert ref.initial_seed() == chosen
