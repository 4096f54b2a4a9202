"""torch.nn.functional.pad in its four modes, dispatched as PyTorch's _pad_enum does.

- constant: constant_pad_nd, whose gradient is the same op with the widths negated (a negative
  width crops).
- reflect / replicate: reflection_pad{1,2,3}d and replication_pad{1,2,3}d, one kernel each
  with a backward that is itself an op (derivatives.yaml: the backward of the backward pads
  the incoming gradient again, and hands `self` zeros). Each output position reads one input
  position: index i = j - left, reflected about [0, size - 1] or clamped into it; so a
  negative width crops, and the other side still reflects about the original edge.
- circular: PyTorch's _pad_circular is not a kernel but C++ composed of views and copies:
  an empty output, the (cropped) input copied into its middle, then each padded dim's left
  and right bands copied from the far side of the output itself. It is composed the same way
  here, so the graph reads as PyTorch's (CopySlices over SliceBackward0s) and the views and
  copies differentiate it, twice if asked, recording PyTorch's nodes. It wraps modulo the
  *cropped* length, as PyTorch's does.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.devices import array_namespace, scatter_add
from conformance.reference.ops import shape as shape_ops
from conformance.reference.ops.define import formula_op, op
from conformance.reference.tensor import Tensor


@op(
    "ConstantPadNdBackward0",
    self=lambda grad, pad, F: formula_op(F, constant_pad_nd)(grad, tuple(-p for p in pad), 0),
)
def constant_pad_nd(self, pad, value=0):
    """A new array: `pad` = (left, right) pairs from the last dim backwards, a negative width
    cropping. Its gradient is the same op with the widths negated."""
    shape, source, target = list(self.shape), [slice(None)] * self.ndim, [slice(None)] * self.ndim
    for i in range(len(pad) // 2):
        dim = self.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        shape[dim] = self.shape[dim] + left + right
        source[dim] = slice(max(-left, 0), self.shape[dim] - max(-right, 0))
        kept = self.shape[dim] - max(-left, 0) - max(-right, 0)
        target[dim] = slice(max(left, 0), max(left, 0) + kept)
    out = array_namespace(self).full(shape, value, dtype=self.dtype)
    out[tuple(target)] = self[tuple(source)]
    return out


# -- reflection and replication ----------------------------------------------------------------


def _key(self: Any, padding: tuple, kind: str) -> tuple:
    """`self[key]` is the padded array: per padded dim, the input position each output
    position reads (i = j - left, reflected about or clamped into [0, size - 1]), shaped so
    the dims' positions broadcast against each other."""
    xp = array_namespace(self)
    dims = len(padding) // 2
    positions = []
    for k in range(dims):  # the first padded dim first, whose widths come last
        size = self.shape[self.ndim - dims + k]
        left, right = padding[2 * (dims - 1 - k) : 2 * (dims - k)]
        i = xp.arange(-left, size + right)
        if kind == "reflection":
            i = (size - 1) - xp.abs(size - 1 - xp.abs(i))
        else:
            i = xp.clip(i, 0, size - 1)
        place = [1] * dims
        place[k] = -1
        positions.append(i.reshape(place))
    return (Ellipsis, *positions)


def _check_input(name: str, self: Any, padding: tuple, kind: str) -> None:
    """The checks of PyTorch's {reflection,replication}_pad{1,2,3}d kernels, in their order
    and words (the 2-D replication message has its stray space)."""
    dims, shape = len(padding) // 2, list(self.shape)
    batched = len(shape) == dims + 2
    if 0 in (shape[1:] if batched else shape):  # only a batch may be empty
        raise RuntimeError(
            f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with possibly 0 batch size "
            f"and other non-zero dimensions for input, but got: {shape}"
        )
    sizes = shape[-dims:]  # (D,) H, W
    outs = [size + padding[2 * i] + padding[2 * i + 1] for i, size in enumerate(sizes[::-1])]
    outs = outs[::-1]
    if kind == "reflection":
        for i in range(dims):  # W first
            left, right, size = padding[2 * i], padding[2 * i + 1], sizes[-1 - i]
            if not (left < size and right < size):
                raise RuntimeError(
                    f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({left}, {right}) at dimension "
                    f"{len(shape) - 1 - i} of input {shape}"
                )
    if all(out < 1 for out in outs):
        if dims == 1:
            sizes_text, outs_text = f"W: {sizes[0]}", f"W: {outs[0]}"
        elif dims == 2:
            space = " " if kind == "replication" else ""
            sizes_text = f"H: {sizes[0]}, W: {sizes[1]}{space}"
            outs_text = f"H: {outs[0]} W: {outs[1]}"
        else:
            sizes_text = f"D: {sizes[0]} H: {sizes[1]}, W: {sizes[2]}"
            outs_text = f"D: {outs[0]} H: {outs[1]} W: {outs[2]}"
        raise RuntimeError(f"input ({sizes_text}) is too small. Calculated output {outs_text}")
    out_shape = shape[:-dims] + outs
    negative = next((size for size in out_shape if size < 0), None)
    if negative is not None:
        # The reflection 2-D kernel sizes its output another way (and, on an empty batch,
        # returns a tensor with a negative size; this refuses it as well).
        if kind == "reflection" and dims == 2:
            raise RuntimeError("numel: integer multiplication overflow")
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {negative}: {out_shape}"
        )
    if self.dtype == bool:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")


def _declare(kind: str, dims: int) -> tuple:
    """{kind}_pad{dims}d and its backward, as two ops under PyTorch's node names
    (ReflectionPad2DBackward0, ReflectionPad2DBackwardBackward0, ...). The backward saves
    `self` (PyTorch's saves it, for its shape), so an in-place change to the input fails it."""
    name = f"{kind}_pad{dims}d"
    node = f"{kind.capitalize()}Pad{dims}D"

    def forward(self, padding):
        _check_input(name, self, padding, kind)
        return self[_key(self, padding, kind)]

    def backward(grad_output, self, padding):
        """Each output position hands its gradient back to the input position it read,
        positions read twice adding up (in output order, as PyTorch's CPU kernel does)."""
        grad_input = array_namespace(grad_output).zeros(self.shape, grad_output.dtype)
        scatter_add(grad_input, _key(self, padding, kind), grad_output)
        return grad_input

    forward.__name__, backward.__name__ = name, f"{name}_backward"
    padded = op(
        f"{node}Backward0",
        self=lambda grad, self, padding, F: formula_op(F, unpadded)(grad, self, padding),
    )(forward)
    unpadded = op(
        f"{node}BackwardBackward0",
        grad_output=lambda grad, padding, F: formula_op(F, padded)(grad, padding),
        self=lambda grad, F: F.zeros_like(grad),
    )(backward)
    return padded, unpadded


reflection_pad1d, reflection_pad1d_backward = _declare("reflection", 1)
reflection_pad2d, reflection_pad2d_backward = _declare("reflection", 2)
reflection_pad3d, reflection_pad3d_backward = _declare("reflection", 3)
replication_pad1d, replication_pad1d_backward = _declare("replication", 1)
replication_pad2d, replication_pad2d_backward = _declare("replication", 2)
replication_pad3d, replication_pad3d_backward = _declare("replication", 3)

_KERNELS = {
    ("reflect", 1): reflection_pad1d,
    ("reflect", 2): reflection_pad2d,
    ("reflect", 3): reflection_pad3d,
    ("replicate", 1): replication_pad1d,
    ("replicate", 2): replication_pad2d,
    ("replicate", 3): replication_pad3d,
}


# -- circular --------------------------------------------------------------------------------


def _slice(tensor: Tensor, dim: int, start: int, stop: int) -> Tensor:
    """at::slice with bounds already in range: a view, always recorded (SliceBackward0)."""
    return shape_ops.slice_dim(tensor, dim, start, stop, 1)


_OVERLAP = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer "
    "to a single memory location. Please clone() the tensor before performing the operation."
)


def _pad_circular(input: Tensor, pad: tuple) -> Tensor:
    """PyTorch's _pad_circular, step for step. A band wider than the cropped length would copy
    the output onto itself: PyTorch refuses that when the two slices are dense in memory and
    otherwise copies in whatever order its loop runs; this refuses it always."""
    dims = len(pad) // 2
    in_shape = list(input.shape)
    out_shape = list(in_shape)
    for i in range(dims):  # outermost padded dim first
        left, right = pad[2 * (dims - i - 1)], pad[2 * (dims - i - 1) + 1]
        dim = input.ndim - dims + i
        size = in_shape[dim]
        out_shape[dim] = size + left + right
        if not (left <= size and right <= size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if out_shape[dim] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out = input.new_empty(out_shape)
    out_slice, in_slice = out, input
    for i in range(dims):  # the last dim first
        dim, left, right = input.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]
        out_slice = _slice(out_slice, dim, max(left, 0), out_shape[dim] - max(right, 0))
        in_slice = _slice(in_slice, dim, max(-left, 0), in_shape[dim] - max(-right, 0))
    out_slice.copy_(in_slice)
    for i in range(dims):
        dim, left, right = input.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]
        size = out_shape[dim]
        if left > 0:
            start = size - left - max(right, 0)
            if start < left:
                raise RuntimeError(_OVERLAP)
            _slice(out, dim, 0, left).copy_(_slice(out, dim, start, start + left))
        if right > 0:
            if max(left, 0) + right > size - right:
                raise RuntimeError(_OVERLAP)
            start = max(left, 0)
            _slice(out, dim, size - right, size).copy_(_slice(out, dim, start, start + right))
    return out


# -- F.pad -----------------------------------------------------------------------------------


def _check_types(pad: Any) -> tuple:
    if not isinstance(pad, tuple | list):
        raise TypeError(
            f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}"
        )
    for position, width in enumerate(pad):
        if not isinstance(width, int) or isinstance(width, bool):
            raise TypeError(
                "pad(): argument 'pad' (position 2) must be tuple of ints, but found element of "
                f"type {type(width).__name__} at pos {position}"
            )
    return tuple(pad)


def check_crops(input: Tensor, pad: Any) -> None:
    """PyTorch crops negative widths with narrow(), the left side first: narrow's error when a
    dim would go below zero."""
    for i in range(len(pad) // 2):
        size = input.shape[input.ndim - 1 - i]
        for width in pad[2 * i : 2 * i + 2]:
            if width < 0:
                size += width
                if size < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")


_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative widths, crop) the last len(pad) // 2 dims: `pad` lists
    (left, right) widths starting from the last dim. The constant mode pads any number of
    dims; the others pad 1, 2 or 3 dims of an input with one or two more dims (unbatched or
    batched), and take no value but 0."""
    pad = _check_types(pad)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}"
        )
    if mode == "constant":
        check_crops(input, pad)
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    dims = len(pad) // 2
    if not (1 <= dims <= 3 and input.ndim in (dims + 1, dims + 2)):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    if mode == "circular":
        return _pad_circular(input, pad)
    return _KERNELS[mode, dims](input, pad)
