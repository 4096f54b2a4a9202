"""Gradients and recorded nodes compared with real PyTorch where a formula's exact form shows:
ops whose derivative is zeros_like(grad) (a nan or inf coming back gives 0, not grad * 0),
clamp with tensor bounds (ClampBackward0, a gradient for each bound), and the in-place
comparisons, which PyTorch records with zero gradients. Found by running random op chains on
both engines."""

from __future__ import annotations

import math

import pytest
import torch

import conformance.reference as ref


def _grads(t, make, n_inputs, upstream):
    inputs = [t.tensor([0.5, 1.5, 3.0, -2.0], requires_grad=True) for _ in range(n_inputs)]
    out = make(t, *inputs)
    (out * t.tensor(upstream)).sum().backward()
    node = type(out.grad_fn).__name__ if out.grad_fn is not None else None
    grads = [None if x.grad is None else [v for v in (x.grad + 0).tolist()] for x in inputs]
    return node, grads


def _same(a, b):
    if a is None or b is None:
        return a is b
    return all(x == y or math.isnan(x) and math.isnan(y) for x, y in zip(a, b, strict=True))


ZERO_GRADIENT = {
    "floor": lambda t, a: t.floor(a),
    "ceil": lambda t, a: t.ceil(a),
    "round": lambda t, a: t.round(a),
    "round-decimals": lambda t, a: t.round(a, decimals=1),
    "trunc": lambda t, a: t.trunc(a),
    "fix": lambda t, a: t.fix(a),
    "sign": lambda t, a: t.sign(a),
    "pow-0": lambda t, a: a**0,
    "fill_": lambda t, a: (a * 1).fill_(2.0),
    "zero_": lambda t, a: (a * 1).zero_(),
}

CLAMP_BOUNDS = {
    "tensor-min-and-max": lambda t, a, lo, hi: t.clamp(a, lo * 0 + 1.0, hi * 0 + 2.0),
    "tensor-min-above-max": lambda t, a, lo, hi: t.clamp(a, lo * 0 + 2.0, hi * 0 + 1.0),
    "tensor-min-only": lambda t, a, lo, hi: t.clamp(a, lo * 0 + 1.0) + hi * 0,
    "tensor-max-only": lambda t, a, lo, hi: t.clamp(a, max=hi * 0 + 1.0) + lo * 0,
    "equal-bounds": lambda t, a, lo, hi: t.clamp(a, lo * 0 + 1.5, hi * 0 + 1.5),
    "method": lambda t, a, lo, hi: a.clamp(lo * 0 + 1.0, hi * 0 + 2.0),
    "clip": lambda t, a, lo, hi: t.clip(a, lo * 0 + 1.0, hi * 0 + 2.0),
    "in-place": lambda t, a, lo, hi: (a * 1).clamp_(lo * 0 + 1.0, hi * 0 + 2.0),
    "number-bounds": lambda t, a, lo, hi: t.clamp(a, 1.0, 2.0) + (lo + hi) * 0,
}

COMPARE_IN_PLACE = {
    f"{name}-{kind}": (
        lambda t, a, b, name=name, kind=kind: getattr(a * 1, name)(b if kind == "tensor" else 1.5)
    )
    for name in ("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "less_", "not_equal_")
    for kind in ("tensor", "number")
}


@pytest.mark.parametrize("make", ZERO_GRADIENT.values(), ids=ZERO_GRADIENT.keys())
def test_zero_gradients_stay_zero_under_nan_and_inf(make):
    upstream = [math.nan, math.inf, 1.0, -math.inf]
    theirs, ours = _grads(torch, make, 1, upstream), _grads(ref, make, 1, upstream)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1] == [[0.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize("make", CLAMP_BOUNDS.values(), ids=CLAMP_BOUNDS.keys())
def test_clamp_gives_tensor_bounds_their_gradients(make):
    upstream = [1.0, 2.0, 3.0, 4.0]
    theirs, ours = _grads(torch, make, 3, upstream), _grads(ref, make, 3, upstream)
    assert ours[0] == theirs[0]
    for mine, torchs in zip(ours[1], theirs[1], strict=True):
        assert _same(mine, torchs), (ours, theirs)


@pytest.mark.parametrize("make", COMPARE_IN_PLACE.values(), ids=COMPARE_IN_PLACE.keys())
def test_in_place_comparisons_are_recorded_with_zero_gradients(make):
    upstream = [1.0, 2.0, 3.0, 4.0]
    theirs, ours = _grads(torch, make, 2, upstream), _grads(ref, make, 2, upstream)
    assert ours == theirs
    assert theirs[0].endswith(("Backward0", "Backward1"))


MIXED_DTYPES = {
    # NumPy's log of a uint8 array is float16: the formula must promote it first.
    "xlogy-uint8-other": (
        lambda t: t.tensor([-0.164, 0.5, 1.5], dtype=t.float64, requires_grad=True),
        lambda t, a: t.xlogy(a, t.tensor([2, 9, 3], dtype=t.uint8)),
    ),
    "xlog1py-uint8-other": (
        lambda t: t.tensor([-0.164, 0.5, 1.5], dtype=t.float64, requires_grad=True),
        lambda t, a: t.special.xlog1py(a, t.tensor([2, 9, 3], dtype=t.uint8)),
    ),
    # remainder's and fmod's gradient for the divisor divides a bool or integer dividend
    # promoted, as ATen's div does.
    "remainder-bool-dividend": (
        lambda t: t.tensor([2.5, 1.5, -2.0], requires_grad=True),
        lambda t, b: t.remainder(t.tensor([True, False, True]), b),
    ),
    "fmod-integer-dividend": (
        lambda t: t.tensor([2.5, 1.5, -2.0], requires_grad=True),
        lambda t, b: t.fmod(t.tensor([3, -4, 5]), b),
    ),
    "transpose-zero-dim": (
        lambda t: t.tensor(2.0, dtype=t.float64, requires_grad=True),
        lambda t, a: t.swapaxes(a, 0, -1) * 3,
    ),
    # The exponent's gradient takes log(base) in the result's dtype (float64), not the base's.
    "pow-float32-base-float64-exponent": (
        lambda t: t.tensor([2.5, -3.2, 1.7], dtype=t.float64, requires_grad=True),
        lambda t, e: t.pow(t.tensor([1.7, 2.3, 0.37]), e),
    ),
    "pow-int8-base-float32-exponent": (
        lambda t: t.tensor([0.5, 1.5, 2.5], requires_grad=True),
        lambda t, e: t.pow(t.tensor([3, 2, 5], dtype=t.int8), e),
    ),
}


@pytest.mark.parametrize("case", MIXED_DTYPES.values(), ids=MIXED_DTYPES.keys())
def test_gradients_across_dtypes_match_torch_closely(case):
    make_input, compute = case
    grads = []
    for t in (torch, ref):
        x = make_input(t)
        compute(t, x).sum().backward()
        grads.append((x.grad.dtype == t.float64, x.grad.tolist()))
    (theirs_double, theirs), (ours_double, ours) = grads
    assert ours_double == theirs_double
    tolerance = 1e-15 if theirs_double else 2e-7
    assert ours == pytest.approx(theirs, rel=tolerance, abs=tolerance)


def _norm_outcome(t, norm):
    """Values and input/weight gradients of a normalisation with an infinite weight, on an
    input whose row sums are exact: where PyTorch's kernel form (x * scale + shift, sums over
    x - mean) gives nan and a textbook form gives +-inf or a rounding error."""
    data = [[[1.0, 0.0, 0.0, 0.0], [0.0] * 4, [0.0] * 4, [0.0] * 4]] * 2
    x = t.tensor(data, dtype=t.float64, requires_grad=True)
    w = t.tensor([math.inf] * 4, dtype=t.float64, requires_grad=True)
    y = norm(t, x, w, t.zeros(4, dtype=t.float64))
    y.sum().backward()
    return y.tolist(), x.grad.tolist(), w.grad.tolist()


NORMS = {
    "layer_norm": lambda t, x, w, b: t.nn.functional.layer_norm(x, (4,), w, b),
    "group_norm": lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b),
    "instance_norm": lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b),
    "batch_norm": lambda t, x, w, b: t.nn.functional.batch_norm(x, None, None, w, b, training=True),
}


@pytest.mark.parametrize("norm", NORMS.values(), ids=NORMS.keys())
def test_normalisations_follow_torchs_kernel_form_under_an_infinite_weight(norm):
    theirs, ours = _norm_outcome(torch, norm), _norm_outcome(ref, norm)
    flat = lambda nested: torch.tensor(nested).reshape(-1).tolist()  # noqa: E731
    for a, b in zip(theirs, ours, strict=True):
        assert _same(flat(a), flat(b)), (a, b)


def test_group_norm_without_spatial_elements_has_nan_statistics():
    """0 / 0 for the variance: rstd is nan, so the weight's gradient is nan, as in PyTorch."""
    for t in (torch, ref):
        x = t.ones((2, 4, 0), requires_grad=True)
        w = t.ones(4, requires_grad=True)
        t.nn.functional.group_norm(x, 2, w, t.zeros(4)).sum().backward()
        assert all(math.isnan(v) for v in w.grad.tolist())


_AT_SPECIAL_POINTS = {
    "elu": lambda t, x: t.nn.functional.elu(x, 2.0),
    "selu": lambda t, x: t.nn.functional.selu(x),
    "celu": lambda t, x: t.nn.functional.celu(x),
    "hardswish": lambda t, x: t.nn.functional.hardswish(x),
    "relu6": lambda t, x: t.nn.functional.relu6(x),
    "hardtanh": lambda t, x: t.nn.functional.hardtanh(x),
    "softshrink": lambda t, x: t.nn.functional.softshrink(x, 3.0),
    "hardshrink": lambda t, x: t.nn.functional.hardshrink(x),
    "logit": lambda t, x: t.logit(x),
}


# The inputs' layouts: contiguous, transposed (dense, so one run in memory order), rows cut
# from a wider tensor (a run per row), broadcast into the op, and with a gradient that is not
# a broadcast one.
_LAYOUTS = {
    "contiguous": lambda t, base, n: base[:n].clone(),
    "transposed": lambda t, base, n: base[: 3 * n].reshape(n, 3).t(),
    "rows": lambda t, base, n: base[: 6 * n].reshape(3, 2 * n)[:, :n],
}


@pytest.mark.parametrize("layout", [*_LAYOUTS, "expanded", "scaled-gradient"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("name", [*_AT_SPECIAL_POINTS, "logit-eps"])
def test_gradients_at_nan_and_minus_zero_take_torchs_loop_body(name, dtype, layout):
    """Where PyTorch's vector and scalar loop bodies disagree (the gradient at nan of elu,
    hardtanh, ...; logit's at -0.0 and 0), each element gets the body PyTorch's CPU loop runs
    it with, which depends on the length and layout (ops/cpu_loops.py): lengths from one
    element, all scalar, to past two vectors of every dtype."""
    call = _AT_SPECIAL_POINTS.get(name, lambda t, x: t.logit(x, 0.1))
    pattern = [math.nan, -0.0, 0.0, 1.0, 0.3, math.nan, 2.0] * 40

    def gradients(t, n):
        base = t.tensor(pattern, dtype=t.float64)[: 6 * n].to(getattr(t, dtype))
        x = _LAYOUTS.get(layout, _LAYOUTS["contiguous"])(t, base, n).detach().requires_grad_()
        y = call(t, x.expand(2, n) if layout == "expanded" else x)
        (y * 2 if layout == "scaled-gradient" else y).sum().backward()
        return [repr(v) for v in x.grad.flatten().tolist()]

    for n in (1, 3, 9, 17, 33, 40):
        assert gradients(ref, n) == gradients(torch, n), f"{n} elements"
