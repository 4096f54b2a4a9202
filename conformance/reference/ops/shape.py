"""Shape ops. Views (view, reshape when it can, expand, transpose, permute, squeeze, unsqueeze,
select, slicing, unbind, split, chunk) share memory with their input; cat and stack copy."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference import memory_formats as formats
from conformance.reference.devices import array_namespace
from conformance.reference.ops import argument_errors
from conformance.reference.ops.define import op, view_op


def wrap_dim(dim, ndim):
    """A dimension in [-n, n) as a non-negative one, with PyTorch's IndexError outside; a 0-dim
    tensor counts as having one dimension."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def existing_dim(dim, ndim):
    """wrap_dim for what needs a real dimension (size, stride, unbind): a 0-dim tensor has
    none, and PyTorch says so."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return wrap_dim(dim, ndim)


def infer_shape(shape, numel):
    """Resolve one -1 in a requested shape, with PyTorch's errors."""
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def sizes_argument(
    name: str, keyword: str, positional: tuple, named: dict, required: bool = True
) -> tuple:
    """A method's sizes given as separate ints, one tuple, or by keyword (x.reshape(3, 3),
    x.reshape((3, 3)), x.reshape(shape=(3, 3))). Not `required`: none at all is the empty
    shape (the engine's own calls reshape to 0-dim as x.reshape(*shape); PyTorch refuses
    x.reshape() as a missing argument)."""
    if named:
        unknown = [k for k in named if k != keyword]
        if unknown:
            raise TypeError(f"{name}() got an unexpected keyword argument '{unknown[0]}'")
        if positional:
            raise TypeError(f"{name}() got multiple values for argument '{keyword}'")
        positional = (named[keyword],)
    if not positional and required:
        raise argument_errors.missing_arguments(name, [keyword])
    return shape_args(positional)


def function_of_sizes(method: Any, keyword: str) -> Any:
    """The torch namespace's form of a method that takes sizes (torch.reshape(input, shape)):
    two arguments, the sizes as one tuple or list, both nameable."""
    name = method.__name__

    @functools.wraps(method)
    def function(*args: Any, **named: Any) -> Any:
        if not args and "input" in named:
            args = (named.pop("input"),)
        if len(args) > 2:
            raise argument_errors.too_many_positional(name, 2, len(args))
        if len(args) == 2 and not isinstance(args[1], tuple | list):
            raise TypeError(
                f"{name}(): argument '{keyword}' (position 2) must be tuple of ints, not "
                f"{type(args[1]).__name__}"
            )
        missing = [] if args else ["input"]
        if len(args) < 2 and keyword not in named:
            missing.append(keyword)
        if missing:
            raise argument_errors.missing_arguments(name, missing)
        return method(*args, **named)

    function.refuses_missing_arguments = True  # (in the parser's words: see parsed())
    return function


def shape_args(shape):
    """view(2, 3) and view((2, 3)) mean the same."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


@view_op("ViewBackward0", self=lambda grad, self_shape, F: F.reshape(grad, self_shape))
def view_shape(self, shape):
    return _same_memory(self, infer_shape(shape, self.size))


# NumPy 2.1 added reshape(copy=False), and 2.5 deprecates setting .shape, the older way to ask
# for a reshape that never copies.
_RESHAPE_NEVER_COPIES = np.lib.NumpyVersion(np.__version__) >= "2.1.0"


def _viewed_as(array, shape):
    """`array` seen with a new shape without copying, or None when its strides do not allow
    that. NumPy decides whether a view exists as ATen does; where they differ is the strides
    of size-1 dims and of empty results, which are set to ATen's (view_strides) because mm's
    backward and the in-place rules read them."""
    try:
        if _RESHAPE_NEVER_COPIES and array.__class__ is np.ndarray:
            out = np.reshape(array, shape, copy=False)
        else:
            out = array.view()
            out.shape = shape  # CuPy, and NumPy before 2.1: raises rather than copy
    except (AttributeError, ValueError):
        return None
    if 1 in out.shape or 1 in array.shape or out.size == 0:
        size = array.itemsize
        wanted = view_strides(array.shape, tuple(s // size for s in array.strides), out.shape)
        if wanted is not None and tuple(s // size for s in out.strides) != wanted:
            xp = array_namespace(array)
            out = xp.lib.stride_tricks.as_strided(out, out.shape, tuple(s * size for s in wanted))
    return out


def view_strides(old_shape, old_strides, new_shape):
    """The strides ATen's computeStride gives a view of `new_shape` (in elements), or None
    when there is none. The old dims are cut into chunks that are contiguous among
    themselves (a size-1 dim never ends a chunk); the new dims fill the chunks from the right,
    and a new size-1 dim takes the stride of the chunk it falls in (NumPy gives it another)."""
    if not old_shape:
        return (1,) * len(new_shape)
    numel = 1
    for n in old_shape:
        numel *= n
    if numel == 0:
        if tuple(old_shape) == tuple(new_shape):
            return tuple(old_strides)
        strides, step = [], 1
        for n in reversed(new_shape):
            strides.append(step)
            step *= max(n, 1)
        return tuple(reversed(strides))
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    base = old_strides[-1]  # the stride of the innermost dim of the current chunk
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * base:
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base = old_strides[d - 1]
                tensor_numel = view_numel = 1
    return tuple(new_strides) if view_d == -1 else None


def _same_memory(array, shape):
    """`array` seen with a new shape without copying, or view()'s error when its strides
    do not allow that."""
    out = _viewed_as(array, shape)
    if out is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return out


@op("CloneBackward0", self=lambda grad: grad)
def clone(self, memory_format=None):
    """A copy in new memory, laid out as its source unless `memory_format` says otherwise
    (see conformance.reference.memory_formats)."""
    return copy_in_format(self, memory_format)


def copy_in_format(array, memory_format=None, layout_of=None):
    """A copy of `array` with the strides PyTorch gives a copy in `memory_format` of
    `layout_of` (an array of the same shape; `array` itself by default)."""
    source = array if layout_of is None else layout_of
    strides = tuple(s // source.itemsize for s in source.strides)
    wanted = formats.strides_for(memory_format, array.shape, strides)
    if wanted == formats.strides_for(formats.contiguous_format, array.shape, strides):
        return array.copy()  # row-major
    return copy_with_strides(array, wanted)


def copy_with_strides(array, strides):
    """A copy of `array` laid out in new memory with these dense strides (in elements)."""
    xp = array_namespace(array)
    out = xp.lib.stride_tricks.as_strided(
        xp.empty(max(array.size, 1), array.dtype),
        array.shape,
        tuple(s * array.itemsize for s in strides),
    )
    out[...] = array
    return out


@op("UnsafeViewBackward0", self=lambda grad, self_shape, F: F.reshape(grad, self_shape))
def unsafe_view(self, shape):
    """ATen's _unsafe_view, which PyTorch records apart from ordinary views: a view of a fresh
    result (a contiguous clone, a product) that is not tracked as a view. It copies nothing,
    so the strides must allow the shape, as for view()."""
    return _same_memory(self, shape)


@view_op("ReshapeAliasBackward0", self=lambda grad, self_shape, F: F.reshape(grad, self_shape))
def reshape_alias(self, shape):
    return _viewed_as(self, shape)  # (reshape() checked that it exists)


def reshape(input, *shape, **named):
    """A view when the memory layout allows it, else a copy (as PyTorch's reshape): a plain
    view of contiguous memory, an alias with new strides, or a clone reshaped."""
    shape = infer_shape(
        sizes_argument("reshape", "shape", shape, named, required=False), input.numel()
    )
    if input.is_contiguous():
        return view_shape(input, shape)
    if _viewed_as(input._data, shape) is None:
        return unsafe_view(clone(input, formats.contiguous_format), shape)
    return reshape_alias(input, shape)


def view(input, *shape, dtype=None):
    """x.view(shape), or x.view(dtype): the same memory read as another dtype."""
    if dtype is None and len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
        dtype = shape[0]
    if dtype is not None:
        return view_dtype(input, dtype)
    return view_shape(input, shape_args(shape))


def view_dtype(input, dtype):
    """The bytes of `input` read as `dtype`. A narrower dtype multiplies the last dimension, a
    wider one divides it, so that dimension must have stride 1 (and ATen checks the offset
    and the other strides divide evenly, in this order). Autograd does not differentiate it
    and does not count it as a view (no _base), but it shares the version counter."""
    from conformance.reference.tensor import Tensor

    array, old, new = input._data, input._dtype.itemsize, dtype.itemsize
    if old != new:
        _check_view_dtype(input, dtype)
    out = Tensor._wrap(array.view(dtype.np), dtype, input._device)
    out._version_counter = input._version_counter
    return out


def _check_view_dtype(input, dtype):
    old, new = input._dtype.itemsize, dtype.itemsize
    names = f"{dtypes.scalar_type_name(input._dtype)} as {dtypes.scalar_type_name(dtype)}"
    suffix = f"to view {names} (different element sizes)"
    if input.ndim == 0:
        raise RuntimeError(f"self.dim() cannot be 0 {suffix}")
    strides = input.stride()
    if new > old:
        ratio = new // old
        if input.shape[-1] % ratio:
            raise RuntimeError(
                f"self.size(-1) must be divisible by {ratio} {suffix}, but got {input.shape[-1]}"
            )
        if input.storage_offset() % ratio:
            raise RuntimeError(
                f"self.storage_offset() must be divisible by {ratio} {suffix}, but got "
                f"{input.storage_offset()}"
            )
    if strides[-1] != 1:
        raise RuntimeError(f"self.stride(-1) must be 1 {suffix}, but got {strides[-1]}")
    if new > old:
        for i, stride in enumerate(strides[:-1]):
            if stride % (new // old):
                raise RuntimeError(
                    f"self.stride({i}) must be divisible by {new // old} {suffix}, but got {stride}"
                )


@view_op("ExpandBackward0", self=lambda grad, self_shape, F: F.sum_to(grad, self_shape))
def expand_shape(self, shape):
    target = list(shape)
    lead = len(target) - self.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand({dtypes.tensor_type_name(dtypes.from_numpy_dtype(self.dtype))}"
            f"{{{list(self.shape)}}}, size={list(shape)}): the number of "
            "sizes provided "
            f"({len(target)}) must be greater or equal to the number of dimensions in the tensor "
            f"({self.ndim})"
        )
    for i in reversed(range(lead, len(target))):  # from the last dimension, as ATen checks
        size, current = target[i], self.shape[i - lead]
        if size == -1:
            target[i] = current
        elif current != 1 and current != size:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size "
                f"({current}) at non-singleton dimension {i}.  Target sizes: {list(shape)}.  "
                f"Tensor sizes: {list(self.shape)}"
            )
    return _broadcast_view(self, tuple(target))


def _broadcast_view(array, shape):
    """A writable view of `array` repeated to `shape` by zero strides, as PyTorch's expand: a
    write through it lands in the shared memory (whether a write may touch one element from
    several places is for the in-place rules to say)."""
    xp = array_namespace(array)
    lead = len(shape) - array.ndim
    strides = (0,) * lead + tuple(
        0 if size != want else stride
        for size, want, stride in zip(array.shape, shape[lead:], array.strides, strict=True)
    )
    return xp.lib.stride_tricks.as_strided(array, shape, strides)  # writable, as by default


def expand(input, *shape):
    return expand_shape(input, shape_args(shape))


@view_op("TransposeBackward0", self=lambda grad, dim0, dim1, F: F.transpose(grad, dim0, dim1))
def transpose_dims(self, dim0, dim1):
    return array_namespace(self).swapaxes(self, dim0, dim1) if self.ndim else self.view()


def transpose(input, dim0, dim1):
    return transpose_dims(input, wrap_dim(dim0, input.ndim), wrap_dim(dim1, input.ndim))


@view_op("TBackward0", self=lambda grad, F: F.t(grad))
def t(self):
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return self.T


@view_op("PermuteBackward0", self=lambda grad, dims, F: F.permute_dims(grad, _inverse(dims)))
def permute_dims(self, dims):
    return self.transpose(dims)


def _inverse(dims):
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return tuple(inverse)


def permute(input, *dims, **named):
    dims = sizes_argument("permute", "dims", dims, named)
    if len(dims) != input.ndim:
        # PyTorch 2.13's own wording, sparse_coo included, for dense tensors too.
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{input.ndim} is not equal to len(dims) = {len(dims)}"
        )
    wrapped = tuple(wrap_dim(d, input.ndim) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return permute_dims(input, wrapped)


# torch.reshape(input, shape) and torch.permute(input, dims): the sizes as one argument
torch_reshape = function_of_sizes(reshape, "shape")
torch_permute = function_of_sizes(permute, "dims")


@view_op("UnsqueezeBackward0", self=lambda grad, dim, F: F.squeeze_dim(grad, dim))
def unsqueeze_dim(self, dim):
    return array_namespace(self).expand_dims(self, dim)


def unsqueeze(input, dim):
    """A new dimension of size 1 at `dim`, which may be anything in [-n - 1, n]."""
    return unsqueeze_dim(input, wrap_dim(dim, input.ndim + 1))


def _without(shape, dim):
    dim = dim % len(shape)
    return tuple(shape[:dim]) + tuple(shape[dim + 1 :])


def _unsqueeze_to(grad, self_shape, dims, F):
    """PyTorch's unsqueeze_to: each squeezed dim of size 1 put back by an unsqueeze (so a
    create_graph backward records UnsqueezeBackward0, as PyTorch's does)."""
    for d in sorted(d % len(self_shape) for d in dims) if self_shape else ():
        if self_shape[d] == 1:
            grad = F.unsqueeze(grad, d)
    return grad


@view_op(
    "SqueezeBackward0",
    self=lambda grad, self_shape, F: _unsqueeze_to(grad, self_shape, range(len(self_shape)), F),
)
def squeeze_all(self):
    return self.reshape(tuple(s for s in self.shape if s != 1))


@view_op(
    "SqueezeBackward1",
    self=lambda grad, self_shape, dim, F: _unsqueeze_to(grad, self_shape, (dim,), F),
)
def squeeze_dim(self, dim):
    dim = dim % max(self.ndim, 1)
    if self.ndim and self.shape[dim] == 1:
        return self.reshape(_without(self.shape, dim))
    return self.view()


@view_op(
    "SqueezeBackward2",
    self=lambda grad, self_shape, dims, F: _unsqueeze_to(grad, self_shape, dims, F),
)
def squeeze_dims(self, dims):
    kept = tuple(n for d, n in enumerate(self.shape) if not (d in dims and n == 1))
    return self.reshape(kept)


def squeeze(input, dim=None):
    """Every dimension of size 1 removed, or `dim`'s, or those among the dims `dim` lists
    (each in range, none twice)."""
    if dim is None:
        return squeeze_all(input)
    if isinstance(dim, tuple | list):
        return squeeze_dims(input, squeezed_dims(dim, input.ndim))
    return squeeze_dim(input, wrap_dim(dim, input.ndim))


def squeezed_dims(dims, ndim):
    """squeeze's list of dims, wrapped, with PyTorch's error for one given twice."""
    wrapped = tuple(wrap_dim(d, ndim) for d in dims)
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


@view_op(
    "SelectBackward0",
    self=lambda grad, self_shape, dim, index, F: F.select_backward(grad, self_shape, dim, index),
)
def select_index(self, dim, index):
    key = (slice(None),) * (dim % self.ndim) + (index, Ellipsis)
    return self[key]


def select(input, dim, index):
    """torch.select: the slice at `index` along `dim`, without that dimension."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {dim}"
        )
    return select_index(input, dim, index)


@view_op(
    "SliceBackward0",
    self=lambda grad, self_shape, dim, start, stop, step, F: F.slice_backward(
        grad, self_shape, dim, start, stop, step
    ),
)
def slice_dim(self, dim, start, stop, step):
    key = (slice(None),) * (dim % self.ndim) + (slice(start, stop, step),)
    return self[key]


def narrow(input, dim, start, length):
    """`length` elements from `start` along `dim`; a negative start counts from the end."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_dim(input, dim, start, start + length, 1)


@view_op("UnbindBackward0", creation="multi:Unbind", self=lambda grads, dim, F: F.stack(grads, dim))
def unbind_dim(self, dim):
    return tuple(array_namespace(self).moveaxis(self, dim, 0))


def unbind(input, dim=0):
    return unbind_dim(input, existing_dim(dim, input.ndim))


def _pieces(self, sizes, dim):
    out, start = [], 0
    for size in sizes:
        key = (slice(None),) * (dim % self.ndim) + (slice(start, start + size),)
        out.append(self[key])
        start += size
    return tuple(out)


@view_op("SplitBackward0", creation="multi:Split", self=lambda grads, dim, F: F.cat(grads, dim))
def split_equal(self, sizes, dim):
    """split(n) and chunk: pieces of one size (the last may be smaller)."""
    return _pieces(self, sizes, dim)


@view_op(
    "SplitWithSizesBackward0",
    creation="multi:SplitWithSizes",
    self=lambda grads, dim, F: F.cat(grads, dim),
)
def split_with_sizes(self, sizes, dim):
    return _pieces(self, sizes, dim)


def _at_least_1d(input, name):
    if input.ndim == 0:
        raise RuntimeError(f"{name} expects at least a 1-dimensional tensor")


def split(input, split_size_or_sections, dim=0):
    _at_least_1d(input, "split")
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={step}"
            )
        if step == 0 and size:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
            )
        sizes = [min(step, size - i) for i in range(0, size, step)] if size else [0]
        return split_equal(input, tuple(sizes), dim)
    sizes = list(split_size_or_sections)
    if sum(sizes) != size:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
            f"size at dimension {dim}), but got split_sizes={sizes}"
        )
    return split_with_sizes(input, tuple(sizes), dim)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    _at_least_1d(input, "chunk")
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if size == 0:  # PyTorch gives `chunks` empty pieces here, not one
        return split_with_sizes(input, (0,) * chunks, dim)
    step = -(-size // chunks)
    return split(input, step, dim)


def flatten(input, start_dim=0, end_dim=-1):
    start, end = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if input.ndim == 0:
        return reshape(input, 1)
    if start == end:
        return input  # nothing to merge: ATen returns the tensor itself, not a view of it
    shape = input.shape
    n = 1
    for s in shape[start : end + 1]:
        n *= s
    return reshape(input, tuple(shape[:start]) + (n,) + tuple(shape[end + 1 :]))


def _zeros_with(grad, shape, key):
    out = array_namespace(grad).zeros(shape, grad.dtype)
    out[key] = grad
    return out


@op("SelectBackwardBackward0", grad=lambda grad, dim, index, F: F.select(grad, dim, index))
def select_backward(grad, input_shape, dim, index):
    """The gradient of select: zeros of the input's shape with `grad` at the index."""
    return _zeros_with(grad, input_shape, (slice(None),) * (dim % len(input_shape)) + (index,))


@op(
    "SliceBackwardBackward0",
    grad=lambda grad, dim, start, stop, step, F: F.slice_dim(grad, dim, start, stop, step),
)
def slice_backward(grad, input_shape, dim, start, stop, step):
    key = (slice(None),) * (dim % len(input_shape)) + (slice(start, stop, step),)
    return _zeros_with(grad, input_shape, key)
