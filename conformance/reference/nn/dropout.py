"""torch.nn.functional's dropouts: dropout, dropout1d/2d/3d (whole channels), alpha_dropout and
feature_alpha_dropout. None is an op of its own: as PyTorch computes them on the CPU
(ATen's _dropout_impl), each is the input times a random mask (MulBackward0), the alpha
forms plus a constant (AddBackward0), the mask drawn from the reference generator (so the
draws are not PyTorch's; their law is)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.tensor import Tensor

# SELU's alpha * scale: alpha_dropout keeps a SELU network's mean and variance.
SELU_NEGATIVE = 1.7580993408473766


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, feature: bool, alpha: bool):
    """ATen's _dropout_impl: the input itself when p == 0, not training or empty; times a
    0-dim zero when p == 1; else times a mask of keep / (1 - p) (feature dropout: one draw per
    (sample, channel), the mask of shape (N, C, 1, ...)). Alpha dropout scales the kept
    entries by a and sets the dropped ones to -alpha * scale * a, shifted by b so that the
    mean and variance stay those of the input."""
    if p == 0 or not training or input.numel() == 0:
        return input
    from conformance.reference.ops import creation

    if p == 1:
        zero = creation.zeros((), dtype=input.dtype, device=input.device)
        return input.mul_(zero) if inplace else input * zero
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if input.dtype.category == dtypes.COMPLEX:
        raise NotImplementedError(
            f"\"bernoulli_scalar_cpu_\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    if input.dtype.category in (dtypes.BOOL, dtypes.INTEGER):
        name = "Long" if alpha and input.dtype == dtypes.bool else scalar_type_name(input.dtype)
        raise RuntimeError(f"result type Float can't be cast to the desired output type {name}")
    # Each step computes in float32 (float64 for float64, the scalars cast to it) and rounds
    # to the input's dtype, as PyTorch's CPU kernels for the in-place steps do.
    compute = np.float64 if input.dtype == dtypes.float64 else np.float32
    xp = array_namespace(input._data)
    shape = (*input.shape[:2], *[1] * (input.ndim - 2)) if feature else tuple(input.shape)
    keep = xp.asarray(creation.random_source().random(shape) < (1 - p)).astype(compute)

    def wrap(array):
        return Tensor._wrap(array.astype(input.dtype.np), input.dtype, input.device)

    if not alpha:
        noise = wrap(keep / compute(1 - p))
        return input.mul_(noise) if inplace else input * noise
    a = 1.0 / math.sqrt((SELU_NEGATIVE**2 * p + 1) * (1 - p))
    dropped = (keep - 1) * compute(SELU_NEGATIVE * a)
    shift = wrap(dropped.astype(input.dtype.np).astype(compute) + compute(SELU_NEGATIVE * a * p))
    noise = wrap(keep * compute(a))
    return input.mul_(noise).add_(shift) if inplace else input * noise + shift


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p)."""
    _check_p(p)
    return _dropout(input, p, training, inplace, feature=False, alpha=False)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout for SELU networks (note: training is False by default, unlike dropout)."""
    _check_p(p)
    return _dropout(input, p, training, inplace, feature=False, alpha=True)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """alpha_dropout of whole channels: one draw per (sample, channel)."""
    _check_p(p)
    return _dropout(input, p, training, inplace, feature=True, alpha=True)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, unbatched: bool):
    """Channel dropout; an unbatched input gets a batch dim of one for the draw, which
    PyTorch adds and removes as graph steps (UnsqueezeBackward0, SqueezeBackward1)."""
    if unbatched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _dropout(input, p, training, inplace, feature=True, alpha=False)
    if unbatched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


def _rank_warning(name: str, ndim: int, spatial: int) -> None:
    ranks = f"{spatial + 1}D or {spatial + 2}D"
    warnings.warn(
        f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in "
        "an error in a future release. To retain the behavior and silence this warning, please "
        f"use dropout instead. Note that {name} exists to provide channel-wise dropout on "
        f"inputs with {spatial} spatial dimensions, a channel dimension, and an optional batch "
        f"dimension (i.e. {ranks} inputs).",
        stacklevel=3,
    )


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, L) or (C, L) inputs; other ranks are an error."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    return _feature_dropout(input, p, training, inplace, unbatched=input.ndim == 2)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, H, W) inputs. Other ranks only warn; and a 3-D input is
    read as (N, C, L), not as an unbatched (C, H, W), with a second warning saying so."""
    _check_p(p)
    if input.ndim not in (3, 4):
        _rank_warning("dropout2d", input.ndim, 2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _dropout(input, p, training, inplace, feature=True, alpha=False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs; other ranks warn and
    are read as unbatched."""
    _check_p(p)
    if input.ndim not in (4, 5):
        _rank_warning("dropout3d", input.ndim, 3)
    return _feature_dropout(input, p, training, inplace, unbatched=input.ndim != 5)
