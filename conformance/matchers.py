"""Matchers: does an evaluated expression satisfy its expectation? One function per matcher key.

Every check returns a `Check` whose expected/actual/detail a person can act on: for tensors
that means shape, dtype, the worst element and its error, never just "not equal".
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from conformance.model import Check
from conformance.observe import Observation, dtype_name, format_values

# torch.testing.assert_close's defaults, so "close" means what it means in PyTorch's own tests.
DEFAULT_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}
# Plain Python floats are doubles, but they usually come from float32 tensors via item().
PYTHON_FLOAT_TOLERANCE = (1.3e-6, 1e-5)


@dataclass
class Evaluated:
    """What evaluating an expression produced: a value or an exception, and its warnings."""

    value: Any = None
    exception: BaseException | None = None
    warnings: list[warnings.WarningMessage] = field(default_factory=list)


@dataclass
class Context:
    """What matchers need beyond the value itself."""

    observe: Callable[[Any], Observation]
    shares_memory: Callable[[Any, Any], bool]
    evaluate: Callable[[str], Any]
    device: str
    rtol: float | None = None
    atol: float | None = None


def normalise(expectation: Any, observed: Observation | None) -> dict[str, Any]:
    """Expand a shorthand (null, a number, a list, a bool, a string) into matcher keys."""
    if isinstance(expectation, dict):
        return expectation
    if expectation is None:
        return {"value": None}
    if observed is not None and observed.kind == "tensor" and not isinstance(expectation, str):
        return {"values": expectation}
    return {"value": expectation}


def match(subject: str, expectation: Any, ev: Evaluated, ctx: Context) -> list[Check]:
    observed = ctx.observe(ev.value) if ev.exception is None else None
    spec = normalise(expectation, observed)
    checks: list[Check] = []
    if "raises" in spec:
        checks.append(check_raised(subject, spec["raises"], ev.exception))
    elif ev.exception is not None:
        return [
            Check(
                subject,
                "evaluates",
                False,
                "a value",
                describe_exception(ev.exception),
                "evaluating the expression raised",
            )
        ]
    if "warns" in spec:
        checks.append(check_warned(subject, spec["warns"], ev.warnings))
    if observed is None:
        return checks
    rtol, atol = spec.get("rtol", ctx.rtol), spec.get("atol", ctx.atol)
    for key, expected in spec.items():
        if key in ("raises", "warns", "rtol", "atol"):
            continue
        if key in VALUE_MATCHERS:
            checks.append(VALUE_MATCHERS[key](subject, expected, observed, rtol, atol))
        else:
            checks.append(RELATION_MATCHERS[key](subject, expected, ev.value, observed, ctx))
    return checks


# --- exceptions and warnings -----------------------------------------------------------------


def describe_exception(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {first_line(str(exc))}"


def first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _class_matches(cls: type, name: str) -> bool:
    """An expected exception or warning name matches the class or any of its bases, by name,
    so an engine's own RuntimeError subclass still counts as a RuntimeError."""
    return any(base.__name__ == name for base in cls.__mro__)


def check_raised(subject: str, outcome: Any, exc: BaseException | None) -> Check:
    expected_type, pattern = _outcome(outcome)
    expected = expected_type + (f" matching {pattern!r}" if pattern else "")
    if exc is None:
        return Check(subject, "raises", False, expected, "nothing was raised")
    actual = describe_exception(exc)
    if not _class_matches(type(exc), expected_type):
        return Check(subject, "raises", False, expected, actual, "a different exception type")
    message_ok = pattern is None or re.search(pattern, str(exc)) is not None
    detail = "" if message_ok else "message differs"
    return Check(subject, "raises", True, expected, actual, detail, message_ok=message_ok)


def check_warned(subject: str, outcome: Any, caught: list[warnings.WarningMessage]) -> Check:
    shown = [f"{w.category.__name__}: {first_line(str(w.message))}" for w in caught]
    if outcome is False:
        return Check(subject, "warns", not caught, "no warning", shown or "no warning")
    expected_type, pattern = _outcome(outcome)
    expected = expected_type + (f" matching {pattern!r}" if pattern else "")
    of_type = [w for w in caught if _class_matches(w.category, expected_type)]
    if not of_type:
        return Check(subject, "warns", False, expected, shown or "no warning")
    matching = [w for w in of_type if pattern is None or re.search(pattern, str(w.message))]
    chosen = (matching or of_type)[0]
    actual = f"{chosen.category.__name__}: {first_line(str(chosen.message))}"
    message_ok = bool(matching)
    return Check(
        subject,
        "warns",
        True,
        expected,
        actual,
        "" if message_ok else "message differs",
        message_ok=message_ok,
    )


def _outcome(outcome: Any) -> tuple[str, str | None]:
    if isinstance(outcome, str):
        return outcome, None
    return outcome["type"], outcome.get("match")


# --- matchers on the observation ---------------------------------------------------------------


def check_values(subject: str, expected: Any, obs: Observation, rtol: Any, atol: Any) -> Check:
    if obs.kind == "python" and isinstance(obs.value, list):
        actual_values = np.asarray(obs.value)
        dtype = None
    elif obs.kind == "tensor":
        actual_values, dtype = obs.values, obs.dtype
    else:
        return Check(subject, "values", False, expected, obs.summary(), "not a tensor")
    want = np.asarray(expected)
    got = np.asarray(actual_values)
    if want.shape != got.shape:
        return Check(
            subject,
            "values",
            False,
            expected,
            _short_list(got),
            f"shape differs: expected {list(want.shape)}, got {list(got.shape)}",
        )
    default_rtol, default_atol = DEFAULT_TOLERANCES.get(dtype or "", (0.0, 0.0))
    if dtype is None and got.dtype.kind in "fc":
        default_rtol, default_atol = PYTHON_FLOAT_TOLERANCE
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    ok, detail = compare_arrays(want, got, rtol, atol)
    return Check(
        subject,
        "values",
        ok,
        expected,
        _short_list(got),
        detail + (f" ({dtype}, shape {list(got.shape)})" if not ok and dtype else ""),
    )


def compare_arrays(want: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> tuple[bool, str]:
    """Elementwise |got - want| <= atol + rtol * |want|, with NaN equal to NaN, and a report of
    the worst element when it fails."""
    if want.size == 0:
        return True, ""
    w = want.astype(np.complex128 if np.iscomplexobj(want) or np.iscomplexobj(got) else np.float64)
    g = got.astype(w.dtype)
    both_nan = np.isnan(w) & np.isnan(g)
    same_inf = np.isinf(w) & (w == g)
    with np.errstate(invalid="ignore"):
        err = np.abs(g - w)
        bad = ~(both_nan | same_inf | (err <= atol + rtol * np.abs(w)))
    if not bad.any():
        return True, ""
    err = np.where(bad, np.nan_to_num(err, nan=np.inf), -1.0)
    worst = np.unravel_index(int(np.argmax(err)), w.shape)
    index = list(int(i) for i in worst) if w.ndim else []

    def show(array: np.ndarray) -> object:
        item = array[worst].item()
        return item.real if isinstance(item, complex) and not item.imag else item

    return False, (
        f"{int(bad.sum())} of {w.size} elements differ; worst at index {index}: "
        f"expected {show(w)!r}, got {show(g)!r} "
        f"(abs err {float(err[worst]):.3g}; rtol {rtol:g}, atol {atol:g})"
    )


def _short_list(values: np.ndarray) -> Any:
    return values.tolist() if values.size <= 64 else format_values(values)


def check_value(subject: str, expected: Any, obs: Observation, rtol: Any, atol: Any) -> Check:
    if obs.kind == "tensor":
        return Check(
            subject,
            "value",
            False,
            expected,
            obs.summary(),
            "a tensor; use 'values' to compare tensor values",
        )
    actual = obs.value if obs.kind != "object" else obs.summary()
    if obs.kind == "dtype" and isinstance(expected, str):
        return Check(subject, "value", dtype_name(expected) == actual, dtype_name(expected), actual)
    if obs.kind == "device" and isinstance(expected, str):
        ok = actual == expected if ":" in expected else actual.split(":")[0] == expected
        return Check(subject, "value", ok, expected, actual)
    if obs.kind == "none" or expected is None:
        return Check(subject, "value", obs.kind == "none" and expected is None, expected, actual)
    ok = _plain_equal(expected, obs.value, rtol, atol)
    return Check(subject, "value", ok, expected, actual)


def _plain_equal(expected: Any, actual: Any, rtol: Any, atol: Any) -> bool:
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_plain_equal(e, a, rtol, atol) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, float) or isinstance(actual, float):
        if not isinstance(actual, (int, float)) or not isinstance(expected, (int, float)):
            return False
        default_rtol, default_atol = PYTHON_FLOAT_TOLERANCE
        ok, _ = compare_arrays(
            np.asarray(float(expected)),
            np.asarray(float(actual)),
            default_rtol if rtol is None else rtol,
            default_atol if atol is None else atol,
        )
        return ok
    return type(expected) is type(actual) and expected == actual


def _tensor_attribute(key: str, compare: Callable[[Any, Any], bool] | None = None):
    def check(subject: str, expected: Any, obs: Observation, _rtol: Any, _atol: Any) -> Check:
        if obs.kind != "tensor":
            return Check(subject, key, False, expected, obs.summary(), "not a tensor")
        actual = getattr(obs, key)
        actual = list(actual) if isinstance(actual, tuple) else actual
        ok = compare(expected, actual) if compare else expected == actual
        return Check(subject, key, ok, expected, actual)

    return check


def check_dtype(subject: str, expected: Any, obs: Observation, _rtol: Any, _atol: Any) -> Check:
    actual = obs.dtype if obs.kind == "tensor" else obs.value if obs.kind == "dtype" else None
    if actual is None:
        return Check(
            subject, "dtype", False, expected, obs.summary(), "neither a tensor nor a dtype"
        )
    return Check(subject, "dtype", dtype_name(expected) == actual, dtype_name(expected), actual)


def check_name(subject: str, expected: Any, obs: Observation, _rtol: Any, _atol: Any) -> Check:
    return Check(subject, "name", obs.class_name == expected, expected, obs.class_name)


def check_type(subject: str, expected: Any, obs: Observation, _rtol: Any, _atol: Any) -> Check:
    return Check(
        subject,
        "type",
        expected in obs.type_names,
        expected,
        obs.class_name,
        "" if expected in obs.type_names else f"its classes: {', '.join(obs.type_names)}",
    )


VALUE_MATCHERS = {
    "values": check_values,
    "value": check_value,
    "dtype": check_dtype,
    "shape": _tensor_attribute("shape", lambda e, a: list(e) == a),
    "requires_grad": _tensor_attribute("requires_grad"),
    "is_leaf": _tensor_attribute("is_leaf"),
    "grad_fn": _tensor_attribute("grad_fn"),
    "name": check_name,
    "type": check_type,
}


# --- matchers that relate the value to something else --------------------------------------------


def check_device(subject: str, expected: str, value: Any, obs: Observation, ctx: Context) -> Check:
    actual = obs.device if obs.kind == "tensor" else obs.value if obs.kind == "device" else None
    if actual is None:
        return Check(
            subject, "device", False, expected, obs.summary(), "neither a tensor nor a device"
        )
    want = ctx.device if expected == "device" else expected
    ok = actual == want if ":" in want else actual.split(":")[0] == want
    return Check(subject, "device", ok, want, actual)


def _relation(key: str, relate: Callable[[Context, Any, Any], bool], wanted: bool):
    def check(subject: str, other_expr: str, value: Any, obs: Observation, ctx: Context) -> Check:
        try:
            other = ctx.evaluate(other_expr)
        except Exception as exc:  # the other expression is part of the spec's check
            return Check(
                subject,
                key,
                False,
                other_expr,
                describe_exception(exc),
                f"evaluating {other_expr!r} raised",
            )
        try:
            related = relate(ctx, value, other)
        except Exception as exc:  # an engine value that cannot be inspected fails the check
            return Check(subject, key, False, other_expr, describe_exception(exc))
        verb = key.removeprefix("not_").replace("_", " ")
        actual = verb if related else f"not {verb}".replace("not shares", "does not share")
        return Check(subject, key, related == wanted, other_expr, actual + f" {other_expr}")

    return check


RELATION_MATCHERS = {
    "device": check_device,
    "shares_memory_with": _relation(
        "shares_memory_with", lambda c, a, b: c.shares_memory(a, b), True
    ),
    "not_shares_memory_with": _relation(
        "not_shares_memory_with", lambda c, a, b: c.shares_memory(a, b), False
    ),
    "same_object_as": _relation("same_object_as", lambda c, a, b: a is b, True),
    "not_same_object_as": _relation("not_same_object_as", lambda c, a, b: a is b, False),
}
