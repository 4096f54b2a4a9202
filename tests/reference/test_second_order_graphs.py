"""The graph a create_graph backward records, against real PyTorch, for every row of the
gradient table (test_op_gradients.py): the names of the nodes reachable from each first
derivative, counted, and whether each first derivative requires grad.

Rows listed in KNOWN_DIFFERENT record other nodes than PyTorch's (their second derivatives'
values agree; test_op_gradients.py checks those). A listed row that starts to agree fails too,
so the list only shrinks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from graphs import reachable_node_names
from test_op_gradients import OPS, _inputs

import conformance.reference as ref

_DECOMPOSITIONS = (
    # PyTorch differentiates det, slogdet, solve and cholesky through linalg_solve_ex and
    # solve_triangular; the engine through its inverse. (Batched inverse and matrix_power
    # differ only in a reshape recorded as ReshapeAlias on one side and View on the other.)
    "inverse-batch linalg-det det-method slogdet-logabsdet slogdet-both logdet solve "
    "solve-vector-broadcast solve-batch-vectors solve-right matrix-power-minus-5 "
    "linalg-cholesky linalg-cholesky-upper-batch"
)
_SPECTRAL = (
    # PyTorch's QR, eigh and SVD derivatives solve with triangles (linalg_solve_triangular)
    # and fill diagonals in place (CopySlices); the engine writes them with general solves
    # and added identities; the *_ex variants share those of _DECOMPOSITIONS; the 2-norms
    # reshape where PyTorch records ReshapeAlias.
    "linalg-cholesky-ex-upper linalg-solve-ex linalg-qr-Q-tall linalg-qr-R-batch "
    "linalg-qr-tall linalg-qr-wide linalg-qr-complete-wide linalg-eigh-function "
    "linalg-svdvals linalg-svd-tall linalg-svd-wide-full linalg-svd-square svd-some "
    "matrix-norm-2-dims-keepdim linalg-norm-minus-2"
)
_STRUCTURED = (
    # index_reduce's derivatives reuse scatter_reduce's (Gather and ScatterReduce nodes) where
    # PyTorch's record IndexSelect and IndexReduce; cholesky_inverse's gradient is reshaped
    # where PyTorch records ReshapeAlias.
    "index-reduce-prod index-reduce-prod-exclude-self cholesky-inverse-upper"
)
KNOWN_DIFFERENT = frozenset(" ".join([_DECOMPOSITIONS, _SPECTRAL, _STRUCTURED]).split())


def _recorded(t, case, arrays) -> tuple:
    """(node names reachable from the first derivatives, counted; their requires_grad)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xs = [t.tensor(a, dtype=t.float64, requires_grad=True) for a in arrays]
        y = case.call(t, *xs)
        v = t.tensor(np.random.default_rng(3).uniform(-1, 1, tuple(y.shape)), dtype=t.float64)
        firsts = t.autograd.grad((y * v).sum(), xs, create_graph=True, allow_unused=True)
    names = reachable_node_names(*(g.grad_fn for g in firsts if g is not None))
    return names, [None if g is None else g.requires_grad for g in firsts]


@pytest.mark.parametrize("case", OPS, ids=lambda c: c.name)
def test_create_graph_records_pytorchs_nodes(case) -> None:
    arrays = _inputs(case, np.random.default_rng(2))
    ours, theirs = _recorded(ref, case, arrays), _recorded(torch, case, arrays)
    if case.name in KNOWN_DIFFERENT:
        assert ours != theirs, f"{case.name} now records PyTorch's graph: unlist it"
    else:
        assert ours == theirs


def test_known_different_rows_exist() -> None:
    assert KNOWN_DIFFERENT.issubset(case.name for case in OPS)
