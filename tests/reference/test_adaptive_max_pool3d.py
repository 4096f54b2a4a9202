"""adaptive_max_pool3d (its *_with_indices form and nn.AdaptiveMaxPool3d) against real
PyTorch: values and indices (ties, NaN, -inf), dtypes, node names, gradients where windows
overlap, the second-order graph, errors in PyTorch's order and words, and the layer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from side_by_side import assert_same

import conformance.reference as ref


def _same(make) -> None:
    assert_same(make, rtol=0, atol=0)  # a max is an element: exact, NaN included


RNG = np.random.default_rng(5)
X5 = RNG.standard_normal((2, 3, 5, 4, 6)).round(1)  # rounded: ties occur
X5[0, 1, 2] = math.nan
X5[1, 2, :, 1] = -math.inf

CALLS = [
    lambda t, x: t.nn.functional.adaptive_max_pool3d(x, (2, 3, 4), return_indices=True),
    lambda t, x: t.nn.functional.adaptive_max_pool3d(x, (7, None, 9), True),  # overlapping
    lambda t, x: t.nn.functional.adaptive_max_pool3d(x[0], 2, True),  # unbatched
    lambda t, x: t.nn.functional.adaptive_max_pool3d(x, [None, 1, None], True),
    lambda t, x: t.nn.functional.adaptive_max_pool3d_with_indices(x, 1),
    lambda t, x: t.nn.functional.adaptive_max_pool3d_with_indices(x, (0, 2, 2)),
    lambda t, x: t.nn.functional.adaptive_max_pool3d(x[:0], 3, True),  # an empty batch
    lambda t, x: t.nn.functional.adaptive_max_pool3d(x[0, :0], 3, True),  # no channels
    lambda t, x: t.nn.functional.adaptive_max_pool3d(x, (2, 2, 3)),
    lambda t, x: t.nn.AdaptiveMaxPool3d((3, None, 2), return_indices=True)(x),
    lambda t, x: t.nn.AdaptiveMaxPool3d(2)(x),
]


@pytest.mark.parametrize(
    "dtype", ["float64", "float32", "float16", "bfloat16", "int64", "uint8", "bool"]
)
@pytest.mark.parametrize("case", range(len(CALLS)))
def test_values_indices_and_dtypes(case, dtype) -> None:
    """Floating inputs keep their dtype (the indices are int64); the others are refused by
    the CPU kernel, under its name (adaptive_max_pool3d_cpu)."""
    _same(lambda t: CALLS[case](t, t.tensor(X5).to(getattr(t, dtype))))


def test_ties_take_the_first_and_nan_the_last_in_depth_row_column_order() -> None:
    nan, inf = math.nan, math.inf
    cube = [[[1.0, 3], [3, nan]], [[nan, 3], [-0.0, 0.0]]]
    _same(lambda t: t.nn.functional.adaptive_max_pool3d(t.tensor([cube]), 1, True))
    _same(lambda t: t.nn.functional.adaptive_max_pool3d(t.tensor([cube]), (2, 1, 1), True))
    _same(lambda t: t.nn.functional.adaptive_max_pool3d(t.tensor([[[[-0.0, 0.0]]]]), 1, True))
    _same(lambda t: t.nn.functional.adaptive_max_pool3d(t.full((1, 2, 3, 2), -inf), 1, True))
    _same(lambda t: t.nn.functional.adaptive_max_pool3d(t.zeros(1, 3, 3, 3), (2, 2, 2), True))


def _first_path(node) -> list[str]:
    names = []
    while node is not None:
        names.append(type(node).__name__)
        node = node.next_functions[0][0] if node.next_functions else None
    return names


def test_gradient_adds_where_windows_share_a_maximum_and_second_order_graph() -> None:
    """Windows of 3 -> 4 overlap: a shared maximum takes both gradients. The create_graph
    backward is AdaptiveMaxPool3DBackwardBackward0, whose pooled input has a zero
    derivative and whose gradient's derivative is the gather again."""
    x0 = RNG.standard_normal((2, 3, 3, 2))
    v0 = RNG.standard_normal((2, 4, 4, 3))
    seen = []
    for t in (ref, torch):
        x = t.tensor(x0, requires_grad=True)
        y = t.nn.functional.adaptive_max_pool3d(x, (4, 4, 3))
        v = t.tensor(v0, requires_grad=True)
        (g,) = t.autograd.grad(y, x, v, create_graph=True)
        (gv, gx) = t.autograd.grad((g * g).sum(), (v, x), allow_unused=True)
        nexts = [type(n).__name__ for n, _ in g.grad_fn.next_functions]
        seen.append(
            (
                _first_path(y.grad_fn),
                _first_path(g.grad_fn),
                nexts,
                g.detach().numpy(),
                gv.numpy(),
                None if gx is None else gx.numpy(),
            )
        )
    (ours, theirs) = seen
    assert ours[0] == theirs[0] == ["AdaptiveMaxPool3DBackward0", "AccumulateGrad"]
    assert ours[1][0] == theirs[1][0] == "AdaptiveMaxPool3DBackwardBackward0"
    assert ours[2] == theirs[2]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-12)
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-12)
    assert (ours[5] is None) == (theirs[5] is None)
    if theirs[5] is not None:
        np.testing.assert_array_equal(ours[5], theirs[5])


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.nn.functional.adaptive_max_pool3d(x, (0, 2, 2)),
        lambda t, x: t.nn.functional.adaptive_max_pool3d(x[0], (2, 0, 2)),
        lambda t, x: t.nn.functional.adaptive_max_pool2d(x[0], (0, 2)),
    ],
)
def test_backward_refuses_an_empty_output_the_forward_allowed(call) -> None:
    def backward(t):
        x = t.ones(1, 2, 3, 4, 5, dtype=t.float64, requires_grad=True)
        call(t, x).sum().backward()
        return x.grad

    _same(backward)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 4, 5, 6), (2, 3)),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 4, 5, 6), (2, 3, 4, 5)),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 4, 5, 6), [2]),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 4, 5, 6), -1),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(3, 4, 5, 6), (-2, 2, 2)),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(3, 4, 5), 2),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(3, 4, 5), (2, 3)),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(3, 4, 5), (-1, 3, 3)),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(3), 2),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(1, 2, 3, 4, 5, 6), 2),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 0, 4, 5, 6), 2),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 4, 5, 0), 2),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(3, 4, 0, 6), 2),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 0, 5, 6), (-1, 3, 3)),
        lambda t: t.nn.functional.adaptive_max_pool3d(
            t.ones(2, 3, 0, 5, 6, dtype=t.int64), (1, 3, 3)
        ),
        lambda t: t.nn.functional.adaptive_max_pool3d(
            t.ones(2, 3, 5, 5, 6, dtype=t.int64), (-1, 3, 3)
        ),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(1, 2, 2, 2, dtype=t.int32), 1),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 4, 5, 6, 7), [1, None]),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(4, 5, 6, 7), (1, None, 1)),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 4, 5, 6), (1, True, 1)),
        lambda t: t.nn.functional.adaptive_max_pool3d_with_indices(t.ones(1, 2, 3, 4), (1, 2)),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 0, 4, 5, 6), (1, 2, 3, 4)),
        lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 4, 5, 6, 7), (1, 2)),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(2, 3, 4, 5, 6), (1, 2, 3)),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(2, 0, 4, 5), (1, 2, 3)),
    ],
)
def test_errors(call) -> None:
    """Torch's order: the Nones filled in (a ValueError for too few input dims), the
    argument parser, the input's rank, its empty dims, output_size's length, a negative
    size (when the output is made), the dtype. The 2-D form's order is the same."""
    _same(call)


@pytest.mark.parametrize(
    "output_size",
    [2.5, (2.5, 1, 1), ("a", 1, 1), True, (1, None, 1.0), None, (1, 2, [3])],
)
def test_argument_parser_errors(output_size) -> None:
    _same(lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(2, 3, 4, 5, 6), output_size))


def test_return_indices_is_taken_by_its_truth() -> None:
    for flag in (None, 0, 1, "yes"):
        _same(lambda t, f=flag: t.nn.functional.adaptive_max_pool3d(t.tensor(X5), 2, f))


def test_layer_repr_constants_and_state() -> None:
    for t in (ref, torch):
        layer = t.nn.AdaptiveMaxPool3d((2, None, 3), True)
        assert repr(layer) == "AdaptiveMaxPool3d(output_size=(2, None, 3))"
        assert layer.__constants__ == ["output_size", "return_indices"]
        assert layer.return_indices is True
        assert list(layer.state_dict()) == []
    assert "adaptive_max_pool3d_with_indices" in ref.nn.functional.__all__
    assert "AdaptiveMaxPool3d" in ref.nn.modules.__all__


# -- torch.adaptive_avg_pool1d's argument parser ----------------------------------------------


def _x3(t):
    return t.ones(2, 3, 8)


@pytest.mark.parametrize(
    "call",
    [
        *(
            lambda t, s=size: t.adaptive_avg_pool1d(_x3(t), s)
            for size in (2.5, (2.5,), ("a",), True, (True,), None, (1, 2.0), (2, None), [])
        ),
        lambda t: t.adaptive_avg_pool1d(_x3(t), output_size=2.5),  # by keyword: no position
        lambda t: t.adaptive_avg_pool1d(_x3(t), output_size=(2.5,)),
        lambda t: t.adaptive_avg_pool1d(t.ones(3), 2.5),  # parsed before the rank check
        lambda t: t.adaptive_avg_pool1d(t.ones(3), 2),
        lambda t: t.adaptive_avg_pool1d(_x3(t), (2, 3)),
        lambda t: t.adaptive_avg_pool1d(_x3(t), [3]),
        lambda t: t.adaptive_avg_pool1d(_x3(t)),
        lambda t: t.adaptive_avg_pool1d(),
        lambda t: t.adaptive_avg_pool1d(_x3(t), 2, 3),
        lambda t: t.adaptive_avg_pool1d(_x3(t), size=2),
        lambda t: t.adaptive_avg_pool1d(_x3(t), 2, output_size=2),
        lambda t: t.nn.functional.adaptive_avg_pool1d(_x3(t), (1, "a")),
        lambda t: t.nn.AdaptiveAvgPool1d(2.5)(_x3(t)),
        lambda t: t.nn.functional.avg_pool2d(t.ones(1, 8, 8)),
        lambda t: t.nn.functional.avg_pool2d(t.ones(1, 8, 8), 2, 1, 0, False, True, 3, 4),
        lambda t: t.nn.functional.avg_pool2d(t.ones(1, 8, 8), 2, kernel_size=3),
    ],
)
def test_adaptive_avg_pool1d_parses_its_arguments_as_torch_does(call) -> None:
    """A builtin: output_size is parsed as given (position 2 named only when given by
    position), before any check of the function's; missing, extra and unknown arguments
    in the parser's words."""
    _same(call)
