"""torch.nn.functional.linear.

PyTorch computes a 2-D linear as addmm(bias, input, weight.t()) (mm without a bias): one
matmul forward, and backward one matmul per input that needs a gradient (the bias gradient is
a sum), the weight's in the order that lays it out as the weight is (weight.t() is
column-major, see ops/linalg.py). Other ranks are flattened to 2-D and viewed back, as PyTorch
does.
"""

from __future__ import annotations

import math

from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.nn.common import _reference, _require_tensor
from conformance.reference.ops.linalg import column_major, mm_arrays
from conformance.reference.ops.linalg_products import addmm_arrays
from conformance.reference.tensor import Tensor


def _layouts(mat1: Tensor, mat2: Tensor) -> tuple:
    """Whether each operand is column-major (weight.t() is), which shapes its gradient."""
    return column_major(mat1._data), column_major(mat2._data)


def _check_linear(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's messages name the operands of the addmm (with a bias: self, mat1, mat2) or mm
    (without one: m1, m2) that linear becomes, and addmm checks the bias first."""
    if bias is None:
        if input._dtype is not weight._dtype:
            raise RuntimeError(
                "expected m1 and m2 to have the same dtype, but got: "
                f"{cpp_type_name(input._dtype)} != {cpp_type_name(weight._dtype)}"
            )
    else:
        if bias._dtype is not weight._dtype:
            raise RuntimeError(
                "self and mat2 must have the same dtype, but got "
                f"{scalar_type_name(bias._dtype)} and {scalar_type_name(weight._dtype)}"
            )
        if input._dtype is not weight._dtype:
            raise RuntimeError(
                "mat1 and mat2 must have the same dtype, but got "
                f"{scalar_type_name(input._dtype)} and {scalar_type_name(weight._dtype)}"
            )
    if weight.ndim == 2 and input.ndim >= 1 and input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]})"
        )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias."""
    _require_tensor("linear", input)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.ndim}D and {weight.ndim}D"
        )
    _check_linear(input, weight, bias)
    if weight.ndim != 2:
        if bias is not None and input.ndim >= 2:  # PyTorch's addmm path wants a matrix
            raise RuntimeError(f"mat2 must be a matrix, got {weight.ndim}-D tensor")
        out = _reference().matmul(input, weight.t())
        return out if bias is None else out + bias
    if input.ndim == 2:
        mat2 = weight.t()
        if bias is None:
            return mm_arrays(input, mat2, _layouts(input, mat2))
        _check_bias(bias, (input.shape[0], weight.shape[0]))
        return addmm_arrays(bias, input, mat2, 1, 1, _layouts(input, mat2))
    if bias is not None and bias.ndim == 1 and input.is_contiguous():
        # ATen folds the batch into the rows of one addmm only for a contiguous input.
        out_shape = (*input.shape[:-1], weight.shape[0])
        flat = input.reshape(-1, input.shape[-1])
        mat2 = weight.t()
        _check_bias(bias, (flat.shape[0], weight.shape[0]))
        return addmm_arrays(bias, flat, mat2, 1, 1, _layouts(flat, mat2)).view(out_shape)
    out = _reference().matmul(input, weight.t())
    return out if bias is None else out.add_(bias)  # ATen adds the bias in place


def _check_bias(bias: Tensor, target: tuple) -> None:
    """addmm expands its `self` to the product's shape; PyTorch's message if it cannot."""
    shape = bias._data.shape
    if shape == target[1:]:  # the usual (out_features,) bias
        return
    if len(shape) > len(target):
        return
    padded = (1,) * (len(target) - len(shape)) + shape
    for i, (have, want) in enumerate(zip(padded, target, strict=True)):
        if have != 1 and have != want:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size "
                f"({have}) at non-singleton dimension {i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(shape)}"
            )
