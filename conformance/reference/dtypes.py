"""Dtypes and PyTorch's type promotion.

A dtype pairs PyTorch's name with the NumPy dtype that stores it (bfloat16 comes from
ml_dtypes). Promotion follows PyTorch, not NumPy: integers with float16 give float16, a Python
float is "weak" (it takes the default dtype only when it raises the category), and
zero-dimensional tensors join in only when they raise the category.
"""

from __future__ import annotations

import builtins

import ml_dtypes
import numpy as np

BOOL, INTEGER, FLOATING, COMPLEX = 0, 1, 2, 3


class dtype:  # noqa: N801 - PyTorch's spelling
    """One element type. `torch.float32` prints as `torch.float32` and is a singleton."""

    __slots__ = ("name", "np", "category", "is_signed", "itemsize", "legacy_name")

    def __init__(self, name: str, np_dtype: np.dtype, category: int, legacy_name: str) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = name not in ("bool", "uint8")
        self.legacy_name = legacy_name

    @property
    def is_floating_point(self) -> bool:
        return self.category == FLOATING

    @property
    def is_complex(self) -> bool:
        return self.category == COMPLEX

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {float64: complex128}.get(self, complex64) if self.category != COMPLEX else self

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool = dtype("bool", np.bool_, BOOL, "BoolTensor")  # noqa: A001 - torch.bool
uint8 = dtype("uint8", np.uint8, INTEGER, "ByteTensor")
int8 = dtype("int8", np.int8, INTEGER, "CharTensor")
int16 = dtype("int16", np.int16, INTEGER, "ShortTensor")
int32 = dtype("int32", np.int32, INTEGER, "IntTensor")
int64 = dtype("int64", np.int64, INTEGER, "LongTensor")
float16 = dtype("float16", np.float16, FLOATING, "HalfTensor")
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, FLOATING, "BFloat16Tensor")
float32 = dtype("float32", np.float32, FLOATING, "FloatTensor")
float64 = dtype("float64", np.float64, FLOATING, "DoubleTensor")
complex64 = dtype("complex64", np.complex64, COMPLEX, "ComplexFloatTensor")
complex128 = dtype("complex128", np.complex128, COMPLEX, "ComplexDoubleTensor")

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
ALL += (complex64, complex128)
ALIASES = {
    "float": float32,
    "double": float64,
    "half": float16,
    "long": int64,
    "int": int32,
    "short": int16,
    "cfloat": complex64,
    "cdouble": complex128,
}
_BY_NP = {d.np: d for d in ALL}
_INTEGER_ORDER = (uint8, int8, int16, int32, int64)

_default = [float32]


# How ATen's C++ messages spell a dtype (mm's "expected m1 and m2 to have the same dtype").
_CPP_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int8": "signed char",
    "uint8": "unsigned char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "bool": "bool",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def scalar_type_name(d: dtype) -> str:
    """PyTorch's ScalarType name as its error messages spell it: Float, Long, Bool, ..."""
    return d.legacy_name.removesuffix("Tensor")


def cpp_type_name(d: dtype) -> str:
    """The C++ element type's name, as ATen's messages spell it: float, long int, c10::Half."""
    return _CPP_NAMES[d.name]


def tensor_type_name(d: dtype) -> str:
    """A CPU tensor's type as ATen's messages print it: the legacy name (torch.FloatTensor)
    where the type has one, the C++ type otherwise (CPUBoolType, CPUBFloat16Type)."""
    if d.name in ("bool", "bfloat16"):
        return f"CPU{scalar_type_name(d)}Type"
    return f"torch.{d.legacy_name}"


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or d not in (float16, bfloat16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def bounds(d: dtype) -> tuple[int, int]:
    """The smallest and largest value an integer dtype holds."""
    info = np.iinfo(d.np)
    return int(info.min), int(info.max)


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The dtype that stores a NumPy dtype; NumPy types PyTorch lacks raise TypeError."""
    found = _BY_NP.get(np.dtype(np_dtype))
    if found is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only "
            "supported types are: float64, float32, float16, complex64, complex128, int64, "
            "int32, int16, int8, uint8, and bool."
        )
    return found


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promotion table for two dtypes (torch.promote_types)."""
    if a is b:
        return a
    if a.category != b.category:
        low, high = (a, b) if a.category < b.category else (b, a)
        if high.category == COMPLEX and low.category == FLOATING:
            return complex128 if low is float64 else high
        return high
    if a.category == INTEGER:
        if {a, b} == {uint8, int8}:
            return int16
        return max(a, b, key=_INTEGER_ORDER.index)
    if a.category == FLOATING:
        if {a, b} == {float16, bfloat16}:
            return float32
        return max(a, b, key=lambda d: d.itemsize)
    return max(a, b, key=lambda d: d.itemsize)


def can_cast(source: dtype, target: dtype) -> builtins.bool:
    """Whether an op's result of dtype `source` may be written into a tensor of `target`."""
    if source.category == COMPLEX and target.category != COMPLEX:
        return False
    if source.category == FLOATING and target.category < FLOATING:
        return False
    return not (source is not bool and target is bool)


def scalar_dtype(value: object) -> dtype:
    """The dtype a Python number takes when it stands alone (torch.tensor(3.5))."""
    if isinstance(value, builtins.bool | np.bool_):
        return bool
    if isinstance(value, builtins.int | np.integer):
        return int64
    if isinstance(value, builtins.float | np.floating):
        return get_default_dtype()
    if isinstance(value, builtins.complex | np.complexfloating):
        return complex128 if get_default_dtype() is float64 else complex64
    raise TypeError(f"not a number: {type(value).__name__}")


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """Let a lower-priority group (zero-dim tensors, then Python numbers) raise the category."""
    if higher is None:
        return lower
    if lower is None or higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        return higher.to_complex() if higher.category == FLOATING else lower
    if higher.category == FLOATING:
        return higher
    if higher is bool or lower.category == FLOATING:
        return promote_types(higher, lower)
    return higher


def result_type(*operands: object) -> dtype:
    """torch.result_type: tensors with dimensions decide, zero-dim tensors and Python numbers
    count only when they belong to a higher category."""
    dims = zeros = numbers = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dims = d if dims is None else promote_types(dims, d)
            else:
                zeros = d if zeros is None else promote_types(zeros, d)
        else:
            d = scalar_dtype(x)
            numbers = d if numbers is None else promote_types(numbers, d)
    result = _combine(dims, _combine(zeros, numbers))
    assert result is not None, "result_type needs at least one operand"
    return result


class finfo:  # noqa: N801 - PyTorch's spelling
    """Machine limits of a floating dtype (of its real part for a complex one); the default
    dtype when called with none. Values are Python floats and `dtype` a string, as in
    PyTorch."""

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002 - PyTorch's name
        type = get_default_dtype() if type is None else type
        if type.category not in (FLOATING, COMPLEX):
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to "
                "handle 'torch.finfo'"
            )
        type = type.to_real()
        info = ml_dtypes.finfo(type.np)
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = builtins.float(f"1e-{info.precision}")
        self.dtype = type.name

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's spelling
    """Limits of an integer dtype (bool has none in PyTorch)."""

    def __init__(self, type: dtype) -> None:  # noqa: A002 - PyTorch's name
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.category != INTEGER:
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                "'torch.iinfo'"
            )
        info = np.iinfo(type.np)
        self.bits, self.max, self.min, self.dtype = (
            info.bits,
            int(info.max),
            int(info.min),
            type.name,
        )

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
