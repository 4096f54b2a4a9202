"""Real torch whose `torch.add` raises an error message carrying HTML: a report must show it as
text and never run it."""

import torch as _torch

INJECTED = '<script>window.__injected = true</script><img src=x onerror="window.__injected = true">'


def add(*args, **kwargs):
    raise RuntimeError(f"engine says {INJECTED}")


def __getattr__(name):
    return getattr(_torch, name)
