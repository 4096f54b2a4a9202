"""Real torch, except that four ops misbehave the worst ways an engine can: abort the
process, hang, exit, and eat memory. Used to prove one case's crash never costs the run."""

import os
import time

import torch as _torch


def exp(*args, **kwargs):
    os.abort()


def sin(*args, **kwargs):
    time.sleep(3600)


def tan(*args, **kwargs):
    os._exit(3)


def cos(*args, **kwargs):
    hoard = []
    while True:
        hoard.append(b"x" * (64 * 1024 * 1024))


def __getattr__(name):
    return getattr(_torch, name)
