"""torch.nn.utils.rnn: batches of variable-length sequences, padded or packed.

A packed batch keeps the sequences sorted longest first and stores them time step by time
step: `data` holds step 0 of every sequence, then step 1 of those at least two long, and so
on; `batch_sizes[t]` says how many sequences step t has. The recurrent layers read it a step
at a time (recurrent_modules.py).

As in PyTorch, packing is one op with its own node (PackPaddedSequenceBackward0), while
padding is composed: a tensor full of the padding value with the sequences copied into it
(CopySlices), transposed for batch_first. `lengths` and `batch_sizes` are int64 CPU tensors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from conformance.reference.devices import array_namespace
from conformance.reference.ops.define import op
from conformance.reference.tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


def _reference() -> Any:
    from conformance import reference

    return reference


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """A packed batch (see the module docstring). `sorted_indices[i]` is the original position
    of the i-th longest sequence; `unsorted_indices`, its inverse, is derived when not given.
    As PyTorch's, it also takes (data, batch_sizes) as one pair."""

    def __new__(
        cls,
        data: Any,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence"
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """`data.to(...)`; the indices follow data to its device. Returns self when data is
        unchanged."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices, unsorted_indices = (
            None if t is None else t.to(data.device)
            for t in (self.sorted_indices, self.unsorted_indices)
        )
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> PackedSequence:
        return self.to("cuda" if device is None else device)

    def double(self) -> PackedSequence:
        return self.to(dtype=_reference().float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=_reference().float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=_reference().float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=_reference().int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=_reference().int32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse permutation (None stays None): out[permutation[i]] = i."""
    if permutation is None:
        return None
    torch = _reference()
    output = torch.empty_like(permutation)
    return output.scatter_(
        0, permutation, torch.arange(0, permutation.numel(), device=permutation.device)
    )


def _check_lengths(lengths: Tensor) -> None:
    if lengths.ndim != 1 or lengths.device.type != "cpu":
        raise RuntimeError(
            "'lengths' argument should be a 1D CPU int64 tensor, but got "
            f"{lengths.ndim}D {lengths.device} Long tensor"
        )


def _unpack_rows(F: Any, grad: Any, input_shape: tuple, batch_sizes: tuple, batch_first: bool):
    """The gradient of packing (PyTorch's _pack_padded_sequence_backward): zeros of the
    time-major input's shape, each step's rows of `grad` copied back to that step."""
    shape = list(input_shape)
    if batch_first:
        shape[0], shape[1] = shape[1], shape[0]
    padded = F.zeros(tuple(shape), grad)
    offset = 0
    for step, size in enumerate(batch_sizes):
        padded[step, :size] = grad[offset : offset + size]
        offset += size
    return F.transpose(padded, 0, 1) if batch_first else padded


@op(
    "PackPaddedSequenceBackward0",
    input=lambda grad, input_shape, batch_sizes, batch_first, F: _unpack_rows(
        F, grad, input_shape, batch_sizes, batch_first
    ),
)
def _pack_rows(input, batch_sizes, batch_first):
    """Step t's first batch_sizes[t] rows, every step's one after another. A length beyond the
    padded time dimension packs nothing for the missing steps, as PyTorch's slicing does."""
    xp = array_namespace(input)
    if batch_first:
        input = input.swapaxes(0, 1)
    rest = input.shape[2:]
    steps = [input[t : t + 1, :size].reshape((-1, *rest)) for t, size in enumerate(batch_sizes)]
    return xp.ascontiguousarray(xp.concatenate(steps))


def _pack_padded_sequence(input: Tensor, lengths: Tensor, batch_first: bool) -> tuple:
    """PyTorch's _pack_padded_sequence: its checks in its order, then (data, batch_sizes)."""
    torch = _reference()
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    _check_lengths(lengths)
    batch_size = input.size(0 if batch_first else 1)
    if lengths.shape[0] != batch_size:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.shape[0]} "
            f"(batch_size={batch_size})"
        )
    sizes = lengths.tolist()
    if sizes[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in "
            "'lengths' that is <= 0"
        )
    if any(a < b for a, b in zip(sizes, sizes[1:], strict=False)):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
            "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
            "pack_sequence to sidestep this requirement if you do not need ONNX exportability."
        )
    batch_sizes = tuple(sum(1 for n in sizes if n > t) for t in range(sizes[0]))
    data = _pack_rows(input, batch_sizes, batch_first)
    # ATen makes the sizes on the CPU whatever the default device is.
    return data, torch.tensor(batch_sizes, dtype=torch.int64, device="cpu")


def pack_padded_sequence(
    input: Tensor,
    lengths: Tensor | list,
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded (T, B, *) batch ((B, T, *) with batch_first) of the given lengths.

    With enforce_sorted=False the batch is first sorted longest first (a stable sort, so equal
    lengths keep their order) through index_select, and the PackedSequence keeps the
    permutation; otherwise the lengths must already be decreasing."""
    torch = _reference()
    if not isinstance(lengths, Tensor):
        lengths = torch.as_tensor(lengths, dtype=torch.int64, device="cpu")
    else:
        lengths = lengths.to(dtype=torch.int64)
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = torch.sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack_padded_sequence(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _pad_packed_sequence(
    data: Tensor, batch_sizes: Tensor, batch_first: bool, padding_value: float, length: int
) -> tuple:
    """PyTorch's _pad_packed_sequence, composed as its C++ is: each run of steps with the same
    batch size is one block of `data`, viewed as (steps, batch, *) and copied into a tensor
    full of `padding_value`. Returns (padded, lengths) in the packed (sorted) order."""
    torch = _reference()
    sizes = batch_sizes.tolist()
    rest = tuple(data.shape[1:])
    output = torch.full(
        (length, sizes[0], *rest), padding_value, dtype=data.dtype, device=data.device
    )
    offset, start = 0, 0
    for stop in range(1, len(sizes) + 1):
        if stop == len(sizes) or sizes[stop] != sizes[start]:
            size, steps = sizes[start], stop - start
            block = data[offset : offset + steps * size].view(steps, size, *rest)
            output[start:stop, :size].copy_(block)
            offset += steps * size
            start = stop
    lengths = [sum(1 for s in sizes if s > b) for b in range(sizes[0])]
    if batch_first:
        output = output.transpose(0, 1)
    return output, torch.tensor(lengths, dtype=torch.int64, device="cpu")


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple:
    """(padded, lengths), the inverse of pack_padded_sequence, in the batch's original order
    (index_select by unsorted_indices). total_length pads the time dimension further."""
    length = sequence.batch_sizes.shape[0]
    if total_length is not None:
        if total_length < length:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{length}"
            )
        length = total_length
    padded, lengths = _pad_packed_sequence(
        sequence.data, sequence.batch_sizes, batch_first, padding_value, length
    )
    unsorted = sequence.unsorted_indices
    if unsorted is None:
        return padded, lengths
    return padded.index_select(0 if batch_first else 1, unsorted), lengths[unsorted.cpu()]


def pad_sequence(
    sequences: Any,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack (L_i, *) sequences into (T, B, *) ((B, T, *) with batch_first), T the longest
    length, padding on the right or the left. As PyTorch's, the result has the first
    sequence's dtype, device and trailing shape: the others are copied in (cast, and
    broadcast where they can be)."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            "pad_sequence: Expected iterable for input sequences, but got arg of type: "
            f"{type(sequences)}"
        )
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    first = sequences[0]
    if first.ndim == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    longest = max(s.size(0) for s in sequences)
    batch = (len(sequences), longest) if batch_first else (longest, len(sequences))
    out = _reference().full(
        (*batch, *first.shape[1:]), padding_value, dtype=first.dtype, device=first.device
    )
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    for i, seq in enumerate(sequences):
        n = seq.size(0)
        start = longest - n if padding_side == "left" else 0
        if batch_first:
            out.select(0, i).narrow(0, start, n).copy_(seq)
        else:
            out.narrow(0, start, n).select(1, i).copy_(seq)
    return out


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """The sequences of a padded batch, each cut to its length (IndexBackward0: a boolean mask
    of the time steps). As PyTorch's, a time-major batch is transposed in place, so the
    caller's tensor comes back batch-first; the pieces are cut from a transposed view taken
    before, so their history does not depend on how transpose_ records itself."""
    torch = _reference()
    batch_major = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    steps = torch.arange(batch_major.shape[1], device=lengths.device)
    pieces = [seq[steps < n] for seq, n in zip(batch_major, lengths, strict=True)]
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    return pieces


def pack_sequence(sequences: list, enforce_sorted: bool = True) -> PackedSequence:
    """pad_sequence, then pack_padded_sequence with the sequences' lengths."""
    lengths = _reference().as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The packed sequences as a list, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
