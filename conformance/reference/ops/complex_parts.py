"""conj, real, imag, angle and their kin on the engine's tensors, which are all real: the
engine has no complex dtypes. PyTorch's real-tensor forms are kept exactly: conj, real,
resolve_conj and conj_physical return the tensor itself (the same object, no node), imag
raises, isreal is all True, is_conj is False, and angle is 0, or pi for negative numbers (nan
stays nan), with a zero gradient (AngleBackward0)."""

from __future__ import annotations

import math

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.ops import creation
from conformance.reference.ops.define import pointwise

__all__ = ["conj", "conj_physical", "resolve_conj", "real", "imag", "angle", "isreal"]


def conj(input):  # noqa: A002
    """The conjugate of a real tensor is the tensor itself."""
    return input


conj_physical = resolve_conj = real = conj


def imag(input):  # noqa: A002
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


@pointwise("AngleBackward0", kind="float", self=lambda grad, F: F.zeros_like(grad))
def angle(self):
    """0 for x >= 0 (-0.0 included), pi for x < 0, nan for nan: the argument of a real number."""
    xp = array_namespace(self)
    return xp.where(xp.isnan(self), self, xp.where(self < 0, math.pi, 0.0)).astype(
        self.dtype, copy=False
    )


def isreal(input):  # noqa: A002
    """Every element of a real tensor is real."""
    return creation.ones_like(input, dtype=dtypes.bool)


def is_conj(self) -> bool:
    return False


TENSOR_METHODS: dict = {
    "conj": conj,
    "conj_physical": conj,
    "resolve_conj": conj,
    "angle": angle,
    "isreal": isreal,
    "is_conj": is_conj,
    "real": property(conj),
    "imag": property(imag),
}
