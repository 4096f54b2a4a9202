"""What the reference engine raises or warns where PyTorch raises or warns, against real
PyTorch: the exception type and message, the warnings, and otherwise the result's repr.

The cases are the edges of shape ops, factories, indexing, conversions, device strings, losses,
modules, optimizers and autograd, where an engine built on NumPy would otherwise raise NumPy's
errors (or, worse, return a result).
"""

from __future__ import annotations

import re
import warnings

import pytest
import torch

import conformance.reference as ref


def leaf(t, v=(1.0, 2.0)):
    return t.tensor(list(v), requires_grad=True)


def _under_no_grad(t, compute):
    with t.no_grad():
        return compute()


def _hooked(t, hook):
    """Backward through a leaf whose gradient `hook` replaces."""
    x = leaf(t)
    x.register_hook(hook)
    (x * 2).sum().backward()
    return x.grad


def _backward_twice_listed(t):
    x = leaf(t)
    y = (x * x).sum()
    t.autograd.backward([y, y], [t.tensor(1.0), t.tensor(2.0)])
    return x.grad


def _grad_twice_listed(t):
    x = leaf(t)
    y = (x * x).sum()
    return t.autograd.grad([y, y], x)


def _copy_slices_node(t):
    x = leaf(t) * 1
    x[0:1].mul_(2)
    return x.grad_fn


def _modified_saved_output(t, make):
    """Backward through an op that saved its output, after that output changed in place."""
    a = leaf(t)
    out = make(a)
    total = out.sum()
    out.add_(1)
    total.backward()


def _set(x, index, value):
    x[x > 0 if index == "mask" else index] = value
    return x


def _add_at(x, index, value):
    x[index] += value
    return x


def _node_repr(node) -> str:
    """A node's repr without its address."""
    return re.sub(r" at 0x[0-9a-f]+>$", ">", repr(node))


def _doubling(t):
    """A custom Function of engine `t`, named alike on both engines."""

    class _Double(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return _Double


CASES = {
    "index-oob": lambda t: t.arange(3)[5],
    "index-neg-oob": lambda t: t.arange(3)[-4],
    "index-2d-oob": lambda t: t.zeros(2, 3)[1, 3],
    "adv-index-oob": lambda t: t.arange(3)[t.tensor([0, 7])],
    # An empty result uses no index, so PyTorch checks none (NumPy would).
    "adv-index-oob-empty-dim": lambda t: t.zeros(0, 3)[:, t.tensor([5])],
    "adv-index-oob-empty-rest": lambda t: t.zeros(2, 3, 0)[t.tensor([7])],
    "adv-index-oob-empty-index": lambda t: t.zeros(2, 3)[t.tensor([5]), t.tensor([], dtype=t.long)],
    "adv-index-oob-int-first": lambda t: t.zeros(2, 3)[t.tensor([], dtype=t.long), 7],
    "adv-setitem-oob-empty": lambda t: _set(t.zeros(2, 0), t.tensor([5]), 1.0),
    "adv-iadd-oob-empty": lambda t: _add_at(t.zeros(0, 3), (slice(None), t.tensor([5])), 2.0),
    "inplace-empty": lambda t: t.zeros(2, 0).add_(1),
    "chunk-empty-dim": lambda t: t.zeros(2, 0, requires_grad=True).chunk(2, 1),
    "chunk-empty": lambda t: t.zeros(0).chunk(3),
    "grad-no-inputs": lambda t: t.autograd.grad((leaf(t) * 2).sum(), []),
    "backward-input-without-grad": lambda t: (leaf(t) * 2).sum().backward(inputs=[t.ones(2)]),
    "backward-same-output-twice": lambda t: _backward_twice_listed(t),
    "grad-same-output-twice": lambda t: _grad_twice_listed(t),
    "accumulate-grad-repr": lambda t: _node_repr((leaf(t) * 2).grad_fn.next_functions[0][0]),
    "copy-slices-repr": lambda t: _node_repr(_copy_slices_node(t)),
    "custom-function-node-repr": lambda t: _node_repr(_doubling(t).apply(leaf(t)).grad_fn),
    # Layout: clone keeps a dense layout's strides, or the order of the dimensions in memory.
    "clone-transposed-strides": lambda t: t.zeros(3, 2).t().clone().stride(),
    "clone-sliced-strides": lambda t: t.zeros(2, 3).t()[::2].clone().stride(),
    "clone-permuted-sliced": lambda t: (
        t.zeros(2, 3, 4).permute(2, 0, 1)[:, :, ::2].clone().stride()
    ),
    "clone-expanded-strides": lambda t: t.zeros(3, 4).t().expand(2, 4, 3).clone().stride(),
    "clone-size-one-dims": lambda t: t.zeros(4, 1, 3).permute(2, 1, 0).clone().stride(),
    "clone-contiguous-format": lambda t: (
        t.zeros(3, 2).t().clone(memory_format=t.contiguous_format).stride()
    ),
    "clone-channels-last": lambda t: (
        t.zeros(2, 3, 4, 5).clone(memory_format=t.channels_last).stride()
    ),
    "clone-channels-last-rank": lambda t: t.zeros(2, 3).clone(memory_format=t.channels_last),
    "contiguous-channels-last": lambda t: (
        t.zeros(2, 3, 4, 5)
        .contiguous(memory_format=t.channels_last)
        .is_contiguous(memory_format=t.channels_last)
    ),
    "clone-transposed-is-contiguous": lambda t: t.zeros(3, 2).t().clone().is_contiguous(),
    "contiguous-of-transposed": lambda t: t.zeros(3, 2).t().contiguous().stride(),
    "memory-format-repr": lambda t: (repr(t.preserve_format), repr(t.channels_last_3d)),
    "memory-format-new": lambda t: t.memory_format(),
    "zeros-like-transposed": lambda t: [
        f(t.zeros(3, 2).t()).stride()
        for f in (t.zeros_like, t.ones_like, t.empty_like, t.rand_like, t.randn_like)
    ],
    "full-like-transposed": lambda t: t.full_like(t.zeros(3, 2).t(), 7).stride(),
    "zeros-like-expanded": lambda t: t.zeros_like(t.zeros(1, 3).expand(2, 3)).stride(),
    "zeros-like-contiguous-format": lambda t: t.zeros_like(
        t.zeros(3, 2).t(), memory_format=t.contiguous_format
    ).stride(),
    "softmax-transposed-strides": lambda t: t.zeros(2, 3, 4).permute(2, 0, 1).softmax(1).stride(),
    "log-softmax-transposed-strides": lambda t: t.zeros(3, 2).t().log_softmax(1).stride(),
    "cat-transposed-strides": lambda t: t.cat([t.zeros(3, 2).t(), t.zeros(3, 2).t()]).stride(),
    "stack-transposed-strides": lambda t: t.stack([t.zeros(3, 2).t(), t.zeros(3, 2).t()]).stride(),
    "copy-grows-target": lambda t: t.zeros(3).copy_(t.ones(2, 3)),
    "copy-grows-target-leading-one": lambda t: t.zeros(2, 3).copy_(t.ones(1, 1, 3)),
    "copy-mismatch": lambda t: t.zeros(2, 3).copy_(t.ones(4)),
    "copy-grows-size-one-dim": lambda t: t.zeros(1, 3).copy_(t.ones(2, 3)),
    "copy-broadcasts": lambda t: t.zeros(2, 3).copy_(t.tensor([1.0, 2.0, 3.0])),
    "clamp-int-by-float": lambda t: t.arange(3).clamp_(0.5),
    "clamp-int8-by-float-max": lambda t: t.arange(3, dtype=t.int8).clamp_(max=1.5),
    "clamp-int-by-tensors": lambda t: t.arange(3).clamp_(min=t.tensor(0.5), max=t.tensor(2)),
    "clamp-int-tensor-and-number": lambda t: t.arange(3).clamp_(min=t.tensor(0.5), max=2),
    "clamp-bool-by-int": lambda t: t.tensor([True]).clamp_(1),
    "chunk-0d": lambda t: t.tensor(1.5).chunk(1),
    "split-0d": lambda t: t.tensor(1.5).split(1),
    "split-sizes-0d": lambda t: t.tensor(1.5).split([1]),
    "narrow-0d": lambda t: t.tensor(1.5).narrow(0, 0, 1),
    "unbind-0d": lambda t: t.tensor(1.5).unbind(),
    "unbind-dim-oob": lambda t: t.zeros(2).unbind(3),
    "unbind-negative-dim": lambda t: t.zeros(2, 3, requires_grad=True).unbind(-1),
    "size-0d": lambda t: t.tensor(1.5).size(0),
    "size-0d-negative": lambda t: t.tensor(1.5).size(-1),
    "size-dim-oob": lambda t: t.zeros(2).size(2),
    "size-negative-dim": lambda t: t.zeros(2, 3).size(-2),
    "stride-0d": lambda t: t.tensor(1.5).stride(0),
    "stride-negative-dim": lambda t: t.zeros(2, 3).stride(-2),
    "permute-no-dims": lambda t: t.zeros(2, 3).permute(),
    "permute-0d-empty-dims": lambda t: t.tensor(1.5).permute([]),
    "where-two-floats": lambda t: t.where(t.tensor([True, False]), 1.0, 0.0),
    "where-two-ints": lambda t: t.where(t.tensor([True, False]), 1, 2),
    "where-int-float": lambda t: t.where(t.tensor([True, False]), 1, 2.5),
    "where-two-bools": lambda t: t.where(t.tensor([True, False]), True, False),
    "where-bool-int": lambda t: t.where(t.tensor([True, False]), True, 2),
    "where-float-bool-0d": lambda t: t.where(t.tensor(True), 1.0, True),
    "view-infer-empty": lambda t: t.zeros(2, 0).view(-1, 0),
    "reshape-infer-empty": lambda t: t.zeros(0, 4).reshape(0, -1),
    "view-infer-zero-nonempty": lambda t: t.zeros(4).view(0, -1),
    "copy-into-empty": lambda t: t.zeros(0, 3).copy_(t.ones(0, 3)),
    "inplace-expanded-empty": lambda t: t.zeros(1, 3).expand(0, 3).mul_(2),
    "inplace-expanded": lambda t: t.zeros(1, 3).expand(2, 3).mul_(2),
    "bool-mask-shape": lambda t: t.arange(3)[t.tensor([True, False])],
    "too-many-indices": lambda t: t.arange(3)[0, 0],
    "view-noncontig": lambda t: t.zeros(2, 3).t().view(6),
    "view-bad-size": lambda t: t.zeros(2, 3).view(4),
    "view-two-minus-one": lambda t: t.zeros(2, 3).view(-1, -1),
    "reshape-bad": lambda t: t.zeros(2, 3).reshape(5),
    "squeeze-dim-oob": lambda t: t.zeros(2, 1).squeeze(3),
    "unsqueeze-oob": lambda t: t.zeros(2).unsqueeze(3),
    "transpose-oob": lambda t: t.zeros(2, 3).transpose(0, 2),
    "permute-bad": lambda t: t.zeros(2, 3).permute(0, 0),
    "permute-len": lambda t: t.zeros(2, 3).permute(0),
    "expand-bad": lambda t: t.zeros(2, 3).expand(3, 3),
    "expand-fewer": lambda t: t.zeros(2, 3).expand(3),
    "expand-fewer-bool": lambda t: t.zeros(2, 3, dtype=t.bool).expand(3),
    "expand-checks-the-last-dimension-first": lambda t: t.zeros(2, 4).expand_as(t.zeros(1, 2)),
    "index-list-on-an-empty-dimension": lambda t: t.zeros(0, 3)[[0, -1]],
    "clamp_min-bool-number": lambda t: t.clamp_min(t.tensor([True, False]), True),
    "clamp-bool-tensor-bounds": lambda t: t.clamp(
        t.tensor([True]), t.tensor([False]), t.tensor([True])
    ),
    "clamp-bool-number-bounds-promote": lambda t: t.clamp(t.tensor([True, False]), 0, 1),
    "ldexp-bool-exponent": lambda t: t.ldexp(t.ones(2), t.tensor([True, False])),
    "mask-write-into-expanded-warns": lambda t: _set(t.tensor([1, 0]).expand(2, 2), "mask", 2),
    "index-write-into-expanded-warns": lambda t: _set(t.tensor([1, 0]).expand(2, 2), [0], 3),
    "index_put_-into-expanded-warns": lambda t: (
        t.tensor([1, 0]).expand(2, 2).index_put_((t.tensor([1]),), t.tensor(5))
    ),
    "masked_fill_-into-expanded-warns": lambda t: (
        t.tensor([1.0, 0.0]).expand(2, 2).masked_fill_(t.tensor([True, False]), 6.0)
    ),
    "masked_scatter_-into-expanded-refused": lambda t: (
        t.tensor([1, 0])
        .expand(2, 2)
        .masked_scatter_(t.tensor([True, False]), t.ones(4, dtype=t.int64))
    ),
    "in-place-overlap-before-cast": lambda t: (
        t.tensor([1, 2], dtype=t.int16).expand(2, 2).pow_(t.tensor(1.5, dtype=t.float64))
    ),
    "bce-logits-has-the-targets-dtype": lambda t: (
        t.nn.functional.binary_cross_entropy_with_logits(
            t.tensor([0.5, -1.0], dtype=t.float64), t.tensor([1.0, 0.0])
        ).dtype
    ),
    "addcdiv-number-tensor2": lambda t: t.addcdiv(t.ones(2), t.ones(2), 2),
    "kl_div-number-target": lambda t: t.nn.functional.kl_div(t.ones(2), 2, reduction="sum"),
    "integer-division-by-zero-of-nothing": lambda t: t.zeros(1, 0, dtype=t.int64) // 0,
    "add-float-alpha-on-integers": lambda t: t.add(t.tensor([1, 2]), t.tensor([1, 2]), alpha=1.0),
    "sub-float-alpha-on-integers": lambda t: t.sub(t.tensor([1, 2]), 1, alpha=0.5),
    "add-bool-alpha-on-floats": lambda t: t.add(t.tensor([1.0]), t.tensor([1.0]), alpha=True),
    "add-bool-alpha-on-bools": lambda t: t.add(t.tensor([True]), t.tensor([False]), alpha=True),
    "add-alpha-half-zero-dim": lambda t: t.add(t.tensor(1.5, dtype=t.bfloat16), 2.0, alpha=0.5),
    "copy_-a-number": lambda t: t.zeros(2, dtype=t.uint8).copy_(300),
    "copy_-none": lambda t: t.zeros(2).copy_(None),
    "index_select-empty-dimension": lambda t: t.zeros(2, 0).index_select(1, t.tensor([0])),
    "masked_fill-tensor-value-overflows": lambda t: t.zeros(3, dtype=t.int32).masked_fill(
        t.tensor([True, False, True]), t.tensor(3e10)
    ),
    "index_fill-tensor-value-overflows": lambda t: t.zeros(3, dtype=t.int32).index_fill(
        0, t.tensor([0]), t.tensor(float("inf"))
    ),
    "threshold-value-overflows-uint8": lambda t: t.nn.functional.threshold(
        t.tensor([1, 200], dtype=t.uint8), 0.5, -1.0
    ),
    "threshold-negative-int-wraps-uint8": lambda t: t.nn.functional.threshold(
        t.tensor([1, 200], dtype=t.uint8), -1, 3
    ),
    "dist-one-bool-operand": lambda t: t.dist(t.tensor([1], dtype=t.int8), t.tensor([True])),
    "clamp-zero-dim-tensor-beside-number": lambda t: t.clamp(
        t.tensor([1.0, 3.0]), t.tensor(1.5), 2
    ),
    "cross-zero-dim": lambda t: t.linalg.cross(t.tensor(1.0), t.tensor(2.0)),
    "in-place-shape-before-missing-kernel": lambda t: t.tensor([True, False]).pow_(
        t.ones(3, 2, dtype=t.bool)
    ),
    "mse-loss-broadcast-from-the-last-dimension": lambda t: t.nn.functional.mse_loss(
        t.zeros(2, 3, 4), t.zeros(4, 2, 3)
    ),
    "expand-fewer-bfloat16": lambda t: t.zeros(2, 3, dtype=t.bfloat16).expand(3),
    "saved-result-of-max1-modified": lambda t: _modified_saved_output(t, lambda a: a.max()),
    "saved-result-of-pow1-modified": lambda t: _modified_saved_output(t, lambda a: a**a),
    "saved-result-of-exp2-modified": lambda t: _modified_saved_output(t, lambda a: t.exp2(a)),
    "prelu-integer": lambda t: t.nn.functional.prelu(t.tensor([0, 1]), t.tensor([1])),
    "bce-integer-input": lambda t: t.nn.functional.binary_cross_entropy(
        t.tensor([0, 1]), t.tensor([0, 1])
    ),
    "bce-logits-bool-input": lambda t: t.nn.functional.binary_cross_entropy_with_logits(
        t.tensor([True]), t.tensor([0.5])
    ),
    "bce-logits-bool-target": lambda t: t.nn.functional.binary_cross_entropy_with_logits(
        t.tensor([0.5]), t.tensor([True])
    ),
    "bce-logits-integer-target": lambda t: t.nn.functional.binary_cross_entropy_with_logits(
        t.tensor([0.5], dtype=t.float64), t.tensor([1], dtype=t.uint8)
    ),
    "cat-shape": lambda t: t.cat([t.zeros(2, 3), t.zeros(2, 4)]),
    "cat-empty-list": lambda t: t.cat([]),
    "cat-dim-oob": lambda t: t.cat([t.zeros(2), t.zeros(2)], 1),
    "stack-shape": lambda t: t.stack([t.zeros(2), t.zeros(3)]),
    "sum-dim-oob": lambda t: t.zeros(2, 3).sum(2),
    "mean-int": lambda t: t.arange(3).mean(),
    "max-dim-oob": lambda t: t.zeros(2, 3).max(5),
    "argmax-empty": lambda t: t.zeros(0).argmax(),
    "max-empty": lambda t: t.zeros(0).max(),
    "split-zero": lambda t: t.arange(6).split(0),
    "chunk-zero": lambda t: t.arange(6).chunk(0),
    "item-multi": lambda t: t.arange(3).item(),
    "float-multi": lambda t: float(t.arange(3)),
    "int-of-float-tensor": lambda t: int(t.tensor([2.7])),
    "bool-multi": lambda t: bool(t.arange(3)),
    "bool-empty": lambda t: bool(t.zeros(0)),
    "len-0d": lambda t: len(t.tensor(1.0)),
    "iter-0d": lambda t: list(t.tensor(1.0)),
    "flatten-bad": lambda t: t.zeros(2, 3).flatten(1, 0),
    "select-oob": lambda t: t.zeros(2, 3).select(1, 3),
    "narrow-bad": lambda t: t.arange(5).narrow(0, 3, 4),
    "mm-shape": lambda t: t.zeros(2, 3) @ t.zeros(2, 3),
    "matmul-0d": lambda t: t.tensor(1.0) @ t.tensor(2.0),
    "broadcast-add": lambda t: t.zeros(2, 3) + t.zeros(4),
    "setitem-shape": lambda t: t.zeros(3).__setitem__(slice(None), t.zeros(2)),
    "setitem-int-float": lambda t: t.zeros(3, dtype=t.long).__setitem__(0, 2.7) or None,
    "zeros-neg": lambda t: t.zeros(-1),
    "arange-bad-step": lambda t: t.arange(0, 5, 0),
    "arange-wrong-sign": lambda t: t.arange(5, 0, 1),
    "linspace-neg": lambda t: t.linspace(0, 1, -1),
    "eye-neg": lambda t: t.eye(-1),
    "full-noarg": lambda t: t.full((2,), None),
    "randint-bad": lambda t: t.randint(5, 2, (3,)),
    "tensor-str": lambda t: t.tensor("abc"),
    "tensor-mixed": lambda t: t.tensor([1, "a"]),
    "requires-grad-int": lambda t: t.tensor([1, 2], requires_grad=True),
    "inplace-int-float": lambda t: t.arange(3).add_(1.5),
    "inplace-broadcast": lambda t: t.zeros(3).add_(t.zeros(2, 3)),
    "softmax-nodim": lambda t: t.softmax(t.zeros(3)),
    "where-shape": lambda t: t.where(t.tensor([True, False]), t.zeros(3), t.zeros(3)),
    "clamp-none": lambda t: t.clamp(t.zeros(3)),
    "var-int": lambda t: t.arange(3).var(),
    "std-dim-oob": lambda t: t.zeros(3).std(1),
    "norm-int": lambda t: t.arange(3).norm(),
    "cumsum-nodim": lambda t: t.zeros(3).cumsum(),
    "dot-len": lambda t: t.dot(t.zeros(2), t.zeros(3)),
    "bmm-2d": lambda t: t.bmm(t.zeros(2, 3), t.zeros(3, 2)),
    "outer-2d": lambda t: t.outer(t.zeros(2, 2), t.zeros(2)),
    "to-bad": lambda t: t.zeros(2).to("xpu9"),
    "device-bad": lambda t: t.zeros(2, device="gpu"),
    "numpy-grad": lambda t: t.zeros(2, requires_grad=True).numpy(),
    "backward-int": lambda t: t.arange(3).sum().backward(),
    "grad-nonscalar": lambda t: t.zeros(2, requires_grad=True).mul(2).backward(),
    "index-float": lambda t: t.arange(3)[t.tensor([1.0])],
    "index-list-float": lambda t: t.arange(3)[[1.0]],
    "t-3d": lambda t: t.zeros(2, 2, 2).t(),
    "T-3d": lambda t: t.zeros(2, 2, 2).T,
    "masked-fill-nonbool": lambda t: t.zeros(3).masked_fill(t.tensor([1, 0, 1]), 1.0),
    "gather-oob": lambda t: t.gather(t.zeros(3), 0, t.tensor([5])),
    "index-select-float": lambda t: t.index_select(t.zeros(3), 0, t.tensor([0.0])),
    "repeat-fewer": lambda t: t.zeros(2, 3).repeat(2),
    "new-tensor-neg": lambda t: t.Tensor(-1),
    "squeeze-neg": lambda t: t.zeros(1, 2).squeeze(-3),
    "ones-neg": lambda t: t.ones(-1),
    "empty-neg": lambda t: t.empty(-1),
    "full-neg": lambda t: t.full((-1,), 1.0),
    "rand-neg": lambda t: t.rand(-1),
    "randn-neg": lambda t: t.randn(2, -1),
    "randint-neg": lambda t: t.randint(0, 5, (-1,)),
    "zeros2-neg": lambda t: t.zeros(2, -3),
    "Tensor2-neg": lambda t: t.Tensor(2, -1),
    "FloatTensor-neg": lambda t: t.FloatTensor(-1),
    "new-zeros-neg": lambda t: t.zeros(2).new_zeros(-1),
    "T0": lambda t: t.tensor(1.0).T,
    "T1": lambda t: t.zeros(2).T,
    # A view's history, read straight after its base changed in place, is the new one.
    "view-history-after-base-in-place": lambda t: (
        lambda x: (lambda y: (x.mul_(2), type(y.grad_fn.next_functions[0][0]).__name__)[1])(x[:2])
    )(t.ones(3, requires_grad=True).clone()),
    "view-requires-grad-after-base-in-place": lambda t: (
        lambda b: (
            lambda v: (b.add_(t.ones(3, requires_grad=True)), v.requires_grad, v.is_leaf)[1:]
        )(b[:2])
    )(t.zeros(3)),
    "mT0": lambda t: t.tensor(1.0).mT,
    "mT1": lambda t: t.zeros(2).mT,
    "mT0-is-self": lambda t: (lambda x: x.mT is x)(t.tensor(1.0)),
    "split-neg": lambda t: t.arange(6).split(-1),
    "split-0-empty": lambda t: t.zeros(0).split(0),
    "chunk-neg": lambda t: t.arange(6).chunk(-1),
    "narrow-start": lambda t: t.arange(5).narrow(0, 6, 1),
    "narrow-negstart": lambda t: t.arange(5).narrow(0, -2, 2),
    "narrow-neglen": lambda t: t.arange(5).narrow(0, 1, -1),
    "narrow-dim": lambda t: t.arange(5).narrow(1, 0, 1),
    "flatten-oob": lambda t: t.zeros(2, 3).flatten(0, 2),
    "flatten0d": lambda t: t.tensor(1.0).flatten(0, 0),
    "select-neg": lambda t: t.zeros(2, 3).select(1, -4),
    "select-dim": lambda t: t.zeros(2, 3).select(2, 0),
    "select-0d": lambda t: t.tensor(1.0).select(0, 0),
    "unsqueeze-neg": lambda t: t.zeros(2).unsqueeze(-3),
    "squeeze-0d": lambda t: t.tensor(1.0).squeeze(1),
    "squeeze-0d-ok": lambda t: (t.tensor(1.0).squeeze(0), t.tensor(1.0).squeeze(-1)),
    "transpose-0d": lambda t: t.tensor(1.0).transpose(0, 0),
    "permute-oob": lambda t: t.zeros(2, 3).permute(0, 2),
    "permute-neg-dup": lambda t: t.zeros(2, 3).permute(1, -1),
    "arange-neg": lambda t: t.arange(0, 5, -1),
    "arange-nan": lambda t: t.arange(0, float("nan")),
    "linspace-0": lambda t: t.linspace(0, 1, 0),
    "eye-m": lambda t: t.eye(2, -1),
    "device-gpu": lambda t: t.device("gpu"),
    "device-cuda-x": lambda t: t.device("cuda:x"),
    "device-cpu1": lambda t: t.device("cpu:-1"),
    "device-empty": lambda t: t.device(""),
    "tensor-none": lambda t: t.tensor(None),
    "tensor-dict": lambda t: t.tensor({}),
    "tensor-listnone": lambda t: t.tensor([1, None]),
    "tensor-obj": lambda t: t.tensor(object()),
    "where-3": lambda t: t.where(t.tensor([True, False]), t.zeros(3), t.zeros(2)),
    "full-str": lambda t: t.full((2,), "a"),
    "randint-eq": lambda t: t.randint(2, 2, (3,)),
    # torch.nn and torch.optim
    "mse-broadcast": lambda t: t.nn.functional.mse_loss(t.zeros(3, 1), t.zeros(3)),
    "mse-shape": lambda t: t.nn.functional.mse_loss(t.zeros(3), t.zeros(4)),
    "mse-int": lambda t: t.nn.functional.mse_loss(t.zeros(3), t.zeros(3, dtype=t.long)),
    "mse-bad-reduction": lambda t: t.nn.functional.mse_loss(
        t.zeros(3), t.zeros(3), reduction="avg"
    ),
    "l1-broadcast": lambda t: t.nn.functional.l1_loss(t.zeros(3, 1), t.zeros(3)),
    "ce-float-target-shape": lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2)),
    "ce-target-oob": lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.tensor([0, 5])),
    "ce-target-neg": lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.tensor([0, -1])),
    "ce-int-input": lambda t: t.nn.functional.cross_entropy(
        t.zeros(2, 3, dtype=t.long), t.tensor([0, 1])
    ),
    "ce-batch-mismatch": lambda t: t.nn.functional.cross_entropy(
        t.zeros(2, 3), t.tensor([0, 1, 2])
    ),
    "ce-probs": lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.full((2, 3), 1 / 3)),
    "ce-1d": lambda t: t.nn.functional.cross_entropy(t.zeros(3), t.tensor(1)),
    "ce-int32-target": lambda t: t.nn.functional.cross_entropy(
        t.zeros(2, 3), t.tensor([0, 1], dtype=t.int32)
    ),
    "nll-oob": lambda t: t.nn.functional.nll_loss(t.zeros(2, 3), t.tensor([0, 3])),
    "nll-3d": lambda t: t.nn.functional.nll_loss(t.zeros(2, 3, 4), t.zeros(2, 4, dtype=t.long)),
    "nll-ignore": lambda t: t.nn.functional.nll_loss(
        t.tensor([[0.0, -1.0, -2.0], [0.0, 0.0, 0.0]]), t.tensor([1, -100])
    ),
    "nll-all-ignored": lambda t: t.nn.functional.nll_loss(t.zeros(2, 3), t.tensor([-100, -100])),
    "bce-shape": lambda t: t.nn.functional.binary_cross_entropy(t.full((3,), 0.5), t.zeros(4)),
    "bcel-shape": lambda t: t.nn.functional.binary_cross_entropy_with_logits(
        t.zeros(3), t.zeros(4)
    ),
    "linear-shape": lambda t: t.nn.Linear(3, 2)(t.zeros(2, 4)),
    "linear-dtype": lambda t: t.nn.Linear(3, 2)(t.zeros(2, 3, dtype=t.float64)),
    "linear-1d": lambda t: t.nn.Linear(3, 2)(t.zeros(3)).shape,
    "linear-neg": lambda t: t.nn.Linear(-1, 2),
    "softmax-int": lambda t: t.softmax(t.tensor([1, 2]), 0),
    "log-softmax-int": lambda t: t.log_softmax(t.tensor([1, 2]), 0),
    "relu-int": lambda t: t.relu(t.tensor([-1, 2])),
    "sigmoid-int": lambda t: t.sigmoid(t.tensor([1, 2])),
    "tanh-int": lambda t: t.tanh(t.tensor([1, 2])),
    "seq-index": lambda t: t.nn.Sequential(t.nn.ReLU(), t.nn.Tanh())[5],
    "seq-len": lambda t: len(t.nn.Sequential(t.nn.ReLU(), t.nn.Tanh())),
    "sgd-neg-lr": lambda t: t.optim.SGD([t.zeros(1, requires_grad=True)], lr=-1),
    "sgd-no-params": lambda t: t.optim.SGD([], lr=0.1),
    "adam-bad-beta": lambda t: t.optim.Adam([t.zeros(1, requires_grad=True)], betas=(1.5, 0.9)),
    "sgd-nesterov": lambda t: t.optim.SGD([t.zeros(1, requires_grad=True)], lr=0.1, nesterov=True),
    "sgd-tensor-param": lambda t: t.optim.SGD(t.zeros(2, requires_grad=True), lr=0.1),
    "state-dict-missing": lambda t: t.nn.Linear(2, 2).load_state_dict({}),
    "module-bad-attr": lambda t: t.nn.Linear(2, 2).nope,
    "param-int": lambda t: t.nn.Parameter(t.tensor([1, 2])),
    "dropout-p": lambda t: t.nn.functional.dropout(t.zeros(3), p=1.5),
    # autograd: backward, grad, hooks, leaves
    "backward-no-grad": lambda t: t.tensor([1.0]).sum().backward(),
    "grad-unused": lambda t: (lambda x, y: t.autograd.grad((x * 2).sum(), [x, y]))(
        leaf(t), leaf(t)
    ),
    "grad-unused-allowed": lambda t: (
        lambda x, y: t.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    )(leaf(t), leaf(t)),
    "grad-materialize": lambda t: (
        lambda x, y: t.autograd.grad(
            (x * 2).sum(), [x, y], allow_unused=True, materialize_grads=True
        )
    )(leaf(t), leaf(t)),
    "grad-materialize-no-allow": lambda t: (
        lambda x, y: t.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
    )(leaf(t), leaf(t)),
    "grad-outputs-shape": lambda t: (lambda x: t.autograd.grad(x * 2, x, grad_outputs=t.ones(3)))(
        leaf(t)
    ),
    "grad-of-nonscalar": lambda t: (lambda x: t.autograd.grad(x * 2, x))(leaf(t)),
    "grad-input-not-req": lambda t: t.autograd.grad(leaf(t).sum(), t.tensor([1.0])),
    "requires-grad-nonleaf": lambda t: (leaf(t) * 2).requires_grad_(False),
    "requires-grad-underscore-int": lambda t: t.tensor([1]).requires_grad_(),
    "set-requires-grad-int": lambda t: setattr(t.tensor([1]), "requires_grad", True),
    "hook-nonreq": lambda t: t.tensor([1.0]).register_hook(lambda g: g),
    "hook-bad-return": lambda t: (
        lambda x: (x.register_hook(lambda g: t.zeros(3)), (x * 2).sum().backward())
    )(leaf(t)),
    "retain-grad-nonreq": lambda t: t.tensor([1.0]).retain_grad(),
    "backward-twice": lambda t: (lambda y: (y.backward(retain_graph=False), y.backward()))(
        (leaf(t).exp()).sum()
    ),
    "inplace-leaf": lambda t: leaf(t).add_(1),
    "inplace-leaf-nograd": lambda t: (lambda x: (t.no_grad().__enter__(), x.add_(1), repr(x)))(
        leaf(t)
    ),
    "modify-saved": lambda t: (lambda x: (lambda y: (x.data.add_(0), y))(x.exp()))(leaf(t)),
    "version-error": lambda t: (
        lambda x: (lambda a: (lambda y: (a.mul_(2), y.sum().backward()))(a.exp()))(x * 1)
    )(leaf(t)),
    "detach-inplace-shared": lambda t: (lambda x: (x.detach().zero_(), x._version))(leaf(t)),
    "numpy-requires-grad": lambda t: leaf(t).numpy(),
    "numpy-requires-grad-under-no-grad": lambda t: _under_no_grad(t, lambda: leaf(t).numpy()),
    "item-grad": lambda t: leaf(t).sum().item(),
    "grad-fn-name-sum-dim": lambda t: leaf(t).sum(0).grad_fn.name(),
    "next-functions": lambda t: [
        (n.name() if n else None, i) for n, i in (leaf(t) * leaf(t)).grad_fn.next_functions
    ],
    "function-ctx": lambda t: t.autograd.Function.apply(),
    "no-grad-decorator": lambda t: t.no_grad()(lambda: t.is_grad_enabled())(),
    "set-grad-wrong-shape": lambda t: setattr(leaf(t), "grad", t.zeros(3)),
    "set-grad-wrong-type": lambda t: setattr(leaf(t), "grad", 3),
    "backward-grad-wrong-dtype": lambda t: (leaf(t) * 2).backward(t.ones(2, dtype=t.float64)),
    "backward-grad-int": lambda t: (leaf(t) * 2).backward(t.ones(2, dtype=t.long)),
    "hook-changes-size": lambda t: _hooked(t, lambda g: t.zeros(3)),
    "hook-changes-dtype": lambda t: _hooked(t, lambda g: g.double()),
    "hook-returns-number": lambda t: _hooked(t, lambda g: 3),
}


def _outcome(t, case) -> tuple:
    with warnings.catch_warnings(record=True) as caught, t.enable_grad():
        warnings.simplefilter("always")
        try:
            result = case(t)
        except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
            return ("error", type(exc).__name__, str(exc))
        finally:
            t.set_grad_enabled(True)  # a case may leave no_grad() entered
    # PyTorch's C++ warnings end with where in its source they were raised.
    shown = [re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)) for w in caught]
    return ("ok", repr(result).replace("conformance.reference", "torch"), shown)


@pytest.mark.parametrize("name", CASES)
def test_same_error_or_result_as_torch(name: str) -> None:
    assert _outcome(ref, CASES[name]) == _outcome(torch, CASES[name])
