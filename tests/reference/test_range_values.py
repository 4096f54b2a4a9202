"""torch.arange and torch.linspace, value for value and bit for bit against torch 2.13
(conformance/reference/ops/range_values.py): NumPy's own arange and linspace round
otherwise, and an integer arange truncates its start and step first.

Before, 1392 of 2000 random calls (every dtype) differed from torch's, in the last bit of
a float or in an integer's value."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8"]


def _outcome(t, call):
    try:
        out = call(t)
    except Exception as error:  # noqa: BLE001 - the refusal is what is compared
        return type(error).__name__, str(error)
    return str(out.dtype).split(".")[-1], out.double().numpy().tolist()


def _same(call):
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    if isinstance(theirs[1], str) or isinstance(ours[1], str):
        assert ours == theirs
        return
    assert ours[0] == theirs[0]
    assert np.array_equal(np.array(ours[1]), np.array(theirs[1]), equal_nan=True), (ours, theirs)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linspace_matches_torch_bit_for_bit(dtype):
    """Lengths across the halfway switch and past the vector blocks, ends of all sizes,
    integer and float ends."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        start, end = (float(v) for v in rng.standard_normal(2) * 10.0 ** rng.integers(-3, 4))
        if dtype.startswith(("int", "uint")):
            start, end = abs(start) % 100, abs(end) % 100
        steps = int(rng.integers(0, 200))
        _same(lambda t, a=start, b=end, n=steps: t.linspace(a, b, n, dtype=getattr(t, dtype)))


@pytest.mark.parametrize("dtype", [*DTYPES, None])
def test_arange_matches_torch_bit_for_bit(dtype):
    """Fractional and integer starts and steps, up and down, past the vector blocks."""
    rng = np.random.default_rng(8)
    for trial in range(40):
        start = float(rng.standard_normal() * 10)
        step = float(rng.choice([0.1, 0.3, 1.7, -0.25, 0.01, 3.0, 2.0, -1.0]) * rng.uniform(0.5, 2))
        end = start + step * float(rng.uniform(0, 150))
        if trial % 3 == 0:
            start, end, step = int(start), int(end), int(step) or 1
        _same(
            lambda t, a=start, b=end, s=step: t.arange(
                a, b, s, dtype=None if dtype is None else getattr(t, dtype)
            )
        )


EDGES = {
    "uint8-wraps-a-negative-int-end": lambda t: t.linspace(-5, 10, 5, dtype=t.uint8),
    "uint8-refuses-a-negative-float": lambda t: t.linspace(-5.7, 10, 5, dtype=t.uint8),
    "int8-overflow": lambda t: t.linspace(200, 10, 5, dtype=t.int8),
    "half-overflow": lambda t: t.linspace(70000, 0, 3, dtype=t.float16),
    "half-infinite-end": lambda t: t.linspace(float("inf"), 0, 3, dtype=t.float16),
    "one-step": lambda t: t.linspace(2.5, 7, 1),
    "no-steps": lambda t: t.linspace(3, 1, 0),
    "tensor-ends": lambda t: t.linspace(t.tensor(1.0), t.tensor(3.0), 3),
    "linspace-bool": lambda t: t.linspace(0, 1, 3, dtype=t.bool),
    "arange-bool": lambda t: t.arange(0, 5, dtype=t.bool),
    "int64-truncates-its-step-to-zero": lambda t: t.arange(-3.7, 2.2, 0.5, dtype=t.int64),
    "int64-counts-truncated": lambda t: t.arange(-3.7, 2.2, 1.5, dtype=t.int64),
    "int16-counts-from-doubles": lambda t: t.arange(-3.7, 2.2, 1.5, dtype=t.int16),
    "int32-step-truncated-to-zero": lambda t: t.arange(0, 5, 0.3, dtype=t.int32),
    "int64-down": lambda t: t.arange(5, 0, -1.5, dtype=t.int64),
    "uint8-wraps": lambda t: t.arange(-5.7, 10, 2.5, dtype=t.uint8),
    "zero-step": lambda t: t.arange(0, 5, 0),
    "wrong-sign": lambda t: t.arange(5, 0, 1),
    "infinite-end": lambda t: t.arange(0, float("inf")),
    "too-many": lambda t: t.arange(0.0, 5.0, 1e-30),
    "tensor-start": lambda t: t.arange(t.tensor(1.5), 4),
}


@pytest.mark.parametrize("call", EDGES.values(), ids=EDGES.keys())
def test_edges_and_refusals_match_torch(call):
    _same(call)


@pytest.mark.parametrize("dtype", [*DTYPES, None])
def test_deprecated_range_matches_torch_bit_for_bit(dtype):
    """torch.range includes its end, counts trunc((end - start) / step + 1) and computes
    start + i * step unfused; it warns each call with PyTorch's text."""
    rng = np.random.default_rng(9)
    for trial in range(30):
        start = float(rng.standard_normal() * 10)
        step = float(rng.choice([0.1, 0.3, 1.7, -0.25, 0.01, 3.0, -1.5]) * rng.uniform(0.5, 2))
        end = start + step * float(rng.uniform(0, 150))
        if trial % 3 == 0 or (dtype or "").startswith(("int", "uint")):
            start, end, step = int(start), int(end), int(step) or 1
        if dtype == "uint8":
            start, end, step = abs(start), abs(start) + abs(end), abs(step)
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            _same(
                lambda t, a=start, b=end, s=step: t.range(
                    a, b, s, dtype=None if dtype is None else getattr(t, dtype)
                )
            )


def test_range_refuses_a_step_that_truncates_to_zero():
    """PyTorch 2.13 dies of a floating-point exception (SIGFPE) on torch.range(0, 1, 0.5,
    dtype=torch.int64), dividing by the truncated step; the reference refuses the step."""
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="step must be nonzero"):
        ref.range(0, 1, 0.5, dtype=ref.int64)
