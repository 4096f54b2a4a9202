"""Real torch with one planted deviation: `detach()` returns a copy instead of a view that
shares storage. The corpus must catch it."""

import torch as _torch

_detach = _torch.Tensor.detach
_torch.Tensor.detach = lambda self: _detach(self).clone()


def __getattr__(name):
    return getattr(_torch, name)
