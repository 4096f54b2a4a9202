"""The ops whose PyTorch CPU kernels round a multiply-add once (add and sub with alpha, addcmul,
lerp, and their in-place forms), compared bit for bit with real PyTorch on random values in
every floating dtype; and the float64 emulation (ops/fused_multiply_add.py) against exact
rational arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

import conformance.reference as ref
from conformance.reference.ops.fused_multiply_add import fused_multiply_add

OPS = {
    "add-alpha": lambda t, a, b, c: t.add(a, b, alpha=0.3),
    "sub-alpha": lambda t, a, b, c: t.sub(a, b, alpha=1.7),
    "add-alpha-number": lambda t, a, b, c: t.add(a, 0.123456789, alpha=0.3),
    "add_-alpha": lambda t, a, b, c: a.clone().add_(b, alpha=-2.1),
    "addcmul": lambda t, a, b, c: t.addcmul(a, b, c),
    "addcmul-value": lambda t, a, b, c: t.addcmul(a, b, c, value=0.3),
    "addcmul_": lambda t, a, b, c: a.clone().addcmul_(b, c, value=-1.3),
    "lerp-small": lambda t, a, b, c: t.lerp(a, b, 0.3),
    "lerp-large": lambda t, a, b, c: t.lerp(a, b, 0.8),
    "lerp-tensor": lambda t, a, b, c: t.lerp(a, b, c.abs() / 2),
    "lerp_": lambda t, a, b, c: a.clone().lerp_(b, 0.7),
}


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("name", list(OPS))
def test_multiply_adds_round_once_as_in_pytorch(name, dtype):
    rng = np.random.default_rng(sum(map(ord, name + dtype)))
    values = [rng.standard_normal(50) * 3 for _ in range(3)]
    values[0][:4] = [np.inf, -np.inf, np.nan, -0.0]
    seen = []
    for t in (torch, ref):
        a, b, c = (t.tensor(v).to(getattr(t, dtype)) for v in values)
        seen.append(OPS[name](t, a, b, c).double().numpy())
    np.testing.assert_array_equal(seen[1], seen[0])


def test_the_float64_emulation_is_correctly_rounded():
    """Against exact rationals, including sums that cancel the product almost exactly."""
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal(3000), rng.standard_normal(3000)
    c = np.concatenate(
        [rng.standard_normal(1000), -(a * b)[1000:2000] * (1 + 1e-14), rng.standard_normal(1000)]
    )
    exact = [
        float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in zip(a, b, c, strict=True)
    ]
    np.testing.assert_array_equal(fused_multiply_add(a, b, c, np.dtype("float64")), exact)
    plain = a * b + c
    assert (plain != exact).any()  # (so the test can tell the two apart)


def test_infinities_nans_and_signed_zeros_come_out_as_from_a_plain_multiply_add():
    a = np.array([np.inf, np.nan, 1e308, 2.0, 1e300, 0.0, -0.0, 1.5])
    b = np.array([2.0, 1.0, 10.0, np.inf, 1e10, -1.5, 2.0, 2.0])
    c = np.array([1.0, 1.0, -1e308, -np.inf, 0.0, -0.0, -0.0, -3.0])
    got = fused_multiply_add(a, b, c, np.dtype("float64"))
    expected = [np.inf, np.nan, np.inf, np.nan, np.inf, -0.0, -0.0, 0.0]
    assert [repr(v) for v in got.tolist()] == [repr(v) for v in expected]
