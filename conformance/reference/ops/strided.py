"""Views by explicit strides: as_strided, Tensor.unfold, and the other stride-level views,
sharing storage and version counter, with PyTorch's checks and derivatives."""

from __future__ import annotations

import math

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace, placement
from conformance.reference.ops import (
    complex_parts,
    creation,
    gathering,
    joins,
    scalar_overloads,
    selection,
    shape,
)
from conformance.reference.ops.argument_errors import invalid_arguments, need_tensor
from conformance.reference.ops.define import check_same_device, formula_op, op, view_op
from conformance.reference.ops.shape import existing_dim, wrap_dim
from conformance.reference.tensor import Tensor, _address, _owner
from conformance.reference.warn_once import warn_once

__all__ = [
    "as_strided",
    "is_signed",
    "expand_copy",
    "asarray",
    "argwhere",
    "block_diag",
    "unique_consecutive",
    "trapezoid",
    "trapz",
    "cumulative_trapezoid",
]


def _storage(array):
    """(flat, start): the whole storage behind `array` as a 1-D array of its dtype, and the
    element where `array` begins in it. as_strided addresses the storage, not the tensor."""
    owner = _owner(array)
    if owner.dtype != array.dtype:  # memory NumPy handed over under another dtype
        owner = array
    xp = array_namespace(array)
    flat = xp.lib.stride_tricks.as_strided(
        owner, (owner.nbytes // array.itemsize,), (array.itemsize,)
    )
    return flat, (_address(array) - _address(owner)) // array.itemsize


def _positions(xp, size, stride, offset):
    """The storage position of every element of a tensor laid out by (size, stride, offset)."""
    positions = xp.full(tuple(size), offset, dtype=np.int64)
    for dim, (n, step) in enumerate(zip(size, stride, strict=True)):
        shape = [1] * len(size)
        shape[dim] = n
        positions += (xp.arange(n, dtype=np.int64) * step).reshape(shape)
    return positions


def _scatter_add(xp, positions, values, length):
    """A storage of `length` elements, each the sum of the values at its positions."""
    flat = positions.reshape(-1)
    if values.dtype.kind == "c":
        real = _scatter_add(xp, positions, values.real, length)
        return real + 1j * _scatter_add(xp, positions, values.imag, length)
    weights = values.reshape(-1).astype(np.float64)
    return xp.bincount(flat, weights=weights, minlength=length).astype(values.dtype)


def _storage_maps(xp, geometry, size, stride, storage_offset):
    """Both layouts' storage positions, shifted to start at 0, and the storage's length."""
    inputs = _positions(xp, *geometry)
    outputs = _positions(xp, size, stride, storage_offset)
    filled = [p for p in (inputs, outputs) if p.size]
    low = min((int(p.min()) for p in filled), default=0)
    high = max((int(p.max()) for p in filled), default=0)
    return inputs - low, outputs - low, high - low + 1


def _aliases(xp, inputs, length, dtype):
    """How many input elements share each input element's storage (more than 1 where the
    input was expanded), or None when none share."""
    counts = xp.bincount(inputs.reshape(-1), minlength=length)
    if inputs.size == 0 or int(counts.max()) <= 1:
        return None
    return counts[inputs].astype(dtype)


def as_strided_backward(grad, geometry, size, stride, storage_offset):
    """PyTorch's as_strided_backward on arrays: the output's gradient added up per storage
    element (windows that overlap accumulate), then read back at the input's elements;
    storage the input does not cover gets nothing, and an element the input holds k times
    (expand) gets 1/k of it at each."""
    xp = array_namespace(grad)
    inputs, outputs, length = _storage_maps(xp, geometry, size, stride, storage_offset)
    result = _scatter_add(xp, outputs, grad, length)[inputs]
    counts = _aliases(xp, inputs, length, grad.dtype)
    return result if counts is None else result / counts


def _maybe_overlapping(sizes, strides):
    """Whether a layout (without its size-1 dims) may address one element twice, as PyTorch's
    _maybe_overlapping_memory decides it: by strides in increasing order, each must step past
    everything the smaller ones reach."""
    reach = 0
    for i in sorted(range(len(sizes)), key=lambda i: strides[i]):
        if strides[i] <= reach:
            return True
        reach += strides[i] * (sizes[i] - 1)
    return False


def _min_storage_size(sizes, strides, offset):
    for n, step in zip(sizes, strides, strict=True):
        if n == 0:
            return offset
        offset += (n - 1) * step
    return offset + 1


def _as_strided_backward_recorded(grad, geometry, size, stride, storage_offset):
    """as_strided_backward under create_graph, op for op as FunctionsManual writes it, so the
    nodes are PyTorch's: the gradient's size-1 dims squeezed and its expanded dims summed,
    written into a zero storage through an as_strided view of it (CopySlices) or, where the
    output's windows overlap, index_add_ed into it; divided in place by how many times the
    input holds each element (where it overlaps itself); viewed with the input's geometry."""
    from conformance import reference as torch

    in_sizes, in_strides, in_offset = geometry
    zeros = lambda: torch.zeros(in_sizes, dtype=grad.dtype, device=grad.device)  # noqa: E731
    out_sizes, out_strides = [], []
    for i in reversed(range(grad.ndim)):
        if size[i] == 0:
            return zeros()
        if size[i] == 1:
            grad = grad.squeeze(i)
        elif stride[i] == 0:
            grad = grad.sum(i)
        else:
            out_sizes.insert(0, size[i])
            out_strides.insert(0, stride[i])
    if 0 in in_sizes:
        return zeros()
    kept = [i for i, n in enumerate(in_sizes) if n != 1]
    sizes_, strides_ = [in_sizes[i] for i in kept], [in_strides[i] for i in kept]
    out_overlap = _maybe_overlapping(out_sizes, out_strides)
    in_overlap = _maybe_overlapping(sizes_, strides_)
    shared = min(in_offset, storage_offset)
    in_start, out_start = in_offset - shared, storage_offset - shared
    length = max(
        _min_storage_size(sizes_, strides_, in_start),
        _min_storage_size(out_sizes, out_strides, out_start),
    )
    storage = grad.new_zeros(length)
    if in_overlap or out_overlap:
        positions = torch.arange(0, length, dtype=torch.int64, device=grad.device)
    if out_overlap:
        where = positions.as_strided(out_sizes, out_strides, out_start).reshape(-1)
        storage.index_add_(0, where, grad.reshape(-1))
    else:
        storage.as_strided(out_sizes, out_strides, out_start).copy_(grad)
    if in_overlap:
        count = torch.zeros_like(storage)
        where = positions.as_strided(sizes_, strides_, in_start).reshape(-1)
        count.index_add_(
            0, where, torch.ones(1, dtype=grad.dtype, device=grad.device).expand_as(where)
        )
        storage.div_(count)  # NaN outside the input, which the view below does not read
    return storage.as_strided(in_sizes, in_strides, in_start)


def _as_strided_grad(grad, geometry, size, stride, storage_offset, F):
    if F.records_graph:
        return _as_strided_backward_recorded(grad, geometry, size, stride, storage_offset)
    return as_strided_backward(grad, geometry, size, stride, storage_offset)


@view_op("AsStridedBackward0", self=_as_strided_grad)
def as_strided_view(self, size, stride, storage_offset, geometry):
    """The elements at storage_offset + sum(index * stride) of self's storage. `geometry` is
    self's (size, stride, storage offset): the offset is counted from self's own start, so
    replaying this view on a copy of its base (CopySlices) lands where it did on the base."""
    flat, start = _storage(self)
    begin = start + storage_offset - geometry[2]
    xp = array_namespace(self)
    return xp.lib.stride_tricks.as_strided(
        flat[begin:], size, tuple(s * self.itemsize for s in stride)
    )


def _int_tuple(value, name, position):
    if not isinstance(value, tuple | list) and not hasattr(value, "__len__"):
        raise TypeError(
            f"as_strided(): argument '{name}' (position {position}) must be tuple of ints, "
            f"not {type(value).__name__}"
        )
    for i, item in enumerate(value):
        if not isinstance(item, int | np.integer) or isinstance(item, bool):
            raise TypeError(
                f"as_strided(): argument '{name}' (position {position}) must be tuple of ints, "
                f"but found element of type {type(item).__name__} at pos {i}"
            )
    return tuple(int(v) for v in value)


def as_strided(input, size, stride, storage_offset=None):
    """A view of input's storage with any sizes and strides. PyTorch checks the storage
    bounds only for a view with elements; an offset counts from the storage's start, and
    defaults to input's own."""
    size, stride = _int_tuple(size, "size", 1), _int_tuple(stride, "stride", 2)
    if storage_offset is None:
        storage_offset = input.storage_offset()
    elif not isinstance(storage_offset, int | np.integer) or isinstance(storage_offset, bool):
        raise TypeError(
            "as_strided(): argument 'storage_offset' (position 3) must be int, not "
            f"{type(storage_offset).__name__}"
        )
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: "
            f"{list(stride)}"
        )
    if 0 not in size:
        if any(n < 0 and s > 0 for n, s in zip(size, stride, strict=True)):
            raise RuntimeError(
                f"Storage size calculation overflowed with sizes={list(size)} and "
                f"strides={list(stride)}"
            )
        itemsize = input.itemsize
        needed = itemsize * (1 + sum((n - 1) * s for n, s in zip(size, stride, strict=True)))
        needed += storage_offset * itemsize
        available = input.untyped_storage().nbytes()
        if needed > available:
            raise RuntimeError(
                f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                f"{storage_offset}, and itemsize {itemsize} requiring a storage size of {needed} "
                f"are out of bounds for storage of size {available}"
            )
    if storage_offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    if any(n < 0 for n in size):
        raise RuntimeError("numel: integer multiplication overflow")
    geometry = (tuple(input.shape), input.stride(), input.storage_offset())
    return as_strided_view(input, size, stride, storage_offset, geometry)


@op(
    "UnfoldBackwardBackward0",
    grad=lambda grad, dimension, size, step, F: formula_op(F, unfold_view)(
        grad, dimension, size, step
    ),
)
def unfold_backward(grad, input_shape, dimension, size, step):
    """Each window's gradient added back where the window came from (windows that overlap,
    step < size, accumulate): one strided add per position within a window."""
    xp = array_namespace(grad)
    if not input_shape:  # a 0-dim input unfolds to one window of size 0 or 1
        return grad.sum(-1).reshape(())
    out = xp.zeros(input_shape, grad.dtype)
    windows = grad.shape[dimension]
    for k in range(size):
        key = (slice(None),) * dimension + (slice(k, k + step * (windows - 1) + 1, step),)
        out[key] += grad[..., k]
    return out


@view_op(
    "UnfoldBackward0",
    self=lambda grad, self_shape, dimension, size, step, F: formula_op(F, unfold_backward)(
        grad, self_shape, dimension, size, step
    ),
)
def unfold_view(self, dimension, size, step):
    """Windows of `size` every `step` along `dimension`, in a new last dimension: the
    window's dimension steps `step` elements, the new one steps as the old dimension did."""
    xp = array_namespace(self)
    if self.ndim == 0:
        return xp.lib.stride_tricks.as_strided(self, (size,), (self.itemsize,))
    shape = list(self.shape)
    strides = list(self.strides)
    shape[dimension] = (shape[dimension] - size) // step + 1
    strides[dimension] = self.strides[dimension] * step
    return xp.lib.stride_tricks.as_strided(
        self, (*shape, size), (*strides, self.strides[dimension])
    )


def unfold(input, dimension, size, step):
    """Tensor.unfold: a view (there is no torch.unfold)."""
    dimension = wrap_dim(dimension, input.ndim)
    length = input.shape[dimension] if input.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(
            f"maximum size for tensor at dimension {dimension} is {length} but size is {size}"
        )
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return unfold_view(input, dimension, size, step)


# -- Tensor basics -----------------------------------------------------------------------------


def is_signed(input):
    """Whether the dtype holds negative numbers: every dtype but bool and uint8."""
    return input._dtype.is_signed


def _conjugate_transpose(self):
    """x.H: the conjugate transpose of a matrix (a plain transpose for real dtypes); a 0-D
    tensor is returned itself, with a warning once per process."""
    if self.ndim == 0:
        warn_once("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().")
        return self
    if self.ndim != 2:
        hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor."
            + hint
        )
    return shape.transpose(self, 0, 1)


def _adjoint(self):
    """x.mH: the conjugate transpose of the last two dimensions (x.mT for real dtypes)."""
    return complex_parts.conjugate_transpose(
        self, "mH", "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj()."
    )


def _isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    from conformance import reference

    need_tensor("isclose", "other", 1, other)
    return reference.isclose(self, other, rtol, atol, equal_nan)


def _allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    from conformance import reference

    need_tensor("allclose", "other", 1, other)
    return reference.allclose(self, other, rtol, atol, equal_nan)


def _where(self, condition, other):
    """x.where(condition, y) is torch.where(condition, x, y)."""
    return selection.where(condition, self, other)


@op("ExpandBackward0_copy", self=lambda grad, self_shape, F: F.sum_to(grad, self_shape))
def expand_copy_values(self, size):
    return shape.expand_shape.forward(self, size).copy()


def expand_copy(input, size, *, implicit=False):
    """expand() into new memory: the same checks, a row-major copy, its own node."""
    return expand_copy_values(input, tuple(size))


# -- creation and selection -------------------------------------------------------------------

_ASARRAY_GRAD_WARNING = (
    "torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead of "
    "False. Pass requires_grad=False explicitly to get the old behavior and silence this "
    "warning."
)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """A tensor from `obj` that aliases a tensor or NumPy array when it can: copy=None copies
    only to change dtype or device, copy=False refuses to. A tensor given back as itself gets
    requires_grad set on it (an unspecified requires_grad follows obj's since 2.13, with a
    warning); a non-leaf that must not require grad is detached."""
    tensor = obj if isinstance(obj, Tensor) else None
    wants_grad = requires_grad
    if wants_grad is None:
        wants_grad = tensor is not None and tensor.requires_grad
        if wants_grad:
            warn_once(_ASARRAY_GRAD_WARNING)
    if isinstance(obj, np.generic):
        if copy is False:
            raise RuntimeError(
                "can't alias NumPy scalars. Either remove copy=False or transform it in a ndarray. "
            )
        tensor, copy = creation.from_numpy(np.array(obj)), None
    elif isinstance(obj, np.ndarray):
        tensor = creation.from_numpy(obj)
    if tensor is None:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        tensor = creation.tensor(obj, dtype=dtype, device=device)
        _set_requires_grad(tensor, wants_grad)
        return tensor
    wrong_device = device is not None and placement(device) != tensor._device
    wrong_dtype = dtype is not None and dtype is not tensor._dtype
    if copy or copy is None and (wrong_device or wrong_dtype):
        if wrong_device or wrong_dtype:
            tensor = tensor.to(device or tensor._device, dtype or tensor._dtype, copy=bool(copy))
        else:
            tensor = tensor.clone()
    elif wrong_device:
        raise ValueError(f"can't alias tensor from device '{tensor.device}' to '{device}'.")
    elif wrong_dtype:
        raise ValueError(
            f"can't alias tensor with dtype '{dtypes.scalar_type_name(tensor._dtype)}' into "
            f"dtype '{dtypes.scalar_type_name(dtype)}'."
        )
    if tensor.grad_fn is not None and not wants_grad:
        return tensor.detach()
    _set_requires_grad(tensor, wants_grad)
    return tensor


def _set_requires_grad(tensor, flag):
    if flag and tensor._dtype.category < dtypes.FLOATING:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    if tensor.grad_fn is None:
        tensor.requires_grad = flag


def argwhere(input):
    """The indices of the nonzero elements, one row each: nonzero(input), laid out as
    PyTorch lays it out (column-major: strides (1, n))."""
    indices = gathering.nonzero(input)
    data = shape.copy_with_strides(indices._data, (1, indices._data.shape[0]))
    return Tensor._wrap(data, indices._dtype, indices._device)


class BlockDiagBackward0(joins._JoinBackward):
    """part: the (row, column) where an input's block starts in the result."""

    __slots__ = ()
    __module__ = "torch"

    def piece_of(self, grad, part, sizes, create_graph):
        rows, columns = _block_size(sizes)
        (top, left) = part
        if create_graph:
            block = shape.slice_dim(grad, 0, top, top + rows, 1)
            return shape.reshape(shape.slice_dim(block, 1, left, left + columns, 1), sizes)
        return grad[top : top + rows, left : left + columns].reshape(sizes)


def _block_size(sizes):
    """A 0-D tensor is a 1x1 block, a vector of n a 1xn block."""
    return (1, 1) if len(sizes) == 0 else (1, sizes[0]) if len(sizes) == 1 else tuple(sizes)


def block_diag(*tensors):
    """The tensors as blocks on the diagonal of a matrix of zeros, in their promoted dtype;
    with no tensors, a 1x0 matrix (as PyTorch gives)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
        if t.ndim > 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                f"{i} has {t.ndim} dimensions"
            )
    if not tensors:
        return creation.zeros(1, 0)
    check_same_device(list(tensors))
    dtype = dtypes.result_type(*tensors)
    blocks = [_block_size(t.shape) for t in tensors]
    xp = array_namespace(tensors[0]._data)
    data = xp.zeros((sum(r for r, _ in blocks), sum(c for _, c in blocks)), dtype.np)
    parts, top, left = [], 0, 0
    for t, (rows, columns) in zip(tensors, blocks, strict=True):
        data[top : top + rows, left : left + columns] = t._data.reshape(rows, columns)
        parts.append((top, left))
        top, left = top + rows, left + columns
    result = Tensor._wrap(data, dtype, tensors[0]._device)
    joins._record_join(BlockDiagBackward0, list(tensors), result, None, parts)
    return result


def _no_derivative(grad):
    raise NotImplementedError("the derivative for 'unique_consecutive' is not implemented.")


@op("UniqueConsecutiveBackward0", self=_no_derivative)
def unique_consecutive_values(self, dim):
    """The first of each run of equal elements (or slices along dim), the run each input
    element (slice) is in, and the runs' lengths. NaN equals nothing; -0.0 equals 0.0."""
    xp = array_namespace(self)
    moved = self.reshape(-1) if dim is None else xp.moveaxis(self, dim, 0)
    n = moved.shape[0]
    rows = moved.reshape(n, math.prod(moved.shape[1:]))
    starts = xp.ones(n, bool)
    starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    run = xp.cumsum(starts) - 1
    positions = xp.nonzero(starts)[0]
    counts = xp.diff(xp.concatenate([positions, xp.asarray([n])])).astype(np.int64)
    if dim is None:
        return moved[starts], run.reshape(self.shape).astype(np.int64), counts
    # PyTorch keeps the runs' first slices along dimension 0 and moves it back into place.
    return xp.moveaxis(moved[starts], 0, dim), run.astype(np.int64), counts


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Runs of equal consecutive elements (slices along dim) collapsed to one; a plain tuple
    with the inverse indices and counts on request. Not differentiable: PyTorch records a
    node whose backward raises."""
    if dim is not None:
        dim = existing_dim(dim, input.ndim)
        if input.numel() == 0 and input.shape[dim] != 0:
            raise RuntimeError(
                "There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                "applied"
            )
    values, inverse, counts = unique_consecutive_values(input, dim)
    extras = [t for t, wanted in ((inverse, return_inverse), (counts, return_counts)) if wanted]
    return (values, *extras) if extras else values


# -- trapezoid rule ---------------------------------------------------------------------------


def _sample_spacing(name, y, x, dim):
    """x's differences along dim, shaped to broadcast against y's (PyTorch views a vector x
    along dim, and pads a lower-dimensional x with leading ones)."""
    if y._dtype is dtypes.bool or x._dtype is dtypes.bool:
        raise RuntimeError(
            f"{name}: received a bool input for `x` or `y`, but bool is not supported"
        )
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        sizes = [1] * y.ndim
        sizes[dim] = x.shape[0]
        x = shape.view(x, sizes)
    elif x.ndim < y.ndim:
        x = shape.view(x, (1,) * (y.ndim - x.ndim) + tuple(x.shape))
    n = x.shape[dim]
    return shape.slice_dim(x, dim, 1, n, 1) - shape.slice_dim(x, dim, 0, n - 1, 1)


def _check_y(name, y, dx):
    if y._dtype is dtypes.bool:
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    if isinstance(dx, bool | complex):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")


def _halves(y, dim):
    n = y.shape[dim]
    return shape.slice_dim(y, dim, 0, n - 1, 1), shape.slice_dim(y, dim, 1, n, 1)


_TRAPEZOID_OVERLOADS = (
    "Tensor y, Tensor x, *, int dim = -1",
    "Tensor y, *, Number dx = 1, int dim = -1",
)


def _check_spacing_arguments(name, y, x, dx):
    """Sample points x (a tensor) or a spacing dx, not both: PyTorch's two overloads."""
    if x is not None and (dx is not None or not isinstance(x, Tensor)):
        raise invalid_arguments(name, _TRAPEZOID_OVERLOADS, (y, x), {"dx": dx}, {"dx": None})


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoid rule along dim, composed of ops as PyTorch composes it: with sample
    points x, sum((y[i] + y[i+1]) * dx[i]) / 2; with a constant spacing dx (default 1),
    (sum(y) - (y[0] + y[-1]) / 2) * dx. No samples integrate to zeros."""
    _check_spacing_arguments("trapezoid", y, x, dx)
    dim = existing_dim(dim, y.ndim)
    if y.shape[dim] == 0:
        return creation.zeros(
            tuple(y.shape[:dim]) + tuple(y.shape[dim + 1 :]), dtype=y.dtype, device=y.device
        )
    if x is not None:
        spacing = _sample_spacing("trapezoid", y, x, dim)
        left, right = _halves(y, dim)
        return scalar_overloads.div_scalar(((left + right) * spacing).sum(dim), 2.0)
    dx = 1 if dx is None else dx
    _check_y("trapezoid", y, dx)
    dx = float(dx.item() if isinstance(dx, Tensor) else dx)
    ends = scalar_overloads.mul_scalar(shape.select(y, dim, 0) + shape.select(y, dim, -1), 0.5)
    return scalar_overloads.mul_scalar(y.sum(dim) - ends, dx)


def trapz(y, x=None, *, dx=None, dim=-1):
    """The old name of trapezoid."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid rule along dim: one fewer element than y there."""
    need_tensor("cumulative_trapezoid", "y", 1, y)
    _check_spacing_arguments("cumulative_trapezoid", y, x, dx)
    dim = existing_dim(dim, y.ndim)
    if x is not None:
        spacing = _sample_spacing("cumulative_trapezoid", y, x, dim)
        left, right = _halves(y, dim)
        return scalar_overloads.div_scalar(((left + right) * spacing).cumsum(dim), 2.0)
    dx = 1 if dx is None else dx
    _check_y("cumulative_trapezoid", y, dx)
    dx = float(dx.item() if isinstance(dx, Tensor) else dx)
    left, right = _halves(y, dim)
    return scalar_overloads.mul_scalar(left + right, dx / 2.0).cumsum(dim)


TENSOR_METHODS: dict = {
    "as_strided": as_strided,
    "unfold": unfold,
    "is_signed": is_signed,
    "H": property(_conjugate_transpose),
    "mH": property(_adjoint),
    "isclose": _isclose,
    "allclose": _allclose,
    "where": _where,
    "argwhere": argwhere,
    "unique_consecutive": unique_consecutive,
}
TENSOR_IN_PLACE: dict = {}
