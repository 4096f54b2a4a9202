"""A view whose base changed in place (or which was itself changed in place) gets a new
history: PyTorch 2.13 regenerates it as one AsStridedBackward0 from the base's new history.
Checked against real PyTorch: node names and edges, and first and second derivatives through
the regenerated histories."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _names(lib) -> list:
    x = lib.ones(3, 4, requires_grad=True).clone()
    row, transposed, picked = x[:2], x.t(), x[1]
    x.mul_(2)
    flat = x.view(12)
    x.add_(1)
    expanded = x.unsqueeze(0).expand(2, 3, 4)
    x.add_(1)
    written = x.t()[1:]
    written.add_(1)
    nodes = [t.grad_fn for t in (row, transposed, picked, flat, expanded, written)]
    return [(type(n).__name__, [type(m).__name__ for m, _ in n.next_functions]) for n in nodes] + [
        type(x.grad_fn).__name__
    ]


def test_regenerated_histories_are_named_and_linked_as_in_torch() -> None:
    assert _names(ref) == _names(torch)


@pytest.mark.parametrize(
    "make",
    [
        lambda c: c.view(1),
        lambda c: c.unsqueeze(0),
        lambda c: c.reshape(1, 1),
        lambda c: c.view(1).view(1, 1),
    ],
)
def test_a_view_of_a_zero_dim_base_regenerates_as_as_strided(make) -> None:
    """Also for a 0-dim base, whose one element every element of the view is (random program
    seed 90028: reshape of a 0-dim tensor, then add_)."""

    def outcome(t):
        x = t.tensor(1.5, dtype=t.float64, requires_grad=True)
        view = make(x * 1)
        view.add_(t.tensor(2.0, dtype=t.float64))
        (view * 3).sum().backward()
        names = [type(view.grad_fn).__name__]
        names += [type(n).__name__ for n, _ in view.grad_fn.next_functions]
        return names, view.tolist(), x.grad.item()

    assert outcome(ref) == outcome(torch)


def _scenario(lib, case: int):
    a = lib.tensor(np.arange(12.0).reshape(3, 4) / 7 + 0.5, requires_grad=True)
    x = a * 1
    if case == 0:  # a slice, base scaled in place
        y = x[:2]
        x.mul_(2)
        out = (y * y).sum()
    elif case == 1:  # an expanded view: its gradient adds up over the copies
        u = x.unsqueeze(0).expand(2, 3, 4)
        x.add_(1)
        out = (u * u).sum()
    elif case == 2:  # a view changed in place itself (CopySlices on the base)
        s = x.t()[1:]
        s.mul_(3)
        out = (s**2).sum() + (x * x).sum()
    elif case == 3:  # two views, base through sin_ (whose derivative needs the original)
        w, v = x[1], x[:, ::2]
        x.sin_()
        out = (w * v[1:].sum()).sum() + v.pow(2).sum()
    elif case == 4:  # a view of a view
        y = x[1:, 1:].t()
        x.mul_(2)
        out = (y * y * y).sum()
    (g,) = lib.autograd.grad(out, a, create_graph=True)
    (h,) = lib.autograd.grad((g * g).sum(), a)
    return g.detach().numpy(), h.numpy()


@pytest.mark.parametrize("case", range(5))
def test_first_and_second_derivatives_match_torch(case: int) -> None:
    ours, theirs = _scenario(ref, case), _scenario(torch, case)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
