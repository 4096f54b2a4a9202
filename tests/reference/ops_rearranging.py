"""Rows of test_op_gradients.py's table for ops that rearrange elements (conformance/reference/ops/rearranging.py,
splits_and_stacks.py, rolls_and_tiles.py and picking.py).

The rows return the op's own output (no trailing arithmetic), so the grad_fn compared with
PyTorch's is the op's: TransposeBackward0 for swapaxes, PermuteBackward0 for movedim,
CatBackward0 for hstack, ViewBackward0 for repeat_interleave with an int, and so on.
"""

from __future__ import annotations

from opcase import OpCase

CASES: list[OpCase] = [
    # views
    OpCase("swapaxes", lambda t, a: t.swapaxes(a, 0, 2), [(2, 3, 4)]),
    OpCase("swapdims", lambda t, a: a.swapdims(-1, 0), [(2, 3)]),
    OpCase("movedim", lambda t, a: t.movedim(a, (0, 1), (2, 0)), [(2, 3, 4)]),
    OpCase("moveaxis", lambda t, a: a.moveaxis(0, -1), [(2, 3)]),
    OpCase("unflatten", lambda t, a: a.unflatten(1, (2, -1)), [(2, 6)]),
    OpCase("broadcast-to", lambda t, a: t.broadcast_to(a, (2, 3, 4)), [(3, 1)]),
    OpCase(
        "broadcast-tensors",
        lambda t, a, b: t.mul(*t.broadcast_tensors(a, b)),
        [(3, 1), (4,)],
    ),
    OpCase("diagonal", lambda t, a: t.diagonal(a, 1), [(3, 4)]),
    OpCase("diagonal-dims", lambda t, a: a.diagonal(-1, 2, 0), [(3, 2, 4)]),
    OpCase("tensor-split", lambda t, a: t.tensor_split(a, [1, 3], 1)[1], [(2, 5)]),
    OpCase("tensor-split-sections", lambda t, a: a.tensor_split(3)[0], [(5, 2)]),
    # joins
    OpCase("hstack", lambda t, a, b: t.hstack([a, b]), [(2,), (3,)]),
    OpCase("vstack", lambda t, a, b: t.vstack([a, b]), [(3,), (2, 3)]),
    OpCase("dstack", lambda t, a, b: t.dstack([a, b]), [(2, 2), (2, 2, 1)]),
    OpCase("column-stack", lambda t, a, b: t.column_stack([a, b]), [(3,), (3, 2)]),
    # triangles and diagonals
    OpCase("tril", lambda t, a: t.tril(a, -1), [(3, 4)]),
    OpCase("triu-batched", lambda t, a: a.triu(1), [(2, 3, 3)]),
    OpCase("diag-vector", lambda t, a: t.diag(a, 1), [(3,)]),
    OpCase("diag-matrix", lambda t, a: t.diag(a, -1), [(3, 4)]),
    OpCase("diag-embed", lambda t, a: t.diag_embed(a, 1, 0, 2), [(2, 3)]),
    OpCase("diagflat", lambda t, a: t.diagflat(a), [(2, 2)]),
    OpCase("trace", lambda t, a: t.trace(a), [(3, 4)]),
    # rolls, flips, rotations, repeats
    OpCase("roll", lambda t, a: t.roll(a, (1, -2), (0, 1)), [(3, 4)]),
    OpCase("roll-flattened", lambda t, a: a.roll(2), [(2, 3)]),
    OpCase("fliplr", lambda t, a: t.fliplr(a), [(2, 3)]),
    OpCase("flipud", lambda t, a: a.flipud(), [(3, 2)]),
    OpCase("rot90", lambda t, a: t.rot90(a, 1, (0, 2)), [(2, 3, 4)]),
    OpCase("rot90-twice", lambda t, a: a.rot90(2), [(2, 3)]),
    OpCase("rot90-backwards", lambda t, a: a.rot90(-1, (1, 0)), [(2, 3)]),
    OpCase("tile", lambda t, a: t.tile(a, (2, 1, 3)), [(2, 3)]),
    OpCase("repeat-interleave", lambda t, a: a.repeat_interleave(2), [(2, 3)]),
    OpCase("repeat-interleave-dim", lambda t, a: t.repeat_interleave(a, 3, 1), [(2, 2)]),
    OpCase(
        "repeat-interleave-tensor",
        lambda t, a: a.repeat_interleave(t.tensor([2, 0, 1]), dim=1),
        [(2, 3)],
    ),
    OpCase("atleast-3d", lambda t, a: t.atleast_3d(a), [(3,)]),
    # picking elements
    OpCase("take", lambda t, a: t.take(a, t.tensor([[0, 5], [5, -1]])), [(2, 3)]),
    OpCase("take-along-dim", lambda t, a: t.take_along_dim(a, t.tensor([[0], [2]]), 1), [(2, 3)]),
    OpCase(
        "take-along-dim-broadcast",
        lambda t, a: t.take_along_dim(a, t.tensor([[0, 1, 0, 2]]), 0),
        [(3, 1)],
    ),
    OpCase(
        "take-along-dim-flattened", lambda t, a: a.take_along_dim(t.tensor([4, 4, 1])), [(2, 3)]
    ),
    OpCase("masked-select", lambda t, a: t.masked_select(a, a > 0), [(3, 2)]),
    OpCase(
        "masked-select-broadcast",
        lambda t, a: a.masked_select(t.tensor([[True], [False], [True]])),
        [(4,)],
    ),
]
