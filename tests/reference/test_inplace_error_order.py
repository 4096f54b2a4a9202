"""Which error an in-place op raises first, side by side with PyTorch (found by random
programs 300636, 471670, 597732 and 634033):

- an in-place comparison (eq_ and the rest) on an expanded tensor is refused for its
  overlapping memory before its operands' shapes are compared, as TensorIterator does;
- copy_ into an integer or bool view records nothing in PyTorch (its hand-written autograd
  wrapper checks the dtype), so no view rule applies to it, even for a source that requires
  grad: it broadcasts and casts, or fails on the shapes."""

from __future__ import annotations

import pytest
import torch

import conformance.reference as ref


def outcome(action):
    try:
        result = action()
    except RuntimeError as exc:
        return ("RuntimeError", str(exc))
    return ("done", result.tolist(), result.requires_grad)


COMPARISONS = ["eq_", "ne_", "lt_", "le_", "gt_", "ge_"]


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("name", COMPARISONS)
def test_comparison_in_place_refuses_overlap_before_shapes(name, requires_grad):
    def action(t):
        x = t.zeros(4, 1).expand(4, 2)
        return lambda: getattr(x, name)(t.ones(3, requires_grad=requires_grad))

    assert outcome(action(ref)) == outcome(action(torch))


@pytest.mark.parametrize("dtype", ["int64", "bool", "uint8", "float32"])
@pytest.mark.parametrize("source", [(3,), (4, 4)])
def test_copy_into_a_chunk_checks_views_only_for_floating_self(dtype, source):
    def action(t):
        first, _ = t.zeros(2, 3, dtype=getattr(t, dtype)).chunk(2)
        return lambda: first.copy_(t.ones(source, requires_grad=True))

    assert outcome(action(ref)) == outcome(action(torch))
