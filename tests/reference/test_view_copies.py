"""torch's *_copy ops (conformance/reference/ops/view_copies.py) against torch: the values, a
contiguous result sharing nothing with the input, the node's name (the view's, with _copy) and
the gradient through it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

COPIES = {
    "permute_copy": lambda t, x: t.permute_copy(x, (1, 0)),
    "view_copy": lambda t, x: t.view_copy(x, (6, 4)),
    "t_copy": lambda t, x: t.t_copy(x),
    "transpose_copy": lambda t, x: t.transpose_copy(x, 0, 1),
    "squeeze_copy": lambda t, x: t.squeeze_copy(x[None]),
    "squeeze_copy-dim": lambda t, x: t.squeeze_copy(x[None], 0),
    "unsqueeze_copy": lambda t, x: t.unsqueeze_copy(x, 1),
    "select_copy": lambda t, x: t.select_copy(x, 1, 2),
    "slice_copy": lambda t, x: t.slice_copy(x, 1, 1, 5, 2),
    "slice_copy-whole": lambda t, x: t.slice_copy(x),
    "split_copy": lambda t, x: t.split_copy(x, 2, 1),
    "split_with_sizes_copy": lambda t, x: t.split_with_sizes_copy(x, [1, 3], 0),
    "unbind_copy": lambda t, x: t.unbind_copy(x, 1),
    "diagonal_copy": lambda t, x: t.diagonal_copy(x, 1),
    "alias_copy": lambda t, x: t.alias_copy(x),
    "as_strided_copy": lambda t, x: t.as_strided_copy(x, (2, 2), (1, 2)),
    "unfold_copy": lambda t, x: t.unfold_copy(x, 1, 2, 1),
    "expand_copy": lambda t, x: t.expand_copy(x, (2, 4, 6)),
    "narrow_copy": lambda t, x: t.narrow_copy(x, 1, 0, 2),
    "narrow_copy-method": lambda t, x: x.narrow_copy(0, 1, 2),
}

DTYPE_VIEWS = {
    "view_copy-int32": lambda t, x: t.view_copy(x, t.int32),
    "view_copy-float16": lambda t, x: t.view_copy(x, t.float16),
}


@pytest.mark.parametrize("call", DTYPE_VIEWS.values(), ids=DTYPE_VIEWS.keys())
def test_dtype_view_copies_are_not_differentiable(call):
    seen = []
    for t in (ref, torch):
        out = call(t, t.arange(4.0, requires_grad=True))
        seen.append((str(out.dtype), out.grad_fn, out.requires_grad, out.tolist()))
    assert seen[0] == seen[1]


def _seen(t, call):
    x = t.tensor(np.arange(24, dtype=np.float32).reshape(4, 6), requires_grad=True)
    out = call(t, x)
    outputs = out if isinstance(out, tuple | list) else (out,)
    weights = [t.arange(o.numel(), dtype=o.dtype).reshape(o.shape) for o in outputs]
    sum((o * w).sum() for o, w in zip(outputs, weights, strict=True)).backward()
    return (
        type(out).__name__,
        [(tuple(o.shape), o.is_contiguous(), o.grad_fn.name(), o.tolist()) for o in outputs],
        x.grad.tolist(),
    )


@pytest.mark.parametrize("call", COPIES.values(), ids=COPIES.keys())
def test_copies_match_torch(call):
    assert _seen(ref, call) == _seen(torch, call)


@pytest.mark.parametrize("name", ["permute_copy", "expand_copy", "split_copy"])
def test_a_copy_shares_neither_memory_nor_version(name):
    x = ref.arange(24.0).reshape(4, 6)
    out = COPIES[name](ref, x)
    first = out[0] if isinstance(out, tuple | list) else out
    assert first._base is None
    x.add_(1)
    assert first._version == 0
    assert float(first.reshape(-1)[0]) == 0.0


@pytest.mark.parametrize("name", sorted(n for n in COPIES if "-" not in n))
def test_arguments_are_refused_in_the_parsers_words(name):
    """Nothing given, or a number for the input: PyTorch's parser refuses both, in its words."""
    seen = []
    for t in (ref, torch):
        messages = []
        for args in ((), (3,)):
            with pytest.raises(TypeError) as caught:
                getattr(t, name)(*args)
            messages.append(str(caught.value).splitlines()[0])
        seen.append(messages)
    assert seen[0] == seen[1]
