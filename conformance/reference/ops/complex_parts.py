"""conj, real, imag, angle and their kin on the engine's tensors, which are all real: the
engine has no complex dtypes. PyTorch's real-tensor forms are kept exactly: conj, real,
resolve_conj and conj_physical return the tensor itself (the same object, no node), imag
raises, isreal is all True, is_conj and is_neg are False, resolve_neg is the tensor itself,
adjoint is the transpose of the last two dims, and angle is 0, or pi for negative numbers (nan
stays nan), with a zero gradient (AngleBackward0)."""

from __future__ import annotations

import math

from conformance.reference import dtypes, warn_once
from conformance.reference.devices import array_namespace
from conformance.reference.ops import creation, shape
from conformance.reference.ops.define import pointwise
from conformance.reference.tensor import Tensor

__all__ = ["conj", "conj_physical", "resolve_conj", "real", "imag", "angle", "isreal"]
__all__ += ["adjoint", "is_conj", "is_neg", "resolve_neg"]


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


def conjugate_transpose(input, spelled, deprecation):  # noqa: A002
    """The conjugate transpose of the last two dims (the transpose, for real dtypes), a view;
    a 0-d tensor comes back as it is, with PyTorch's `deprecation` warning. `spelled` is how
    the error names the call: "adjoint()" or "mH"."""
    if input.ndim == 0:
        warn_once.warn_once(deprecation)
        return input
    if input.ndim < 2:
        raise RuntimeError(
            f"tensor.{spelled} is only supported on matrices or batches of matrices. Got "
            f"{input.ndim}-D tensor."
        )
    return shape.transpose(input, -2, -1)


def adjoint(input):  # noqa: A002 - PyTorch's name
    """torch.adjoint and Tensor.adjoint (TransposeBackward0 for real dtypes)."""
    return conjugate_transpose(
        input, "adjoint()", "adjoint() is deprecated on 0-D tensors. Consider using x.conj()."
    )


def _tensor_only(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )


def is_conj(input):  # noqa: A002 - PyTorch's name
    """torch.is_conj: whether the conjugate bit is set; never for the engine's real tensors."""
    _tensor_only("is_conj", input)
    return False


def is_neg(input):  # noqa: A002 - PyTorch's name
    """torch.is_neg and Tensor.is_neg: the negative bit (set only on views of conjugated
    complex tensors): always False for real tensors."""
    _tensor_only("is_neg", input)
    return False


def resolve_neg(input):  # noqa: A002 - PyTorch's name
    """torch.resolve_neg and Tensor.resolve_neg: with no negative bit set, the tensor
    itself (not a copy or a view), as PyTorch returns it."""
    return input


TENSOR_METHODS: dict = {
    "conj": conj,
    "conj_physical": conj,
    "resolve_conj": conj,
    "angle": angle,
    "isreal": isreal,
    "is_conj": is_conj,
    "is_neg": is_neg,
    "resolve_neg": resolve_neg,
    "adjoint": adjoint,
    "real": property(conj),
    "imag": property(imag),
}
