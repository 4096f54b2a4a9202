"""torch.testing.assert_close (conformance/reference/testing.py) against real PyTorch: on each
case both raise the same exception type with the same message, or both pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

NAN, INF = float("nan"), float("inf")

CASES = {
    "equal-float32": lambda t: (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0])),
    "within-default-float32": lambda t: (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0 + 1e-6])),
    "not-close-float32": lambda t: (t.tensor([1.0, 4.0, 5.0]), t.tensor([1.0, 2.0, 3.0])),
    "not-close-2d": lambda t: (
        t.tensor([[1.0, 2.0], [3.0, 4.5]]),
        t.tensor([[1.0, 2.1], [3.0, 4.0]]),
    ),
    "not-close-float64": lambda t: (
        t.tensor([1.0], dtype=t.float64),
        t.tensor([1.0 + 1e-6], dtype=t.float64),
    ),
    "within-float64": lambda t: (
        t.tensor([1.0], dtype=t.float64),
        t.tensor([1.0 + 1e-8], dtype=t.float64),
    ),
    "float16": lambda t: (
        t.tensor([1.0, 2.0], dtype=t.float16),
        t.tensor([1.0, 2.01], dtype=t.float16),
    ),
    "float16-within": lambda t: (
        t.tensor([1000.0], dtype=t.float16),
        t.tensor([1001.0], dtype=t.float16),
    ),
    "bfloat16": lambda t: (
        t.tensor([1.0, 2.0], dtype=t.bfloat16),
        t.tensor([1.0, 2.5], dtype=t.bfloat16),
    ),
    "int-exact": lambda t: (t.tensor([1, 2, 3]), t.tensor([1, 2, 4])),
    "int32": lambda t: (t.tensor([5, 2], dtype=t.int32), t.tensor([1, 2], dtype=t.int32)),
    "uint8-wraps-in-int64": lambda t: (
        t.tensor([0, 2], dtype=t.uint8),
        t.tensor([255, 2], dtype=t.uint8),
    ),
    "bool": lambda t: (t.tensor([True, False]), t.tensor([True, True])),
    "scalar-tensor": lambda t: (t.tensor(1.5), t.tensor(1.0)),
    "scalar-zero-expected": lambda t: (t.tensor(1.5), t.tensor(0.0)),
    "nan-default": lambda t: (t.tensor(NAN), t.tensor(NAN)),
    "nan-equal-nan": lambda t: ((t.tensor([NAN, 1.0]), t.tensor([NAN, 1.0])), {"equal_nan": True}),
    "nan-in-vector": lambda t: (t.tensor([NAN, 1.0]), t.tensor([NAN, 1.0])),
    "inf-equal": lambda t: (t.tensor([INF, -INF]), t.tensor([INF, -INF])),
    "inf-sign": lambda t: (t.tensor([INF, 1.0]), t.tensor([-INF, 1.0])),
    "shape": lambda t: (t.ones(2), t.ones(3)),
    "shape-2d": lambda t: (t.ones(2, 1), t.ones(2)),
    "dtype": lambda t: (t.ones(2), t.ones(2, dtype=t.float64)),
    "dtype-unchecked": lambda t: ((t.ones(2), t.ones(2, dtype=t.float64)), {"check_dtype": False}),
    "dtype-unchecked-mismatch": lambda t: (
        (t.tensor([1.0, 2.0]), t.tensor([1.0, 3.0], dtype=t.float64)),
        {"check_dtype": False},
    ),
    "stride": lambda t: ((t.ones(2, 3), t.ones(3, 2).t()), {"check_stride": True}),
    "stride-unchecked": lambda t: (t.ones(2, 3), t.ones(3, 2).t()),
    "tolerances": lambda t: ((t.tensor([1.0]), t.tensor([1.1])), {"rtol": 0.0, "atol": 0.2}),
    "tolerances-fail": lambda t: (
        (t.tensor([1.0, 3.0]), t.tensor([1.1, 2.0])),
        {"rtol": 0.01, "atol": 0.05},
    ),
    "only-rtol": lambda t: ((t.ones(1), t.ones(1)), {"rtol": 0.1}),
    "only-atol": lambda t: ((t.ones(1), t.ones(1)), {"atol": 0.1}),
    "zero-tolerances": lambda t: (
        (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0001])),
        {"rtol": 0, "atol": 0},
    ),
    "msg-string": lambda t: ((t.tensor([1.0]), t.tensor([2.0])), {"msg": "custom"}),
    "msg-callable": lambda t: (
        (t.tensor([1.0, 2.0]), t.tensor([2.0, 2.0])),
        {"msg": lambda m: f"H\n{m}\nF"},
    ),
    "python-floats": lambda t: (1.0, 1.0 + 1e-9),
    "python-floats-far": lambda t: (1.0, 1.5),
    "python-zero": lambda t: (0.5, 0.0),
    "python-ints": lambda t: (1, 2),
    "python-int-float": lambda t: (1, 1.0),
    "python-int-float-unchecked": lambda t: ((1, 1.0), {"check_dtype": False}),
    "python-nan": lambda t: (NAN, NAN),
    "python-nan-equal": lambda t: ((NAN, NAN), {"equal_nan": True}),
    "python-bools": lambda t: (True, False),
    "numpy-scalars": lambda t: (np.float32(1.0), np.float32(2.0)),
    "none": lambda t: (None, None),
    "none-mismatch": lambda t: (None, 1),
    "tensor-and-number": lambda t: (t.tensor(1.0), 1.0),
    "number-and-tensor": lambda t: (1.0, t.tensor(1.0)),
    "list-of-tensors": lambda t: ([t.ones(2), t.zeros(2)], [t.ones(2), t.zeros(2)]),
    "list-mismatch": lambda t: ([t.ones(2), t.zeros(2)], [t.ones(2), t.tensor([0.0, 1.0])]),
    "tuple-length": lambda t: ((t.ones(1), t.ones(1)), (t.ones(1),)),
    "nested": lambda t: ([[1.0, t.ones(1)], 2], [[1.0, t.tensor([2.0])], 2]),
    "dict": lambda t: ({"a": t.ones(1), "b": 2}, {"a": t.ones(1), "b": 3}),
    "dict-keys": lambda t: ({"a": 1, "c": 2}, {"a": 1, "b": 2}),
    "origination-before-comparison": lambda t: (
        [t.tensor([1.0]), t.ones(1)],
        [t.tensor([2.0]), 1.0],
    ),
    "rtol-error-in-sequence": lambda t: (([t.ones(1), 1.0], [t.ones(1), 1.0]), {"rtol": 0.1}),
    "numpy-arrays": lambda t: (np.array([1.0, 2.0]), np.array([1.0, 3.0])),
    "lists-of-numbers": lambda t: ([1.0, 2.0], [1.0, 2.0]),
    "requires-grad": lambda t: (t.ones(2, requires_grad=True) * 2, t.tensor([2.0, 2.5])),
    "big-count": lambda t: (t.arange(1000.0), t.arange(1000.0) * 1.001),
    "int-relative": lambda t: (t.tensor([1, 7, 3]), t.tensor([2, 3, 3])),
    "int-to-zero": lambda t: (t.tensor([1, 0]), t.tensor([0, 0])),
}


def _outcome(t, case):
    made = case(t)
    args, kwargs = (made[0], made[1]) if isinstance(made[1], dict) else (made, {})
    try:
        t.testing.assert_close(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the error is the outcome to compare
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize("name", list(CASES))
def test_assert_close_matches_torch(name: str) -> None:
    assert _outcome(ref, CASES[name]) == _outcome(torch, CASES[name])


def test_device_mismatch_message() -> None:
    """On the simulated or real CUDA device where one exists; otherwise the message is built
    by the same code as dtype's."""
    if not ref.cuda.is_available():
        pytest.skip("no CUDA device (set CONFORMANCE_SIMULATED_CUDA=1)")
    with pytest.raises(AssertionError) as caught:
        ref.testing.assert_close(ref.ones(1), ref.ones(1, device="cuda"))
    assert str(caught.value) == ("The values for attribute 'device' do not match: cpu != cuda:0.")
    ref.testing.assert_close(ref.ones(1), ref.ones(1, device="cuda"), check_device=False)
