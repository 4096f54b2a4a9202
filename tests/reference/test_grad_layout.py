"""Where a leaf's .grad lives in memory (PyTorch's gradient layout contract) and to()'s
memory_format, each compared with torch."""

from __future__ import annotations

import warnings

import pytest
import torch

import conformance.reference as ref


def _leaf(t, kind):
    """Leaves with different layouts: row-major, transposed, channels-last, a strided slice
    (not dense: its gradient is row-major), and a column of size 1."""
    if kind == "row-major":
        return t.ones(3, 4).requires_grad_()
    if kind == "transposed":
        return t.ones(4, 3).t().requires_grad_()
    if kind == "channels-last":
        return t.ones(2, 3, 4, 5).to(memory_format=t.channels_last).requires_grad_()
    if kind == "strided-slice":
        return t.ones(3, 8)[:, ::2].requires_grad_()
    return t.ones(3, 1).t().requires_grad_()


LEAVES = ["row-major", "transposed", "channels-last", "strided-slice", "size-one"]


def _grad_strides(t, kind, how):
    x = _leaf(t, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # create_graph's reference-cycle warning
        if how == "row-major-gradient":  # contiguous() hands back a row-major gradient
            (x.contiguous() * 2).sum().backward()
        elif how == "own-layout-gradient":
            (x * 2).sum().backward()
        elif how == "shared-gradient":  # the same array reaches .grad from the caller
            x.backward(t.ones(tuple(x.shape)))
        elif how == "create-graph":
            (x * x).sum().backward(create_graph=True)
        else:  # accumulated twice: the second adds into the first in place
            (x.contiguous() * 2).sum().backward()
            (x * 3).sum().backward()
    node = x.grad.grad_fn
    return x.grad.stride(), x.grad.tolist(), None if node is None else node.name()


@pytest.mark.parametrize("kind", LEAVES)
@pytest.mark.parametrize(
    "how",
    [
        "row-major-gradient",
        "own-layout-gradient",
        "shared-gradient",
        "create-graph",
        "accumulated",
    ],
)
def test_grad_follows_the_leafs_layout_as_torchs_does(kind, how):
    assert _grad_strides(ref, kind, how) == _grad_strides(torch, kind, how)


def test_mm_gradients_of_column_major_operands_match_torchs_strides():
    def run(t):
        a = t.ones(2, 3).requires_grad_()
        w = t.ones(4, 3).t().requires_grad_()
        (a @ w).sum().backward()
        return w.grad.stride(), a.grad.stride()

    assert run(ref) == run(torch)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: x.to(memory_format=t.channels_last),
        lambda t, x: x.to(t.float64, memory_format=t.channels_last),
        lambda t, x: x.double(memory_format=t.channels_last),
        lambda t, x: x.to(memory_format=t.contiguous_format),
        lambda t, x: x.to(memory_format=t.preserve_format),
        lambda t, x: x.to(memory_format=t.channels_last).to(memory_format=t.channels_last),
        lambda t, x: x.to(memory_format=t.channels_last).to(t.float64),
        lambda t, x: x[:0].to(memory_format=t.channels_last),
        lambda t, x: x[0].to(memory_format=t.channels_last),
    ],
    ids=[
        "channels-last",
        "dtype-and-format",
        "converter",
        "contiguous",
        "preserve",
        "already",
        "dtype-keeps-layout",
        "empty",
        "wrong-rank",
    ],
)
def test_to_memory_format_matches_torch(call):
    def run(t):
        x = t.ones(2, 3, 4, 5, requires_grad=True)
        try:
            y = call(t, x)
        except RuntimeError as error:
            return str(error)
        node = y.grad_fn
        return y.stride(), y.dtype == t.float64, y is x, None if node is None else node.name()

    assert run(ref) == run(torch)
