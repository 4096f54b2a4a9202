"""torch.nn.functional.dropout: no op of its own, the input times a random mask, as PyTorch
computes it on the CPU."""

from __future__ import annotations

import numpy as np

from conformance.reference.devices import array_namespace
from conformance.reference.tensor import Tensor


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p).

    As PyTorch on the CPU: the input itself when p == 0 or not training; otherwise input times
    a mask (MulBackward0), the mask drawn from the reference generator.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    from conformance.reference.ops import creation

    if p == 1:
        noise = creation.zeros((), dtype=input.dtype, device=input.device)
    else:
        keep = creation.random_source().random(tuple(input.shape)) < (1 - p)
        scaled = keep.astype(input.dtype.np) / np.asarray(1 - p, dtype=input.dtype.np)
        xp = array_namespace(input._data)
        noise = Tensor._wrap(xp.asarray(scaled), input.dtype, input.device)
    return input.mul_(noise) if inplace else input * noise
