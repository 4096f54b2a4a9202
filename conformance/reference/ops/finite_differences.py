"""torch.gradient: the derivative of sampled values by finite differences, one tensor per
dimension asked for.

A composition as in PyTorch (each result's node is CatBackward0): second-order central
differences inside, first- or second-order one-sided differences at the two edges, joined by
cat along the dimension. Spacing is one number per dimension (uniform samples) or one 1-D
tensor of coordinates per dimension (samples anywhere, the interior then weighting its two
neighbours by their distances). Integers divide into floats, as `/` does.
"""

from __future__ import annotations

import numbers
from typing import Any

from conformance.reference.ops import shape
from conformance.reference.tensor import Tensor

__all__ = ["gradient"]


def _part(t: Tensor, dim: int, start: int | None, stop: int | None = None) -> Tensor:
    return shape.slice_dim(t, dim, start, stop, 1)


def _uniform(t: Tensor, h: Any, dim: int, edge_order: int) -> Tensor:
    """Samples h apart: (f[i+1] - f[i-1]) / 2h inside."""
    from conformance import reference as torch

    center = (_part(t, dim, 2) - _part(t, dim, 0, -2)) / h
    if edge_order == 1:
        first = (_part(t, dim, 1, 2) - _part(t, dim, 0, 1)) / h
        last = (_part(t, dim, -1) - _part(t, dim, -2, -1)) / h
    else:
        first = (
            _part(t, dim, 0, 1) * -1.5 + _part(t, dim, 1, 2) * 2 - _part(t, dim, 2, 3) * 0.5
        ) / h
        last = (
            _part(t, dim, -3, -2) * 0.5 - _part(t, dim, -2, -1) * 2 + _part(t, dim, -1) * 1.5
        ) / h
    return torch.cat([first, center / 2, last], dim)


def _coordinates(t: Tensor, x: Tensor, dim: int, edge_order: int) -> Tensor:
    """Samples at coordinates x: the second-order formula for uneven steps dx1, dx2."""
    from conformance import reference as torch

    sizes = [1] * t.ndim
    sizes[dim] = -1
    dx = x.diff(1, 0)
    dx1, dx2 = dx[:-1], dx[1:]
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(sizes)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(sizes)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(sizes)
    center = a * _part(t, dim, 0, -2) + b * _part(t, dim, 1, -1) + c * _part(t, dim, 2)
    if edge_order == 1:
        first = (_part(t, dim, 1, 2) - _part(t, dim, 0, 1)) / dx[0]
        last = (_part(t, dim, -1) - _part(t, dim, -2, -1)) / dx[-1]
    else:
        h0, h1 = dx[0], dx[1]
        first = (
            -(2.0 * h0 + h1) / (h0 * (h0 + h1)) * _part(t, dim, 0, 1)
            + (h0 + h1) / (h0 * h1) * _part(t, dim, 1, 2)
            + -h0 / (h1 * (h0 + h1)) * _part(t, dim, 2, 3)
        )
        h1, h2 = dx[-1], dx[-2]
        last = (
            h1 / (h2 * (h1 + h2)) * _part(t, dim, -3, -2)
            - (h1 + h2) / (h1 * h2) * _part(t, dim, -2, -1)
            + (2 * h1 + h2) / (h1 * (h1 + h2)) * _part(t, dim, -1)
        )
    return torch.cat([first, center, last], dim)


def _spacings(input: Tensor, spacing: Any, dims: list | None) -> list:
    """One spacing per dimension differentiated: a lone number repeats, a list must have one
    per dimension."""
    listed = isinstance(spacing, list | tuple)
    count = len(dims) if dims is not None else input.ndim
    if listed and dims is None and len(spacing) != input.ndim:
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
            f"equal to 'self.dim() = {input.ndim}', since dim argument was not given, but got "
            f"a list of length {len(spacing)}"
        )
    if listed and dims is not None and len(spacing) != len(dims):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
            f"arguments to have the same length, but got a spacing argument of length "
            f"{len(spacing)} and a dim argument of length {len(dims)}."
        )
    return list(spacing) if listed else [spacing] * count


def gradient(
    input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1
) -> tuple[Tensor, ...]:
    """torch.gradient: a tuple with the derivative along each of `dim` (every dimension by
    default; a 0-dim tensor has none). Each differentiated dimension needs edge_order + 1
    samples."""
    dims = None if dim is None else [dim] if isinstance(dim, numbers.Integral) else list(dim)
    spacings = _spacings(input, spacing, dims)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if dims is not None:
        dims = [shape.wrap_dim(d, input.ndim) for d in dims]
        for i, d in enumerate(dims):
            if d in dims[:i]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    else:
        dims = list(range(input.ndim))
    if any(n < edge_order + 1 for n in (input.shape[d] for d in dims)):
        raise RuntimeError(
            "torch.gradient expected each dimension size to be at least edge_order+1"
        )
    results = []
    for d, h in zip(dims, spacings, strict=True):
        if isinstance(h, Tensor):
            results.append(_coordinates(input, h, d, edge_order))
        else:
            results.append(_uniform(input, h, d, edge_order))
    return tuple(results)
