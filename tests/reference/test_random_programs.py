"""160000 random short programs (random_programs.py), each run on real PyTorch and on the
reference engine with every outcome compared. A first version of this generator, with a
different op table, found 21 of 600 programs differing; their causes and those found after
were fixed (the commits of 2026-11-25), and those left are listed below with why: 12
semantic differences, asserted to still differ, and 53 programs whose outcome hangs on
arithmetic the engine does not copy, which are not compared (75 before the sums were added
in PyTorch's order and half-precision derivatives ran on Tensors). (The 160000 take about three
minutes of CPU, in chunks of CHUNK that pytest-xdist spreads over its workers.)

To look at one seed: `python -c "import random_programs as r, torch, conformance.reference
as ref; print(r.compare(torch, ref, 1121))"` from tests/reference. Changing the op table or
the generator reshuffles the seeds: rerun and update both lists."""

from __future__ import annotations

import pytest
import random_programs
import torch

import conformance.reference as ref

SEEDS = range(160000)
CHUNK = 5000

# An integer or bool tensor written in place with a value that requires grad (x[0] = v,
# x.eq_(v)): PyTorch gives it requires_grad=True and a node (CopySlices, EqBackward1), an
# integer tensor that requires grad, which it refuses everywhere else; the engine keeps
# integer tensors out of the graph.
_INTEGER_IN_GRAPH = "an integer tensor written in place with a value that requires grad"
# sgn's derivative for real numbers is PyTorch's efficient zero tensor, which the following
# backward formulas multiply as exact zeros (0 where a saved value is nan or inf); the
# engine's zeros are ordinary ones (nan there).
_ZERO_TENSOR = "sgn's zero gradient, an efficient zero tensor in PyTorch"
KNOWN_DIFFERENT = {
    **dict.fromkeys((1121, 5354, 16759, 49457, 87206, 89621, 101682), _INTEGER_IN_GRAPH),
    **dict.fromkeys((115784, 129793, 142315, 156530), _INTEGER_IN_GRAPH),
    152071: _ZERO_TENSOR,
}

# Outcomes that hang on arithmetic the engine does not copy, and that may change with the
# CPU: not compared.
_NAN_SIGN = (
    "the sign bit of a NaN (torch's log and sqrt give +nan, NumPy's -nan; float32 to bfloat16 "
    "gives -nan in torch; signbit and copysign show it)"
)
_LAST_BIT = (
    "the last bit of a float32 or half-precision transcendental (PyTorch's vectorized "
    "libraries against NumPy's libm), or of a half-precision kernel's rounding, carried into "
    "float64 or across a rounding boundary"
)
_HALF_FORMULA = (
    "a gradient through a half-precision op whose PyTorch kernel rounds otherwise than the "
    "engine's formula (in-place pow_ with an exponent of another dtype, bfloat16 layer_norm)"
)
NOT_COMPARED = {
    **dict.fromkeys(
        (4945, 7410, 35831, 37302, 40112, 54691, 63484, 69213, 76514, 88110)
        + (95553, 96053, 97630, 104115, 115030, 126781, 141447, 152988),
        _NAN_SIGN,
    ),
    **dict.fromkeys(
        (17578, 19730, 21434, 25856, 28053, 33748, 34171, 34845, 45489, 47296)
        + (50265, 52827, 56900, 61744, 67686, 68002, 69763, 81459, 87380, 91929)
        + (103063, 104564, 104915, 106392, 113932, 121808, 123860, 129512, 135402, 136896)
        + (140488, 152491, 158344),
        _LAST_BIT,
    ),
    **dict.fromkeys(
        (119773, 125832),
        _HALF_FORMULA,
    ),
}


@pytest.mark.parametrize("start", range(SEEDS.start, SEEDS.stop, CHUNK))
def test_random_programs_behave_as_in_torch(start):
    found = [
        difference
        for seed in range(start, start + CHUNK)
        if seed not in KNOWN_DIFFERENT
        and seed not in NOT_COMPARED
        and (difference := random_programs.compare(torch, ref, seed)) is not None
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("seed", KNOWN_DIFFERENT)
def test_known_differences_still_differ(seed):
    """A listed seed that starts to agree should leave the list."""
    assert random_programs.compare(torch, ref, seed) is not None
