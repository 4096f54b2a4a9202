"""CopySlices under create_graph=True, against real PyTorch: the nodes its backward records
(PyTorch's CopySlices::apply_with_saved: the gradient copied into a tensor laid out as the
base, the view's region taken by as_strided, a contiguous clone of it through the in-place
op's node, and that node's gradient copied back), the values and the layouts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _graph(node):
    if node is None:
        return None
    return type(node).__name__, tuple(_graph(n) for n, _ in node.next_functions)


def _set_slice(t, x, y):
    z = x * x
    z[1:3] = y * y
    return z


def _transposed_row(t, x, y):
    z = x * x
    z.t()[0].mul_(y)
    return z


def _diagonal(t, x, y):
    z = x * x
    z.diagonal().mul_(y)
    return z


def _view_of_a_view(t, x, y):
    z = x * x
    z.view(-1)[2:5].mul_(y)
    return z


def _channels_last_base(t, x, y):
    z = (x * x).contiguous(memory_format=t.channels_last)
    z[:, :, 0].mul_(y)
    return z


def _two_writes(t, x, y):
    z = x * x
    z[1:3] = y * y
    z[2:4].mul_(y)
    return z


def _zero_dim(t, x, y):
    z = x.sum() * 1
    z.view(()).mul_(y.sum())
    return z


CASES = [
    (_set_slice, (5,), (2,)),
    (_transposed_row, (3, 4), (3,)),
    (_diagonal, (3, 3), (3,)),
    (_view_of_a_view, (3, 3), (3,)),
    (_channels_last_base, (1, 2, 3, 3), (1, 2, 3)),
    (_two_writes, (5,), (2,)),
    (_zero_dim, (3,), (3,)),
]


@pytest.mark.parametrize(
    ("f", "x_shape", "y_shape"), CASES, ids=lambda c: getattr(c, "__name__", "")
)
def test_create_graph_backward_records_torchs_nodes_values_and_layouts(f, x_shape, y_shape):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    seen = []
    for t in (torch, ref):
        xt, yt = t.tensor(x, requires_grad=True), t.tensor(y, requires_grad=True)
        z = f(t, xt, yt)
        v = t.tensor(np.random.default_rng(3).uniform(-1, 1, tuple(z.shape)))
        gx, gy = t.autograd.grad((z * v).sum(), [xt, yt], create_graph=True)
        hx, hy = t.autograd.grad((gx**3).sum() + (gy**3).sum(), [xt, yt])
        seen.append(
            (
                (_graph(gx.grad_fn), _graph(gy.grad_fn)),
                [np.asarray(g.tolist()) for g in (gx, gy, hx, hy)],
                (gx.stride(), gy.stride()),
            )
        )
    (graphs, values, strides), (their_graphs, their_values, their_strides) = seen[1], seen[0]
    assert graphs == their_graphs
    for ours, theirs in zip(values, their_values, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert strides == their_strides


def test_the_region_is_taken_by_as_strided_from_a_copy_of_the_gradient() -> None:
    """z[1:3] = y: y's gradient is the clone of the region, an as_strided view of the copy."""
    chains = []
    for t in (torch, ref):
        x = t.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = t.tensor([5.0, 6.0], requires_grad=True)
        z = x * x
        z[1:3] = y
        (gy,) = t.autograd.grad((z * z).sum(), y, create_graph=True)
        node, chain = gy.grad_fn, []
        while node is not None:
            chain.append(type(node).__name__)
            node = node.next_functions[0][0] if node.next_functions else None
        chains.append(chain)
    assert chains[1] == chains[0] == ["CloneBackward0", "AsStridedBackward0", "CopyBackwards"]


def test_an_as_strided_write_into_a_channels_last_base_differentiates_as_in_torch() -> None:
    """as_strided addresses memory, so the gradient's copy must be laid out as the base (a
    row-major copy would put the view's region elsewhere)."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((1, 2, 3))
    seen = []
    for t in (torch, ref):
        xt, yt = t.tensor(x, requires_grad=True), t.tensor(y, requires_grad=True)
        z = (xt * 1).contiguous(memory_format=t.channels_last)
        z.as_strided((1, 2, 3), (18, 1, 2), 0).mul_(yt)
        seen.append([np.asarray(g.tolist()) for g in t.autograd.grad((z * z).sum(), [xt, yt])])
    for ours, theirs in zip(seen[1], seen[0], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
