"""scaled_dot_product_attention against PyTorch 2.13 on the CPU: which path computes it (the
fused kernel's one node, or the composed math's graph), values and gradients in every floating
dtype, the fused kernel's refused second derivative, fully masked rows, nan and inf as the
kernel spreads them, the empty-input shortcut, dropout's law and the errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

DTYPES = ["float64", "float32", "float16", "bfloat16"]


def _graph(out) -> list:
    """The node names of out's graph, depth first, each node once."""
    seen, names = set(), []

    def visit(node):
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        names.append(type(node).__name__)
        for child, _ in node.next_functions:
            visit(child)

    visit(out.grad_fn)
    return names


def _run(t, arrays, dtype, mask=None, **kwargs):
    """(graph, output, gradients, dtype name, strides), or the error as (type, message)."""
    xs = [t.tensor(a, dtype=getattr(t, dtype), requires_grad=True) for a in arrays]
    try:
        out = t.nn.functional.scaled_dot_product_attention(
            *xs, attn_mask=None if mask is None else t.tensor(mask), **kwargs
        )
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return type(exc).__name__, str(exc)
    upstream = np.random.default_rng(5).standard_normal(tuple(out.shape))
    out.backward(t.tensor(upstream, dtype=out.dtype))
    as_numpy = lambda x: x.detach().float().numpy()  # noqa: E731
    return (
        _graph(out),
        as_numpy(out),
        [as_numpy(x.grad) for x in xs],
        str(out.dtype),
        tuple(out.stride()),
    )


def _assert_same(ours, theirs, dtype):
    if isinstance(ours[1], str) or isinstance(theirs[1], str):
        assert ours == theirs
        return
    assert ours[0] == theirs[0], "graph"
    assert ours[3:] == theirs[3:], "dtype and strides"
    tol = {"float64": 1e-12, "float32": 1e-5}.get(dtype, 2e-2)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=tol, atol=tol, equal_nan=True)
    for a, b in zip(ours[2], theirs[2], strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)


FUSED = [(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)]
MASK = np.array([[True, False, True, True, False], [False] * 5, [True] * 5])
CASES = {
    "fused": (FUSED, None, {}),
    "fused-causal": (FUSED, None, {"is_causal": True}),
    "fused-bool-mask-with-a-masked-row": (FUSED, MASK, {}),
    "fused-float-mask-4d": (FUSED, np.linspace(-1, 1, 30).reshape(2, 1, 3, 5), {}),
    "fused-bool-mask-and-causal": (FUSED, MASK, {"is_causal": True}),
    "fused-gqa": ([(2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], None, {"enable_gqa": True}),
    "fused-negative-scale": (FUSED, None, {"scale": -0.3}),
    "fused-causal-more-queries": (
        [(1, 2, 5, 4), (1, 2, 3, 4), (1, 2, 3, 4)],
        None,
        {"is_causal": True},
    ),
    "math-value-head-size": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3)], None, {}),
    "math-3d-causal": ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], None, {"is_causal": True}),
    "math-2d-bool-mask": ([(3, 4), (5, 4), (5, 4)], MASK, {}),
    "math-3d-mask": (FUSED, np.zeros((2, 3, 5)), {}),
    "math-broadcast-batch": ([(2, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)], None, {}),
    "math-gqa-value-heads": (
        [(2, 4, 3, 4), (2, 2, 5, 4), (2, 1, 5, 3)],
        None,
        {"enable_gqa": True},
    ),
    "math-5d": ([(2, 1, 2, 3, 4), (2, 1, 2, 5, 4), (2, 1, 2, 5, 4)], None, {}),
    "empty-queries": ([(2, 2, 0, 4), (2, 2, 5, 4), (2, 2, 5, 4)], None, {}),
    "empty-keys": ([(2, 2, 3, 4), (2, 2, 0, 4), (2, 2, 0, 4)], None, {}),
    "empty-head-size-fused": ([(2, 2, 3, 0), (2, 2, 5, 0), (2, 2, 5, 0)], None, {}),
    "empty-head-size-math": ([(2, 2, 3, 0), (2, 2, 5, 0), (2, 2, 5, 3)], None, {}),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_path_graph_values_and_gradients_match_torch(name, dtype):
    """The node names tell which path ran: ScaledDotProductFlashAttentionForCpuBackward0 for
    the fused kernel, the math's matmuls and SafeSoftmaxBackward0 (ToCopyBackward0 around
    them for float16 and bfloat16) otherwise, and zeros + (sums * 0) for empty inputs."""
    shapes, mask, kwargs = CASES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    if mask is not None and mask.dtype != bool:
        mask = mask.astype(dtype if dtype in ("float64", "float32") else "float32")
    _assert_same(
        _run(ref, arrays, dtype, mask, **kwargs), _run(torch, arrays, dtype, mask, **kwargs), dtype
    )


def test_the_fused_node_refuses_a_second_derivative():
    outcomes = []
    for t in (ref, torch):
        xs = [t.tensor(np.ones(s) * 0.5, dtype=t.float64, requires_grad=True) for s in FUSED]
        out = t.nn.functional.scaled_dot_product_attention(*xs)
        grads = t.autograd.grad(out.sum(), xs, create_graph=True)
        names = [type(g.grad_fn).__name__ for g in grads]
        with pytest.raises(RuntimeError) as caught:
            t.autograd.grad(sum(g.sum() for g in grads), xs)
        outcomes.append((names, str(caught.value)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == ["NotImplemented"] * 3


def test_a_mask_that_needs_a_gradient_takes_the_math_path():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in FUSED]
    grads = []
    for t in (ref, torch):
        xs = [t.tensor(a, requires_grad=True) for a in arrays]
        mask = t.tensor(np.linspace(-1, 1, 15).reshape(3, 5), requires_grad=True)
        out = t.nn.functional.scaled_dot_product_attention(*xs, attn_mask=mask)
        assert type(out.grad_fn).__name__ == "UnsafeViewBackward0"
        out.sum().backward()
        grads.append(mask.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["none", "mask", "causal", "math"])
def test_nan_and_inf_spread_as_in_torch(kind):
    """The fused kernel's maximum skips nan without a mask (so an all-nan row gives zeros) but
    not with one, and a causal kernel never touches the blocks above the diagonal; the math
    path is softmax's arithmetic. Values and gradients must be PyTorch's, nan for nan."""
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-30, 3.0]
    shapes = (
        [(2, 2), (3, 2), (3, 1)] if kind == "math" else [(1, 1, 2, 2), (1, 1, 3, 2), (1, 1, 3, 2)]
    )
    rng = np.random.default_rng(7)
    for _ in range(40):
        arrays = [rng.choice(special, s) for s in shapes]
        mask = rng.choice(special, (2, 3)) if kind == "mask" else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours, theirs = (
                _run(t, arrays, "float64", mask, is_causal=kind == "causal") for t in (ref, torch)
            )
        _assert_same(ours, theirs, "float64")


def test_a_fully_masked_row_gives_zeros_and_zero_gradients():
    q, k, v = (ref.ones(1, 1, 2, 3, requires_grad=True) for _ in range(3))
    mask = ref.tensor([[False, False], [True, True]])
    out = ref.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out.sum().backward()
    assert out[0, 0, 0].tolist() == [0.0, 0.0, 0.0]
    assert out[0, 0, 1].tolist() == [1.0, 1.0, 1.0]
    assert q.grad[0, 0, 0].tolist() == [0.0, 0.0, 0.0]


def test_dropout_zeroes_whole_probabilities_and_rescales_the_rest():
    """dropout_p > 0 takes the math path (a MulBackward0 after SafeSoftmaxBackward0); with
    v the identity the output is the dropped probabilities (uniform, 1/n): each kept one
    scaled by 1/(1-p), about p of them zero."""
    ref.manual_seed(0)
    n = 64
    q, k = ref.zeros(1, 8, n, 4, requires_grad=True), ref.zeros(1, 8, n, 4)
    v = ref.eye(n).expand(1, 8, n, n)
    out = ref.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=0.25)
    assert "MulBackward0" in _graph(out)
    values = out.detach().numpy()
    kept = values[values != 0]
    np.testing.assert_allclose(kept, 1 / n / 0.75, rtol=1e-6)
    assert abs((values == 0).mean() - 0.25) < 0.02
    assert tuple(out.shape) == (1, 8, n, n)


ERRORS = {
    "explicit-mask-with-causal-in-the-math": (
        [(2, 3, 4), (2, 5, 4), (2, 5, 4)],
        MASK[:, :5],
        {"is_causal": True},
    ),
    "integer-inputs": ([(2, 3, 4)] * 3, None, {"dtype": "int64"}),
    "one-dimensional": ([(4,)] * 3, None, {}),
    "key-head-size": ([(2, 2, 3, 4), (2, 2, 5, 3), (2, 2, 5, 4)], None, {}),
    "batch-sizes": ([(2, 2, 3, 4), (3, 2, 5, 4), (3, 2, 5, 4)], None, {}),
    "heads-without-gqa": ([(2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], None, {}),
    "gqa-heads-not-dividing": (
        [(2, 3, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)],
        None,
        {"enable_gqa": True},
    ),
    "gqa-on-2d": ([(3, 4), (5, 4), (5, 4)], None, {"enable_gqa": True}),
    "one-dimensional-mask": (FUSED, np.zeros(5), {}),
    "mask-wider-than-the-scores": (FUSED, np.zeros((1, 1, 1, 3, 5)), {}),
    "mask-not-broadcasting": (FUSED, np.zeros((2, 5)), {}),
    "integer-mask": (FUSED, np.zeros((3, 5), dtype=np.int64), {}),
    "float64-mask-on-float32": (FUSED, np.zeros((3, 5)), {"dtype": "float32"}),
    "negative-dropout-on-the-fused-path": (FUSED, None, {"dropout_p": -0.5}),
    "dropout-above-one": (FUSED, None, {"dropout_p": 1.5}),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    shapes, mask, kwargs = ERRORS[name]
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", "float64")
    outcomes = []
    for t in (ref, torch):
        xs = [t.tensor(np.ones(s), dtype=getattr(t, dtype)) for s in shapes]
        m = None if mask is None else t.tensor(mask)
        with pytest.raises(Exception) as caught:  # noqa: PT011 - compared with torch's below
            t.nn.functional.scaled_dot_product_attention(*xs, attn_mask=m, **kwargs)
        outcomes.append((type(caught.value).__name__, str(caught.value)))
    assert outcomes[0] == outcomes[1]


def test_mismatched_dtypes_and_non_tensors_are_refused_as_torch_words_it():
    for make in (
        lambda t: (t.ones(2, 3), t.ones(2, 3, dtype=t.float64), t.ones(2, 3)),
        lambda t: ([1.0], t.ones(2, 3), t.ones(2, 3)),
        lambda t: (t.ones(2, 3), t.ones(2, 3), "v"),
    ):
        outcomes = []
        for t in (ref, torch):
            with pytest.raises((RuntimeError, TypeError)) as caught:
                t.nn.functional.scaled_dot_product_attention(*make(t))
            outcomes.append((type(caught.value).__name__, str(caught.value)))
        assert outcomes[0] == outcomes[1]


def test_keyword_names_and_defaults_are_torch_s():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in FUSED]
    outs = []
    for t in (ref, torch):
        q, k, v = (t.tensor(a) for a in arrays)
        outs.append(
            t.nn.functional.scaled_dot_product_attention(
                query=q,
                key=k,
                value=v,
                attn_mask=None,
                dropout_p=0.0,
                is_causal=False,
                scale=None,
                enable_gqa=False,
            ).numpy()
        )
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6)


# -- nn.MultiheadAttention and F.multi_head_attention_forward ------------------------------


def _module_outcome(t, kwargs, state, arrays, how, train, masks, forward):
    """(graph, output, weights, input grads, parameter grads, warnings), or the error."""
    module = t.nn.MultiheadAttention(**kwargs).double()
    module.load_state_dict({k: t.tensor(v) for k, v in state.items()})
    module.train(train)
    xs = [t.tensor(a, requires_grad=True) for a in arrays]
    if how == "self":
        args = (xs[0],) * 3
    else:
        args = (xs[0], xs[1], xs[1]) if how == "shared" else tuple(xs)
    extra = {k: t.tensor(v) for k, v in masks.items()}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out, weights = module(*args, **forward, **extra)
        (out.sum() + (0 if weights is None else weights.sum())).backward()
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return type(exc).__name__, str(exc)
    return (
        _graph(out),
        out.detach().numpy(),
        None if weights is None else weights.detach().numpy(),
        [x.grad.numpy() for x in xs],
        {k: p.grad.numpy() for k, p in module.named_parameters()},
        [str(w.message) for w in caught],
    )


E = 8
CAUSAL = np.triu(np.ones((5, 5), bool), 1)
MHA_CASES = {
    "self-attention": ({}, [(5, 3, E)], "self", {}, {}),
    "self-attention-without-weights": ({}, [(5, 3, E)], "self", {}, {"need_weights": False}),
    "shared-key-and-value": ({}, [(5, 3, E), (4, 3, E)], "shared", {}, {}),
    "separate-inputs": ({}, [(5, 3, E), (4, 3, E), (4, 3, E)], "separate", {}, {}),
    "kdim-and-vdim": (
        {"num_heads": 4, "kdim": 3, "vdim": 5},
        [(5, 3, E), (4, 3, 3), (4, 3, 5)],
        "separate",
        {},
        {},
    ),
    "kdim-and-vdim-without-weights": (
        {"num_heads": 4, "kdim": 3, "vdim": 5},
        [(5, 3, E), (4, 3, 3), (4, 3, 5)],
        "separate",
        {},
        {"need_weights": False},
    ),
    "no-bias": ({"bias": False}, [(5, 3, E)], "self", {}, {}),
    "bias-kv-and-zero-attention-with-masks": (
        {"add_bias_kv": True, "add_zero_attn": True},
        [(5, 3, E), (4, 3, E), (4, 3, E)],
        "separate",
        {
            "key_padding_mask": np.array([[False, True, False, False]] * 3),
            "attn_mask": np.triu(np.ones((5, 4), bool), 1),
        },
        {},
    ),
    "weights-per-head": ({}, [(5, 3, E)], "self", {}, {"average_attn_weights": False}),
    "unbatched-with-padding": (
        {},
        [(5, E)],
        "self",
        {"key_padding_mask": np.array([False, True, False, False, True])},
        {},
    ),
    "float-2d-mask": (
        {},
        [(5, 3, E)],
        "self",
        {"attn_mask": np.linspace(-1, 1, 25).reshape(5, 5)},
        {},
    ),
    "3d-mask": (
        {},
        [(5, 3, E)],
        "self",
        {"attn_mask": np.linspace(-1, 1, 150).reshape(6, 5, 5)},
        {},
    ),
    "mismatched-mask-types-warn": (
        {},
        [(5, 3, E)],
        "self",
        {"attn_mask": np.zeros((5, 5)), "key_padding_mask": np.zeros((3, 5), bool)},
        {},
    ),
    "causal-hint-without-mask": ({}, [(5, 3, E)], "self", {}, {"is_causal": True}),
    "causal-hint-to-sdpa": (
        {},
        [(5, 3, E)],
        "self",
        {"attn_mask": CAUSAL},
        {"is_causal": True, "need_weights": False},
    ),
    "causal-hint-with-weights": (
        {},
        [(5, 3, E)],
        "self",
        {"attn_mask": CAUSAL},
        {"is_causal": True},
    ),
    "fully-padded-gives-nan-weights": (
        {},
        [(5, 3, E)],
        "self",
        {"key_padding_mask": np.ones((3, 5), bool)},
        {},
    ),
    "fully-padded-without-weights-gives-zeros": (
        {},
        [(5, 3, E)],
        "self",
        {"key_padding_mask": np.ones((3, 5), bool)},
        {"need_weights": False},
    ),
    "2d-mask-of-the-wrong-shape": ({}, [(5, 3, E)], "self", {"attn_mask": np.zeros((4, 5))}, {}),
    "integer-mask": ({}, [(5, 3, E)], "self", {"attn_mask": np.zeros((5, 5), np.int64)}, {}),
    "4d-query": ({}, [(5, 3, 2, E)], "self", {}, {}),
    "wrong-embedding-size": ({}, [(5, 3, 6)], "self", {}, {}),
    "padding-mask-batch": (
        {},
        [(5, 3, E)],
        "self",
        {"key_padding_mask": np.zeros((2, 5), bool)},
        {},
    ),
}


@pytest.mark.parametrize("name", list(MHA_CASES))
def test_multihead_attention_matches_torch(name):
    """Same parameters (torch's, loaded through state_dict), same inputs: the same graph,
    output, weights, gradients of inputs and parameters, warnings, or error."""
    kwargs, shapes, how, masks, forward = MHA_CASES[name]
    kwargs = {"embed_dim": E, "num_heads": 2, **kwargs}
    torch.manual_seed(0)
    state = {
        k: v.double().numpy() for k, v in torch.nn.MultiheadAttention(**kwargs).state_dict().items()
    }
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours, theirs = (
        _module_outcome(t, kwargs, state, arrays, how, True, masks, forward) for t in (ref, torch)
    )
    if isinstance(ours[1], str) or isinstance(theirs[1], str):
        assert ours == theirs
        return
    assert ours[0] == theirs[0], "graph"
    assert ours[5] == theirs[5], "warnings"
    close = lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)  # noqa: E731
    close(ours[1], theirs[1])
    assert (ours[2] is None) == (theirs[2] is None)
    if ours[2] is not None:
        close(ours[2], theirs[2])
    for a, b in zip(ours[3], theirs[3], strict=True):
        close(a, b)
    assert ours[4].keys() == theirs[4].keys()
    for key in ours[4]:
        close(ours[4][key], theirs[4][key])


def test_batch_first_gives_torch_s_values_and_gradients():
    """batch_first transposes the inputs to (L, N, E) and the output back. (The graph differs
    inside: PyTorch's linear takes matmul + add for a non-contiguous 3-D input, the reference's
    linear an addmm on a copy; the values and gradients are the same.)"""
    kwargs = {"embed_dim": E, "num_heads": 2, "batch_first": True}
    state = {
        k: v.double().numpy() for k, v in torch.nn.MultiheadAttention(**kwargs).state_dict().items()
    }
    arrays = [np.random.default_rng(2).standard_normal((3, 5, E))]
    ours, theirs = (
        _module_outcome(t, kwargs, state, arrays, "self", True, {}, {}) for t in (ref, torch)
    )
    for a, b in zip((ours[1], ours[2], *ours[3]), (theirs[1], theirs[2], *theirs[3]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("need_weights", [True, False])
def test_eval_without_grad_matches_torch_s_fast_path(need_weights):
    """In eval mode without grad PyTorch runs its fused native kernel (batch_first
    self-attention, an even head count): the reference's composed path gives its values."""
    kwargs = {"embed_dim": E, "num_heads": 2, "batch_first": True}
    state = {k: v.numpy() for k, v in torch.nn.MultiheadAttention(**kwargs).state_dict().items()}
    x = np.random.default_rng(3).standard_normal((3, 5, E)).astype(np.float32)
    mask = np.array([[False] * 4 + [True]] * 3)
    results = []
    for t in (ref, torch):
        module = t.nn.MultiheadAttention(**kwargs)
        module.load_state_dict({k: t.tensor(v) for k, v in state.items()})
        module.eval()
        with t.no_grad():
            xt = t.tensor(x)
            out, weights = module(
                xt, xt, xt, key_padding_mask=t.tensor(mask), need_weights=need_weights
            )
        results.append((out.numpy(), None if weights is None else weights.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-6)
    if need_weights:
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)
    else:
        assert results[0][1] is None and results[1][1] is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"bias": False},
        {"add_bias_kv": True},
        {"kdim": 3, "vdim": 5},
        {"kdim": 3, "vdim": 5, "bias": False, "add_bias_kv": True, "add_zero_attn": True},
    ],
)
def test_parameters_are_torch_s(kwargs):
    """state_dict keys in order, shapes, the absent ones None, and the repr."""
    ours = ref.nn.MultiheadAttention(8, 2, **kwargs)
    theirs = torch.nn.MultiheadAttention(8, 2, **kwargs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    for name in ("in_proj_weight", "q_proj_weight", "in_proj_bias", "bias_k", "bias_v"):
        assert (getattr(ours, name) is None) == (getattr(theirs, name) is None)
    assert (ours.out_proj.bias is None) == (theirs.out_proj.bias is None)
    assert repr(ours) == repr(theirs)
    assert (
        ours.head_dim == theirs.head_dim and ours._qkv_same_embed_dim == theirs._qkv_same_embed_dim
    )


def test_initial_values_follow_torch_s_distributions():
    """Projection weights xavier-uniform (bound sqrt(6 / (fan_in + fan_out))), biases zero,
    out_proj's weight Linear's kaiming-uniform (bound 1 / sqrt(E)), bias_k xavier-normal."""
    ref.manual_seed(0)
    module = ref.nn.MultiheadAttention(64, 4, add_bias_kv=True, kdim=32)
    bound = np.sqrt(6 / (64 + 64))
    w = module.q_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    k = module.k_proj_weight.detach().numpy()
    assert np.abs(k).max() <= np.sqrt(6 / (32 + 64))
    assert not module.in_proj_bias.detach().numpy().any()
    assert not module.out_proj.bias.detach().numpy().any()
    out = module.out_proj.weight.detach().numpy()
    assert np.abs(out).max() <= 1 / 8 and np.abs(out).max() > 0.9 / 8
    # bias_k (1, 1, 64): fan_in = 64, fan_out = 64 -> std sqrt(2 / 128)
    bias_k = module.bias_k.detach().numpy()
    assert 0.5 * np.sqrt(2 / 128) < bias_k.std() < 1.5 * np.sqrt(2 / 128)


def test_constructor_errors_match_torch():
    for args in ((0, 2), (8, 0), (8, 3)):
        outcomes = []
        for t in (ref, torch):
            with pytest.raises((ValueError, AssertionError)) as caught:
                t.nn.MultiheadAttention(*args)
            outcomes.append((type(caught.value).__name__, str(caught.value)))
        assert outcomes[0] == outcomes[1]


# -- the Transformer layers -----------------------------------------------------------------


def _square_mask(t, n):
    return t.nn.Transformer.generate_square_subsequent_mask(n, dtype=t.float64)


PADDING = [[False] * 4 + [True]] * 3
TRANSFORMER_CASES = {
    "encoder-layer": (lambda t: t.nn.TransformerEncoderLayer(E, 2, 16, 0.0), [(5, 3, E)], None),
    "encoder-layer-norm-first-gelu": (
        lambda t: t.nn.TransformerEncoderLayer(E, 2, 16, 0.0, "gelu", norm_first=True),
        [(5, 3, E)],
        None,
    ),
    "encoder-layer-callable-activation": (
        lambda t: t.nn.TransformerEncoderLayer(E, 2, 16, 0.0, activation=t.tanh),
        [(5, 3, E)],
        None,
    ),
    "encoder-layer-without-bias": (
        lambda t: t.nn.TransformerEncoderLayer(E, 2, 16, 0.0, bias=False),
        [(5, 3, E)],
        None,
    ),
    "encoder-layer-masks": (
        lambda t: t.nn.TransformerEncoderLayer(E, 2, 16, 0.0),
        [(5, 3, E)],
        lambda t, m, x: m(x, src_mask=_square_mask(t, 5), src_key_padding_mask=t.tensor(PADDING)),
    ),
    "decoder-layer-causal": (
        lambda t: t.nn.TransformerDecoderLayer(E, 2, 16, 0.0),
        [(4, 3, E), (5, 3, E)],
        lambda t, m, x, mem: m(x, mem, tgt_mask=_square_mask(t, 4), tgt_is_causal=True),
    ),
    "decoder-layer-norm-first": (
        lambda t: t.nn.TransformerDecoderLayer(E, 2, 16, 0.0, norm_first=True),
        [(4, 3, E), (5, 3, E)],
        None,
    ),
    "encoder-detects-a-causal-mask": (
        lambda t: t.nn.TransformerEncoder(t.nn.TransformerEncoderLayer(E, 2, 16, 0.0), 2),
        [(5, 3, E)],
        lambda t, m, x: m(x, mask=_square_mask(t, 5)),
    ),
    "decoder-with-norm": (
        lambda t: t.nn.TransformerDecoder(
            t.nn.TransformerDecoderLayer(E, 2, 16, 0.0), 2, t.nn.LayerNorm(E)
        ),
        [(4, 3, E), (5, 3, E)],
        None,
    ),
    "transformer-with-masks": (
        lambda t: t.nn.Transformer(E, 2, 1, 1, 16, 0.0),
        [(5, 3, E), (4, 3, E)],
        lambda t, m, s, g: m(
            s,
            g,
            tgt_mask=t.nn.Transformer.generate_square_subsequent_mask(4),
            src_key_padding_mask=t.tensor(PADDING),
            memory_key_padding_mask=t.tensor(PADDING),
        ),
    ),
    "transformer-unbatched": (
        lambda t: t.nn.Transformer(E, 2, 1, 1, 16, 0.0),
        [(5, E), (4, E)],
        None,
    ),
    "transformer-batch-sizes": (
        lambda t: t.nn.Transformer(E, 2, 1, 1, 16, 0.0),
        [(5, 3, E), (4, 2, E)],
        None,
    ),
    "transformer-feature-size": (
        lambda t: t.nn.Transformer(E, 2, 1, 1, 16, 0.0),
        [(5, 3, 6), (4, 3, 6)],
        None,
    ),
}


def _layer_outcome(t, make, state, arrays, call, train=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TransformerEncoder's nested-tensor notice
        module = make(t).double()
    module.load_state_dict({k: t.tensor(v) for k, v in state.items()})
    module.train(train)
    xs = [t.tensor(a, requires_grad=True) for a in arrays]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = call(t, module, *xs) if call else module(*xs)
        out.sum().backward()
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return type(exc).__name__, str(exc)
    grads = {k: p.grad.numpy() for k, p in module.named_parameters()}
    warned = [str(w.message) for w in caught]
    return _graph(out), out.detach().numpy(), [x.grad.numpy() for x in xs], grads, warned


@pytest.mark.parametrize("name", list(TRANSFORMER_CASES))
def test_transformer_layers_match_torch(name):
    """torch's parameters loaded into the reference's layers (dropout 0, training mode): the
    same graph, output, gradients of inputs and of every parameter, warnings, or error."""
    make, shapes, call = TRANSFORMER_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = {k: v.double().numpy() for k, v in make(torch).state_dict().items()}
    arrays = [np.random.default_rng(0).standard_normal(s) for s in shapes]
    ours, theirs = (_layer_outcome(t, make, state, arrays, call) for t in (ref, torch))
    if isinstance(ours[1], str) or isinstance(theirs[1], str):
        assert ours == theirs
        return
    assert ours[0] == theirs[0], "graph"
    assert ours[4] == theirs[4], "warnings"
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-10)
    for a, b in zip(ours[2], theirs[2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    assert ours[3].keys() == theirs[3].keys()
    for key in ours[3]:
        np.testing.assert_allclose(ours[3][key], theirs[3][key], rtol=1e-9, atol=1e-10)


def test_eval_mode_encoder_layer_matches_torch_s_fused_path():
    """Eval mode without grad, batch_first: PyTorch runs _transformer_encoder_layer_fwd; the
    reference's composed layer gives its values."""
    make = lambda t: t.nn.TransformerEncoderLayer(E, 2, 16, batch_first=True)  # noqa: E731
    state = {k: v.numpy() for k, v in make(torch).state_dict().items()}
    x = np.random.default_rng(4).standard_normal((3, 5, E)).astype(np.float32)
    outs = []
    for t in (ref, torch):
        module = make(t)
        module.load_state_dict({k: t.tensor(v) for k, v in state.items()})
        module.eval()
        with t.no_grad():
            outs.append(module(t.tensor(x), src_key_padding_mask=t.tensor(PADDING)).numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-5)


def test_transformer_construction_matches_torch():
    """The same state_dict keys and shapes, the encoder's nested-tensor warning, every
    parameter of more than one dimension re-drawn xavier-uniform (linear1's bound becomes
    sqrt(6 / (d_model + dim_feedforward))), the repr, and the activation check."""
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = ref.nn.Transformer(16, 2, 1, 1, 64, 0.0)
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs = torch.nn.Transformer(16, 2, 1, 1, 64, 0.0)
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in theirs_warned]
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert repr(ours) == repr(theirs)
    w = ours.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    outcomes = []
    for t in (ref, torch):
        with pytest.raises(RuntimeError) as caught:
            t.nn.TransformerEncoderLayer(8, 2, activation="tanh")
        outcomes.append(str(caught.value))
    assert outcomes[0] == outcomes[1]


def test_square_subsequent_mask_matches_torch():
    ours = ref.nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
