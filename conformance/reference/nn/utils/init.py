"""torch.nn.utils.skip_init: build a module without running its initialisation."""

from __future__ import annotations

import inspect
from typing import Any

from conformance.reference import grad_mode
from conformance.reference.nn.module import Module

__all__ = ["skip_init"]


def _reference() -> Any:
    from conformance import reference

    return reference


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Module:
    """The module with uninitialised (empty) parameters and buffers on `device`.

    PyTorch builds it on the meta device, where initialisation computes nothing, then calls
    to_empty(). The engine has no meta device: it builds the module normally, restores the
    random generator's state (so, as in PyTorch, the draws of the skipped initialisation are
    not consumed), and replaces every parameter's and buffer's data by an empty tensor."""
    torch = _reference()
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    state = torch.get_rng_state()
    try:
        module = module_cls(*args, **kwargs)
    finally:
        torch.set_rng_state(state)
    with grad_mode.no_grad():
        return module._apply(lambda t: torch.empty_like(t, device=final_device))
