"""torch.cuda for the reference engine. Without a CUDA backend (this module's state on a
machine without CuPy and a GPU) it answers as a CPU-only build of PyTorch does."""

from __future__ import annotations

NOT_COMPILED = "Torch not compiled with CUDA enabled"


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def current_device() -> int:
    raise AssertionError(NOT_COMPILED)


def synchronize(device: object = None) -> None:
    raise AssertionError(NOT_COMPILED)


def manual_seed(seed: int) -> None:
    """Seeding CUDA generators is silently skipped when there is no CUDA, as in PyTorch."""


manual_seed_all = manual_seed
