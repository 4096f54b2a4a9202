"""Real torch whose `tensor()` takes a while: makes a run long enough to kill halfway."""

import time

import torch as _torch


def tensor(*args, **kwargs):
    time.sleep(0.25)
    return _torch.tensor(*args, **kwargs)


def __getattr__(name):
    return getattr(_torch, name)
