"""torch.nn.functional.interpolate (every mode: nearest, nearest-exact, linear, bilinear,
bicubic, trilinear, area, and antialiased bilinear, bicubic and lanczos) and F.bilinear, with
PyTorch's checks, node names and derivatives.

Resampling is separable: along each spatial axis an output position reads a few input
positions ("taps") with weights: one (nearest), two (linear), four (bicubic), a window of
them (area, antialias). PyTorch's CPU kernels nest the axes, the last innermost, so the
reference resamples along the last axis first, then along the one before it. Each mode and
rank is its own op under PyTorch's node name (UpsampleNearest2DBackward0,
UpsampleBicubic2DAaBackward0, ...); its derivative adds each output gradient, times the tap's
weight, back to the input positions it read (the op's *BackwardBackward0 when recorded), and
that derivative's derivative is the forward again. Area is adaptive average pooling, as
PyTorch computes it: nn/pooling.py's for 1-D and 2-D, adaptive_avg_pool3d here.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np

from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.nn import pooling
from conformance.reference.nn.common import _require_tensor
from conformance.reference.ops.define import Op, formula_op, op
from conformance.reference.ops.fused_multiply_add import fused_multiply_add
from conformance.reference.ops.indexing import _add_at
from conformance.reference.tensor import Tensor

__all__ = ["interpolate", "bilinear", "upsample", "upsample_nearest", "upsample_bilinear"]


# -- where each output position reads ----------------------------------------------------------


def _scale(n_in: int, n_out: int, scale: float | None, real: type) -> Any:
    """PyTorch's compute_scales_value: 1/scale_factor when one was given (computed in double,
    then rounded to `real`), else in/out computed in `real`."""
    if scale is not None and scale > 0:
        return real(1.0 / scale)
    return real(n_in) / real(n_out)


def _nearest_taps(n_in: int, n_out: int, scale: float | None, exact: bool, shortcut: bool) -> list:
    """One tap: min(floor(i * s), n_in - 1), or floor((i + 0.5) * s) for nearest-exact, in
    float32 as PyTorch's kernel computes it. With `shortcut`, plain nearest copies when the
    sizes agree and halves the index when the output is twice the input, before any
    arithmetic: PyTorch's nearest_idx does so in every backward and in the 2-D forward, but
    its 1-D and 3-D forwards compute every index, so with a scale factor that keeps the size
    (1.3 on 3 elements reads 0, 0, 1) their forward and backward disagree, as in PyTorch."""
    i = np.arange(n_out)
    if shortcut and not exact and n_out == n_in:
        return [(i, None)]
    if shortcut and not exact and n_out == 2 * n_in:
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
    else:  # (one fused multiply-add, as the kernel is compiled)
        s = _scale(n_in, n_out, scale, real)
        middle = i.astype(real) + real(0.5)
        position = fused_multiply_add(s, middle, real(-0.5), np.dtype(real)).astype(real)
        position = np.maximum(position, real(0))
    first = np.minimum(np.floor(position).astype(np.int64), n_in - 1)
    lam = np.clip(position - first.astype(real), 0, 1).astype(weight)
    second = first + (first < n_in - 1)
    return [(first, (1 - lam).astype(weight)), (second, lam)]


def _keys_near(x: Any, a: Any) -> Any:
    """Keys' cubic convolution kernel with parameter `a`, for |x| <= 1."""
    return ((a + 2) * x - (a + 3)) * x * x + x.dtype.type(1)


def _keys_far(x: Any, a: Any) -> Any:
    """Keys' cubic convolution kernel with parameter `a`, for 1 < |x| < 2."""
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _cubic_coefficients(t: Any, a: Any) -> list:
    """PyTorch's get_cubic_upsample_coefficients: the kernel at distances 1 + t, t, 1 - t
    and 2 - t from the four taps."""
    one = t.dtype.type(1)
    return [
        _keys_far(t + one, a),
        _keys_near(t, a),
        _keys_near(one - t, a),
        _keys_far((one - t) + one, a),
    ]


def _cubic_taps(n_in, n_out, scale, align_corners, real: type, weight: type) -> list:
    """Four taps around floor(position), clamped into [0, n_in - 1] at the borders (so the
    edge input is read again there, not zero-padded), with the cubic convolution weights of
    A = -0.75 (as OpenCV). Unlike linear, the source position s * (i + 0.5) - 0.5 is not
    clamped at 0: near the start it is negative and the weights extrapolate. floor is taken
    in float32 even for float64 (the kernel calls floorf)."""
    i = np.arange(n_out)
    if align_corners:
        s = real(n_in - 1) / real(n_out - 1) if n_out > 1 else real(0)
        position = s * i.astype(real)
    else:
        s = _scale(n_in, n_out, scale, real)
        position = s * (i.astype(real) + real(0.5)) - real(0.5)
    first = np.minimum(np.floor(position.astype(np.float32)).astype(np.int64), n_in - 1)
    t = np.clip(position - first.astype(real), real(0), real(1)).astype(real)
    weights = _cubic_coefficients(t, real(-0.75))
    return [(np.clip(first + k - 1, 0, n_in - 1), w.astype(weight)) for k, w in enumerate(weights)]


def _windows(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive pooling's windows along one axis: output i covers the inputs
    [floor(i * n_in / n_out), ceil((i + 1) * n_in / n_out)); (starts, lengths)."""
    i = np.arange(n_out)
    start = i * n_in // n_out
    return start, -(-(i + 1) * n_in // n_out) - start


def _area_taps(n_in: int, n_out: int, real: type) -> list:
    """Adaptive average pooling along one axis: one tap per offset within the longest window,
    weighted 1 / (its window's length) and masked outside the window (a masked tap adds
    nothing, so an inf beyond a window stays out of it)."""
    start, length = _windows(n_in, n_out)
    weight = (real(1) / length.astype(real)).astype(real)
    return [
        (np.minimum(start + k, n_in - 1), weight, k < length)
        for k in range(int(length.max(initial=0)))
    ]


def _bilinear_filter(x: Any) -> Any:
    """The triangle: 1 - |x| within 1 of the centre."""
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0).astype(x.dtype)


def _bicubic_filter(x: Any) -> Any:
    """Keys' cubic with a = -0.5 (as PIL), not the -0.75 of plain bicubic."""
    x = np.abs(x)
    a = x.dtype.type(-0.5)
    return np.where(x < 1, _keys_near(x, a), np.where(x < 2, _keys_far(x, a), 0)).astype(x.dtype)


def _lanczos_filter(x: Any) -> Any:
    """Lanczos with a = 3: sinc(x) sinc(x / 3) within 3 of the centre."""
    x = np.abs(x)
    px = np.where(x == 0, 1, np.pi * x)
    sinc = np.where(x == 0, 1, np.sin(px) / px)
    sinc3 = np.where(x == 0, 1, np.sin(px / 3) / (px / 3))
    return np.where(x < 3, sinc * sinc3, 0).astype(x.dtype)


# The antialiased kernels: (interpolation size, filter).
_FILTERS = {
    "linear-aa": (2, _bilinear_filter),
    "cubic-aa": (4, _bicubic_filter),
    "lanczos-aa": (6, _lanczos_filter),
}


def _antialias_taps(n_in, n_out, scale, align_corners, real: type, kind: str) -> list:
    """PyTorch's antialiased taps (PIL's resampling): output i is centred at s * (i + 0.5)
    in the input whatever align_corners (which changes only s). When downsampling (s > 1)
    the filter is stretched by s, so it covers (interpolation size) * s inputs and averages
    them; when upsampling it is the plain filter. It reads the inputs
    [int(centre - support + 0.5), int(centre + support + 0.5)) cut to the tensor (no
    clamped repeats of the border), weighted filter((j - centre + 0.5) / max(s, 1)) and
    normalised to sum 1. One tap per offset within the widest window, masked beyond each."""
    if align_corners:
        s = real(n_in - 1) / real(n_out - 1) if n_out > 1 else real(0)
    else:
        s = _scale(n_in, n_out, scale, real)
    size, kernel = _FILTERS[kind]
    support = real(size * 0.5) * s if s >= 1 else real(size * 0.5)
    widest = int(math.ceil(support)) * 2 + 1
    inverse = real(1) / s if s >= 1 else real(1)
    centre = s * (np.arange(n_out).astype(real) + real(0.5))
    start = np.maximum((centre - support + real(0.5)).astype(np.int64), 0)
    stop = np.minimum((centre + support + real(0.5)).astype(np.int64), n_in)
    length = np.clip(stop - start, 0, widest)
    offsets = np.arange(widest)
    inside = offsets[None, :] < length[:, None]
    where = (start[:, None] + offsets[None, :]).astype(real)
    weights = kernel(((where - centre[:, None] + real(0.5)) * inverse).astype(real))
    weights = np.where(inside, weights, real(0)).astype(real)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total != 0, weights / np.where(total != 0, total, 1), weights)
    index = np.minimum(start[:, None] + offsets[None, :], n_in - 1)
    return [(index[:, k], weights[:, k].astype(real), inside[:, k]) for k in range(widest)]


def _taps(shape: tuple, settings: tuple, dtype: Any, backward: bool = False) -> list:
    """Per spatial axis, the taps of `settings` = (mode, output_size, align_corners, scales),
    for the forward or the `backward`."""
    mode, output_size, align_corners, scales = settings
    floating = dtype.kind == "f" or dtype.name == "bfloat16"
    # Positions and weights in float32 below float64, but for the cubic kernel on 16-bit
    # floats, whose outputs match PyTorch's bit for bit only with them computed in float64.
    wide = dtype == np.float64 or (mode == "cubic" and floating and dtype.itemsize == 2)
    real = np.float64 if wide else np.float32
    # The weights are stored in the input's dtype, except by the 2-D and 3-D linear kernels
    # for the 16-bit floats, which keep them in float32 (3-D: closest, not exact; see
    # test_resampling_modes.py).
    rounded = floating and (dtype.itemsize >= 4 or len(shape) == 3 or mode == "cubic")
    weight = dtype.type if rounded else np.float32
    result = []
    for n_in, n_out, scale in zip(shape[2:], output_size, scales, strict=True):
        if mode == "linear":
            result.append(_linear_taps(n_in, n_out, scale, align_corners, real, weight))
        elif mode == "cubic":
            result.append(_cubic_taps(n_in, n_out, scale, align_corners, real, weight))
        elif mode == "area":
            result.append(_area_taps(n_in, n_out, real))
        elif mode.endswith("-aa") and n_out == n_in and not backward:
            # The antialiased forward skips an axis whose size is kept; its backward does not.
            result.append([(np.arange(n_out), None)])
        elif mode.endswith("-aa"):
            precision = np.float32 if dtype == np.float32 else np.float64
            result.append(_antialias_taps(n_in, n_out, scale, align_corners, precision, mode))
        else:
            shortcut = backward or len(shape) == 4
            exact = mode == "nearest-exact"
            result.append(_nearest_taps(n_in, n_out, scale, exact, shortcut))
    return result


# -- the forward and its derivative ------------------------------------------------------------


def _upsample(self: Any, settings: tuple) -> Any:
    """Interpolate along the last axis, then each one before it: sum over taps of the input at
    the tap's positions times its weight (a masked tap adds nothing), in float32 for the
    16-bit floats (PyTorch's opmath). uint8 rounds to nearest, and clamps into 0..255, at the
    end; bicubic and the antialiased modes, which PyTorch computes in fixed point one axis at
    a time, after every axis (their overshoot is clamped before the next axis reads it)."""
    xp = array_namespace(self)
    x = self
    if self.dtype.kind != "f" or self.dtype.itemsize < 4:
        x = x.astype(np.float32)
    for axis, taps in reversed(list(enumerate(_taps(self.shape, settings, self.dtype), 2))):
        total = None
        shape = [1] * x.ndim
        if settings[0] == "linear":  # t0 * w0 + t1 * w1, one fused multiply-add
            (first, w0), (second, w1) = taps
            shape[axis] = len(first)
            t0, t1 = (xp.take(x, xp.asarray(index), axis=axis) for index in (first, second))
            w0, w1 = (xp.asarray(w.astype(x.dtype).reshape(shape)) for w in (w0, w1))
            taps, total = (), fused_multiply_add(t0, w0, t1 * w1, x.dtype)
        for index, w, *inside in taps:
            term = xp.take(x, xp.asarray(index), axis=axis)
            shape[axis] = len(index)
            if w is not None:
                term = term * xp.asarray(w.astype(x.dtype).reshape(shape))
            if inside:
                term = xp.where(xp.asarray(inside[0].reshape(shape)), term, 0)
            total = term if total is None else total + term
        if total is None:  # an area pooled to size 0 has no taps
            total = xp.take(x, xp.asarray(np.zeros(0, np.int64)), axis=axis)
        x = total
        if self.dtype == np.uint8 and (settings[0] == "cubic" or settings[0] in _FILTERS):
            x = xp.clip(xp.rint(x), 0, 255)
    if self.dtype == np.uint8:
        x = xp.clip(xp.rint(x), 0, 255)
    return xp.ascontiguousarray(x.astype(self.dtype, copy=False))


def _upsample_backward(grad_output: Any, input_size: tuple, settings: tuple) -> Any:
    """Each output gradient times its tap's weight, added to the input position the tap read;
    along the axes in the forward's reverse order (first axis first)."""
    if settings[0] == "area" and 0 in grad_output.shape[1:]:
        dim = list(grad_output.shape).index(0, 1)
        raise RuntimeError(
            "adaptive_avg_pool3d_backward(): Expected grad_output to have non-zero size for "
            f"non-batch dimensions, but grad_output has sizes {list(grad_output.shape)} with "
            f"dimension {dim} being empty"
        )
    xp = array_namespace(grad_output)
    g = grad_output
    if g.dtype.itemsize < 4:
        g = g.astype(np.float32)
    for axis, taps in enumerate(_taps(input_size, settings, grad_output.dtype, True), 2):
        moved = xp.moveaxis(g, axis, -1)
        out = xp.zeros((*moved.shape[:-1], input_size[axis]), dtype=g.dtype)
        for index, w, *inside in taps:
            share = moved if w is None else moved * xp.asarray(w.astype(g.dtype))
            if inside:
                share = xp.where(xp.asarray(inside[0]), share, 0)
            _add_at(out, (Ellipsis, xp.asarray(index)), share)
        g = xp.moveaxis(out, -1, axis)
    return xp.ascontiguousarray(g.astype(grad_output.dtype, copy=False))


def _adaptive_average(self: Any, settings: tuple) -> Any:
    """adaptive_avg_pool3d's forward: not separable as the other modes, because PyTorch sums
    each window in the input's dtype (16-bit floats included), its elements in order, then
    divides by the window's size; the sum runs here over the offsets within the largest
    window, in that order, skipping the offsets beyond each window."""
    xp = array_namespace(self)
    axes = [_area_taps(n, o, np.float64) for n, o in zip(self.shape[2:], settings[1], strict=True)]
    total = xp.zeros((*self.shape[:2], *settings[1]), dtype=self.dtype)
    for (d, _, d_in), (h, _, h_in), (w, _, w_in) in itertools.product(*axes):
        where = (d[:, None, None], h[None, :, None], w[None, None, :])
        term = self[(slice(None), slice(None), *(xp.asarray(i) for i in where))]
        inside = d_in[:, None, None] & h_in[None, :, None] & w_in[None, None, :]
        total = total + xp.where(xp.asarray(inside), term, self.dtype.type(0))
    d_len, h_len, w_len = (
        _windows(n, o)[1] for n, o in zip(self.shape[2:], settings[1], strict=True)
    )
    # divided by the window's depth, height and width in turn, each quotient rounded
    for length in (d_len[:, None, None], h_len[None, :, None], w_len[None, None, :]):
        wide = total.astype(np.float64 if self.dtype == np.float64 else np.float32)
        total = (wide / xp.asarray(length.astype(wide.dtype))).astype(self.dtype)
    return xp.ascontiguousarray(total)


# adaptive_avg_pool3d, for mode="area" on 5-D input and for nn/adaptive_pooling.py's
# F.adaptive_avg_pool3d (which also takes an unbatched 4-D input). As PyTorch's, its derivative
# takes the pooled input too (for the shape): a recorded derivative reaches the input, with a
# zero derivative.


@op(
    "AdaptiveAvgPool3DBackward0",
    self=lambda grad, self, settings, F: formula_op(F, _adaptive_avg_pool3d_backward)(
        grad, self, settings
    ),
)
def _adaptive_avg_pool3d(self, settings):
    if self.ndim == 4:  # unbatched (C, D, H, W), as F.adaptive_avg_pool3d takes it
        return _adaptive_average(self[None], settings)[0]
    return _adaptive_average(self, settings)


@op(
    "AdaptiveAvgPool3DBackwardBackward0",
    grad_output=lambda grad, settings, F: formula_op(F, _adaptive_avg_pool3d)(grad, settings),
    self=lambda grad, F: F.zeros_like(grad),
)
def _adaptive_avg_pool3d_backward(grad_output, self, settings):
    if self.ndim == 4:
        return _upsample_backward(grad_output[None], (1, *self.shape), settings)[0]
    return _upsample_backward(grad_output, self.shape, settings)


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
    ("bicubic", 4): _declare("UpsampleBicubic2D"),
    ("nearest", 5): _declare("UpsampleNearest3D"),
    ("nearest-exact", 5): _declare("UpsampleNearestExact3D"),
    ("trilinear", 5): _declare("UpsampleTrilinear3D"),
    ("bilinear-aa", 4): _declare("UpsampleBilinear2DAa"),
    ("bicubic-aa", 4): _declare("UpsampleBicubic2DAa"),
    ("lanczos-aa", 4): _declare("UpsampleLanczos2DAa"),
}


# The kernel whose dtype dispatch refuses a dtype, as PyTorch's message names it.
_KERNELS = {
    ("nearest", 3): "compute_indices_weights_nearest",
    ("nearest-exact", 3): "compute_indices_weights_nearest",
    ("linear", 3): "compute_indices_weights_linear",
    ("nearest", 4): "upsample_nearest2d_channels_last",
    ("nearest-exact", 4): "upsample_nearest2d_channels_last",
    ("bilinear", 4): "upsample_bilinear2d_channels_last",
    ("bicubic", 4): "compute_indices_weights_cubic",
    ("nearest", 5): "compute_indices_weights_nearest",
    ("nearest-exact", 5): "compute_indices_weights_nearest",
    ("trilinear", 5): "compute_indices_weights_linear",
    ("bilinear-aa", 4): "compute_index_ranges_weights",
    ("bicubic-aa", 4): "compute_index_ranges_weights",
    ("lanczos-aa", 4): "compute_index_ranges_weights",
}


# -- F.interpolate -----------------------------------------------------------------------------


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool | int | np.integer):
        return True
    return isinstance(x, Tensor) and not x.is_floating_point()


def _sizes(input: Tensor, size: Any, scale_factor: Any, recompute: Any, mode: str) -> tuple:
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
    # Area always recomputes the size from a scale factor (it pools to a size).
    if recompute or (mode == "area" and output_size is None):
        output_size = [int(n * s) for n, s in zip(spatial, scales, strict=True)]
        scales = None
    return output_size, scales


def _check_upsample(input: Tensor, output_size: list, key: tuple) -> None:
    """ATen's upsample checks: positive sizes (its message spells 1-D and the others
    differently),
    a non-empty tensor apart from the batch, then the dtype."""
    names = ("D", "H", "W")[-len(output_size) :]
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
    # uint8 but for (tri)linear; the antialiased kernels take float32, float64 and uint8 only.
    supported = input.is_floating_point() or (
        input.dtype.name == "uint8" and key[0] not in ("linear", "trilinear")
    )
    if key[0].endswith("-aa") and input.dtype.name in ("float16", "bfloat16"):
        supported = False
    if not supported:
        raise NotImplementedError(
            f"\"{_KERNELS[key]}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )


def _area(input: Tensor, output_size: list) -> Tensor:
    """mode="area" is adaptive average pooling to the output size, as F.interpolate calls it:
    adaptive_avg_pool1d (2-D pooling over a height of one, ending in SqueezeBackward1),
    adaptive_avg_pool2d or adaptive_avg_pool3d, each a mean when every output size is 1."""
    if input.ndim == 3:
        return pooling.adaptive_avg_pool2d(input.unsqueeze(-2), (1, *output_size)).squeeze(-2)
    if input.ndim == 4:
        return pooling.adaptive_avg_pool2d(input, output_size)
    if min(output_size) < 0:
        d, h, w = output_size
        raise RuntimeError(
            "adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 "
            f"but received {{{d}, {h},{w}}}"
        )
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                "adaptive_avg_pool3d(): Expected input to have non-zero size for non-batch "
                f"dimensions, but input has sizes {list(input.shape)} with dimension {i} being "
                "empty"
            )
    if tuple(output_size) == (1, 1, 1):  # a mean, with mean's dtype checks
        return input.mean((-1, -2, -3), keepdim=True)
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"adaptive_avg_pool3d_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    settings = ("area", tuple(output_size), False, (None,) * 3)
    return _adaptive_avg_pool3d(input, settings)


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
    elements reads other positions than size=3 does). Area always recomputes the size from a
    scale factor. Modes: nearest and nearest-exact (3-D to 5-D input), linear (3-D), bilinear
    and bicubic (4-D), trilinear (5-D), area (adaptive average pooling, 3-D to 5-D), and with
    antialias=True (4-D only) bilinear, bicubic and lanczos (which requires it). Antialiasing
    changes only downsampling: the filter is stretched over the inputs an output covers.
    PyTorch 2.13 warns about nothing here (its old align_corners warning is gone).
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
    output_size, scales = _sizes(input, size, scale_factor, recompute_scale_factor, mode)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    if mode == "area" and input.ndim in (3, 4, 5):
        return _area(input, output_size)
    if mode == "lanczos" and input.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    key = (f"{mode}-aa" if antialias else mode, input.ndim)
    if key not in _OPS:
        if mode in ("linear", "bilinear", "trilinear") and input.ndim in (3, 4, 5):
            needs = {"linear": 3, "bilinear": 4, "trilinear": 5}[mode]
            raise NotImplementedError(
                f"Got {input.ndim}D input, but {mode} mode needs {needs}D input"
            )
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported"
            f" (got {input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | "
            f"trilinear | lanczos | area | nearest-exact (got {mode})"
        )
    if output_size is None:
        # ATen's compute_output_size: the size times the scale, truncated.
        output_size = [int(n * s) for n, s in zip(input.shape[2:], scales, strict=True)]
    _check_upsample(input, output_size, key)
    kind = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    kind = f"{kind}-aa" if antialias else kind
    settings = (
        kind,
        tuple(output_size),
        bool(align_corners),
        tuple(scales) if scales is not None else (None,) * len(output_size),
    )
    return _OPS[key][0](input, settings)


# -- the deprecated upsample aliases: UserWarnings (stacklevel=2, the caller's line), worded as
# torch words them, then interpolate.


def upsample(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """interpolate's bilinear mode with align_corners=True (not its default)."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


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
