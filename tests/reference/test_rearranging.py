"""Ops that move elements (conformance/reference/ops/rearranging.py, splits_and_stacks.py,
rolls_and_tiles.py, picking.py) against real PyTorch: values, dtypes, shapes (0-dim and empty
included), memory layout, the errors for misuse, the grad_fn each output gets, which results
are views of their input, and where gradients go."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _observe(result):
    """A result as plain data: dtype, shape, contiguity, values and grad_fn name per tensor."""
    if isinstance(result, tuple | list):
        return (type(result).__name__, tuple(_observe(r) for r in result))
    if not isinstance(result, ref.Tensor | torch.Tensor):
        return (type(result).__name__, list(result) if isinstance(result, tuple) else result)
    values = result.detach()
    values = values.double() if values.dtype.is_floating_point else values
    grad_fn = type(result.grad_fn).__name__ if result.grad_fn is not None else None
    return (
        str(result.dtype),
        tuple(result.shape),
        result.is_contiguous(),
        values.tolist(),
        grad_fn,
    )


def _outcome(t, call):
    """What `call(t)` gives: its observed result, or the error's type and message (PyTorch
    appends a C++ backtrace to some messages: that part is left out)."""
    try:
        return _observe(call(t))
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc).split("\nException raised from")[0])


def _same(call):
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    assert repr(ours) == repr(theirs)


def _x(t, *sizes, dtype="float32", grad=False):
    n = int(np.prod(sizes)) if sizes else 1
    x = t.arange(n, dtype=getattr(t, dtype)).reshape(sizes)
    return x.requires_grad_() if grad else x


CASES = {
    # swapaxes, swapdims, movedim, moveaxis
    "swapaxes": lambda t: t.swapaxes(_x(t, 2, 3, 4, grad=True), 0, 2),
    "swapaxes-method-negative": lambda t: _x(t, 2, 3, grad=True).swapaxes(-1, 0),
    "swapaxes-0d": lambda t: t.swapaxes(_x(t, grad=True), 0, -1),
    "swapaxes-out-of-range": lambda t: t.swapaxes(_x(t, 2, 3), 0, 2),
    "swapdims": lambda t: _x(t, 2, 3, 4, grad=True).swapdims(1, 2),
    "movedim": lambda t: t.movedim(_x(t, 2, 3, 4, grad=True), 0, 2),
    "movedim-lists": lambda t: t.movedim(_x(t, 2, 3, 4, grad=True), (0, 1), (2, 0)),
    "movedim-negative": lambda t: _x(t, 2, 3, 4, grad=True).movedim([-1], [0]),
    "movedim-nothing-moves": lambda t: t.movedim(_x(t, 2, 3, grad=True), 1, 1),
    "movedim-keywords": lambda t: t.movedim(_x(t, 2, 3), source=0, destination=1),
    "movedim-0d": lambda t: t.movedim(_x(t, grad=True), 0, -1),
    "movedim-repeated-source": lambda t: t.movedim(_x(t, 2, 3, 4), (0, -3), (1, 2)),
    "movedim-repeated-destination": lambda t: t.movedim(_x(t, 2, 3, 4), (0, 1), (2, 2)),
    "movedim-lengths-differ": lambda t: t.movedim(_x(t, 2, 3, 4), (0, 1), (2,)),
    "movedim-out-of-range": lambda t: t.movedim(_x(t, 2, 3, 4), 3, 0),
    "moveaxis": lambda t: _x(t, 2, 3, 4, grad=True).moveaxis(0, -1),
    # unflatten
    "unflatten": lambda t: _x(t, 2, 6, grad=True).unflatten(1, (3, 2)),
    "unflatten-inferred": lambda t: t.unflatten(_x(t, 2, 6), -1, [-1, 3]),
    "unflatten-keywords": lambda t: t.unflatten(_x(t, 2, 6), dim=0, sizes=(1, 2)),
    "unflatten-transposed": lambda t: _x(t, 2, 6, grad=True).t().unflatten(0, (2, 3)),
    "unflatten-empty": lambda t: t.zeros(2, 0).unflatten(1, (0, 5)),
    "unflatten-no-sizes": lambda t: _x(t, 2, 6).unflatten(1, ()),
    "unflatten-mismatch": lambda t: _x(t, 2, 6).unflatten(-1, (4, 2)),
    "unflatten-mismatch-inferred": lambda t: _x(t, 2, 6).unflatten(1, (5, -1)),
    "unflatten-two-inferred": lambda t: _x(t, 2, 6).unflatten(1, (-1, -1)),
    "unflatten-negative-size": lambda t: _x(t, 2, 6).unflatten(1, (-2, 3)),
    "unflatten-ambiguous": lambda t: t.zeros(2, 0).unflatten(1, (0, -1)),
    "unflatten-0d": lambda t: _x(t).unflatten(0, (1,)),
    "unflatten-0d-no-sizes": lambda t: _x(t).unflatten(0, ()),
    "unflatten-out-of-range": lambda t: _x(t, 2, 6).unflatten(2, (1, 6)),
    # broadcast_to, broadcast_tensors, broadcast_shapes
    "broadcast-to": lambda t: t.broadcast_to(_x(t, 3, 1, grad=True), (2, 3, 4)),
    "broadcast-to-same": lambda t: _x(t, 2, 3, grad=True).broadcast_to((2, 3)),
    "broadcast-to-minus-one": lambda t: _x(t, 3, 1).broadcast_to((-1, 2)),
    "broadcast-to-0d": lambda t: _x(t).broadcast_to((2,)),
    "broadcast-to-fewer-dims": lambda t: _x(t, 2, 3).broadcast_to((3,)),
    "broadcast-to-mismatch": lambda t: _x(t, 2, 3).broadcast_to((2, 4)),
    "broadcast-to-int": lambda t: t.broadcast_to(_x(t, 3), 3),
    "broadcast-tensors": lambda t: t.broadcast_tensors(_x(t, 3, 1, grad=True), _x(t, 4)),
    "broadcast-tensors-one": lambda t: t.broadcast_tensors(_x(t, 3, grad=True)),
    "broadcast-tensors-none": lambda t: t.broadcast_tensors(),
    "broadcast-tensors-empty": lambda t: t.broadcast_tensors(t.zeros(0, 1), _x(t, 3)),
    "broadcast-tensors-mismatch": lambda t: t.broadcast_tensors(_x(t, 4), _x(t, 2, 1), _x(t, 3)),
    "broadcast-tensors-list": lambda t: t.broadcast_tensors([_x(t, 4), _x(t, 1)]),
    "broadcast-shapes": lambda t: t.broadcast_shapes((2, 1), (1, 3), (3,)),
    "broadcast-shapes-int": lambda t: t.broadcast_shapes(3, [2, 1]),
    "broadcast-shapes-none": lambda t: t.broadcast_shapes(),
    "broadcast-shapes-zero": lambda t: t.broadcast_shapes((0,), (1,)),
    "broadcast-shapes-size": lambda t: t.broadcast_shapes(t.Size([2, 1]), [3]),
    "broadcast-shapes-mismatch": lambda t: t.broadcast_shapes((2, 3), (4, 1, 2)),
    "broadcast-shapes-mismatch-list": lambda t: t.broadcast_shapes([2], [3]),
    "broadcast-shapes-negative": lambda t: t.broadcast_shapes((-1,), (3,)),
    "broadcast-shapes-float": lambda t: t.broadcast_shapes((2.0,)),
    # diagonal, diag_embed, diag, diagflat, trace
    "diagonal": lambda t: t.diagonal(_x(t, 3, 4, grad=True)),
    "diagonal-offset": lambda t: _x(t, 3, 4, grad=True).diagonal(1),
    "diagonal-negative-offset": lambda t: _x(t, 3, 4, grad=True).diagonal(-2),
    "diagonal-offset-past-the-end": lambda t: _x(t, 3, 4, grad=True).diagonal(7),
    "diagonal-batched": lambda t: t.diagonal(_x(t, 2, 3, 4, grad=True), 1, 1, 2),
    "diagonal-reversed-dims": lambda t: _x(t, 2, 3, 4, grad=True).diagonal(0, 2, 0),
    "diagonal-keywords": lambda t: t.diagonal(_x(t, 2, 3, 4), offset=-1, dim1=-1, dim2=1),
    "diagonal-of-transposed": lambda t: _x(t, 3, 4, grad=True).t().diagonal(),
    "diagonal-empty": lambda t: t.zeros(0, 3).diagonal(),
    "diagonal-same-dims": lambda t: _x(t, 2, 3, 4).diagonal(0, 1, -2),
    "diagonal-out-of-range": lambda t: _x(t, 2, 3).diagonal(0, 0, 2),
    "diagonal-vector": lambda t: _x(t, 3).diagonal(),
    "diagonal-0d": lambda t: _x(t).diagonal(),
    "diag-embed": lambda t: t.diag_embed(_x(t, 2, 3, grad=True)),
    "diag-embed-offset-dims": lambda t: t.diag_embed(_x(t, 2, 3, grad=True), -1, 0, 2),
    "diag-embed-keywords": lambda t: _x(t, 3).diag_embed(offset=1, dim1=-1, dim2=0),
    "diag-embed-0d": lambda t: t.diag_embed(_x(t)),
    "diag-embed-same-dims": lambda t: t.diag_embed(_x(t, 2, 3), 0, 1, -2),
    "diag-embed-out-of-range": lambda t: t.diag_embed(_x(t, 2, 3), 0, 0, 3),
    "diag-vector": lambda t: t.diag(_x(t, 3, grad=True)),
    "diag-vector-offset": lambda t: _x(t, 3, grad=True).diag(-2),
    "diag-matrix": lambda t: t.diag(_x(t, 3, 4, grad=True)),
    "diag-matrix-offset": lambda t: t.diag(_x(t, 3, 4, grad=True), diagonal=2),
    "diag-matrix-offset-past-the-end": lambda t: t.diag(_x(t, 3, 4), -5),
    "diag-0d": lambda t: t.diag(_x(t)),
    "diag-3d": lambda t: t.diag(_x(t, 2, 2, 2)),
    "diagflat": lambda t: t.diagflat(_x(t, 2, 2, grad=True)),
    "diagflat-offset": lambda t: _x(t, 3, grad=True).diagflat(offset=-1),
    "diagflat-0d": lambda t: t.diagflat(_x(t, grad=True)),
    "trace": lambda t: t.trace(_x(t, 3, 4, grad=True)),
    "trace-empty": lambda t: t.zeros(0, 3).trace(),
    "trace-vector": lambda t: _x(t, 3).trace(),
    "trace-3d": lambda t: _x(t, 2, 2, 2).trace(),
    # tensor_split
    "tensor-split-sections": lambda t: t.tensor_split(_x(t, 7, grad=True), 3),
    "tensor-split-more-sections-than-elements": lambda t: _x(t, 2, 3).tensor_split(4, 1),
    "tensor-split-indices": lambda t: _x(t, 2, 6, grad=True).tensor_split([1, 4], dim=1),
    "tensor-split-negative-index": lambda t: _x(t, 4).tensor_split([-1]),
    "tensor-split-decreasing-indices": lambda t: _x(t, 4).tensor_split([3, 1]),
    "tensor-split-indices-past-the-end": lambda t: _x(t, 4).tensor_split((2, 10)),
    "tensor-split-no-indices": lambda t: _x(t, 4).tensor_split([]),
    "tensor-split-tensor-sections": lambda t: _x(t, 4).tensor_split(t.tensor(3)),
    "tensor-split-tensor-indices": lambda t: _x(t, 4).tensor_split(t.tensor([1, 2])),
    "tensor-split-keyword-sections": lambda t: t.tensor_split(_x(t, 4), sections=3),
    "tensor-split-keyword-indices": lambda t: t.tensor_split(_x(t, 4), indices=[1]),
    "tensor-split-keyword-tensor": lambda t: t.tensor_split(
        _x(t, 4), tensor_indices_or_sections=t.tensor([1])
    ),
    "tensor-split-empty-dim": lambda t: t.zeros(2, 0).tensor_split(2, 1),
    "tensor-split-zero-sections": lambda t: _x(t, 4).tensor_split(0),
    "tensor-split-0d": lambda t: _x(t).tensor_split(1),
    "tensor-split-out-of-range": lambda t: _x(t, 4).tensor_split(2, 1),
    "tensor-split-float-tensor": lambda t: _x(t, 4).tensor_split(t.tensor([1.0])),
    "tensor-split-2d-tensor": lambda t: _x(t, 4).tensor_split(t.tensor([[1]])),
    # hsplit, vsplit, dsplit
    "hsplit": lambda t: t.hsplit(_x(t, 2, 3, 4, grad=True), 3),
    "hsplit-indices": lambda t: _x(t, 2, 3, 4, grad=True).hsplit([1]),
    "hsplit-vector": lambda t: _x(t, 4).hsplit(2),
    "hsplit-keywords": lambda t: (
        t.hsplit(_x(t, 2, 3), sections=3),
        t.hsplit(_x(t, 3), indices=[1]),
    ),
    "hsplit-uneven": lambda t: _x(t, 2, 3).hsplit(2),
    "hsplit-zero": lambda t: _x(t, 2, 3).hsplit(0),
    "hsplit-0d": lambda t: _x(t).hsplit(1),
    "vsplit": lambda t: _x(t, 2, 3, grad=True).vsplit(2),
    "vsplit-indices": lambda t: t.vsplit(_x(t, 4, 3), (1, 3)),
    "vsplit-uneven": lambda t: _x(t, 2, 3).vsplit(3),
    "vsplit-vector": lambda t: _x(t, 4).vsplit(2),
    "dsplit": lambda t: t.dsplit(_x(t, 2, 3, 4, grad=True), 2),
    "dsplit-uneven": lambda t: _x(t, 2, 3, 4).dsplit(3),
    "dsplit-matrix": lambda t: _x(t, 2, 4).dsplit(2),
    # hstack, vstack, dstack, column_stack
    "hstack-matrices": lambda t: t.hstack([_x(t, 2, 1, grad=True), _x(t, 2, 3)]),
    "hstack-vectors": lambda t: t.hstack((_x(t, 2, grad=True), _x(t, 3, dtype="int64"))),
    "hstack-0d": lambda t: t.hstack([_x(t, grad=True), _x(t)]),
    "hstack-empty-list": lambda t: t.hstack([]),
    "hstack-tensor": lambda t: t.hstack(_x(t, 3)),
    "hstack-mismatch": lambda t: t.hstack([_x(t, 3), _x(t, 3, 3)]),
    "vstack-vectors": lambda t: t.vstack([_x(t, 3, grad=True), _x(t, 3)]),
    "vstack-0d": lambda t: t.vstack([_x(t), _x(t)]),
    "vstack-matrices": lambda t: t.vstack([_x(t, 1, 3), _x(t, 2, 3, grad=True)]),
    "vstack-mismatch": lambda t: t.vstack([_x(t, 4), _x(t, 3, 3)]),
    "vstack-empty-list": lambda t: t.vstack([]),
    "dstack-vectors": lambda t: t.dstack([_x(t, 3, grad=True), _x(t, 3)]),
    "dstack-matrices": lambda t: t.dstack([_x(t, 2, 2), _x(t, 2, 2, 3, grad=True)]),
    "dstack-0d": lambda t: t.dstack([_x(t), _x(t)]),
    "dstack-empty-list": lambda t: t.dstack([]),
    "column-stack": lambda t: t.column_stack([_x(t, 3, grad=True), _x(t, 3, 2)]),
    "column-stack-0d": lambda t: t.column_stack([_x(t), _x(t, 1), _x(t, 1, 2)]),
    "column-stack-3d": lambda t: t.column_stack([_x(t, 2, 1, 2), _x(t, 2, 3, 2)]),
    "column-stack-empty-list": lambda t: t.column_stack([]),
    "row-stack": lambda t: t.row_stack([_x(t, 3, grad=True), _x(t, 2, 3)]),
    "stack-out": lambda t: t.hstack([_x(t, 2), _x(t, 2)], out=t.empty(4)),
    "swapaxes-keywords": lambda t: t.swapaxes(_x(t, 2, 3), axis0=0, axis1=1),
    "swapaxes-method-keywords": lambda t: _x(t, 2, 3).swapaxes(axis0=1, axis1=0),
    "swapdims-keywords": lambda t: t.swapdims(_x(t, 2, 3), dim0=1, dim1=0),
    "broadcast-to-keyword": lambda t: t.broadcast_to(_x(t, 3), size=(2, 3)),
    # tril, triu
    "tril": lambda t: t.tril(_x(t, 3, 4, grad=True)),
    "tril-diagonal": lambda t: _x(t, 3, 4, grad=True).tril(-1),
    "tril-keyword": lambda t: t.tril(_x(t, 2, 3), diagonal=1),
    "tril-batched": lambda t: _x(t, 2, 3, 3, grad=True).tril(1),
    "tril-empty": lambda t: t.zeros(0, 3).tril(),
    "tril-vector": lambda t: _x(t, 3).tril(),
    "tril-0d": lambda t: t.tril(_x(t)),
    "triu": lambda t: t.triu(_x(t, 3, 4, grad=True)),
    "triu-diagonal": lambda t: _x(t, 4, 3, grad=True).triu(2),
    "triu-batched": lambda t: t.triu(_x(t, 2, 2, 3), -1),
    "triu-vector": lambda t: _x(t, 3).triu(),
    # roll
    "roll-flattened": lambda t: t.roll(_x(t, 2, 3, grad=True), 1),
    "roll-dim": lambda t: _x(t, 2, 3, grad=True).roll(1, 0),
    "roll-dims": lambda t: t.roll(_x(t, 2, 3, grad=True), (1, -4), (0, 1)),
    "roll-keywords": lambda t: t.roll(_x(t, 2, 3), shifts=-1, dims=-1),
    "roll-repeated-dim": lambda t: t.roll(_x(t, 3, 2), (1, 1), (0, 0)),
    "roll-no-dims-tuple": lambda t: t.roll(_x(t, 2, 3), (2,)),
    "roll-empty-dims": lambda t: t.roll(_x(t, 2, 3), 1, ()),
    "roll-0d": lambda t: t.roll(_x(t, grad=True), 3),
    "roll-empty": lambda t: t.zeros(0, 2).roll(1, 0),
    "roll-misaligned": lambda t: t.roll(_x(t, 2, 3), (1, 2), 0),
    "roll-misaligned-no-dims": lambda t: t.roll(_x(t, 2, 3), (1, 2)),
    "roll-out-of-range": lambda t: t.roll(_x(t, 2, 3), 1, 2),
    "roll-0d-dim": lambda t: t.roll(_x(t), 1, 0),
    # fliplr, flipud, rot90
    "fliplr": lambda t: t.fliplr(_x(t, 2, 3, grad=True)),
    "fliplr-3d": lambda t: _x(t, 2, 3, 2).fliplr(),
    "fliplr-vector": lambda t: _x(t, 3).fliplr(),
    "flipud": lambda t: _x(t, 2, 3, grad=True).flipud(),
    "flipud-vector": lambda t: t.flipud(_x(t, 3)),
    "flipud-0d": lambda t: t.flipud(_x(t)),
    "rot90": lambda t: t.rot90(_x(t, 2, 3, grad=True)),
    "rot90-twice": lambda t: _x(t, 2, 3, grad=True).rot90(2),
    "rot90-three-times": lambda t: _x(t, 2, 3, grad=True).rot90(3),
    "rot90-negative": lambda t: _x(t, 2, 3).rot90(-1),
    "rot90-none": lambda t: _x(t, 2, 3, grad=True).rot90(0),
    "rot90-full-turn": lambda t: _x(t, 2, 3).rot90(4),
    "rot90-dims": lambda t: t.rot90(_x(t, 2, 3, 4, grad=True), 1, (2, 0)),
    "rot90-keywords": lambda t: t.rot90(_x(t, 2, 3, 4), k=5, dims=[-1, 1]),
    "rot90-one-dim": lambda t: _x(t, 2, 3, 4).rot90(1, (0,)),
    "rot90-three-dims": lambda t: _x(t, 2, 3, 4).rot90(1, (0, 1, 2)),
    "rot90-vector": lambda t: _x(t, 3).rot90(),
    "rot90-vector-one-dim": lambda t: _x(t, 3).rot90(1, (0,)),
    "rot90-same-dims": lambda t: _x(t, 2, 3, 4).rot90(1, (1, 1)),
    "rot90-same-dims-wrapped": lambda t: _x(t, 2, 3, 4).rot90(1, (1, -2)),
    "rot90-out-of-range": lambda t: _x(t, 2, 3, 4).rot90(1, (1, 3)),
    # tile
    "tile": lambda t: t.tile(_x(t, 2, 3, grad=True), (2,)),
    "tile-more-dims": lambda t: t.tile(_x(t, 2, 3, grad=True), (2, 1, 2)),
    "tile-method-varargs": lambda t: _x(t, 2, 3).tile(2, 1),
    "tile-method-tuple": lambda t: _x(t, 2, 3).tile((1, 2)),
    "tile-nothing": lambda t: _x(t, 2, 3, grad=True).tile(()),
    "tile-keyword": lambda t: t.tile(_x(t, 2), dims=(3,)),
    "tile-0d": lambda t: _x(t).tile(3),
    "tile-zero": lambda t: _x(t, 2, 3).tile(0),
    "tile-negative": lambda t: _x(t, 2, 3).tile((-1,)),
    "tile-int": lambda t: t.tile(_x(t, 3), 2),
    # repeat_interleave
    "repeat-interleave-flattened": lambda t: _x(t, 2, 3, grad=True).repeat_interleave(2),
    "repeat-interleave-dim": lambda t: t.repeat_interleave(_x(t, 2, 3, grad=True), 2, dim=1),
    "repeat-interleave-negative-dim": lambda t: _x(t, 2, 3).repeat_interleave(3, -2),
    "repeat-interleave-zero": lambda t: _x(t, 2, 3).repeat_interleave(0, 0),
    "repeat-interleave-keywords": lambda t: t.repeat_interleave(_x(t, 2, 3), repeats=2, dim=1),
    "repeat-interleave-tensor": lambda t: _x(t, 2, 3, grad=True).repeat_interleave(
        t.tensor([1, 2]), dim=0
    ),
    "repeat-interleave-tensor-one": lambda t: _x(t, 2, 3).repeat_interleave(t.tensor([2]), 1),
    "repeat-interleave-tensor-0d": lambda t: _x(t, 2, 3).repeat_interleave(t.tensor(2), dim=0),
    "repeat-interleave-tensor-flattened": lambda t: _x(t, 2, 3, grad=True).repeat_interleave(
        t.tensor([1, 0, 1, 0, 1, 3])
    ),
    "repeat-interleave-tensor-int32": lambda t: _x(t, 2, 3).repeat_interleave(
        t.tensor([1, 2], dtype=t.int32), dim=0
    ),
    "repeat-interleave-output-size": lambda t: _x(t, 2, 3).repeat_interleave(
        t.tensor([1, 2]), dim=0, output_size=3
    ),
    "repeat-interleave-wrong-output-size": lambda t: _x(t, 2, 3).repeat_interleave(
        t.tensor([1, 2]), dim=0, output_size=4
    ),
    "repeat-interleave-repeats-only": lambda t: t.repeat_interleave(t.tensor([1, 2, 3])),
    "repeat-interleave-repeats-only-int32": lambda t: t.repeat_interleave(
        t.tensor([2, 0, 1], dtype=t.int32)
    ),
    "repeat-interleave-0d": lambda t: _x(t, grad=True).repeat_interleave(3),
    "repeat-interleave-0d-dim": lambda t: _x(t).repeat_interleave(3, dim=0),
    "repeat-interleave-negative": lambda t: _x(t, 2, 3).repeat_interleave(-1),
    "repeat-interleave-negative-tensor": lambda t: _x(t, 2, 3).repeat_interleave(
        t.tensor([1, -1]), dim=0
    ),
    "repeat-interleave-wrong-length": lambda t: _x(t, 2, 3).repeat_interleave(
        t.tensor([1, 2, 3]), dim=0
    ),
    "repeat-interleave-float-repeats": lambda t: _x(t, 2, 3).repeat_interleave(
        t.tensor([1.0, 1.0]), dim=0
    ),
    "repeat-interleave-2d-repeats": lambda t: _x(t, 2, 3).repeat_interleave(
        t.tensor([[1, 1]]), dim=0
    ),
    "repeat-interleave-out-of-range": lambda t: _x(t, 2, 3).repeat_interleave(2, dim=2),
    # atleast_1d, atleast_2d, atleast_3d
    "atleast-1d-0d": lambda t: t.atleast_1d(_x(t, grad=True)),
    "atleast-1d-vector": lambda t: t.atleast_1d(_x(t, 3, grad=True)),
    "atleast-1d-several": lambda t: t.atleast_1d(_x(t, 3), _x(t)),
    "atleast-1d-list": lambda t: t.atleast_1d([_x(t, 3)]),
    "atleast-1d-nothing": lambda t: t.atleast_1d(),
    "atleast-2d-0d": lambda t: t.atleast_2d(_x(t, grad=True)),
    "atleast-2d-vector": lambda t: t.atleast_2d(_x(t, 3, grad=True)),
    "atleast-2d-empty": lambda t: t.atleast_2d(t.zeros(0)),
    "atleast-2d-matrix": lambda t: t.atleast_2d((_x(t, 2, 3), _x(t, 2, 2, 2))),
    "atleast-2d-list-of-int": lambda t: t.atleast_2d([3]),
    "atleast-3d-0d": lambda t: t.atleast_3d(_x(t, grad=True)),
    "atleast-3d-vector": lambda t: t.atleast_3d(_x(t, 3, grad=True)),
    "atleast-3d-matrix": lambda t: t.atleast_3d(_x(t, 2, 3, grad=True)),
    "atleast-3d-3d": lambda t: t.atleast_3d(_x(t, 2, 3, 1)),
    # take, take_along_dim, masked_select
    "take": lambda t: _x(t, 2, 3, grad=True).take(t.tensor([[0, -1], [5, 2]])),
    "take-keyword": lambda t: t.take(_x(t, 2, 3), index=t.tensor([4])),
    "take-0d": lambda t: t.take(_x(t, grad=True), t.tensor(0)),
    "take-empty": lambda t: t.take(t.zeros(0), t.tensor([], dtype=t.int64)),
    "take-from-empty": lambda t: t.take(t.zeros(0), t.tensor([0])),
    "take-out-of-range": lambda t: t.take(_x(t, 2, 3), t.tensor([1, 6])),
    "take-out-of-range-negative": lambda t: t.take(_x(t, 2, 3), t.tensor([-7])),
    "take-int32": lambda t: t.take(_x(t, 2, 3), t.tensor([1], dtype=t.int32)),
    "take-list": lambda t: t.take(_x(t, 2, 3), [1]),
    "take-along-dim": lambda t: t.take_along_dim(_x(t, 2, 3, grad=True), t.tensor([[0], [2]]), 1),
    "take-along-dim-broadcast": lambda t: t.take_along_dim(
        _x(t, 3, 1, grad=True), t.tensor([[0, 1, 0, 2]]), dim=0
    ),
    "take-along-dim-wraps": lambda t: t.take_along_dim(_x(t, 2, 3), t.tensor([[7], [-7]]), 1),
    "take-along-dim-flattened": lambda t: t.take_along_dim(
        _x(t, 2, 3, grad=True), t.tensor([[5, 0]])
    ),
    "take-along-dim-flattened-out-of-range": lambda t: t.take_along_dim(
        _x(t, 2, 3), t.tensor([-1])
    ),
    "take-along-dim-method": lambda t: _x(t, 2, 3).take_along_dim(t.tensor([[1, 0]]), 0),
    "take-along-dim-dims-differ": lambda t: t.take_along_dim(_x(t, 2, 3), t.tensor([1]), dim=1),
    "take-along-dim-int32": lambda t: t.take_along_dim(
        _x(t, 2, 3), t.tensor([[1]], dtype=t.int32), 1
    ),
    "take-along-dim-mismatch": lambda t: t.take_along_dim(_x(t, 2, 3), t.tensor([[0, 1]]), 0),
    "take-along-dim-0d": lambda t: t.take_along_dim(_x(t), t.tensor(0), dim=0),
    "masked-select": lambda t: (lambda x: x.masked_select(x > 2))(_x(t, 2, 3, grad=True)),
    "masked-select-broadcast-mask": lambda t: _x(t, 2, 3, grad=True).masked_select(
        t.tensor([True, False, True])
    ),
    "masked-select-broadcast-input": lambda t: t.masked_select(
        _x(t, 3, grad=True), t.tensor([[True], [False]])
    ),
    "masked-select-keyword": lambda t: t.masked_select(_x(t, 3), mask=t.tensor([True] * 3)),
    "masked-select-0d": lambda t: t.masked_select(_x(t), t.tensor(True)),
    "masked-select-byte-mask": lambda t: _x(t, 3).masked_select(t.tensor([1, 0, 1]).byte()),
    "masked-select-mismatch": lambda t: _x(t, 2, 3).masked_select(t.tensor([True, False])),
}


@pytest.mark.parametrize("name", CASES)
def test_values_shapes_layout_grad_fn_and_errors_match_torch(name):
    _same(CASES[name])


DTYPE_CALLS = {
    "swapaxes": lambda t, x: t.swapaxes(x, 0, 1),
    "movedim": lambda t, x: t.movedim(x, 0, 1),
    "unflatten": lambda t, x: x.unflatten(1, (3, 1)),
    "broadcast-to": lambda t, x: t.broadcast_to(x, (2, 2, 3)),
    "diagonal": lambda t, x: t.diagonal(x, 1),
    "diag-embed": lambda t, x: t.diag_embed(x),
    "diag": lambda t, x: t.diag(x),
    "diag-vector": lambda t, x: t.diag(x[0]),
    "diagflat": lambda t, x: t.diagflat(x),
    "trace": lambda t, x: t.trace(x),
    "tensor-split": lambda t, x: t.tensor_split(x, 2, 1),
    "hstack": lambda t, x: t.hstack([x, x]),
    "vstack": lambda t, x: t.vstack([x, x[0]]),
    "dstack": lambda t, x: t.dstack([x, x]),
    "column-stack": lambda t, x: t.column_stack([x, x[0, :2]]),
    "tril": lambda t, x: t.tril(x),
    "triu": lambda t, x: t.triu(x, 1),
    "roll": lambda t, x: t.roll(x, 1, 1),
    "fliplr": lambda t, x: t.fliplr(x),
    "flipud": lambda t, x: t.flipud(x),
    "rot90": lambda t, x: t.rot90(x),
    "tile": lambda t, x: t.tile(x, (2, 1)),
    "repeat-interleave": lambda t, x: t.repeat_interleave(x, 2),
    "repeat-interleave-tensor": lambda t, x: x.repeat_interleave(t.tensor([2, 1]), dim=0),
    "atleast-3d": lambda t, x: t.atleast_3d(x),
    "take": lambda t, x: t.take(x, t.tensor([1, 4])),
    "take-along-dim": lambda t, x: t.take_along_dim(x, t.tensor([[1], [0]]), 1),
    "masked-select": lambda t, x: t.masked_select(x, t.tensor([True, False, True])),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", DTYPE_CALLS)
def test_every_dtype_is_kept_or_refused_as_torch_does(name, dtype):
    """The elements move, their dtype stays (trace sums integers to int64 and refuses bool)."""
    _same(lambda t: DTYPE_CALLS[name](t, t.tensor([[1, 0, 2], [3, 1, 0]]).to(getattr(t, dtype))))


VIEWS = {
    "swapaxes": lambda t, x: t.swapaxes(x, 0, 1),
    "swapdims": lambda t, x: x.swapdims(1, 0),
    "movedim": lambda t, x: t.movedim(x, 1, 0),
    "moveaxis": lambda t, x: t.moveaxis(x, 0, 1),
    "unflatten": lambda t, x: x.unflatten(1, (2, 2)),
    "broadcast-to": lambda t, x: t.broadcast_to(x, (2, 3, 4)),
    "broadcast-tensors": lambda t, x: t.broadcast_tensors(x, t.zeros(2, 1, 1))[0],
    "diagonal": lambda t, x: x.diagonal(1),
    "tensor-split": lambda t, x: t.tensor_split(x, 2, 1)[1],
    "atleast-3d": lambda t, x: t.atleast_3d(x),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_memory_and_version_with_their_base(name):
    """A change to the base shows through the view and bumps the version both see; a write
    through the view reaches the base, whose gradient then goes through CopySlices (or is
    refused, for views that repeat an element): as in PyTorch."""
    seen = []
    for t in (ref, torch):
        leaf = t.arange(12.0, dtype=t.float64).reshape(3, 4).requires_grad_()
        base = leaf * 1
        view = VIEWS[name](t, base)
        before = base._version
        base.detach().mul_(10)
        observed = [view._base is base, base._version - before, view._version == base._version]
        observed.append(view.detach().tolist())
        try:
            view.mul_(2)
            (base * base).sum().backward()
            observed += [base.detach().tolist(), type(base.grad_fn).__name__, leaf.grad.tolist()]
        except RuntimeError as exc:
            observed.append(str(exc))
        seen.append(observed)
    assert seen[0] == seen[1]


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.broadcast_tensors(x, x),
        lambda t, x: t.broadcast_tensors(x, t.zeros(4)),
        lambda t, x: t.atleast_1d(x),
        lambda t, x: t.atleast_2d(x),
        lambda t, x: t.atleast_3d(x.unsqueeze(0)),
    ],
)
def test_a_tensor_that_already_fits_is_returned_itself(call):
    seen = []
    for t in (ref, torch):
        x = t.ones(3, 4)
        out = call(t, x)
        out = out[0] if isinstance(out, tuple) else out
        seen.append(out is x)
    assert seen[0] == seen[1]


def test_broadcast_shapes_returns_a_size():
    assert isinstance(ref.broadcast_shapes((2, 1), (3,)), ref.Size)
    assert repr(ref.broadcast_shapes((2, 1), (3,))) == repr(torch.broadcast_shapes((2, 1), (3,)))


@pytest.mark.parametrize("name", ["tril_", "triu_"])
def test_tril_and_triu_in_place(name):
    seen = []
    for t in (ref, torch):
        leaf = t.arange(1.0, 10.0).reshape(3, 3).requires_grad_()
        x = leaf * 1
        out = getattr(x, name)(1)
        out.sum().backward()
        seen.append((out is x, x.tolist(), type(x.grad_fn).__name__, leaf.grad.tolist()))
    assert seen[0] == seen[1]


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.diagonal(x, 1).exp().sum(),
        lambda t, x: t.trace(x * x),
        lambda t, x: (t.diag_embed(x[0], 1) ** 2).sum(),
        lambda t, x: (t.take(x, t.tensor([0, 0, 4])) ** 3).sum(),
        lambda t, x: (t.masked_select(x, x > 2) ** 2).sum(),
        lambda t, x: (t.rot90(x) * t.arange(3.0).unsqueeze(1)).pow(2).sum(),
        lambda t, x: (t.roll(x, 1) ** 2 * t.arange(3.0)).sum(),
    ],
)
def test_double_backward_matches_torch(call):
    """The backward of each declared op is itself differentiable, as in PyTorch."""
    seen = []
    for t in (ref, torch):
        x = t.arange(1.0, 7.0, dtype=t.float64).reshape(2, 3).requires_grad_()
        (g,) = t.autograd.grad(call(t, x), x, create_graph=True)
        (h,) = t.autograd.grad((g * g).sum(), x)
        seen.append((g.tolist(), h.tolist()))
    np.testing.assert_allclose(seen[0][0], seen[1][0])
    np.testing.assert_allclose(seen[0][1], seen[1][1])


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_trace_adds_the_diagonal_in_order_in_its_accumulation_type(dtype):
    """Double for float32, float for the half types, in order: NumPy's trace added float32
    in float32 and differed from torch's in the last bit for more than half of these."""
    rng = np.random.default_rng(5)
    for _ in range(40):
        rows, columns = (int(n) for n in rng.integers(1, 60, 2))
        x = rng.standard_normal((rows, columns)) * 10
        ours, theirs = (
            t.trace(t.tensor(x).to(getattr(t, dtype))).double().item() for t in (ref, torch)
        )
        assert ours == theirs, (rows, columns)
