"""4000 random short programs (random_programs.py), each run on real PyTorch and on the
reference engine with every outcome compared. A first version of this generator, with a
different op table, found 21 of 600 programs differing; their causes and those found after
were fixed (the commits of 2026-11-25), and the one left is listed below with why.

To look at one seed: `python -c "import random_programs as r, torch, conformance.reference
as ref; print(r.compare(torch, ref, 1121))"` from tests/reference. Changing the op table or
the generator reshuffles the seeds: rerun and update KNOWN_DIFFERENT."""

from __future__ import annotations

import pytest
import random_programs
import torch

import conformance.reference as ref

SEEDS = range(4000)
CHUNK = 500

KNOWN_DIFFERENT = {
    # x[0] = v for a bool x and a float v that requires grad: PyTorch gives the bool tensor
    # requires_grad=True and a CopySlices node (an integer tensor that requires grad, which it
    # refuses everywhere else); the engine keeps bool tensors out of the graph.
    1121: "a bool tensor written with a value that requires grad",
}


@pytest.mark.parametrize("start", range(SEEDS.start, SEEDS.stop, CHUNK))
def test_random_programs_behave_as_in_torch(start):
    found = [
        difference
        for seed in range(start, start + CHUNK)
        if seed not in KNOWN_DIFFERENT
        and (difference := random_programs.compare(torch, ref, seed)) is not None
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("seed", KNOWN_DIFFERENT, ids=KNOWN_DIFFERENT.values())
def test_known_differences_still_differ(seed):
    """A listed seed that starts to agree should leave the list."""
    assert random_programs.compare(torch, ref, seed) is not None
