"""conj, real, imag, angle, isreal and their kin on real tensors (ops/complex_parts.py)
against real PyTorch: identity results, errors, dtypes, values at -0.0 and nan, and the zero
gradient of angle."""

from __future__ import annotations

import math

import pytest
import torch

import conformance.reference as ref

CALLS = {
    "conj-is-self": lambda t, x: t.conj(x) is x,
    "conj-method-is-self": lambda t, x: x.conj() is x,
    "real-property-is-self": lambda t, x: x.real is x,
    "real-function-is-self": lambda t, x: t.real(x) is x,
    "resolve-conj-is-self": lambda t, x: x.resolve_conj() is x,
    "conj-physical-is-self": lambda t, x: t.conj_physical(x) is x,
    "imag-property": lambda t, x: x.imag,
    "imag-function": lambda t, x: t.imag(x),
    "is-conj": lambda t, x: x.is_conj(),
    "isreal": lambda t, x: (t.isreal(x).dtype, t.isreal(x).tolist()),
    "isreal-integers": lambda t, x: t.isreal(t.tensor([1, 2])).tolist(),
    "angle": lambda t, x: t.angle(x).tolist(),
    "angle-method": lambda t, x: x.angle().tolist(),
    "angle-node": lambda t, x: type(t.angle(x).grad_fn).__name__,
    "angle-integers": lambda t, x: (
        t.angle(t.tensor([1, -2, 0])).dtype,
        t.angle(t.tensor([1, -2])).tolist(),
    ),
    "angle-bools": lambda t, x: t.angle(t.tensor([True, False])).tolist(),
    "angle-float64": lambda t, x: t.angle(x.double()).dtype,
}


def _outcome(t, name):
    x = t.tensor([1.0, -2.0, 0.0, math.nan, -0.0], requires_grad=True)
    try:
        result = CALLS[name](t, x)
    except Exception as error:  # noqa: BLE001 - an error is an outcome to compare
        return type(error).__name__, str(error)
    return repr(result).replace("nan", "NaN")


@pytest.mark.parametrize("name", list(CALLS))
def test_matches_torch(name):
    assert _outcome(ref, name) == _outcome(torch, name)


def test_angle_gradient_is_zero_as_in_torch():
    grads = []
    for t in (ref, torch):
        x = t.tensor([1.0, -2.0, 0.0, math.nan], requires_grad=True)
        t.angle(x).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [0.0] * 4
