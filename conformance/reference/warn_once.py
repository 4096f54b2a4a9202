"""PyTorch's TORCH_WARN_ONCE: some of its warnings show the first time in a process only,
whatever Python's warning filters say (x.T on a 1-D tensor, torch.cross without dim, ...)."""

from __future__ import annotations

import warnings

_SHOWN: set = set()


def warn_once(message: str, stacklevel: int = 3, key: str | None = None) -> None:
    """A UserWarning with this message, unless it (or another warning of the same `key`,
    where PyTorch warns once from one place for several messages) was shown before in this
    process."""
    key = message if key is None else key
    if key not in _SHOWN:
        _SHOWN.add(key)
        warnings.warn(message, UserWarning, stacklevel=stacklevel)
