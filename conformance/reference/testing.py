"""torch.testing: assert_close, with PyTorch's tolerances per dtype and its messages, and
make_tensor, a random tensor of a given dtype, range and layout for tests.

assert_close walks both inputs together (sequences item by item, mappings key by key) and
compares each pair of leaves by kind, as PyTorch's Pair classes do: None with None, bools by
identity, Python numbers as numbers (with the tolerances of int64, float64 or complex128), and
anything else as tensors (arrays and lists of numbers through as_tensor). The first mismatch
raises; its message is PyTorch's word for word, because users (and their test suites) read it.
"""

from __future__ import annotations

import cmath
import collections.abc
from collections.abc import Callable
from typing import Any

import numpy as np

from conformance.reference import dtypes

__all__ = ["assert_close", "make_tensor"]

# PyTorch's default (rtol, atol) per dtype; every other dtype compares exactly.
_PRECISIONS = {
    dtypes.float16: (0.001, 1e-5),
    dtypes.bfloat16: (0.016, 1e-5),
    dtypes.float32: (1.3e-6, 1e-5),
    dtypes.float64: (1e-7, 1e-7),
}
_NUMBER_DTYPES = {int: dtypes.int64, float: dtypes.float64}
_COMPLEX128 = (1e-7, 1e-7)


class _Mismatch(Exception):  # noqa: N818 - carries an error to raise, not itself raised to users
    """A failed comparison: the exception type and message to raise, and where it happened."""

    def __init__(self, kind: type[Exception], message: str, where: tuple = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.where = kind, message, where

    def to_error(self, msg: str | Callable[[str], str] | None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.message
        if self.where:
            text += f"\n\nThe failure occurred for item {''.join(f'[{i!r}]' for i in self.where)}"
        return self.kind(msg(text) if callable(msg) else text)


class _Unsupported(Exception):  # noqa: N818 - "this comparer does not take these inputs"
    pass


def _tolerances(kinds: list, rtol: float | None, atol: float | None, where: tuple) -> tuple:
    """Both tolerances given, or neither (then the loosest default of the dtypes involved)."""
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise _Mismatch(
            ValueError,
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.",
            where,
        )
    if rtol is not None:
        return rtol, atol
    pairs = [_COMPLEX128 if k == "complex" else _PRECISIONS.get(k, (0.0, 0.0)) for k in kinds]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _mismatch_text(
    name: str, extra: str, abs_diff, abs_at, atol: float, rel_diff, rel_at, rtol: float
) -> str:
    """PyTorch's report: the header, the extra line, then the greatest differences."""
    equality = rtol == 0 and atol == 0

    def line(kind: str, diff, at, tol) -> str:
        text = (
            f"{kind.title()} difference: {diff}"
            if at is None
            else f"Greatest {kind} difference: {diff} at index {at}"
        )
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    text = f"{name} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        text += f"{extra.strip()}\n"
    text += line("absolute", abs_diff, abs_at, atol) + line("relative", rel_diff, rel_at, rtol)
    return text.strip()


def _scalar_text(actual, expected, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_text(
        "Scalars",
        f"Expected {expected} but got {actual}.",
        abs_diff,
        None,
        atol,
        rel_diff,
        None,
        rtol,
    )


# -- the comparers, tried in turn on each pair of leaves --------------------------------------
# Each takes the pair (or raises _Unsupported), checks the options (tolerances), and returns
# the check to run: every pair is taken first, as PyTorch originates every pair before it
# compares any.


def _take_none(actual, expected, where, **_):
    if actual is not None and expected is not None:
        raise _Unsupported
    return lambda: _check_none(actual, expected, where)


def _check_none(actual, expected, where):
    if not (actual is None and expected is None):
        raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", where)


def _take_bools(actual, expected, where, **_):
    if not all(isinstance(v, bool | np.bool_) for v in (actual, expected)):
        raise _Unsupported
    actual, expected = bool(actual), bool(expected)
    return lambda: _check_bools(actual, expected, where)


def _check_bools(actual, expected, where):
    if actual is not expected:
        raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", where)


def _take_numbers(actual, expected, where, rtol, atol, equal_nan, check_dtype, **_):
    kinds = (int, float, complex, np.number)
    if not all(isinstance(v, kinds) for v in (actual, expected)):
        raise _Unsupported
    actual, expected = (v.item() if isinstance(v, np.number) else v for v in (actual, expected))
    rtol, atol = _tolerances(
        [_NUMBER_DTYPES.get(type(v), "complex") for v in (actual, expected)], rtol, atol, where
    )
    return lambda: _check_numbers(actual, expected, where, rtol, atol, equal_nan, check_dtype)


def _check_numbers(actual, expected, where, rtol, atol, equal_nan, check_dtype):
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(
            AssertionError,
            f"The (d)types do not match: {type(actual)} != {type(expected)}.",
            where,
        )
    if actual == expected:
        return
    if equal_nan and cmath.isnan(actual) and cmath.isnan(expected):
        return
    difference = abs(actual - expected)
    if cmath.isfinite(difference) and difference <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_text(actual, expected, rtol, atol), where)


def _take_tensors(
    actual,
    expected,
    where,
    rtol,
    atol,
    equal_nan,
    check_device,
    check_dtype,
    check_layout,
    check_stride,
    **_,
):
    from conformance import reference as torch

    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if not related:
        raise _Unsupported
    try:
        actual, expected = (
            v if isinstance(v, torch.Tensor) else torch.as_tensor(v) for v in (actual, expected)
        )
    except Exception:  # noqa: BLE001 - anything as_tensor refuses is simply not a tensor-like
        raise _Unsupported from None
    rtol, atol = _tolerances([actual.dtype, expected.dtype], rtol, atol, where)
    flags = (equal_nan, check_device, check_dtype, check_layout, check_stride)
    return lambda: _check_tensors(actual, expected, where, rtol, atol, *flags)


def _check_tensors(
    actual,
    expected,
    where,
    rtol,
    atol,
    equal_nan,
    check_device,
    check_dtype,
    check_layout,
    check_stride,
):
    def differs(attribute: str, a, b):
        raise _Mismatch(
            AssertionError,
            f"The values for attribute '{attribute}' do not match: {a} != {b}.",
            where,
        )

    if actual.shape != expected.shape:
        differs("shape", actual.shape, expected.shape)
    if actual.layout != expected.layout:
        if check_layout:
            differs("layout", actual.layout, expected.layout)
    elif check_stride and actual.stride() != expected.stride():
        differs("stride()", actual.stride(), expected.stride())
    if check_device and actual.device != expected.device:
        differs("device", actual.device, expected.device)
    if check_dtype and actual.dtype != expected.dtype:
        differs("dtype", actual.dtype, expected.dtype)
    actual, expected = actual.detach(), expected.detach()
    if actual.device != expected.device:
        actual, expected = actual.cpu(), expected.cpu()
    if actual.dtype != expected.dtype:
        common = dtypes.promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)
    matches = _isclose(actual.cpu().numpy(), expected.cpu().numpy(), rtol, atol, equal_nan)
    if matches.all():
        return
    if actual.ndim == 0:
        text = _scalar_text(actual.item(), expected.item(), rtol, atol)
    else:
        text = _tensor_text(actual, expected, matches, rtol, atol)
    raise _Mismatch(AssertionError, text, where)


def _isclose(a, e, rtol: float, atol: float, equal_nan: bool):
    """torch.isclose: equal, or both NaN (with equal_nan), or a finite |a - e| within
    atol + rtol * |e|, computed in the tensors' dtype."""
    with np.errstate(invalid="ignore", over="ignore"):
        close = a == e
        floating = a.dtype.kind in "fc" or a.dtype == dtypes.bfloat16.np
        if equal_nan and floating:
            close |= np.isnan(a) & np.isnan(e)
        if rtol == 0 and atol == 0:
            return close
        if not floating:
            a, e = a.astype(np.float64), e.astype(np.float64)
        allowed = a.dtype.type(atol) + np.abs(a.dtype.type(rtol) * e)
        error = np.abs(a - e)
        return close | (np.isfinite(error) & (error <= allowed))


def _tensor_text(actual, expected, matches, rtol: float, atol: float) -> str:
    """PyTorch's make_tensor_mismatch_msg: the count of mismatches, and the greatest absolute
    and relative differences among them with their indices. Integers are compared in int64;
    their relative difference is a true division, in the default float dtype."""
    from conformance import reference as torch

    total = matches.size
    wrong = total - int(matches.sum())
    extra = f"Mismatched elements: {wrong} / {total} ({wrong / total:.1%})"
    a, e = actual.flatten(), expected.flatten()
    if not actual.dtype.is_floating_point:
        a, e = a.to(torch.int64), e.to(torch.int64)
    matched = torch.tensor(matches.reshape(-1))
    abs_diff = torch.abs(a - e)
    abs_diff[matched] = 0
    largest, largest_at = torch.max(abs_diff, 0)
    rel_diff = abs_diff / torch.abs(e)
    rel_diff[matched] = 0
    relative, relative_at = torch.max(rel_diff, 0)
    return _mismatch_text(
        "Tensor-likes",
        extra,
        largest.item(),
        _unravel(int(largest_at), matches.shape),
        atol,
        relative.item(),
        _unravel(int(relative_at), matches.shape),
        rtol,
    )


def _unravel(flat: int, shape: tuple) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


_COMPARERS = (_take_none, _take_bools, _take_numbers, _take_tensors)


def _type_text(value) -> str:
    from conformance import reference as torch

    return "<class 'torch.Tensor'>" if type(value) is torch.Tensor else str(type(value))


def _pairs(actual, expected, where: tuple) -> list:
    """The leaves to compare, walking sequences and mappings together (strings are leaves)."""
    sequence = collections.abc.Sequence
    if (
        isinstance(actual, sequence)
        and not isinstance(actual, str)
        and isinstance(expected, sequence)
        and not isinstance(expected, str)
    ):
        if len(actual) != len(expected):
            raise _Mismatch(
                AssertionError,
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                where,
            )
        return [p for i in range(len(actual)) for p in _pairs(actual[i], expected[i], (*where, i))]
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        keys, wanted = set(actual.keys()), set(expected.keys())
        if keys != wanted:
            raise _Mismatch(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(wanted - keys)}\n"
                f"Additional keys in the actual mapping: {sorted(keys - wanted)}",
                where,
            )
        try:
            ordered = sorted(keys)
        except TypeError:
            ordered = list(keys)
        return [p for k in ordered for p in _pairs(actual[k], expected[k], (*where, k))]
    return [(actual, expected, where)]


def _taken(actual, expected, where: tuple, options: dict) -> Callable[[], None]:
    for take in _COMPARERS:
        try:
            return take(actual, expected, where, **options)
        except _Unsupported:
            continue
    raise _Mismatch(
        TypeError,
        f"No comparison pair was able to handle inputs of type {_type_text(actual)} and "
        f"{_type_text(expected)}.",
        where,
    )


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """torch.testing.assert_close: raise AssertionError (with PyTorch's report) unless actual
    and expected match in shape, device, dtype and layout and are close: |a - e| <= atol +
    rtol * |e| elementwise. Without tolerances, each dtype's defaults (float32: rtol 1.3e-6,
    atol 1e-5; float64: 1e-7 and 1e-7; integers and bools: exact)."""
    __tracebackhide__ = True
    options = {
        "rtol": rtol,
        "atol": atol,
        "equal_nan": equal_nan,
        "check_device": check_device,
        "check_dtype": check_dtype,
        "check_layout": check_layout,
        "check_stride": check_stride,
    }
    try:
        checks = [_taken(a, e, where, options) for a, e, where in _pairs(actual, expected, ())]
        for check in checks:
            check()
    except _Mismatch as mismatch:
        raise mismatch.to_error(msg) from None


# -- make_tensor ----------------------------------------------------------------------------


def _dtype_lists():
    from conformance import reference as ref

    integral = [ref.uint8, ref.int8, ref.int16, ref.int32, ref.int64]
    floating = [ref.float16, ref.bfloat16, ref.float32, ref.float64]
    return integral, floating, [ref.complex64, ref.complex128]


def make_tensor(
    *shape: Any,
    dtype: Any,
    device: Any,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Any:
    """A tensor of `shape` drawn uniformly from [low, high): by default [0, 2) for bool,
    [0, 10) for unsigned, [-9, 10) for signed integers and [-9, 9) for floating and complex
    types (both parts). low and high are clamped to the dtype's finite range, and ceiled for
    bool and integers; nan, low >= high, or an interval outside the dtype's range are
    ValueErrors (low == high for floating types only warns, deprecated). noncontiguous (for
    more than one element) takes every other element of a doubled last dimension;
    exclude_zero replaces zeros by 1 (bool, integers) or finfo.tiny. The engine has no
    uint16/32/64, complex32 or float8 dtypes, so those are not offered (PyTorch's TypeError
    covers any other dtype)."""
    import functools
    import math
    import warnings

    from conformance import reference as ref

    integral, floating, complex_ = _dtype_lists()
    bool_or_integral = [ref.bool, *integral]
    floating_or_complex = [*floating, *complex_]

    def bounds(low, high, lowest, highest, default_low, default_high):
        low = default_low if low is None else low
        high = default_high if high is None else high
        if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
            raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
        if low == high and dtype in floating_or_complex:
            warnings.warn(
                "Passing `low==high` to `torch.testing.make_tensor` for floating or complex "
                "types is deprecated since 2.1 and will be removed in 2.3. Use `torch.full(...)` "
                "instead.",
                FutureWarning,
                stacklevel=3,
            )
        elif low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        elif high < lowest or low >= highest:
            raise ValueError(
                f"The value interval specified by `low` and `high` is [{low}, {high}), but "
                f"{dtype} only supports [{lowest}, {highest})"
            )
        low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
        if dtype in bool_or_integral:
            return math.ceil(low), math.ceil(high)
        return low, high

    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(
            "The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
            f"{noncontiguous=} and {memory_format=}"
        )
    if requires_grad and dtype in bool_or_integral:
        raise ValueError(
            "`requires_grad=True` is not supported for boolean and integral dtypes, but got "
            f"{dtype=}"
        )
    noncontiguous = noncontiguous and functools.reduce(lambda x, y: x * y, shape, 1) > 1
    if noncontiguous:  # doubled, so that the elements left out differ from those kept
        shape = (*shape[:-1], 2 * shape[-1])

    if dtype is ref.bool:
        low, high = bounds(low, high, 0, 2, 0, 2)
        result = ref.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in integral:
        info = ref.iinfo(dtype)
        # randint takes int64 bounds, so int64's maximum itself cannot be drawn.
        highest = info.max + (1 if dtype is not ref.int64 else 0)
        low, high = bounds(low, high, info.min, highest, -9, 10)
        result = ref.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in floating_or_complex:
        info = ref.finfo(dtype)
        low, high = bounds(low, high, info.min, info.max, -9, 9)
        if dtype in complex_:
            part = ref.float32 if dtype is ref.complex64 else ref.float64
            real, imag = (
                _uniform(ref.empty(shape, device=device, dtype=part), low, high) for _ in "ri"
            )
            result = real + 1j * imag
        else:
            result = _uniform(ref.empty(shape, device=device, dtype=dtype), low, high)
    else:
        raise TypeError(
            f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor(). To "
            "request support, file an issue at: https://github.com/pytorch/pytorch/issues"
        )

    if noncontiguous:
        result = result[..., 1::2]  # (offset by one, to catch offset mistakes too)
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if dtype in bool_or_integral else ref.finfo(dtype).tiny
    if dtype in floating_or_complex:
        result.requires_grad = requires_grad
    return result


def _uniform(tensor: Any, low: float, high: float) -> Any:
    """uniform_ needs high - low within the dtype's range: halve, draw and double beyond it."""
    from conformance import reference as ref

    if high - low >= ref.finfo(tensor.dtype).max:
        return tensor.uniform_(low / 2, high / 2).mul_(2)
    return tensor.uniform_(low, high)
