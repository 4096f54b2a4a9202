"""Grids and pairwise tables: meshgrid (both indexings), cartesian_prod, combinations and
cdist, with PyTorch's checks and derivatives.

meshgrid, cartesian_prod and combinations are, in PyTorch, compositions of view, expand,
flatten, masked_select and stack, and record those nodes; they are composed the same way
here. cdist has a node of its own (CdistBackward0, whose derivative PyTorch does not
implement), except for p=2 on large inputs, where PyTorch switches to a matrix-product
formula with a node of its own too (EuclideanDistBackward0, differentiable twice).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import define, joins, picking, shape
from conformance.reference.ops.define import op
from conformance.reference.tensor import Tensor
from conformance.reference.warn_once import warn_once

__all__ = ["meshgrid", "cartesian_prod", "combinations", "cdist"]


# -- meshgrid, cartesian_prod, combinations ---------------------------------------------------


def _tensor_list(tensors):
    """meshgrid(a, b) and meshgrid([a, b]) mean the same."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    return tensors


def _grids(tensors, indexing):
    """ATen's meshgrid: each tensor viewed along its own dimension and expanded to the grid
    (views of the inputs: ExpandBackward0). 'xy' swaps the first two dimensions."""
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for a, b in zip(tensors, tensors[1:]):  # noqa: B905 - neighbours
        if a._dtype is not b._dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if a._device != b._device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    if indexing not in ("xy", "ij"):
        raise RuntimeError(
            'torch.meshgrid: indexing must be one of "xy" or "ij", but received: ' + indexing
        )
    order = list(tensors)
    swap = indexing == "xy" and len(order) >= 2
    if swap:
        order[0], order[1] = order[1], order[0]
    for t in order:
        if t.ndim > 1:
            raise RuntimeError(
                "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                f"[ torch.{t._dtype.legacy_name}{{{','.join(map(str, t.shape))}}} ]"
            )
    sizes = tuple(t.numel() for t in order)
    grids = []
    for i, t in enumerate(order):
        along = [1] * len(order)
        along[i] = -1
        grids.append(shape.expand_shape(shape.view_shape(t, along), sizes))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def meshgrid(*tensors, indexing=None):
    """torch.meshgrid: coordinate grids, one per input, each a view of its input expanded
    over the others' sizes. indexing='ij' gives the grid the inputs' order; 'xy' (Cartesian)
    swaps the first two dimensions. Leaving indexing out means 'ij', with a warning (once)
    that it will be required."""
    tensors = _tensor_list(tensors)
    if indexing is None:
        warn_once(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument."
        )
        indexing = "ij"
    return _grids(tensors, indexing)


def _vectors(tensors):
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


def cartesian_prod(*tensors):
    """torch.cartesian_prod: every tuple of one element from each vector, in row-major order,
    as the rows of a matrix (the flattened 'ij' grids, stacked). One vector comes back as
    itself. (Unlike meshgrid, it takes no list.)"""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    _vectors(tensors)
    if len(tensors) == 1:
        return tensors[0]
    return joins.stack([shape.flatten(g) for g in _grids(tensors, "ij")], 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002 - PyTorch's name
    """torch.combinations: the r-element combinations of a vector's elements, in order, as
    rows (itertools.combinations; with_replacement, combinations_with_replacement). PyTorch
    picks them from r 'ij' grids of the input with a mask (masked_select, then stack); r=0
    gives an empty vector."""
    if type(r) is not int:
        raise TypeError(
            f"combinations(): argument 'r' (position 2) must be int, not {type(r).__name__}"
        )
    if type(with_replacement) is not bool:
        raise TypeError(
            "combinations(): argument 'with_replacement' (position 3) must be bool, not "
            f"{type(with_replacement).__name__}"
        )
    _vectors([input])
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    xp = array_namespace(input._data)
    if r == 0:
        return Tensor._wrap(xp.empty(0, input._data.dtype), input._dtype, input._device)
    # Where the grid indices rise (or do not fall, with replacement): i < j < k < ...
    index = xp.indices((input.numel(),) * r)
    keep = xp.ones(index.shape[1:], bool)
    for i in range(r - 1):
        keep &= index[i] <= index[i + 1] if with_replacement else index[i] < index[i + 1]
    mask = Tensor._wrap(keep, dtypes.bool, input._device)
    grids = _grids((input,) * r, "ij")
    return joins.stack([picking.masked_select(g, mask) for g in grids], 1)


# -- cdist ------------------------------------------------------------------------------------


def _pairs(x1, x2):
    """Every row of x1 minus every row of x2: (..., r1, r2, c)."""
    return x1[..., :, None, :] - x2[..., None, :, :]


@op(None)
def cdist_values(x1, x2, p):
    """ATen's cdist kernel: the p-norm of each difference of rows. p=0 counts the nonzero
    differences, p=inf takes the largest."""
    xp = array_namespace(x1)
    diff = xp.abs(_pairs(x1, x2))
    if p == 0:
        return xp.minimum(xp.ceil(diff), 1).sum(-1)
    if p == 1:
        return diff.sum(-1)
    if p == 2:
        return xp.sqrt((diff * diff).sum(-1))
    if math.isinf(p):
        return diff.max(-1) if diff.shape[-1] else xp.zeros(diff.shape[:-1], diff.dtype)
    return (diff**p).sum(-1) ** (1 / p)


def _sign(xp, a):
    """The kernel's sign: 0 for 0 and for NaN."""
    return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)


@op(
    "CdistBackwardBackward0",
    grad=lambda grad: _no_double_backward(),
    x1=lambda grad: _no_double_backward(),
    x2=lambda grad: _no_double_backward(),
    cdist=lambda grad: _no_double_backward(),
)
def cdist_backward(grad, x1, x2, p, cdist):
    """ATen's _cdist_backward: the gradient for x1 (x2's is the same with the two swapped),
    summed over the rows of x2, with the kernel's rule for each p (a zero distance gives a
    zero gradient; p=inf sends it to the differences equal to the distance)."""
    xp = array_namespace(grad)
    diff = _pairs(x1, x2)
    g, dist = grad[..., None], cdist[..., None]
    if p == 0 or not diff.size:
        return xp.zeros(np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2]) + x1.shape[-2:], x1.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        if p == 1:
            each = g * _sign(xp, diff)
        elif p < 2:
            each = _sign(xp, diff) * xp.abs(diff) ** (p - 1) * g / dist ** (p - 1)
            each = xp.where(dist == 0, 0, each)
            if p < 1:
                each = xp.where(diff == 0, 0, each)
        elif p == 2:
            each = xp.where(dist == 0, 0, g * diff / dist)
        elif math.isinf(p):
            equal = 1 - xp.minimum(1, xp.ceil(xp.abs(xp.abs(diff) - dist)))
            each = g * _sign(xp, diff) * equal
        else:
            each = xp.where(dist == 0, 0, diff * xp.abs(diff) ** (p - 2) * g / dist ** (p - 1))
    return each.sum(-2).astype(x1.dtype, copy=False)


def _no_double_backward():
    raise NotImplementedError("the derivative for '_cdist_backward' is not implemented.")


@op(
    "CdistBackward0",
    x1=lambda grad, x1, x2, p, result, F: define.formula_op(F, cdist_backward)(
        grad, x1, x2, p, result
    ),
    x2=lambda grad, x1, x2, p, result, F: define.formula_op(F, cdist_backward)(
        F.transpose(grad, -1, -2), x2, x1, p, F.transpose(result, -1, -2)
    ),
)
def cdist_forward(x1, x2, p):
    """ATen's _cdist_forward: empty inputs give an empty (or, without columns, zero)
    table, in x1's dtype."""
    return cdist_values.forward(x1, x2, p).astype(x1.dtype, copy=False)


@op(
    "EuclideanDistBackward0",
    x1=lambda grad, x1, x2, result, F: (
        x1 * F.sum(_ratio(grad, result, F), -1, True) - _ratio(grad, result, F) @ x2
    ),
    x2=lambda grad, x1, x2, result, F: (
        x2 * F.unsqueeze(F.sum(_ratio(grad, result, F), -2), -1)
        - F.transpose(_ratio(grad, result, F), -1, -2) @ x1
    ),
)
def euclidean_dist(x1, x2):
    """ATen's _euclidean_dist, the matrix-product formula of cdist for p=2:
    sqrt(max(|a|^2 - 2 a.b + |b|^2, 0)), computed as one product of padded matrices
    ([-2 a, |a|^2, 1] @ [b, 1, |b|^2]^T), so it rounds as PyTorch's does (and differs in the
    last bits from the direct formula; near-equal rows may give a small distance, not 0)."""
    xp = array_namespace(x1)
    x1_norm = (x1 * x1).sum(-1, keepdims=True)
    x2_norm = (x2 * x2).sum(-1, keepdims=True)
    left = xp.concatenate([x1 * -2, x1_norm, xp.ones_like(x1_norm)], -1)
    right = xp.concatenate([x2, xp.ones_like(x2_norm), x2_norm], -1)
    return xp.sqrt(xp.maximum(left @ xp.swapaxes(right, -1, -2), 0))


def _ratio(grad, result, F):
    """ATen's _euclidean_dist_backward reads grad / distance, 0 where the distance is 0 (a
    subgradient). (PyTorch computes it once for both inputs; each input's formula here
    computes it again.)"""
    return F.masked_fill(grad / result, result == 0, 0)


_COMPUTE_MODES = {
    "use_mm_for_euclid_dist_if_necessary": 0,
    "use_mm_for_euclid_dist": 1,
    "donot_use_mm_for_euclid_dist": 2,
}


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """torch.cdist: the p-norm distance between each row of x1 and each row of x2, over
    broadcast batch dimensions: (..., r1, c) and (..., r2, c) give (..., r1, r2).

    For p=2 PyTorch computes large tables (more than 25 rows on either side, by default;
    always with compute_mode='use_mm_for_euclid_dist') through a matrix product, which is
    faster and rounds differently: that path records ViewBackward0 over
    EuclideanDistBackward0. Every other case records CdistBackward0, whose own derivative
    PyTorch does not implement (a second derivative raises)."""
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mode = _COMPUTE_MODES[compute_mode]
    for name, value, position in (("x1", x1, 1), ("x2", x2, 2)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"cdist(): argument '{name}' (position {position}) must be Tensor, not "
                f"{type(value).__name__}"
            )
    if not isinstance(p, int | float):  # (a bool is an int)
        raise TypeError(f"cdist(): argument 'p' (position 3) must be float, not {type(p).__name__}")
    p = float(p)
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    for name, t in (("X1", x1), ("X2", x2)):
        if t._dtype.category != dtypes.FLOATING:
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: "
                f"{scalar_type_name(t._dtype)}"
            )
    if not p >= 0:  # NaN too
        raise RuntimeError("cdist only supports non-negative p values")
    if x1._device != x2._device:
        raise RuntimeError(
            f"X1 and X2 must have the same device type. X1: {x1._device.type} X2: {x2._device.type}"
        )
    batch1, batch2 = tuple(x1.shape[:-2]), tuple(x2.shape[:-2])
    define.check_broadcastable([SimpleNamespace(shape=batch1), SimpleNamespace(shape=batch2)])
    batch = tuple(np.broadcast_shapes(batch1, batch2))
    r1, r2 = x1.shape[-2], x2.shape[-2]
    if x1.numel() and x2.numel() and p == 2 and (mode == 1 or mode == 0 and max(r1, r2) > 25):
        return _euclidean(x1, x2, batch)
    if r1 and r2 and x1.shape[-1] and math.prod(batch):  # the kernel runs
        if x1._dtype is not x2._dtype:
            raise RuntimeError(
                f"expected scalar type {scalar_type_name(x1._dtype)} but found "
                f"{scalar_type_name(x2._dtype)}"
            )
        if x1._dtype not in (dtypes.float32, dtypes.float64):
            raise NotImplementedError(
                f"\"cdist\" not implemented for '{scalar_type_name(x1._dtype)}'"
            )
    return cdist_forward(x1, x2, p)


def _euclidean(x1, x2, batch):
    """cdist_impl's p=2 matrix-product path: the inputs expanded to the common batch (when
    it has more than one element), then a view to the result's shape."""
    r1, r2 = x1.shape[-2], x2.shape[-2]
    if math.prod(batch) != 1:
        x1 = shape.expand_shape(x1, batch + tuple(x1.shape[-2:]))
        x2 = shape.expand_shape(x2, batch + tuple(x2.shape[-2:]))
    if x1._dtype is not x2._dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{dtypes.cpp_type_name(x1._dtype)} != {dtypes.cpp_type_name(x2._dtype)}"
        )
    return shape.view_shape(euclidean_dist(x1, x2), batch + (r1, r2))


TENSOR_METHODS: dict = {}
TENSOR_IN_PLACE: dict = {}
