"""Rows of test_op_gradients.py's table for the recurrent ops: the padding and packing of
torch.nn.utils.rnn (PackPaddedSequenceBackward0, and the CopySlices, IndexSelectBackward0 and
IndexBackward0 that padding and unpadding are composed of)."""

from __future__ import annotations

from opcase import OpCase


def _rnn(t):
    return t.nn.utils.rnn


CASES: list[OpCase] = [
    OpCase(
        "pack-padded-sequence",
        lambda t, a: _rnn(t).pack_padded_sequence(a, [3, 2, 2, 1]).data,
        [(3, 4, 2)],
    ),
    OpCase(
        "pack-padded-sequence-unsorted-batch-first",
        lambda t, a: (
            _rnn(t)
            .pack_padded_sequence(a, t.tensor([1, 3, 2]), batch_first=True, enforce_sorted=False)
            .data
        ),
        [(3, 3, 2)],
    ),
    OpCase(
        "pad-packed-sequence",
        lambda t, a: _rnn(t).pad_packed_sequence(
            _rnn(t).pack_padded_sequence(a, [3, 1]), padding_value=0.5, total_length=4
        )[0],
        [(3, 2)],
    ),
    OpCase(
        "pad-packed-sequence-unsorted-batch-first",
        lambda t, a: _rnn(t).pad_packed_sequence(
            _rnn(t).pack_padded_sequence(a, [2, 3, 3], batch_first=True, enforce_sorted=False),
            batch_first=True,
        )[0],
        [(3, 3, 2)],
    ),
    OpCase(
        "pad-sequence",
        lambda t, a, b, c: _rnn(t).pad_sequence([a, b, c], padding_value=-1.0),
        [(2, 3), (4, 3), (1, 3)],
    ),
    OpCase(
        "pad-sequence-batch-first-left",
        lambda t, a, b: _rnn(t).pad_sequence([a, b], batch_first=True, padding_side="left"),
        [(1,), (3,)],
    ),
    OpCase(
        "pack-sequence-unsorted",
        lambda t, a, b: _rnn(t).pack_sequence([a, b], enforce_sorted=False).data,
        [(2, 2), (3, 2)],
    ),
    OpCase(
        "unpack-sequence",
        lambda t, a, b: _rnn(t).unpack_sequence(_rnn(t).pack_sequence([a, b]))[1] * 1.5,
        [(3, 2), (2, 2)],
    ),
]
