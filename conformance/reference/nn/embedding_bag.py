"""embedding_bag: the sum, mean or max of bags of embedding rows. One op in PyTorch
(EmbeddingBagBackward0), and here; PyTorch cannot differentiate its gradients, so a second
backward through them raises. The module is nn.EmbeddingBag (embedding_bag_modules.py).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.nn.embedding import _renorm_rows
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.indexing import _add_at
from conformance.reference.tensor import Tensor


def _bag_of(n_indices, offsets, include_last_offset):
    """Each index position's bag: the last offset at or before it (PyTorch's offset2bag).
    With include_last_offset the final offset only ends the count of bags: indices after it
    still join the last bag, as in PyTorch's float64 kernel (its float32 and float16 kernels
    leave them out of the sum but not out of a mean's count). With the final offset at the
    input's end, as documented, all agree."""
    xp = array_namespace(offsets)
    starts = offsets[:-1] if include_last_offset else offsets
    bag = xp.searchsorted(starts, xp.arange(n_indices), side="right") - 1
    return bag, starts.shape[0]


def _bag_max(weight, indices, bag, keep, n_bags):
    """Per bag and column: the largest row value and the row it came from, taken in order and
    replaced only by a strictly larger one (so a leading nan stays, a later one is skipped);
    0 and row -1 for an empty bag."""
    xp = array_namespace(weight)
    values = xp.zeros((n_bags, weight.shape[1]), weight.dtype)
    rows = xp.full((n_bags, weight.shape[1]), -1, dtype=np.int64)
    for position in range(indices.shape[0]):
        if not bool(keep[position]):
            continue
        b, row = int(bag[position]), int(indices[position])
        current = weight[row]
        better = (rows[b] < 0) | (current > values[b])
        values[b] = xp.where(better, current, values[b])
        rows[b] = xp.where(better, row, rows[b])
    return values, rows


def _bag_sizes(bag, keep, n_bags):
    xp = array_namespace(bag)
    return xp.bincount(bag[keep], minlength=n_bags)[:n_bags]


def _embedding_bag_forward(
    weight, indices, offsets, mode, per_sample_weights, include_last_offset, padding_idx
):
    xp = array_namespace(weight)
    bag, n_bags = _bag_of(indices.shape[0], offsets, include_last_offset)
    keep = indices != padding_idx
    if mode == "max":
        return _bag_max(weight, indices, bag, keep, n_bags)[0]
    # float16 and bfloat16 are summed in float32 and rounded once.
    compute = np.float32 if weight.dtype.itemsize < 4 else weight.dtype
    rows = weight[indices[keep]].astype(compute)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[keep].astype(compute)[:, None]
    out = xp.zeros((n_bags, weight.shape[1]), compute)
    _add_at(out, bag[keep], rows)
    if mode == "mean":
        sizes = _bag_sizes(bag, keep, n_bags)
        out = out / xp.maximum(sizes, 1).astype(compute)[:, None]
    return out.astype(weight.dtype, copy=False)


def _frequencies(indices, num_weights):
    """What scale_grad_by_freq divides each index's gradient by. PyTorch's CPU kernel means the
    index's count, but reads the count of the sorted indices' i-th entry for the i-th distinct
    index (counts[indices_data[i]] where it means the group's first position), so an index
    can be divided by another's count; that is the divisor reproduced here."""
    xp = array_namespace(indices)
    counts = xp.bincount(indices, minlength=num_weights)
    distinct = xp.unique(indices)
    divisors = counts[xp.sort(indices)[: distinct.shape[0]]]
    return divisors[xp.searchsorted(distinct, indices)]


def _bag_weight_backward(
    grad,
    weight,
    indices,
    offsets,
    mode,
    per_sample_weights,
    include_last_offset,
    padding_idx,
    scale_grad_by_freq,
):
    """The weight's gradient: each bag's gradient added into the rows it used (times the
    sample's weight for 'sum', over the bag's size for 'mean', into the maximal entries for
    'max'), none into padding_idx, divided by each index's count if asked to."""
    xp = array_namespace(grad)
    bag, n_bags = _bag_of(indices.shape[0], offsets, include_last_offset)
    keep = indices != padding_idx
    out = xp.zeros(weight.shape, grad.dtype)
    if mode == "max":
        _, rows = _bag_max(weight, indices, bag, keep, n_bags)
        columns = xp.broadcast_to(xp.arange(weight.shape[1]), rows.shape)
        found = rows >= 0
        _add_at(out, (rows[found], columns[found]), grad[found])
        return out
    rows = grad[bag[keep]]
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[keep][:, None]
    if mode == "mean":
        sizes = _bag_sizes(bag, keep, n_bags)
        rows = rows / sizes[bag[keep]].astype(grad.dtype)[:, None]
    if scale_grad_by_freq:
        rows = rows / _frequencies(indices, weight.shape[0])[keep].astype(grad.dtype)[:, None]
    _add_at(out, indices[keep], rows)
    return out


def _bag_backward_not_implemented(grad):
    raise NotImplementedError("the derivative for '_embedding_bag_backward' is not implemented.")


@op(
    "EmbeddingBagBackwardBackward0",
    grad=_bag_backward_not_implemented,
    per_sample_weights=_bag_backward_not_implemented,
)
def embedding_bag_backward(
    grad,
    weight,
    indices,
    offsets,
    mode,
    per_sample_weights,
    include_last_offset,
    padding_idx,
    scale_grad_by_freq,
):
    """_embedding_bag_backward, which PyTorch cannot differentiate. (PyTorch reads the saved
    argmax of each bag for 'max' and only the weight's size otherwise; the weight is read here,
    to find the argmax again.)"""
    return _bag_weight_backward(
        grad,
        weight,
        indices,
        offsets,
        mode,
        per_sample_weights,
        include_last_offset,
        padding_idx,
        scale_grad_by_freq,
    )


def _per_sample_not_implemented(grad):
    raise RuntimeError(
        "derivative for aten::_embedding_bag_per_sample_weights_backward is not implemented"
    )


@op("NotImplemented", grad=_per_sample_not_implemented, weight=_per_sample_not_implemented)
def embedding_bag_per_sample_weights_backward(
    grad, weight, indices, offsets, include_last_offset, padding_idx
):
    """Each sample's gradient: its bag's gradient dotted with the row it used (0 at
    padding_idx)."""
    xp = array_namespace(grad)
    bag, _ = _bag_of(indices.shape[0], offsets, include_last_offset)
    dots = (grad[bag] * weight[indices]).sum(axis=1)
    return xp.where(indices != padding_idx, dots, 0).astype(grad.dtype, copy=False)


def _bag_weight_grad(
    grad,
    weight,
    indices,
    offsets,
    mode,
    per_sample_weights,
    include_last_offset,
    padding_idx,
    scale_grad_by_freq,
    F,
):
    return formula_op(F, embedding_bag_backward)(
        grad,
        weight,
        indices,
        offsets,
        mode,
        per_sample_weights,
        include_last_offset,
        padding_idx,
        scale_grad_by_freq,
    )


def _bag_per_sample_grad(grad, weight, indices, offsets, include_last_offset, padding_idx, F):
    return formula_op(F, embedding_bag_per_sample_weights_backward)(
        grad, weight, indices, offsets, include_last_offset, padding_idx
    )


@op("EmbeddingBagBackward0", weight=_bag_weight_grad, per_sample_weights=_bag_per_sample_grad)
def _embedding_bag(
    weight,
    indices,
    offsets,
    mode,
    per_sample_weights,
    include_last_offset,
    padding_idx,
    scale_grad_by_freq,
):
    return _embedding_bag_forward(
        weight, indices, offsets, mode, per_sample_weights, include_last_offset, padding_idx
    )


def _check_index_type(name: str, tensor: Tensor) -> None:
    if tensor.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(
            f"Expected tensor for argument #1 '{name}' to have one of the following scalar "
            f"types: Long, Int; but got {tensor.type()} instead (while checking arguments for "
            "embedding_bag)"
        )


def _check_bags(weight, indices, offsets, per_sample_weights, padding_idx, include_last_offset):
    """_embedding_bag's checks, in its order; the padding index made non-negative (-1 for
    none)."""
    _check_index_type("indices", indices)
    _check_index_type("indices", offsets)  # (PyTorch names the offsets 'indices' too)
    if weight.dtype.category != dtypes.FLOATING:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have one of the following scalar types: "
            f"Half, BFloat16, Float, Double; but got {weight.type()} instead (while checking "
            "arguments for embedding_bag)"
        )
    if per_sample_weights is not None and per_sample_weights.dtype is not weight.dtype:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have the same type as tensor for "
            f"argument #1 'per_sample_weights'; but type {weight.type()} does not equal "
            f"{per_sample_weights.type()} (while checking arguments for embedding_bag)"
        )
    rows = weight.shape[0]
    if padding_idx is None:
        padding_idx = -1
    elif not -rows <= padding_idx < rows:
        raise RuntimeError(
            f"padding_idx must be within the number of embeddings, -{rows} through {rows - 1}, "
            f"but got {padding_idx}"
        )
    else:
        padding_idx %= rows
    starts = offsets._data
    if starts.shape[0] and int(starts[0]) != 0:
        # Indices and offsets of different widths are both taken as int64 first.
        both_int32 = offsets.dtype is dtypes.int32 and indices.dtype is dtypes.int32
        name = "IntTensor" if both_int32 else "LongTensor"
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {int(starts[0])}\n[ torch.{name}{{}} ]"
        )
    if starts.shape[0] and int(starts[-1]) > indices.shape[0]:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {indices.shape[0]} but got "
            f"offsets[-1] of {int(starts[-1])}"
        )
    data = indices._data
    bad = (data < 0) | (data >= rows)
    if bool(bad.any()):
        found = int(data[bad][0])
        raise RuntimeError(
            f"embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be {found}"
        )
    return padding_idx


def _python_type(value: Any) -> str:
    """str(type(value)), with the reference's Tensor under torch's name."""
    return "<class 'torch.Tensor'>" if isinstance(value, Tensor) else str(type(value))


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """The sum, mean or max of the embedding rows of each bag, one kernel in PyTorch
    (EmbeddingBagBackward0). A 1-D input is cut into bags at `offsets`; a 2-D input is one
    bag per row. padding_idx entries count for nothing (nor in a bag's size); an empty bag
    gives zeros."""
    if weight.dtype is dtypes.int64 and input.dtype.category == dtypes.FLOATING:
        warnings.warn(
            "Argument order of nn.functional.embedding_bag was changed. Usage "
            "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
            "`embedding_bag(input, weight, ...)`.",
            stacklevel=2,
        )
        weight, input = input, weight
    if per_sample_weights is not None and input.shape != per_sample_weights.shape:
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
            f"then it must have the same shape as the input ({input.shape})"
        )
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{_python_type(offsets)}"
            )
        xp = array_namespace(input._data)
        starts = xp.arange(0, input.numel(), input.shape[1], dtype=input._data.dtype)
        offsets = Tensor._wrap(starts, input.dtype, input.device)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(
            f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}"
        )
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        _renorm_rows(weight, input._data, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub."
        )
    if sparse:
        raise NotImplementedError("conformance.reference: sparse gradients are not supported")
    padding_idx = _check_bags(
        weight, input, offsets, per_sample_weights, padding_idx, include_last_offset
    )
    indices = Tensor._wrap(input._data.astype(np.int64), dtypes.int64, input.device)
    starts = Tensor._wrap(offsets._data.astype(np.int64), dtypes.int64, offsets.device)
    return _embedding_bag(
        weight,
        indices,
        starts,
        mode,
        per_sample_weights,
        include_last_offset,
        padding_idx,
        scale_grad_by_freq,
    )
