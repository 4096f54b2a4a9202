"""The activations, norms and losses of nn/activation_variants.py, group_and_instance_norm.py,
pixel_shuffle.py, margin_losses.py and likelihood_losses.py against real PyTorch, run side by
side: values, grad_fn names, first derivatives (and torch's second derivatives, by value) in
float64, finite differences of the reference's own forward, dtype refusals and messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref
from conformance.reference.nn import functional as ours

RNG = np.random.default_rng(0)
X = RNG.uniform(-4, 4, (2, 3, 4))
Y = RNG.uniform(-4, 4, (2, 3, 4))
POS = RNG.uniform(0.2, 3, (2, 3, 4))
W3 = RNG.uniform(0.1, 0.9, (3,))
B3 = RNG.uniform(-1, 1, (3,))
SIGN4 = np.array([1.0, -1.0, 1.0, -1.0])
SIGN234 = np.sign(RNG.uniform(-1, 1, (2, 3, 4)))
LABELS = (RNG.uniform(0, 1, (2, 3, 4)) > 0.5).astype(np.float64)


def _fn(t):
    return ours if t is ref else torch.nn.functional


# name -> (function of (engine, functional namespace, *tensors), arrays that require grad,
# constant arrays)
CASES = {
    "selu": (lambda t, F, x: F.selu(x), [X], []),
    "celu": (lambda t, F, x: F.celu(x, 0.7), [X], []),
    "hardshrink": (lambda t, F, x: F.hardshrink(x, 1.0), [X], []),
    "softshrink": (lambda t, F, x: F.softshrink(x, 1.0), [X], []),
    "tanhshrink": (lambda t, F, x: F.tanhshrink(x), [X], []),
    "hardsigmoid": (lambda t, F, x: F.hardsigmoid(x), [X], []),
    "hardswish": (lambda t, F, x: F.hardswish(x), [X], []),
    "prelu": (lambda t, F, x, w: F.prelu(x, w), [X, W3], []),
    "prelu_one": (lambda t, F, x, w: F.prelu(x, w), [X, W3[:1]], []),
    "rrelu_eval": (lambda t, F, x: F.rrelu(x, 0.1, 0.3), [X], []),
    "group_norm": (lambda t, F, x, w, b: F.group_norm(x.reshape(2, 6, 2), 3), [X, W3, B3], []),
    "group_norm_affine": (
        lambda t, F, x, w, b: F.group_norm(x.reshape(2, 3, 4), 3, w, b),
        [X, W3, B3],
        [],
    ),
    "instance_norm": (lambda t, F, x, w, b: F.instance_norm(x, weight=w, bias=b), [X, W3, B3], []),
    "margin_ranking": (
        lambda t, F, x, y, s: F.margin_ranking_loss(x[0, 0], y[0, 0], s, 0.5),
        [X, Y],
        [SIGN4],
    ),
    "hinge": (lambda t, F, x, s: F.hinge_embedding_loss(x, s, 2.0), [X], [SIGN234]),
    "soft_margin": (lambda t, F, x, s: F.soft_margin_loss(x, s), [X], [SIGN234]),
    "soft_margin_sum": (
        lambda t, F, x, s: F.soft_margin_loss(x, s, reduction="sum"),
        [X],
        [SIGN234],
    ),
    "cosine_embedding": (
        lambda t, F, x, y, s: F.cosine_embedding_loss(x[0], y[0], s[:3], 0.1),
        [X, Y],
        [SIGN4],
    ),
    "triplet": (lambda t, F, x, y, z: F.triplet_margin_loss(x[0], y[0], z[0]), [X, Y, POS], []),
    "triplet_swap": (
        lambda t, F, x, y, z: F.triplet_margin_loss(x[0], y[0], z[0], p=1, swap=True),
        [X, Y, POS],
        [],
    ),
    "poisson": (lambda t, F, x, y: F.poisson_nll_loss(x, y), [X, POS], []),
    "poisson_full": (
        lambda t, F, x, y: F.poisson_nll_loss(x, y * 2, log_input=False, full=True),
        [POS, POS],
        [],
    ),
    "gaussian": (lambda t, F, x, y, v: F.gaussian_nll_loss(x, y, v), [X, Y, POS], []),
    "gaussian_full_homo": (
        lambda t, F, x, y, v: F.gaussian_nll_loss(x, y, v[..., 0], full=True, reduction="sum"),
        [X, Y, POS],
        [],
    ),
    "multilabel_soft_margin": (
        lambda t, F, x, s: F.multilabel_soft_margin_loss(x, s),
        [X],
        [LABELS],
    ),
    "pixel_shuffle": (lambda t, F, x: F.pixel_shuffle(x.reshape(1, 4, 2, 3), 2), [X], []),
    "pixel_unshuffle": (lambda t, F, x: F.pixel_unshuffle(x.reshape(2, 1, 6, 2), 2), [X], []),
}


# Left out of the second-derivative comparison: hardsigmoid's (PyTorch refuses it, see
# test_double_backward_matches_torch) and those of composites whose gradient is piecewise
# constant (the reference's first gradient then does not require grad, PyTorch's does).
PIECEWISE = {"hardsigmoid", "margin_ranking", "hinge", "pixel_shuffle", "pixel_unshuffle"}


def _graph(out):
    """The node names, depth first."""
    names, seen = [], set()

    def walk(node):
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        names.append(type(node).__name__)
        for child, _ in node.next_functions:
            walk(child)

    walk(out.grad_fn)
    return names


def _run(t, name):
    fn, grads, consts = CASES[name]
    inputs = [t.tensor(a, dtype=t.float64, requires_grad=True) for a in grads]
    constants = [t.tensor(a, dtype=t.float64) for a in consts]
    out = fn(t, _fn(t), *inputs, *constants)
    weights = t.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)))
    firsts = t.autograd.grad((out * weights).sum(), inputs, create_graph=True, allow_unused=True)
    # A gradient that does not depend on the inputs (piecewise-linear ops) is left out: the
    # reference's does not require grad where PyTorch's does (and gives zeros), see below.
    used = [(g, i) for g, i in zip(firsts, inputs, strict=True) if g is not None]
    used = [(g, i) for g, i in used if g.requires_grad and name not in PIECEWISE]
    seconds = []
    if used:
        total = sum((g * g).sum() for g, _ in used)
        seconds = t.autograd.grad(total, [i for _, i in used], allow_unused=True)
    as_np = lambda g: None if g is None else g.detach().numpy()  # noqa: E731
    return out, [as_np(g) for g in firsts], [as_np(g) for g in seconds]


@pytest.mark.parametrize("name", CASES)
def test_values_graph_and_gradients_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine, theirs = _run(ref, name), _run(torch, name)
    np.testing.assert_allclose(
        mine[0].detach().numpy(), theirs[0].detach().numpy(), rtol=1e-10, atol=1e-12
    )
    assert _graph(mine[0]) == _graph(theirs[0])
    for a, b in zip(mine[1] + mine[2], theirs[1] + theirs[2], strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", [n for n in CASES if n not in ("rrelu_train",)])
def test_gradients_match_finite_differences(name):
    fn, grads, consts = CASES[name]
    constants = [ref.tensor(a, dtype=ref.float64) for a in consts]

    def value(arrays):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tensors = [ref.tensor(a, dtype=ref.float64) for a in arrays]
            out = fn(ref, ours, *tensors, *constants)
        return float(out.sum())

    inputs = [ref.tensor(a, dtype=ref.float64, requires_grad=True) for a in grads]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(ref, ours, *inputs, *constants)
    analytic = ref.autograd.grad(out.sum(), inputs, allow_unused=True)
    h = 1e-6
    for k, a in enumerate(grads):
        for index in list(np.ndindex(a.shape))[:: max(1, a.size // 6)]:
            plus = [b.copy() for b in grads]
            minus = [b.copy() for b in grads]
            plus[k][index] += h
            minus[k][index] -= h
            numeric = (value(plus) - value(minus)) / (2 * h)
            got = 0.0 if analytic[k] is None else float(analytic[k].numpy()[index])
            assert got == pytest.approx(numeric, rel=1e-5, abs=1e-6), (k, index)


ACTIVATIONS = ["selu", "celu", "hardshrink", "softshrink", "tanhshrink", "hardsigmoid", "hardswish"]


def _outcome(t, fn):
    try:
        out = fn(t)
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return ("raises", type(exc).__name__, str(exc))
    return (out.detach().to(t.float64).numpy().tolist(), str(out.dtype).split(".")[-1])


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", ["bool", "int64", "float16", "bfloat16", "float32"])
def test_activation_dtypes_match_torch(name, dtype):
    values = [-4.0, -3.0, -1.0, -0.5, 0.0, 0.5, 2.0, 3.0, 5.0, float("nan"), float("inf")]

    def fn(t):
        x = t.tensor(values).to(getattr(t, dtype))
        return getattr(_fn(t), name)(x)

    mine, theirs = _outcome(ref, fn), _outcome(torch, fn)
    if theirs[0] == "raises" or mine[0] == "raises":
        assert mine == theirs
    else:
        assert mine[1] == theirs[1]
        np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-2 if "16" in dtype else 1e-6)


ERRORS = {
    "softshrink_negative": lambda t, F: F.softshrink(t.ones(2), -1.0),
    "softshrink_double": lambda t, F: F.softshrink(t.ones(2, dtype=t.float64), -2.0),
    "celu_zero": lambda t, F: F.celu(t.ones(2), 0.0),
    "prelu_2d_weight": lambda t, F: F.prelu(t.ones(2, 3), t.ones(1, 3)),
    "prelu_channels": lambda t, F: F.prelu(t.ones(2, 3, 4), t.ones(4)),
    "prelu_promote": lambda t, F: F.prelu(t.ones(3, dtype=t.int64), t.ones(1)),
    "rrelu_bounds": lambda t, F: F.rrelu(t.ones(3), 0.5, 0.1),
    "rrelu_int": lambda t, F: F.rrelu(t.ones(3, dtype=t.int64)),
    "group_norm_divisible": lambda t, F: F.group_norm(t.ones(2, 3, 4), 2),
    "group_norm_1d": lambda t, F: F.group_norm(t.ones(3), 1),
    "group_norm_one_value": lambda t, F: F.group_norm(t.ones(1, 2), 2),
    "group_norm_weight": lambda t, F: F.group_norm(t.ones(2, 3, 4), 3, t.ones(2)),
    "instance_norm_spatial": lambda t, F: F.instance_norm(t.ones(2, 3, 1)),
    "pixel_shuffle_channels": lambda t, F: F.pixel_shuffle(t.ones(1, 4, 2, 2), 3),
    "pixel_shuffle_2d": lambda t, F: F.pixel_shuffle(t.ones(4, 4), 2),
    "pixel_unshuffle_width": lambda t, F: F.pixel_unshuffle(t.ones(1, 1, 4, 5), 2),
    "pixel_unshuffle_height": lambda t, F: F.pixel_unshuffle(t.ones(1, 1, 5, 4), 2),
    "margin_ranking_dims": lambda t, F: F.margin_ranking_loss(t.ones(3), t.ones(3), t.ones(1, 3)),
    "cosine_target_2d": lambda t, F: F.cosine_embedding_loss(
        t.ones(2, 3), t.ones(2, 3), t.ones(2, 1)
    ),
    "cosine_inputs_3d": lambda t, F: F.cosine_embedding_loss(
        t.ones(2, 3, 1), t.ones(2, 3, 1), t.ones(2)
    ),
    "cosine_inputs_2d_for_0d": lambda t, F: F.cosine_embedding_loss(
        t.ones(2, 3), t.ones(2, 3), t.tensor(1.0)
    ),
    "triplet_margin": lambda t, F: F.triplet_margin_loss(
        t.ones(2, 3), t.ones(2, 3), t.ones(2, 3), 0.0
    ),
    "triplet_dims": lambda t, F: F.triplet_margin_loss(t.ones(2, 3), t.ones(3), t.ones(2, 3)),
    "poisson_reduction": lambda t, F: F.poisson_nll_loss(t.ones(2), t.ones(2), reduction="x"),
    "gaussian_negative": lambda t, F: F.gaussian_nll_loss(t.ones(2), t.ones(2), -t.ones(2)),
    "gaussian_size": lambda t, F: F.gaussian_nll_loss(t.ones(2, 3), t.ones(2, 3), t.ones(3, 2)),
    "gaussian_reduction": lambda t, F: F.gaussian_nll_loss(
        t.ones(2), t.ones(2), t.ones(2), reduction="x"
    ),
    "multilabel_reduction": lambda t, F: F.multilabel_soft_margin_loss(
        t.ones(2, 3), t.ones(2, 3), reduction="x"
    ),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch(name):
    fn = ERRORS[name]
    mine = _outcome(ref, lambda t: fn(t, ours))
    theirs = _outcome(torch, lambda t: fn(t, torch.nn.functional))
    assert theirs[0] == "raises"
    assert mine == theirs


def test_rrelu_training_draws_slopes_in_range_and_gradient_is_the_noise():
    x = ref.tensor([-1.0, 2.0, -3.0, -0.5], dtype=ref.float64, requires_grad=True)
    out = ours.rrelu(x, 0.1, 0.3, training=True)
    assert type(out.grad_fn).__name__ == "RreluWithNoiseBackward0"
    out.sum().backward()
    slopes = out.detach().numpy() / x.detach().numpy()
    assert slopes[1] == 1.0
    assert np.all((slopes[[0, 2, 3]] >= 0.1) & (slopes[[0, 2, 3]] <= 0.3))
    np.testing.assert_allclose(x.grad.numpy(), slopes)


def test_in_place_forms_match_torch():
    for name, args in (("selu_", ()), ("celu_", (0.5,)), ("rrelu_", (0.1, 0.3))):
        results = []
        for t, F in ((ref, ours), (torch, torch)):
            leaf = t.tensor(X[0], requires_grad=True)
            x = leaf * 1
            out = getattr(F, name)(x, *args)
            assert out is x
            out.sum().backward()
            results.append((out.detach().numpy(), type(out.grad_fn).__name__, leaf.grad.numpy()))
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
        assert results[0][1] == results[1][1]
        np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-6)


def test_instance_norm_updates_running_statistics_as_torch():
    stats = []
    for t in (ref, torch):
        mean, var = t.zeros(3, dtype=t.float64), t.ones(3, dtype=t.float64)
        F = ours if t is ref else torch.nn.functional
        F.instance_norm(t.tensor(X), mean, var, momentum=0.2)
        stats.append((mean.numpy(), var.numpy()))
    np.testing.assert_allclose(stats[0][0], stats[1][0], rtol=1e-10)
    np.testing.assert_allclose(stats[0][1], stats[1][1], rtol=1e-10)


EDGE = np.linspace(-4, 4, 24).reshape(2, 3, 4)
EDGE_CASES = {
    "hsig_inplace": lambda t, F: F.hardsigmoid(
        t.tensor(EDGE, requires_grad=True) * 1, inplace=True
    ),
    "hswish_inplace": lambda t, F: F.hardswish(
        t.tensor(EDGE, requires_grad=True) * 1, inplace=True
    ),
    "prelu_1d": lambda t, F: F.prelu(
        t.tensor(EDGE[0, 0], requires_grad=True), t.tensor([0.2], requires_grad=True)
    ),
    "prelu_0d": lambda t, F: F.prelu(
        t.tensor(-2.0, requires_grad=True), t.tensor([0.2], requires_grad=True)
    ),
    "prelu_0dw": lambda t, F: F.prelu(
        t.tensor(EDGE, requires_grad=True), t.tensor(0.2, requires_grad=True)
    ),
    "gn_f32": lambda t, F: F.group_norm(t.tensor(EDGE, dtype=t.float32), 3),
    "gn_f16": lambda t, F: F.group_norm(t.tensor(EDGE, dtype=t.float16), 1),
    "gn_int": lambda t, F: F.group_norm(t.tensor(EDGE).long(), 1),
    "gn_empty": lambda t, F: F.group_norm(t.ones(0, 3, 4), 3),
    "in_f32": lambda t, F: F.instance_norm(t.tensor(EDGE, dtype=t.float32)),
    "hinge_odd_target": lambda t, F: F.hinge_embedding_loss(t.tensor(EDGE), t.tensor(EDGE)),
    "soft_margin_f32": lambda t, F: F.soft_margin_loss(
        t.tensor(EDGE, dtype=t.float32), t.ones(2, 3, 4)
    ),
    "soft_margin_int": lambda t, F: F.soft_margin_loss(
        t.tensor(EDGE).long(), t.ones(2, 3, 4).long()
    ),
    "soft_margin_bcast": lambda t, F: F.soft_margin_loss(t.tensor(EDGE), t.ones(4)),
    "soft_margin_target_grad": lambda t, F: F.soft_margin_loss(
        t.tensor(EDGE), t.ones(2, 3, 4, requires_grad=True)
    ),
    "poisson_int": lambda t, F: F.poisson_nll_loss(t.tensor(EDGE).long(), t.ones(2, 3, 4).long()),
    "gauss_float_var": lambda t, F: F.gaussian_nll_loss(t.tensor(EDGE), t.zeros(2, 3, 4), 2.0),
    "gauss_bcast_var": lambda t, F: F.gaussian_nll_loss(
        t.tensor(EDGE), t.zeros(2, 3, 4), t.ones(2, 1, 4)
    ),
    "mlsm_weight": lambda t, F: F.multilabel_soft_margin_loss(
        t.tensor(EDGE), t.ones(2, 3, 4), weight=t.tensor([1.0, 2, 3, 4])
    ),
    "mlsm_legacy": lambda t, F: F.multilabel_soft_margin_loss(
        t.tensor(EDGE), t.ones(2, 3, 4), size_average=False
    ),
    "selu_0d": lambda t, F: F.selu(t.tensor(-1.0)),
    "selu_empty": lambda t, F: F.selu(t.ones(0)),
    "softshrink_f16_neg": lambda t, F: F.softshrink(t.ones(2, dtype=t.float16), -1.0),
    "softshrink_bf16_neg": lambda t, F: F.softshrink(t.ones(2, dtype=t.bfloat16), -1.0),
    "softshrink_int_neg": lambda t, F: F.softshrink(t.ones(2).long(), -1.0),
    "hardshrink_neg": lambda t, F: F.hardshrink(t.tensor(EDGE), -1.0),
    "pixel_shuffle_int": lambda t, F: F.pixel_shuffle(t.arange(16).reshape(1, 4, 2, 2), 2),
    "pixel_shuffle_5d": lambda t, F: F.pixel_shuffle(t.arange(32.0).reshape(2, 1, 4, 2, 2), 2),
    "pixel_shuffle_zero": lambda t, F: F.pixel_shuffle(t.ones(1, 4, 2, 2), 0),
    "pixel_shuffle_view": lambda t, F: F.pixel_shuffle(t.ones(1, 1, 2, 2), 1),
    "triplet_f32": lambda t, F: F.triplet_margin_loss(
        t.tensor(EDGE, dtype=t.float32), t.zeros(2, 3, 4), t.ones(2, 3, 4)
    ),
    "cos_emb_0d": lambda t, F: F.cosine_embedding_loss(
        t.tensor(EDGE[0, 0]), t.tensor(EDGE[1, 0]), t.tensor(-1.0)
    ),
    "margin_int": lambda t, F: F.margin_ranking_loss(
        t.tensor([1, 2]), t.tensor([2, 1]), t.tensor([1, -1])
    ),
    "rrelu_f16": lambda t, F: F.rrelu(t.tensor(EDGE, dtype=t.float16)),
    "celu_f32": lambda t, F: F.celu(t.tensor(EDGE, dtype=t.float32), 0.3),
    "hardswish_bf16": lambda t, F: F.hardswish(t.tensor(EDGE, dtype=t.bfloat16)),
}


def _edge_outcome(t, fn):
    F = ours if t is ref else torch.nn.functional
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn(t, F)
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            return ("raises", type(exc).__name__, str(exc))
    grad_fn = type(r.grad_fn).__name__ if r.grad_fn else None
    return (r.detach().double().numpy(), str(r.dtype).split(".")[-1], tuple(r.shape), grad_fn)


@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_cases_match_torch(name):
    """dtypes, 0-dim and empty inputs, views of prelu's weight, in-place forms, and errors."""
    mine = _edge_outcome(ref, EDGE_CASES[name])
    theirs = _edge_outcome(torch, EDGE_CASES[name])
    if isinstance(mine[0], str) or isinstance(theirs[0], str):
        assert mine == theirs
        return
    assert mine[1:] == theirs[1:]
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-2, atol=1e-4)


DOUBLE = {
    "selu": lambda F, x: F.selu(x),
    "selu_": lambda F, x: F.selu_(x * 1),
    "celu": lambda F, x: F.celu(x, 0.7),
    "celu_": lambda F, x: F.celu_(x * 1, 0.7),
    "hardshrink": lambda F, x: F.hardshrink(x, 1.0),
    "softshrink": lambda F, x: F.softshrink(x, 1.0),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "hardswish": lambda F, x: F.hardswish(x),
    "rrelu": lambda F, x: F.rrelu(x),
    "rrelu_": lambda F, x: F.rrelu_(x * 1),
    "soft_margin_mean": lambda F, x: F.soft_margin_loss(x, x.detach().sign() * 2),
    "prelu_1d": lambda F, x: F.prelu(x[0], x[1, :1] * 0.5),
    "prelu_2d": lambda F, x: F.prelu(x.reshape(4, 3), x[1, :3] * 0.5),
    "soft_margin_none": lambda F, x: F.soft_margin_loss(x, x.detach().sign(), reduction="none"),
}


def _double(t, name):
    """The first gradient's node and edges under create_graph, then the second gradient (or
    its error)."""
    F = ours if t is ref else torch.nn.functional
    x = t.tensor(X[0], requires_grad=True)
    (g,) = t.autograd.grad(DOUBLE[name](F, x).sum(), x, create_graph=True)
    node = g.grad_fn
    edges = [None if n is None else type(n).__name__ for n, _ in node.next_functions]
    try:
        (gg,) = t.autograd.grad((g * t.tensor(X[1])).sum(), x)
    except RuntimeError as exc:
        return node.name(), edges, str(exc)
    return node.name(), edges, gg.numpy()


@pytest.mark.parametrize("name", DOUBLE)
def test_double_backward_matches_torch(name):
    mine, theirs = _double(ref, name), _double(torch, name)
    assert mine[:2] == theirs[:2]
    if isinstance(theirs[2], str):
        assert mine[2] == theirs[2]
    else:
        np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-8, atol=1e-12)


def test_the_functional_namespace_has_every_name_it_exports():
    """nn.functional re-exports these functions: each name in its __all__ is there, and is a
    torch.nn.functional name too."""
    functional = ref.nn.functional
    for name in functional.__all__:
        assert callable(getattr(functional, name)), name
        assert hasattr(torch.nn.functional, name), name
