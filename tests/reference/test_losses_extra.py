"""multi_margin_loss, multilabel_margin_loss, triplet_margin_with_distance_loss, NLLLoss2d,
pdist, gumbel_softmax and ctc_loss, each run on the reference and on real PyTorch side by side:
values, dtypes, shapes, grad_fn names, gradients, warnings and errors. (The gradient rows of the
ops whose second derivative PyTorch implements are in ops_losses_extra.py.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _outcome(t, fn):
    """What fn(t) gives: (values, dtype, shape, grad_fn name) per tensor, or the error; and
    the warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(t)
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            return ("raises", type(exc).__name__, str(exc)), []
    results = result if isinstance(result, tuple) else (result,)
    seen = []
    for r in results:
        if not isinstance(r, t.Tensor):
            seen.append(r)
            continue
        grad_fn = None if r.grad_fn is None else type(r.grad_fn).__name__
        values = r.detach().to(t.float64).numpy() if r.dtype.is_floating_point else r.numpy()
        seen.append((values, str(r.dtype).removeprefix("torch."), tuple(r.shape), grad_fn))
    return seen, [f"{w.category.__name__}: {w.message}" for w in caught]


def _same(fn, rtol=1e-6, atol=1e-9):
    (ours, our_warnings), (theirs, their_warnings) = _outcome(ref, fn), _outcome(torch, fn)
    if ours[0] == "raises" or theirs[0] == "raises":
        assert ours == theirs
        return
    assert our_warnings == their_warnings
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(a, tuple):
            assert a[1:] == b[1:]
            np.testing.assert_allclose(a[0], b[0], rtol=rtol, atol=atol)
        else:
            assert a == b


def _with_grads(out_fn, *arrays, dtype="float64"):
    """fn(t): the output of out_fn(t, *leaves) and the gradients of its sum (upstream weights
    1, 2, 3, ...), so a 'none' reduction's gradient is checked row by row."""

    def fn(t):
        leaves = [t.tensor(a, dtype=getattr(t, dtype), requires_grad=True) for a in arrays]
        out = out_fn(t, *leaves)
        upstream = t.arange(1, out.numel() + 1, dtype=out.dtype).reshape(out.shape)
        grads = t.autograd.grad((out * upstream).sum(), leaves, allow_unused=True)
        return (out, *grads)

    return fn


def _f(t):
    return t.nn.functional


RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 4))
Y = [0, 3, 1, 1, 2]
WEIGHT = [0.5, 1.5, 2.0, 1.0]
LABELS = [[0, 2, -1, 1], [3, -1, 0, 0], [1, 1, 2, -1], [-1, 0, 1, 2], [0, 1, 2, 3]]


# -- multi_margin_loss and multilabel_margin_loss ---------------------------------------------


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_values_and_gradients(p, reduction):
    def loss(t, x):
        weight = t.tensor(WEIGHT, dtype=x.dtype)
        return _f(t).multi_margin_loss(x, t.tensor(Y), p, 0.7, weight, reduction=reduction)

    _same(_with_grads(loss, X))
    _same(_with_grads(loss, X, dtype="float32"), rtol=1e-5)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize(
    ("x", "y"),
    [(X[0], 2), (X[0], [2]), (X[0, 0], 0), (X[0, 0], [0])],
    ids=["1d-0d-target", "1d-1d-target", "0d-0d-target", "0d-1d-target"],
)
def test_multi_margin_loss_unbatched(x, y, reduction):
    """A 1-element target gives a 1-element 'none' result, a 0-d target a 0-d one."""
    _same(_with_grads(lambda t, a: _f(t).multi_margin_loss(a, t.tensor(y), reduction=reduction), x))


def test_margin_losses_at_special_values():
    """A term counts where z > 0 only: a nan z adds nothing and passes no gradient."""
    x = np.array([[np.nan, 1.0, 2.0], [0.5, np.inf, -np.inf], [1.0, 1.0, 1.0]])
    for p in (1, 2):
        _same(
            _with_grads(
                lambda t, a, p=p: _f(t).multi_margin_loss(a, t.tensor([1, 0, 2]), p, 1.0), x
            )
        )
    _same(
        _with_grads(
            lambda t, a: _f(t).multilabel_margin_loss(
                a, t.tensor([[1, -1, 0], [1, 2, -1], [0, 0, 0]]), reduction="none"
            ),
            x,
        )
    )


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_margin_loss_values_and_gradients(reduction):
    """Targets stop at the first -1; a class listed twice counts twice."""

    def loss(t, x):
        return _f(t).multilabel_margin_loss(x, t.tensor(LABELS), reduction=reduction)

    _same(_with_grads(loss, X))
    _same(_with_grads(loss, X, dtype="float32"), rtol=1e-5)
    for x, y in ((X[0], [2, 0, -1, 3]), (X[0, 0], 0), (X[0, 0], [0])):
        _same(
            _with_grads(
                lambda t, a, y=y: _f(t).multilabel_margin_loss(a, t.tensor(y), reduction=reduction),
                x,
            )
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: _f(t).multi_margin_loss(x, t.tensor(Y)),
        lambda t, x: _f(t).multilabel_margin_loss(x, t.tensor(LABELS)),
    ],
    ids=["multi-margin", "multilabel-margin"],
)
def test_margin_loss_gradients_have_no_derivative(call):
    """PyTorch has no derivative for either backward kernel: a create_graph backward records a
    NotImplemented node, and a second backward through it fails."""
    for t in (ref, torch):
        x = t.tensor(X, requires_grad=True)
        (grad,) = t.autograd.grad(call(t, x), x, create_graph=True)
        assert type(grad.grad_fn).__name__ == "NotImplemented"
        assert grad.grad_fn.name() == "torch::autograd::NotImplemented"
    outcomes = []
    for t in (ref, torch):
        x = t.tensor(X, requires_grad=True)
        (grad,) = t.autograd.grad(call(t, x), x, create_graph=True)
        try:
            t.autograd.grad(grad.sum(), x)
        except RuntimeError as exc:
            outcomes.append(str(exc))
    assert len(outcomes) == 2
    assert outcomes[0] == outcomes[1]
    assert "is not implemented" in outcomes[0]


def _x(t, dtype="float32"):
    return t.tensor(np.arange(12.0).reshape(3, 4) / 5, dtype=getattr(t, dtype))


MULTI_MARGIN_MISUSE = {
    "unbatched-two-targets": lambda t: _f(t).multi_margin_loss(_x(t)[0], t.tensor([1, 2])),
    "0d-two-targets": lambda t: _f(t).multi_margin_loss(t.tensor(1.0), t.tensor([0, 0])),
    "2d-target": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([[0], [1], [2]])),
    "3d-input": lambda t: _f(t).multi_margin_loss(t.ones(2, 3, 4), t.tensor([0, 1])),
    "no-classes": lambda t: _f(t).multi_margin_loss(t.ones(2, 0), t.tensor([0, 0])),
    "int32-target": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0, 1, 2]).int()),
    "float-target": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0.0, 1, 2])),
    "target-too-large": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0, 1, 4])),
    "negative-target": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0, -1, 2])),
    "weight-dtype": lambda t: _f(t).multi_margin_loss(
        _x(t), t.tensor([0, 1, 2]), weight=t.ones(4, dtype=t.float64)
    ),
    "weight-0d": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0, 1, 2]), weight=t.ones(())),
    "weight-size": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0, 1, 2]), weight=t.ones(5)),
    "weight-requires-grad": lambda t: _f(t).multi_margin_loss(
        _x(t), t.tensor([0, 1, 2]), weight=t.ones(4, requires_grad=True)
    ),
    "p-3": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0, 1, 2]), p=3),
    "p-2.0": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0, 1, 2]), p=2.0),
    "negative-margin": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0, 1, 2]), margin=-1),
    "bad-reduction": lambda t: _f(t).multi_margin_loss(_x(t), t.tensor([0]), reduction="x"),
    "legacy-reduction": lambda t: _f(t).multi_margin_loss(
        _x(t), t.tensor([0, 1, 2]), size_average=False
    ),
    "long-input": lambda t: _f(t).multi_margin_loss(_x(t).long(), t.tensor([0, 1, 7])),
    "half-input": lambda t: _f(t).multi_margin_loss(_x(t, "float16"), t.tensor([0, 1, 2])),
    "bfloat16-input": lambda t: _f(t).multi_margin_loss(_x(t, "bfloat16"), t.tensor([0, 1, 2])),
    "empty-batch-long-input": lambda t: _f(t).multi_margin_loss(
        t.zeros(0, 4, dtype=t.int64), t.zeros(0, dtype=t.int64), reduction="none"
    ),
    "module-2d-weight": lambda t: t.nn.MultiMarginLoss(weight=t.ones(2, 2)),
    "module-p-3": lambda t: t.nn.MultiMarginLoss(p=3),
    "module": lambda t: t.nn.MultiMarginLoss(2, 0.5, t.arange(4.0) + 1, reduction="sum")(
        _x(t), t.tensor([0, 1, 2])
    ),
    "module-legacy": lambda t: t.nn.MultiMarginLoss(reduce=False)(_x(t), t.tensor([0, 1, 2])),
}


@pytest.mark.parametrize("name", MULTI_MARGIN_MISUSE)
def test_multi_margin_loss_checks(name):
    _same(MULTI_MARGIN_MISUSE[name])


def _labels(t, *shape, value=0, dtype="int64"):
    return t.full(shape, value, dtype=getattr(t, dtype))


MULTILABEL_MISUSE = {
    "long-input-bad-target": lambda t: _f(t).multilabel_margin_loss(
        _x(t).long(), _labels(t, 3, 4, value=-5)
    ),
    "long-input": lambda t: _f(t).multilabel_margin_loss(_x(t).long(), _labels(t, 3, 4)),
    "half-input": lambda t: _f(t).multilabel_margin_loss(_x(t, "float16"), _labels(t, 3, 4)),
    "target-below-minus-one": lambda t: _f(t).multilabel_margin_loss(
        _x(t), _labels(t, 3, 4, value=-5)
    ),
    "target-too-large": lambda t: _f(t).multilabel_margin_loss(_x(t), _labels(t, 3, 4, value=4)),
    "bad-target-after-the-end": lambda t: _f(t).multilabel_margin_loss(
        _x(t), t.tensor([[0, -1, -5, 0]] * 3)
    ),
    "float-target-out-of-range": lambda t: _f(t).multilabel_margin_loss(
        _x(t), _labels(t, 3, 4, value=-5, dtype="float32")
    ),
    "float-target": lambda t: _f(t).multilabel_margin_loss(
        _x(t), _labels(t, 3, 4, dtype="float32")
    ),
    "int32-target": lambda t: _f(t).multilabel_margin_loss(_x(t), _labels(t, 3, 4, dtype="int32")),
    "0d-input-2d-target": lambda t: _f(t).multilabel_margin_loss(t.tensor(1.0), _labels(t, 1, 1)),
    "1d-target-for-batch": lambda t: _f(t).multilabel_margin_loss(_x(t), _labels(t, 4)),
    "narrow-target": lambda t: _f(t).multilabel_margin_loss(_x(t), _labels(t, 3, 2)),
    "unbatched-short-target": lambda t: _f(t).multilabel_margin_loss(t.ones(3), _labels(t, 2)),
    "3d-input": lambda t: _f(t).multilabel_margin_loss(t.ones(2, 3, 4), _labels(t, 2, 3, 4)),
    "empty-batch": lambda t: _f(t).multilabel_margin_loss(
        t.zeros(0, 4), _labels(t, 0, 4), reduction="none"
    ),
    "bad-reduction": lambda t: _f(t).multilabel_margin_loss(_x(t), _labels(t, 3, 4), reduction="x"),
    "legacy-reduction": lambda t: _f(t).multilabel_margin_loss(
        _x(t), _labels(t, 3, 4), size_average=True, reduce=False
    ),
    "module": lambda t: t.nn.MultiLabelMarginLoss(reduction="none")(
        _x(t), t.tensor([[0, 1, -1, 2]] * 3)
    ),
}


@pytest.mark.parametrize("name", MULTILABEL_MISUSE)
def test_multilabel_margin_loss_checks(name):
    _same(MULTILABEL_MISUSE[name])


def test_margin_loss_modules_print_bare_and_keep_the_weight_as_a_buffer():
    for t in (ref, torch):
        module = t.nn.MultiMarginLoss(weight=t.ones(4))
        assert repr(module) == "MultiMarginLoss()"
        assert list(module.state_dict()) == ["weight"]
        assert repr(t.nn.MultiLabelMarginLoss()) == "MultiLabelMarginLoss()"


# -- triplet_margin_with_distance_loss, NLLLoss2d -------------------------------------------


def _graph(fn, depth=0):
    """The node names of a graph, depth first."""
    if fn is None:
        return []
    names = ["  " * depth + fn.name()]
    for child, _ in fn.next_functions:
        names += _graph(child, depth + 1)
    return names


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss_graph_reads_as_torch(swap):
    """Composed in Python: NormBackward1 distances, `margin + d` an AddBackward0, a
    MinimumBackward0 for the swap, ClampMinBackward0, MeanBackward0."""
    graphs = []
    for t in (ref, torch):
        a, p, n = (t.tensor(v, requires_grad=True) for v in (X[:3], X[1:4], X[2:]))
        graphs.append(_graph(_f(t).triplet_margin_with_distance_loss(a, p, n, swap=swap).grad_fn))
    assert graphs[0] == graphs[1]


TRIPLET_CALLS = {
    "bad-reduction": lambda t, a: _f(t).triplet_margin_with_distance_loss(a, a, a, reduction="x"),
    "zero-margin": lambda t, a: _f(t).triplet_margin_with_distance_loss(a, a, a, margin=0),
    "ranks-differ": lambda t, a: _f(t).triplet_margin_with_distance_loss(a, a[0], a),
    "cosine-distance": lambda t, a: _f(t).triplet_margin_with_distance_loss(
        a, a * 2, -a, distance_function=lambda x, y: 1.0 - _f(t).cosine_similarity(x, y)
    ),
    "module": lambda t, a: t.nn.TripletMarginWithDistanceLoss(
        margin=0.3, swap=True, reduction="none"
    )(a, a.flip(0), a * 2),
    "module-zero-margin": lambda t, a: t.nn.TripletMarginWithDistanceLoss(margin=-1),
    "module-positional": lambda t, a: t.nn.TripletMarginWithDistanceLoss(None),
}


@pytest.mark.parametrize("name", TRIPLET_CALLS)
def test_triplet_margin_with_distance_loss_calls(name):
    _same(lambda t: TRIPLET_CALLS[name](t, t.tensor(X)))


def test_triplet_margin_with_distance_loss_module_keeps_its_distance():
    assert repr(ref.nn.TripletMarginWithDistanceLoss()) == repr(
        torch.nn.TripletMarginWithDistanceLoss()
    )


def test_nll_loss_2d_is_nll_loss_with_a_future_warning():
    x = np.log(RNG.uniform(0.1, 1, (2, 3, 2, 2)))
    target = [[[0, 1], [2, 2]], [[1, 0], [0, 2]]]
    _same(
        lambda t: t.nn.NLLLoss2d(t.tensor([1.0, 2, 3], dtype=t.float64), ignore_index=1)(
            t.tensor(x), t.tensor(target)
        )
    )
    _same(lambda t: t.nn.NLLLoss2d(reduction="none")(t.tensor(x[:, :, 0, 0]), t.tensor([0, 2])))
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
        module = ref.nn.NLLLoss2d()
    assert isinstance(module, ref.nn.NLLLoss)
    assert repr(module) == "NLLLoss2d()"


# -- pdist ----------------------------------------------------------------------------------

PDIST_X = np.concatenate([RNG.standard_normal((3, 3)), [[0.3, -1.0, 2.0]], [[0.3, 0.1, 0.2]]])
PDIST_X[3] = PDIST_X[1]  # a zero distance
PDIST_SPECIAL = np.array(
    [[np.nan, 1, 2], [0.5, np.inf, -np.inf], [1, 1, 1], [0, 0, 0], [1e-30, -0.0, 3]]
)


@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 3, np.inf])
def test_pdist_values_and_gradients(p):
    """Each p has the kernel's own gradient formula, zero at a zero distance."""
    _same(_with_grads(lambda t, x: _f(t).pdist(x, p), PDIST_X))
    _same(_with_grads(lambda t, x: _f(t).pdist(x, p), PDIST_X, dtype="float32"), rtol=1e-5)
    _same(_with_grads(lambda t, x: _f(t).pdist(x, p), PDIST_SPECIAL))


PDIST_CALLS = {
    "1d": lambda t: _f(t).pdist(t.ones(3)),
    "3d": lambda t: _f(t).pdist(t.ones(2, 2, 2)),
    "long": lambda t: _f(t).pdist(t.ones(3, 2, dtype=t.int64)),
    "half": lambda t: _f(t).pdist(t.ones(3, 2, dtype=t.float16)),
    "half-one-row": lambda t: _f(t).pdist(t.ones(1, 2, dtype=t.float16)),
    "negative-p": lambda t: _f(t).pdist(t.ones(3, 2), -1),
    "one-row": lambda t: _f(t).pdist(t.ones(1, 3)),
    "no-rows": lambda t: _f(t).pdist(t.ones(0, 3)),
    "no-columns": lambda t: _f(t).pdist(t.ones(3, 0)),
}


@pytest.mark.parametrize("name", PDIST_CALLS)
def test_pdist_calls(name):
    _same(PDIST_CALLS[name])


def test_pdist_second_derivative_is_not_implemented():
    """The create_graph backward records PdistBackwardBackward0, which raises
    NotImplementedError (not the NotImplemented node of the margin losses)."""
    outcomes = []
    for t in (ref, torch):
        x = t.tensor(PDIST_X, requires_grad=True)
        (grad,) = t.autograd.grad(_f(t).pdist(x).sum(), x, create_graph=True)
        assert type(grad.grad_fn).__name__ == "PdistBackwardBackward0"
        with pytest.raises(NotImplementedError) as caught:
            t.autograd.grad(grad.sum(), x)
        outcomes.append(str(caught.value))
    assert outcomes[0] == outcomes[1]


# -- gumbel_softmax -------------------------------------------------------------------------


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_graph_and_gradient(hard):
    """The same graph as torch's; with hard=True each row is exactly one-hot and the gradient
    is y_soft's (straight through): the softmax's gradient of the same noisy logits."""
    graphs = []
    for t in (ref, torch):
        x = t.tensor(X, requires_grad=True)
        graphs.append(_graph(_f(t).gumbel_softmax(x, tau=0.5, hard=hard).grad_fn))
    assert graphs[0] == graphs[1]
    ref.manual_seed(3)
    x = ref.tensor(X, requires_grad=True)
    y = _f(ref).gumbel_softmax(x, tau=0.5, hard=hard, dim=0)
    upstream = ref.tensor(RNG.standard_normal(X.shape))
    (grad,) = ref.autograd.grad((y * upstream).sum(), x)
    ref.manual_seed(3)
    noise = -ref.empty_like(x).exponential_().log()
    soft = ((x + noise) / 0.5).softmax(0)
    (expected,) = ref.autograd.grad((soft * upstream).sum(), x)
    np.testing.assert_allclose(grad.numpy(), expected.numpy(), rtol=1e-12)
    if hard:
        values = y.detach().numpy()
        assert set(np.unique(values)) == {0.0, 1.0}
        np.testing.assert_array_equal(values.sum(0), np.ones(X.shape[1]))
        np.testing.assert_array_equal(values.argmax(0), soft.detach().numpy().argmax(0))
    else:
        np.testing.assert_allclose(y.detach().numpy(), soft.detach().numpy(), rtol=1e-12)


def test_gumbel_softmax_samples_follow_the_softmax():
    """The argmax of logits + Gumbel noise is a draw from softmax(logits): the one-hot
    samples' frequencies approach the class probabilities."""
    ref.manual_seed(0)
    logits = ref.tensor([1.0, 0.0, -1.0, 2.0]).expand(20000, 4)
    counts = _f(ref).gumbel_softmax(logits, tau=0.3, hard=True).sum(0).numpy() / 20000
    expected = np.exp([1.0, 0.0, -1.0, 2.0]) / np.exp([1.0, 0.0, -1.0, 2.0]).sum()
    np.testing.assert_allclose(counts, expected, atol=0.015)


GUMBEL_CALLS = {
    "eps-warns": lambda t: _f(t).gumbel_softmax(t.ones(2, 3), eps=1e-3).sum(1),
    "long": lambda t: _f(t).gumbel_softmax(t.ones(2, 3, dtype=t.int64)),
    "half-hard": lambda t: _f(t).gumbel_softmax(t.ones(2, 3, dtype=t.float16), hard=True).sum(1),
    "0d-hard": lambda t: _f(t).gumbel_softmax(t.tensor(2.0), hard=True),
    "empty-hard": lambda t: _f(t).gumbel_softmax(t.ones(0, 3), hard=True),
    "dim-0-hard": lambda t: _f(t).gumbel_softmax(t.ones(2, 3), dim=0, hard=True).sum(0),
}


@pytest.mark.parametrize("name", GUMBEL_CALLS)
def test_gumbel_softmax_calls(name):
    _same(GUMBEL_CALLS[name])


# -- ctc_loss -------------------------------------------------------------------------------

CTC_LOG_PROBS = np.log(RNG.dirichlet(np.ones(5), size=(6, 3)))
CTC_TARGETS = [[1, 2, 2], [3, 1, 0], [4, 4, 1]]


def _ctc(targets, input_lengths, target_lengths, as_tensors=False, **kw):
    def loss(t, log_probs):
        lengths = (input_lengths, target_lengths)
        if as_tensors:
            lengths = tuple(t.tensor(v) for v in lengths)
        return _f(t).ctc_loss(log_probs, t.tensor(targets), *lengths, **kw)

    return loss


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("as_tensors", [False, True], ids=["int-lengths", "tensor-lengths"])
def test_ctc_loss_values_and_gradients(reduction, zero_infinity, as_tensors):
    """Padded targets, a repeated label (which needs a blank between), an empty target."""
    loss = _ctc(CTC_TARGETS, [6, 5, 6], [3, 2, 0], as_tensors, reduction=reduction)
    _same(_with_grads(loss, CTC_LOG_PROBS))


CTC_CASES = {
    "concatenated-targets": _ctc([1, 2, 2, 3, 1], [6, 5, 6], [3, 2, 0], reduction="none"),
    "blank-2": _ctc([[1, 3, 3], [3, 1, 0], [4, 4, 1]], [6, 5, 6], [3, 2, 1], blank=2),
    "target-equal-to-blank": _ctc(
        [[1, 0, 3], [0, 0, 0], [4, 4, 1]], [6, 5, 6], [3, 2, 1], reduction="none"
    ),
    "impossible-alignment": _ctc(CTC_TARGETS, [2, 0, 1], [3, 2, 0], reduction="none"),
    "impossible-alignment-zeroed": _ctc(
        CTC_TARGETS, [2, 0, 1], [3, 2, 0], reduction="none", zero_infinity=True
    ),
    "empty-input-empty-target": _ctc(CTC_TARGETS, [0, 2, 6], [0, 1, 3], reduction="sum"),
    "int32-targets-as-tensor-lengths": lambda t, x: _f(t).ctc_loss(
        x, t.tensor(CTC_TARGETS, dtype=t.int32), t.tensor([6, 5, 6]).int(), t.tensor([3, 2, 0])
    ),
    "unbatched": lambda t, x: _f(t).ctc_loss(x[:, 0], t.tensor([1, 2, 2]), [6], [3], 0, "none"),
    "unbatched-0d-lengths": lambda t, x: _f(t).ctc_loss(
        x[:, 0], t.tensor([1, 2, 2]), t.tensor(6), t.tensor(3)
    ),
}


@pytest.mark.parametrize("name", CTC_CASES)
def test_ctc_loss_cases(name):
    _same(_with_grads(CTC_CASES[name], CTC_LOG_PROBS))


def test_ctc_loss_float32_and_unnormalised_and_special_inputs():
    loss = _ctc(CTC_TARGETS, [6, 5, 6], [3, 2, 0])
    _same(_with_grads(loss, CTC_LOG_PROBS, dtype="float32"), rtol=1e-5, atol=1e-7)
    loss = _ctc(CTC_TARGETS, [6, 5, 6], [3, 2, 0], reduction="none")
    _same(_with_grads(loss, RNG.standard_normal((6, 3, 5)) * 3))
    special = CTC_LOG_PROBS.copy()
    special[2, 0, 1], special[3, 1, 3], special[1, 2, 0] = np.nan, np.inf, -np.inf
    _same(_with_grads(loss, special))


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_graph_reads_as_torch(zero_infinity):
    """unsqueeze, CtcLossBackward0, where (zero_infinity), squeeze; and the backward has no
    derivative of its own."""
    outcomes = []
    for t in (ref, torch):
        x = t.tensor(CTC_LOG_PROBS, requires_grad=True)
        loss = _f(t).ctc_loss(x[:, 0], t.tensor([1, 2, 2]), [6], [3], 0, "none", zero_infinity)
        (grad,) = t.autograd.grad(loss, x, create_graph=True)
        inner = grad.grad_fn.next_functions[0][0]
        with pytest.raises(RuntimeError) as caught:
            t.autograd.grad(grad.sum(), x)
        outcomes.append((_graph(loss.grad_fn), inner.name(), str(caught.value)))
    assert outcomes[0] == outcomes[1]


def _lp(t, dtype="float64"):
    return t.tensor(CTC_LOG_PROBS[:, :2, :4], dtype=getattr(t, dtype))


def _ctc_call(**changes):
    def call(t):
        arguments = {
            "log_probs": _lp(t),
            "targets": t.tensor([[1, 2, 2], [3, 1, 0]]),
            "input_lengths": t.tensor([6, 5]),
            "target_lengths": t.tensor([3, 2]),
        }
        arguments.update({k: v(t) if callable(v) else v for k, v in changes.items()})
        return _f(t).ctc_loss(**arguments)

    return call


CTC_MISUSE = {
    "float-input-lengths": _ctc_call(input_lengths=lambda t: t.tensor([6.0, 5])),
    "float-target-lengths": _ctc_call(target_lengths=lambda t: t.tensor([3.0, 2])),
    "bool-input-lengths": _ctc_call(input_lengths=lambda t: t.tensor([True, True])),
    "float-targets": _ctc_call(targets=lambda t: t.tensor([[1.0, 2, 2], [3, 1, 0]])),
    "blank-too-large": _ctc_call(blank=4),
    "negative-blank": _ctc_call(blank=-1),
    "input-lengths-size": _ctc_call(input_lengths=lambda t: t.tensor([6])),
    "target-lengths-size": _ctc_call(target_lengths=lambda t: t.tensor([3])),
    "input-length-too-long": _ctc_call(input_lengths=lambda t: t.tensor([7, 5])),
    "negative-input-length": _ctc_call(input_lengths=lambda t: t.tensor([-1, 5])),
    "target-length-too-long": _ctc_call(target_lengths=lambda t: t.tensor([4, 2])),
    "negative-target-length": _ctc_call(target_lengths=lambda t: t.tensor([-1, 2])),
    "targets-batch": _ctc_call(targets=lambda t: t.tensor([[1, 2, 2]])),
    "concatenated-too-short": _ctc_call(targets=lambda t: t.tensor([1, 2, 2, 3])),
    "3d-targets": _ctc_call(targets=lambda t: t.zeros(1, 2, 3, dtype=t.int64)),
    "4d-log-probs": _ctc_call(log_probs=lambda t: _lp(t)[None]),
    "2d-log-probs-for-a-batch": _ctc_call(log_probs=lambda t: _lp(t)[:, :, 0]),
    "0d-log-probs": _ctc_call(log_probs=lambda t: _lp(t)[0, 0, 0]),
    "float32": _ctc_call(log_probs=lambda t: _lp(t, "float32")),
    "float16": _ctc_call(log_probs=lambda t: _lp(t, "float16")),
    "int64": _ctc_call(log_probs=lambda t: _lp(t).long()),
    "empty-log-probs": _ctc_call(log_probs=lambda t: _lp(t)[:0]),
    "bad-reduction": _ctc_call(reduction="x"),
    "tuple-lengths": _ctc_call(input_lengths=(6, 5), target_lengths=(3, 2)),
    "module": lambda t: t.nn.CTCLoss(3, "sum", True)(
        _lp(t), t.tensor([[1, 2, 2], [0, 1, 0]]), [6, 5], [3, 2]
    ),
    "module-mean-empty-target": lambda t: t.nn.CTCLoss()(
        _lp(t), t.tensor([[1, 2, 2], [3, 1, 0]]), [6, 5], [3, 0]
    ),
}


@pytest.mark.parametrize("name", CTC_MISUSE)
def test_ctc_loss_checks(name):
    _same(CTC_MISUSE[name])


def test_ctc_loss_module_prints_bare():
    assert repr(ref.nn.CTCLoss(blank=1, zero_infinity=True)) == "CTCLoss()"


# -- embedding_bag --------------------------------------------------------------------------

BAG_WEIGHT = RNG.standard_normal((5, 3))
BAG_SAMPLE_WEIGHTS = RNG.uniform(0.1, 1, 6)
BAG_INDICES = [0, 2, 2, 4, 1, 3]
BAG_OFFSETS = [0, 2, 2, 5]  # bags of 2, 0, 3 and 1 indices


def _bag(mode, input=BAG_INDICES, offsets=BAG_OFFSETS, sample_weights=False, **kw):
    """fn(t): the bags of BAG_WEIGHT and the gradients of the weight (and sample weights)."""

    def leaves_and_call(t, *leaves):
        offsets_ = None if offsets is None else t.tensor(offsets)
        weights = leaves[1] if sample_weights else None
        return _f(t).embedding_bag(
            t.tensor(input), leaves[0], offsets_, mode=mode, per_sample_weights=weights, **kw
        )

    arrays = (BAG_WEIGHT, BAG_SAMPLE_WEIGHTS) if sample_weights else (BAG_WEIGHT,)
    return leaves_and_call, arrays


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("include_last_offset", [False, True])
def test_embedding_bag_values_and_gradients(mode, padding_idx, include_last_offset):
    """An empty bag gives zeros; padding entries count for nothing; with include_last_offset
    the last offset only ends the count of bags (the last bag still runs to the end)."""
    call, arrays = _bag(mode, padding_idx=padding_idx, include_last_offset=include_last_offset)
    _same(_with_grads(call, *arrays))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_embedding_bag_dtypes(mode, dtype):
    call, arrays = _bag(mode)
    _same(_with_grads(call, *arrays, dtype=dtype), rtol=1e-2 if "16" in dtype else 1e-6)


BAG_CASES = {
    "2d-input": _bag("mean", input=[[0, 2, 2], [4, 1, 3]], offsets=None),
    "2d-input-max": _bag("max", input=[[0, 2, 2], [4, 1, 3]], offsets=None),
    "per-sample-weights": _bag("sum", sample_weights=True),
    "per-sample-weights-padding": _bag("sum", sample_weights=True, padding_idx=4),
    "scale-grad-by-freq-sum": _bag("sum", scale_grad_by_freq=True, padding_idx=3),
    "scale-grad-by-freq-mean": _bag("mean", scale_grad_by_freq=True),
    "empty-input": _bag("mean", input=np.zeros(0, dtype=np.int64), offsets=[0, 0]),
}


@pytest.mark.parametrize("name", BAG_CASES)
def test_embedding_bag_cases(name):
    call, arrays = BAG_CASES[name]
    _same(_with_grads(call, *arrays))


def test_embedding_bag_max_keeps_the_first_maximum_and_a_leading_nan():
    weight = np.array([[1.0, 2], [1, np.nan], [3, 2], [0, 0], [np.nan, 5]])

    def call(t, w):
        indices = t.tensor([0, 1, 2, 0, 3, 4, 0])
        return _f(t).embedding_bag(indices, w, t.tensor([0, 3, 5]), mode="max")

    _same(_with_grads(call, weight))


def test_embedding_bag_gradients_have_no_derivative():
    """The weight's gradient is EmbeddingBagBackwardBackward0 (NotImplementedError on a second
    backward), the sample weights' a NotImplemented node (RuntimeError); with no sample
    weights and a constant upstream gradient, the weight's gradient needs none."""
    outcomes = []
    for t in (ref, torch):
        w = t.tensor(BAG_WEIGHT, requires_grad=True)
        p = t.tensor(BAG_SAMPLE_WEIGHTS, requires_grad=True)
        out = _f(t).embedding_bag(
            t.tensor(BAG_INDICES), w, t.tensor(BAG_OFFSETS), mode="sum", per_sample_weights=p
        )
        grad_w, grad_p = t.autograd.grad(out.sum(), (w, p), create_graph=True)
        seen = [grad_w.grad_fn.name(), grad_p.grad_fn.name()]
        for first in (grad_w, grad_p):
            try:
                t.autograd.grad(first.sum(), p, retain_graph=True)
            except (RuntimeError, NotImplementedError) as exc:
                seen.append((type(exc).__name__, str(exc)))
        plain = _f(t).embedding_bag(t.tensor(BAG_INDICES), w, t.tensor(BAG_OFFSETS))
        (grad,) = t.autograd.grad(plain.sum(), w, create_graph=True)
        seen.append(grad.requires_grad)
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]


def _bag_call(**changes):
    def call(t):
        arguments = {
            "input": t.tensor(BAG_INDICES),
            "weight": t.tensor(BAG_WEIGHT),
            "offsets": t.tensor(BAG_OFFSETS),
        }
        arguments.update({k: v(t) if callable(v) else v for k, v in changes.items()})
        return _f(t).embedding_bag(**arguments)

    return call


BAG_MISUSE = {
    "first-offset-not-0": _bag_call(offsets=lambda t: t.tensor([1, 2])),
    "first-int32-offset-not-0": _bag_call(offsets=lambda t: t.tensor([1, 2]).int()),
    "last-offset-too-large": _bag_call(offsets=lambda t: t.tensor([0, 7])),
    "int32-offsets": _bag_call(offsets=lambda t: t.tensor([0, 2]).int()),
    "int32-indices": _bag_call(input=lambda t: t.tensor(BAG_INDICES).int()),
    "float-indices": _bag_call(input=lambda t: t.tensor(BAG_INDICES).float()),
    "float-offsets": _bag_call(offsets=lambda t: t.tensor([0.0, 2])),
    "index-too-large": _bag_call(input=lambda t: t.tensor([0, 5]), offsets=lambda t: t.tensor([0])),
    "negative-index": _bag_call(input=lambda t: t.tensor([0, -1]), offsets=lambda t: t.tensor([0])),
    "padding-idx-too-large": _bag_call(padding_idx=5),
    "padding-idx-too-small": _bag_call(padding_idx=-6),
    "no-offsets": _bag_call(offsets=None),
    "2d-input-with-offsets": _bag_call(input=lambda t: t.tensor(BAG_INDICES).reshape(2, 3)),
    "3d-input": _bag_call(input=lambda t: t.tensor(BAG_INDICES).reshape(1, 2, 3)),
    "2d-offsets": _bag_call(offsets=lambda t: t.tensor([[0, 2]])),
    "bad-mode": _bag_call(mode="x"),
    "max-scale-grad-by-freq": _bag_call(mode="max", scale_grad_by_freq=True),
    "max-sparse": _bag_call(mode="max", sparse=True),
    "per-sample-weights-mean": _bag_call(per_sample_weights=lambda t: t.ones(6, dtype=t.float64)),
    "per-sample-weights-shape": _bag_call(
        mode="sum", per_sample_weights=lambda t: t.ones(3, dtype=t.float64)
    ),
    "per-sample-weights-dtype": _bag_call(mode="sum", per_sample_weights=lambda t: t.ones(6)),
    "1d-weight": _bag_call(weight=lambda t: t.ones(5)),
    "long-weight": _bag_call(weight=lambda t: t.ones(5, 3, dtype=t.int64)),
    "old-argument-order": _bag_call(
        input=lambda t: t.tensor(BAG_WEIGHT), weight=lambda t: t.tensor(BAG_INDICES)
    ),
    "max-norm": lambda t: (
        lambda w: (_f(t).embedding_bag(t.tensor(BAG_INDICES), w, t.tensor(BAG_OFFSETS), 1.0), w)
    )(t.tensor(BAG_WEIGHT)),
}


@pytest.mark.parametrize("name", BAG_MISUSE)
def test_embedding_bag_checks(name):
    _same(BAG_MISUSE[name])


@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize(
    ("indices", "offsets"),
    [([0, 2, 2, 4, 1, 3], [0, 2, 5]), ([5, 4, 3, 2, 1, 0], [0, 3]), ([1, 1, 4, 4, 4, 0], [0, 4])],
)
def test_embedding_bag_scale_grad_by_freq_divides_as_torch_does(mode, indices, offsets):
    """PyTorch's CPU kernel divides the i-th distinct index's gradient by the count of the
    i-th sorted index (so index 3 of [0, 1, 2, 2, 3, 4] is halved): reproduced."""

    def call(t, w):
        return _f(t).embedding_bag(
            t.tensor(indices), w, t.tensor(offsets), mode=mode, scale_grad_by_freq=True
        )

    _same(_with_grads(call, RNG.standard_normal((6, 2))))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_include_last_offset_at_the_end(mode):
    call, arrays = _bag(mode, offsets=[0, 2, 2, 6], include_last_offset=True)
    _same(_with_grads(call, *arrays, dtype="float32"), rtol=1e-6)


def test_embedding_bag_module():
    def call(t):
        t.manual_seed(0)
        bag = t.nn.EmbeddingBag(5, 3, mode="sum", padding_idx=-1)
        out = bag(t.tensor(BAG_INDICES), t.tensor(BAG_OFFSETS), t.ones(6))
        return out.shape, bag.padding_idx, repr(bag), bag.weight[4], bag.weight.requires_grad

    ours, theirs = call(ref), call(torch)
    assert ours[:3] == theirs[:3]
    assert ours[3].tolist() == theirs[3].tolist() == [0.0, 0.0, 0.0]
    weight = np.arange(8.0).reshape(4, 2)
    _same(
        lambda t: t.nn.EmbeddingBag.from_pretrained(t.tensor(weight), mode="max")(
            t.tensor([[0, 3], [2, 1]])
        )
    )
    for t in (ref, torch):
        frozen = t.nn.EmbeddingBag.from_pretrained(t.tensor(weight))
        assert not frozen.weight.requires_grad
        assert repr(frozen) == "EmbeddingBag(4, 2, mode='mean')"
        with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
            t.nn.EmbeddingBag(4, 2, padding_idx=4)
        with pytest.raises(AssertionError, match="Shape of weight does not match"):
            t.nn.EmbeddingBag(4, 3, _weight=t.ones(4, 2))


@pytest.mark.parametrize(
    "shapes", [((1,), (0, 1)), ((3,), (2, 3)), ((2, 3), (3,)), ((3,), (2, 4)), ((3,), (3,))]
)
@pytest.mark.parametrize(
    "dtypes", [("float64", "float64"), ("int64", "float16"), ("bool", "int64")]
)
@pytest.mark.parametrize("name", ["soft_margin_loss", "mse_loss", "l1_loss"])
def test_losses_with_broadcast_or_empty_targets_behave_as_torch(name, dtypes, shapes):
    """soft_margin_loss computes into a tensor shaped like its input (a target that grows it
    is refused) and names the promoted dtype in its cast error; a mean over an empty
    broadcast is nan with a zero gradient, not a division by zero (seed 55517)."""

    def outcome(t):
        x = t.full(shapes[0], 0.5).to(getattr(t, dtypes[0]))
        if x.dtype.is_floating_point:
            x.requires_grad_()
        target = t.full(shapes[1], 0.25).to(getattr(t, dtypes[1]))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # (the size-mismatch warnings)
                y = getattr(t.nn.functional, name)(x * 1 if x.requires_grad else x, target)
            if not x.requires_grad:
                return repr(y.item())
            y.backward()
        except RuntimeError as exc:
            return str(exc)
        return repr(y.item()), x.grad.tolist()

    assert outcome(ref) == outcome(torch)
