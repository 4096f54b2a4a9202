"""Ops composed as PyTorch composes them, against real PyTorch: tensordot's dot and mul-sum
paths and its broadcast contracted dims, the norms' unsqueezed gradients, group_norm's
infinitely differentiable backward and as_strided's backward. Each case compares the forward
graph, the values, the nodes a create_graph backward records and the second and third
derivatives."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from graphs import reachable_node_names

import conformance.reference as ref


def _graph(node):
    if node is None:
        return None
    return type(node).__name__, tuple(_graph(n) for n, _ in node.next_functions)


def _values(tensor):
    if tensor is None:
        return None
    try:
        return np.asarray(tensor.tolist())
    except RuntimeError:  # PyTorch's efficient zeros have no storage to read
        return np.zeros(tuple(tensor.shape))


def _observe(t, f, arrays):
    xs = [t.tensor(a, requires_grad=True) for a in arrays]
    y = f(t, *xs)
    v = t.tensor(np.random.default_rng(3).uniform(-1, 1, tuple(y.shape)), requires_grad=True)
    firsts = t.autograd.grad((y * v).sum(), xs, create_graph=True, allow_unused=True)
    seen = [_graph(y.grad_fn), reachable_node_names(*(g.grad_fn for g in firsts))]
    seen.append([_values(y)] + [_values(g) for g in firsts])
    total = sum((g**3).sum() for g in firsts if g.requires_grad)
    if not isinstance(total, t.Tensor):
        return seen
    seconds = t.autograd.grad(total, [*xs, v], create_graph=True, allow_unused=True)
    seen.append([_values(g) for g in seconds])
    total = sum((g * g).sum() for g in seconds if g is not None and g.requires_grad)
    if isinstance(total, t.Tensor):
        seen.append([_values(g) for g in t.autograd.grad(total, xs, allow_unused=True)])
    return seen


def _compare(f, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours, theirs = _observe(ref, f, arrays), _observe(torch, f, arrays)
    assert ours[:2] == theirs[:2]
    assert len(ours) == len(theirs)
    for mine, other in zip(ours[2:], theirs[2:], strict=True):
        for a, b in zip(mine, other, strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


TENSORDOT = [
    ((3,), (3,), ([0], [0])),  # a dot of the two permuted vectors
    ((1, 3), (3, 1), ([1], [0])),  # one free element each: a dot of the flattened
    ((2, 3), (2, 3), ([1, 0], [1, 0])),  # not contiguous: a sum of the squeezed product
    ((2, 1, 3), (2, 1, 3), ([0, 1, 2], [0, 1, 2])),  # a contracted 1 is summed first
    ((2, 1, 3), (2, 4, 3), ([1, 2], [1, 2])),  # broadcast: the other side summed over it
    ((2, 3), (4, 3), ([1], [1])),  # an mm
    ((3,), (3,), ([], [])),  # an outer product through mm
    ((1, 3), (3, 1), ([0], [1])),  # size-1 dims: the viewed operands' strides pick mm's backward
    ((3, 1), (3, 1), ([1], [1])),
]


@pytest.mark.parametrize(("a", "b", "dims"), TENSORDOT)
def test_tensordot_is_composed_as_in_torch(a, b, dims) -> None:
    _compare(lambda t, x, y: t.tensordot(x, y, dims), [a, b])


def test_inner_of_vectors_is_a_dot() -> None:
    _compare(lambda t, x, y: t.inner(x, y), [(3,), (3,)])


NORMS = [
    lambda t, x: t.linalg.vector_norm(x, dim=(1, 0)),  # every dim, named: unsqueezed
    lambda t, x: t.linalg.vector_norm(x, float("inf"), dim=(0, 1)),
    lambda t, x: t.linalg.vector_norm(x, 3),  # no dim named: none put back
    lambda t, x: t.linalg.vector_norm(x, dim=()),
    lambda t, x: t.linalg.matrix_norm(x),
    lambda t, x: t.norm(x[0], dim=0),
    lambda t, x: t.nn.functional.pairwise_distance(x[0], x[1]),
]


@pytest.mark.parametrize("f", NORMS)
def test_norm_gradients_put_back_the_named_dims(f) -> None:
    _compare(f, [(2, 3)])


@pytest.mark.parametrize(
    ("shape", "groups", "affine"),
    [((2, 4, 3), 2, True), ((2, 4, 3), 2, False), ((2, 6, 2, 3), 3, True), ((3, 4), 1, True)],
)
def test_group_norm_differentiates_as_torchs_native_group_norm(shape, groups, affine) -> None:
    shapes = [shape, shape[1:2], shape[1:2]] if affine else [shape]
    _compare(lambda t, x, *wb: t.nn.functional.group_norm(x, groups, *wb), shapes)


def test_group_norm_mean_and_rstd_are_the_nodes_outputs() -> None:
    """The first derivative reads them, so it reaches the forward node itself."""
    x = ref.tensor(np.random.default_rng(0).standard_normal((2, 4, 3)), requires_grad=True)
    y = ref.nn.functional.group_norm(x, 2)
    (g,) = ref.autograd.grad((y * y).sum(), x, create_graph=True)
    assert reachable_node_names(g.grad_fn)["NativeGroupNormBackward0"] == 1


AS_STRIDED = [
    (lambda t, a: a.as_strided((2, 3), (2, 1), 1) ** 2, (4, 2)),  # windows overlap: index_add_
    (lambda t, a: a.expand(2, 4).as_strided((3,), (1,)) ** 2, (4,)),  # input overlaps: div_
    (lambda t, a: a.expand(3, 4).as_strided((2, 3), (1, 1)) ** 2, (4,)),  # both
    (lambda t, a: a.as_strided((2, 3), (0, 1)) ** 2, (4,)),  # an expanded output dim: sum
    (lambda t, a: a.as_strided((1, 3, 1), (5, 1, 7), 1) ** 2, (4,)),  # size-1 dims: squeeze
    (lambda t, a: a.t().as_strided((2, 2), (1, 3), 1) ** 2, (3, 3)),
    (lambda t, a: a.as_strided((), (), 2) ** 2, (4,)),
    (lambda t, a: a.as_strided((0, 3), (1, 1)) ** 2, (4,)),
]


@pytest.mark.parametrize(("f", "shape"), AS_STRIDED)
def test_as_strided_backward_is_composed_as_in_torch(f, shape) -> None:
    _compare(f, [shape])
