"""Python's operators (and their in-place forms) between tensors of every dtype pair and with
Python numbers, and unary ops and reductions on every dtype, against real PyTorch: the result
dtype, the values, the error (type and message) and the warnings.

This is where PyTorch's kernels and NumPy part ways: bools cannot be subtracted, integers to
negative powers follow rules of their own, bitwise ops have no float kernels, floor division
has no bool kernel, and casts that overflow are silent.
"""

from __future__ import annotations

import operator
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


def _outcome(t, operator, left: str, right) -> tuple:
    """('ok', dtype name, values as float64, warnings) or ('error', type name, message)."""
    a = t.tensor(VALUES[left], dtype=getattr(t, left))
    b = t.tensor(VALUES[right], dtype=getattr(t, right)) if isinstance(right, str) else right
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = operator(a, b)
        except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
            return ("error", type(exc).__name__, str(exc))
    values = result.float() if result.dtype in (t.float16, t.bfloat16) else result
    return (
        "ok",
        str(result.dtype),
        values.numpy().astype(np.float64),
        [f"{w.category.__name__}: {w.message}" for w in caught],
    )


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("name", OPERATORS)
def test_operator_matches_torch_for_every_right_operand(name: str, left: str) -> None:
    operator = OPERATORS[name]
    differences = []
    for right in [*DTYPES, *NUMBERS]:
        ours, theirs = _outcome(ref, operator, left, right), _outcome(torch, operator, left, right)
        same = ours[:2] == theirs[:2] and (
            ours[2] == theirs[2]
            if ours[0] == "error"
            else np.allclose(ours[2], theirs[2], rtol=1e-3, equal_nan=True) and ours[3] == theirs[3]
        )
        if not same:
            differences.append(f"{left} {name} {right!r}: ours {ours}, torch {theirs}")
    assert not differences, "\n".join(differences)


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


def _unary_outcome(t, op, dtype: str) -> tuple:
    a = t.tensor(VALUES[dtype], dtype=getattr(t, dtype))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = op(t, a)
        except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
            return ("error", type(exc).__name__, str(exc))
    values = result.float() if result.dtype in (t.float16, t.bfloat16) else result
    return (
        "ok",
        str(result.dtype),
        values.numpy().astype(np.float64),
        [f"{w.category.__name__}: {w.message}" for w in caught],
    )


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_matches_torch_on_every_dtype(name: str) -> None:
    differences = []
    for dtype in DTYPES:
        if (name, dtype) in KNOWN:
            continue
        ours = _unary_outcome(ref, UNARY[name], dtype)
        theirs = _unary_outcome(torch, UNARY[name], dtype)
        same = ours[:2] == theirs[:2] and (
            ours[2] == theirs[2]
            if ours[0] == "error"
            else np.allclose(ours[2], theirs[2], rtol=2e-3, equal_nan=True) and ours[3] == theirs[3]
        )
        if not same:
            differences.append(f"{name} of {dtype}: ours {ours}, torch {theirs}")
    assert not differences, "\n".join(differences)


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


def _in_place_outcome(t, operator_, left: str, right) -> tuple:
    """_outcome, plus whether the result is the very tensor written into (x += y keeps x)."""
    a = t.tensor(VALUES[left], dtype=getattr(t, left))
    b = t.tensor(VALUES[right], dtype=getattr(t, right)) if isinstance(right, str) else right
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = operator_(a, b)
        except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
            return ("error", type(exc).__name__, str(exc))
    values = result.float() if result.dtype in (t.float16, t.bfloat16) else result
    return (
        "ok",
        str(result.dtype),
        values.numpy().astype(np.float64),
        result is a,
        [f"{w.category.__name__}: {w.message}" for w in caught],
    )


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_operator_matches_torch(name: str, left: str) -> None:
    """In place, the result must also fit the target's dtype: PyTorch checks that first."""
    differences = []
    for right in [*DTYPES, *NUMBERS]:
        ours = _in_place_outcome(ref, IN_PLACE[name], left, right)
        theirs = _in_place_outcome(torch, IN_PLACE[name], left, right)
        same = ours[:2] == theirs[:2] and (
            ours[2] == theirs[2]
            if ours[0] == "error"
            else np.allclose(ours[2], theirs[2], rtol=1e-3, equal_nan=True)
            and ours[3:] == theirs[3:]
        )
        if not same:
            differences.append(f"{left} {name} {right!r}: ours {ours}, torch {theirs}")
    assert not differences, "\n".join(differences)
