"""torch.nn.utils.rnn against torch: packing and padding values, orders and node names, the
PackedSequence type, and torch's errors for misuse."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as torch_rnn

import conformance.reference as ref
from conformance.reference.nn.utils import rnn as ref_rnn


def _same(f):
    """f(torch, rnn) and f(ref, rnn) agree: values, dtypes and grad_fn names of every tensor in
    the result, or the error's type and message."""
    outcomes = []
    for t, rnn in ((torch, torch_rnn), (ref, ref_rnn)):
        try:
            outcomes.append(_observe(f(t, rnn)))
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            outcomes.append((type(exc).__name__, str(exc)))
    assert outcomes[1] == outcomes[0]
    return outcomes[0]


def _observe(value):
    if isinstance(value, (tuple, list)):
        return type(value).__name__, [_observe(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    grad_fn = None if value.grad_fn is None else type(value.grad_fn).__name__
    return (
        value.detach().numpy().tolist(),
        str(value.dtype),
        str(value.device),
        tuple(value.shape),
        grad_fn,
    )


def _x(t, shape=(4, 3, 2), dtype=None):
    values = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 7 - 1
    return t.tensor(values, dtype=dtype or t.float64, requires_grad=True)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(
    "lengths, enforce_sorted",
    [([4, 2, 1], True), ([2, 4, 1], False), ([3, 3, 3], True), ([1, 4, 4], False)],
)
def test_pack_then_pad_round_trip(batch_first, lengths, enforce_sorted):
    """The PackedSequence's four fields, then the padded batch and lengths in the original
    order, with torch's nodes (PackPaddedSequenceBackward0, CopySlices, TransposeBackward0,
    IndexSelectBackward0)."""

    def run(t, rnn):
        x = _x(t, (3, 4, 2) if batch_first else (4, 3, 2))
        packed = rnn.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
        padded = rnn.pad_packed_sequence(packed, batch_first, padding_value=-2.0, total_length=6)
        return (*packed, *padded)

    _same(run)


def test_pad_packed_sequence_is_a_transposed_view_when_batch_first():
    for t, rnn in ((torch, torch_rnn), (ref, ref_rnn)):
        packed = rnn.pack_padded_sequence(_x(t), [4, 2, 1])
        out, _ = rnn.pad_packed_sequence(packed, batch_first=True)
        assert out._base is not None
        assert type(out.grad_fn).__name__ == "TransposeBackward0"
        assert not out.is_contiguous()


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float16", "float32"])
def test_packing_keeps_the_dtype(dtype):
    def run(t, rnn):
        x = t.tensor([[1, 0, 1], [2, 0, 0]]).to(getattr(t, dtype))
        packed = rnn.pack_padded_sequence(x, [2, 1, 1])
        return (*packed, *rnn.pad_packed_sequence(packed, padding_value=1))

    _same(run)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"batch_first": True},
        {"padding_value": -1.5},
        {"batch_first": True, "padding_side": "left"},
    ],
)
def test_pad_sequence(kwargs):
    _same(lambda t, rnn: rnn.pad_sequence([_x(t, (2, 3)), _x(t, (4, 3)), _x(t, (1, 3))], **kwargs))


def test_pad_sequence_takes_the_first_sequences_dtype_and_broadcasts():
    _same(lambda t, rnn: rnn.pad_sequence([t.ones(2, 3).int(), t.ones(3, 3)], padding_value=1.5))
    _same(lambda t, rnn: rnn.pad_sequence([t.ones(2, 3), t.ones(3, 1).double()]))
    _same(lambda t, rnn: rnn.pad_sequence(t.ones(3, 2)))
    _same(lambda t, rnn: rnn.pad_sequence([t.ones(0, 2), t.ones(0, 2)]))


def test_pack_sequence_and_unpack_sequence():
    def run(t, rnn):
        seqs = [_x(t, (2, 2)), _x(t, (3, 2)), _x(t, (1, 2))]
        packed = rnn.pack_sequence(seqs, enforce_sorted=False)
        return (*packed, rnn.unpack_sequence(packed))

    _same(run)


def test_unpad_sequence_transposes_a_time_major_batch_in_place():
    def run(t, rnn):
        padded = _x(t, (3, 2)) * 1
        pieces = rnn.unpad_sequence(padded, t.tensor([3, 1]))
        return (pieces, tuple(padded.shape))

    _same(run)

    def gradient(t, rnn):
        x = _x(t, (3, 2))
        pieces = rnn.unpad_sequence(x * 1, t.tensor([3, 1]))
        (pieces[0] * t.tensor([1.0, 2.0, 3.0], dtype=t.float64)).sum().backward()
        return x.grad

    _same(gradient)


def test_unpad_sequence_refuses_a_time_major_leaf_that_requires_grad():
    _same(lambda t, rnn: rnn.unpad_sequence(_x(t, (3, 2)), t.tensor([3, 1])))


def test_packed_sequence_type():
    def run(t, rnn):
        data, sizes = t.tensor([1.0, 2.0, 3.0]), t.tensor([2, 1])
        a = rnn.PackedSequence(data, sizes, t.tensor([1, 0]))
        b = rnn.PackedSequence((data, sizes))
        c = a.double()
        return (
            a.unsorted_indices,
            b.sorted_indices,
            tuple(b),
            c.data,
            c.sorted_indices,
            a.to(t.float32) is a,
            a.is_cuda,
            isinstance(a, tuple),
            a._fields,
            rnn.invert_permutation(t.tensor([2, 0, 1])),
        )

    _same(run)
    _same(lambda t, rnn: rnn.PackedSequence(t.ones(3)))


def test_packed_sequence_repr():
    _same(lambda t, rnn: repr(rnn.pack_sequence([t.tensor([1, 2, 3]), t.tensor([4])])))


@pytest.mark.parametrize(
    "call",
    [
        lambda t, rnn: rnn.pack_padded_sequence(_x(t), [2, 4, 1]),
        lambda t, rnn: rnn.pack_padded_sequence(_x(t), [4, 2]),
        lambda t, rnn: rnn.pack_padded_sequence(_x(t), [4, 2, 0]),
        lambda t, rnn: rnn.pack_padded_sequence(_x(t), [2, 4, 0], enforce_sorted=False),
        lambda t, rnn: rnn.pack_padded_sequence(_x(t), t.tensor([[4, 2, 1]])),
        lambda t, rnn: rnn.pack_padded_sequence(t.zeros(0, 3, 2), [4, 2, 1]),
        lambda t, rnn: rnn.pack_padded_sequence(t.zeros(4), [4]),
        lambda t, rnn: rnn.pad_packed_sequence(rnn.pack_sequence([t.ones(3)]), total_length=2),
        lambda t, rnn: rnn.pad_sequence([]),
        lambda t, rnn: rnn.pad_sequence(3),
        lambda t, rnn: rnn.pad_sequence([t.ones(2, 3), t.ones(3, 2)]),
        lambda t, rnn: rnn.pad_sequence([t.tensor(1.0), t.ones(3)]),
        lambda t, rnn: rnn.pad_sequence([t.ones(3), t.tensor(1.0)]),
        lambda t, rnn: rnn.pad_sequence([t.ones(3)], padding_side="middle"),
        lambda t, rnn: rnn.pack_sequence([t.ones(2), t.ones(3)]),
    ],
)
def test_errors(call):
    assert _same(call)[0] in ("RuntimeError", "ValueError", "IndexError")


def test_lengths_tensor_is_converted_to_int64():
    _same(lambda t, rnn: tuple(rnn.pack_padded_sequence(_x(t), t.tensor([4.0, 2.5, 1.0]))))


def test_nn_utils_rnn_is_importable_as_in_torch():
    from conformance.reference.nn.utils.rnn import pack_padded_sequence

    assert ref.nn.utils.rnn.pack_padded_sequence is pack_padded_sequence
    assert ref.nn.utils.rnn.PackedSequence is ref_rnn.PackedSequence
