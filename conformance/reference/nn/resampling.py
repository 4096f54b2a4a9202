"""torch.nn.functional.interpolate (modes nearest, nearest-exact, linear and bilinear) and
F.bilinear, with PyTorch's checks, node names and derivatives.

Upsampling is separable: along each spatial axis an output position reads one input position
(nearest) or two with weights (linear). PyTorch's CPU kernel nests the axes, the last
innermost, so the reference interpolates along the last axis first, then along the one before
it. Each mode and rank is its own op under PyTorch's node name (UpsampleNearest2DBackward0,
UpsampleBilinear2DBackward0, ...); its derivative adds each output gradient, times the tap's
weight, back to the input positions it read (the op's *BackwardBackward0 when recorded), and
that derivative's derivative is the forward again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.nn.common import _require_tensor
from conformance.reference.ops.define import Op, formula_op, op
from conformance.reference.ops.indexing import _add_at
from conformance.reference.tensor import Tensor

__all__ = ["interpolate", "bilinear"]


# -- where each output position reads ----------------------------------------------------------


def _scale(n_in: int, n_out: int, scale: float | None, real: type) -> Any:
    """PyTorch's compute_scales_value: 1/scale_factor when one was given (computed in double,
    then rounded to `real`), else in/out computed in `real`."""
    if scale is not None and scale > 0:
        return real(1.0 / scale)
    return real(n_in) / real(n_out)


def _nearest_taps(n_in: int, n_out: int, scale: float | None, exact: bool) -> list:
    """One tap: min(floor(i * s), n_in - 1), or floor((i + 0.5) * s) for nearest-exact, in
    float32 as PyTorch's kernel computes it. Plain nearest copies when the sizes agree and
    halves the index when the output is twice the input, before any arithmetic."""
    i = np.arange(n_out)
    if not exact and n_out == n_in:
        return [(i, None)]
    if not exact and n_out == 2 * n_in:
        return [(i >> 1, None)]
    s = _scale(n_in, n_out, scale, np.float32)
    position = (i.astype(np.float32) + np.float32(0.5)) * s if exact else i.astype(np.float32) * s
    return [(np.minimum(np.floor(position).astype(np.int64), n_in - 1), None)]


def _linear_taps(n_in, n_out, scale, align_corners, real: type, weight: type) -> list:
    """Two taps (PyTorch's compute_source_index_and_lambda): the source position is
    s * i with align_corners, else s * (i + 0.5) - 0.5 clamped at 0; it reads floor(position)
    and the next input (or the same one at the end), weighted 1 - lambda and lambda. The
    positions are computed in `real` (float32 below float64) and the weights rounded to
    `weight`, as the kernel stores them. Equal sizes copy (weights 1 and 0)."""
    i = np.arange(n_out)
    if n_out == n_in:
        return [(i, np.ones(n_out, weight)), (i, np.zeros(n_out, weight))]
    if align_corners:
        s = real(n_in - 1) / real(n_out - 1) if n_out > 1 else real(0)
        position = s * i.astype(real)
    else:
        s = _scale(n_in, n_out, scale, real)
        position = np.maximum(s * (i.astype(real) + real(0.5)) - real(0.5), real(0))
    first = np.minimum(np.floor(position).astype(np.int64), n_in - 1)
    lam = np.clip(position - first.astype(real), 0, 1).astype(weight)
    second = first + (first < n_in - 1)
    return [(first, (1 - lam).astype(weight)), (second, lam)]


def _taps(shape: tuple, settings: tuple, dtype: Any) -> list:
    """Per spatial axis, the taps of `settings` = (mode, output_size, align_corners, scales)."""
    mode, output_size, align_corners, scales = settings
    real = np.float64 if dtype == np.float64 else np.float32
    # The weights are stored in the input's dtype, except by the 2-D kernel for the 16-bit
    # floats, which keeps them in float32.
    rounded = dtype.kind == "f" and (dtype.itemsize >= 4 or len(shape) == 3)
    weight = dtype.type if rounded else np.float32
    result = []
    for n_in, n_out, scale in zip(shape[2:], output_size, scales, strict=True):
        if mode == "linear":
            result.append(_linear_taps(n_in, n_out, scale, align_corners, real, weight))
        else:
            result.append(_nearest_taps(n_in, n_out, scale, mode == "nearest-exact"))
    return result


# -- the forward and its derivative ------------------------------------------------------------


def _upsample(self: Any, settings: tuple) -> Any:
    """Interpolate along the last axis, then each one before it: sum over taps of the input at
    the tap's positions times its weight, in float32 for the 16-bit floats (PyTorch's opmath);
    uint8 rounds to nearest."""
    xp = array_namespace(self)
    x = self
    if self.dtype.kind != "f" or self.dtype.itemsize < 4:
        x = x.astype(np.float32)
    for axis, taps in reversed(list(enumerate(_taps(self.shape, settings, self.dtype), 2))):
        total = None
        for index, w in taps:
            term = xp.take(x, xp.asarray(index), axis=axis)
            if w is not None:
                shape = [1] * x.ndim
                shape[axis] = len(w)
                term = term * xp.asarray(w.astype(x.dtype).reshape(shape))
            total = term if total is None else total + term
        x = total
    if self.dtype == np.uint8:
        x = xp.clip(xp.rint(x), 0, 255)
    return xp.ascontiguousarray(x.astype(self.dtype, copy=False))


def _upsample_backward(grad_output: Any, input_size: tuple, settings: tuple) -> Any:
    """Each output gradient times its tap's weight, added to the input position the tap read;
    along the axes in the forward's reverse order (first axis first)."""
    xp = array_namespace(grad_output)
    g = grad_output
    if g.dtype.itemsize < 4:
        g = g.astype(np.float32)
    for axis, taps in enumerate(_taps(input_size, settings, grad_output.dtype), 2):
        moved = xp.moveaxis(g, axis, -1)
        out = xp.zeros((*moved.shape[:-1], input_size[axis]), dtype=g.dtype)
        for index, w in taps:
            share = moved if w is None else moved * xp.asarray(w.astype(g.dtype))
            _add_at(out, (Ellipsis, xp.asarray(index)), share)
        g = xp.moveaxis(out, -1, axis)
    return xp.ascontiguousarray(g.astype(grad_output.dtype, copy=False))


def _declare(name: str) -> tuple[Op, Op]:
    """The forward op and its derivative's op, under PyTorch's node names for one mode and
    rank: `name`Backward0 and `name`BackwardBackward0."""
    backward: Op

    def upsample(self, settings):
        return _upsample(self, settings)

    def upsample_backward(grad_output, input_size, settings):
        return _upsample_backward(grad_output, input_size, settings)

    forward = op(
        f"{name}Backward0",
        self=lambda grad, self_shape, settings, F: formula_op(F, backward)(
            grad, tuple(self_shape), settings
        ),
    )(upsample)
    backward = op(
        f"{name}BackwardBackward0",
        grad_output=lambda grad, settings, F: formula_op(F, forward)(grad, settings),
    )(upsample_backward)
    return forward, backward


_OPS: dict[tuple[str, int], tuple[Op, Op]] = {
    ("nearest", 3): _declare("UpsampleNearest1D"),
    ("nearest", 4): _declare("UpsampleNearest2D"),
    ("nearest-exact", 3): _declare("UpsampleNearestExact1D"),
    ("nearest-exact", 4): _declare("UpsampleNearestExact2D"),
    ("linear", 3): _declare("UpsampleLinear1D"),
    ("bilinear", 4): _declare("UpsampleBilinear2D"),
}

# The kernel whose dtype dispatch refuses a dtype, as PyTorch's message names it.
_KERNELS = {
    ("nearest", 3): "compute_indices_weights_nearest",
    ("nearest-exact", 3): "compute_indices_weights_nearest",
    ("linear", 3): "compute_indices_weights_linear",
    ("nearest", 4): "upsample_nearest2d_channels_last",
    ("nearest-exact", 4): "upsample_nearest2d_channels_last",
    ("bilinear", 4): "upsample_bilinear2d_channels_last",
}


# -- F.interpolate -----------------------------------------------------------------------------


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool | int | np.integer):
        return True
    return isinstance(x, Tensor) and not x.is_floating_point()


def _sizes(input: Tensor, size: Any, scale_factor: Any, recompute: Any) -> tuple:
    """F.interpolate's Python checks, in its order: (output size or None, scale factors or
    None), exactly one of them set."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, list | tuple):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format."
                )
            if not all(_is_integer(x) for x in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    "Tuple[int, int, int], but got size with types "
                    f"{[type(x) for x in size]}"
                )
            output_size, scales = [int(s) for s in size], None
        else:
            output_size, scales = [int(size)] * dim, None
    elif scale_factor is not None:
        if isinstance(scale_factor, list | tuple):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {spatial} and scale_factor of "
                    f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,"
                    "dK) format and scale_factor in (s1, s2, ...,sK) format."
                )
            output_size, scales = None, [float(s) for s in scale_factor]
        else:
            output_size, scales = None, [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute:
        output_size = [math.floor(n * s) for n, s in zip(spatial, scales, strict=True)]
        scales = None
    return output_size, scales


def _check_upsample(input: Tensor, output_size: list, key: tuple) -> None:
    """ATen's upsample checks: positive sizes (its message spells 1-D and 2-D differently),
    a non-empty tensor apart from the batch, then the dtype."""
    names = ("H", "W")[-len(output_size) :]
    spatial = input.shape[2:]
    if min(spatial) <= 0 or min(output_size) <= 0:
        have = ", ".join(f"{n}: {s}" for n, s in zip(names, spatial, strict=True))
        want = ", ".join(f"{n}: {s}" for n, s in zip(names, output_size, strict=True))
        joint = " and" if len(output_size) == 1 else ""
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input "
            f"({have}){joint} output ({want})"
        )
    if input.shape[1] == 0:
        raise RuntimeError(
            f"Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
            f"{list(input.shape)}"
        )
    if not (input.is_floating_point() or (input.dtype.name == "uint8" and key[0] != "linear")):
        raise NotImplementedError(
            f"\"{_KERNELS[key]}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample the spatial dims (all but the first two) to `size`, or by `scale_factor`.

    Without recompute_scale_factor a given scale_factor is passed on: the output size is
    floor(n * scale), and the source positions use 1/scale, not n/out (so scale 0.7 on 5
    elements reads other positions than size=3 does). Modes nearest, nearest-exact, linear
    (3-D input) and bilinear (4-D input); antialias and the other modes are not in the
    reference. PyTorch 2.13 warns about nothing here (its old align_corners warning is gone).
    """
    _require_tensor("interpolate", input)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the "
                "interpolating modes: linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    output_size, scales = _sizes(input, size, scale_factor, recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    key = (mode, input.ndim)
    if key not in _OPS:
        if mode in ("linear", "bilinear", "trilinear") and input.ndim in (3, 4, 5):
            needs = {"linear": 3, "bilinear": 4, "trilinear": 5}[mode]
            raise NotImplementedError(
                f"Got {input.ndim}D input, but {mode} mode needs {needs}D input"
            )
        if mode in ("area", "bicubic", "trilinear", "lanczos") or antialias:
            raise NotImplementedError(f"interpolate mode {mode!r} is not in the reference")
        if input.ndim == 5 and mode in ("nearest", "nearest-exact"):
            raise NotImplementedError("interpolate of 5-D input is not in the reference")
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported"
            f" (got {input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | "
            f"trilinear | lanczos | area | nearest-exact (got {mode})"
        )
    if antialias:
        raise NotImplementedError("interpolate with antialias=True is not in the reference")
    if output_size is None:
        # ATen's compute_output_size: the size times the scale, truncated.
        output_size = [int(n * s) for n, s in zip(input.shape[2:], scales, strict=True)]
    _check_upsample(input, output_size, key)
    kind = "linear" if mode in ("linear", "bilinear") else mode
    settings = (
        kind,
        tuple(output_size),
        bool(align_corners),
        tuple(scales) if scales is not None else (None,) * len(output_size),
    )
    return _OPS[key][0](input, settings)


# -- F.bilinear --------------------------------------------------------------------------------


def _pairs(input1, input2, F):
    """(B, I * J): each row's outer product x1 x2^T, flattened."""
    outer = F.unsqueeze(input1, 2) * F.unsqueeze(input2, 1)
    return F.reshape(outer, (input1.shape[0], input1.shape[1] * input2.shape[1]))


def _contracted(grad, weight, F):
    """(B, I, J): sum_k grad[b, k] A_k."""
    o, i, j = weight.shape
    return F.reshape(grad @ F.reshape(weight, (o, i * j)), (grad.shape[0], i, j))


@op(
    "TrilinearBackward0",
    i1=lambda grad, weight, i2, F: F.sum(_contracted(grad, weight, F) * F.unsqueeze(i2, 1), 2),
    weight=lambda grad, i1, i2, weight_shape, F: F.reshape(
        F.t(grad) @ _pairs(i1, i2, F), tuple(weight_shape)
    ),
    i2=lambda grad, i1, weight, F: F.sum(_contracted(grad, weight, F) * F.unsqueeze(i1, 2), 1),
)
def _trilinear(i1, weight, i2):
    """out[b, k] = sum_ij i1[b, i] A_k[i, j] i2[b, j] on 2-D inputs: ATen's _trilinear as
    bilinear calls it."""
    return _pairs(i1, i2, _ArrayOps) @ weight.reshape(weight.shape[0], -1).T


class _ArrayOps:
    """The three functions _pairs needs, on arrays (the forward runs outside the math
    namespace)."""

    unsqueeze = staticmethod(lambda a, dim: array_namespace(a).expand_dims(a, dim))
    reshape = staticmethod(lambda a, shape: a.reshape(shape))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., k] = x1^T A_k x2 + b_k. As PyTorch composes it: both inputs flattened to 2-D,
    _trilinear (TrilinearBackward0), viewed back to the batch shape, then the bias added
    (AddBackward0)."""
    _require_tensor("bilinear", input1)
    operands = [("input1", input1), ("input2", input2), ("weight", weight)]
    if bias is not None:
        operands.append(("bias", bias))
    if any(t.dtype != input1.dtype for _, t in operands):
        listed = ", ".join(f"{name}: {cpp_type_name(t.dtype)}" for name, t in operands)
        raise RuntimeError(f"All tensors must have the same dtype, got {listed}")
    if input1.ndim != input2.ndim:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}"
        )
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {i}: got "
                f"{input1.shape[i]} and "
                f"{input2.shape[i]}"
            )
    for name, x, at in (("input1", input1, 1), ("input2", input2, 2)):
        if x.shape[-1] != weight.shape[at]:
            raise RuntimeError(
                f"bilinear(): {name} size does not match weight size: got {x.shape[-1]} but "
                f"expected {weight.shape[at]}"
            )
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but "
            f"expected {weight.shape[0]}"
        )
    out_shape = (*input1.shape[:-1], weight.shape[0])
    flat1 = input1.reshape(-1, input1.shape[-1])
    flat2 = input2.reshape(-1, input2.shape[-1])
    output = _trilinear(flat1, weight, flat2).reshape(out_shape)
    return output if bias is None else output + bias
