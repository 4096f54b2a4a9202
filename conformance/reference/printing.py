"""How a tensor prints: `repr(t)` and `str(t)`, character for character as PyTorch prints it.

The printed form has three parts: a prefix (`tensor(`), the values, and a list of suffixes
(`dtype=torch.float64`, `grad_fn=<MulBackward0>`, ...) closed by `)`.

Values
    All elements share one format, chosen from the whole tensor (or, when it is summarized,
    from the elements that will be shown):

    * Booleans and integers print as Python prints them (`True`, `-3`).
    * Floating point values are converted to Python floats and, looking only at the finite
      nonzero ones, the formatter picks one of three styles:

      - *integer style* when every such value is a whole number: `1.`, `-20.`;
      - *scientific* when the largest magnitude is more than 1000 times the smallest, or
        above 1e8, or the smallest is below 1e-4: `1.0000e-05` (`precision` digits);
      - *fixed* otherwise: `0.1000` (`precision` digits after the point).

      `sci_mode=True/False` in the print options forces scientific notation on or off.
      nan and inf print as `nan`, `inf`, `-inf` in every style, without the point of the
      integer style; negative zero keeps its sign (`-0.`). A tensor with no finite nonzero
      value uses the integer style (`tensor([0., nan])`).
    * Complex values format real and imaginary parts with a formatter each and join them as
      `1.0000+2.0000j`.

    Every element is right-aligned to one column width: the widest element for booleans and
    integers, the widest finite nonzero element for floats (nan, inf and zeros do not widen
    the column; a longer one simply overflows it, as in `tensor([1., nan])`).

Layout
    A 1-D tensor is `[a, b, c]`, broken into lines of as many elements as fit in `linewidth`
    minus the indent (each element taking its width plus 2 for `, `); a continuation line is
    indented one column past the opening bracket. An n-D tensor joins its (n-1)-D slices with
    `,` followed by n-1 newlines and an indent one deeper than its own bracket, so 2-D rows
    are separated by a line break and 3-D matrices by a blank line. The prefix `tensor(` sets
    the starting indent at 7.

Summarization
    Above `threshold` elements, each dimension longer than 2 * `edgeitems` shows only its first
    and last `edgeitems` entries with `...` between them (` ...` inside a row). With
    `edgeitems=0` the values are a bare `[...]` and the size is printed.

Suffixes, in this order
    * `device='cuda:0'` when the tensor is not on the CPU;
    * for an empty tensor: `size=(0, 3)` unless it is 1-D, and `dtype=...` unless the dtype
      is the default floating dtype (so an empty int64 tensor shows its dtype);
      otherwise `size=` only when `edgeitems` is 0, and `dtype=...` unless the dtype is the
      default floating dtype, its complex counterpart, int64 or bool;
    * `grad_fn=<Name>` for a non-leaf, else `requires_grad=True` for a leaf that requires it.

    A suffix goes on the current line after `, ` when it fits in `linewidth`, else on a new
    line indented to the prefix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from conformance.reference import dtypes

__all__ = [
    "get_printoptions",
    "parameter_repr",
    "printoptions",
    "set_printoptions",
    "tensor_repr",
]


# -- print options ---------------------------------------------------------------------------


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """torch.set_printoptions.

    A `profile` ('default', 'short' or 'full') first resets precision, threshold, edgeitems
    and linewidth; the other arguments then override it, and None leaves an option unchanged.
    `sci_mode` is the exception: it is always assigned, so leaving it out returns it to
    automatic (None).
    """
    if profile is not None:
        for name, value in _PROFILES.get(profile, {}).items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current options, as keyword arguments for set_printoptions."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """torch.printoptions: set options for the duration of a `with` block."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# -- element formatting ----------------------------------------------------------------------


class _Formatter:
    """One column format for all the elements of a (real) array.

    Built from the values that will be printed; `format(value)` returns a Python scalar's
    text right-aligned to `width`.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.width = max(self.width, len(str(value)))
            return

        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return  # only zeros, nan and inf: integer style, width 1
        magnitudes = np.abs(shown)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore"):
                ratio = largest / smallest
            self.sci_mode = bool(ratio > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        precision = PRINT_OPTS.precision
        if self.sci_mode:
            texts = (f"{v:.{precision}e}" for v in shown.tolist())
            self.width = max(self.width, *map(len, texts))
        elif self.int_mode:  # one more column for the trailing point
            texts = (f"{v:.0f}" for v in shown.tolist())
            self.width = max(self.width, *(len(t) + 1 for t in texts))
        else:
            texts = (f"{v:.{precision}f}" for v in shown.tolist())
            self.width = max(self.width, *map(len, texts))

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.width)


class _Formatters:
    """The formatter of a real tensor, or the pair (real part, imaginary part) of a complex one."""

    def __init__(self, values: np.ndarray) -> None:
        self.complex = values.dtype.kind == "c"
        if self.complex:
            self.real = _Formatter(values.real)
            self.imag: _Formatter | None = _Formatter(values.imag)
        else:
            self.real, self.imag = _Formatter(values), None

    @property
    def element_width(self) -> int:
        """Columns one element takes in a row: its width, plus `j` for complex."""
        if self.imag is None:
            return self.real.width
        return self.real.width + self.imag.width + 1

    def format(self, value: Any) -> str:
        if self.imag is None:
            return self.real.format(value)
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


# -- layout ----------------------------------------------------------------------------------


def _edge_indices(n: int) -> list[int] | None:
    """Indices a summarized dimension of length n shows, or None when it shows them all."""
    e = PRINT_OPTS.edgeitems
    if n > 2 * e:
        return list(range(e)) + list(range(n - e, n))
    return None


def _summarized(values: np.ndarray) -> np.ndarray:
    """The elements a summarized tensor will show, which alone choose the format."""
    if values.ndim == 0:
        return values
    if values.ndim >= 2 and not PRINT_OPTS.edgeitems:
        return values[(slice(0, 0),) * values.ndim]
    if values.ndim == 1 and not PRINT_OPTS.edgeitems:
        return values  # nothing is shown but `...`; PyTorch measures the whole row
    for axis, n in enumerate(values.shape):
        keep = _edge_indices(n)
        if keep is not None:
            values = np.take(values, keep, axis=axis)
    return values


def _vector(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatters) -> str:
    """A 1-D array as `[a, b, c]`, wrapped to the line width."""
    per_line = max(1, (PRINT_OPTS.linewidth - indent) // (fmt.element_width + 2))
    edges = _edge_indices(values.shape[0]) if summarize else None
    if summarize and not PRINT_OPTS.edgeitems:
        items = ["..."]
    elif edges is not None:
        e = PRINT_OPTS.edgeitems
        head = [fmt.format(v) for v in values[:e].tolist()]
        tail = [fmt.format(v) for v in values[-e:].tolist()]
        items = [*head, " ...", *tail]
    else:
        items = [fmt.format(v) for v in values.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatters) -> str:
    """An array of any rank: slices along the first dimension, each one column deeper."""
    if values.ndim == 0:
        return fmt.format(values.item())
    if values.ndim == 1:
        return _vector(values, indent, summarize, fmt)
    n = values.shape[0]
    edges = _edge_indices(n) if summarize else None
    if edges is None:
        slices = [_nested(values[i], indent + 1, summarize, fmt) for i in range(n)]
    else:
        e = PRINT_OPTS.edgeitems
        head = [_nested(values[i], indent + 1, summarize, fmt) for i in range(e)]
        tail = [_nested(values[i], indent + 1, summarize, fmt) for i in range(n - e, n)]
        slices = [*head, "...", *tail]
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _printable(t: Any) -> np.ndarray:
    """The tensor's values as a host NumPy array of a type Python formats exactly.

    Floats become float64 (every float16, bfloat16 and float32 value is exact in it) and
    complex64 becomes complex128, as PyTorch's `tolist()` and `item()` produce Python floats.
    """
    data = t._data
    if hasattr(data, "get"):  # a device array (CuPy)
        data = data.get()
    data = np.asarray(data)
    category = t._dtype.category
    if category == dtypes.FLOATING:
        if data.dtype.kind != "f":  # bfloat16 (ml_dtypes) goes through float32
            data = data.astype(np.float32)
        return data.astype(np.float64)
    if category == dtypes.COMPLEX:
        return data.astype(np.complex128)
    return data


def _values_str(values: np.ndarray, indent: int) -> str:
    """The bracketed values of a non-empty tensor, starting at column `indent`."""
    summarize = values.size > PRINT_OPTS.threshold
    fmt = _Formatters(_summarized(values) if summarize else values)
    return _nested(values, indent, summarize, fmt)


# -- the whole repr --------------------------------------------------------------------------


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append `, suffix` to the last line while it fits in the line width, else break."""
    parts = [text]
    # PyTorch's measure of the last line counts two columns more than it holds.
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _device_str(device: Any) -> str:
    if device.type == "cuda" and device.index is None:
        return "cuda:0"  # a CUDA tensor always sits on an indexed device
    return str(device)


def _prefix(t: Any) -> str:
    """`tensor(` for a Tensor or a Parameter, the class name for other subclasses."""
    from conformance.reference.tensor import Tensor

    cls = type(t)
    if cls is Tensor or cls.__name__ == "Parameter":
        return "tensor("
    return cls.__name__ + "("


def tensor_repr(t: Any) -> str:
    """repr(t) and str(t) for a conformance.reference Tensor, as PyTorch prints it."""
    prefix = _prefix(t)
    indent = len(prefix)
    suffixes = []

    if t._device.type != "cpu":
        suffixes.append(f"device='{_device_str(t._device)}'")

    dtype = t._dtype
    default = dtypes.get_default_dtype()
    default_complex = dtypes.complex128 if default is dtypes.float64 else dtypes.complex64
    shape = tuple(t._data.shape)
    if t._data.size == 0:
        # An empty tensor has no values to tell its dtype by: only the default float is implied.
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        if dtype not in (default, default_complex, dtypes.int64, dtypes.bool):
            suffixes.append(f"dtype={dtype!r}")
        body = _values_str(_printable(t), indent)

    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    text = _add_suffixes(prefix + body, suffixes, indent)
    if _is_parameter_subclass(t):
        text = f"Parameter({text})"
    return text


def _is_parameter_subclass(t: Any) -> bool:
    """A subclass of Parameter (not Parameter itself) prints wrapped in `Parameter(...)`."""
    cls = type(t)
    return cls.__name__ != "Parameter" and any(
        base.__name__ == "Parameter" for base in cls.__mro__[1:]
    )


def parameter_repr(t: Any) -> str:
    """repr of an nn.Parameter: a header line, then the tensor (`requires_grad=True` shows)."""
    return "Parameter containing:\n" + tensor_repr(t)
