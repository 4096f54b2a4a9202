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
    # Special values whose gradient PyTorch computes one way in its vectorised loop and another
    # in its scalar tail (elu's at nan: nan in the first, 1 in the second). Which loop an
    # element meets depends on the array's length and the CPU's vector width (AVX2 runs 8
    # float64 elements through the vector loop, AVX-512 runs them through the scalar one), so
    # the special-values test leaves those elements' gradients out.
    loop_dependent: tuple = ()


# loop_dependent for the ops whose gradient at nan is loop-dependent (see OpCase).
NAN = (float("nan"),)


def positive(name, call, shapes, **kw):
    return OpCase(name, call, shapes, low=0.5, high=2.0, **kw)
