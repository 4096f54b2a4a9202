"""Searching sorted values and quantiles: searchsorted, bucketize, quantile and nanquantile,
with PyTorch's interpolation modes, checks and derivatives.

searchsorted and bucketize give positions (int64, or int32 with out_int32): they are never
differentiable. quantile and nanquantile are, in PyTorch, compositions of sort, gather and lerp
(ATen's quantile_compute), and they are composed here the same way, so the nodes they record
and the gradient (to the input, and to a tensor q through the interpolation weights) are
PyTorch's.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops import rearranging, scalar_overloads
from conformance.reference.ops.argument_errors import invalid_arguments
from conformance.reference.ops.define import op
from conformance.reference.ops.shape import wrap_dim
from conformance.reference.tensor import Tensor
from conformance.reference.warn_once import warn_once

__all__ = ["searchsorted", "bucketize", "quantile", "nanquantile", "isin", "unravel_index"]

_NUMBER = (bool, int, float, complex)


def _resize_output(out, shape):
    """ATen's resize_output: an `out` of another shape is resized (with a warning, unless it
    was empty); the result is then copied into it (copy_, so a result that requires grad
    gives `out` a CopyBackwards)."""
    shape = tuple(shape)
    if tuple(out.shape) == shape:
        return
    if out.numel():
        warnings.warn(
            f"An output with one or more elements was resized since it had shape "
            f"{list(out.shape)}, which does not match the required output shape {list(shape)}. "
            "This behavior is deprecated, and in a future PyTorch release outputs will not be "
            "resized unless they have zero elements. You can explicitly reuse an out tensor t "
            "by resizing it, inplace, to zero elements with t.resize_(0).",
            UserWarning,
            stacklevel=4,
        )
    out._data = array_namespace(out._data).empty(shape, out._data.dtype)


# -- searchsorted and bucketize ---------------------------------------------------------------


@op(None)
def search_sorted(sorted_sequence, input, right, sorter, compute, out_dtype):
    """ATen's cus_lower_bound and cus_upper_bound, every value searched at once: a binary
    search that halves each value's [start, end) in lockstep. The comparisons are the kernel's
    (`!(mid >= value)` moves right for side='left', `!(mid > value)` for 'right'), so a NaN
    value, which compares false, lands after every boundary, and a NaN among the boundaries is
    met wherever the search happens to meet it. `sorter` reorders each row first
    (bd[sorter[mid]])."""
    xp = array_namespace(sorted_sequence)
    values = xp.asarray(input).astype(compute)
    bounds = sorted_sequence.astype(compute, copy=False)
    if sorter is not None:
        bounds = xp.take_along_axis(bounds, sorter, -1)
    n = bounds.shape[-1]
    if not values.size:
        return xp.zeros(values.shape, out_dtype)
    rows = 1 if bounds.ndim == 1 else values.size // values.shape[-1]
    bounds = bounds.reshape(rows, n)
    flat = values.reshape(rows, values.size // rows)
    start = xp.zeros(flat.shape, np.int64)
    end = xp.full(flat.shape, n, np.int64)
    for _ in range(n.bit_length()):  # each step at least halves every range
        mid = start + ((end - start) >> 1)
        middle = xp.take_along_axis(bounds, xp.minimum(mid, n - 1), 1)
        onward = ~(middle > flat) if right else ~(middle >= flat)
        searching = start < end
        start = xp.where(searching & onward, mid + 1, start)
        end = xp.where(searching & ~onward, mid, end)
    return start.reshape(values.shape).astype(out_dtype)


_SEARCHSORTED = (
    "Tensor sorted_sequence, Tensor input, *, bool out_int32 = False, bool right = False, "
    "str side = None, Tensor sorter = None, Tensor out = None",
    "Tensor sorted_sequence, Number self, *, bool out_int32 = False, bool right = False, "
    "str side = None, Tensor sorter = None, Tensor out = None",
)
_BUCKETIZE = (
    "Tensor input, Tensor boundaries, *, bool out_int32 = False, bool right = False, "
    "Tensor out = None",
    "Number self, Tensor boundaries, *, bool out_int32 = False, bool right = False",
)
_SEARCH_DEFAULTS = {"out_int32": False, "right": False, "side": None, "sorter": None, "out": None}


def _search_arguments_fit(sorted_sequence, input, out_int32, right, side, sorter, out):
    return (
        isinstance(sorted_sequence, Tensor)
        and isinstance(input, (Tensor, *_NUMBER))
        and type(out_int32) is bool
        and type(right) is bool
        and (side is None or isinstance(side, str))
        and (sorter is None or isinstance(sorter, Tensor))
        and (out is None or isinstance(out, Tensor))
    )


def _shape_text(shape):
    return str(list(shape))


def _search(sorted_sequence, input, out_int32, right, side, sorter, out):
    """ATen's searchsorted_pre_check, in its order, then the search."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
            )
        if right and side != "right":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                f"{side} while right was True"
            )
        right = side == "right"
    device = sorted_sequence._device
    if isinstance(input, Tensor) and input._device != device:
        raise RuntimeError(
            "torch.searchsorted(): boundaries and input value tensors should have same device "
            f"type, but got boundaries tensor device type {device} and input value tensor "
            f"device type {input._device}"
        )
    if sorter is not None:
        _check_sorter(sorted_sequence, sorter)
    input_ndim = input.ndim if isinstance(input, Tensor) else 0
    input_numel = input.numel() if isinstance(input, Tensor) else 1
    if input_ndim == 0 and sorted_sequence.ndim != 1:
        raise RuntimeError(
            "torch.searchsorted(): input value can be a scalar only when boundaries tensor "
            f"dimension is 1, but we got boundaries tensor dim({sorted_sequence.ndim}) and input "
            f"value's dim({input_ndim}) numel({input_numel})"
        )
    if sorted_sequence.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
            "dimension"
        )
    if sorted_sequence.ndim != 1 and (
        input_ndim != sorted_sequence.ndim or input.shape[:-1] != sorted_sequence.shape[:-1]
    ):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {_shape_text(sorted_sequence.shape)} and input value tensor "
            f"{_shape_text(input.shape)}"
        )
    out_dtype = dtypes.int32 if out_int32 else dtypes.int64
    if out is not None and out._dtype is not out_dtype:
        raise RuntimeError(
            "torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or "
            "Long(int64) depending on whether out_int32 flag is True, but we got output tensor's "
            f"dtype {scalar_type_name(out._dtype)} and out_int32 flag is {out_int32}"
        )
    if out is not None:
        _resize_output(out, input.shape if isinstance(input, Tensor) else ())
    # Boundaries and values are compared in their common dtype, a Python number counting as
    # a wrapped number (uint8 boundaries and -1 compare as uint8: 255).
    compute = dtypes.result_type(sorted_sequence, input)
    if compute is dtypes.bool or compute.category == dtypes.COMPLEX:
        raise NotImplementedError(
            f"\"searchsorted_out_{device.type}\" not implemented for '{scalar_type_name(compute)}'"
        )
    if input_numel:
        _warn_non_contiguous(sorted_sequence, input, sorter)
    result = search_sorted(sorted_sequence, input, right, sorter, compute.np, out_dtype.np)
    return result if out is None else out.copy_(result)


def _check_sorter(sorted_sequence, sorter):
    if sorter._device != sorted_sequence._device:
        raise RuntimeError(
            "torch.searchsorted(): sorter and boundary tensors should have same device type, "
            f"but got sorter tensor device type {sorter._device} and input value tensor device "
            f"type {sorted_sequence._device}"
        )
    if sorter.shape != sorted_sequence.shape:
        raise RuntimeError(
            "torch.searchsorted(): boundary and sorter must have the same size, but got "
            f"boundary tensor {_shape_text(sorted_sequence.shape)}and got sorter tensor "
            f"{_shape_text(sorter.shape)}"
        )
    if sorter._dtype is not dtypes.int64:
        raise RuntimeError(
            "torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
            f"{scalar_type_name(sorter._dtype)}"
        )
    indices = sorter._data
    if indices.size and (int(indices.max()) >= sorter.shape[-1] or int(indices.min()) < 0):
        raise RuntimeError("torch.searchsorted(): sorter index out of range")


def _warn_non_contiguous(sorted_sequence, input, sorter):
    """PyTorch copies a non-contiguous argument before searching, and says so once."""
    for tensor, what in ((input, "input value"), (sorted_sequence, "boundary"), (sorter, "sorter")):
        if isinstance(tensor, Tensor) and not tensor.is_contiguous():
            warn_once(
                f"torch.searchsorted(): {what} tensor is non-contiguous, this will lower the "
                "performance due to extra data copy when converting non-contiguous tensor to "
                f"contiguous, please use contiguous {what} tensor if possible. This message "
                "will only appear once per program.",
                stacklevel=4,
            )


def searchsorted(
    sorted_sequence,
    input,  # noqa: A002 - PyTorch's name
    *extra,
    out_int32=False,
    right=False,
    side=None,
    sorter=None,
    out=None,
):
    """torch.searchsorted: for each value, the index in the last dimension of
    sorted_sequence where it would be inserted to keep it sorted (the first such index, or
    with right=True or side='right' the last). A 1-D sorted_sequence serves every value;
    otherwise its leading dimensions must be the values'. `sorter` gives the order of an
    unsorted sequence (as argsort does). A Python number gives a 0-dim result."""
    arguments = (sorted_sequence, input, out_int32, right, side, sorter, out)
    if extra or not _search_arguments_fit(*arguments):
        raise invalid_arguments(
            "searchsorted",
            _SEARCHSORTED,
            (sorted_sequence, input, *extra),
            dict(zip(_SEARCH_DEFAULTS, arguments[2:], strict=True)),
            _SEARCH_DEFAULTS,
        )
    return _search(*arguments)


def bucketize(input, boundaries, *extra, out_int32=False, right=False, out=None):  # noqa: A002
    """torch.bucketize: searchsorted with the arguments the other way round and the
    boundaries 1-D only (right=False: boundaries[i-1] < x <= boundaries[i])."""
    keywords = {"out_int32": out_int32, "right": right, "out": out}
    if extra or not (
        isinstance(boundaries, Tensor)
        and _search_arguments_fit(boundaries, input, out_int32, right, None, None, out)
        and (out is None or isinstance(input, Tensor))
    ):
        raise invalid_arguments(
            "bucketize", _BUCKETIZE, (input, boundaries, *extra), keywords, _SEARCH_DEFAULTS
        )
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return _search(boundaries, input, out_int32, right, None, None, out)


# -- quantile and nanquantile -----------------------------------------------------------------

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")
_QUANTILE_DEFAULTS = {"dim": None, "keepdim": False, "interpolation": "linear", "out": None}


_QUANTILE = tuple(
    f"Tensor input, {q} q, int dim = None, bool keepdim = False, *, str interpolation = "
    '"linear", Tensor out = None'
    for q in ("Tensor", "float")
)


# PyTorch ends quantile with in-place view ops on its own temporary (values.squeeze_(-1), or
# values.unsqueeze_(0).transpose_(0, -1).squeeze_(-1) for a 1-D q); each records a node named
# after its in-place overload, with the derivative of its out-of-place twin.


@op("UnsqueezeBackward1", self=lambda grad, F: F.squeeze_dim(grad, 0))
def unsqueeze_first_(self):
    return self[None]


@op("TransposeBackward1", self=lambda grad, F: F.transpose(grad, 0, -1))
def transpose_first_last_(self):
    return array_namespace(self).swapaxes(self, 0, -1)


@op("SqueezeBackward4", self=lambda grad, self_shape, F: F.unsqueeze(grad, len(self_shape) - 1))
def squeeze_last_(self):
    return self[..., 0]


def _cpp_double(value):
    """A double as C++'s ostream prints it (6 significant digits)."""
    return f"{value:g}"


def _quantile(name, input, q, dim, keepdim, extra, interpolation, out, ignore_nan):
    """ATen's quantile: its checks in its order, then quantile_compute step by step."""
    if extra or not (
        isinstance(input, Tensor)
        and isinstance(q, Tensor | bool | int | float)
        and (dim is None or type(dim) is int)
        and type(keepdim) is bool
        and isinstance(interpolation, str)
        and (out is None or isinstance(out, Tensor))
    ):
        # dim and keepdim as positional only when more arguments follow them (then they were)
        positional = (input, q, dim, keepdim, *extra) if extra else (input, q)
        keywords = {"dim": dim, "keepdim": keepdim} if not extra else {}
        keywords.update(interpolation=interpolation, out=out)
        raise invalid_arguments(name, _QUANTILE, positional, keywords, _QUANTILE_DEFAULTS)
    if not isinstance(q, Tensor) and not 0 <= q <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {_cpp_double(q)}")
    if interpolation not in _MODES:
        raise RuntimeError(
            "quantile() interpolation must be one of linear, lower, higher, midpoint or "
            f"nearest, but got {interpolation}"
        )
    if not isinstance(q, Tensor):  # at::scalar_tensor(q, self.options())
        xp = array_namespace(input._data)
        q = Tensor._wrap(xp.asarray(q).astype(input._dtype.np), input._dtype, input._device)
    if not input.numel():
        raise RuntimeError("quantile() input tensor must be non-empty")
    if q.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input._dtype not in (dtypes.float32, dtypes.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if q._dtype is not input._dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if q._device != input._device:
        raise RuntimeError("quantile() q tensor must be on the same device as the input tensor")
    if out is not None:
        if out._dtype is not input._dtype:
            raise RuntimeError("quantile() out tensor must be same dtype as the input tensor")
        if out._device != input._device:
            raise RuntimeError(
                "quantile() out tensor must be on the same device as the input tensor"
            )
    d = wrap_dim(0 if dim is None else dim, input.ndim)
    # The result's shape: q's size, then the reduced shape.
    if dim is not None and input.ndim:
        out_shape = list(input.shape)
        if keepdim:
            out_shape[d] = 1
        else:
            del out_shape[d]
    else:
        out_shape = [1] * input.ndim if keepdim else []
    if q.ndim:
        out_shape.insert(0, q.numel())
    if out is not None:
        _resize_output(out, out_shape)
    result = _quantile_compute(input, q, dim, d, interpolation, ignore_nan, out_shape)
    return result if out is None else out.copy_(result)


def _quantile_compute(input, q, dim, d, interpolation, ignore_nan, out_shape):
    # PyTorch checks q's values on the CPU only (elsewhere it would have to wait for the
    # device): a q out of range on CUDA fails later, indexing out of bounds.
    if input._device.type == "cpu" and not bool(((q >= 0) & (q <= 1)).all()):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    # Sort along the reduced dim, moved last (flattened when dim is None).
    if dim is None:
        ordered = input.flatten().sort()[0]
    elif d == input.ndim - 1:
        ordered = input.sort()[0]
    else:
        ordered = input.unsqueeze(-1).transpose(d, -1).sort()[0]
    if not q.ndim:
        out_shape.insert(0, 1)
    n = ordered.shape[-1]
    ordered = ordered.view(out_shape[1:] + [n])
    if n > 2**24:  # ranks are computed in floating point
        raise RuntimeError("quantile() input tensor is too large")
    # q in [0, 1] as a rank in [0, n): quantile puts a slice with NaN at its last rank (a NaN,
    # after sorting); nanquantile ranks among the non-NaN values (an all-NaN slice: rank 0,
    # a NaN too).
    if ignore_nan:
        ranks = q * (ordered.isnan().logical_not().sum(-1, True) - 1)
        ranks = ranks.masked_fill(ranks < 0, 0)
    else:
        # (q * last_index in C++: the Scalar overload, MulBackward1)
        scaled = scalar_overloads.mul_scalar(q, n - 1)
        scaled, has_nan = rearranging.broadcast_tensors(scaled, ordered.isnan().any(-1, True))
        ranks = scaled.masked_fill(has_nan, n - 1)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()  # half to even
    below = ranks.long()
    values = ordered.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks.new_full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
        # In place, as PyTorch: with a q that requires grad, lerp_ keeps a clone of the values
        # it overwrites (CloneBackward0 in a create_graph backward).
        values.lerp_(ordered.gather(-1, ranks.ceil().long()), weights)
    if not q.ndim:
        return squeeze_last_(values)
    return squeeze_last_(transpose_first_last_(unsqueeze_first_(values)))


def quantile(
    input,  # noqa: A002 - PyTorch's name
    q,
    dim=None,
    keepdim=False,
    *extra,
    interpolation="linear",
    out=None,
):
    """torch.quantile: the q-th quantiles of each slice along dim (of everything when dim is
    None), as a leading dimension when q is 1-D. Between two ranks the value follows
    `interpolation`: linear, lower, higher, midpoint or nearest (half to even). A slice with
    NaN gives NaN. Float32 and float64 only; a float q is checked against [0, 1] first, a
    tensor q after the other checks (and on the CPU only)."""
    return _quantile(
        "quantile", input, q, dim, keepdim, extra, interpolation, out, ignore_nan=False
    )


def nanquantile(
    input,  # noqa: A002 - PyTorch's name
    q,
    dim=None,
    keepdim=False,
    *extra,
    interpolation="linear",
    out=None,
):
    """torch.nanquantile: quantile of the non-NaN values of each slice (NaN only where a slice
    is all NaN)."""
    return _quantile(
        "nanquantile", input, q, dim, keepdim, extra, interpolation, out, ignore_nan=True
    )


# -- isin and unravel_index ------------------------------------------------------------------

_ISIN_OVERLOADS = (
    "Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = False, "
    "Tensor out = None",
    "Number element, Tensor test_elements, *, bool assume_unique = False, bool invert = False, "
    "Tensor out = None",
    "Tensor elements, Number test_element, *, bool assume_unique = False, bool invert = False, "
    "Tensor out = None",
)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element is among test_elements (a bool tensor of elements' shape), the two
    compared in their promoted dtype (so 3 is in [2.5, 3.0], nan is in nothing, -0.0 is in
    [0.0]). One side may be a number, not both; bools are refused. assume_unique is a promise
    that only changes PyTorch's speed: the result here is exact either way."""
    tensors = [v for v in (elements, test_elements) if isinstance(v, Tensor)]
    if not tensors or not all(isinstance(v, (Tensor, *_NUMBER)) for v in (elements, test_elements)):
        raise invalid_arguments(
            "isin",
            _ISIN_OVERLOADS,
            (elements, test_elements),
            {"assume_unique": assume_unique, "invert": invert},
            {"assume_unique": False, "invert": False},
        )
    for v in (elements, test_elements):
        if isinstance(v, bool) or isinstance(v, Tensor) and v.dtype is dtypes.bool:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    common = dtypes.result_type(elements, test_elements)
    device = tensors[0]._device
    a, b = (
        v.to(common)._data if isinstance(v, Tensor) else np.asarray(v, dtype=common.np)
        for v in (elements, test_elements)
    )
    xp = array_namespace(tensors[0]._data)
    found = xp.isin(xp.asarray(a), xp.asarray(b), invert=invert)
    return Tensor._wrap(xp.asarray(found).reshape(a.shape), dtypes.bool, device)


def unravel_index(indices, shape):
    """The coordinates of flat indices into `shape`, one int64 tensor per dimension (a tuple),
    composed as PyTorch's Python function is: indices // (the strides of a contiguous shape)
    % shape, so an index out of range wraps and a negative one counts from the end."""
    from conformance.reference.ops import creation, pointwise
    from conformance.reference.ops import shape as shapes

    if indices.is_complex() or indices.is_floating_point() or indices.dtype is dtypes.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, int):
        shape = (shape,)
    elif not isinstance(shape, Sequence):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    for size in shape:
        if not isinstance(size, int):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(size)}")
    if any(size < 0 for size in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(shape)}")
    strides, step = [], 1
    for size in reversed(tuple(shape[1:]) + (1,)):
        step *= size
        strides.insert(0, step)
    place = indices.device
    strides = creation.tensor(strides, dtype=dtypes.int64, device=place)
    sizes = creation.tensor(list(shape), dtype=dtypes.int64, device=place)
    coordinates = pointwise.remainder(pointwise.floor_divide(indices.unsqueeze(-1), strides), sizes)
    return shapes.unbind(coordinates, -1)


TENSOR_METHODS: dict = {"quantile": quantile, "nanquantile": nanquantile}
TENSOR_IN_PLACE: dict = {}
