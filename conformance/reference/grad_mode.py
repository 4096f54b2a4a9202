"""Grad modes: whether operations record a graph, and inference mode.

Each mode is a context manager that also decorates functions, and restores the previous
state on exit, exceptions included, as PyTorch's do.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any


class _State:
    __slots__ = ("grad_enabled", "inference")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.grad_enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _Mode:
    """Base of the mode objects: a context manager that also works as a decorator."""

    def _enter(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        self._saved = (STATE.grad_enabled, STATE.inference)
        self._enter()

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled, STATE.inference = self._saved

    def clone(self) -> _Mode:
        return type(self)()

    def __call__(self, func: Callable) -> Callable:
        if inspect.isgeneratorfunction(func):
            raise NotImplementedError("grad-mode decorators on generators are not supported")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_Mode):  # noqa: N801
    """Operations inside record no graph; their results do not require grad."""

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        # Bare @no_grad (without parentheses) decorates directly, as in PyTorch 2.
        return super().__new__(cls) if orig_func is None else cls()(orig_func)

    def _enter(self) -> None:
        STATE.grad_enabled = False


class enable_grad(_Mode):  # noqa: N801
    def __new__(cls, orig_func: Callable | None = None) -> Any:
        return super().__new__(cls) if orig_func is None else cls()(orig_func)

    def _enter(self) -> None:
        STATE.grad_enabled = True


class set_grad_enabled(_Mode):  # noqa: N801
    """Sets the mode as soon as it is called, so it works as a plain function too."""

    def __init__(self, mode: bool) -> None:
        self._previous = (STATE.grad_enabled, STATE.inference)
        self.mode = bool(mode)
        STATE.grad_enabled = self.mode

    def __enter__(self) -> None:
        self._saved = self._previous
        STATE.grad_enabled = self.mode

    def clone(self) -> set_grad_enabled:
        current = STATE.grad_enabled
        clone = set_grad_enabled(self.mode)
        STATE.grad_enabled = current
        clone._previous = (current, STATE.inference)
        return clone


class inference_mode(_Mode):  # noqa: N801
    """No graph, and tensors made inside are inference tensors that autograd refuses later."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # bare @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        self.mode = bool(mode) if not callable(mode) else True

    def _enter(self) -> None:
        if self.mode:
            STATE.grad_enabled = False
            STATE.inference = True

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)
