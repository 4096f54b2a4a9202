"""In-place shape changes (transpose_, swapaxes_, swapdims_, t_, squeeze_, unsqueeze_) on
tensors with a history, leaves and plain tensors, each compared with torch: the node they
record, the shape, the version and the gradients through them."""

from __future__ import annotations

import pytest
import torch

import conformance.reference as ref


def _outcome(fn):
    try:
        return fn()
    except Exception as error:  # the comparison includes torch's error type and message
        return (type(error).__name__, str(error))


CASES = [
    ("transpose_", (2, 3), (0, 1)),
    ("transpose_", (2, 3, 1), (-1, 0)),
    ("swapaxes_", (2, 3), (1, 0)),
    ("swapdims_", (2, 3), (0, 1)),
    ("t_", (2, 3), ()),
    ("t_", (3,), ()),
    ("squeeze_", (2, 1, 3, 1), ()),
    ("squeeze_", (2, 1, 3), (1,)),
    ("squeeze_", (2, 1, 3), (0,)),
    ("squeeze_", (2, 1, 3, 1), ((1, -1),)),
    ("unsqueeze_", (2, 3), (1,)),
    ("unsqueeze_", (2, 3), (-1,)),
    ("t_", (2, 3, 4), ()),
    ("transpose_", (2, 3), (0, 2)),
    ("squeeze_", (2, 1), ((1, 1),)),
    ("unsqueeze_", (2, 3), (3,)),
]


@pytest.mark.parametrize(("method", "shape", "args"), CASES, ids=lambda v: str(v))
def test_in_place_shape_change_records_torchs_node_and_gradient(method, shape, args):
    def run(t):
        n = 1
        for s in shape:
            n *= s
        x = t.arange(float(n)).reshape(shape).requires_grad_()
        y = x * 1
        returned = getattr(y, method)(*args)
        weights = t.arange(float(y.numel())).reshape(tuple(y.shape))
        (y * weights).sum().backward()
        return returned is y, tuple(y.shape), y.grad_fn.name(), y._version, x.grad.tolist()

    assert _outcome(lambda: run(ref)) == _outcome(lambda: run(torch))


@pytest.mark.parametrize(
    "program",
    [
        lambda t: t.ones(2, 3, requires_grad=True).t_(),
        lambda t: t.ones(2, 3, requires_grad=True).unsqueeze_(0),
    ],
    ids=["t_", "unsqueeze_"],
)
def test_a_leaf_that_requires_grad_refuses(program):
    assert _outcome(lambda: program(ref)) == _outcome(lambda: program(torch))


def test_without_grad_mode_or_history_only_the_shape_changes():
    def run(t):
        w = t.ones(2, 3, requires_grad=True)
        with t.no_grad():
            w.t_()
        d = t.ones(2, 3)
        d.transpose_(0, 1)
        return tuple(w.shape), w.is_leaf, w.requires_grad, tuple(d.shape), d.grad_fn, d._version

    assert run(ref) == run(torch)


def test_second_derivatives_flow_through_in_place_shape_changes():
    def run(t):
        x = t.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=t.float64, requires_grad=True)
        y = x * x
        y.t_()
        y.unsqueeze_(0)
        (g,) = t.autograd.grad((y * y).sum(), x, create_graph=True)
        (h,) = t.autograd.grad(g.sum(), x)
        return g.tolist(), h.tolist()

    assert run(ref) == run(torch)


def test_a_view_that_requires_grad_is_refused_with_a_clear_error():
    """A departure: PyTorch keeps the view a view with a new geometry; the engine refuses."""
    y = ref.ones(2, 3, requires_grad=True) * 1
    with pytest.raises(NotImplementedError, match="view that requires grad"):
        y[0].unsqueeze_(0)
