"""conformance.reference: PyTorch's tensor and autograd semantics, written to be read.

Use it as `import conformance.reference as torch`. Arrays are NumPy on the CPU; every op is
written once against the array namespace of its device. It never imports torch.
"""

from __future__ import annotations

import builtins

from conformance.reference import (
    autograd,
    cuda,
    func,
    linalg,
    nn,
    optim,
    return_types,
    special,
    testing,
)
from conformance.reference import dtypes as _dtypes
from conformance.reference.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled
from conformance.reference.devices import device, get_default_device, set_default_device
from conformance.reference.dtypes import (
    bfloat16,
    bool,
    can_cast,
    complex64,
    complex128,
    dtype,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from conformance.reference.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from conformance.reference.memory_formats import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    layout,
    memory_format,
    preserve_format,
    strided,
)
from conformance.reference.ops import math as _math  # noqa: F401 - installs the formula namespaces
from conformance.reference.ops import methods as _methods  # noqa: F401 - installs Tensor methods
from conformance.reference.ops import parsed_functions as _parsed
from conformance.reference.ops.argument_errors import need_tensor as _need_tensor
from conformance.reference.ops.bessel_functions import *  # noqa: F403 - i0
from conformance.reference.ops.complex_parts import *  # noqa: F403 - conj, angle, ...
from conformance.reference.ops.counts_and_covariance import *  # noqa: F403 - bincount, cov, ...
from conformance.reference.ops.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    empty_permuted,
    empty_strided,
    eye,
    from_numpy,
    full,
    full_like,
    initial_seed,
    legacy_type,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    seed,
    tensor,
    zeros,
    zeros_like,
)
from conformance.reference.ops.extremes import *  # noqa: F403 - max, min, argmax, ...
from conformance.reference.ops.finite_differences import *  # noqa: F403 - gradient
from conformance.reference.ops.gamma_functions import *  # noqa: F403 - lgamma, digamma, ...
from conformance.reference.ops.gathering import *  # noqa: F403 - index_select, gather, ...
from conformance.reference.ops.grids import *  # noqa: F403 - meshgrid, cdist, ...
from conformance.reference.ops.householder_product import orgqr
from conformance.reference.ops.index_writes import *  # noqa: F403 - index_add, index_put, ...
from conformance.reference.ops.inplace_forms import *  # noqa: F403 - abs_, relu_, ...
from conformance.reference.ops.joins import *  # noqa: F403 - cat, stack, ...
from conformance.reference.ops.linalg import *  # noqa: F403 - matmul, mm, bmm, mv, dot, outer
from conformance.reference.ops.linalg_decompositions import *  # noqa: F403
from conformance.reference.ops.linalg_lu import *  # noqa: F403 - lu, lu_solve
from conformance.reference.ops.linalg_solvers import *  # noqa: F403 - triangular_solve, ...
from conformance.reference.ops.linalg_spectral import *  # noqa: F403 - svd, qr, pinverse, ...
from conformance.reference.ops.matrix_exponential import *  # noqa: F403 - matrix_exp
from conformance.reference.ops.methods import positive
from conformance.reference.ops.nn_functions import *  # noqa: F403 - conv2d, layer_norm, ...
from conformance.reference.ops.normal_distribution import *  # noqa: F403 - erfinv
from conformance.reference.ops.norms import *  # noqa: F403 - norm
from conformance.reference.ops.picking import *  # noqa: F403 - take, take_along_dim, masked_select
from conformance.reference.ops.pointwise import (
    abs,
    absolute,
    acos,
    acosh,
    add,
    addcdiv,
    addcmul,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    copysign,
    cos,
    cosh,
    deg2rad,
    div,
    divide,
    eq,
    erf,
    erfc,
    exp,
    exp2,
    expm1,
    fill,
    fix,
    float_power,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    frexp,
    gcd,
    ge,
    greater,
    greater_equal,
    gt,
    heaviside,
    hypot,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    lcm,
    ldexp,
    le,
    lerp,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    nan_to_num,
    ne,
    neg,
    negative,
    nextafter,
    not_equal,
    rad2deg,
    reciprocal,
    relu,
    remainder,
    round,
    rsqrt,
    rsub,
    sgn,
    sigmoid,
    sign,
    signbit,
    sin,
    sinc,
    sinh,
    sqrt,
    square,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
    where,
    xlogy,
)
from conformance.reference.ops.pointwise import (
    pow_base_number as _pow_base_number,
)
from conformance.reference.ops.random_sampling import *  # noqa: F403 - normal, bernoulli, ...
from conformance.reference.ops.rearranging import *  # noqa: F403 - movedim, diagonal, tril, ...
from conformance.reference.ops.reductions import *  # noqa: F403 - sum, mean, prod, ...
from conformance.reference.ops.repeat_and_flip import *  # noqa: F403 - flip
from conformance.reference.ops.rolls_and_tiles import *  # noqa: F403 - roll, rot90, tile, ...
from conformance.reference.ops.runtime import *  # noqa: F403 - get_num_threads, typename, ...
from conformance.reference.ops.scattering import *  # noqa: F403 - scatter, scatter_add, scatter_reduce
from conformance.reference.ops.scatters import *  # noqa: F403 - slice_scatter, index_reduce, ...
from conformance.reference.ops.searching import *  # noqa: F403 - searchsorted, quantile, ...
from conformance.reference.ops.shape import (
    chunk,
    clone,
    expand,
    flatten,
    narrow,
    select,
    split,
    squeeze,
    t,
    transpose,
    unbind,
    unsqueeze,
)
from conformance.reference.ops.shape import torch_permute as permute
from conformance.reference.ops.shape import torch_reshape as reshape
from conformance.reference.ops.softmax import *  # noqa: F403 - softmax, logsumexp, ...
from conformance.reference.ops.sorting import *  # noqa: F403 - sort, topk, median, ...
from conformance.reference.ops.splits_and_stacks import *  # noqa: F403 - hstack, tensor_split, ...
from conformance.reference.ops.statistics import *  # noqa: F403 - cumprod, var_mean, ...
from conformance.reference.ops.strided import *  # noqa: F403 - as_strided, ...
from conformance.reference.ops.variance import *  # noqa: F403 - var, std
from conformance.reference.ops.view_copies import *  # noqa: F403 - permute_copy, view_copy, ...
from conformance.reference.ops.windows import *  # noqa: F403 - hann_window, kaiser_window, ...
from conformance.reference.printing import set_printoptions
from conformance.reference.tensor import Size, Tensor
from conformance.reference.vmap import vmap

__version__ = "0.1.0"


def det(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's keyword
    """torch.det: torch.linalg.det, whose argument is named A."""
    return linalg.det(input)


__pytorch_version__ = "2.13.0"

float = float32  # noqa: A001 - torch.float
double = float64
half = float16
long = int64
int = int32  # noqa: A001 - torch.int
short = int16
cfloat = complex64
cdouble = complex128

FloatTensor = legacy_type(float32)
DoubleTensor = legacy_type(float64)
HalfTensor = legacy_type(float16)
BFloat16Tensor = legacy_type(bfloat16)
LongTensor = legacy_type(int64)
IntTensor = legacy_type(int32)
ShortTensor = legacy_type(int16)
CharTensor = legacy_type(int8)
ByteTensor = legacy_type(uint8)
BoolTensor = legacy_type(bool)


def result_type(tensor1, tensor2):
    return _dtypes.result_type(tensor1, tensor2)


def is_inference(input: Tensor) -> bool:
    return input.is_inference()


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    _need_tensor("allclose", "input", 1, input)
    _need_tensor("allclose", "other", 2, other)
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan).all())


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Equal elements (infinities included) are close; others when |input - other| is finite
    and within atol + rtol * |other|, computed in the default float dtype for integers."""
    _need_tensor("isclose", "input", 1, input)
    _need_tensor("isclose", "other", 2, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"{_dtypes.scalar_type_name(input.dtype)} did not match "
            f"{_dtypes.scalar_type_name(other.dtype)}"
        )
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value:g}")
    with no_grad():
        close = input == other
        if equal_nan:
            close = close | (isnan(input) & isnan(other))
        if rtol == 0 and atol == 0:
            return close
        if not input.is_floating_point():
            input, other = input.to(get_default_dtype()), other.to(get_default_dtype())  # noqa: A001
        difference = abs(input - other)
        return close | (isfinite(difference) & (difference <= atol + rtol * abs(other)))


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    _need_tensor("is_complex", "input", 1, input)
    return input.is_complex()


def is_nonzero(input: Tensor) -> bool:
    """bool() of a one-element tensor: PyTorch's errors for none or several elements."""
    _need_tensor("is_nonzero", "input", 1, input)
    return builtins.bool(input)


def detach(input: Tensor) -> Tensor:
    return input.detach()


def numel(input: Tensor) -> int:
    return input.numel()


def set_warn_always(flag) -> None:
    """Warnings here always show (Python's own filters decide); kept for API parity."""


def equal(input: Tensor, other: Tensor):
    _need_tensor("equal", "input", 1, input)
    _need_tensor("equal", "other", 2, other)
    return input.equal(other)


def pow(input, exponent):  # noqa: A001
    if isinstance(input, Tensor):
        return input.pow(exponent)
    return _pow_base_number(input, exponent)


# torch.range, deprecated; named here last, where it shadows the builtin only for importers.
from conformance.reference.ops.creation import deprecated_range as range  # noqa: A004, E402

# PyTorch's argument parser in front of the exported functions (see ops/parsed_functions.py).
_parsed.export_parsed(globals(), _parsed.TORCH_INPUT, _parsed.TORCH_OTHERS, "")
