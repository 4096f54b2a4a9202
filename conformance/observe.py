"""Observations: what the kit sees of an engine value, in plain Python and NumPy.

Matchers never touch engine objects directly (except for identity and memory sharing, which
need the live objects); they read an `Observation`, so one matcher serves every engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Observation:
    """kind is one of: tensor, none, dtype, device, python, object."""

    kind: str
    type_names: tuple[str, ...]
    value: Any = None
    values: np.ndarray | None = None
    dtype: str | None = None
    shape: tuple[int, ...] | None = None
    device: str | None = None
    requires_grad: bool | None = None
    is_leaf: bool | None = None
    grad_fn: str | None = None

    @property
    def class_name(self) -> str:
        return self.type_names[0]

    def summary(self) -> str:
        """A short form for reports: never the engine's own repr, which may be huge."""
        if self.kind == "tensor":
            extras = [
                f"shape={list(self.shape or ())}",
                f"dtype={self.dtype}",
                f"device={self.device}",
            ]
            if self.requires_grad:
                extras.append("requires_grad=True")
            if self.grad_fn:
                extras.append(f"grad_fn={self.grad_fn}")
            return f"tensor({format_values(self.values)}, {', '.join(extras)})"
        if self.kind in ("dtype", "device"):
            return str(self.value)
        if self.kind == "object":
            return f"<{self.class_name}>"
        return repr(self.value)


def format_values(values: np.ndarray | None, limit: int = 12) -> str:
    if values is None:
        return "?"
    flat = values.reshape(-1)
    if values.ndim == 0:
        return repr(values.item())
    text = np.array2string(values, threshold=limit, separator=", ", max_line_width=10_000)
    return " ".join(text.split()) if flat.size else "[]"


def type_names(value: Any) -> tuple[str, ...]:
    return tuple(cls.__name__ for cls in type(value).__mro__)


def dtype_name(dtype: Any) -> str:
    """`torch.float32` and `float32` name the same dtype; the kit uses the short form."""
    return str(dtype).removeprefix("torch.")


def observe_torch_like(value: Any, is_tensor: Any, to_numpy: Any) -> Observation:
    """Observe a value of any engine whose tensors look like torch's (shape, dtype, device,
    requires_grad, is_leaf, grad_fn). `is_tensor` and `to_numpy` are the engine-specific parts."""
    names = type_names(value)
    if value is None:
        return Observation("none", names, value=None)
    if is_tensor(value):
        grad_fn = getattr(value, "grad_fn", None)
        return Observation(
            "tensor",
            names,
            values=to_numpy(value),
            dtype=dtype_name(value.dtype),
            shape=tuple(int(n) for n in value.shape),
            device=str(getattr(value, "device", "cpu")),
            requires_grad=bool(getattr(value, "requires_grad", False)),
            is_leaf=bool(getattr(value, "is_leaf", True)),
            grad_fn=None if grad_fn is None else type(grad_fn).__name__,
        )
    if names[0] == "dtype":
        return Observation("dtype", names, value=dtype_name(value))
    if names[0] == "device":
        return Observation("device", names, value=str(value))
    if isinstance(value, (bool, int, float, complex, str, bytes)):
        return Observation("python", names, value=value)
    if isinstance(value, (list, tuple)):
        return Observation("python", names, value=plain(value, is_tensor, to_numpy))
    return Observation("object", names, value=None)


def plain(value: Any, is_tensor: Any, to_numpy: Any) -> Any:
    """Nested lists of plain Python values; tensors inside sequences become nested lists."""
    if isinstance(value, (list, tuple)):
        return [plain(v, is_tensor, to_numpy) for v in value]
    if is_tensor(value):
        return to_numpy(value).tolist()
    if hasattr(value, "item") and not isinstance(value, (bool, int, float, str)):
        return value.item()
    return value
