"""Real torch on the CPU, presenting a `cuda` device whose neg() leaves a fault behind that,
like a CUDA device-side assert, surfaces only at the next synchronization and then poisons
every later call in the process. Used to prove such a fault costs one case."""

import types

import torch as _torch

FAULT = "CUDA error: device-side assert triggered"
_faulted = False


def _check() -> None:
    if _faulted:
        raise RuntimeError(FAULT)


def _synchronize(device=None) -> None:
    _check()


cuda = types.SimpleNamespace(is_available=lambda: True, synchronize=_synchronize)


def neg(x):
    global _faulted
    _faulted = True  # queued: reported by the next call, not by this one
    return _torch.neg(x)


def tensor(*args, device=None, **kwargs):
    _check()
    return _torch.tensor(*args, **kwargs)


def __getattr__(name):
    return getattr(_torch, name)
