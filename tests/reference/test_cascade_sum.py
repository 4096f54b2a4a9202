"""Floating-point sums bit for bit with PyTorch's CPU kernel (ops/cascade_sum.py): sum, mean,
nansum and the sums a backward takes to bring a broadcast gradient back to its input's shape,
over 1 to 20000 elements, every reduction shape of 2-, 3- and 4-dimensional tensors,
transposed and sliced inputs, in float16, bfloat16, float32 and float64.

Before the engine added in ATen's order, NumPy's pairwise sums differed from PyTorch's in the
last bit for more than half of float32 vectors of 1 to 40 elements."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref
from conformance.reference.ops import cascade_sum

DTYPES = ("float16", "bfloat16", "float32", "float64")
LENGTHS = (1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 255, 257, 1000, 4097, 20000)
SHAPES = (
    (3, 5),
    (64, 256),
    (64, 10),
    (33, 70),
    (70, 1),
    (129, 1),
    (5, 17, 9),
    (17, 33, 2),
    (3, 2, 50, 7),
)
LAYOUTS = ("contiguous", "transposed", "sliced", "strided")


def _values(shape, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 4).astype(np.float32)


def _tensor(t, values, dtype, layout):
    x = t.tensor(values).to(getattr(t, dtype))
    if layout == "transposed":
        return x.permute(*reversed(range(x.ndim)))
    if layout == "sliced":
        return x[:, 1:]
    if layout == "strided":
        return x[::2]
    return x


def _same(theirs, ours):
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    a, b = theirs.detach().double().numpy(), ours.detach().double().numpy()
    np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["sum", "mean", "nansum"])
def test_whole_vector_as_in_torch(reduction, dtype, length):
    values = _values(length, length)
    if reduction == "nansum":
        values[:: max(length // 3, 1)] = np.nan
    theirs = getattr(torch, reduction)(torch.tensor(values).to(getattr(torch, dtype)))
    ours = getattr(ref, reduction)(ref.tensor(values).to(getattr(ref, dtype)))
    _same(theirs, ours)


def _dims(ndim):
    singles = [(d,) for d in range(ndim)]
    pairs = [(a, b) for a in range(ndim) for b in range(a + 1, ndim)]
    return singles + pairs + [tuple(range(ndim))]


CASES = [(shape, dims) for shape in SHAPES for dims in _dims(len(shape))]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "dims"), CASES, ids=[f"{s}-{d}" for s, d in CASES])
def test_sum_over_dims_as_in_torch(shape, dims, dtype, layout):
    values = _values(shape, 7 * sum(shape) + len(dims))  # (data differing by case)
    for keepdim in (False, True):
        theirs = _tensor(torch, values, dtype, layout).sum(dims, keepdim=keepdim)
        ours = _tensor(ref, values, dtype, layout).sum(dims, keepdim=keepdim)
        _same(theirs, ours)
    theirs = _tensor(torch, values, dtype, layout).mean(dims)
    ours = _tensor(ref, values, dtype, layout).mean(dims)
    _same(theirs, ours)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shapes",
    [((64, 256), (256,)), ((64, 10), (10,)), ((8, 3, 40), (3, 1)), ((5, 33, 9), (1, 33, 1))],
)
def test_broadcast_gradient_summed_as_in_torch(shapes, dtype):
    """The bias of x @ w + b: its gradient is the output's summed over the broadcast dims
    (ATen's sum_to), in one sum."""
    big, small = shapes
    grads = []
    for t in (torch, ref):
        bias = t.tensor(_values(small, 1)).to(getattr(t, dtype)).requires_grad_()
        x = t.tensor(_values(big, 2)).to(getattr(t, dtype))
        (x * bias).backward(t.tensor(_values(big, 3)).to(getattr(t, dtype)))
        grads.append(bias.grad)
    _same(*grads)


def test_sum_of_negative_zeros_is_positive_zero():
    """The kernel adds from 0, so an all -0.0 sum is 0.0 (NumPy's keeps -0.0)."""
    for t in (torch, ref):
        assert not t.signbit(t.tensor([-0.0, -0.0]).sum()).item()


def _in_order(values):
    """Axis 0 summed by an explicit loop from 0: the order _sequential must keep."""
    total = np.zeros(values.shape[1:], values.dtype)
    for row in values:
        total = total + row
    return total


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "layout",
    ["contiguous", "one column", "rows inner", "middle", "reversed", "broadcast", "sliced"],
)
def test_sequential_adds_rows_in_order(layout, dtype):
    """_sequential leans on NumPy's add.reduce adding an outer axis row by row (its pairwise
    summation runs only along the innermost axis); every layout it may meet must keep that
    order, or be copied to one that does. Values of very different sizes make any other
    order show in the last bits."""
    rng = np.random.default_rng(7)
    base = (rng.standard_normal((40, 6, 9)) * 10.0 ** rng.integers(-6, 7, (40, 6, 9))).astype(dtype)
    values = {
        "contiguous": base,
        "one column": base[:, :1, :1],
        "rows inner": base.transpose(2, 1, 0).copy().transpose(2, 1, 0),
        "middle": base.transpose(1, 0, 2).copy().transpose(1, 0, 2),
        "reversed": base[::-1, ::-1],
        "broadcast": np.broadcast_to(base[:, :1], (40, 6, 9)),
        "sliced": base[::3, 1:, ::2],
    }[layout]
    np.testing.assert_array_equal(cascade_sum._sequential(values), _in_order(values))
