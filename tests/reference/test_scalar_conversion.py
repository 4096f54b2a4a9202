"""Python numbers written into tensors of every dtype, against real PyTorch: torch.tensor of a
number and of a list, full, fill_, new_full and x[i] = v. Values near and past each dtype's
range, floats into integers, nan and inf, complex numbers and integers beyond int64; the
result or the error type and message must be PyTorch's."""

from __future__ import annotations

import pytest
import torch

import conformance.reference as ref

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64"]
DTYPES += ["float16", "bfloat16", "float32", "float64"]
VALUES = [-256, -255, -129, -128, -2, 255, 256, 300, 32768, 2**31, 2**63 - 1, 2**63, -(2**63)]
VALUES += [-(2**63) - 1, 2**64, -2.5, 255.9, 256.0, -255.5, 1e10, float("inf"), float("nan")]
VALUES += [70000.0, 1e39, True, 2.5 + 0j, 1 + 1j]


def _write(t, how, value, dtype):
    d = getattr(t, dtype)
    if how == "tensor":
        return t.tensor(value, dtype=d)
    if how == "tensor-list":
        return t.tensor([1, value], dtype=d)
    if how == "full":
        return t.full((1,), value, dtype=d)
    if how == "fill_":
        return t.zeros(1, dtype=d).fill_(value)
    if how == "new_full":
        return t.zeros(1, dtype=d).new_full((1,), value)
    x = t.zeros(1, dtype=d)
    x[0] = value
    return x


def _outcome(t, how, value, dtype):
    try:
        r = _write(t, how, value, dtype)
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e).split("\n")[0]
    return str(r.dtype).removeprefix("torch."), [str(v) for v in r.reshape(-1).tolist()]


@pytest.mark.parametrize("how", ["tensor", "tensor-list", "full", "fill_", "new_full", "setitem"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_numbers_convert_as_in_pytorch(how, dtype):
    for value in VALUES:
        assert _outcome(ref, how, value, dtype) == _outcome(torch, how, value, dtype), value
