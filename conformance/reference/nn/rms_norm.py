"""torch.nn.functional.rms_norm: no op of its own. PyTorch composes it on the CPU (ATen's
rms_norm), so the reference does too, and the graph shows the same steps: pow, mean, add,
rsqrt, mul (and the casts to float32 and back for float16 and bfloat16)."""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops.scalar_overloads import add_scalar
from conformance.reference.tensor import Tensor


def _check_rms_norm(input: Tensor, shape: list, weight: Tensor | None) -> None:
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
            "one element, but got normalized_shape = []"
        )
    if weight is not None and list(weight.shape) != shape:
        raise RuntimeError(
            "Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight.shape)} and normalized_shape = {shape}"
        )
    if input.ndim < len(shape) or list(input.shape[input.ndim - len(shape) :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={shape}, expected input with shape "
            f"[*{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if input.dtype.category == dtypes.COMPLEX:
        raise NotImplementedError("conformance.reference: rms_norm of complex inputs")
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"rms_norm\" not implemented for '{scalar_type_name(input.dtype)}'"
        )


def rms_norm(
    input: Tensor, normalized_shape: Any, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing dims normalized_shape, times weight.

    As ATen computes it: float16 and bfloat16 in float32 (weight included), the result cast
    back at the end; eps defaults to the machine epsilon of that computation dtype
    (float32's for half inputs), and is held in the input's dtype (so eps=1e-5 rounds to
    float16 for a float16 input).
    """
    if isinstance(normalized_shape, int):
        raise TypeError(
            "rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int"
        )
    shape = list(normalized_shape)
    _check_rms_norm(input, shape, weight)
    compute = dtypes.float32 if input.dtype in (dtypes.float16, dtypes.bfloat16) else input.dtype
    eps = float(np.asarray(np.finfo(compute.np).eps if eps is None else eps, dtype=input.dtype.np))
    x = input.to(compute)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    # ATen adds eps in place to the mean: add(Tensor, Scalar), AddBackward1.
    result = x.mul(add_scalar(x.pow(2).mean(dims, keepdim=True), eps).rsqrt())
    return (result if weight is None else result.mul(weight)).to(input.dtype)
