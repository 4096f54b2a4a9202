"""Floating-point sums added up in the order PyTorch's CPU sum kernel adds them.

A float32 sum's last bits depend on the order of its additions, and PyTorch's order is not
NumPy's: for more than half of float32 vectors of 1 to 40 elements, `x.sum()` differed from
torch's in the last bit before this module. ATen's cascade_sum (cpu/SumKernel.cpp) does:

- TensorIterator puts the reduced dimensions innermost (ordered among themselves by the
  input's strides, the kept ones by the output's), merges neighbours that step through memory
  as one, and hands the kernel two dimensions at a time, size0 and size1; further dimensions
  are an outer loop whose results are added into the output (`out += partial`, in the
  output's dtype) in iteration order;
- a reduced dimension contiguous in memory is summed on SIMD vectors: four vector
  accumulators interleaved (ilp), each a *cascade* (sums of 16 values, sums of 16 such sums,
  and so on), the leftover vectors added to the first, the four added up, then the leftover
  scalars in order and the vector's lanes in order;
- a reduced dimension over contiguous columns sums each column (a cascade for the columns
  in blocks of four vectors, the interleaved four-way cascade for the others); strided data
  takes the same two shapes with scalars.

Every step runs here on all rows or columns at once, in the accumulation dtype (float32 for
float32, float16 and bfloat16; float64 for float64), with strictly sequential additions
(`cumsum`) where ATen adds in sequence. A vector is 32 bytes (see cpu_loops.VECTOR_BYTES).
Not modelled: the split over threads PyTorch makes for a full reduction of more than 32768
elements when it runs more than one thread (each thread's part is summed so, then the parts
are added), and sums on a GPU, which NumPy's (or CuPy's) own sum serves.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.reference.memory_formats import memory_order
from conformance.reference.ops.cpu_loops import VECTOR_BYTES
from conformance.reference.ops.pointwise_common import HALF_ARRAYS, opmath_dtype

_ILP = 4  # ATen's ilp_factor: interleaved accumulators in row_sum
_LEVELS = 4  # the cascade's levels (num_levels)
_FULL = (np.dtype(np.float32), np.dtype(np.float64))  # (dtypes that accumulate in themselves)
_SUMMED = (*_FULL, *HALF_ARRAYS)


def summed(array, axes=None, keepdims: bool = False, dtype=None):
    """`array` summed over `axes` (None: all) in NumPy `dtype` (default its own), as PyTorch
    sums a tensor of that dtype: in ATen's order for floating NumPy arrays (the input cast to
    `dtype` first, as sum(dtype=) casts it), NumPy's own sum otherwise (integers, CuPy)."""
    if dtype is None:
        if array.dtype not in _SUMMED:  # (a bool or integer array: NumPy's own sum and dtype)
            return array.sum(axis=axes, keepdims=keepdims)
        dtype = array.dtype
    dtype = np.dtype(dtype)
    if array.__class__ is not np.ndarray or dtype not in _SUMMED:
        wider = opmath_dtype(dtype)  # (float32 accumulates half precision)
        return array.sum(axis=axes, keepdims=keepdims, dtype=wider).astype(dtype, copy=False)
    if array.dtype != dtype:
        array = array.astype(dtype)
    if array.flags.c_contiguous and array.size:  # (the common cases, made cheap)
        if axes is None:
            total = _whole(array.reshape(-1))
            return total.reshape((1,) * array.ndim) if keepdims else total
        if axes == (0,) and array.ndim == 2 and dtype in _FULL:  # (a bias gradient's sum)
            total = _down_columns(array)
            return total.reshape(1, -1) if keepdims else total
    if axes is None:
        axes = tuple(range(array.ndim))
    return cascade_sum(array, (axes,) if isinstance(axes, int) else tuple(axes), keepdims)


def cascade_sum(array, axes: tuple, keepdims: bool = False):
    """`array` summed over `axes` as PyTorch's CPU kernel sums it, in its own dtype (float16
    and bfloat16 accumulate in float32 and round once per output element, as the kernel's
    store does). nansum zeroes its NaNs first, which adds as ATen's NaN-skipping loads do."""
    axes = tuple(sorted({a % array.ndim for a in axes})) if array.ndim else ()
    kept_shape = tuple(1 if d in axes else n for d, n in enumerate(array.shape))
    out = _contiguous(array, axes) if array.size and array.flags.c_contiguous else None
    if out is None:
        out = np.zeros(kept_shape, array.dtype)
        if array.size:
            _sum_into(out, array, axes)
    if not keepdims:
        return out.reshape([n for d, n in enumerate(array.shape) if d not in axes])
    return out.reshape(kept_shape)


def _contiguous(array, axes):
    """The common layouts without the general machinery: a C-contiguous array reduced over
    all its dimensions, its leading ones or its trailing ones (None for any other)."""
    ndim, shape = array.ndim, array.shape
    count = len(axes)
    if axes != tuple(range(count)) and axes != tuple(range(ndim - count, ndim)):
        return None
    if count == ndim:
        return _whole(array.reshape(-1))
    acc = opmath_dtype(array.dtype)
    if axes[0] == 0:  # leading dims reduced: the kept ones are contiguous columns
        length = math.prod(shape[:count])
        rows = array.size // length
        if array.dtype in _FULL:
            return _down_columns(array.reshape(length, rows))
        view, in0, in1 = array.reshape(length, rows).T, rows, 1
    else:  # trailing dims reduced: each row contiguous
        length = math.prod(shape[ndim - count :])
        rows = array.size // length
        view, in0, in1 = array.reshape(rows, length), 1, length
    return _two_dims(view, in0, in1, length, rows, acc, array.dtype).astype(array.dtype)


def _down_columns(rows):
    """A C-contiguous float32 or float64 (rows, columns) array summed over its rows: _two_dims
    for contiguous columns without its general steps. The columns in blocks of four vectors
    take a cascade, the others the interleaved row_sum; fewer rows than the interleaved
    accumulators add in order either way."""
    length, columns = rows.shape
    if columns == 1:  # (one contiguous row: summed on vectors)
        return _whole(rows.reshape(-1)).reshape(1)
    if length < _ILP:
        return _sequential(rows)
    lanes = VECTOR_BYTES // rows.itemsize
    return _outer_sum(rows, columns - columns % (_ILP * lanes if columns >= lanes else _ILP))


def _whole(row):
    """A contiguous row summed whole: the short and flat cases on their own paths, the rest
    as the kernel's one row."""
    length = len(row)
    if length < VECTOR_BYTES // row.itemsize:  # (a short row: scalars in order)
        return _short_row(row, opmath_dtype(row.dtype)).astype(row.dtype)
    if row.dtype not in HALF_ARRAYS and length < _ONE_LEVEL * _ILP * VECTOR_BYTES // row.itemsize:
        return _flat(row)
    acc = opmath_dtype(row.dtype)
    total = _two_dims(row.reshape(1, length), 1, 0, length, 1, acc, row.dtype)
    return total.reshape(()).astype(row.dtype)


_ONE_LEVEL = 256  # fewer groups of four vectors than this: a cascade of at most one level


def _flat(x):
    """vectorized_inner_sum of one contiguous float32 or float64 row of fewer than
    _ONE_LEVEL groups, in as few NumPy calls as the order allows: the same additions as
    _vectorized_inner's, each sequence of rows by one add.reduce from 0 (in order: each row
    holds several values, see _sequential), the last few values on NumPy scalars."""
    lanes = VECTOR_BYTES // x.itemsize
    block = _ILP * lanes
    vectors = x.size // lanes
    groups = vectors // _ILP
    head = x[: groups * block].reshape(groups, block)
    step = 1 << 4  # (the cascade's chunk below 2**16 groups)
    if groups >= step:
        full = groups - groups % step
        chunks = np.add.reduce(head[:full].reshape(-1, step, block), 1, initial=0)
        partial = np.add.reduce(chunks, 0, initial=0)
        if full < groups:
            partial = np.add.reduce(head[full:], 0, initial=0) + partial
    else:
        partial = np.add.reduce(head, 0, initial=0)
    # Each lane: the first accumulator, the leftover vectors, the other three accumulators.
    ordered = np.concatenate(
        [partial[:lanes], x[groups * block : vectors * lanes], partial[lanes:]]
    )
    lane_sums = np.add.reduce(ordered.reshape(-1, lanes), 0, initial=0)
    total = x.dtype.type(0)
    for value in x[vectors * lanes :]:  # (the values after the last whole vector, then the lanes)
        total += value
    for value in lane_sums:
        total += value
    return np.asarray(total)


def _short_row(row, acc):
    """row_sum over fewer elements than a vector holds (at most three groups of four, so no
    cascade), on NumPy scalars: much cheaper than the array steps for a handful of values."""
    values = row.astype(acc, copy=False).tolist()
    kind = acc.type
    groups = len(values) // _ILP
    partial = [kind(0)] * _ILP
    for g in range(groups):
        for k in range(_ILP):
            partial[k] = partial[k] + kind(values[g * _ILP + k])
    for leftover in values[groups * _ILP :]:
        partial[0] = partial[0] + kind(leftover)
    total = partial[0]
    for other in partial[1:]:
        total = total + other
    return np.asarray(total)


def _sum_into(out, array, axes):
    """Run ATen's loop: the iteration dimensions, the two-dimensional kernel over the first
    two, and the outer ones added into `out` in order."""
    item = array.itemsize
    shape = array.shape
    in_strides = [s // item if n > 1 else 0 for s, n in zip(array.strides, shape, strict=True)]
    out_strides = [0 if d in axes else s // item for d, s in enumerate(out.strides)]
    if any(s < 0 for s in in_strides):
        array = array.copy()
        in_strides = [s // item if n > 1 else 0 for s, n in zip(array.strides, shape, strict=True)]
    order = memory_order(shape, out_strides, in_strides, reduced=frozenset(axes))
    dims = _coalesced(
        [(shape[d], in_strides[d], out_strides[d]) for d in order if shape[d] != 1]
    ) or [(1, 0, 0)]
    while len(dims) < 2:
        dims.append((1, 0, 0))
    (size0, in0, out0), (size1, in1, out1) = dims[0], dims[1]
    if out0 != 0 and out1 == 0:  # (the kernel makes the reduced one the first)
        (size0, in0, out0), (size1, in1, out1) = (size1, in1, out1), (size0, in0, out0)
    outer = dims[2:]
    # The input as [outer dims, outermost first] + [size1, size0].
    view = np.lib.stride_tricks.as_strided(
        array,
        shape=[n for n, _, _ in reversed(outer)] + [size1, size0],
        strides=[s * item for _, s, _ in reversed(outer)] + [in1 * item, in0 * item],
        writeable=False,
    )
    acc = opmath_dtype(array.dtype)
    if out0 != 0:  # no reduced dimension among the two: each element added to its 0
        values, value_strides = view.astype(acc), [out1, out0]
    else:
        values, value_strides = _two_dims(view, in0, in1, size0, size1, acc, array.dtype), [out1]
    _add_into(out, values, [o for _, _, o in reversed(outer)] + value_strides)


def _coalesced(dims):
    """TensorIterator's coalesce_dimensions on (size, input stride, output stride) triples
    in iteration order."""
    merged = []
    for size, si, so in dims:
        if merged:
            n, pi, po = merged[-1]
            if pi * n == si and po * n == so:
                merged[-1] = (n * size, pi, po)
                continue
        merged.append((size, si, so))
    return merged


def _two_dims(view, in0, in1, size0, size1, acc, dtype):
    """cascade_sum's kernel on the last two axes of `view` (size1, size0), dimension 0
    reduced: one value per (outer, size1) position, in `acc`."""
    lanes = VECTOR_BYTES // acc.itemsize  # the accumulating vector's
    loaded = VECTOR_BYTES // dtype.itemsize  # vec_t::size(), the input's
    if in0 == 1 and size0 >= loaded:
        return _vectorized_inner(view, acc, lanes, loaded, dtype)
    columns = _first(view, -1).astype(acc, copy=False)  # (size0, ..., size1): a column each
    if in1 == 1 and size1 >= loaded:
        cascaded = size1 - size1 % (_ILP * lanes)  # (the blocks of four vectors)
    elif in0 < in1:
        return _row_sum(columns)
    else:
        cascaded = size1 - size1 % _ILP  # (scalar_outer_sum's groups of four columns)
    return _outer_sum(columns, cascaded)


def _outer_sum(columns, cascaded):
    """Sums down `columns` (axis 0): the first `cascaded` columns (whole blocks) by a cascade,
    the rest by row_sum."""
    if cascaded == columns.shape[-1]:
        return _cascade(columns)
    if cascaded == 0:
        return _row_sum(columns)
    return np.concatenate(
        [_cascade(columns[..., :cascaded]), _row_sum(columns[..., cascaded:])], axis=-1
    )


def _vectorized_inner(view, acc, lanes, loaded, dtype):
    """vectorized_inner_sum: each row on vectors, then its tail and the lanes in order."""
    size0 = view.shape[-1]
    whole = size0 - size0 % loaded
    vectors = view[..., :whole].reshape(*view.shape[:-1], whole // loaded, loaded)
    if dtype == np.dtype("bfloat16"):  # (two float32 vectors from one, added)
        vectors = vectors[..., :lanes].astype(acc) + vectors[..., lanes:].astype(acc)
    elif dtype == np.dtype(np.float16):  # (neighbouring pairs reduced into one lane)
        pairs = vectors.astype(acc).reshape(*vectors.shape[:-1], lanes, loaded // lanes)
        vectors = _sequential(_first(pairs, -1))
    else:
        vectors = vectors.astype(acc, copy=False)
    # (the vectors outermost and contiguous: NumPy then adds long rows, not 8 values at a time)
    lane_sums = _row_sum(np.ascontiguousarray(_first(vectors, -2)))  # (..., lanes)
    if whole == size0:
        return _sequential(_first(lane_sums, -1))
    tail = view[..., whole:].astype(acc)
    return _sequential(_first(np.concatenate([tail, lane_sums], axis=-1), -1))


def _first(values, axis):
    """`values` with `axis` moved to the front (np.moveaxis costs ten times more)."""
    axis %= values.ndim
    return values.transpose((axis, *range(axis), *range(axis + 1, values.ndim)))


def _sequential(values):
    """The sum over axis 0 added in order from 0, as a C loop does. NumPy's add.reduce adds
    the rows of an axis in order when another axis of more than one element lies inside it in
    memory (its pairwise summation runs only along the innermost axis), so the values are
    brought to such a layout (axis 0 outermost) first where they are not in one; a single
    column takes a cumsum (strictly sequential, unlike NumPy's sum). Starting from 0 turns an
    all -0.0 sum into 0.0."""
    count = values.shape[0]
    if count <= 1:
        zero = values.dtype.type(0)
        return values[0] + zero if count else np.zeros(values.shape[1:], values.dtype)
    if values.size == count:  # (one column)
        return _accumulate(values, 0)[-1] + values.dtype.type(0)
    if not (values.flags.c_contiguous or _rows_outside(values)):
        values = np.ascontiguousarray(values)
    return np.add.reduce(values, 0, initial=0)


def _rows_outside(values) -> bool:
    """Whether NumPy's iteration keeps axis 0 out of the inner loop: every stride positive
    (NumPy reverses negative ones) and some other axis of more than one element inside it."""
    strides = values.strides
    inner = min((s for s, n in zip(strides[1:], values.shape[1:], strict=True) if n > 1), default=0)
    return 0 < inner < strides[0] and min(strides) >= 0


_accumulate = np.add.accumulate  # (cumsum, without its Python wrapper; sequential by definition)


def _cascade(values):
    """multi_row_sum over axis 0: sums of `step` values, sums of `step` such sums, a third
    level; each level's remainder (the rows after its last whole chunk) added up in order,
    then the top level. (An empty remainder is skipped: a sum in order from 0 is never -0.0,
    so adding its zeros would change nothing.)"""
    step = 1 << max(4, _ceil_log2(len(values)) // _LEVELS)
    total, level = None, values
    for _ in range(_LEVELS - 1):
        if len(level) < step:
            break  # (no whole chunk left to carry up)
        whole = len(level) - len(level) % step
        if whole < len(level):
            rest = _sequential(level[whole:])
            total = rest if total is None else total + rest
        level = _in_chunks(level[:whole], step)
    top = _sequential(level)
    return top if total is None else total + top


def _in_chunks(values, step):
    """The sequential sum of each run of `step` rows of `values` (a whole number of runs)."""
    runs = values.reshape(len(values) // step, step, *values.shape[1:])
    if values.flags.c_contiguous and values.size > len(values):  # (rows inside each run)
        return np.add.reduce(runs, 1, initial=0)
    return _sequential(_first(runs, 1))


def _row_sum(values):
    """row_sum over axis 0: four interleaved cascades, the leftover values added to the
    first, then the four added up."""
    size = values.shape[0]
    groups = size // _ILP
    if not groups:  # (no interleaving: the values in order, the zero partials adding nothing)
        return _sequential(values)
    partial = _cascade(values[: groups * _ILP].reshape(groups, _ILP, *values.shape[1:]))
    if groups * _ILP == size:  # (no leftovers: the four partials in order)
        return _sequential(partial)
    # (the first partial, the leftovers, the other three: one sequence; the partials start
    # from 0 already, so a sequential sum from 0 adds them as they are)
    order = np.concatenate([partial[:1], values[groups * _ILP :], partial[1:]])
    return _sequential(order)


def _ceil_log2(n: int) -> int:
    return 1 if n <= 2 else (n - 1).bit_length()


def _add_into(out, values, strides):
    """`out += values` as the kernel's stores do it: axes whose output stride is 0 (reduced
    outer dimensions, or size1 when both kernel dimensions are reduced) add their values in
    iteration order, innermost fastest, into a float32 buffer for float16 and bfloat16
    (rounded once, at the end)."""
    reduced = [i for i, s in enumerate(strides) if s == 0]
    kept = [i for i, s in enumerate(strides) if s != 0]
    values = np.transpose(values, reduced + kept)
    total = _sequential(values.reshape(-1, *values.shape[len(reduced) :]))
    target = np.lib.stride_tricks.as_strided(
        out, shape=total.shape, strides=[strides[i] * out.itemsize for i in kept]
    )
    target[...] = total
