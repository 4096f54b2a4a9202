"""one_hot and embedding: integer indices turned into rows (of an identity, or of a weight).
(embedding_bag, which reduces bags of rows to one, is in embedding_bag.py.)

embedding is one op (EmbeddingBackward0) whose gradient is an op of its own, as in PyTorch,
so that a create_graph backward records EmbeddingDenseBackwardBackward0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.reference import dtypes, fp_errors
from conformance.reference.devices import array_namespace
from conformance.reference.nn.common import _require_tensor
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.indexing import _add_at
from conformance.reference.ops.norms import vector_norm_dims
from conformance.reference.tensor import Tensor


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor with a trailing class axis: 1 at each index, 0 elsewhere. With
    num_classes=-1 the count is inferred as max + 1 (impossible for an empty input)."""
    _require_tensor("one_hot", tensor)
    if tensor.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    data = tensor._data
    xp = array_namespace(data)
    if data.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if int(data.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(data.max()) + 1
        elif num_classes <= int(data.max()):
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = (data[..., None] == xp.arange(num_classes)).astype(np.int64)
    return Tensor._wrap(out, dtypes.int64, tensor.device)


def _embedding_double_grad(grad, indices, padding_idx, F):
    """The rows the indices pick from a weight-shaped gradient, none at padding_idx (PyTorch
    ignores scale_grad_by_freq here)."""
    padded = F.unsqueeze(indices == padding_idx, -1)
    rows = grad[indices]
    return F.where(padded, F.zeros_like(rows), rows)


@op("EmbeddingDenseBackwardBackward0", grad_output=_embedding_double_grad)
def _embedding_backward(grad_output, indices, num_weights, padding_idx, scale_grad_by_freq):
    """The weight's gradient: each index's gradient row added into its row of the weight,
    none into padding_idx, each divided by how often its index occurs if asked to."""
    xp = array_namespace(grad_output)
    flat = indices.reshape(-1)
    rows = grad_output.reshape(flat.shape[0], grad_output.shape[-1])
    if scale_grad_by_freq:
        counts = xp.bincount(flat, minlength=num_weights).astype(rows.dtype)
        rows = rows / counts[flat][:, None]
    keep = flat != padding_idx
    out = xp.zeros((num_weights, grad_output.shape[-1]), grad_output.dtype)
    _add_at(out, flat[keep], rows[keep])
    return out


@op(
    "EmbeddingBackward0",
    weight=lambda grad, weight_shape, indices, padding_idx, scale_grad_by_freq, F: formula_op(
        F, _embedding_backward
    )(grad, indices, weight_shape[0], padding_idx, scale_grad_by_freq),
)
def _embedding(weight, indices, padding_idx, scale_grad_by_freq):
    return weight[indices]


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of `weight` that `input` indexes. padding_idx's row gets no gradient; with
    max_norm, the rows looked up are first renormalised in place (without a gradient)."""
    rows = weight.shape[0] if weight.ndim else 0
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= rows or padding_idx < -rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % rows if padding_idx < 0 else padding_idx
    else:
        padding_idx = -1
    if sparse:
        raise NotImplementedError("conformance.reference: sparse gradients are not supported")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if input.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)"
        )
    indices = input._data
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return _embedding(weight, input, padding_idx, scale_grad_by_freq)


def _renorm_rows(weight: Tensor, indices: Any, max_norm: float, norm_type: float) -> None:
    """embedding_renorm_: each row looked up whose norm exceeds max_norm is scaled in place
    by max_norm / (norm + 1e-7), under no_grad (the version counter moves)."""
    xp = array_namespace(indices)
    picked = xp.unique(indices.reshape(-1))
    data = weight._data
    with fp_errors.quiet():
        norms = _vector_norm_array(data[picked], float(norm_type))
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1).astype(data.dtype)
    data[picked] = data[picked] * scale[:, None]
    weight._version_counter[0] += 1


def _vector_norm_array(rows: Any, ord: float) -> Any:
    return vector_norm_dims.forward(rows, ord, (1,), False, None)


# -- embedding_bag --------------------------------------------------------------------------
