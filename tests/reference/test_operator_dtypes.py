"""Python's operators (and their in-place forms) between tensors of every dtype pair and with
Python numbers, and unary ops and reductions on every dtype, against real PyTorch: the result
dtype, the values, the error (type and message) and the warnings.

This is where PyTorch's kernels and NumPy part ways: bools cannot be subtracted, integers to
negative powers follow rules of their own, bitwise ops have no float kernels, floor division
has no bool kernel, and casts that overflow are silent.
"""

from __future__ import annotations

import itertools
import operator
import re
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

DTYPES = [
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
]
# Values that reach the edges: a uint8 near its top, an int32 that overflows float16, zeros (for
# division) and negatives (for powers).
VALUES = {
    "bool": [True, False, True],
    "uint8": [250, 3, 0],
    "int8": [-100, 7, 0],
    "int16": [300, -2, 0],
    "int32": [70000, -5, 0],
    "int64": [2**40, -3, 0],
    "float16": [1.5, -2.25, 0.0],
    "bfloat16": [1.5, -2.0, 0.0],
    "float32": [1.25, -3.5, 0.0],
    "float64": [1e10, -0.5, 0.0],
}
NUMBERS = [2, -1, 2.5, True]
OPERATORS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "floordiv": lambda a, b: a // b,
    "mod": lambda a, b: a % b,
    "pow": lambda a, b: a**b,
    "lt": lambda a, b: a < b,
    "eq": lambda a, b: a == b,
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
}


def _tensor(t, dtype: str):
    return t.tensor(VALUES[dtype], dtype=getattr(t, dtype))


def _operand(t, right):
    return _tensor(t, right) if isinstance(right, str) else right


def _observe(t, compute) -> tuple:
    """What `compute()` does in namespace `t`: ('error', type name, message), or ('ok', dtype
    name, values as float64, warnings, the result itself)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = compute()
        except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
            return ("error", type(exc).__name__, str(exc))
    values = result.float() if result.dtype in (t.float16, t.bfloat16) else result
    # PyTorch's C++ warnings end with where in its source they were raised.
    shown = [
        f"{w.category.__name__}: " + re.sub(r" \(Triggered internally at .*\)$", "", str(w.message))
        for w in caught
    ]
    return ("ok", str(result.dtype), values.numpy().astype(np.float64), shown, result)


def _differs(ours: tuple, theirs: tuple, rtol: float) -> bool:
    if ours[:2] != theirs[:2]:
        return True
    if ours[0] == "error":
        return ours[2] != theirs[2]
    return not np.allclose(ours[2], theirs[2], rtol=rtol, equal_nan=True) or ours[3] != theirs[3]


def _report(differences: list) -> str:
    return "\n".join(
        f"{what}: ours {ours[:4]}, torch {theirs[:4]}" for what, ours, theirs in differences
    )


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("name", OPERATORS)
def test_operator_matches_torch_for_every_right_operand(name: str, left: str) -> None:
    differences = []
    for right in [*DTYPES, *NUMBERS]:
        ours, theirs = (
            _observe(t, lambda t=t, r=right: OPERATORS[name](_tensor(t, left), _operand(t, r)))
            for t in (ref, torch)
        )
        if _differs(ours, theirs, rtol=1e-3):
            differences.append((f"{left} {name} {right!r}", ours, theirs))
    assert not differences, _report(differences)


def _function(name: str):
    """torch.<name>(a), in whichever namespace the test passes."""
    return lambda t, a: getattr(t, name)(a)


UNARY = {
    **{
        name: _function(name)
        for name in [
            "abs",
            "neg",
            "sign",
            "exp",
            "log",
            "log1p",
            "sqrt",
            "rsqrt",
            "sin",
            "cos",
            "tan",
            "tanh",
            "sigmoid",
            "relu",
            "reciprocal",
            "sinh",
            "cosh",
            "asin",
            "acos",
            "atan",
            "expm1",
            "exp2",
            "log2",
            "log10",
            "square",
            "floor",
            "ceil",
            "round",
            "trunc",
            "isnan",
            "isinf",
            "isfinite",
            "logical_not",
            "sum",
            "mean",
            "prod",
            "argmax",
            "argmin",
            "var",
            "std",
            "all",
            "any",
        ]
    },
    "max": lambda t, a: a.max(),
    "max-dim": lambda t, a: a.max(0)[0],
    "sum-keepdim": lambda t, a: a.sum(0, keepdim=True),
    "mean-dim": lambda t, a: a.mean(0),
    "cumsum": lambda t, a: t.cumsum(a, 0),
    "norm": lambda t, a: a.norm(),
    "logsumexp": lambda t, a: t.logsumexp(a, 0),
    "softmax": lambda t, a: t.softmax(a, 0),
    "log-softmax": lambda t, a: t.log_softmax(a, 0),
    "clamp": lambda t, a: t.clamp(a, -1, 2),
    "maximum": lambda t, a: t.maximum(a, a),
    "dot": lambda t, a: t.dot(a, a),
    "matmul": lambda t, a: a.reshape(1, 3) @ a.reshape(3, 1),
    "outer": lambda t, a: t.outer(a, a),
    "where": lambda t, a: t.where(a > 0, a, a),
    "masked-fill": lambda t, a: a.masked_fill(a > 0, 1),
}
# Known differences: PyTorch's bfloat16 logsumexp and log_softmax round some intermediates to
# bfloat16; the engine keeps them in float32, so its results are the more accurate ones.
KNOWN = {("logsumexp", "bfloat16"), ("log-softmax", "bfloat16")}


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_matches_torch_on_every_dtype(name: str) -> None:
    differences = []
    for dtype in DTYPES:
        if (name, dtype) in KNOWN:
            continue
        ours, theirs = (
            _observe(t, lambda t=t, d=dtype: UNARY[name](t, _tensor(t, d))) for t in (ref, torch)
        )
        if _differs(ours, theirs, rtol=2e-3):
            differences.append((f"{name} of {dtype}", ours, theirs))
    assert not differences, _report(differences)


IN_PLACE = {
    "iadd": operator.iadd,
    "isub": operator.isub,
    "imul": operator.imul,
    "itruediv": operator.itruediv,
    "ifloordiv": operator.ifloordiv,
    "imod": operator.imod,
    "ipow": operator.ipow,
    "iand": operator.iand,
    "ior": operator.ior,
    "ixor": operator.ixor,
}


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_operator_matches_torch(name: str, left: str) -> None:
    """In place, the result must be the tensor written into, and must fit its dtype: PyTorch
    checks that before computing."""
    differences = []
    for right in [*DTYPES, *NUMBERS]:
        outcomes = []
        for t in (ref, torch):
            target = _tensor(t, left)
            outcome = _observe(
                t, lambda t=t, target=target, r=right: IN_PLACE[name](target, _operand(t, r))
            )
            kept = outcome[0] == "ok" and outcome[4] is target
            outcomes.append((*outcome[:4], kept) if outcome[0] == "ok" else outcome)
        ours, theirs = outcomes
        if _differs(ours, theirs, rtol=1e-3) or ours[4:] != theirs[4:]:
            differences.append((f"{left} {name} {right!r}", ours, theirs))
    assert not differences, _report(differences)


REDUCTIONS = ["sum", "mean", "prod", "max", "min", "amax", "argmax", "argmin", "var", "std", "norm"]
REDUCTION_DIMS = [0, -1, 1, (0, 1), 5]
# Shapes with empty and zero-dimensional cases, where the reductions' rules differ most.
REDUCTION_SHAPES = [(2, 3), (0, 3), (3,), (), (2, 0, 2)]
# The ops taking one int dim: PyTorch's argument parser words the error for a tuple dim in ways
# that depend on which overloads match; the engine raises the same TypeError, worded otherwise.
ONE_DIM = {"prod", "max", "min", "argmax", "argmin"}


def _reduce(name: str, dim, keepdim: bool):
    def call(t, a):
        result = getattr(a, name)(dim=dim, keepdim=keepdim)
        return result[0] if isinstance(result, tuple) else result

    return call


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_over_dims_matches_torch(name: str) -> None:
    """Every dim (in range, negative, a tuple, out of range) and keepdim, on empty and 0-d
    tensors too: shape, dtype, values, errors and warnings (degrees of freedom of var/std)."""
    differences = []
    for dim, keepdim, shape, dtype in itertools.product(
        REDUCTION_DIMS, [False, True], REDUCTION_SHAPES, ["float32", "int64", "bool"]
    ):
        if name in ONE_DIM and isinstance(dim, tuple):
            continue
        data = np.arange(int(np.prod(shape))).reshape(shape) - 2
        op = _reduce(name, dim, keepdim)
        ours, theirs = (
            _observe(t, lambda t=t, op=op, a=data, d=dtype: op(t, t.tensor(a, dtype=getattr(t, d))))
            for t in (ref, torch)
        )
        shapes_differ = ours[0] == "ok" == theirs[0] and ours[2].shape != theirs[2].shape
        if shapes_differ or _differs(ours, theirs, rtol=1e-5):
            differences.append(
                (f"{name}(dim={dim}, keepdim={keepdim}) of {dtype} {shape}", ours, theirs)
            )
    assert not differences, _report(differences)


def _outcome_of(t, make):
    try:
        r = make(t)
    except Exception as exc:  # noqa: BLE001 - the error is the outcome
        return f"{type(exc).__name__}: {exc}"
    return f"{type(r).__name__} {str(r.dtype).removeprefix('torch.')} {r.tolist()}"


NUMPY_SCALARS = [np.int64(2), np.int32(3), np.uint8(200), np.float32(2.5), np.float64(1.5)]
NUMPY_SCALARS += [np.bool_(True), np.int64(300)]


@pytest.mark.parametrize("dtype", ["float16", "int32", "uint8", "bool"])
@pytest.mark.parametrize("scalar", NUMPY_SCALARS, ids=repr)
def test_numpy_scalars_are_python_numbers_on_either_side(dtype, scalar) -> None:
    """torch's argument parser takes a NumPy integer as an int and a NumPy float or bool as a
    float; NumPy defers to the tensor (its __array_priority__), so scalar * t is a Tensor."""
    for make in (
        lambda t: t.ones(2, dtype=getattr(t, dtype)) * scalar,
        lambda t: scalar + t.ones(2, dtype=getattr(t, dtype)),
        lambda t: scalar - t.ones(2, dtype=getattr(t, dtype)),
        lambda t: t.ones(2, dtype=getattr(t, dtype)) / scalar,
        lambda t: scalar < t.ones(2, dtype=getattr(t, dtype)),
    ):
        assert _outcome_of(ref, make) == _outcome_of(torch, make)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64", "float16"])
@pytest.mark.parametrize(
    "exponent", [300, 256, 255, 2**40, 2**64, 1e6, 70000.0, float("inf"), np.int64(300)], ids=repr
)
def test_power_exponent_is_converted_with_an_overflow_check(dtype, exponent) -> None:
    for make in (
        lambda t: t.ones(2, dtype=getattr(t, dtype)) ** exponent,
        lambda t: t.ones(2, dtype=getattr(t, dtype)).pow_(exponent),
    ):
        assert _outcome_of(ref, make) == _outcome_of(torch, make)
