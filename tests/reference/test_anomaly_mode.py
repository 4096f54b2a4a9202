"""Anomaly detection of the reference engine against real PyTorch: the warning on entering,
the forward stack shown when a backward fails (the same file and line as PyTorch's), NaN
checks, the in-place error's other hint, and the settings' scoping."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

import conformance.reference as ref


def run(t, program):
    """The program's result or error, and the warnings it raised (PyTorch's C++ suffix
    "(Triggered internally at ...)" removed)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = program(t)
        except Exception as e:  # noqa: BLE001 - compared as type and text
            result = (type(e).__name__, str(e))
    messages = [(w.category.__name__, str(w.message).split(" (Triggered")[0]) for w in caught]
    return result, messages


def nan_in_backward(t):
    with t.autograd.detect_anomaly():
        x = t.tensor([0.0, 1.0], requires_grad=True)
        (x / x).sum().backward()


def nan_with_set_detect_anomaly(t):
    t.autograd.set_detect_anomaly(True)
    try:
        x = t.tensor([-1.0], requires_grad=True)
        x.sqrt().backward()
    finally:
        t.autograd.set_detect_anomaly(False)


def modified_in_place(t):
    with t.autograd.detect_anomaly(check_nan=False):
        a = t.ones(2, requires_grad=True)
        b = a.exp()
        b.add_(1)
        b.sum().backward()


def nan_not_checked(t):
    with t.autograd.detect_anomaly(check_nan=False):
        x = t.tensor([0.0], requires_grad=True)
        (x / x).sum().backward()
        return math.isnan(x.grad.item()), t.is_anomaly_enabled(), t.is_anomaly_check_nan_enabled()


def scoped_setting(t):
    with t.autograd.set_detect_anomaly(True, check_nan=False):
        inside = (t.is_anomaly_enabled(), t.is_anomaly_check_nan_enabled())
    return inside, t.is_anomaly_enabled(), t.is_anomaly_check_nan_enabled()


def not_a_decorator(t):
    @t.autograd.detect_anomaly()
    def f():
        return 1

    return f()


def clean_backward(t):
    with t.autograd.detect_anomaly():
        a = t.ones(2, requires_grad=True)
        (a * 2).sum().backward()
        return a.grad.tolist()


def restored_after_error(t):
    try:
        with t.autograd.detect_anomaly():
            raise ValueError("boom")
    except ValueError:
        pass
    return t.is_anomaly_enabled(), t.is_anomaly_check_nan_enabled()


@pytest.mark.parametrize(
    "program",
    [
        nan_in_backward,
        nan_with_set_detect_anomaly,
        modified_in_place,
        nan_not_checked,
        scoped_setting,
        not_a_decorator,
        clean_backward,
        restored_after_error,
    ],
    ids=lambda p: p.__name__,
)
def test_matches_torch(program) -> None:
    assert run(ref, program) == run(torch, program)


def test_off_by_default_and_nodes_keep_no_stack() -> None:
    assert not ref.is_anomaly_enabled() and ref.is_anomaly_check_nan_enabled()
    y = ref.ones(1, requires_grad=True) * 2
    assert getattr(y.grad_fn, "_forward_trace", None) is None
