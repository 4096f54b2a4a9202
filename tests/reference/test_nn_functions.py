"""The nn functions in the torch namespace (ops/nn_functions.py), with their ATen signatures,
against real PyTorch run side by side: values, dtypes, grad_fn names, gradients and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

RNG = np.random.default_rng(1)
A = RNG.uniform(-2, 2, (2, 4, 6, 6))
B = RNG.uniform(-2, 2, (2, 4, 6, 6))
W = RNG.uniform(-1, 1, (3, 4, 3, 3))
P = RNG.uniform(0.05, 0.95, (2, 4, 6, 6))


def _t(t, a, grad=True):
    return t.tensor(a, dtype=t.float64, requires_grad=grad)


CALLS = {
    "conv2d": lambda t: t.conv2d(_t(t, A), _t(t, W), None, 1, 1),
    "conv1d": lambda t: t.conv1d(_t(t, A[0, :, 0]), _t(t, W[:, :, 0]), _t(t, W[0, 0, :, 0])),
    "max_pool2d": lambda t: t.max_pool2d(_t(t, A), 2),
    "max_pool2d_stride": lambda t: t.max_pool2d(_t(t, A), 3, (), 1, 1, True),
    "max_pool1d": lambda t: t.max_pool1d(_t(t, A[0]), 2, ()),
    "avg_pool1d": lambda t: t.avg_pool1d(_t(t, A[0]), 3, 2, 1, False, False),
    "adaptive_avg_pool1d": lambda t: t.adaptive_avg_pool1d(_t(t, A[0]), 4),
    "adaptive_avg_pool1d_one": lambda t: t.adaptive_avg_pool1d(_t(t, A[0]), (1,)),
    "dropout_eval": lambda t: t.dropout(_t(t, A), 0.5, False),
    "conv3d": lambda t: t.conv3d(_t(t, A[None]), _t(t, W[:, :2, None, :2]), None, 1, (0, 1, 0)),
    "conv_transpose1d": lambda t: t.conv_transpose1d(
        _t(t, A[0, :, 0]), _t(t, W.transpose(1, 0, 2, 3)[:, :, 0]), None, 2, 1, 1
    ),
    "conv_transpose2d": lambda t: t.conv_transpose2d(_t(t, A), _t(t, W.transpose(1, 0, 2, 3))),
    "conv_transpose3d": lambda t: t.conv_transpose3d(
        _t(t, A[:, :, None]), _t(t, W.transpose(1, 0, 2, 3)[:, :, None]), None, 1, 0, 0, 1, 2
    ),
    "max_pool3d": lambda t: t.max_pool3d(_t(t, A[None]), 2, ()),
    "adaptive_max_pool1d": lambda t: t.adaptive_max_pool1d(_t(t, A[0]), 4)[0],
    "adaptive_max_pool1d_indices": lambda t: t.adaptive_max_pool1d(_t(t, A[0]), 4)[1],
    "rms_norm": lambda t: t.rms_norm(_t(t, A), [6], _t(t, A[0, 0, 0] + 1), 1e-3),
    "alpha_dropout_eval": lambda t: t.alpha_dropout(_t(t, A), 0.5, False),
    "feature_dropout_all": lambda t: t.feature_dropout(_t(t, A), 1.0, True),
    "feature_alpha_dropout_all": lambda t: t.feature_alpha_dropout(_t(t, A), 1.0, True),
    "dropout_in_place_eval": lambda t: t.dropout_(_t(t, A) * 1, 0.5, False),
    "layer_norm": lambda t: t.layer_norm(_t(t, A), [6, 6], None, None, 1e-5, False),
    "batch_norm": lambda t: t.batch_norm(
        _t(t, A), _t(t, W[0, :, 0, 0]), None, None, None, True, 0.1, 1e-5, False
    ),
    "embedding": lambda t: t.embedding(_t(t, W[0, 0]), t.tensor([[0, 2], [1, 1]])),
    "embedding_padding": lambda t: t.embedding(_t(t, W[0, 0]), t.tensor([0, 2, 1]), 2),
    "embedding_negative_padding": lambda t: t.embedding(_t(t, W[0, 0]), t.tensor([0, 2]), -2),
    "cosine_similarity": lambda t: t.cosine_similarity(_t(t, A), _t(t, B)),
    "pairwise_distance": lambda t: t.pairwise_distance(_t(t, A), _t(t, B), 3.0),
    "kl_div_mean": lambda t: t.kl_div(_t(t, A), _t(t, P)),
    "kl_div_sum_log": lambda t: t.kl_div(_t(t, A), _t(t, B), 2, log_target=True),
    "kl_div_mean_explicit": lambda t: t.kl_div(_t(t, A), _t(t, P), 1),
    "bce_logits_mean": lambda t: t.binary_cross_entropy_with_logits(
        _t(t, A), _t(t, P), None, None, 1
    ),
    "celu_": lambda t: t.celu_(_t(t, A) * 1, 0.5),
    "selu_": lambda t: t.selu_(_t(t, A) * 1),
    "rrelu_positional_training": lambda t: t.rrelu(_t(t, A), 0.2, 0.2, True),
    "kl_div_none": lambda t: t.kl_div(_t(t, A), _t(t, P), 0),
    "bce_logits": lambda t: t.binary_cross_entropy_with_logits(_t(t, A), _t(t, P)),
    "bce_logits_sum": lambda t: t.binary_cross_entropy_with_logits(
        _t(t, A), _t(t, P), None, _t(t, P[0, 0, 0], grad=False), 2
    ),
    "bce_logits_other": lambda t: t.binary_cross_entropy_with_logits(
        _t(t, A), _t(t, P), reduction=3
    ),
    "threshold": lambda t: t.threshold(_t(t, A), 0.5, -1.0),
    "constant_pad_nd": lambda t: t.constant_pad_nd(_t(t, A), [1, 2, -1, 0], 3.5),
    "pixel_shuffle": lambda t: t.pixel_shuffle(_t(t, A), 2),
    "pixel_unshuffle": lambda t: t.pixel_unshuffle(_t(t, A), 3),
    "selu": lambda t: t.selu(_t(t, A)),
    "celu": lambda t: t.celu(_t(t, A), 2.0),
    "hardshrink": lambda t: t.hardshrink(_t(t, A), 1.0),
    "prelu": lambda t: t.prelu(_t(t, A), _t(t, P[0, :, 0, 0])),
    "rrelu": lambda t: t.rrelu(_t(t, A)),
    "group_norm": lambda t: t.group_norm(_t(t, A), 2, _t(t, P[0, :, 0, 0]), None, 1e-5, False),
    "instance_norm": lambda t: t.instance_norm(
        _t(t, A), None, None, None, None, True, 0.1, 1e-5, False
    ),
    "margin_ranking_loss": lambda t: t.margin_ranking_loss(
        _t(t, A), _t(t, B), t.tensor(np.sign(P - 0.5)), 0.2, 2
    ),
    "hinge_embedding_loss": lambda t: t.hinge_embedding_loss(
        _t(t, A), t.tensor(np.sign(P - 0.5)), 1.5, 0
    ),
    "cosine_embedding_loss": lambda t: t.cosine_embedding_loss(
        _t(t, A[0, 0]), _t(t, B[0, 0]), t.tensor([1.0, -1, 1, -1, 1, 1])
    ),
    "triplet_margin_loss": lambda t: t.triplet_margin_loss(
        _t(t, A[0, 0]), _t(t, B[0, 0]), _t(t, P[0, 0]), 1.0, 2, 1e-6, True, 2
    ),
    "poisson_nll_loss": lambda t: t.poisson_nll_loss(_t(t, A), _t(t, P), True, True, 1e-8, 1),
}


def _outcome(t, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(t)
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            return ("raises", type(exc).__name__, str(exc))
    grad_fn = None if out.grad_fn is None else type(out.grad_fn).__name__
    grads = None
    if out.grad_fn is not None:
        leaves = []

        def collect(node):
            for child, _ in node.next_functions if node is not None else ():
                if type(child).__name__ == "AccumulateGrad":
                    leaves.append(child.variable)
                else:
                    collect(child)

        collect(out.grad_fn)
        weights = t.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)))
        grads = [g.numpy() for g in t.autograd.grad((out * weights).sum(), leaves)]
    messages = [str(w.message) for w in caught]
    return out.detach().numpy(), str(out.dtype), tuple(out.shape), grad_fn, grads, messages


@pytest.mark.parametrize("name", CALLS)
def test_matches_torch(name):
    mine, theirs = _outcome(ref, CALLS[name]), _outcome(torch, CALLS[name])
    assert not isinstance(mine[0], str), mine
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-9, atol=1e-12)
    assert mine[1:4] == theirs[1:4]
    assert mine[5] == theirs[5], "warnings"
    assert len(mine[4] or ()) == len(theirs[4] or ())
    for a, b in zip(mine[4] or (), theirs[4] or (), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-11)


def test_dropout_in_training_scales_kept_elements_and_records_mul():
    x = ref.ones(1000, dtype=ref.float64, requires_grad=True)
    out = ref.dropout(x, 0.25, True)
    assert type(out.grad_fn).__name__ == "MulBackward0"
    kept = out.detach().numpy()
    assert set(np.unique(kept)) <= {0.0, 1 / 0.75}
    assert 0.6 < (kept != 0).mean() < 0.9
    assert ref.dropout(x, 0.0, True) is x


ERRORS = {
    "dropout_p": lambda t: t.dropout(t.ones(2), 1.5, True),
    "alpha_dropout_p": lambda t: t.alpha_dropout(t.ones(2), -0.5, True),
    "feature_alpha_dropout_p_eval": lambda t: t.feature_alpha_dropout(t.ones(2, 2), 2.0, False),
    "feature_dropout_1d": lambda t: t.feature_dropout(t.ones(3), 0.5, True),
    "feature_dropout_keyword": lambda t: t.feature_dropout(t.ones(3, 2), p=0.5),
    "dropout_no_p": lambda t: t.dropout(t.ones(3, 2), train=True),
    "dropout_nothing": lambda t: t.dropout(),
    "adaptive_max_pool1d_two": lambda t: t.adaptive_max_pool1d(t.ones(2, 8), (2, 3)),
    "max_pool2d_return_indices": lambda t: t.max_pool2d(t.ones(1, 4, 4), 2, return_indices=True),
    "layer_norm_int_shape": lambda t: t.layer_norm(t.ones(2, 3), 3),
    "constant_pad_odd": lambda t: t.constant_pad_nd(t.ones(2, 3), [1]),
    "constant_pad_long": lambda t: t.constant_pad_nd(t.ones(2, 3), [1, 1, 1, 1, 1, 1]),
    "constant_pad_crop": lambda t: t.constant_pad_nd(t.ones(2, 3), [-2, -2]),
    "adaptive_avg_pool1d_1d": lambda t: t.adaptive_avg_pool1d(t.ones(8), 2),
    "adaptive_avg_pool1d_two": lambda t: t.adaptive_avg_pool1d(t.ones(2, 8), (2, 2)),
    "adaptive_avg_pool1d_negative": lambda t: t.adaptive_avg_pool1d(t.ones(2, 8), -1),
    "pixel_shuffle_channels": lambda t: t.pixel_shuffle(t.ones(1, 4, 3, 3), 3),
    "pixel_shuffle_2d": lambda t: t.pixel_shuffle(t.ones(4, 4), 2),
    "pixel_unshuffle_width": lambda t: t.pixel_unshuffle(t.ones(1, 1, 4, 5), 2),
    "kl_div_log_target_keyword_only": lambda t: t.kl_div(t.ones(2), t.ones(2), 1, True),
    "selu_no_inplace": lambda t: t.selu(t.ones(2), True),
    "embedding_weight_first": lambda t: t.embedding(t.tensor([0, 1]), t.ones(3, 2)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch(name):
    mine, theirs = _outcome(ref, ERRORS[name]), _outcome(torch, ERRORS[name])
    assert theirs[0] == "raises"
    assert mine == theirs


def test_threshold_in_place_matches_torch():
    results = []
    for t in (ref, torch):
        leaf = _t(t, A[0, 0])
        x = leaf * 1
        out = t.threshold_(x, 0.0, 2.0)
        assert out is x
        out.sum().backward()
        results.append((out.detach().numpy(), type(out.grad_fn).__name__, leaf.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]
    np.testing.assert_allclose(results[0][2], results[1][2])


def _linear_graph(t, make_input, bias_shape):
    def names(node, depth=3):
        if node is None or depth == 0:
            return None
        return type(node).__name__, tuple(names(n, depth - 1) for n, _ in node.next_functions)

    w = t.ones(4, 3, requires_grad=True)
    b = None if bias_shape is None else t.ones(bias_shape, requires_grad=True)
    try:
        y = t.nn.functional.linear(make_input(t), w, b)
    except RuntimeError as e:  # a bias that does not fit: the in-place add's message
        return str(e)
    grads = t.autograd.grad(y.sum(), [w] if b is None else [w, b])
    return names(y.grad_fn), y._version, y.stride(), [g.tolist() for g in grads]


@pytest.mark.parametrize("bias_shape", [(4,), (5, 4), (), None])
@pytest.mark.parametrize(
    "make_input",
    [
        lambda t: t.ones(3),
        lambda t: t.ones(5, 3),
        lambda t: t.ones(3, 5).t(),
        lambda t: t.ones(2, 5, 3),
        lambda t: t.ones(5, 2, 3).transpose(0, 1),
        lambda t: t.ones(2, 5, 2, 3).transpose(1, 2),
        lambda t: t.ones(2, 2, 5, 3),
    ],
    ids=["1d", "2d", "2d-transposed", "3d", "3d-transposed", "4d-transposed", "4d"],
)
def test_linear_records_atens_path(make_input, bias_shape):
    """ATen's linear: addmm for a matrix, one addmm over the folded batch for a contiguous
    input with a 1-D bias, otherwise matmul with the bias added in place (version 1)."""
    assert _linear_graph(ref, make_input, bias_shape) == _linear_graph(
        torch, make_input, bias_shape
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.channel_shuffle(x, 2),
        lambda t, x: t.native_channel_shuffle(x, 2),
        lambda t, x: t.pdist(x.reshape(4, 6), 1.5),
    ],
    ids=["channel_shuffle", "native_channel_shuffle", "pdist"],
)
def test_torch_namespace_nn_functions(call):
    """The nn functions torch also puts in its own namespace, with the same node."""
    seen = []
    for t in (torch, ref):
        x = t.arange(24.0, dtype=t.float64).reshape(1, 4, 2, 3).requires_grad_()
        y = call(t, x)
        seen.append((type(y.grad_fn).__name__, y.tolist()))
    assert seen[1][0] == seen[0][0]
    np.testing.assert_allclose(seen[1][1], seen[0][1], rtol=1e-12)
