"""Making tensors: torch.tensor and its copying rules, factories, random numbers, the NumPy
bridge and the legacy typed constructors (torch.FloatTensor(2, 3))."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from conformance.reference import dtypes, fp_errors
from conformance.reference import memory_formats as formats
from conformance.reference.devices import (
    CPU,
    CUDA,
    array_module,
    get_default_device,
    placement,
)
from conformance.reference.ops import range_values, scalar_conversion, shape
from conformance.reference.ops.argument_errors import need_tensor
from conformance.reference.tensor import Size, Tensor

COPY_CONSTRUCT = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor)."
)


def _finish(data: Any, dtype: dtypes.dtype, device: Any, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data, dtype, device)
    if requires_grad:
        if dtype.category < dtypes.FLOATING:
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        t._requires_grad = True
    return t


def _on(device: Any, host: np.ndarray) -> Any:
    """Move a host array to `device`'s array library."""
    xp = array_module(device)
    return host if xp is np else xp.asarray(host)


def _infer_dtype(data: Any) -> dtypes.dtype:
    """torch.tensor's dtype for nested Python data: bool < int64 < default float < complex."""
    found = None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            d = item._dtype
        elif isinstance(item, np.ndarray | np.generic):
            d = dtypes.from_numpy_dtype(item.dtype)
        elif isinstance(item, list | tuple):
            stack.extend(item)
            continue
        else:
            d = _element_dtype(item)
        found = d if found is None else _widen(found, d)
    return found or dtypes.get_default_dtype()


def _element_dtype(item: Any) -> dtypes.dtype:
    if isinstance(item, str):
        raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
    try:
        return dtypes.scalar_dtype(item)
    except TypeError:
        raise RuntimeError(f"Could not infer dtype of {type(item).__name__}") from None


def _widen(a: dtypes.dtype, b: dtypes.dtype) -> dtypes.dtype:
    if a.category == b.category:
        return dtypes.promote_types(a, b)
    return a if a.category > b.category else b


def _check_rectangular(data: Any) -> None:
    """torch.tensor's shape rule for nested lists: the first element at each depth sets the
    length every sequence at that depth must have."""
    shape = []
    probe = data
    while isinstance(probe, list | tuple):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    stack = [(data, 0)]
    while stack:
        item, dim = stack.pop()
        if dim >= len(shape) or not isinstance(item, list | tuple):
            continue
        if len(item) != shape[dim]:
            raise ValueError(
                f"expected sequence of length {shape[dim]} at dim {dim} (got {len(item)})"
            )
        stack.extend((child, dim + 1) for child in reversed(item))  # left to right, as PyTorch


def _to_host(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._data.get() if hasattr(data._data, "get") else data._data
    if isinstance(data, list | tuple):
        return [_to_host(d) for d in data]
    return data


def tensor(
    data: Any,
    dtype: dtypes.dtype | None = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor that always copies `data` (a tensor argument warns, as in PyTorch)."""
    if isinstance(data, Tensor):
        warnings.warn(COPY_CONSTRUCT, UserWarning, stacklevel=2)
        if device is None and get_default_device() == CPU:
            device = data._device  # a set default device wins over the data's, as in PyTorch
    if dtype is None:
        dtype = _infer_dtype(data)
    if isinstance(data, list | tuple):
        _check_rectangular(data)
    with fp_errors.quiet():  # 1e40 as float32 is inf, silently
        if isinstance(data, np.ndarray) and dtype is dtypes.bfloat16:
            host = np.array(data, dtype=dtype.np)
        elif isinstance(data, np.ndarray | Tensor):
            host = np.array(_to_host(data), dtype=dtype.np)
        else:  # Python numbers: checked as PyTorch checks them
            host = scalar_conversion.python_data(_to_host(data), dtype)
    dev = placement(device)
    return _finish(_on(dev, host), dtype, dev, requires_grad)


def as_tensor(data: Any, dtype: dtypes.dtype | None = None, device: Any = None) -> Tensor:
    """Shares memory with a NumPy array or tensor when no conversion is needed."""
    if isinstance(data, Tensor):
        result = data
        if dtype is not None or device is not None:
            result = data.to(device=device or data._device, dtype=dtype or data._dtype)
        return result
    if isinstance(data, np.ndarray) and placement(device) == CPU:
        source = dtypes.from_numpy_dtype(data.dtype)
        if dtype is None or dtype is source:
            return Tensor._wrap(data, source, CPU)
        with fp_errors.quiet():
            return Tensor._wrap(data.astype(dtype.np), dtype, CPU)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array, dtypes.from_numpy_dtype(array.dtype), CPU)


def _size(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], list | tuple):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, int | np.integer) or isinstance(s, bool):
            raise TypeError(f"expected a sequence of integers or a single integer, got '{s!r}'")
    size = tuple(int(s) for s in size)
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


def _factory(fill: Any, size: tuple, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    dev = placement(device)
    dtype = dtype or dtypes.get_default_dtype()
    xp = array_module(dev)
    if fill is None:
        data = xp.empty(_size(size), dtype.np)
    else:
        if not isinstance(fill, Tensor):
            fill = scalar_conversion.scalar(fill, dtype, half_as_double=True, unsigned_64=True)[()]
        data = xp.full(_size(size), fill, dtype.np)
    return _finish(data, dtype, dev, requires_grad)


def filled(size: tuple, fill: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    """A tensor of `size` (sizes, or one sequence of them) holding `fill`: new_zeros and
    new_ones, which check sizes as every factory but zeros does."""
    return _factory(fill, size, dtype, device, requires_grad)


def zeros(
    *size: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    flat = tuple(size[0]) if len(size) == 1 and isinstance(size[0], list | tuple) else size
    if any(isinstance(s, int | np.integer) and s < 0 for s in flat):
        raise RuntimeError("zeros: Dimension size must be non-negative.")  # zeros' own check
    return _factory(0, size, dtype, device, requires_grad)


def ones(
    *size: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _factory(1, size, dtype, device, requires_grad)


def empty(
    *size: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    return _factory(0, size, dtype, device, requires_grad)


def empty_strided(
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor with the given strides, over just enough memory for them: zero
    or overlapping strides give a tensor whose elements share memory, as in PyTorch."""
    size, stride = _size((size,)), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
            f"({len(stride)})"
        )
    dtype = dtype or dtypes.get_default_dtype()
    dev = placement(device)
    xp = array_module(dev)
    extent = 0 if 0 in size else 1 + sum((n - 1) * st for n, st in zip(size, stride, strict=True))
    memory = xp.empty(max(extent, 1), dtype.np)
    data = xp.lib.stride_tricks.as_strided(
        memory, size, tuple(st * memory.itemsize for st in stride)
    )
    return _finish(data, dtype, dev, requires_grad)


def empty_permuted(
    size: Any,
    physical_layout: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor laid out in memory in the order `physical_layout` names its
    dimensions, outermost first (empty_permuted((2, 3, 4, 5), (0, 2, 3, 1)) is channels
    last): empty_strided with the strides of that order."""
    size, layout = _size((size,)), tuple(int(d) for d in physical_layout)
    if len(layout) != len(size):
        raise RuntimeError(
            "Number of dimensions in size does not match the length of the physical_layout"
        )
    if sorted(layout) != list(range(len(size))):
        raise RuntimeError("Duplicate dim not allowed")
    stride = [0] * len(size)
    step = 1
    for dim in reversed(layout):
        stride[dim] = step
        step *= max(size[dim], 1)
    return empty_strided(size, stride, dtype=dtype, device=device, requires_grad=requires_grad)


def scalar_tensor(
    s: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A 0-dim tensor of the default dtype (not the number's: scalar_tensor(3) is 3.)."""
    if isinstance(s, Tensor) and s.ndim == 0:
        s = s.item()
    if not isinstance(s, bool | int | float | complex | np.generic):
        raise TypeError(
            f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}"
        )
    return _factory(s, (), dtype, device, requires_grad)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    if not isinstance(fill_value, bool | int | float | complex | np.generic | Tensor):
        raise TypeError(
            "full(): argument 'fill_value' (position 2) must be Number, not "
            f"{type(fill_value).__name__}"
        )
    if dtype is None:
        dtype = dtypes.scalar_dtype(fill_value)
    return _factory(fill_value, tuple(size), dtype, device, requires_grad)


def _like(
    kind: Any,
    input: Tensor,
    dtype: Any,
    device: Any,
    requires_grad: bool,
    memory_format: Any = None,
    **kw: Any,
) -> Tensor:
    """`kind` (zeros, full, rand, ...) in input's shape, and in its layout: the *_like
    factories default to preserve_format, so a transposed input gives a transposed result."""
    made = kind(
        input.shape,
        dtype=dtype or input._dtype,
        device=device or input._device,
        requires_grad=requires_grad,
        **kw,
    )
    plain = memory_format is None or memory_format is formats.preserve_format
    if not (plain and input._data.flags.c_contiguous):
        made._data = shape.copy_in_format(made._data, memory_format, layout_of=input._data)
    return made


def zeros_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    need_tensor("zeros_like", "input", 1, input)
    return _like(zeros, input, dtype, device, requires_grad, memory_format)


def ones_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    need_tensor("ones_like", "input", 1, input)
    return _like(ones, input, dtype, device, requires_grad, memory_format)


def empty_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    need_tensor("empty_like", "input", 1, input)
    return _like(empty, input, dtype, device, requires_grad, memory_format)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    need_tensor("full_like", "input", 1, input)
    return _like(full, input, dtype, device, requires_grad, memory_format, fill_value=fill_value)


def as_numbers(*values: Any) -> tuple:
    """The range factories' bounds as numbers: a Tensor given for one stands for its item."""
    return tuple(v.item() if isinstance(v, Tensor) else v for v in values)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    if end is None:
        start, end = 0, start
    if dtype is None:
        numbers = (start, end, step)
        floating = any(
            isinstance(n, float) or isinstance(n, Tensor) and n.is_floating_point() for n in numbers
        )
        dtype = dtypes.get_default_dtype() if floating else dtypes.int64
    start, end, step = as_numbers(start, end, step)
    if dtype is dtypes.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    host = range_values.arange_values(start, end, step, dtype)
    dev = placement(device)
    return _finish(_on(dev, host), dtype, dev, requires_grad)


def deprecated_range(
    start: Any,
    end: Any,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """torch.range: from start to end included, in the default float dtype unless told;
    deprecated, with PyTorch's warning (exported as `range`)."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
        "which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    dtype = dtype or dtypes.get_default_dtype()
    if dtype is dtypes.bool:
        raise NotImplementedError("\"range_cpu\" not implemented for 'Bool'")
    start, end, step = as_numbers(start, end, step)
    host = range_values.inclusive_range_values(start, end, step, dtype)
    dev = placement(device)
    return _finish(_on(dev, host), dtype, dev, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or dtypes.get_default_dtype()
    if dtype is dtypes.bool:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    start, end = as_numbers(start, end)
    host = range_values.linspace_values(start, end, steps, dtype)
    dev = placement(device)
    return _finish(_on(dev, host), dtype, dev, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    dtype = dtype or dtypes.get_default_dtype()
    dev = placement(device)
    return _finish(array_module(dev).eye(n, m, dtype=dtype.np), dtype, dev, requires_grad)


# -- random numbers -----------------------------------------------------------------------

_generator = [np.random.default_rng(0)]
_seed = [0]


def manual_seed(seed: int) -> Any:
    """Seed the generator. Draws are reproducible here, but not PyTorch's numbers."""
    _seed[0] = int(seed)
    _generator[0] = np.random.default_rng(_seed[0])
    return _generator[0]


def initial_seed() -> int:
    """The seed the generator was last seeded with."""
    return _seed[0]


def seed() -> int:
    value = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(value)
    return value


# The randomness modes of the torch.func.vmap calls running now, innermost last (see vmap.py).
VMAP_RANDOMNESS: list = []


def random_source() -> Any:
    """The one global generator every random draw comes from; inside vmap(randomness='error')
    a draw is PyTorch's error."""
    if VMAP_RANDOMNESS and VMAP_RANDOMNESS[-1] == "error":
        raise RuntimeError(
            "vmap: called random operation while in randomness error mode. Please either use "
            "the 'same' or 'different' randomness flags on vmap or perform the randomness "
            "operation out of vmap"
        )
    return _generator[0]


def _random(draw: Any, size: tuple, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    dtype = dtype or dtypes.get_default_dtype()
    dev = placement(device)
    host = draw(random_source(), _size(size)).astype(dtype.np)
    return _finish(_on(dev, host), dtype, dev, requires_grad)


def rand(
    *size: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _random(lambda g, s: g.random(s), size, dtype, device, requires_grad)


def randn(
    *size: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _random(lambda g, s: g.standard_normal(s), size, dtype, device, requires_grad)


def randint(
    low: int,
    high: Any = None,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    if size is None:
        low, high, size = 0, low, high
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    return _random(
        lambda g, s: g.integers(low, high, s),
        tuple(size),
        dtype or dtypes.int64,
        device,
        requires_grad,
    )


def rand_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    need_tensor("rand_like", "input", 1, input)
    return _like(rand, input, dtype, device, requires_grad, memory_format)


def randn_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    need_tensor("randn_like", "input", 1, input)
    return _like(randn, input, dtype, device, requires_grad, memory_format)


def randint_like(
    input: Tensor,
    low: int = 0,
    high: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Integers in [low, high) in input's shape and dtype; one bound alone is `high`."""
    if high is None:
        low, high = 0, low

    def draw(size: tuple, **options: Any) -> Tensor:
        return randint(low, high, size, **options)

    return _like(draw, input, dtype, device, requires_grad, memory_format)


def randperm(
    n: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _random(lambda g, s: g.permutation(n), (), dtype or dtypes.int64, device, requires_grad)


# -- legacy typed constructors ------------------------------------------------------------


def legacy_new(dtype: dtypes.dtype, args: tuple, device: Any = None, typed: bool = True) -> Tensor:
    """torch.FloatTensor(2, 3) and x.new(2, 3) make an uninitialised 2x3 tensor;
    FloatTensor([1, 2]) copies the data; FloatTensor(t) and x.new(t) are a view of all of t
    (AliasBackward0), whose dtype must be the constructor's (`typed`; torch.Tensor(t) takes
    any dtype); with no argument, an empty 1-D tensor."""
    if not args:
        return empty(0, dtype=dtype, device=device)
    if len(args) == 1 and not isinstance(args[0], int | np.integer | Size):
        source = args[0]
        if isinstance(source, Tensor):
            if typed and source.dtype is not dtype:
                raise TypeError(
                    f"expected {_tensor_options(dtype, device)} (got "
                    f"{_tensor_options(source.dtype, source.device)})"
                )
            from conformance.reference.ops.indexing import alias

            return alias(source)
        if isinstance(source, bool | int | float | complex):
            raise TypeError(f"new(): data must be a sequence (got {type(source).__name__})")
        return tensor(source, dtype=dtype, device=device)
    return empty(*args, dtype=dtype, device=device)


def _tensor_options(dtype: dtypes.dtype, device: Any) -> str:
    """How ATen prints the options a legacy constructor expected or got."""
    return (
        f"TensorOptions(dtype={dtypes.cpp_type_name(dtype)}, device={placement(device)}, "
        "layout=Strided, requires_grad=false (default), pinned_memory=false (default), "
        "memory_format=(nullopt))"
    )


class LegacyType(type):
    """torch.FloatTensor and friends: a constructor, and a type isinstance() checks by dtype."""

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        if cls.device == "cuda" and not CUDA.available:
            raise TypeError(
                f"type torch.cuda.{cls.__name__} not available. Torch not compiled with CUDA "
                "enabled."
            )
        return legacy_new(cls.dtype, args, device or cls.device)

    def __instancecheck__(cls, value: Any) -> bool:
        return (
            isinstance(value, Tensor)
            and value._dtype is cls.dtype
            and (value._device.type == cls.device)
        )

    def __repr__(cls) -> str:
        prefix = "torch.cuda." if cls.device == "cuda" else "torch."
        return f"<class '{prefix}{cls.__name__}'>"


def legacy_type(dtype: dtypes.dtype, device: str = "cpu") -> type:
    return LegacyType(dtype.legacy_name, (), {"dtype": dtype, "device": device})
