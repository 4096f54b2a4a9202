"""Rows of test_op_gradients.py's table for the pointwise ops beyond issue 4's list (conformance/reference/ops/pointwise.py)."""

from __future__ import annotations

from opcase import OpCase, positive

CASES: list[OpCase] = [
    # aliases: the same node as the op they name
    OpCase("subtract-alpha", lambda t, a, b: t.subtract(a, b, alpha=2), [(2, 3), (3,)]),
    OpCase("multiply", lambda t, a, b: t.multiply(a, b), [(2, 3), (2, 1)]),
    positive("divide", lambda t, a, b: t.divide(a, b), [(2, 3), (3,)]),
    positive("true-divide", lambda t, a, b: t.true_divide(a, b), [(4,), (4,)]),
    OpCase("divide-trunc", lambda t, a, b: t.div(a, b, rounding_mode="trunc"), [(5,), (5,)]),
    OpCase("divide-floor", lambda t, a: t.divide(a, 0.7, rounding_mode="floor"), [(5,)]),
    # sawtooths: slope 1 in the dividend, minus the rounded quotient in the divisor
    OpCase("remainder-number", lambda t, a: t.remainder(a, 0.7), [(5,)]),
    OpCase("mod-operator", lambda t, a: a % -0.7, [(5,)]),
    positive("remainder-tensors", lambda t, a, b: t.remainder(a * 3, b), [(5,), (5,)]),
    OpCase("fmod-number", lambda t, a: t.fmod(a, 0.7), [(5,)]),
    positive("fmod-tensors", lambda t, a, b: t.fmod(a * -3, b), [(2, 3), (3,)]),
    OpCase("negative", lambda t, a: t.negative(a), [(4,)]),
    OpCase("absolute", lambda t, a: t.absolute(a), [(4,)], low=0.1),
    OpCase("clip", lambda t, a: t.clip(a, -0.5, 0.5), [(6,)]),
    OpCase("arctan2", lambda t, a, b: t.arctan2(a, b), [(4,), (4,)]),
    # unary math
    # torch gives sgn's zero gradient as a ZeroTensor, which numpy() refuses: times a, it is not.
    OpCase("sgn", lambda t, a: t.sgn(a) * a, [(5,)]),
    OpCase("frac", lambda t, a: t.frac(a), [(5,)]),
    OpCase("asinh", lambda t, a: t.asinh(a), [(4,)]),
    OpCase("acosh", lambda t, a: t.acosh(a), [(4,)], low=1.1, high=3.0),
    OpCase("atanh", lambda t, a: t.atanh(a), [(4,)], low=-0.9, high=0.9),
    OpCase("deg2rad", lambda t, a: t.deg2rad(a), [(4,)]),
    OpCase("rad2deg", lambda t, a: t.rad2deg(a), [(4,)]),
    OpCase("nan-to-num", lambda t, a: t.nan_to_num(a, posinf=5.0), [(4,)]),
    OpCase("logit", lambda t, a: t.logit(a), [(4,)], low=0.05, high=0.95),
    OpCase(
        "logit-eps",
        lambda t, a: t.logit(a, eps=0.2),
        [(6,)],
        low=0.0,
        high=1.0,
    ),
    OpCase("sinc", lambda t, a: t.sinc(a), [(6,)]),
    OpCase("erf", lambda t, a: t.erf(a), [(2, 3)]),
    OpCase("erfc", lambda t, a: t.erfc(a), [(2, 3)]),
    # two operands
    OpCase("clamp-min-number", lambda t, a: t.clamp_min(a, 0.2), [(5,)]),
    OpCase("clamp-min-tensor", lambda t, a, b: t.clamp_min(a, b), [(2, 3), (3,)]),
    OpCase("clamp-max-number", lambda t, a: a.clamp_max(-0.2), [(5,)]),
    OpCase("clamp-max-tensor", lambda t, a, b: a.clamp_max(b), [(2, 3), (2, 1)]),
    OpCase("atan2", lambda t, a, b: t.atan2(a, b), [(2, 3), (3,)]),
    OpCase("hypot", lambda t, a, b: t.hypot(a, b), [(2, 3), (3,)]),
    OpCase("logaddexp", lambda t, a, b: t.logaddexp(a, b), [(2, 3), (3,)]),
    OpCase("logaddexp2", lambda t, a, b: t.logaddexp2(a, b), [(4,), (4,)]),
    positive("xlogy", lambda t, a, b: t.xlogy(a, b), [(2, 3), (3,)]),
    positive("xlogy-number-self", lambda t, a: t.xlogy(2.5, a), [(4,)]),
    OpCase("xlogy-number-other", lambda t, a: t.xlogy(a, 3.0), [(4,)]),
    OpCase("copysign", lambda t, a, b: t.copysign(a, b), [(2, 3), (3,)]),
    OpCase("copysign-number", lambda t, a: t.copysign(a, -1.0), [(4,)]),
    OpCase("fmax", lambda t, a, b: t.fmax(a, b), [(5,), (5,)]),
    OpCase("fmin", lambda t, a, b: t.fmin(a, b), [(2, 3), (3,)]),
    OpCase("float-power-number", lambda t, a: t.float_power(a, 3), [(4,)]),
    positive("float-power-tensor", lambda t, a, b: t.float_power(a, b), [(4,), (4,)]),
    OpCase("float-power-base", lambda t, a: t.float_power(2.5, a), [(4,)]),
    OpCase("lerp-number", lambda t, a, b: t.lerp(a, b, 0.3), [(2, 3), (3,)]),
    OpCase("lerp-number-large", lambda t, a, b: a.lerp(b, 0.8), [(4,), (4,)]),
    OpCase("lerp-tensor", lambda t, a, b, w: t.lerp(a, b, w), [(2, 3), (3,), (2, 1)]),
    # three operands
    OpCase("addcmul", lambda t, a, b, c: t.addcmul(a, b, c, value=0.5), [(2, 3), (3,), (2, 1)]),
    positive("addcdiv", lambda t, a, b, c: t.addcdiv(a, b, c, value=-2), [(2, 3), (3,), (2, 1)]),
]
