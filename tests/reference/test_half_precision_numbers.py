"""A Python number meeting a float16 or bfloat16 tensor, compared bit for bit with PyTorch.

ATen casts the number to the tensor's dtype before most kernels (add, sub, remainder, fmod,
pow, the comparisons, xlogy), but mul, div, floor division, leaky_relu's slope and
addcmul's value are read in float32; every kernel computes in float32 and rounds once. Before
this was modelled, 20-80% of the elements differed by an ulp or more for several of these ops.
2048 elements: a multiple of PyTorch's vector width (a loop tail, which rounds add's alpha
product separately, is tested in test_fused_multiply_add.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

VALUES = (np.random.default_rng(0).standard_normal(2048) * 3).astype(np.float32)
NUMBERS = (0.7, 0.1, -1.3, 2.2, 1e-3, 3.14159)

OPS = {
    "add": lambda t, a, s: a + s,
    "sub": lambda t, a, s: a - s,
    "rsub": lambda t, a, s: s - a,
    "mul": lambda t, a, s: a * s,
    "div": lambda t, a, s: a / s,
    "rdiv": lambda t, a, s: s / a,
    "floor_divide": lambda t, a, s: a // s,
    "div-trunc": lambda t, a, s: t.div(a, s, rounding_mode="trunc"),
    "remainder": lambda t, a, s: a % s,
    "fmod": lambda t, a, s: t.fmod(a, s),
    "pow": lambda t, a, s: a.abs() ** s,
    "lt": lambda t, a, s: a < s,
    "eq": lambda t, a, s: a == s,
    "ge": lambda t, a, s: a >= s,
    "clamp": lambda t, a, s: t.clamp(a, min=s),
    "add-alpha": lambda t, a, s: t.add(a, a, alpha=s),
    "addcmul": lambda t, a, s: t.addcmul(a, a, a, value=s),
    "xlogy": lambda t, a, s: t.xlogy(a, abs(s)),
    "xlog1py": lambda t, a, s: t.special.xlog1py(a, abs(s)),
    "leaky_relu": lambda t, a, s: t.nn.functional.leaky_relu(a, s),
    "mul_": lambda t, a, s: a.clone().mul_(s),
    "add_": lambda t, a, s: a.clone().add_(s),
    "div_": lambda t, a, s: a.clone().div_(s),
    "remainder_": lambda t, a, s: a.clone().remainder_(s),
}

TENSOR_OPS = {
    "xlogy": lambda t, a, b: t.xlogy(a, b.abs()),
    "xlog1py": lambda t, a, b: t.special.xlog1py(a, b.abs()),
    "remainder": lambda t, a, b: a % b,
    "fmod": lambda t, a, b: t.fmod(a, b),
    "ldexp": lambda t, a, b: t.ldexp(a, b),  # pow(2, other) rounded to the dtype first
}


def _values(t, make, dtype, *args):
    a = t.tensor(VALUES).to(getattr(t, dtype))
    out = make(t, a, *args)
    return out.float().numpy() if out.dtype != t.bool else out.numpy()


def _assert_same_bits(ours, theirs):
    same = (ours == theirs) | (np.isnan(ours.astype(float)) & np.isnan(theirs.astype(float)))
    assert same.all(), f"{int((~same).sum())} of {same.size} differ"


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("make", OPS.values(), ids=OPS.keys())
def test_number_operand_rounds_as_torch(make, dtype):
    for number in NUMBERS:
        _assert_same_bits(_values(ref, make, dtype, number), _values(torch, make, dtype, number))


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("make", TENSOR_OPS.values(), ids=TENSOR_OPS.keys())
def test_two_half_tensors_round_as_torch(make, dtype):
    other = np.random.default_rng(1).standard_normal(2048).astype(np.float32) * 3

    def run(t):
        b = t.tensor(other).to(getattr(t, dtype))
        return _values(t, make, dtype, b)

    _assert_same_bits(run(ref), run(torch))


def test_remainder_zero_keeps_the_dividends_sign():
    """ATen's remainder is fmod moved to the divisor's side: a zero result keeps fmod's sign,
    where Python's % (and NumPy's) gives it the divisor's."""
    for t in (torch, ref):
        a = t.tensor([2.0, -2.0, 0.0, -0.0])
        assert [str(v) for v in (a % -2).tolist()] == ["0.0", "-0.0", "0.0", "-0.0"]
        assert [str(v) for v in (0 % t.tensor([-2.5, 2.5])).tolist()] == ["0.0", "0.0"]


@pytest.mark.parametrize("shape, dim", [((64, 3), 1), ((64, 100), -1), ((100,), 0), ((7, 50), 0)])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_log_softmax_rounds_as_torchs_kernel(dtype, shape, dim):
    """Along the last dimension PyTorch's half-precision log_softmax keeps the sum of
    exponentials and its log in the input's dtype (bfloat16's sum 1.0024 is 1, so the
    largest element's log-probability is 0); along others it does not (random program seed
    54367). At most 2% of the elements may differ, by a few units in the last place: where
    PyTorch's float32 exp (a last-bit apart from NumPy's) puts the sum on the other side of a
    half-precision rounding boundary (without the rounding modelled, up to 30% differ)."""
    values = np.random.default_rng(1).normal(0, 3, shape)

    def log_softmax(t):
        out = t.log_softmax(t.tensor(values, dtype=getattr(t, dtype)), dim)
        return out.double().numpy()

    ours, theirs = log_softmax(ref), log_softmax(torch)
    differ = ours != theirs
    assert differ.mean() <= 0.02
    ulp = 2.0 ** (-7 if dtype == "bfloat16" else -10)  # relative, at worst
    np.testing.assert_allclose(ours, theirs, rtol=4 * ulp, atol=0)


@pytest.mark.parametrize(
    "shape, dim", [((4, 3, 2), 2), ((5, 7), 1), ((3, 40), 1), ((2, 3, 4), (0, 2))]
)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_logsumexp_rounds_each_step(dtype, shape, dim):
    """PyTorch composes logsumexp of ops in the input's dtype (x - max, exp, sum, log, + max),
    each result rounded to it: logsumexp(-0.734, -0.746) is -0.0508 in bfloat16, not the
    correctly rounded -0.0471 (random program seed 137475)."""
    values = np.random.default_rng(0).standard_normal(shape) * 3
    values.ravel()[0] = -np.inf
    seen = [
        t.logsumexp(t.tensor(values).to(getattr(t, dtype)), dim).double().numpy()
        for t in (ref, torch)
    ]
    np.testing.assert_array_equal(seen[0], seen[1])


@pytest.mark.parametrize("other_shape", [(), (1,), (1, 1)])
@pytest.mark.parametrize("other_dtype", ["float16", "float32", "float64", "int64", "bfloat16"])
@pytest.mark.parametrize("name", ["mul", "div", "mul_", "div_", "floor_divide", "add"])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_one_element_tensor_operand_is_read_in_float32(dtype, name, other_dtype, other_shape):
    """mul and div read a one-element second operand of another dtype at its own value in
    float32, not first rounded to the half dtype (random program seed 128288: bfloat16 times
    a float16 0-dim tensor); add casts it, as the other ops do."""
    calls = {
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "mul_": lambda a, b: a.clone().mul_(b),
        "div_": lambda a, b: a.clone().div_(b),
        "floor_divide": lambda a, b: a // b,
        "add": lambda a, b: a + b,
    }
    value = 257.3 if other_dtype == "int64" else 0.123456789
    seen = []
    for t in (ref, torch):
        a = t.tensor(VALUES[:40]).to(getattr(t, dtype))
        b = t.tensor(value, dtype=t.float64).reshape(other_shape).to(getattr(t, other_dtype))
        try:
            out = calls[name](a, b)
        except RuntimeError as exc:  # (x.mul_ of a (1, 1) operand: the shape is refused)
            seen.append(str(exc))
            continue
        seen.append((str(out.dtype), out.double().numpy().tolist()))
    assert seen[0] == seen[1]


# Doubles just past a float16 tie: rounded through float32 (as c10::Half is made from a
# double) they round the other way than NumPy's direct conversion, for about half of them.
_NEAR_TIES = (
    np.random.default_rng(1).uniform(1, 2, 512).astype(np.float16).astype(np.float64)
    + 2.0**-11
    + np.random.default_rng(2).choice([1e-12, -1e-12, 2.0**-40, -(2.0**-40)], 512)
).tolist()

FROM_DOUBLES = {
    "tensor": lambda t, v: t.tensor([v], dtype=t.float16),
    "full": lambda t, v: t.full((1,), v, dtype=t.float16),
    "fill_": lambda t, v: t.zeros(1, dtype=t.float16).fill_(v),
    "setitem": lambda t, v: (lambda z: (z.__setitem__(0, v), z)[1])(t.zeros(1, dtype=t.float16)),
    "add-number": lambda t, v: t.zeros(1, dtype=t.float16) + v,
    "rsub-number": lambda t, v: v - t.zeros(1, dtype=t.float16),
    "clamp-max": lambda t, v: t.full((1,), 5.0, dtype=t.float16).clamp(max=v),
    "add-alpha": lambda t, v: t.add(
        t.zeros(1, dtype=t.float16), t.ones(1, dtype=t.float16), alpha=v
    ),
}


@pytest.mark.parametrize("make", FROM_DOUBLES.values(), ids=FROM_DOUBLES.keys())
def test_a_double_becomes_float16_through_float(make):
    ours = np.concatenate([make(ref, v).float().numpy() for v in _NEAR_TIES])
    theirs = np.concatenate([make(torch, v).float().numpy() for v in _NEAR_TIES])
    np.testing.assert_array_equal(ours, theirs)
