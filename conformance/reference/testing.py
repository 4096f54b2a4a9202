"""torch.testing: assert_close, with PyTorch's tolerances per dtype and its messages."""

from __future__ import annotations

__all__: list[str] = []
