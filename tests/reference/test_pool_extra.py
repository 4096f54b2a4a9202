"""The pooling functions and layers beyond max/avg pooling in 1-D and 2-D, against real
PyTorch: values, indices (ties and NaN), dtypes, node names, errors and the layers' reprs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from side_by_side import assert_same

import conformance.reference as ref


def _same(make, rtol=1e-6, atol=1e-6):
    assert_same(make, rtol, atol)


def _graph(t, make, x0):
    """The node names from the output down to the leaf, first inputs only."""
    x = t.tensor(x0, requires_grad=True)
    out = make(t, x)
    node, names = (out[0] if isinstance(out, tuple) else out).grad_fn, []
    while node is not None and type(node).__name__ != "AccumulateGrad":
        names.append(type(node).__name__)
        node = node.next_functions[0][0]
    return names


RNG = np.random.default_rng(11)
X4 = RNG.standard_normal((2, 3, 7, 6))
X3 = RNG.standard_normal((2, 3, 9))
X5 = RNG.standard_normal((2, 2, 5, 4, 6))


# -- adaptive pooling -------------------------------------------------------------------------

ADAPTIVE = [
    (lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (3, 4), return_indices=True), X4),
    (lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (9, None), True), X4),
    (lambda t, x: t.nn.functional.adaptive_max_pool2d(x[0], 2, True), X4),
    (lambda t, x: t.nn.functional.adaptive_max_pool2d_with_indices(x, 1), X4),
    (lambda t, x: t.nn.functional.adaptive_max_pool1d(x, 4, return_indices=True), X3),
    (lambda t, x: t.nn.functional.adaptive_max_pool1d(x[0], [12]), X3),
    (lambda t, x: t.nn.functional.adaptive_max_pool1d_with_indices(x, 0), X3),
    (lambda t, x: t.nn.functional.adaptive_avg_pool1d(x, 4), X3),
    (lambda t, x: t.nn.functional.adaptive_avg_pool1d(x, 1), X3),
    (lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, (2, 3, 4)), X5),
    (lambda t, x: t.nn.functional.adaptive_avg_pool3d(x[0], (None, 3, 7)), X5),
    (lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, 1), X5),
]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16", "int64", "bool"])
@pytest.mark.parametrize("case", range(len(ADAPTIVE)))
def test_adaptive_pooling_values_indices_and_dtypes(case, dtype) -> None:
    call, x0 = ADAPTIVE[case]
    low = dtype in ("float16", "bfloat16")
    _same(
        lambda t: call(t, t.tensor(x0).to(getattr(t, dtype))),
        rtol=1e-2 if low else 1e-6,
        atol=1e-2 if low else 1e-6,
    )


@pytest.mark.parametrize("case", range(len(ADAPTIVE)))
def test_adaptive_pooling_node_names(case) -> None:
    call, x0 = ADAPTIVE[case]
    assert _graph(ref, call, x0) == _graph(torch, call, x0)


def test_adaptive_max_pool_ties_take_the_first_and_nan_the_last() -> None:
    nan = math.nan
    row = [[1.0, 3, 3, 2, nan, 5, nan], [-math.inf] * 3 + [4, 4, 0, 4]]
    _same(lambda t: t.nn.functional.adaptive_max_pool1d(t.tensor([row]), 2, True))
    _same(lambda t: t.nn.functional.adaptive_max_pool2d(t.tensor([row]), (1, 3), True))
    _same(lambda t: t.nn.functional.adaptive_max_pool1d(t.full((1, 1, 5), -math.inf), 2, True))


def test_adaptive_max_pool_gradient_adds_where_windows_share_a_maximum() -> None:
    """Overlapping windows (5 -> 4) that share a maximum add their gradients there; the
    create_graph backward is AdaptiveMaxPool2DBackwardBackward0 with torch's derivatives."""
    x0 = np.array([[[0.0, 9, 1, 2, 3]]])
    seen = []
    for t in (ref, torch):
        x = t.tensor(x0, requires_grad=True)
        y = t.nn.functional.adaptive_max_pool1d(x, 4)
        v = t.tensor(np.arange(1.0, 5.0).reshape(1, 1, 4), requires_grad=True)
        (g,) = t.autograd.grad(y, x, v, create_graph=True)
        (gv,) = t.autograd.grad((g * g).sum(), v)
        node = g.grad_fn
        while type(node).__name__ == "UnsqueezeBackward0" or "Squeeze" in type(node).__name__:
            node = node.next_functions[0][0]
        seen.append((g.detach().numpy(), gv.numpy(), type(node).__name__))
    np.testing.assert_array_equal(seen[0][0], seen[1][0])
    np.testing.assert_array_equal(seen[0][1], seen[1][1])
    assert seen[0][2] == seen[1][2] == "AdaptiveMaxPool2DBackwardBackward0"


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(2, 3, 5, 7), (3,)),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(2, 3, 5, 7), (-1, 2)),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(5, 7), (2, 2)),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(5, 7), 2),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(2, 0, 3, 3), 2),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(0, 2, 3, 3), 2),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(0, 3, 3), 2),
        lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(2, 2, 0, 3), 2),
        lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(2, 2, 3), (5, 6)),
        lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(2, 2, 3), 2.0),
        lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(3), 2),
        lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(1, 2, 3, 3), 2),
        lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(2, 0, 3), 2),
        lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(2, 2, 3), -1),
        lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(2, 2, 3), -1),
        lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(3), 2),
        lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(2, 2, 3), (2, 3)),
        lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(2, 2, 0), 2),
        lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(2, 0, 3), 2),
        lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(5, 7), (2, 2)),
        lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(5, 7), 2),
        lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(2, 3), 2),
        lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(2, 3), (1, 2, 3)),
        lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(2, 3, 3, 3), (2, 3)),
        lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(2, 3, 3, 3), (2, -1, 3)),
        lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(2, 0, 3, 3), 2),
        lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(0, 2, 3, 3, 3), 2),
        lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(2, 2, 3, 3, 3), (2, 0, 3)),
        lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(2, 3, 3, 3, dtype=t.int64), 1),
    ],
)
def test_adaptive_pooling_errors_and_empty_shapes(call) -> None:
    _same(call)


# -- layers -----------------------------------------------------------------------------------

LAYERS = [
    (lambda nn: nn.AdaptiveMaxPool1d(3), X3),
    (lambda nn: nn.AdaptiveMaxPool1d(4, return_indices=True), X3),
    (lambda nn: nn.AdaptiveMaxPool2d((3, None), True), X4),
    (lambda nn: nn.AdaptiveMaxPool2d(2), X4),
    (lambda nn: nn.AdaptiveAvgPool1d(5), X3),
    (lambda nn: nn.AdaptiveAvgPool3d((1, 2, 3)), X5),
    (lambda nn: nn.AdaptiveAvgPool3d(2), X5),
    (lambda nn: nn.MaxPool3d(2), X5),
    (lambda nn: nn.MaxPool3d((2, 1, 2), 1, 1, (1, 2, 1), True, True), X5),
    (lambda nn: nn.AvgPool3d(2), X5),
    (lambda nn: nn.AvgPool3d((2, 1, 2), 1, 1, True, False, 3), X5),
    (lambda nn: nn.LPPool1d(2, 3), np.abs(X3)),
    (lambda nn: nn.LPPool2d(1.5, (2, 3), 1, True), np.abs(X4)),
    (lambda nn: nn.LPPool3d(3, 2), np.abs(X5)),
]


@pytest.mark.parametrize(
    "make", [lambda nn: nn.MaxUnpool1d(2), lambda nn: nn.MaxUnpool2d((2, 3), 1, 1)]
)
def test_max_unpool_layers(make) -> None:
    ours, theirs = make(ref.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert (ours.kernel_size, ours.stride, ours.padding) == (
        theirs.kernel_size,
        theirs.stride,
        theirs.padding,
    )
    one_d = isinstance(theirs, torch.nn.MaxUnpool1d)
    x0 = X3 if one_d else X4

    def run(t):
        layer = ours if t is ref else theirs
        pool = t.nn.functional.max_pool1d if one_d else t.nn.functional.max_pool2d
        v, i = pool(t.tensor(x0), layer.kernel_size, layer.stride, layer.padding, 1, False, True)
        return layer(v, i, output_size=list(x0.shape[-1 if one_d else -2 :]))

    _same(run)


@pytest.mark.parametrize("case", range(len(LAYERS)))
def test_layers_repr_settings_and_forward(case) -> None:
    make, x0 = LAYERS[case]
    ours, theirs = make(ref.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert type(ours).__module__ == "conformance.reference.nn.modules"
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    settings = {k: v for k, v in vars(theirs).items() if not k.startswith("_")}
    assert {k: getattr(ours, k) for k in settings} == settings
    assert type(ours).__constants__ == type(theirs).__constants__
    _same(lambda t: (ours if t is ref else theirs)(t.tensor(x0)))


# -- 3-D pooling ------------------------------------------------------------------------------

POOL3D = [
    lambda t, x: t.nn.functional.max_pool3d(x, 2, return_indices=True),
    lambda t, x: t.nn.functional.max_pool3d(x, (3, 2, 3), (2, 1, 2), 1, (1, 2, 1), True, True),
    lambda t, x: t.nn.functional.max_pool3d(x[0], [2], [1], [1], [1], return_indices=True),
    lambda t, x: t.nn.functional.avg_pool3d(x, 2),
    lambda t, x: t.nn.functional.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda t, x: t.nn.functional.avg_pool3d(x[0], (2, 3, 2), 1, (1, 0, 1), divisor_override=-3),
    lambda t, x: t.nn.functional.avg_pool3d(x, (3, 3, 2), (2, 2, 3), 1, True, True),
]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16", "int64", "bool"])
@pytest.mark.parametrize("case", range(len(POOL3D)))
def test_pool3d_values_indices_and_dtypes(case, dtype) -> None:
    low = dtype in ("float16", "bfloat16")
    scale = 10 if dtype == "int64" else 1
    _same(
        lambda t: POOL3D[case](t, t.tensor(X5 * scale).to(getattr(t, dtype))),
        rtol=1e-2 if low else 1e-6,
        atol=1e-2 if low else 1e-6,
    )


@pytest.mark.parametrize("case", range(len(POOL3D)))
def test_pool3d_node_names(case) -> None:
    assert _graph(ref, POOL3D[case], X5) == _graph(torch, POOL3D[case], X5)


def test_max_pool3d_ties_take_the_first_and_nan_the_last() -> None:
    x = np.zeros((1, 1, 2, 2, 3))
    x[0, 0, 1, 0, 0] = x[0, 0, 0, 1, 1] = 5.0
    x[0, 0, 0, 0, 2] = x[0, 0, 1, 1, 2] = math.nan
    _same(lambda t: t.nn.functional.max_pool3d(t.tensor(x), (2, 2, 2), 1, return_indices=True))
    _same(lambda t: t.nn.functional.max_pool3d(t.full((1, 2, 2, 2), -math.inf), 2, 2, 1, 1, True))


Y5 = np.ones((1, 1, 3, 4, 5))


@pytest.mark.parametrize(
    "call",
    [
        lambda t, y: t.nn.functional.max_pool3d(y, (2, 2)),
        lambda t, y: t.nn.functional.max_pool3d(y, 2, stride=(1, 2)),
        lambda t, y: t.nn.functional.max_pool3d(y, 2, padding=(1, 1)),
        lambda t, y: t.nn.functional.max_pool3d(y, 2, dilation=(1, 1)),
        lambda t, y: t.nn.functional.max_pool3d(y, 2, padding=2),
        lambda t, y: t.nn.functional.max_pool3d(y, 0),
        lambda t, y: t.nn.functional.max_pool3d(y, 0, 1),
        lambda t, y: t.nn.functional.max_pool3d(y, 2, -1),
        lambda t, y: t.nn.functional.max_pool3d(y, 2, dilation=(1, 0, 1)),
        lambda t, y: t.nn.functional.max_pool3d(y, 2, padding=-1),
        lambda t, y: t.nn.functional.max_pool3d(y, 4),
        lambda t, y: t.nn.functional.max_pool3d(y[0, 0], 2),
        lambda t, y: t.nn.functional.max_pool3d(y[:, :, :0], 2),
        lambda t, y: t.nn.functional.max_pool3d(y[:0], 2),
        lambda t, y: t.nn.functional.max_pool3d(y[0, :, :0], 2),
        lambda t, y: t.nn.functional.max_pool3d(y[:, :, :2, :2, :2].reshape(1, 1, 2, 2), 2),
        lambda t, y: t.nn.functional.max_pool3d(y.bool(), 2),
        lambda t, y: t.nn.functional.avg_pool3d(y, (2, 2)),
        lambda t, y: t.nn.functional.avg_pool3d(y, 2, stride=(1, 2)),
        lambda t, y: t.nn.functional.avg_pool3d(y, 2, padding=(1, 2)),
        lambda t, y: t.nn.functional.avg_pool3d(y, 2, padding=2),
        lambda t, y: t.nn.functional.avg_pool3d(y, 0),
        lambda t, y: t.nn.functional.avg_pool3d(y, 0, 1),
        lambda t, y: t.nn.functional.avg_pool3d(y, 2, -1),
        lambda t, y: t.nn.functional.avg_pool3d(y, (3, 4, 6), 1, (1, 2, 3)),
        lambda t, y: t.nn.functional.avg_pool3d(y, 4),
        lambda t, y: t.nn.functional.avg_pool3d(y[0, 0], 2),
        lambda t, y: t.nn.functional.avg_pool3d(y[:0], 2),
        lambda t, y: t.nn.functional.avg_pool3d(y[:, :0], 2),
        lambda t, y: t.nn.functional.avg_pool3d(y, 2, divisor_override=0),
        lambda t, y: t.nn.functional.avg_pool3d(y, 2, divisor_override=1.5),
        lambda t, y: t.nn.functional.avg_pool3d(y.int(), 2),
    ],
)
def test_pool3d_errors_and_empty_shapes(call) -> None:
    _same(lambda t: call(t, t.tensor(Y5)))


# -- power-average pooling --------------------------------------------------------------------

LP = [
    (lambda t, x: t.nn.functional.lp_pool1d(x, 2, 3), X3),
    (lambda t, x: t.nn.functional.lp_pool1d(x, 1.5, 3, 2, True), X3),
    (lambda t, x: t.nn.functional.lp_pool1d(x, -math.inf, 2), X3),
    (lambda t, x: t.nn.functional.lp_pool2d(x, 3, (2, 3), 1), X4),
    (lambda t, x: t.nn.functional.lp_pool2d(x, math.inf, 2), X4),
    (lambda t, x: t.nn.functional.lp_pool3d(x, 2, 2, ceil_mode=True), X5),
    (lambda t, x: t.nn.functional.lp_pool3d(x, -math.inf, (1, 2, 3)), X5),
]


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("case", range(len(LP)))
def test_lp_pool_values_and_dtypes(case, dtype) -> None:
    call, x0 = LP[case]
    _same(lambda t: call(t, t.tensor(np.abs(x0) * 3).to(getattr(t, dtype))))


@pytest.mark.parametrize("case", range(len(LP)))
def test_lp_pool_records_torch_composition(case) -> None:
    """The whole graph, every branch, as torch records it."""
    call, x0 = LP[case]
    seen = []
    for t in (ref, torch):
        o = call(t, t.tensor(x0, requires_grad=True))
        names, stack = [], [o.grad_fn]
        while stack:
            node = stack.pop()
            if node is not None and type(node).__name__ != "AccumulateGrad":
                names.append(type(node).__name__)
                stack.extend(f for f, _ in node.next_functions)
        seen.append(names)
    assert seen[0] == seen[1]


def test_lp_pool_gradient_is_zero_where_a_window_sums_to_zero() -> None:
    x0 = np.array([[[0.0, 0.0, 1.0, 2.0]]])
    seen = []
    for t in (ref, torch):
        x = t.tensor(x0, requires_grad=True)
        (g,) = t.autograd.grad(t.nn.functional.lp_pool1d(x, 2, 2).sum(), x)
        seen.append(g.numpy())
    np.testing.assert_array_equal(seen[0], seen[1])


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.nn.functional.lp_pool2d(x, 2, [3]),
        lambda t, x: t.nn.functional.lp_pool3d(x, 2, [3, 1]),
        lambda t, x: t.nn.functional.lp_pool1d(x, 0, 3),
        lambda t, x: t.nn.functional.lp_pool1d(x.long(), math.inf, 3),
        lambda t, x: t.nn.functional.lp_pool1d(x, 2, 9),
    ],
)
def test_lp_pool_errors(call) -> None:
    _same(lambda t: call(t, t.tensor(X3)))


# -- max unpooling ----------------------------------------------------------------------------


def _pooled(t, x0, *args, one_d=False):
    x = t.tensor(x0, requires_grad=True)
    pool = t.nn.functional.max_pool1d if one_d else t.nn.functional.max_pool2d
    return pool(x, *args, return_indices=True)


UNPOOL = [
    (X4, (2,), lambda t, v, i: t.nn.functional.max_unpool2d(v, i, 2)),
    (X4[..., :5], (2,), lambda t, v, i: t.nn.functional.max_unpool2d(v, i, 2, output_size=(7, 5))),
    (X4, (2,), lambda t, v, i: t.nn.functional.max_unpool2d(v, i, 2, output_size=[2, 3, 6, 7])),
    (X4[0], (3, 1, 1), lambda t, v, i: t.nn.functional.max_unpool2d(v, i, 3, 1, 1)),
]
UNPOOL_1D = [
    (X3, (2,), lambda t, v, i: t.nn.functional.max_unpool1d(v, i, 2, output_size=[9])),
    (X3[0], (3, 2, 1), lambda t, v, i: t.nn.functional.max_unpool1d(v, i, 3, 2, 1)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("case", range(len(UNPOOL) + len(UNPOOL_1D)))
def test_max_unpool_values_dtypes_and_graph(case, dtype) -> None:
    """Values and dtypes; in float64, the graph and the create_graph backward (a gather, then
    a view) with its gradients."""
    one_d = case >= len(UNPOOL)
    x0, args, unpool = (UNPOOL + UNPOOL_1D)[case]

    def make(t):
        v, i = _pooled(t, x0, *args, one_d=one_d)
        return unpool(t, v.detach().to(getattr(t, dtype)), i)

    _same(make)
    seen = []
    for t in (ref, torch):
        v, i = _pooled(t, x0, *args, one_d=one_d)
        out = unpool(t, v, i)
        (g,) = t.autograd.grad((out**3).sum(), v, create_graph=True)
        (gg,) = t.autograd.grad((g * g).sum(), v)
        seen.append(_graph(t, lambda t, x: unpool(t, *_pooled(t, x0, *args, one_d=one_d)), x0))
        seen.append((type(g.grad_fn).__name__, g.detach().numpy(), gg.numpy()))
    assert seen[0] == seen[2]
    assert seen[1][0] == seen[3][0]
    np.testing.assert_allclose(seen[1][1], seen[3][1], rtol=1e-12)
    np.testing.assert_allclose(seen[1][2], seen[3][2], rtol=1e-12)


def test_max_unpool_gradient_reads_a_shared_index_for_each_element() -> None:
    """Which element a shared index keeps is unspecified in PyTorch, but each reads its
    gradient from there."""
    seen = []
    for t in (ref, torch):
        v = t.tensor([[[[1.0, 2.0]]]], requires_grad=True)
        out = t.nn.functional.max_unpool2d(v, t.tensor([[[[3, 3]]]]), 2)
        (g,) = t.autograd.grad(out, v, t.arange(8.0).reshape(1, 1, 2, 4))
        seen.append(g.numpy())
    np.testing.assert_array_equal(seen[0], seen[1])


# One element made invalid: where there are several, which one PyTorch reports depends on
# its threads.
ONE = np.zeros((2, 3, 3, 3), dtype=bool)
ONE[1, 0, 2, 1] = True


@pytest.mark.parametrize(
    "call",
    [
        lambda t, v, i: t.nn.functional.max_unpool2d(v, i, 2, output_size=(6, 7)),
        lambda t, v, i: t.nn.functional.max_unpool2d(v, i, 2, output_size=(5,)),
        lambda t, v, i: t.nn.functional.max_unpool2d(v, i.int(), 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v, i.float(), 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v, i[:1], 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v, t.where(t.tensor(ONE), i + 100, i), 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v, t.where(t.tensor(ONE), i - 100, i), 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v[0, 0], i[0, 0], 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v.long(), i, 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v.bool(), i, 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v[:, :, :0], i[:, :, :0], 2),
        lambda t, v, i: t.nn.functional.max_unpool2d(v[:0], i[:0], 2),
        lambda t, v, i: t.nn.functional.max_unpool1d(v[0], i[0], 2, padding=4),
        lambda t, v, i: t.nn.functional.max_unpool1d(v[0], i[0], 2, output_size=[12]),
        lambda t, v, i: t.nn.functional.max_unpool1d(v[0, 0], i[0, 0] % 6, 2),
    ],
)
def test_max_unpool_output_size_rules_and_errors(call) -> None:
    def make(t):
        v, i = _pooled(t, X4, 2)
        return call(t, v.detach(), i)

    _same(make)


# -- unfold and fold --------------------------------------------------------------------------

COLUMNS = RNG.standard_normal((2, 12, 20))  # fold((5, 6), 2): 3 channels, 4 * 5 blocks
FOLDING = [
    (lambda t, x: t.nn.functional.unfold(x, (2, 3), (1, 2), 1, (2, 1)), X4),
    (lambda t, x: t.nn.functional.unfold(x[0], 2), X4),
    (lambda t, x: t.nn.functional.unfold(x[:0], 2), X4),
    (lambda t, x: t.nn.functional.fold(x[:, :, :12], (5, 6), (2, 3), (1, 2), 1, (2, 1)), COLUMNS),
    (lambda t, x: t.nn.functional.fold(x.reshape(24, 20)[:18], (4, 5), 3, padding=1), COLUMNS),
]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16", "int64", "bool"])
@pytest.mark.parametrize("case", range(len(FOLDING)))
def test_unfold_fold_values_and_dtypes(case, dtype) -> None:
    call, x0 = FOLDING[case]
    low = dtype in ("float16", "bfloat16")
    _same(
        lambda t: call(t, t.tensor(x0).to(getattr(t, dtype))),
        rtol=1e-2 if low else 1e-6,
        atol=1e-2 if low else 1e-6,
    )


@pytest.mark.parametrize("case", [0, 1, 3, 4])
def test_unfold_fold_graph_and_double_backward(case) -> None:
    """Im2ColBackward0 and Col2ImBackward0, each the other's derivative."""
    call, x0 = FOLDING[case]
    seen = []
    for t in (ref, torch):
        x = t.tensor(x0, requires_grad=True)
        out = call(t, x)
        (g,) = t.autograd.grad((out**3).sum(), x, create_graph=True)
        (gg,) = t.autograd.grad((g * g).sum(), x)
        seen.append((type(out.grad_fn).__name__, type(g.grad_fn).__name__, gg.numpy()))
    assert seen[0][:2] == seen[1][:2]
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x, c: t.nn.functional.unfold(x[0, 0], 2),
        lambda t, x, c: t.nn.functional.unfold(x, 0),
        lambda t, x, c: t.nn.functional.unfold(x, 2, stride=0),
        lambda t, x, c: t.nn.functional.unfold(x, 2, dilation=0, stride=0),
        lambda t, x, c: t.nn.functional.unfold(x, 2, padding=-1, stride=0),
        lambda t, x, c: t.nn.functional.unfold(x, 8),
        lambda t, x, c: t.nn.functional.unfold(x, (2,)),
        lambda t, x, c: t.nn.functional.unfold(x[:, :0], 2),
        lambda t, x, c: t.nn.functional.unfold(x[0, :, :0], 2),
        lambda t, x, c: t.nn.functional.fold(c, (6, 7), 2),
        lambda t, x, c: t.nn.functional.fold(c, (5, 6), (2, 3)),
        lambda t, x, c: t.nn.functional.fold(c, (1, 1), 2),
        lambda t, x, c: t.nn.functional.fold(c, (5, 6, 1), 2),
        lambda t, x, c: t.nn.functional.fold(c[0, 0], (5, 6), 2),
        lambda t, x, c: t.nn.functional.fold(c, (5, 6), 0, stride=0),
        lambda t, x, c: t.nn.functional.fold(c, (5, 6), 2, stride=0, dilation=0),
        lambda t, x, c: t.nn.functional.fold(c, (5, 6), 2, padding=-1, dilation=0),
        lambda t, x, c: t.nn.functional.fold(c[:, :5], (5, 6), 2),
        lambda t, x, c: t.nn.functional.fold(c[:, :, :0], (5, 6), 2),
        lambda t, x, c: t.nn.functional.fold(c[:0], (5, 6), 2),
    ],
)
def test_unfold_fold_errors(call) -> None:
    _same(lambda t: call(t, t.tensor(X4[..., :5, :6]), t.tensor(COLUMNS)))


@pytest.mark.parametrize(
    "make",
    [lambda nn: nn.Fold((5, 6), 2), lambda nn: nn.Unfold((2, 3), padding=1, stride=(1, 2))],
)
def test_fold_layers(make) -> None:
    ours, theirs = make(ref.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert type(ours).__constants__ == type(theirs).__constants__
    x0 = COLUMNS if isinstance(theirs, torch.nn.Fold) else X4
    _same(lambda t: (ours if t is ref else theirs)(t.tensor(x0)))


@pytest.mark.parametrize(
    "call",
    [
        # pooling_output_shape's checks come dim by dim, before pool2d_shape_check's
        lambda t: t.nn.functional.max_pool2d(t.ones(1, 3, 4, 4), -1, padding=1),
        lambda t: t.nn.functional.avg_pool2d(t.ones(1, 3, 4, 4), 2, (1, 0), (-1, 0)),
        lambda t: t.nn.functional.max_pool2d(t.ones(1, 0, 4, 4), 2, padding=2),
        # pool2d/3d_shape_check's own half-kernel check, which ignores the dilation
        lambda t: t.nn.functional.max_pool2d(
            t.ones(1, 3, 4, 4), (3, 5), padding=(2, 1), dilation=2
        ),
        lambda t: t.nn.functional.max_pool3d(t.ones(1, 3, 4, 4, 4), 3, padding=2, dilation=2),
    ],
)
def test_pool_checks_come_in_pytorchs_order(call) -> None:
    _same(call)
