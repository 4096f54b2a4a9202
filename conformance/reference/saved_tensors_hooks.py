"""torch.autograd.graph.saved_tensors_hooks, save_on_cpu and disable_saved_tensors_hooks.

Inside `saved_tensors_hooks(pack, unpack)`, every tensor an op saves for its backward goes
through `pack` at once (graph.save), and backward gets it back through `unpack` each time it
reads it; the innermost hooks win. `disable_saved_tensors_hooks(message)` makes entering any
hooks, or disabling while hooks are in force, raise RuntimeError(message).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.reference.graph import SAVED_TENSORS_HOOKS

_DISABLED: list[str] = []  # the messages of the disable_saved_tensors_hooks in force


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    def __init__(self, pack_hook: Callable, unpack_hook: Callable) -> None:
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self) -> None:
        if _DISABLED:
            raise RuntimeError(_DISABLED[-1])
        SAVED_TENSORS_HOOKS.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc: object) -> None:
        SAVED_TENSORS_HOOKS.pop()


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Saved tensors wait on the CPU and go back to their device when backward reads them."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack(tensor: Any) -> tuple:
            return tensor.device, tensor.cpu()

        def unpack(packed: tuple) -> Any:
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        if SAVED_TENSORS_HOOKS:
            raise RuntimeError(self.error_message)
        _DISABLED.append(self.error_message)

    def __exit__(self, *exc: object) -> None:
        _DISABLED.pop()
