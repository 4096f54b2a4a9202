"""Rows of test_op_gradients.py's table for scaled_dot_product_attention, multi-head attention and
the Transformer layers.

The rows take PyTorch's composed math path (3-D inputs, a value head size unlike the query's,
a mask that needs a gradient): the fused CPU kernel's node refuses a second derivative, in
PyTorch as in the reference, so test_attention.py checks that path instead."""

from __future__ import annotations

from opcase import OpCase


def _sdpa(t, q, k, v, **kw):
    return t.nn.functional.scaled_dot_product_attention(q, k, v, **kw)


CASES: list[OpCase] = [
    OpCase("sdpa-math-3d", _sdpa, [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    OpCase(
        "sdpa-math-causal",
        lambda t, q, k, v: _sdpa(t, q, k, v, is_causal=True),
        [(1, 2, 4, 3), (1, 2, 3, 3), (1, 2, 3, 2)],
    ),
    OpCase(
        "sdpa-math-float-mask",
        lambda t, q, k, v, m: _sdpa(t, q, k, v, attn_mask=m),
        [(2, 3, 4), (2, 5, 4), (2, 5, 4), (3, 5)],
    ),
    OpCase(
        "sdpa-math-bool-mask",
        lambda t, q, k, v: _sdpa(
            t, q, k, v, attn_mask=t.tensor([[True, False, True], [False, False, False]])
        ),
        [(2, 2, 3), (2, 3, 3), (2, 3, 2)],
    ),
    OpCase(
        "sdpa-math-gqa-scale",
        lambda t, q, k, v: _sdpa(t, q, k, v, enable_gqa=True, scale=-0.7),
        [(1, 4, 2, 3), (1, 2, 3, 3), (1, 1, 3, 2)],
    ),
]


def _mha(t, x, w_in, w_out, b_out, **kw):
    """Self-attention through the packed projection. The input bias is fixed: its key third
    has a zero gradient (softmax ignores a shift of a row), which float32 rounding leaves
    at ~1e-6 in PyTorch, above the row tolerance; test_attention.py checks it."""
    b_in = t.zeros(12, dtype=x.dtype)
    out, weights = t.nn.functional.multi_head_attention_forward(
        x, x, x, 4, 2, w_in, b_in, None, None, False, 0.0, w_out, b_out, **kw
    )
    return out


def _mha_weights(t, x, w_in):
    """The attention weights per head (unbatched input), which depend on the projection."""
    eye = t.eye(4, dtype=x.dtype)
    _, weights = t.nn.functional.multi_head_attention_forward(
        x, x, x, 4, 2, w_in, None, None, None, False, 0.0, eye, None, average_attn_weights=False
    )
    return weights


CASES += [
    OpCase("mha-forward-self", _mha, [(3, 2, 4), (12, 4), (4, 4), (4,)], low=-0.5, high=0.5),
    OpCase("mha-forward-weights-per-head", _mha_weights, [(3, 4), (12, 4)]),
]
