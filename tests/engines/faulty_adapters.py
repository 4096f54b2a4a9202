"""Adapters that fail in their own methods, to prove the kit reports them and goes on."""

import torch

from conformance.adapter import TorchLikeAdapter


class InfoRaises(TorchLikeAdapter):
    def __init__(self):
        self.module = torch

    def info(self):
        raise RuntimeError("adapter bug in info()")


class ObserveRaises(TorchLikeAdapter):
    label = "observe-raises"

    def __init__(self):
        self.module = torch

    def observe(self, value):
        raise ValueError("adapter bug in observe()")


class NotAnAdapter:
    pass
