"""affine_grid and grid_sample of torch.nn.functional, with PyTorch's checks, node names and
derivatives.

affine_grid is one op (AffineGridGeneratorBackward0): a base grid of normalised coordinates
(x, y[, z], 1) times theta transposed, as ATen's affine_grid_generator computes it; its
derivative is the base grid transposed times the gradient, composed of a bmm and a transpose
(what a create_graph backward records, as in PyTorch).

grid_sample reads the input at each grid point: the coordinate in [-1, 1] is unnormalised to
a pixel position (align_corners: -1 and 1 are the corner pixels' centres; otherwise their outer
edges), then padded (zeros: positions outside read 0; border: clamped to the edge; reflection:
mirrored at the edges, then clamped), then interpolated. Each interpolation is separable: along
each spatial axis a point reads a few integer positions ("taps") with 1-D weights (bilinear:
two, nearest: one, bicubic: four with A = -0.75), and reads the product of the axes' taps. The
same taps give every derivative:
- input: each output gradient times the tap's weight, added back at the tap (the positions
  may repeat);
- grid: the sampled values times the weights' derivatives, times d(position)/d(coordinate):
  the unnormalising scale, and for border and reflection padding the clamp's and the mirror's
  slopes, which PyTorch's kernels take as zero where a position lands exactly on the clamp's
  limits (0 or size - 1) and as -1 on a mirrored stretch. Bicubic pads the integer tap
  positions instead of the coordinate, so its grid gradient is the bare scale. Nearest has
  no grid gradient.
The backward is an op of its own (GridSampler2DBackward0's formula is grid_sampler_2d_backward,
whose node is GridSampler2DBackwardBackward0), with derivatives from the same taps (the
second derivatives of the weights for the grid-grid terms).

Every step is computed in the input's dtype, as ATen's kernels compute it (float16 and bfloat16
round at each operation: the unnormalised coordinate itself is rounded).

The 4-D input follows ATen's vectorised CPU kernel, the 5-D one its scalar kernel; they part
on non-finite coordinates. The vectorised kernel reads 0 at taps out of range but still
multiplies by their (nan) weights, so a nan or infinite coordinate gives nan under zeros
padding, and its clamp sends nan to 0. The scalar kernel sends a non-finite (or out of int
range) position to -100, out of range, so the point reads 0, and its clamp sends nan to the
last position.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops.define import Joint, formula_op, op
from conformance.reference.ops.indexing import _add_at
from conformance.reference.ops.pointwise import opmath
from conformance.reference.tensor import Tensor

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


# -- affine_grid --------------------------------------------------------------------------------


def _linspace_from_neg_one(xp: Any, steps: int, align_corners: bool, dtype: Any) -> Any:
    """ATen's: linspace(-1, 1, steps), times (steps - 1) / steps without align_corners; 0 for
    a single step."""
    if steps <= 1:
        # at::tensor(0, options), which has no CPU kernel for the half types.
        if dtype.itemsize == 2:
            name = "Half" if dtype == np.float16 else "BFloat16"
            raise NotImplementedError(f"\"tensor_cpu\" not implemented for '{name}'")
        return xp.zeros((1,), dtype=dtype)
    line = xp.linspace(-1, 1, steps).astype(dtype)
    if not align_corners:
        line = line * dtype.type(steps - 1) / dtype.type(steps)
    return line


def _base_grid(xp: Any, size: tuple, align_corners: bool, dtype: Any) -> Any:
    """(N, [D,] H, W, rank + 1): x along W, y along H, z along D, then a column of ones."""
    spatial = tuple(size[2:])
    rank = len(spatial)
    base = xp.empty((size[0], *spatial, rank + 1), dtype=dtype)
    for j in range(rank):
        line = _linspace_from_neg_one(xp, spatial[rank - 1 - j], align_corners, dtype)
        shape = [1] * rank
        shape[rank - 1 - j] = line.shape[0]
        base[..., j] = line.reshape(shape)
    base[..., rank] = 1
    return base


def _affine_grid_backward(grad: Any, size: tuple, align_corners: bool, F: Any) -> Any:
    """base.view(N, HW, k + 1).transpose(1, 2).bmm(grad.view(N, HW, k)).transpose(1, 2)."""
    xp = array_namespace(grad._data if F.records_graph else grad)
    rank = len(size) - 2
    points = math.prod(size[2:])
    dtype = (grad._data if F.records_graph else grad).dtype
    base = _base_grid(xp, size, align_corners, dtype).reshape(size[0], points, rank + 1)
    if F.records_graph:
        base = Tensor._wrap(base, grad.dtype, grad.device)
    product = F.bmm(F.transpose(base, 1, 2), F.reshape(grad, (size[0], points, rank)))
    return F.transpose(product, 1, 2)


@op(
    "AffineGridGeneratorBackward0",
    theta=lambda grad, size, align_corners, F: _affine_grid_backward(grad, size, align_corners, F),
)
def _affine_grid_generator(theta, size, align_corners):
    xp = array_namespace(theta)
    rank = len(size) - 2
    points = math.prod(size[2:])
    base = _base_grid(xp, size, align_corners, theta.dtype).reshape(size[0], points, rank + 1)
    grid = opmath(base) @ opmath(theta).swapaxes(1, 2)
    return grid.astype(theta.dtype, copy=False).reshape(size[0], *size[2:], rank)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of the affine maps theta (N, 2, 3) or
    (N, 3, 4), for grid_sample. torch.nn.functional's checks and warnings, in its order."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                f"{theta.shape}."
            )
        spatial_size = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                f"{theta.shape}."
            )
        spatial_size = size[-3:]
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    if align_corners and min(spatial_size) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        # ATen's bmm of the (size[0], HW, k + 1) base grid with theta transposed.
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{size[0]}, {theta.shape[2]}] but got: [{theta.shape[0]}, {theta.shape[2]}]."
        )
    return _affine_grid_generator(theta, tuple(int(n) for n in size), bool(align_corners))


# -- grid_sample: the taps ----------------------------------------------------------------------

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}
_A = -0.75  # the bicubic kernel's parameter, as upsampling's


def _clip(xp: Any, x: Any, size: int, scalar: bool) -> tuple:
    """Clamp to [0, size - 1], with the clamp's slope: 0 at and beyond the limits. The
    vectorised kernel's clamp sends nan to 0, the scalar kernel's to size - 1."""
    high = size - 1
    clipped = xp.minimum(xp.maximum(x, 0), high)
    clipped = xp.where(xp.isnan(x), high if scalar else 0, clipped)
    slope = ((x > 0) & (x < high)) | (xp.isnan(x) & scalar)
    return clipped, slope


def _reflect(xp: Any, x: Any, size: int, align_corners: bool) -> tuple:
    """Mirror into [0, size - 1] (align_corners) or [-0.5, size - 0.5], with the slope (+1 or
    -1); a single position (align_corners, size 1) is 0 with slope 0."""
    if align_corners and size == 1:
        return xp.zeros_like(x), xp.zeros_like(x)
    low = 0.0 if align_corners else -0.5
    span = (size - 1) if align_corners else size
    shifted = x - low
    negative = shifted < 0
    distance = xp.abs(shifted)
    extra = xp.fmod(distance, span)
    flips = xp.floor(distance / span)
    odd = xp.fmod(flips, 2) != 0
    reflected = xp.where(odd, span - extra + low, extra + low)
    slope = xp.where(odd ^ negative, -1.0, 1.0).astype(x.dtype)
    return reflected, slope


def _source_position(xp, coord, size, padding, align_corners, scalar) -> tuple:
    """The pixel position a normalised coordinate reads, and d(position)/d(coordinate)."""
    if align_corners:
        scale = (size - 1) / 2
        x = (coord + 1) / 2 * (size - 1)
    else:
        scale = size / 2
        x = ((coord + 1) * size - 1) / 2
    slope = xp.full(x.shape, scale, dtype=x.dtype)
    if padding == _PADDINGS["border"]:
        x, inside = _clip(xp, x, size, scalar)
        slope = xp.where(inside, slope, 0)
    elif padding == _PADDINGS["reflection"]:
        x, mirror = _reflect(xp, x, size, align_corners)
        x, inside = _clip(xp, x, size, scalar)
        slope = xp.where(inside, slope * mirror, 0)
    if scalar:
        # safe_downgrade_to_int_range: a position no int can hold is -100, out of range.
        wild = ~xp.isfinite(x) | (x > 2**31 - 1) | (x < -(2**31))
        x = xp.where(wild, -100.0, x).astype(coord.dtype, copy=False)
    return x, slope.astype(coord.dtype, copy=False)


def _integer(xp: Any, x: Any) -> Any:
    """Integer positions of floor()ed or rounded floats; a non-finite one is out of range."""
    wide = x.astype(np.float64)
    return xp.clip(xp.where(xp.isfinite(wide), wide, -(2.0**40)), -(2.0**40), 2.0**40).astype(
        np.int64
    )


def _pad_index(xp, i, size, padding, align_corners, scalar) -> Any:
    """Bicubic's taps: each integer position padded (clamped, mirrored) on its own."""
    if padding == _PADDINGS["border"]:
        return _clip(xp, i, size, scalar)[0]
    if padding == _PADDINGS["reflection"]:
        return _clip(xp, _reflect(xp, i, size, align_corners)[0], size, scalar)[0]
    return i


def _cubic(t: Any) -> tuple:
    """The four bicubic weights at fraction t, and their first and second derivatives."""
    a = _A

    def near(x):  # |x| <= 1
        return (
            ((a + 2) * x - (a + 3)) * x * x + 1,
            (3 * (a + 2) * x - 2 * (a + 3)) * x,
            (6 * (a + 2) * x - 2 * (a + 3)),
        )

    def far(x):  # 1 < |x| < 2
        return (
            ((a * x - 5 * a) * x + 8 * a) * x - 4 * a,
            (3 * a * x - 10 * a) * x + 8 * a,
            (6 * a * x - 10 * a),
        )

    w0, d0, s0 = far(t + 1)
    w1, d1, s1 = near(t)
    w2, d2, s2 = near(1 - t)
    w3, d3, s3 = far(2 - t)
    return (w0, w1, w2, w3), (d0, d1, -d2, -d3), (s0, s1, s2, s3)


def _axis_taps(xp, coord, size, mode, padding, align_corners, scalar) -> tuple:
    """Along one axis: the taps' integer positions, whether each is in range, and their
    weights with the weights' first and second derivatives in the coordinate."""
    if mode == _MODES["bicubic"]:
        x = (coord + 1) / 2 * (size - 1) if align_corners else ((coord + 1) * size - 1) / 2
        scale = (size - 1) / 2 if align_corners else size / 2
        floor = xp.floor(x)
        weights, slopes, curves = _cubic(x - floor)
        positions = [
            _pad_index(xp, floor + k, size, padding, align_corners, scalar) for k in (-1, 0, 1, 2)
        ]
        slopes = [s * scale for s in slopes]
        curves = [c * (scale * scale) for c in curves]
    else:
        x, slope = _source_position(xp, coord, size, padding, align_corners, scalar)
        if mode == _MODES["nearest"]:
            positions, weights = [xp.round(x)], [xp.ones_like(x)]
            slopes = curves = [xp.zeros_like(x)]
        else:
            floor = xp.floor(x)
            t = x - floor
            positions, weights = [floor, floor + 1], [1 - t, t]
            slopes, curves = [-slope, slope], [xp.zeros_like(x)] * 2
    index = xp.stack([_integer(xp, p) for p in positions], axis=-1)
    inside = (index >= 0) & (index < size)
    return (
        index,
        inside,
        xp.stack(weights, axis=-1),
        xp.stack(slopes, axis=-1),
        xp.stack(curves, axis=-1),
    )


class _Taps:
    """Every point's taps over all axes: flat input positions (N, P, K), whether in range,
    the weights, their derivatives in each grid coordinate j (slopes[j]) and the second
    derivatives in coordinates j and l (curves[j][l]). Grid coordinate j runs along spatial
    axis rank - 1 - j (x along W)."""

    def __init__(self, grid: Any, spatial: tuple, settings: tuple) -> None:
        mode, padding, align_corners = settings
        xp = array_namespace(grid)
        rank = len(spatial)
        self.scalar = rank == 3  # ATen's 3-D kernel is the scalar one
        n = grid.shape[0]
        coords = grid.reshape(n, math.prod(grid.shape[1:-1]), rank)
        axes = [
            _axis_taps(
                xp, coords[..., j], spatial[rank - 1 - j], mode, padding, align_corners, self.scalar
            )
            for j in range(rank)
        ]
        taps = axes[0][0].shape[-1]

        def spread(a: Any, j: int) -> Any:  # axis j's taps on its own dimension of the combos
            shape = [n, a.shape[1]] + [1] * rank
            shape[2 + rank - 1 - j] = taps
            return a.reshape(shape)

        def combine(arrays: list) -> Any:
            product = spread(arrays[0], 0)
            for j in range(1, rank):
                product = product * spread(arrays[j], j)
            return product.reshape(n, product.shape[1], taps**rank)

        strides = [math.prod(spatial[rank - j :]) for j in range(rank)]
        self.inside = combine([a[1] for a in axes])
        flat = sum(spread(xp.where(a[1], a[0], 0) * strides[j], j) for j, a in enumerate(axes))
        self.index = xp.broadcast_to(flat, self.inside.shape[:2] + (taps,) * rank).reshape(
            self.inside.shape
        )
        weights = [a[2] for a in axes]
        self.weights = combine(weights)
        self.slopes = [combine([*weights[:j], axes[j][3], *weights[j + 1 :]]) for j in range(rank)]
        self.curves = [
            [
                combine(
                    [
                        axes[k][4] if k == j == l else axes[k][3] if k in (j, l) else weights[k]
                        for k in range(rank)
                    ]
                )
                for l in range(rank)  # noqa: E741
            ]
            for j in range(rank)
        ]

    def gather(self, input: Any) -> Any:
        """(N, C, P, K): the input at each tap, 0 out of range."""
        xp = array_namespace(input)
        n, c = input.shape[:2]
        flat = input.reshape(n, c, math.prod(input.shape[2:]))
        index = self.index.reshape(n, 1, self.index.shape[1] * self.index.shape[2])
        values = xp.take_along_axis(flat, index, axis=2)
        values = values.reshape(n, c, *self.index.shape[1:])
        return xp.where(self.inside[:, None], values, 0)

    def weigh(self, values: Any, weights: Any) -> Any:
        """sum over taps of values * weights. The scalar kernel skips taps out of range; the
        vectorised one multiplies their zeros by their weights (nan for a nan coordinate)."""
        products = values * weights[:, None]
        if self.scalar:
            products = array_namespace(values).where(self.inside[:, None], products, 0)
        return products.sum(axis=-1)

    def scatter(self, shape: tuple, contributions: Any, dtype: Any) -> Any:
        """A zero (N, C, *spatial) with each tap's contribution (N, C, P, K) added at it."""
        xp = array_namespace(contributions)
        n, c = shape[:2]
        out = xp.zeros((n, c, math.prod(shape[2:])), dtype=dtype)
        batch = xp.arange(n).reshape(n, 1, 1, 1)
        channel = xp.arange(c).reshape(1, c, 1, 1)
        index = self.index[:, None]
        keep = xp.broadcast_to(self.inside[:, None], contributions.shape)
        key = (
            xp.broadcast_to(batch, contributions.shape)[keep],
            xp.broadcast_to(channel, contributions.shape)[keep],
            xp.broadcast_to(index, contributions.shape)[keep],
        )
        _add_at(out, key, contributions[keep].astype(dtype, copy=False))
        return out.reshape(shape)


# -- grid_sample: the ops ---------------------------------------------------------------------


def _sample(input: Any, grid: Any, settings: tuple) -> Any:
    n, c = input.shape[:2]
    points = grid.shape[1:-1]
    x, g = input, grid
    taps = _Taps(g, input.shape[2:], settings)
    out = taps.weigh(taps.gather(x), taps.weights)
    return out.reshape(n, c, *points).astype(input.dtype, copy=False)


def _backward(grad_output: Any, input: Any, grid: Any, settings: tuple) -> tuple:
    """(grad_input, grad_grid)."""
    xp = array_namespace(input)
    n, c = input.shape[:2]
    rank = input.ndim - 2
    x, g, go = input, grid, grad_output
    taps = _Taps(g, input.shape[2:], settings)
    go = go.reshape(n, c, taps.index.shape[1], 1)
    grad_input = taps.scatter(input.shape, go * taps.weights[:, None], x.dtype)
    if settings[0] == _MODES["nearest"]:  # no grid gradient: zeros, whatever the values
        grad_grid = xp.zeros(grid.shape, dtype=x.dtype)
    else:
        values = taps.gather(x)
        grad_grid = xp.stack(
            [(taps.weigh(values, s) * go[..., 0]).sum(axis=1) for s in taps.slopes], axis=-1
        )
    return (
        grad_input.astype(input.dtype, copy=False),
        grad_grid.reshape(grid.shape[:-1] + (rank,)).astype(grid.dtype, copy=False),
    )


def _double_backward(grads, grad_output, input, grid, settings, F) -> tuple:
    """The derivatives of (grad_input, grad_grid) given their gradients (ggI, ggG): in
    grad_output (the forward over ggI, and the grid gradient's form over ggG), in input (the
    taps' slopes weighted by ggG and grad_output, added back at the taps) and in grid
    (grad_output times ggI at the taps times the slopes, and ggG times the weights' second
    derivatives)."""
    ggI, ggG = grads
    if F.records_graph:
        raise RuntimeError(
            "the reference's grid sampler gradients are differentiable twice, not three times"
        )
    xp = array_namespace(input)
    n, c = input.shape[:2]
    rank = input.ndim - 2
    x, g, go = input, grid, grad_output
    taps = _Taps(g, input.shape[2:], settings)
    go = go.reshape(n, c, taps.index.shape[1])
    values = taps.gather(x)
    gg_out = xp.zeros_like(go)
    g_input = xp.zeros(x.shape, dtype=x.dtype)
    g_grid = xp.zeros((n, go.shape[2], rank), dtype=x.dtype)
    nearest = settings[0] == _MODES["nearest"]
    if ggI is not None:
        at_taps = taps.gather(ggI)
        gg_out = gg_out + taps.weigh(at_taps, taps.weights)
        for l in range(rank if not nearest else 0):  # noqa: E741
            g_grid[..., l] += (taps.weigh(at_taps, taps.slopes[l]) * go).sum(axis=1)
    if nearest:  # grad_grid is zeros whatever the inputs: nothing flows back from ggG
        ggG = None
    if ggG is not None:
        gg = ggG.reshape(n, 1, -1, rank)
        for j in range(rank):
            gg_out = gg_out + taps.weigh(values, taps.slopes[j]) * gg[..., j]
            contributions = (gg[..., j] * go)[..., None] * taps.slopes[j][:, None]
            g_input = g_input + taps.scatter(x.shape, contributions, x.dtype)
            for l in range(rank):  # noqa: E741
                curve = taps.weigh(values, taps.curves[j][l])
                g_grid[..., l] += (curve * go * gg[..., j]).sum(axis=1)
    return (
        gg_out.reshape(grad_output.shape).astype(grad_output.dtype, copy=False),
        None if nearest else g_input.astype(input.dtype, copy=False),
        g_grid.reshape(grid.shape).astype(grid.dtype, copy=False),
    )


_DOUBLE_BACKWARD = Joint(_double_backward)


def _declare(rank: int) -> Any:
    """The forward op of one rank (GridSampler<rank>DBackward0) and its backward op."""

    @op(
        f"GridSampler{rank}DBackwardBackward0",
        grad_output=_DOUBLE_BACKWARD[0],
        input=_DOUBLE_BACKWARD[1],
        grid=_DOUBLE_BACKWARD[2],
    )
    def backward(grad_output, input, grid, settings):
        return _backward(grad_output, input, grid, settings)

    backward.node.keeps_missing_grads = True  # an unused gradient stays None

    gradients = Joint(
        lambda grad, input, grid, settings, F: formula_op(F, backward)(grad, input, grid, settings)
    )

    @op(f"GridSampler{rank}DBackward0", input=gradients[0], grid=gradients[1])
    def forward(input, grid, settings):
        return _sample(input, grid, settings)

    return forward


_GRID_SAMPLERS = {2: _declare(2), 3: _declare(3)}


def _check(input: Tensor, grid: Tensor, mode: int) -> None:
    """ATen's grid_sampler checks, in its order."""
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, "
            f"but got grid with sizes {list(grid.shape)}"
        )
    for i in range(2, input.ndim):
        if input.shape[i] <= 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                f"has sizes {list(input.shape)} with dimension {i} being empty"
            )
    rank = 2 if input.ndim == 4 else 3
    if input.ndim != rank + 2 or grid.ndim != input.ndim:
        raise RuntimeError(
            f"grid_sampler(): expected {rank + 2}D input and grid with same number of "
            f"dimensions, but got input with sizes {list(input.shape)} and grid with sizes "
            f"{list(grid.shape)}"
        )
    if rank == 3 and mode == _MODES["bicubic"]:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype.category != dtypes.FLOATING:
        kernel = "grid_sampler_2d_cpu_kernel_impl" if rank == 2 else "grid_sampler_3d_cpu"
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    if grid.dtype is not input.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input.dtype)} but found "
            f"{scalar_type_name(grid.dtype)}"
        )


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """The input (N, C, H, W) or (N, C, D, H, W) read at the grid's points (N, H', W', 2) or
    (N, D', H', W', 3): (N, C, H', W') or (N, C, D', H', W'). See the module docstring."""
    if mode not in _MODES:
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if padding_mode not in _PADDINGS:
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    _check(input, grid, _MODES[mode])
    settings = (_MODES[mode], _PADDINGS[padding_mode], bool(align_corners))
    return _GRID_SAMPLERS[input.ndim - 2](input, grid, settings)
