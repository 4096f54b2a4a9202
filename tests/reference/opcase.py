"""The table row of tests/reference/test_op_gradients.py: an op as a function of an engine
namespace and its input tensors. The rows live beside each op family (ops_*.py), so one
family's cases can grow without touching another's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class OpCase:
    name: str
    call: Callable  # call(namespace, *tensors) -> tensor
    shapes: list[tuple]
    low: float = -2.0
    high: float = 2.0
    # Forward agreement with torch on drawn inputs; batch norm divides by a variance that may
    # be ~0 and amplifies float32 rounding, so it gets a looser bound.
    forward_atol: float = 1e-6


def positive(name, call, shapes, **kw):
    return OpCase(name, call, shapes, low=0.5, high=2.0, **kw)
