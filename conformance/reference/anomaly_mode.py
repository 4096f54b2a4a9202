"""Anomaly detection: torch.autograd.detect_anomaly and torch.autograd.set_detect_anomaly.

While it is on, each node remembers the Python stack of the forward call that created it.
When the node's backward fails, a UserWarning shows that stack before the error propagates,
and with check_nan a node whose gradients hold NaN raises. When it is off, creating a node
costs one flag test.
"""

from __future__ import annotations

import os
import traceback
import warnings
from typing import Any


class _State:
    __slots__ = ("enabled", "check_nan")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


STATE = _State()

ENABLED_WARNING = (
    "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
    "be enabled for debugging."
)
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def is_anomaly_enabled() -> bool:
    return STATE.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return STATE.check_nan


def _set(enabled: bool, check_nan: bool) -> None:
    STATE.enabled, STATE.check_nan = bool(enabled), bool(check_nan)


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Anomaly detection inside a `with` block (not a decorator, as in PyTorch); warns when
    made."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        warnings.warn(ENABLED_WARNING, UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self._previous = (STATE.enabled, STATE.check_nan)
        _set(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        _set(*self._previous)


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turns anomaly detection on or off as soon as it is called; as a context manager it
    restores the previous setting on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (STATE.enabled, STATE.check_nan)
        _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _set(*self._previous)


def forward_trace() -> list:
    """The caller's stack without the engine's own innermost frames: what the user wrote."""
    frames = traceback.extract_stack()
    while frames and frames[-1].filename.startswith(_ENGINE_DIR):
        frames.pop()
    return frames


def warn_failed(node: Any) -> None:
    """PyTorch's warning when a node's backward raises under anomaly detection."""
    trace = getattr(node, "_forward_trace", None)
    if trace is None:
        return
    warnings.warn(
        f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
        + "".join(traceback.format_list(trace)),
        UserWarning,
        stacklevel=2,
    )


def check_nan(node: Any, grads: tuple) -> None:
    """Raise if a gradient the node computed holds NaN."""
    for i, grad in enumerate(grads):
        if grad is None:
            continue
        array = getattr(grad, "_data", grad)
        if bool((array != array).any()):  # NaN is the one value unequal to itself
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
